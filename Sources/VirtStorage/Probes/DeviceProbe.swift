import CBlkid
import Foundation

/// What a device or image file already holds, read natively with libblkid:
/// the check that keeps a build from destroying data it was not told to.
public enum DeviceProbe {
    /// The signatures found at the start of a device.
    public struct Contents: Sendable, Equatable {
        /// Filesystem or other superblock type ("ext4", "xfs", "LVM2_member", "swap").
        public var filesystem: String?
        /// Partition table type ("dos", "gpt").
        public var partitionTable: String?

        public var isEmpty: Bool { filesystem == nil && partitionTable == nil }
        public var description: String { filesystem ?? partitionTable.map { "\($0) partition table" } ?? "nothing" }

        public init(filesystem: String? = nil, partitionTable: String? = nil) {
            self.filesystem = filesystem
            self.partitionTable = partitionTable
        }
    }

    /// Reads the superblock and partition-table signatures of `device`.
    public static func contents(of device: String) throws(StorageError) -> Contents {
        guard let probe = blkid_new_probe_from_filename(device) else {
            // libvirt's words (virStorageBackendBLKIDFindEmpty), strerror in the hint.
            let code = errno
            throw StorageError(
                .probeFailed, "Failed to create filesystem probe for device \(device)", errno: code, path: device,
                hint: "cannot open '\(device)': \(String(cString: strerror(code)))")
        }
        defer { blkid_free_probe(probe) }
        blkid_probe_enable_superblocks(probe, 1)
        blkid_probe_set_superblocks_flags(probe, BLKID_SUBLKS_TYPE)
        blkid_probe_enable_partitions(probe, 1)
        switch blkid_do_safeprobe(probe) {
        case 0:
            return Contents(filesystem: value(probe, "TYPE"), partitionTable: value(probe, "PTTYPE"))
        case 1:
            return Contents()
        case -2:
            // Several signatures that contradict each other: certainly not empty.
            return Contents(filesystem: "ambivalent signatures")
        default:
            throw StorageError(
                .probeFailed, "Failed to probe device '\(device)' for existing data", path: device)
        }
    }

    /// Checks that `device` may be given a new `format` by a build without
    /// --overwrite, with libvirt's rules and messages: an empty device may,
    /// one that already holds this or another format may not.
    public static func requireEmpty(_ device: String, format: String) throws(StorageError) {
        let found = try contents(of: device)
        if found.isEmpty { return }
        if found.filesystem == format || found.partitionTable == format {
            throw StorageError(.poolBuilt, "Device '\(device)' already formatted using '\(format)'", path: device)
        }
        throw StorageError(
            .poolBuilt,
            "Format of device '\(device)' does not match the expected format '\(format)', forced overwrite is necessary",
            path: device, hint: "it holds \(found.description)")
    }

    private static func value(_ probe: blkid_probe, _ name: String) -> String? {
        var data: UnsafePointer<CChar>?
        var length = 0
        guard blkid_probe_lookup_value(probe, name, &data, &length) == 0, let data else { return nil }
        return String(cString: data)
    }
}
