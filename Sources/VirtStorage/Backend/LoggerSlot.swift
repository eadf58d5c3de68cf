import Logging
import Synchronization

/// Where a backend keeps the logger a host hands it (`useLogger`).
public final class LoggerSlot: Sendable {
    private let slot: Mutex<Logger>

    public init(_ logger: Logger = StorageHost.silentLogger) { slot = Mutex(logger) }

    public var logger: Logger { slot.withLock { $0 } }

    public func use(_ logger: Logger) { slot.withLock { $0 = logger } }
}
