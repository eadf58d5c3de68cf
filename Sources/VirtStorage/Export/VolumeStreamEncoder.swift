import Foundation

/// Writes the pieces of a volume stream: the preamble, one record per chunk,
/// the end record, keeping the count and the chain of record checksums that
/// the end record carries.
struct VolumeStreamEncoder {
    private(set) var records: UInt64 = 0
    private var chain: UInt32 = 0

    static func preamble(_ header: VolumeStreamHeader) throws(StorageError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json: Data
        do { json = try encoder.encode(header) } catch {
            throw StorageError(.internalError, "cannot encode the stream header: \(error)")
        }
        var bytes = VolumeStreamFormat.magic
        bytes.appendLittleEndian(VolumeStreamFormat.version)
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(UInt32(json.count))
        bytes.append(contentsOf: json)
        bytes.appendLittleEndian(CRC32C.checksum(bytes))
        return bytes
    }

    /// The record for `chunk`, which covers the volume from `offset`.
    mutating func record(_ chunk: VolumeChunk, at offset: UInt64) -> [UInt8] {
        switch chunk {
        case .data(let payload): record(.data, offset: offset, length: UInt64(payload.count), payload: payload)
        case .hole(let length): record(.zeros, offset: offset, length: length, payload: [])
        }
    }

    /// The end record: `size` bytes covered by the records before it.
    mutating func end(size: UInt64) -> [UInt8] {
        var chainBytes: [UInt8] = []
        chainBytes.appendLittleEndian(chain)
        return record(.end, offset: size, length: records, payload: chainBytes)
    }

    private mutating func record(_ kind: VolumeStreamFormat.Kind, offset: UInt64, length: UInt64, payload: [UInt8])
        -> [UInt8]
    {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(VolumeStreamFormat.recordHeaderSize + payload.count + 4)
        bytes.append(kind.rawValue)
        bytes.append(contentsOf: [0, 0, 0])
        bytes.appendLittleEndian(UInt32(payload.count))
        bytes.appendLittleEndian(offset)
        bytes.appendLittleEndian(length)
        bytes.append(contentsOf: payload)
        let crc = CRC32C.checksum(bytes)
        bytes.appendLittleEndian(crc)
        if kind != .end {
            records += 1
            withUnsafeBytes(of: crc.littleEndian) { chain = CRC32C.checksum($0, continuing: chain) }
        }
        return bytes
    }
}

/// A volume as a VirtStorage volume stream, made as it is read (nothing is
/// read ahead): the preamble, one record per chunk of the volume (data, or a
/// hole as a zeros record), the end record. Each element is a piece of the
/// stream's bytes, to write to a file or to send over a connection of the
/// caller's; ``StorageHost/importVolume(_:into:from:progress:)`` reads it back.
/// An incremental stream (``VolumeStreamHeader/base``) holds only the runs
/// that changed since its base snapshot.
public struct VolumeExportStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public let header: VolumeStreamHeader
    let source: Source
    let progress: ProgressHandler?
    /// The stage the records are read from (a converted image), removed at the end.
    let stage: StageOwner?

    /// Where the records come from: the whole volume, the runs that
    /// changed, or the pieces of a backend's own stream.
    enum Source: Sendable {
        case whole(VolumeReader)
        case changes(ChangeReader)
        case native(any NativeStreamSource)
    }

    init(header: VolumeStreamHeader, source: Source, progress: ProgressHandler?, stage: StageOwner? = nil) {
        self.header = header
        self.source = source
        self.progress = progress
        self.stage = stage
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let stream: VolumeExportStream
        var whole: VolumeReader.AsyncIterator?
        var changes: ChangeReader.Iterator?
        var native: (any NativeStreamSource)?
        var encoder = VolumeStreamEncoder()
        var position: UInt64 = 0
        var phase = Phase.preamble

        enum Phase { case preamble, records, finished }

        public mutating func next() async throws -> [UInt8]? {
            switch phase {
            case .preamble:
                phase = .records
                return try VolumeStreamEncoder.preamble(stream.header)
            case .records:
                guard let (offset, chunk) = try await nextChunk() else {
                    phase = .finished
                    await stream.stage?.remove()
                    return encoder.end(size: stream.header.isNative ? position : stream.header.size)
                }
                position = offset + chunk.count
                // A native stream's length is known at its end only (a total of 0: unknown).
                stream.progress?(position, stream.header.isNative ? 0 : stream.header.size)
                return encoder.record(chunk, at: offset)
            case .finished:
                return nil
            }
        }

        private mutating func nextChunk() async throws -> (UInt64, VolumeChunk)? {
            if whole != nil {
                guard let chunk = try await whole!.next() else { return nil }
                return (position, chunk)
            }
            if let native {
                guard let bytes = try await native.next() else { return nil }
                return (position, .data(bytes))
            }
            return try await changes!.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        switch source {
        case .whole(let reader): AsyncIterator(stream: self, whole: reader.makeAsyncIterator())
        case .changes(let reader): AsyncIterator(stream: self, changes: reader.makeIterator())
        case .native(let source): AsyncIterator(stream: self, native: source)
        }
    }
}
