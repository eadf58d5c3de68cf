import CStorageSys
import Foundation

/// The bytes of a volume that is a local file or device node, through one
/// descriptor; holes come from SEEK_DATA and SEEK_HOLE.
public final class LocalVolumeData: VolumeData {
    let file: FileHandleBox
    public let name: String
    public let size: UInt64

    /// Opens `path` (absolute; a symbolic link is refused) for reading, or
    /// for writing too.
    public init(path: String, writable: Bool) throws(StorageError) {
        guard path.hasPrefix("/") else {
            throw StorageError(.invalidArgument, "volume path '\(path)' is not absolute", path: path)
        }
        let fd = try SystemCalls.open(path, (writable ? O_RDWR : O_RDONLY) | O_NOFOLLOW, "cannot open volume '\(path)'")
        file = FileHandleBox(fd)
        name = path
        // A failed fstat reads as a zeroed stat, as before: the size is then where the end is.
        let st = (try? SystemCalls.fstat(fd, path: path, "cannot stat volume '\(path)'")) ?? stat()
        // A device node's size is where its end is, not st_size.
        size = (st.st_mode & S_IFMT) == S_IFREG ? UInt64(st.st_size) : SystemCalls.endOffset(fd, path: path)
    }

    public func read(at offset: UInt64, count: Int) async throws(StorageError) -> [UInt8] {
        let (fd, path) = (file.fd, name)
        return try await BlockingIO.run { () throws(StorageError) -> [UInt8] in
            try SystemCalls.read(fd, count: count, at: offset, path: path, "cannot read '\(path)' at \(offset)")
        }
    }

    public func write(_ bytes: [UInt8], at offset: UInt64) async throws(StorageError) {
        let (fd, path) = (file.fd, name)
        try await BlockingIO.run { () throws(StorageError) in try FileVolumes.writeAll(fd: fd, bytes, at: offset, path: path) }
    }

    public func zero(at offset: UInt64, length: UInt64) async throws(StorageError) {
        let (fd, path) = (file.fd, name)
        try await BlockingIO.run { () throws(StorageError) in try SparseCopy.punch(fd, path, at: offset, length: length) }
    }

    public func nextData(from offset: UInt64, before end: UInt64) async throws(StorageError) -> Range<UInt64>? {
        guard offset < end else { return nil }
        let (fd, path) = (file.fd, name)
        return try await BlockingIO.run { () -> Range<UInt64>? in
            SystemCalls.dataRun(fd, from: offset, before: end, path: path)
        }
    }

    public func flush() async throws(StorageError) {
        let (fd, path) = (file.fd, name)
        try await BlockingIO.run { () throws(StorageError) in
            try SystemCalls.fsync(fd, path: path, "cannot sync '\(path)'")
        }
    }
}

/// An open file descriptor, closed exactly once when the last owner goes.
final class FileHandleBox: @unchecked Sendable {
    let fd: Int32
    init(_ fd: Int32) { self.fd = fd }
    deinit { SystemCalls.close(fd) }
}
