import CStorageSys
import Foundation
import Synchronization

/// The system calls VirtStorage makes on files, directories and devices, in
/// one place (the data path here, paths and directories in
/// `SystemCalls+Paths.swift`). Each wrapper retries EINTR, reads errno
/// where the call failed and throws it as a ``StorageError`` in the words
/// its caller gives, and goes through a seam that tests use to watch calls
/// and make them fail (``withHook(under:_:_:)``), as swift-system's mocking
/// driver does.
package enum SystemCalls {
    /// A call as the hook sees it: which one, and the path it works on (the
    /// file a descriptor was opened from).
    package struct Call: Sendable, Hashable, CustomStringConvertible {
        package let name: String
        package let path: String
        package var description: String { "\(name) \(path)" }
    }

    /// Sees a call before it is made; an errno it returns is the call's
    /// result instead (the call is not made), nil lets it through.
    package typealias Hook = @Sendable (Call) -> Int32?

    private static let hooks = Mutex<[(id: UInt64, prefix: String, hook: Hook)]>([])
    private static let installed = Atomic<Int>(0)
    private static let nextID = Atomic<UInt64>(0)

    /// Runs `body` with `hook` watching every call on a path under `prefix`,
    /// in any task or thread; calls on other paths (other tests) pass untouched.
    package static func withHook<T>(
        under prefix: String, _ hook: @escaping Hook, _ body: () async throws -> T
    ) async rethrows -> T {
        let id = nextID.add(1, ordering: .relaxed).newValue
        hooks.withLock { $0.append((id, prefix, hook)) }
        installed.add(1, ordering: .releasing)
        defer {
            hooks.withLock { $0.removeAll { $0.id == id } }
            installed.subtract(1, ordering: .releasing)
        }
        return try await body()
    }

    /// The errno a hook chose for this call, if one watches its path.
    private static func intercept(_ name: String, _ path: String) -> Int32? {
        guard installed.load(ordering: .acquiring) > 0 else { return nil }
        let matching = hooks.withLock { $0.filter { path.hasPrefix($0.prefix) }.map(\.hook) }
        let call = Call(name: name, path: path)
        for hook in matching { if let code = hook(call) { return code } }
        return nil
    }

    /// Runs `call` (a system call returning -1 and setting errno on failure)
    /// until it does not fail with EINTR; -1 with errno set where it fails,
    /// or where a hook made it fail (then it is not made).
    static func attempt<R: SignedInteger & FixedWidthInteger>(_ name: String, _ path: String, _ call: () -> R) -> R {
        while true {
            if let forced = intercept(name, path) {
                if forced == EINTR { continue }
                errno = forced
                return -1
            }
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }

    /// ``attempt(_:_:_:)``, its failure thrown as "`what`: strerror".
    static func retrying<R: SignedInteger & FixedWidthInteger>(
        _ name: String, _ path: String, _ what: @autoclosure () -> String, _ call: () -> R
    ) throws(StorageError) -> R {
        let result = attempt(name, path, call)
        if result >= 0 { return result }
        let code = errno
        throw SystemError.make(what(), path: path, errno: code)
    }

    package static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644, _ what: @autoclosure () -> String)
        throws(StorageError) -> Int32
    {
        try retrying("open", path, what()) { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// Up to `count` bytes at `offset` into `buffer`; 0 at the end of the file.
    package static func pread(
        _ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, at offset: UInt64, path: String,
        _ what: @autoclosure () -> String
    ) throws(StorageError) -> Int {
        try retrying("pread", path, what()) { Glibc.pread(fd, buffer, count, off_t(offset)) }
    }

    /// Up to `count` bytes at `offset`, short reads continued: fewer only at
    /// the end of the file.
    package static func read(_ fd: Int32, count: Int, at offset: UInt64, path: String, _ what: @autoclosure () -> String)
        throws(StorageError) -> [UInt8]
    {
        try [UInt8](unsafeUninitializedCapacity: count) { (raw, done) throws(StorageError) in
            done = 0
            while done < count {
                let n = try pread(fd, raw.baseAddress! + done, count - done, at: offset + UInt64(done), path: path, what())
                if n == 0 { break }
                done += n
            }
        }
    }

    /// Writes all of `bytes` at `offset`, short writes continued.
    package static func pwriteAll(
        _ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64, path: String, _ what: @autoclosure () -> String
    ) throws(StorageError) {
        try writeLoop(bytes.count, "pwrite", path, what()) { written in
            Glibc.pwrite(fd, bytes.baseAddress! + written, bytes.count - written, off_t(offset) + off_t(written))
        }
    }

    /// The first `count` bytes of `bytes` (all of them by default) at `offset`, short writes continued.
    package static func pwriteAll(
        _ fd: Int32, _ bytes: [UInt8], count: Int? = nil, at offset: UInt64, path: String,
        _ what: @autoclosure () -> String
    ) throws(StorageError) {
        let total = count ?? bytes.count
        try writeLoop(total, "pwrite", path, what()) { written in
            bytes.withUnsafeBytes {
                Glibc.pwrite(fd, $0.baseAddress! + written, total - written, off_t(offset) + off_t(written))
            }
        }
    }

    /// Calls `write` (given the bytes written so far) until `total` bytes are written.
    private static func writeLoop(
        _ total: Int, _ name: String, _ path: String, _ what: @autoclosure () -> String, _ write: (Int) -> Int
    ) throws(StorageError) {
        var written = 0
        while written < total {
            let n = try retrying(name, path, what()) { write(written) }
            // No progress and no errno: the device is full (as write(2) says ENOSPC).
            guard n > 0 else { throw SystemError.make(what(), path: path, errno: ENOSPC) }
            written += n
        }
    }

    /// Up to `count` bytes from the descriptor's position (a pipe, a
    /// terminal, a file read in order); empty at the end.
    package static func readSome(_ fd: Int32, count: Int, path: String, _ what: @autoclosure () -> String)
        throws(StorageError) -> [UInt8]
    {
        try [UInt8](unsafeUninitializedCapacity: count) { (raw, done) throws(StorageError) in
            done = 0
            done = try retrying("read", path, what()) { Glibc.read(fd, raw.baseAddress!, count) }
        }
    }

    /// Writes all of `bytes` at the descriptor's position (a pipe, a file
    /// written in order), short writes continued.
    package static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String, _ what: @autoclosure () -> String)
        throws(StorageError)
    {
        try writeLoop(bytes.count, "write", path, what()) { written in
            bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
        }
    }

    package static func fsync(_ fd: Int32, path: String, _ what: @autoclosure () -> String) throws(StorageError) {
        _ = try retrying("fsync", path, what()) { Glibc.fsync(fd) }
    }

    package static func ftruncate(_ fd: Int32, to size: UInt64, path: String, _ what: @autoclosure () -> String)
        throws(StorageError)
    {
        _ = try retrying("ftruncate", path, what()) { Glibc.ftruncate(fd, off_t(size)) }
    }

    /// Renames `path` to `target` (the hook sees `path`).
    package static func rename(_ path: String, to target: String, _ what: @autoclosure () -> String)
        throws(StorageError)
    {
        _ = try retrying("rename", path, what()) { Glibc.rename(path, target) }
    }

    /// copy_file_range(2) of up to `count` bytes between two descriptors;
    /// -1 with errno set where the kernel cannot (the caller copies itself).
    package static func copyFileRange(
        from input: Int32, at inputOffset: UInt64, to output: Int32, at outputOffset: UInt64, count: UInt64,
        path: String
    ) -> Int {
        Int(attempt("copy_file_range", path) {
            vs_copy_file_range(input, Int64(inputOffset), output, Int64(outputOffset), Int64(count))
        })
    }

    /// sendfile(2) of up to `count` bytes into the output at `outputOffset`
    /// (its position moves there): the kernel's copy between filesystems;
    /// -1 with errno set where it cannot.
    package static func sendFile(
        from input: Int32, at inputOffset: UInt64, to output: Int32, at outputOffset: UInt64, count: UInt64,
        path: String
    ) -> Int {
        Int(attempt("sendfile", path) {
            vs_send_file(input, Int64(inputOffset), output, Int64(outputOffset), Int64(count))
        })
    }

    /// The next run of data of the open file at or after `offset` and before
    /// `end` (SEEK_DATA, SEEK_HOLE); nil when only holes remain. ENXIO means
    /// nothing but holes from there; another failure (a device or filesystem
    /// without SEEK_DATA) makes all of it data. It may wait on the filesystem
    /// (NFS, FUSE): call it off the cooperative pool.
    package static func dataRun(_ fd: Int32, from offset: UInt64, before end: UInt64, path: String) -> Range<UInt64>? {
        guard offset < end else { return nil }
        let data = attempt("lseek", path) { vs_seek_data(fd, Int64(offset)) }
        if data < 0 { return errno == ENXIO ? nil : offset..<end }
        if UInt64(data) >= end { return nil }
        let hole = attempt("lseek", path) { vs_seek_hole(fd, data) }
        return UInt64(data)..<(hole > data ? min(end, UInt64(hole)) : end)
    }

    /// Deallocates a range (FALLOC_FL_PUNCH_HOLE, size kept); false where the
    /// filesystem or device cannot (the caller writes zeros instead).
    package static func punchHole(_ fd: Int32, at offset: UInt64, length: UInt64, path: String) -> Bool {
        attempt("fallocate", path) { vs_punch_hole(fd, Int64(offset), Int64(length)) } == 0
    }
}
