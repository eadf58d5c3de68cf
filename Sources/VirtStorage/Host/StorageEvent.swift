/// Something that happened to a pool or a volume.
public enum StorageEvent: Sendable, Equatable {
    /// libvirt's pool lifecycle events and its refresh event: `created` is
    /// announced by pool-build (pool-create announces `started`), `deleted`
    /// by pool-delete, `refreshed` by pool-refresh and when an upload ends.
    public enum PoolChange: String, Sendable, CaseIterable {
        case defined, undefined, started, stopped, created, deleted, refreshed
    }

    public enum VolumeChange: String, Sendable, CaseIterable {
        case created, deleted, resized, wiped, uploaded
        /// Snapshots (VirtStorage beyond libvirt); the event names the volume.
        case snapshotCreated = "snapshot created", snapshotReverted = "snapshot reverted"
        case snapshotDeleted = "snapshot deleted"
    }

    case pool(name: String, change: PoolChange)
    case volume(pool: String, name: String, change: VolumeChange)
}

extension StorageEvent: CustomStringConvertible {
    /// The pool the event happened in (a volume's pool for volume events).
    public var pool: String {
        switch self {
        case .pool(let name, _): name
        case .volume(let pool, _, _): pool
        }
    }

    /// The line virsh pool-event prints for a pool event
    /// (`event 'lifecycle' for storage pool images: Started`); volume events,
    /// which libvirt does not have, read the same way.
    public var description: String {
        switch self {
        case .pool(let name, .refreshed): "event 'refresh' for storage pool \(name)"
        case .pool(let name, let change): "event 'lifecycle' for storage pool \(name): \(change.rawValue.capitalized)"
        case .volume(let pool, let name, let change):
            "event 'lifecycle' for storage volume \(name) of pool \(pool): \(change.rawValue.capitalized)"
        }
    }
}
