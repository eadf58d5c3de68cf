import Foundation

@testable import VirtStorage

/// A thin layout written into a test bed's volume group with
/// `vgcfgrestore --force`: lvm2 cannot create thin pools or thin volumes
/// without device-mapper, which this machine's kernel lacks, but it reads,
/// reports, renames, resizes and removes them in its metadata. The text is
/// lvm2's own metadata format (as `vgcfgbackup` writes it):
///
/// - `tpool`: a thin pool of 32 MiB data (`tpool_tdata`, pv0 extents 0-7)
///   and 4 MiB metadata (`tpool_tmeta`, pv0 extent 8);
/// - `vm1`: a thin volume of 200 MiB, created at `vm1Created`;
/// - `snap_vm1_s1` and `snap_vm1_a2`: thin snapshots of vm1 with
///   VirtStorage's tags, s1 (described "before upgrade") older than a2.
enum ThinLVMLayout {
    static let thinPool = "tpool"
    static let vm1Created = 1_796_568_900
    static let s1Created = 1_796_568_910
    static let a2Created = 1_796_568_920
    static let vm1UUID = "BBBBBB-rzMz-zDh4-I9wF-YjEE-jjQF-zdXuf1"
    static let s1Description = "before upgrade"

    static func thinLV(
        _ name: String, uuid: String, extents: Int, device: Int, transaction: Int, created: Int,
        origin: String? = nil, tags: [String] = []
    ) -> String {
        let snapshot = origin != nil
        return """
            \(name) {
            id = "\(uuid)"
            status = \(snapshot ? "[\"READ\", \"VISIBLE\"]" : "[\"READ\", \"WRITE\", \"VISIBLE\"]")
            flags = \(snapshot ? "[\"ACTIVATION_SKIP\"]" : "[]")
            \(tags.isEmpty ? "" : "tags = [" + tags.map { "\"\($0)\"" }.joined(separator: ", ") + "]")
            creation_time = \(created)
            creation_host = "vm"
            segment_count = 1
            segment1 {
            start_extent = 0
            extent_count = \(extents)
            type = "thin"
            thin_pool = "\(thinPool)"
            transaction_id = \(transaction)
            \(origin.map { "origin = \"\($0)\"" } ?? "")
            device_id = \(device)
            }
            }

            """
    }

    static func snapshotTags(_ name: String, description: String? = nil) -> [String] {
        ThinSnapshotTags(volume: "vm1", name: name, description: description).tags
    }

    static var logicalVolumes: String {
        thinLV("vm1", uuid: vm1UUID, extents: 50, device: 1, transaction: 0, created: vm1Created)
            + thinLV(
                "snap_vm1_s1", uuid: "CCCCCC-rzMz-zDh4-I9wF-YjEE-jjQF-zdXuf2", extents: 50, device: 2, transaction: 1,
                created: s1Created, origin: "vm1", tags: snapshotTags("s1", description: s1Description))
            + thinLV(
                "snap_vm1_a2", uuid: "DDDDDD-rzMz-zDh4-I9wF-YjEE-jjQF-zdXuf3", extents: 50, device: 3, transaction: 2,
                created: a2Created, origin: "vm1", tags: snapshotTags("a2"))
            + """
            \(thinPool) {
            id = "AAAAAA-rzMz-zDh4-I9wF-YjEE-jjQF-zdXuf0"
            status = ["READ", "WRITE", "VISIBLE"]
            flags = []
            creation_time = \(vm1Created - 10)
            creation_host = "vm"
            segment_count = 1
            segment1 {
            start_extent = 0
            extent_count = 8
            type = "thin-pool"
            metadata = "\(thinPool)_tmeta"
            pool = "\(thinPool)_tdata"
            transaction_id = 3
            chunk_size = 128
            discards = "passdown"
            zero_new_blocks = 1
            }
            }

            """
            + hiddenLinearLV("\(thinPool)_tdata", uuid: "EEEEEE-rzMz-zDh4-I9wF-YjEE-jjQF-zdXuf4", extents: 8, at: 0)
            + hiddenLinearLV("\(thinPool)_tmeta", uuid: "FFFFFF-rzMz-zDh4-I9wF-YjEE-jjQF-zdXuf5", extents: 1, at: 8)
    }

    /// A hidden linear LV on pv0 (a thin pool's data or metadata).
    static func hiddenLinearLV(_ name: String, uuid: String, extents: Int, at start: Int) -> String {
        """
        \(name) {
        id = "\(uuid)"
        status = ["READ", "WRITE"]
        flags = []
        creation_time = \(vm1Created - 10)
        creation_host = "vm"
        segment_count = 1
        segment1 {
        start_extent = 0
        extent_count = \(extents)
        type = "striped"
        stripe_count = 1
        stripes = ["pv0", \(start)]
        }
        }

        """
    }
}

extension LVMTestBed {
    /// Adds ``ThinLVMLayout`` to the bed's VG (which must exist, with no LV
    /// on pv0's first nine extents).
    func restoreThinLayout() throws {
        let file = scratch.sub("vg.backup")
        let backup = tool("/usr/sbin/lvm", ["vgcfgbackup", "-f", file, vg])
        guard backup.status == 0 else { throw StorageError(.operationFailed, "vgcfgbackup: \(backup.stderr)") }
        var text = try String(contentsOfFile: file, encoding: .utf8)
        if let range = text.range(of: "logical_volumes {\n") {
            text.insert(contentsOf: ThinLVMLayout.logicalVolumes, at: range.upperBound)
        } else {
            guard let end = text.range(of: "\n}", options: .backwards) else {
                throw StorageError(.operationFailed, "unexpected vgcfgbackup text")
            }
            text.insert(contentsOf: "\nlogical_volumes {\n" + ThinLVMLayout.logicalVolumes + "}\n", at: end.lowerBound)
        }
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let restore = tool("/usr/sbin/lvm", ["vgcfgrestore", "--force", "-f", file, vg])
        guard restore.status == 0 else { throw StorageError(.operationFailed, "vgcfgrestore: \(restore.stderr)") }
    }

    func thinPoolXML(name: String, thinPool: String = ThinLVMLayout.thinPool) -> String {
        poolXML(name: name).replacingOccurrences(
            of: "<pool type='logical'>",
            with: "<pool type='logical' xmlns:vs='\(VirtStoragePoolSchema.namespaceURI)'>")
            .replacingOccurrences(of: "</pool>", with: "<vs:thinpool name='\(thinPool)'/></pool>")
    }
}
