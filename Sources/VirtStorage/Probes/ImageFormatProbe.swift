import CStorageSys
import Foundation

/// Recognises image formats from their headers, natively (no qemu-img), the
/// way libvirt's storage file prober does: raw, qcow, qcow2, qed, vmdk, vpc,
/// vdi, iso, bochs, cloop, cow, and LUKS (reported as raw + luks). Like
/// libvirt, dmg is not recognised by content.
public enum ImageFormatProbe {
    /// Bytes read from the start of a file; enough for every header but iso.
    static let headerSize = 4096

    /// Probes the open file `fd` of `fileSize` bytes: one 4 KiB read, and for
    /// files long enough to be ISO images a 5-byte read at 32769, where the
    /// ISO 9660 volume descriptor sits (cheaper than reading 32 KiB).
    public static func probe(fd: Int32, fileSize: UInt64) -> ImageHeader {
        var buffer = [UInt8]()
        return probe(fd: fd, fileSize: fileSize, buffer: &buffer)
    }

    /// As `probe(fd:fileSize:)`, reading into `buffer`, which callers probing
    /// many files reuse (no allocation per file). `dataStart`, when the caller
    /// knows it, is where the file's first data is (its size: none at all).
    static func probe(fd: Int32, fileSize: UInt64, buffer: inout [UInt8], dataStart: UInt64? = nil) -> ImageHeader {
        // Bytes in a hole read as zeros. Most volumes of a pool are sparse and
        // begin with a hole: reading it would fill the page cache with zero
        // pages, so they are made up here. Where SEEK_DATA is not supported
        // the whole file counts as data and is read.
        let holeEnd: UInt64
        if let dataStart {
            holeEnd = dataStart
        } else {
            let firstData = vs_seek_data(fd, 0)
            holeEnd = firstData >= 0 ? UInt64(firstData) : errno == ENXIO ? fileSize : 0
        }
        // No data at all: every byte the prober would look at is a zero.
        if holeEnd >= fileSize { return allZeros }
        return probe(fileSize: fileSize, buffer: &buffer) { into, offset in
            guard offset + UInt64(into.count) <= holeEnd else {
                return pread(fd, into.baseAddress, into.count, off_t(offset))
            }
            let count = Int(min(UInt64(into.count), fileSize - min(offset, fileSize)))
            into.baseAddress?.initializeMemory(as: UInt8.self, repeating: 0, count: count)
            return count
        }
    }

    /// What a file without any data (all holes, as most sparse volumes are)
    /// probes as, worked out once by the prober itself.
    static let allZeros = probe(header: [UInt8](repeating: 0, count: headerSize))

    /// Probes a file that is read through `read(into, offset)`, which returns
    /// the bytes read (negative on error): files that are not local, such as
    /// gluster volumes read through libgfapi. The same two reads as
    /// `probe(fd:fileSize:)`.
    public static func probe(fileSize: UInt64, read: (UnsafeMutableRawBufferPointer, UInt64) -> Int) -> ImageHeader {
        var buffer = [UInt8]()
        return probe(fileSize: fileSize, buffer: &buffer, read: read)
    }

    static func probe(
        fileSize: UInt64, buffer: inout [UInt8], read: (UnsafeMutableRawBufferPointer, UInt64) -> Int
    ) -> ImageHeader {
        if buffer.count != headerSize { buffer = [UInt8](repeating: 0, count: headerSize) }
        let n = buffer.withUnsafeMutableBytes { max(0, read($0, 0)) }
        let header = ByteReader(bytes: n == headerSize ? buffer : Array(buffer.prefix(n)))
        if let known = probe(header) { return known }
        if fileSize >= 32774 {
            var magic = [UInt8](repeating: 0, count: 5)
            let m = magic.withUnsafeMutableBytes { read($0, 32769) }
            if m == 5 && magic == Array("CD001".utf8) {
                var h = ImageHeader(format: "iso")
                h.capacity = fileSize
                return h
            }
        }
        return ImageHeader(format: "raw")
    }

    /// Probes a file by path (no symlink is followed when `noFollow`).
    public static func probe(path: String) throws(StorageError) -> ImageHeader {
        try probeWithSize(path: path).header
    }

    /// Probes a file by path, and gives its size too (one open, one stat).
    public static func probeWithSize(path: String) throws(StorageError) -> (header: ImageHeader, size: UInt64) {
        let fd = try SystemCalls.open(path, O_RDONLY | O_NONBLOCK, "cannot open volume '\(path)'")
        defer { SystemCalls.close(fd) }
        let st = try SystemCalls.fstat(fd, path: path, "cannot stat file '\(path)'")
        return (probe(fd: fd, fileSize: UInt64(st.st_size)), UInt64(st.st_size))
    }

    /// Probes an image's first bytes held in memory (the first 4 KiB decide
    /// every format but iso): what refresh reports of a file starting with them.
    public static func probe(header bytes: [UInt8]) -> ImageHeader {
        probe(ByteReader(bytes: Array(bytes.prefix(headerSize)))) ?? ImageHeader(format: "raw")
    }

    /// Formats recognised from the first `headerSize` bytes.
    static func probe(_ r: ByteReader) -> ImageHeader? {
        if r.matches([0x51, 0x46, 0x49, 0xFB]) { return qcow(r) }
        if r.matches("QED\0") { return qed(r) }
        if r.matches("KDMV") {
            var h = ImageHeader(format: "vmdk")
            h.capacity = r.le(12, 8).map { $0 &* 512 }
            h.backingPath = vmdkParent(r)
            return h
        }
        if r.matches("# Disk DescriptorFile") {
            var h = ImageHeader(format: "vmdk")
            h.backingPath = vmdkParent(r)
            return h
        }
        if r.matches("conectix") {
            var h = ImageHeader(format: "vpc")
            h.capacity = r.be(48, 8)
            return h
        }
        if r.matches([0x7F, 0x10, 0xDA, 0xBE], at: 64) {
            var h = ImageHeader(format: "vdi")
            h.capacity = r.le(368, 8)
            return h
        }
        if r.matches([0x4C, 0x55, 0x4B, 0x53, 0xBA, 0xBE]) {
            var h = ImageHeader(format: "raw")
            h.encryption = "luks"
            return h
        }
        if r.matches("Bochs Virtual HD Image", at: 32) || r.matches("Bochs Virtual HD Image") {
            var h = ImageHeader(format: "bochs")
            h.capacity = r.le(0x1B8, 8)
            return h
        }
        if r.matches("#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n") {
            return ImageHeader(format: "cloop")
        }
        if r.matches([0x4F, 0x4F, 0x4F, 0x4D]), r.be(4, 4) == 2 {
            var h = ImageHeader(format: "cow")
            h.backingPath = r.string(8, 1024).flatMap { $0.isEmpty ? nil : $0 }
            h.capacity = r.be(1036, 8)
            return h
        }
        return nil
    }

    private static func qcow(_ r: ByteReader) -> ImageHeader {
        let version = r.be(4, 4) ?? 0
        var h = ImageHeader(format: version == 1 ? "qcow" : "qcow2")
        h.capacity = r.be(24, 8)
        // Header fields are untrusted: out-of-range values simply give no backing name.
        if let offset = r.be(8, 8).flatMap({ Int(exactly: $0) }), let size = r.be(16, 4), offset > 0, size > 0,
            size < 4096
        {
            h.backingPath = r.string(offset, Int(size))
        }
        if version == 1 {
            if r.be(36, 4) == 1 { h.encryption = "qcow" }
            return h
        }
        switch r.be(32, 4) {
        case 1: h.encryption = "qcow"
        case 2: h.encryption = "luks"
        default: break
        }
        h.clusterSize = r.be(20, 4).flatMap { $0 < 32 ? UInt64(1) << $0 : nil }
        var extensionsStart = 72
        // libvirt reports compat and features only for version 3 images.
        if version >= 3 {
            h.compat = "1.1"
            var features = Set<VolumeFeature>()
            if let compatible = r.be(80, 8), compatible & 1 != 0 { features.insert(.lazyRefcounts) }
            if let incompatible = r.be(72, 8), incompatible & (1 << 4) != 0 { features.insert(.extendedL2) }
            h.features = features
            extensionsStart = Int(r.be(100, 4) ?? 104)
        }
        // Header extensions: type, length, data padded to 8 bytes; 0 ends them.
        var offset = extensionsStart
        let backingOffset = r.be(8, 8).flatMap { Int(exactly: $0) } ?? 0
        while let type = r.be(offset, 4), let length = r.be(offset + 4, 4), type != 0, length <= 4096 {
            if backingOffset > 0 && offset >= backingOffset { break }
            if type == 0xE279_2ACA { h.backingFormat = r.string(offset + 8, Int(length)).map(VolumeFormat.init(rawValue:)) }
            offset += 8 + Int((length + 7) & ~7)
        }
        return h
    }

    private static func qed(_ r: ByteReader) -> ImageHeader {
        var h = ImageHeader(format: "qed")
        h.capacity = r.le(48, 8)
        let features = r.le(16, 8) ?? 0
        if features & 1 != 0, let offset = r.le(56, 4), let size = r.le(60, 4), size > 0, size < 4096 {
            h.backingPath = r.string(Int(offset), Int(size))
            if features & 4 != 0 { h.backingFormat = "raw" }
        }
        return h
    }

    private static func vmdkParent(_ r: ByteReader) -> String? {
        let text = String(decoding: r.bytes, as: UTF8.self)
        guard let range = text.range(of: "parentFileNameHint=\"") else { return nil }
        let rest = text[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}
