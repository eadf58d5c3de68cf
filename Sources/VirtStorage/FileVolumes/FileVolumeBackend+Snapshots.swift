import Foundation

/// Snapshots of file volumes: internal snapshots of qcow2 images, made with
/// qemu-img (there is no C library for them). qemu-img locks the image, so
/// a volume that a running VM holds open is refused with qemu-img's words.
/// Raw volumes hold none.
extension FileVolumeBackend {
    public func createSnapshot(
        _ name: String, description: String?, of volume: VolumeDefinition, in pool: PoolDefinition
    ) async throws(StorageError) {
        try await QemuImgSnapshots.create(name, description: description, in: try Self.snapshotImage(volume), of: volume)
    }

    public func snapshots(of volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> [VolumeSnapshot]
    {
        try await QemuImgSnapshots.list(try Self.snapshotImage(volume))
    }

    public func revertSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
        async throws(StorageError)
    {
        try await QemuImgSnapshots.revert(name, in: try Self.snapshotImage(volume))
    }

    public func deleteSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
        async throws(StorageError)
    {
        try await QemuImgSnapshots.delete(name, in: try Self.snapshotImage(volume))
    }

    /// `qemu-img convert -l snapshot.name=SNAP` into a file made here first
    /// (O_EXCL, O_NOFOLLOW, the volume's mode), as every qemu-img creation:
    /// a qcow2 image, or the snapshot's raw bytes for a raw `clone`.
    public func buildVolume(
        _ clone: VolumeDefinition, fromSnapshot name: String, of volume: VolumeDefinition, in pool: PoolDefinition,
        progress: ProgressHandler?
    ) async throws(StorageError) {
        let source = try Self.snapshotImage(volume)
        guard let path = clone.target.path else { throw StorageError(.invalidArgument, "volume has no target path") }
        let fd = try FileVolumes.createExclusive(path, clone)
        defer { SystemCalls.close(fd) }
        do throws(StorageError) {
            _ = try FileVolumes.applyMode(fd, path, clone)
            try await QemuImgSnapshots.convert(name, of: source, into: path, as: clone.target.format ?? .qcow2)
            guard FileVolumes.isSameFile(fd, path) else {
                throw StorageError(.operationFailed, "volume '\(path)' was replaced while it was written", path: path)
            }
        } catch {
            if FileVolumes.isSameFile(fd, path) { SystemCalls.removeIfPresent(path) }
            throw error
        }
    }

    static func snapshotImage(_ volume: VolumeDefinition) throws(StorageError) -> String {
        try QemuImgSnapshots.image(of: volume)
    }
}
