import Foundation

/// Snapshots of file volumes: internal snapshots of qcow2 images, made with
/// qemu-img (there is no C library for them). qemu-img locks the image, so
/// a volume that a running VM holds open is refused with qemu-img's words.
/// Raw volumes hold none.
extension FileVolumeBackend {
    public func createSnapshot(
        _ name: String, description: String?, of volume: VolumeDefinition, in pool: PoolDefinition
    ) async throws(StorageError) {
        let path = try Self.snapshotImage(volume)
        if description != nil {
            throw StorageError(
                .operationUnsupported, "a snapshot of a qcow2 image holds no description", value: volume.name,
                hint: "take it without a description")
        }
        try await CommandRunner.run(Command("qemu-img", ["snapshot", "-c", name, path]))
    }

    public func snapshots(of volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> [VolumeSnapshot]
    {
        let path = try Self.snapshotImage(volume)
        // -U: a volume in use by a VM can still be listed.
        let output = try await CommandRunner.run(Command("qemu-img", ["info", "--output=json", "-U", path]))
        return try QemuImgSnapshotList.parse(output.stdout)
    }

    public func revertSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
        async throws(StorageError)
    {
        try await CommandRunner.run(Command("qemu-img", ["snapshot", "-a", name, try Self.snapshotImage(volume)]))
    }

    public func deleteSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
        async throws(StorageError)
    {
        try await CommandRunner.run(Command("qemu-img", ["snapshot", "-d", name, try Self.snapshotImage(volume)]))
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
            try await CommandRunner.run(
                Command(
                    "qemu-img",
                    [
                        "convert", "-f", "qcow2", "-O", clone.target.format == .raw ? "raw" : "qcow2",
                        "-l", "snapshot.name=\(name)", source, path,
                    ]))
            guard FileVolumes.isSameFile(fd, path) else {
                throw StorageError(.operationFailed, "volume '\(path)' was replaced while it was written", path: path)
            }
        } catch {
            if FileVolumes.isSameFile(fd, path) { SystemCalls.removeIfPresent(path) }
            throw error
        }
    }

    /// The image of a volume that can hold snapshots: a qcow2 file.
    static func snapshotImage(_ volume: VolumeDefinition) throws(StorageError) -> String {
        guard volume.target.format == .qcow2, let path = volume.target.path else {
            throw StorageError(
                .operationUnsupported,
                "volume '\(volume.name)' is \(volume.target.format?.rawValue ?? "raw"): only qcow2 volumes of this pool hold snapshots",
                value: volume.name, hint: "convert it to qcow2 (vol-create-from with a qcow2 format) to take snapshots")
        }
        return path
    }
}

/// The snapshots in `qemu-img info --output=json`.
enum QemuImgSnapshotList {
    private struct Info: Decodable {
        var snapshots: [Entry]?
    }

    private struct Entry: Decodable {
        var name: String
        var dateSeconds: Int64
        var dateNanoseconds: Int64
        var stateSize: UInt64

        enum CodingKeys: String, CodingKey {
            case name
            case dateSeconds = "date-sec"
            case dateNanoseconds = "date-nsec"
            case stateSize = "vm-state-size"
        }
    }

    static func parse(_ json: String) throws(StorageError) -> [VolumeSnapshot] {
        let info: Info
        do {
            info = try JSONDecoder().decode(Info.self, from: Data(json.utf8))
        } catch {
            throw StorageError(.internalError, "cannot read qemu-img's snapshot list", hint: "\(error)")
        }
        return (info.snapshots ?? []).map { entry in
            VolumeSnapshot(
                name: entry.name,
                created: Date(
                    timeIntervalSince1970: Double(entry.dateSeconds) + Double(entry.dateNanoseconds) / 1e9),
                size: entry.stateSize)
        }
    }
}
