import Foundation

/// Snapshots of file volumes: internal snapshots of qcow2 images, made with
/// qemu-img (there is no C library for them), and chains of qcow2 overlays
/// for raw volumes (``ChainSnapshots``). qemu-img locks the image, so a
/// volume that a running VM holds open is refused with qemu-img's words; a
/// chain checks QEMU's locks itself.
extension FileVolumeBackend {
    public func createSnapshot(
        _ name: String, description: String?, of volume: VolumeDefinition, in pool: PoolDefinition
    ) async throws(StorageError) {
        if ChainSnapshots.holds(volume) {
            return try await ChainSnapshots.create(name, description: description, of: volume)
        }
        try await QemuImgSnapshots.create(name, description: description, in: try Self.snapshotImage(volume), of: volume)
    }

    public func snapshots(of volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> [VolumeSnapshot]
    {
        if ChainSnapshots.holds(volume) { return try await ChainSnapshots.list(volume) }
        return try await QemuImgSnapshots.list(try Self.snapshotImage(volume))
    }

    public func revertSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
        async throws(StorageError)
    {
        if ChainSnapshots.holds(volume) { return try await ChainSnapshots.revert(name, of: volume) }
        try await QemuImgSnapshots.revert(name, in: try Self.snapshotImage(volume))
    }

    public func deleteSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
        async throws(StorageError)
    {
        if ChainSnapshots.holds(volume) { return try await ChainSnapshots.delete(name, of: volume) }
        try await QemuImgSnapshots.delete(name, in: try Self.snapshotImage(volume))
    }

    /// `qemu-img convert` into a file made here first (O_EXCL, O_NOFOLLOW,
    /// the volume's mode), as every qemu-img creation: a qcow2 image, or the
    /// snapshot's raw bytes for a raw `clone`; from an internal snapshot
    /// (`-l snapshot.name=SNAP`) or a chain's snapshot file, flattened.
    public func buildVolume(
        _ clone: VolumeDefinition, fromSnapshot name: String, of volume: VolumeDefinition, in pool: PoolDefinition,
        progress: ProgressHandler?
    ) async throws(StorageError) {
        let chain = ChainSnapshots.holds(volume)
        let source = chain ? "" : try Self.snapshotImage(volume)
        guard let path = clone.target.path else { throw StorageError(.invalidArgument, "volume has no target path") }
        let fd = try FileVolumes.createExclusive(path, clone)
        defer { SystemCalls.close(fd) }
        do throws(StorageError) {
            _ = try FileVolumes.applyMode(fd, path, clone)
            let format = clone.target.format ?? .qcow2
            if chain {
                try await ChainSnapshots.convert(name, of: volume, into: path, as: format)
            } else {
                try await QemuImgSnapshots.convert(name, of: source, into: path, as: format)
            }
            guard FileVolumes.isSameFile(fd, path) else {
                throw StorageError(.operationFailed, "volume '\(path)' was replaced while it was written", path: path)
            }
        } catch {
            if FileVolumes.isSameFile(fd, path) { SystemCalls.removeIfPresent(path) }
            throw error
        }
    }

    /// A raw file's first snapshot makes it a qcow2 overlay.
    public func snapshotKeepsVolume(_ volume: VolumeDefinition) -> Bool {
        !(ChainSnapshots.holds(volume) && (volume.target.format ?? .raw) == .raw)
    }

    static func snapshotImage(_ volume: VolumeDefinition) throws(StorageError) -> String {
        try QemuImgSnapshots.image(of: volume)
    }
}
