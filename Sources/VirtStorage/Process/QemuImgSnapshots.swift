import Foundation

/// Internal snapshots of qcow2 images through qemu-img (there is no C
/// library for them), for pools whose volumes are qcow2 images at a path
/// qemu-img reaches. qemu-img locks the image, so an image a running VM
/// holds open is refused with its words. (qemu-img reaches gluster:// URLs
/// too, but each of its calls there waits about 11 s for libgfapi to wind
/// down: too slow to offer gluster snapshots this way.)
package enum QemuImgSnapshots {
    /// The image of a volume that can hold snapshots: a qcow2 image.
    package static func image(of volume: VolumeDefinition) throws(StorageError) -> String {
        guard volume.target.format == .qcow2, let path = volume.target.path else {
            throw StorageError(
                .operationUnsupported,
                "volume '\(volume.name)' is \(volume.target.format?.rawValue ?? "raw"): only raw and qcow2 volumes of this pool hold snapshots",
                value: volume.name, hint: "convert it to qcow2 (vol-create-from with a qcow2 format) to take snapshots")
        }
        return path
    }

    package static func create(
        _ name: String, description: String?, in image: String, of volume: VolumeDefinition
    ) async throws(StorageError) {
        if description != nil {
            throw StorageError(
                .operationUnsupported, "a snapshot of a qcow2 image holds no description", value: volume.name,
                hint: "take it without a description")
        }
        try await CommandRunner.run(Command("qemu-img", ["snapshot", "-c", name, image]))
    }

    package static func list(_ image: String) async throws(StorageError) -> [VolumeSnapshot] {
        // -U: a volume in use by a VM can still be listed.
        let output = try await CommandRunner.run(Command("qemu-img", ["info", "--output=json", "-U", image]))
        return try QemuImgSnapshotList.parse(output.stdout)
    }

    package static func revert(_ name: String, in image: String) async throws(StorageError) {
        try await CommandRunner.run(Command("qemu-img", ["snapshot", "-a", name, image]))
    }

    package static func delete(_ name: String, in image: String) async throws(StorageError) {
        try await CommandRunner.run(Command("qemu-img", ["snapshot", "-d", name, image]))
    }

    /// The snapshot's data into `target`: a qcow2 image of it alone, or its raw bytes.
    package static func convert(_ name: String, of image: String, into target: String, as format: VolumeFormat)
        async throws(StorageError)
    {
        try await CommandRunner.run(
            Command(
                "qemu-img",
                [
                    "convert", "-f", "qcow2", "-O", format == .raw ? "raw" : "qcow2", "-l", "snapshot.name=\(name)",
                    image, target,
                ]))
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
