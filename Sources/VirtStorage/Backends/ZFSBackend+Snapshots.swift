import Foundation

/// Snapshots and clones of zvols, through zfs(8): the host's snapshot API
/// (``SnapshottingBackend``), and zfs's own details beside it.
extension ZFSBackend: SnapshottingBackend {
    /// Takes a snapshot of a volume: `zfs snapshot POOL/VOL@NAME`. A
    /// description is refused: zfs would keep it in a user property, which
    /// no recorded zfs output here shows yet.
    public func createSnapshot(
        _ name: String, description: String?, of volume: VolumeDefinition, in pool: PoolDefinition
    ) async throws(StorageError) {
        let dataset = try Self.snapshotDataset(volume, name, pool)
        if description != nil {
            throw StorageError(
                .operationUnsupported, "zfs snapshots of this pool hold no description", value: volume.name,
                hint: "take it without a description")
        }
        try await runner.run(Command("zfs", ["snapshot", dataset]))
    }

    /// The snapshots of a volume, oldest first: their creation time, and the
    /// bytes only each holds (`used`).
    public func snapshots(of volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> [VolumeSnapshot]
    {
        try await zfsSnapshots(of: volume, in: pool).map { snapshot in
            VolumeSnapshot(
                name: snapshot.name, created: Date(timeIntervalSince1970: Double(snapshot.creation)),
                size: snapshot.used)
        }
    }

    /// A volume's snapshots as zfs reports them, oldest first:
    /// `zfs list -Hp -t snapshot -d 1 -s createtxg -o name,used,referenced,creation POOL/VOL`.
    public func zfsSnapshots(of volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> [ZFSSnapshot]
    {
        let dataset = try Self.volumeDataset(volume.name, in: pool)
        let output = try await runner.run(Self.listSnapshotsCommand(dataset))
        return try ZFSOutput.snapshots(output.stdout).filter { $0.dataset == dataset }
    }

    static func listSnapshotsCommand(_ dataset: String) -> Command {
        Command(
            "zfs",
            [
                "list", "-Hp", "-t", "snapshot", "-d", "1", "-s", "createtxg", "-o", "name,used,referenced,creation",
                dataset,
            ])
    }

    /// Rolls a volume back to a snapshot: `zfs rollback POOL/VOL@NAME`. zfs
    /// refuses when newer snapshots exist unless `destroyingNewer` (`-r`),
    /// which destroys them; a clone of one of them still makes it fail.
    public func rollback(
        volume: VolumeDefinition, to snapshot: String, in pool: PoolDefinition, destroyingNewer: Bool = false
    ) async throws(StorageError) {
        let target = try Self.snapshotDataset(volume, snapshot, pool)
        try await runner.run(Command("zfs", ["rollback"] + (destroyingNewer ? ["-r"] : []) + [target]))
    }

    /// `zfs rollback POOL/VOL@NAME`: zfs refuses while newer snapshots exist.
    public func revertSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
        async throws(StorageError)
    {
        try await rollback(volume: volume, to: name, in: pool)
    }

    /// Deletes a snapshot: `zfs destroy POOL/VOL@NAME` (fails while a clone depends on it).
    public func deleteSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
        async throws(StorageError)
    {
        try await runner.run(Command("zfs", ["destroy", try Self.snapshotDataset(volume, name, pool)]))
    }

    /// `zfs clone [-o volmode=dev] POOL/VOL@SNAP POOL/NEW`: copy-on-write.
    public func buildVolume(
        _ clone: VolumeDefinition, fromSnapshot name: String, of volume: VolumeDefinition, in pool: PoolDefinition,
        progress: ProgressHandler?
    ) async throws(StorageError) {
        let origin = try Self.snapshotDataset(volume, name, pool)
        let volmode = try await volmodeSupported()
        try await runner.run(
            Command(
                "zfs",
                ["clone"] + (volmode ? ["-o", "volmode=dev"] : [])
                    + [origin, try Self.volumeDataset(clone.name, in: pool)]))
        try await settleDevices()
    }

    /// Makes a new volume `newName` from a snapshot of `volume` and returns
    /// it as zfs reports it.
    @discardableResult
    public func clone(
        volume: VolumeDefinition, snapshot: String, to newName: String, in pool: PoolDefinition
    ) async throws(StorageError) -> VolumeDefinition {
        var clone = VolumeDefinition(name: newName)
        try prepareVolume(&clone, in: pool)
        try await buildVolume(clone, fromSnapshot: snapshot, of: volume, in: pool, progress: nil)
        return try await refreshVolume(clone, in: pool)
    }

    static func snapshotDataset(_ volume: VolumeDefinition, _ snapshot: String, _ pool: PoolDefinition)
        throws(StorageError) -> String
    {
        try checkSnapshotName(snapshot)
        return try volumeDataset(volume.name, in: pool) + "@" + snapshot
    }
}
