import Foundation

/// Writes new, empty qcow2 images natively: compat 0.10 (version 2) or 1.1
/// (version 3), any cluster size qemu accepts, lazy refcounts, extended L2
/// entries and a backing file with its format. The image has a header
/// cluster, one refcount table cluster, one refcount block and the L1 table,
/// as qemu-img lays it out.
public struct QCow2Writer: Sendable {
    public var capacity: UInt64
    public var compat: String = "0.10"
    public var clusterSize: UInt64 = 65536
    public var lazyRefcounts = false
    public var extendedL2 = false
    public var backingPath: String?
    public var backingFormat: String?
    /// Map every cluster up front (qemu's preallocation=metadata): L2 tables
    /// and refcounts for the whole disk, data clusters allocated but sparse.
    public var preallocateMetadata = false

    public init(capacity: UInt64) { self.capacity = capacity }

    /// The image for a volume definition (format must be qcow2, no encryption).
    /// Its size is the capacity rounded up to whole KiB, as the image that
    /// libvirt's `qemu-img create ... SIZE'K'` makes.
    public init(volume: VolumeDefinition) throws(StorageError) {
        let kib = ByteCount.kibibytesRoundedUp(volume.capacity)
        capacity = kib > UInt64.max / 1024 ? volume.capacity : kib * 1024
        compat = volume.target.compat ?? "0.10"
        if let cluster = volume.target.clusterSize { clusterSize = cluster }
        lazyRefcounts = volume.target.features?.contains(.lazyRefcounts) ?? false
        extendedL2 = volume.target.features?.contains(.extendedL2) ?? false
        backingPath = volume.backingStore?.path
        backingFormat = volume.backingStore?.format?.rawValue
        try validate()
    }

    public func validate() throws(StorageError) {
        guard compat == "0.10" || compat == "1.1" else {
            throw StorageError.unsupported(
                "qcow2 compat '\(compat)' is not 0.10 or 1.1", element: "target/compat", value: compat)
        }
        let minimum: UInt64 = extendedL2 ? 16384 : 512
        guard clusterSize.nonzeroBitCount == 1, clusterSize >= minimum, clusterSize <= 2 * 1024 * 1024 else {
            throw StorageError.unsupported(
                "qcow2 cluster size \(clusterSize) must be a power of two from \(minimum) to 2097152 bytes",
                element: "target/clusterSize", value: String(clusterSize))
        }
        if compat == "0.10" && (lazyRefcounts || extendedL2) {
            throw StorageError.unsupported(
                "\(lazyRefcounts ? "lazy_refcounts" : "'extended_l2'") not supported with compat level 0.10",
                element: "target/features", hint: "use <compat>1.1</compat>")
        }
        if preallocateMetadata && (backingPath != nil || extendedL2) {
            throw StorageError.unsupported(
                backingPath != nil
                    ? "metadata preallocation conflicts with backing store"
                    : "metadata preallocation with extended L2 entries is left to qemu-img",
                element: "target")
        }
        if let backingPath, backingPath.utf8.count > 1023 {
            throw StorageError(.invalidArgument, "backing file name longer than 1023 bytes", value: backingPath)
        }
    }

    /// The image bytes (metadata only; data clusters are allocated on write).
    public func bytes() throws(StorageError) -> [UInt8] {
        try validate()
        let c = clusterSize
        let clusterBits = UInt64(c.trailingZeroBitCount)
        let l2Entries = c / (extendedL2 ? 16 : 8)
        let bytesPerL1Entry = l2Entries * c
        let l1Size = (capacity + bytesPerL1Entry - 1) / bytesPerL1Entry
        let l1Clusters = (l1Size * 8 + c - 1) / c
        let refcountTableOffset = c
        let refcountBlockOffset = 2 * c
        let l1Offset = 3 * c
        let totalClusters = 3 + l1Clusters
        guard totalClusters <= c / 2 else {
            throw StorageError(
                .invalidArgument, "capacity \(capacity) needs more metadata than one refcount block holds")
        }
        let fileSize = Int(l1Offset + max(l1Size * 8, 0))
        var out = [UInt8](repeating: 0, count: max(fileSize, Int(l1Offset)))
        func put(_ value: UInt64, at offset: Int, size: Int) {
            for i in 0..<size { out[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(size - 1 - i))) }
        }
        let version: UInt64 = compat == "1.1" ? 3 : 2
        put(0x5146_49FB, at: 0, size: 4)
        put(version, at: 4, size: 4)
        put(clusterBits, at: 20, size: 4)
        put(capacity, at: 24, size: 8)
        put(0, at: 32, size: 4)  // no encryption
        put(l1Size, at: 36, size: 4)
        put(l1Offset, at: 40, size: 8)
        put(refcountTableOffset, at: 48, size: 8)
        put(1, at: 56, size: 4)
        var extensions = 72
        if version == 3 {
            put(extendedL2 ? 1 << 4 : 0, at: 72, size: 8)
            put(lazyRefcounts ? 1 : 0, at: 80, size: 8)
            put(4, at: 96, size: 4)  // 16-bit refcounts
            put(112, at: 100, size: 4)  // header length, compression type zlib at 104
            extensions = 112
        }
        if let backingFormat, backingPath != nil {
            let name = Array(backingFormat.utf8)
            put(0xE279_2ACA, at: extensions, size: 4)
            put(UInt64(name.count), at: extensions + 4, size: 4)
            out.replaceSubrange(extensions + 8..<extensions + 8 + name.count, with: name)
            extensions += 8 + (name.count + 7) / 8 * 8
        }
        extensions += 8  // end-of-extensions marker: type 0, length 0
        if let backingPath {
            let name = Array(backingPath.utf8)
            guard extensions + name.count <= Int(c) else {
                throw StorageError(
                    .invalidArgument, "backing file name does not fit the header cluster", value: backingPath)
            }
            put(UInt64(extensions), at: 8, size: 8)
            put(UInt64(name.count), at: 16, size: 4)
            out.replaceSubrange(extensions..<extensions + name.count, with: name)
        }
        put(refcountBlockOffset, at: Int(refcountTableOffset), size: 8)
        for cluster in 0..<Int(totalClusters) {
            put(1, at: Int(refcountBlockOffset) + cluster * 2, size: 2)
        }
        return out
    }

    /// Writes the image to the empty file `fd`: the compact layout, or with
    /// `preallocateMetadata` every L2 table and refcount up front, written a
    /// cluster at a time (a 1 TiB image has 128 MiB of L2 tables).
    public func write(to fd: Int32, path: String) throws(StorageError) {
        guard preallocateMetadata else {
            try FileVolumes.writeAll(fd: fd, try bytes(), at: 0, path: path)
            return
        }
        try validate()
        let c = clusterSize
        let entriesPerL2 = c / 8
        let dataClusters = (capacity + c - 1) / c
        let l2Tables = (dataClusters + entriesPerL2 - 1) / entriesPerL2
        let l1Clusters = max(1, (l2Tables * 8 + c - 1) / c)
        // Refcount blocks must also count themselves and the refcount table.
        var refcountBlocks: UInt64 = 1
        var refcountTableClusters: UInt64 = 1
        var total: UInt64 = 0
        while true {
            total = 1 + refcountTableClusters + refcountBlocks + l1Clusters + l2Tables + dataClusters
            let blocks = (total + c / 2 - 1) / (c / 2)
            let tableClusters = (blocks * 8 + c - 1) / c
            if blocks == refcountBlocks && tableClusters == refcountTableClusters { break }
            refcountBlocks = blocks
            refcountTableClusters = tableClusters
        }
        let refcountTable = c
        let refcountBlockStart = c * (1 + refcountTableClusters)
        let l1Offset = refcountBlockStart + refcountBlocks * c
        let l2Start = l1Offset + l1Clusters * c
        let dataStart = l2Start + l2Tables * c
        let copied: UInt64 = 1 << 63

        try SystemCalls.ftruncate(fd, to: total * c, path: path, "cannot size '\(path)' to \(total * c) bytes")
        var header = try bytes()
        header.removeSubrange(Int(c)...)
        Self.put(&header, l2Tables, at: 36, size: 4)
        Self.put(&header, l1Offset, at: 40, size: 8)
        Self.put(&header, refcountTable, at: 48, size: 8)
        Self.put(&header, refcountTableClusters, at: 56, size: 4)
        try FileVolumes.writeAll(fd: fd, header, at: 0, path: path)

        // A table of 8-byte entries, written a cluster at a time.
        func table(at start: UInt64, count: UInt64, _ entry: (UInt64) -> UInt64) throws(StorageError) {
            var cluster = [UInt8](repeating: 0, count: Int(c))
            var index: UInt64 = 0
            while index < count {
                let n = min(entriesPerL2, count - index)
                for i in 0..<n { Self.put(&cluster, entry(index + i), at: Int(i * 8), size: 8) }
                try FileVolumes.writeAll(fd: fd, cluster, count: Int(n * 8), at: start + index * 8, path: path)
                index += n
            }
        }
        try table(at: refcountTable, count: refcountBlocks) { refcountBlockStart + $0 * c }
        try table(at: l1Offset, count: l2Tables) { (l2Start + $0 * c) | copied }
        try table(at: l2Start, count: dataClusters) { (dataStart + $0 * c) | copied }
        // Every cluster in the file has refcount 1 (16-bit entries).
        var ones = [UInt8](repeating: 0, count: Int(c))
        for i in stride(from: 1, to: Int(c), by: 2) { ones[i] = 1 }
        var covered: UInt64 = 0
        while covered < total {
            let n = min(c / 2, total - covered)
            try FileVolumes.writeAll(fd: fd, ones, count: Int(n * 2), at: refcountBlockStart + covered * 2, path: path)
            covered += n
        }
    }

    static func put(_ out: inout [UInt8], _ value: UInt64, at offset: Int, size: Int) {
        for i in 0..<size { out[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(size - 1 - i))) }
    }
}
