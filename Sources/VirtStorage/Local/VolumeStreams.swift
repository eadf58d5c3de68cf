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

/// An open file descriptor, closed exactly once when the last owner goes.
final class FileHandleBox: @unchecked Sendable {
    let fd: Int32
    init(_ fd: Int32) { self.fd = fd }
    deinit { close(fd) }
}

/// A volume's contents as an async sequence of chunks, read on demand (the
/// consumer's pace is the reader's pace; nothing is read ahead).
public struct VolumeReader: AsyncSequence, Sendable {
    public typealias Element = VolumeChunk
    let file: FileHandleBox
    let path: String
    let start: UInt64
    let end: UInt64
    let sparse: Bool
    static let chunk = 1 << 20

    init(path: String, offset: UInt64, length: UInt64?, sparse: Bool) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw SystemError.make("cannot open volume '\(path)'", path: path) }
        file = FileHandleBox(fd)
        var st = stat()
        fstat(fd, &st)
        let size = UInt64(st.st_size)
        guard offset <= size else {
            throw StorageError(.invalidArgument, "offset \(offset) is past the end of '\(path)' (\(size) bytes)")
        }
        self.path = path
        start = offset
        end = Swift.min(size, length.map { offset + $0 } ?? size)
        self.sparse = sparse
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let reader: VolumeReader
        var position: UInt64

        public mutating func next() async throws -> VolumeChunk? {
            guard position < reader.end else { return nil }
            let (reader, position) = (self.reader, self.position)
            let chunk = try await BlockingIO.run { () throws(StorageError) -> VolumeChunk in
                try reader.read(at: position)
            }
            self.position += chunk.count
            return chunk
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: self, position: start) }

    /// The chunk at `position`: a hole up to the next data in sparse mode, else up to 1 MiB of bytes.
    func read(at position: UInt64) throws(StorageError) -> VolumeChunk {
        var limit = Swift.min(end, position + UInt64(Self.chunk))
        if sparse {
            let data = vs_seek_data(file.fd, Int64(position))
            if data < 0 || UInt64(data) >= end { return .hole(end - position) }
            if UInt64(data) > position { return .hole(UInt64(data) - position) }
            let hole = vs_seek_hole(file.fd, Int64(position))
            if hole > 0 { limit = Swift.min(limit, UInt64(hole)) }
        }
        let want = Int(limit - position)
        let bytes = try [UInt8](unsafeUninitializedCapacity: want) { (raw, count) throws(StorageError) in
            let n = pread(file.fd, raw.baseAddress, want, off_t(position))
            guard n > 0 else { throw SystemError.make("cannot read '\(path)' at \(position)", path: path) }
            count = n
        }
        return .data(bytes)
    }
}

/// Writes a stream of chunks into a volume, refusing any chunk that would
/// run past the volume's end (or past `length`) before writing it.
struct VolumeWriter {
    let file: FileHandleBox
    let path: String
    let limit: UInt64

    init(path: String, offset: UInt64, length: UInt64?) throws(StorageError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw SystemError.make("cannot open volume '\(path)'", path: path) }
        file = FileHandleBox(fd)
        self.path = path
        let size = UInt64(max(0, lseek(fd, 0, SEEK_END)))
        guard offset <= size else {
            throw StorageError(.invalidArgument, "offset \(offset) is past the end of '\(path)' (\(size) bytes)")
        }
        if let length, length > size - offset {
            throw StorageError(
                .invalidArgument,
                "cannot upload \(length) bytes at offset \(offset) into '\(path)' of \(size) bytes: the data does not fit"
            )
        }
        limit = length.map { offset + $0 } ?? size
    }

    func write<S: AsyncSequence>(_ chunks: S, at offset: UInt64) async throws where S.Element == VolumeChunk {
        var position = offset
        for try await chunk in chunks {
            guard chunk.count <= limit - position else {
                throw StorageError(
                    .invalidArgument,
                    "the stream runs past the end of '\(path)' at byte \(position + chunk.count) (limit \(limit)); nothing beyond byte \(position) was written"
                )
            }
            let (file, path, at) = (self.file, self.path, position)
            try await BlockingIO.run { () throws(StorageError) in
                switch chunk {
                case .data(let bytes): try FileVolumes.writeAll(fd: file.fd, bytes, at: at, path: path)
                case .hole(let length): try SparseCopy.punch(file.fd, path, at: at, length: length)
                }
            }
            position += chunk.count
        }
    }
}

extension StorageHost {
    /// A volume's contents as an async sequence of chunks (holes as `.hole`
    /// when `sparse`), read as the caller consumes them.
    public func readVolume(
        _ name: String, in pool: String, offset: UInt64 = 0, length: UInt64? = nil, sparse: Bool = false
    ) async throws(StorageError) -> VolumeReader {
        let vol = try await volume(name, in: pool).definition
        guard try activeDefinition(pool).rules.volumeFormats == FileFormats.all, let path = vol.target.path
        else {
            throw StorageError(.operationUnsupported, "streams are available for file volumes only")
        }
        return try VolumeReader(path: path, offset: offset, length: length, sparse: sparse)
    }

    /// Writes a stream of chunks into a volume at `offset` (vol-upload from
    /// any source); a stream longer than the volume is refused at the first
    /// chunk that would not fit, before it is written.
    public func writeVolume<S: AsyncSequence & Sendable>(
        _ name: String, in pool: String, offset: UInt64 = 0, length: UInt64? = nil, from chunks: S
    ) async throws where S.Element == VolumeChunk {
        let vol = try await volume(name, in: pool).definition
        guard try activeDefinition(pool).rules.volumeFormats == FileFormats.all, let path = vol.target.path
        else {
            throw StorageError(.operationUnsupported, "streams are available for file volumes only")
        }
        let writer = try VolumeWriter(path: path, offset: offset, length: length)
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
