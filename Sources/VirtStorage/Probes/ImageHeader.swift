/// Big- and little-endian reads from the first bytes of an image file.
struct ByteReader {
    let bytes: [UInt8]

    func has(_ offset: Int, _ count: Int) -> Bool {
        offset >= 0 && count >= 0 && offset <= bytes.count && count <= bytes.count - offset
    }

    func matches(_ magic: [UInt8], at offset: Int = 0) -> Bool {
        has(offset, magic.count) && bytes[offset..<offset + magic.count].elementsEqual(magic)
    }

    /// A text magic, compared without making an array of it.
    func matches(_ magic: StaticString, at offset: Int = 0) -> Bool {
        magic.withUTF8Buffer { has(offset, $0.count) && bytes[offset..<offset + $0.count].elementsEqual($0) }
    }

    func be(_ offset: Int, _ size: Int) -> UInt64? {
        guard has(offset, size) else { return nil }
        var v: UInt64 = 0
        for i in 0..<size { v = v << 8 | UInt64(bytes[offset + i]) }
        return v
    }

    func le(_ offset: Int, _ size: Int) -> UInt64? {
        guard has(offset, size) else { return nil }
        var v: UInt64 = 0
        for i in (0..<size).reversed() { v = v << 8 | UInt64(bytes[offset + i]) }
        return v
    }

    func string(_ offset: Int, _ count: Int) -> String? {
        guard has(offset, count) else { return nil }
        let slice = bytes[offset..<offset + count]
        let trimmed = slice.prefix { $0 != 0 }
        return String(decoding: trimmed, as: UTF8.self)
    }
}

/// What the header of an image file says about it.
public struct ImageHeader: Sendable, Equatable {
    /// libvirt's format name (raw, qcow2, qed, vmdk, ...).
    public var format: VolumeFormat
    /// Virtual size, when the header records one.
    public var capacity: UInt64?
    /// Backing file as written in the header (may be relative or a URI).
    public var backingPath: String?
    /// Backing format recorded in the header, if any.
    public var backingFormat: VolumeFormat?
    /// Encryption found in the header: "qcow" (legacy AES) or "luks".
    public var encryption: String?
    public var compat: String?
    public var clusterSize: UInt64?
    public var features: Set<VolumeFeature>?

    public init(format: VolumeFormat) { self.format = format }
}

extension ImageHeader {
    /// The capacity a volume reports, as libvirt reads it: the header's
    /// virtual size, or the file's size when the header has none or says 0
    /// (a vmdk made with size 0 is a 64 KiB volume).
    public func capacity(physical: UInt64) -> UInt64 {
        guard let capacity, capacity > 0 else { return physical }
        return capacity
    }
}
