/// A host serving a network pool (<source><host name port/>).
public struct SourceHost: Sendable, Equatable, Hashable, Codable {
    public var name: String
    /// nil (or libvirt's 0) means the protocol's default port.
    public var port: Int?

    public init(name: String, port: Int? = nil) {
        self.name = name
        self.port = port
    }
}

/// A byte range on a device, [start, end).
public struct Extent: Sendable, Equatable, Hashable, Codable {
    public var start: UInt64
    public var end: UInt64

    public init(start: UInt64, end: UInt64) {
        self.start = start
        self.end = end
    }
}

/// A source device (<source><device path part_separator>), with the free
/// extents a disk pool reports.
public struct SourceDevice: Sendable, Equatable, Hashable, Codable {
    public var path: String
    /// Whether partition names get a "p" between device and number; nil = not said.
    public var partSeparator: Bool?
    /// Free space on a disk pool's device; filled by refresh, never parsed.
    public var freeExtents: [Extent]

    public init(path: String, partSeparator: Bool? = nil, freeExtents: [Extent] = []) {
        self.path = path
        self.partSeparator = partSeparator
        self.freeExtents = freeExtents
    }
}

/// Where a pool's storage comes from (<source>). Which fields a pool type uses
/// is in `PoolTypeRules`.
public struct PoolSource: Sendable, Equatable, Hashable, Codable {
    public var hosts: [SourceHost] = []
    public var devices: [SourceDevice] = []
    public var dir: String?
    public var adapter: StorageAdapter?
    public var name: String?
    /// The pool's source format (fs type, netfs protocol, disk label, "lvm2"),
    /// one of `PoolTypeRules.sourceFormats`; nil for types without one.
    public var format: String?
    public var auth: StorageAuth?
    /// NFS protocol version (<protocol ver>): "3", "4", "4.1".
    public var protocolVersion: String?
    public var vendor: String?
    public var product: String?
    /// Initiator IQN for iSCSI (<initiator><iqn name>).
    public var initiatorIQN: String?

    public init() {}
}
