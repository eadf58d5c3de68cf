import Foundation

/// Reads a VirtStorage volume stream from pieces of bytes as they arrive,
/// checking each checksum: the preamble first (``header()``), then the
/// records in order (``next()``), which ends with nil only at an end record
/// whose count and checksum chain agree with what came before it. Anything
/// after the end record is not read.
struct VolumeStreamDecoder<Input: AsyncIteratorProtocol> where Input.Element == [UInt8] {
    private var input: Input
    private var buffer: [UInt8] = []
    private var index = 0
    /// Bytes of the stream consumed so far, for messages.
    private(set) var consumed: UInt64 = 0
    private var records: UInt64 = 0
    private var chain: UInt32 = 0
    private var position: UInt64 = 0
    private var parsed: VolumeStreamHeader?

    init(_ input: Input) { self.input = input }

    /// The stream's header: the magic, the version and the header's checksum checked.
    mutating func header() async throws(StorageError) -> VolumeStreamHeader {
        if let parsed { return parsed }
        let fixed = try await take(16, "its preamble")
        guard Array(fixed[0..<8]) == VolumeStreamFormat.magic else {
            throw StorageError(.invalidStream, "the data is not a VirtStorage volume stream (no stream signature)")
        }
        let version = fixed.littleEndian(UInt16.self, at: 8)
        guard version == VolumeStreamFormat.version else {
            throw StorageError(
                .invalidStream,
                "the stream has format version \(version); this VirtStorage reads version \(VolumeStreamFormat.version)",
                value: "\(version)", hint: "import it with the VirtStorage release that made it, or a later one")
        }
        let length = Int(fixed.littleEndian(UInt32.self, at: 12))
        guard length <= VolumeStreamFormat.maximumHeader else {
            throw StorageError(.invalidStream, "the stream's header claims \(length) bytes: the stream is corrupted")
        }
        let json = try await take(length, "its header")
        let crc = try await take(4, "its header's checksum").littleEndian(UInt32.self, at: 0)
        guard CRC32C.checksum(json, continuing: CRC32C.checksum(fixed)) == crc else {
            throw StorageError(.invalidStream, "the stream's header fails its checksum: the stream is corrupted")
        }
        let header: VolumeStreamHeader
        do { header = try JSONDecoder().decode(VolumeStreamHeader.self, from: Data(json)) } catch {
            throw StorageError(.invalidStream, "the stream's header cannot be read: \(error)")
        }
        parsed = header
        return header
    }

    /// The next record's chunk and where it goes; nil after a verified end record.
    mutating func next() async throws(StorageError) -> (offset: UInt64, chunk: VolumeChunk)? {
        let header = try await header()
        let number = records + 1
        let start = consumed
        let fixed = try await take(VolumeStreamFormat.recordHeaderSize, "its end record")
        let payloadLength = Int(fixed.littleEndian(UInt32.self, at: 4))
        let offset = fixed.littleEndian(UInt64.self, at: 8)
        let length = fixed.littleEndian(UInt64.self, at: 16)
        func corrupt(_ what: String) -> StorageError {
            StorageError(
                .invalidStream, "record \(number) at byte \(start) of the stream \(what): the stream is corrupted")
        }
        guard let kind = VolumeStreamFormat.Kind(rawValue: fixed[0]) else {
            throw corrupt("has an unknown kind (0x\(String(fixed[0], radix: 16)))")
        }
        guard payloadLength <= VolumeStreamFormat.maximumPayload else {
            throw corrupt("claims a payload of \(payloadLength) bytes")
        }
        let payload = try await take(payloadLength, "record \(number)'s data")
        let crc = try await take(4, "record \(number)'s checksum").littleEndian(UInt32.self, at: 0)
        guard CRC32C.checksum(payload, continuing: CRC32C.checksum(fixed)) == crc else {
            throw corrupt("fails its checksum")
        }
        switch kind {
        case .end:
            var expected: [UInt8] = []
            expected.appendLittleEndian(chain)
            guard payload == expected, length == records else {
                throw corrupt("ends the stream after \(length) records, but \(records) came before it")
            }
            // A native stream ends where its bytes do; a volume's at its size.
            guard header.isNative ? offset == position : offset == header.size,
                header.isNative || header.isIncremental || position == header.size
            else {
                throw corrupt("ends the stream at byte \(offset) of the volume, whose size is \(header.size)")
            }
            return nil
        case .data, .zeros:
            guard kind == .zeros ? payloadLength == 0 : UInt64(payloadLength) == length else {
                throw corrupt("has \(payloadLength) bytes of data for \(length) bytes of volume")
            }
            // A whole volume's records follow each other; an incremental
            // stream's leave out what did not change, but never go back.
            guard header.isIncremental && !header.isNative ? offset >= position : offset == position else {
                throw corrupt("covers byte \(offset), where byte \(position) was due")
            }
            if header.isNative {
                guard kind == .data else { throw corrupt("is a zeros record inside a \(header.format) stream") }
            } else {
                guard offset <= header.size, length <= header.size - offset else {
                    throw corrupt("runs past the volume's size (\(header.size) bytes)")
                }
            }
        }
        records += 1
        withUnsafeBytes(of: crc.littleEndian) { chain = CRC32C.checksum($0, continuing: chain) }
        position = offset + length
        return (offset, kind == .data ? .data(payload) : .hole(length))
    }

    /// Exactly `count` bytes, reading pieces of input as needed; a stream
    /// that ends first is truncated.
    private mutating func take(_ count: Int, _ what: String) async throws(StorageError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            if index == buffer.count {
                let piece = try await StorageError.converting({ "cannot read the volume stream: \($0)" }) {
                    try await input.next(isolation: #isolation)
                }
                guard let piece else {
                    throw StorageError(
                        .invalidStream,
                        "the stream ends after \(consumed + UInt64(out.count)) bytes, before \(what): it is truncated")
                }
                buffer = piece
                index = 0
                continue
            }
            let n = min(count - out.count, buffer.count - index)
            out.append(contentsOf: buffer[index..<index + n])
            index += n
        }
        consumed += UInt64(count)
        return out
    }
}
