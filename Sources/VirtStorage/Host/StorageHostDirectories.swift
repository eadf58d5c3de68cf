import Foundation

/// Where a host keeps its pools, in libvirt's layout: `<name>.xml` per
/// persistent pool in `config`, a link per autostart pool in `autostart`,
/// and the live XML of active pools in `state`.
public struct StorageHostDirectories: Sendable, Equatable {
    public var config: String
    public var autostart: String
    public var state: String

    public init(config: String, autostart: String? = nil, state: String) {
        self.config = config
        self.autostart = autostart ?? config + "/autostart"
        self.state = state
    }

    /// Secrets live beside the pool configs: .../secrets for .../storage.
    public var secrets: String {
        (config as NSString).deletingLastPathComponent + "/secrets"
    }

    /// Everything under one directory, like libvirt's embedded root:
    /// DIR/etc/storage, DIR/etc/storage/autostart, DIR/run/storage.
    public static func root(_ dir: String) -> StorageHostDirectories {
        StorageHostDirectories(config: dir + "/etc/storage", state: dir + "/run/storage")
    }

    /// /etc/virtstorage/storage and /run/virtstorage/storage.
    public static let system = StorageHostDirectories(
        config: "/etc/virtstorage/storage", state: "/run/virtstorage/storage")

    /// The user's XDG directories ($XDG_CONFIG_HOME, $XDG_RUNTIME_DIR).
    public static var user: StorageHostDirectories {
        let env = ProcessInfo.processInfo.environment
        let home = env["HOME"] ?? NSHomeDirectory()
        let config = env["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
        let runtime =
            env["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? NSTemporaryDirectory()
            + "virtstorage-\(getuid())"
        return StorageHostDirectories(config: config + "/virtstorage/storage", state: runtime + "/virtstorage/storage")
    }

    /// System directories for root, the user's otherwise.
    public static var `default`: StorageHostDirectories { getuid() == 0 ? system : user }
}
