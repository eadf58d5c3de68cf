import CStorageSys
import Foundation

/// The calls on paths, directories and descriptors' metadata: status,
/// existence, removal, directories, permissions, links and closing. The same
/// rules as the data path's: EINTR retried, errno captured at the call and
/// thrown in the caller's words, every call seen by the test hook.
extension SystemCalls {
    /// stat(2), or lstat(2) where `followingLinks` is false.
    package static func stat(_ path: String, followingLinks: Bool = true, _ what: @autoclosure () -> String)
        throws(StorageError) -> Glibc.stat
    {
        var st = Glibc.stat()
        _ = try retrying(followingLinks ? "stat" : "lstat", path, what()) {
            followingLinks ? statCall(path, &st) : lstat(path, &st)
        }
        return st
    }

    /// The status of `path`, nil where it cannot be read (errno says why).
    package static func status(of path: String, followingLinks: Bool = true) -> Glibc.stat? {
        var st = Glibc.stat()
        let result = attempt(followingLinks ? "stat" : "lstat", path) {
            followingLinks ? statCall(path, &st) : lstat(path, &st)
        }
        return result == 0 ? st : nil
    }

    /// fstat(2) of a descriptor opened from `path`.
    package static func fstat(_ fd: Int32, path: String, _ what: @autoclosure () -> String) throws(StorageError)
        -> Glibc.stat
    {
        var st = Glibc.stat()
        _ = try retrying("fstat", path, what()) { Glibc.fstat(fd, &st) }
        return st
    }

    /// fstatat(2) of `name` in the directory `directory` (opened from
    /// `path`'s parent; the hook sees `path`); nil where it fails.
    package static func status(of name: String, in directory: Int32, path: String) -> Glibc.stat? {
        var st = Glibc.stat()
        return attempt("stat", path) { fstatat(directory, name, &st, 0) } == 0 ? st : nil
    }

    /// openat(2) of `name` in an open directory (the hook sees `path`).
    package static func open(
        _ name: String, in directory: Int32, _ flags: Int32, path: String, _ what: @autoclosure () -> String
    ) throws(StorageError) -> Int32 {
        try retrying("open", path, what()) { openat(directory, name, flags | O_CLOEXEC) }
    }

    /// Whether `path` names something (a dangling link does not).
    package static func exists(_ path: String) -> Bool { isAccessible(path, F_OK) }

    /// access(2): whether this process may use `path` as `mode` asks (R_OK, X_OK, ...).
    package static func isAccessible(_ path: String, _ mode: Int32) -> Bool {
        attempt("access", path) { access(path, mode) } == 0
    }

    /// The size of an open file or device, found by seeking to its end; 0 where it cannot seek.
    package static func endOffset(_ fd: Int32, path: String) -> UInt64 {
        UInt64(max(0, attempt("lseek", path) { lseek(fd, 0, SEEK_END) }))
    }

    package static func close(_ fd: Int32) {
        // Not retried: Linux releases the descriptor even when close reports EINTR.
        _ = Glibc.close(fd)
    }

    /// unlink(2); a missing file is an error here (see ``removeIfPresent(_:)``).
    package static func unlink(_ path: String, _ what: @autoclosure () -> String) throws(StorageError) {
        _ = try retrying("unlink", path, what()) { Glibc.unlink(path) }
    }

    /// Removes a file this process made or owns, where it is still there:
    /// cleanup after a failure, whose own error is the one that matters.
    /// False where it was not removed (errno says why; ENOENT: it was not there).
    @discardableResult
    package static func removeIfPresent(_ path: String) -> Bool {
        attempt("unlink", path) { Glibc.unlink(path) } == 0
    }

    /// mkdir(2); with `existingIsFine`, a directory already there is no error.
    package static func mkdir(
        _ path: String, mode: mode_t, existingIsFine: Bool = false, _ what: @autoclosure () -> String
    ) throws(StorageError) {
        if attempt("mkdir", path, { Glibc.mkdir(path, mode) }) == 0 { return }
        let code = errno
        if existingIsFine && code == EEXIST { return }
        throw SystemError.make(what(), path: path, errno: code)
    }

    /// rmdir(2).
    package static func rmdir(_ path: String, _ what: @autoclosure () -> String) throws(StorageError) {
        _ = try retrying("rmdir", path, what()) { Glibc.rmdir(path) }
    }

    /// Removes an empty directory where it is there and empty; false otherwise.
    @discardableResult
    package static func removeDirectoryIfEmpty(_ path: String) -> Bool {
        attempt("rmdir", path) { Glibc.rmdir(path) } == 0
    }

    /// A directory entry: its name and its `d_type` (DT_REG, DT_DIR, ... or DT_UNKNOWN).
    package struct DirectoryEntry: Sendable {
        package let name: String
        package let type: UInt8
    }

    /// The entries of a directory, without "." and "..".
    package static func entries(of directory: String, _ what: @autoclosure () -> String) throws(StorageError)
        -> [DirectoryEntry]
    {
        let fd = try open(directory, O_RDONLY | O_DIRECTORY, what())
        defer { close(fd) }
        return try entries(ofOpen: fd, path: directory, what())
    }

    /// The entries of the directory open as `fd` (opened from `path`), which
    /// stays open for the caller (its openat and statvfs see the same directory).
    package static func entries(ofOpen fd: Int32, path: String, _ what: @autoclosure () -> String)
        throws(StorageError) -> [DirectoryEntry]
    {
        var handle: OpaquePointer?
        let opened = attempt("opendir", path) { () -> Int32 in
            // fdopendir takes the descriptor it is given: it gets a copy.
            let copy = dup(fd)
            guard copy >= 0 else { return -1 }
            handle = fdopendir(copy)
            if handle == nil {
                let code = errno
                Glibc.close(copy)
                errno = code
                return -1
            }
            return 0
        }
        guard opened == 0, let handle else { throw SystemError.make(what(), path: path) }
        defer { closedir(handle) }
        // The copy shares the original's position: start from the top.
        rewinddir(handle)
        var entries: [DirectoryEntry] = []
        while let entry = readdir(handle) {
            let name = directoryEntryName(entry)
            if name == "." || name == ".." { continue }
            entries.append(DirectoryEntry(name: name, type: entry.pointee.d_type))
        }
        return entries
    }

    /// flock(2): waits for the exclusive lock of the file open as `fd`.
    package static func lock(_ fd: Int32, path: String, _ what: @autoclosure () -> String) throws(StorageError) {
        _ = try retrying("flock", path, what()) { flock(fd, LOCK_EX) }
    }

    /// Whether a process (a VM, qemu-img) has the image open as `fd` open
    /// through QEMU's own locks; an error counts as in use.
    package static func isHeldByQemu(_ fd: Int32, path: String) -> Bool {
        attempt("fcntl", path) { vs_qemu_image_in_use(fd) } != 0
    }

    /// Lets go of a lock taken with ``lock(_:path:_:)``.
    package static func unlock(_ fd: Int32, path: String) {
        _ = attempt("flock", path) { flock(fd, LOCK_UN) }
    }

    /// chmod(2).
    package static func chmod(_ path: String, _ mode: mode_t, _ what: @autoclosure () -> String) throws(StorageError) {
        _ = try retrying("chmod", path, what()) { Glibc.chmod(path, mode) }
    }

    /// chown(2); nil leaves the owner or group as it is.
    package static func chown(_ path: String, owner: UInt32?, group: UInt32?, _ what: @autoclosure () -> String)
        throws(StorageError)
    {
        _ = try retrying("chown", path, what()) { Glibc.chown(path, owner ?? UInt32.max, group ?? UInt32.max) }
    }

    /// fchmod(2) of a descriptor opened from `path`.
    package static func fchmod(_ fd: Int32, _ mode: mode_t, path: String, _ what: @autoclosure () -> String)
        throws(StorageError)
    {
        _ = try retrying("fchmod", path, what()) { Glibc.fchmod(fd, mode) }
    }

    /// fchown(2) of a descriptor opened from `path`; nil leaves the owner or group as it is.
    package static func fchown(
        _ fd: Int32, owner: UInt32?, group: UInt32?, path: String, _ what: @autoclosure () -> String
    ) throws(StorageError) {
        _ = try retrying("fchown", path, what()) { Glibc.fchown(fd, owner ?? UInt32.max, group ?? UInt32.max) }
    }

    /// symlink(2): a link at `link` pointing to `target` (the hook sees `link`).
    package static func symlink(_ target: String, at link: String, _ what: @autoclosure () -> String)
        throws(StorageError)
    {
        _ = try retrying("symlink", link, what()) { Glibc.symlink(target, link) }
    }

    /// realpath(3): `path` with every link resolved; nil where it cannot be (errno says why).
    package static func resolve(_ path: String) -> String? {
        var resolved: String?
        let result = attempt("realpath", path) { () -> Int32 in
            guard let pointer = realpath(path, nil) else { return -1 }
            defer { free(pointer) }
            resolved = String(cString: pointer)
            return 0
        }
        return result == 0 ? resolved : nil
    }
}

/// stat(2) under a name that the wrappers above, themselves named `stat`, do not hide.
private func statCall(_ path: String, _ st: UnsafeMutablePointer<stat>) -> Int32 { stat(path, st) }
