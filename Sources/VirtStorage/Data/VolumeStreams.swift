import CStorageSys
import Foundation

/// A piece of a volume's contents in a stream: bytes, or a run of zeros that
/// a sparse stream sends as a hole instead of as data.
public enum VolumeChunk: Sendable, Equatable {
    case data([UInt8])
    case hole(UInt64)

    public var count: UInt64 {
        switch self {
        case .data(let bytes): UInt64(bytes.count)
        case .hole(let length): length
        }
    }
}


/// A volume's contents as an async sequence of chunks, read on demand (the
/// consumer's pace is the reader's pace; nothing is read ahead), through the
/// volume's ``VolumeData``.
public struct VolumeReader: AsyncSequence, Sendable {
    public typealias Element = VolumeChunk
    let data: any VolumeData
    let start: UInt64
    let end: UInt64
    let sparse: Bool
    static let chunk = 1 << 20

    init(_ data: any VolumeData, offset: UInt64, length: UInt64?, sparse: Bool) throws(StorageError) {
        guard offset <= data.size else {
            throw StorageError(
                .invalidArgument, "offset \(offset) is past the end of '\(data.name)' (\(data.size) bytes)")
        }
        self.data = data
        start = offset
        end = Swift.min(data.size, length.map { offset + $0 } ?? data.size)
        self.sparse = sparse
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let reader: VolumeReader
        var position: UInt64

        public mutating func next() async throws -> VolumeChunk? {
            guard position < reader.end else { return nil }
            let chunk = try await reader.read(at: position)
            position += chunk.count
            return chunk
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: self, position: start) }

    /// The chunk at `position`: a hole up to the next data in sparse mode,
    /// else up to 1 MiB of bytes (in sparse mode, a chunk that reads as zeros
    /// is a hole too).
    func read(at position: UInt64) async throws(StorageError) -> VolumeChunk {
        var limit = Swift.min(end, position + UInt64(Self.chunk))
        if sparse {
            guard let next = try await data.nextData(from: position, before: end) else { return .hole(end - position) }
            if next.lowerBound > position { return .hole(next.lowerBound - position) }
            limit = Swift.min(limit, next.upperBound)
        }
        let bytes = try await data.read(at: position, count: Int(limit - position))
        guard !bytes.isEmpty else {
            throw StorageError(.operationFailed, "'\(data.name)' ended at byte \(position), before its size \(end)")
        }
        // Stored zeros (an allocated rbd object, a preallocated file) are a hole too.
        if sparse && bytes.allSatisfy({ $0 == 0 }) { return .hole(UInt64(bytes.count)) }
        return .data(bytes)
    }
}

/// Writes a stream of chunks into a volume, refusing any chunk that would
/// run past the volume's end (or past `length`) before writing it.
struct VolumeWriter {
    let data: any VolumeData
    let limit: UInt64

    init(_ data: any VolumeData, offset: UInt64, length: UInt64?) throws(StorageError) {
        let size = data.size
        guard offset <= size else {
            throw StorageError(.invalidArgument, "offset \(offset) is past the end of '\(data.name)' (\(size) bytes)")
        }
        if let length, length > size - offset {
            throw StorageError(
                .invalidArgument,
                "cannot upload \(length) bytes at offset \(offset) into '\(data.name)' of \(size) bytes: the data does not fit"
            )
        }
        self.data = data
        limit = length.map { offset + $0 } ?? size
    }

    func write<S: AsyncSequence>(_ chunks: S, at offset: UInt64, progress: ProgressHandler? = nil) async throws
    where S.Element == VolumeChunk {
        var position = offset
        for try await chunk in chunks {
            try StorageError.checkCancellation("writing '\(data.name)'")
            guard chunk.count <= limit - position else {
                throw StorageError(
                    .invalidArgument,
                    "the stream runs past the end of '\(data.name)' at byte \(position + chunk.count) (limit \(limit)); nothing beyond byte \(position) was written"
                )
            }
            switch chunk {
            case .data(let bytes): try await data.write(bytes, at: position)
            case .hole(let length): try await data.zero(at: position, length: length)
            }
            position += chunk.count
            progress?(position - offset, limit - offset)
        }
        try await data.flush()
    }
}

extension StorageHost {
    /// A volume's contents as an async sequence of chunks (holes as `.hole`
    /// when `sparse`), read as the caller consumes them.
    public func readVolume(
        _ name: String, in pool: String, offset: UInt64 = 0, length: UInt64? = nil, sparse: Bool = false
    ) async throws(StorageError) -> VolumeReader {
        let vol = try await volume(name, in: pool).definition
        let def = try activeDefinition(pool)
        let data = try await backends.backend(for: def.type).openData(vol, in: def, writable: false)
        return try VolumeReader(data, offset: offset, length: length, sparse: sparse)
    }

    /// Writes a stream of chunks into a volume at `offset` (vol-upload from
    /// any source); a stream longer than the volume is refused at the first
    /// chunk that would not fit, before it is written.
    public func writeVolume<S: AsyncSequence & Sendable>(
        _ name: String, in pool: String, offset: UInt64 = 0, length: UInt64? = nil, from chunks: S
    ) async throws where S.Element == VolumeChunk {
        let vol = try await volume(name, in: pool).definition
        let def = try activeDefinition(pool)
        let data = try await backends.backend(for: def.type).openData(vol, in: def, writable: true)
        let writer = try VolumeWriter(data, offset: offset, length: length)
        try beginJob(pool, volume: name, "upload")
        do {
            let note = try journal.begin(.upload, pool: pool, volume: name)
            defer { journal.end(note) }
            try await writer.write(chunks, at: offset)
        } catch {
            endJob(pool, volume: name)
            throw error
        }
        await reread(pool, vol)
        endJob(pool, volume: name)
        emit(.volume(pool: pool, name: name, change: .uploaded))
    }
}
