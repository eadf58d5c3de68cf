import CStorageSys

/// The fixed parts of the stream format, version 1. Integers are little-endian.
///
/// ```
/// stream  := preamble record* end
/// preamble:= magic(8) version(u16) flags(u16) headerLength(u32) header(JSON) crc(u32)
/// record  := kind(u8) reserved(3) payloadLength(u32) offset(u64) length(u64) payload crc(u32)
/// ```
/// A record's crc covers its 24 header bytes and its payload; the preamble's
/// covers everything before it. The end record's payload is the CRC-32C of
/// every record crc in order (4 bytes each), its offset the size covered and
/// its length the number of records before it.
enum VolumeStreamFormat {
    /// "VSVOL", then CR LF and ^Z as PNG's signature has them: a stream mangled
    /// by a text-mode transfer fails at once.
    static let magic: [UInt8] = [0x56, 0x53, 0x56, 0x4F, 0x4C, 0x0D, 0x0A, 0x1A]
    static let version: UInt16 = 1
    static let recordHeaderSize = 24
    /// The largest payload a reader accepts: a corrupted length is refused
    /// before anything is allocated for it.
    static let maximumPayload = 16 << 20
    static let maximumHeader = 1 << 20

    enum Kind: UInt8 {
        /// Bytes at `offset`.
        case data = 0x44  // "D"
        /// `length` bytes of zeros at `offset`: a hole.
        case zeros = 0x5A  // "Z"
        /// The end: nothing follows.
        case end = 0x45  // "E"
    }
}

extension [UInt8] {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    func littleEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        var value = T.zero
        Swift.withUnsafeMutableBytes(of: &value) { raw in
            for i in 0..<MemoryLayout<T>.size { raw[i] = self[offset + i] }
        }
        return T(littleEndian: value)
    }
}

/// CRC-32C, as the stream's records carry it (the CPU's crc32 instruction where there is one).
enum CRC32C {
    static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        vs_crc32c(crc, bytes.baseAddress, bytes.count)
    }

    static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }
}
