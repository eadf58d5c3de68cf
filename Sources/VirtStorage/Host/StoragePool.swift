import Foundation

/// libvirt's pool states.
public enum PoolState: String, Sendable, Codable {
    case inactive, building, running, degraded, inaccessible
}

/// A snapshot of a pool, as a caller sees it at one moment.
public struct StoragePool: Sendable, Equatable, Codable {
    public var name: String
    public var uuid: UUID
    public var type: PoolType
    public var state: PoolState
    public var isPersistent: Bool
    public var autostart: Bool
    /// The live definition of an active pool, else the persistent one.
    public var definition: PoolDefinition
    public var isActive: Bool { state == .running }
    public var capacity: UInt64 { definition.capacity }
    public var allocation: UInt64 { definition.allocation }
    public var available: UInt64 { definition.available }
    /// The pool's directory or device directory on this machine (its
    /// `<target><path>`); nil for pools without one (rbd, gluster, ...).
    public var path: String? { definition.target.path }
    /// The source's format where the pool type has one (`dos` or `gpt` for
    /// disk pools, `lvm2`, `nfs`, `ext4`, ...).
    public var format: String? { definition.source.format }
    /// How many volumes the pool holds; nil until this host has read them
    /// (an active pool found when the host opened is read on first need).
    public var volumeCount: Int?
}

/// A snapshot of a volume and the pool it belongs to.
public struct StorageVolume: Sendable, Equatable, Codable {
    public var pool: String
    public var poolType: PoolType
    public var definition: VolumeDefinition
    public var name: String { definition.name }
    public var key: String? { definition.key }
    public var path: String? { definition.target.path }
    /// Size in bytes as a guest sees it.
    public var capacity: UInt64 { definition.capacity }
    /// Bytes the volume takes in its pool.
    public var allocation: UInt64 { definition.allocation }
    /// Image format (file pools) or partition type (disk pools); nil where
    /// the pool type has none (logical, iscsi, ...).
    public var format: VolumeFormat? { definition.target.format }
    /// What kind of object the volume is: a file, a block device, a network image.
    public var type: VolumeType { definition.type }

    /// libvirt's volume XML for this volume.
    public var xml: String { VolumeXML.format(definition, poolType: poolType) }
}

/// virsh pool-list's filters.
public struct PoolFilter: Sendable, Equatable {
    public var active: Bool?
    public var persistent: Bool?
    public var autostart: Bool?
    public var types: Set<PoolType>?

    public init(active: Bool? = nil, persistent: Bool? = nil, autostart: Bool? = nil, types: Set<PoolType>? = nil) {
        self.active = active
        self.persistent = persistent
        self.autostart = autostart
        self.types = types
    }

    public static let all = PoolFilter()

    func matches(_ pool: StoragePool) -> Bool {
        (active == nil || active == pool.isActive) && (persistent == nil || persistent == pool.isPersistent)
            && (autostart == nil || autostart == pool.autostart) && (types?.contains(pool.type) ?? true)
    }
}
