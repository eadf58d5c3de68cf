import Synchronization

/// Where a backend keeps the secret store it reads keys and passwords from:
/// the one it was made with, or the one a host hands it (`useSecrets`).
public final class SecretStoreSlot: Sendable {
    private let slot: Mutex<(any SecretStore)?>

    public init(_ store: (any SecretStore)? = nil) { slot = Mutex(store) }

    public var store: (any SecretStore)? { slot.withLock { $0 } }

    /// Takes `store` unless it is nil (a host without secrets leaves the old one).
    public func use(_ store: (any SecretStore)?) {
        guard let store else { return }
        slot.withLock { $0 = store }
    }
}
