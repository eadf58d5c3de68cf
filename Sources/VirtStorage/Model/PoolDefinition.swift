import Foundation

/// A pool's <target>: where its volumes appear on this host.
public struct PoolTarget: Sendable, Equatable, Hashable, Codable {
    public var path: String?
    public var permissions: Permissions

    public init(path: String? = nil, permissions: Permissions = Permissions()) {
        self.path = path
        self.permissions = permissions
    }
}

/// How refresh reports volume allocation (<refresh><volume allocation>).
public enum VolumeAllocationRefresh: String, Sendable, Codable, Hashable, CaseIterable {
    case `default`
    case capacity
}

/// One option of a namespaced list (<fs:option name/> or <rbd:option name value/>).
public struct NamedOption: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var value: String?

    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }
}

/// The full definition of a storage pool, as in libvirt's pool XML.
public struct PoolDefinition: Sendable, Equatable, Hashable, Codable {
    public var type: PoolType
    public var name: String
    public var uuid: UUID
    /// Sizes are runtime values: filled by refresh, written to XML, never parsed.
    public var capacity: UInt64 = 0
    public var allocation: UInt64 = 0
    public var available: UInt64 = 0
    /// <features><cow state>: copy-on-write for btrfs-backed dir and fs pools.
    public var copyOnWrite: Bool?
    public var source: PoolSource
    public var target: PoolTarget
    public var refreshVolumeAllocation: VolumeAllocationRefresh?
    /// fs and netfs pools: extra mount options (<fs:mount_opts>).
    public var mountOptions: [String] = []
    /// rbd pools: cluster configuration options (<rbd:config_opts>).
    public var rbdConfigOptions: [NamedOption] = []
    /// logical pools: the LVM thin pool of the volume group that holds the
    /// pool's new volumes, as thin volumes that can hold snapshots
    /// (`<vs:thinpool name='…'/>`, a VirtStorage extension; see
    /// ``VirtStoragePoolSchema/namespaceURI``).
    public var thinPool: String?

    public init(
        type: PoolType, name: String, uuid: UUID = UUID(), source: PoolSource = PoolSource(),
        target: PoolTarget = PoolTarget()
    ) {
        self.type = type
        self.name = name
        self.uuid = uuid
        self.source = source
        self.target = target
    }

    public var rules: PoolTypeRules { PoolTypeRules.of(type) }
}
