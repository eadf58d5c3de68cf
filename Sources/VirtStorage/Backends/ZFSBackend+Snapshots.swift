/// Snapshots and clones of zvols: not part of StorageBackend (libvirt has no
/// pool-level snapshot API), so they are methods of ZFSBackend itself. They
/// change the zpool only; a host lists a clone after it refreshes the pool.
extension ZFSBackend {
    /// Takes a snapshot of a volume: `zfs snapshot POOL/VOL@NAME`.
    public func createSnapshot(volume: VolumeDefinition, name: String, pool: PoolDefinition)
        async throws(StorageError)
    {
        try await runner.run(Command("zfs", ["snapshot", try Self.snapshotDataset(volume, name, pool)]))
    }

    /// The snapshots of a volume, oldest first:
    /// `zfs list -Hp -t snapshot -d 1 -s createtxg -o name,used,referenced,creation POOL/VOL`.
    public func snapshots(of volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
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

    /// Deletes a snapshot: `zfs destroy POOL/VOL@NAME` (fails while a clone depends on it).
    public func deleteSnapshot(volume: VolumeDefinition, name: String, in pool: PoolDefinition)
        async throws(StorageError)
    {
        try await runner.run(Command("zfs", ["destroy", try Self.snapshotDataset(volume, name, pool)]))
    }

    /// Makes a new volume `newName` from a snapshot of `volume`:
    /// `zfs clone [-o volmode=dev] POOL/VOL@SNAP POOL/NEW`. Returns the new
    /// volume as zfs reports it.
    @discardableResult
    public func clone(
        volume: VolumeDefinition, snapshot: String, to newName: String, in pool: PoolDefinition
    ) async throws(StorageError) -> VolumeDefinition {
        let origin = try Self.snapshotDataset(volume, snapshot, pool)
        var clone = VolumeDefinition(name: newName)
        try prepareVolume(&clone, in: pool)
        let volmode = try await volmodeSupported()
        try await runner.run(
            Command(
                "zfs",
                ["clone"] + (volmode ? ["-o", "volmode=dev"] : [])
                    + [origin, try Self.volumeDataset(newName, in: pool)]))
        try await settleDevices()
        return try await refreshVolume(clone, in: pool)
    }

    static func snapshotDataset(_ volume: VolumeDefinition, _ snapshot: String, _ pool: PoolDefinition)
        throws(StorageError) -> String
    {
        try checkSnapshotName(snapshot)
        return try volumeDataset(volume.name, in: pool) + "@" + snapshot
    }
}
