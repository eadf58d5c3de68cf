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

    public init(capacity: UInt64) { self.capacity = capacity }

    /// The image for a volume definition (format must be qcow2, no encryption).
    public init(volume: VolumeDefinition) throws(StorageError) {
        capacity = volume.capacity
        compat = volume.target.compat ?? "0.10"
        if let cluster = volume.target.clusterSize { clusterSize = cluster }
        lazyRefcounts = volume.target.features?.contains(.lazyRefcounts) ?? false
        extendedL2 = volume.target.features?.contains(.extendedL2) ?? false
        backingPath = volume.backingStore?.path
        backingFormat = volume.backingStore?.format
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
                "\(lazyRefcounts ? "lazy_refcounts" : "'extended_l2'") not supported with compat level 0.10: use <compat>1.1</compat>",
                element: "target/features")
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
}
