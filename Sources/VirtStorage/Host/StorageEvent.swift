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
    }

    case pool(name: String, change: PoolChange)
    case volume(pool: String, name: String, change: VolumeChange)
}
