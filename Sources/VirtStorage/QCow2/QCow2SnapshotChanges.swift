import Foundation

/// What changed in a qcow2 image between two of its internal snapshots,
/// read from the image's own tables: each snapshot keeps a copy of the L1
/// table, and qcow2 writes a cluster that a snapshot shares to a new place
/// (copy on write), so a guest cluster whose L2 entry differs between the
/// two snapshots (the COPIED flag aside, which only says whether a cluster
/// is shared) changed, and one whose entry is the same did not. L2 tables
/// that both L1 tables point at are not read.
enum QCow2SnapshotChanges {
    struct Snapshot {
        var name: String
        var l1Offset: UInt64
        var l1Size: UInt32
    }

    struct Image {
        var clusterBits: UInt64
        var size: UInt64
        var hasBacking: Bool
        var snapshots: [Snapshot]
    }

    /// The bit qcow2 sets on an L1 or L2 entry whose cluster has refcount 1.
    static let copied: UInt64 = 1 << 63
    /// An L2 entry whose cluster is compressed.
    static let compressed: UInt64 = 1 << 62
    /// The host offset of a standard L1 or L2 entry.
    static let offsetMask: UInt64 = 0x00ff_ffff_ffff_fe00

    /// What changed, and where the later snapshot keeps it.
    struct Changes {
        /// The runs of the guest's bytes that differ, in order; a run that
        /// reads as zeros at the later snapshot holds no data.
        var extents: [VolumeExtent]
        var clusterSize: UInt64
        /// The image's size as a guest sees it.
        var size: UInt64
        /// Where each changed guest cluster with data is in the image file,
        /// when all of them are plain clusters there (none compressed, none
        /// read from a backing file): then the changes can be read in place.
        var hostOffsets: [UInt64: UInt64]?
    }

    /// The runs of the guest's bytes that differ between `base` and
    /// `snapshot` of the image at `path`; a run that reads as zeros at
    /// `snapshot` (an image without a backing file) holds no data.
    static func changes(in path: String, from base: String, to snapshot: String) throws(StorageError)
        -> Changes
    {
        let fd = try SystemCalls.open(path, O_RDONLY | O_CLOEXEC, "cannot open '\(path)'")
        defer { SystemCalls.close(fd) }
        let image = try read(fd, path)
        func find(_ name: String) throws(StorageError) -> Snapshot {
            guard let found = image.snapshots.first(where: { $0.name == name }) else {
                throw StorageError(.noSuchSnapshot, "image '\(path)' has no snapshot '\(name)'", value: name)
            }
            return found
        }
        let old = try table(fd, path, try find(base))
        let new = try table(fd, path, try find(snapshot))
        let clusterSize = UInt64(1) << image.clusterBits
        let perTable = clusterSize / 8
        var extents: [VolumeExtent] = []
        var hostOffsets: [UInt64: UInt64]? = [:]
        func add(_ cluster: UInt64, _ holdsData: Bool) {
            let start = cluster * clusterSize
            guard start < image.size else { return }
            let end = min(start + clusterSize, image.size)
            if let last = extents.last, last.range.upperBound == start, last.holdsData == holdsData {
                extents[extents.count - 1].range = last.range.lowerBound..<end
            } else {
                extents.append(VolumeExtent(start..<end, holdsData: holdsData))
            }
        }
        for index in 0..<max(old.count, new.count) {
            let before = index < old.count ? old[index] & ~copied : 0
            let after = index < new.count ? new[index] & ~copied : 0
            if before == after { continue }
            let beforeEntries = try l2(fd, path, before & offsetMask, perTable)
            let afterEntries = try l2(fd, path, after & offsetMask, perTable)
            for entry in 0..<Int(perTable) {
                let was = beforeEntries[entry] & ~copied
                let now = afterEntries[entry] & ~copied
                guard was != now else { continue }
                let readsZero = now == 0 || (now & compressed == 0 && now & 1 == 1)
                let cluster = UInt64(index) * perTable + UInt64(entry)
                let holdsData = !(readsZero && !image.hasBacking)
                add(cluster, holdsData)
                guard holdsData else { continue }
                if now & compressed == 0, !readsZero, now & offsetMask != 0 {
                    hostOffsets?[cluster] = now & offsetMask
                } else {
                    hostOffsets = nil
                }
            }
        }
        return Changes(extents: extents, clusterSize: clusterSize, size: image.size, hostOffsets: hostOffsets)
    }

    // MARK: reading

    static func read(_ fd: Int32, _ path: String) throws(StorageError) -> Image {
        let header = try SystemCalls.read(fd, count: 104, at: 0, path: path, "cannot read '\(path)'")
        guard header.count >= 72, header[0..<4].elementsEqual([0x51, 0x46, 0x49, 0xFB]) else {
            throw StorageError(.operationFailed, "'\(path)' is not a qcow2 image", path: path)
        }
        let version = be32(header, 4)
        let clusterBits = UInt64(be32(header, 20))
        guard (9...21).contains(clusterBits) else {
            throw StorageError(.operationFailed, "'\(path)' has an invalid cluster size", path: path)
        }
        // Extended L2 entries (incompatible feature bit 4) hold subclusters: not read here.
        if version >= 3, header.count >= 80, be64(header, 72) & (1 << 4) != 0 {
            throw StorageError(
                .operationUnsupported, "'\(path)' has extended L2 entries: its snapshots' changes are not read",
                path: path)
        }
        let count = be32(header, 60)
        var offset = be64(header, 64)
        var snapshots: [Snapshot] = []
        for _ in 0..<count {
            let fixed = try SystemCalls.read(fd, count: 40, at: offset, path: path, "cannot read '\(path)'")
            guard fixed.count == 40 else { throw StorageError(.operationFailed, "'\(path)': snapshot table cut short", path: path) }
            let idSize = UInt64(be16(fixed, 12))
            let nameSize = UInt64(be16(fixed, 14))
            let extra = UInt64(be32(fixed, 36))
            let nameBytes = try SystemCalls.read(
                fd, count: Int(nameSize), at: offset + 40 + extra + idSize, path: path, "cannot read '\(path)'")
            snapshots.append(
                Snapshot(name: String(decoding: nameBytes, as: UTF8.self), l1Offset: be64(fixed, 0), l1Size: be32(fixed, 8)))
            let length = 40 + extra + idSize + nameSize
            offset += (length + 7) / 8 * 8
        }
        return Image(clusterBits: clusterBits, size: be64(header, 24), hasBacking: be64(header, 8) != 0, snapshots: snapshots)
    }

    /// A snapshot's L1 table.
    static func table(_ fd: Int32, _ path: String, _ snapshot: Snapshot) throws(StorageError) -> [UInt64] {
        try entries(fd, path, at: snapshot.l1Offset, count: UInt64(snapshot.l1Size))
    }

    /// The L2 table at `offset` (all unallocated for 0).
    static func l2(_ fd: Int32, _ path: String, _ offset: UInt64, _ count: UInt64) throws(StorageError) -> [UInt64] {
        offset == 0 ? [UInt64](repeating: 0, count: Int(count)) : try entries(fd, path, at: offset, count: count)
    }

    static func entries(_ fd: Int32, _ path: String, at offset: UInt64, count: UInt64) throws(StorageError) -> [UInt64] {
        let bytes = try SystemCalls.read(fd, count: Int(count * 8), at: offset, path: path, "cannot read '\(path)'")
        guard UInt64(bytes.count) == count * 8 else {
            throw StorageError(.operationFailed, "'\(path)': a table at \(offset) is cut short", path: path)
        }
        return (0..<Int(count)).map { be64(bytes, $0 * 8) }
    }

    static func be16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) << 8 | UInt16(b[at + 1]) }
    static func be32(_ b: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(b[at + $1]) }
    }
    static func be64(_ b: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(b[at + $1]) }
    }
}
