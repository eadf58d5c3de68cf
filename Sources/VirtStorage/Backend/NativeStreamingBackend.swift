/// A backend with a stream format of its own for a volume at a snapshot and
/// for the changes between two snapshots (btrfs send, zfs send): a volume
/// stream can carry it in place of the volume's bytes
/// (``StorageHost/exportVolume(_:in:snapshot:base:format:progress:)`` with
/// the format's name), and an import into a pool of the same type gives it
/// back to the backend, which keeps what its own format keeps (shared
/// extents, the snapshot a later incremental stream starts from).
public protocol NativeStreamingBackend: SnapshottingBackend {
    /// The format's name in a stream's header (`btrfs-send`).
    var nativeStreamFormat: String { get }

    /// The volume as it was at `snapshot` in the backend's format; with
    /// `base`, only what changed from `base` to `snapshot`. The host has
    /// checked that both snapshots exist.
    func sendStream(_ volume: VolumeDefinition, in pool: PoolDefinition, snapshot: String, base: String?)
        async throws(StorageError) -> any NativeStreamSource

    /// Without `base`: makes the new volume `volume` (prepared by
    /// ``StorageBackend/prepareVolume(_:in:)``) from a whole stream, which
    /// leaves it holding `snapshot`. With `base`: applies the changes to the
    /// existing `volume`, which holds `base` and not `snapshot` (the host has
    /// checked), and leaves it at `snapshot`, holding that snapshot too.
    ///
    /// `pieces` gives the stream's bytes in order, nil at its verified end;
    /// it throws for a stream that is corrupted or cut short. Whatever fails,
    /// the backend leaves nothing of what it received: no new volume, and an
    /// existing volume as it was.
    func receiveStream(
        into volume: VolumeDefinition, in pool: PoolDefinition, snapshot: String, base: String?,
        from pieces: nonisolated(nonsending) () async throws(StorageError) -> [UInt8]?
    ) async throws(StorageError)
}

/// The bytes of a backend's own stream as its source gives them.
public protocol NativeStreamSource: Sendable {
    /// The next piece of the stream; nil at its end, once the source has
    /// said it ended well (a tool's exit status checked).
    func next() async throws(StorageError) -> [UInt8]?
}
