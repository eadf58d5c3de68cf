#if Gluster
    import CGlusterFS
    import Foundation
    import VirtStorage

    /// An open file of a gluster volume, closed when released. Reads and
    /// writes report progress to the job, which keeps its watchdog quiet.
    final class GlusterFile {
        let fd: OpaquePointer
        /// The volume (or another file of the gluster volume) for messages.
        let name: String
        let connection: GlusterConnection
        let job: GlusterJob

        private init(fd: OpaquePointer, name: String, connection: GlusterConnection, job: GlusterJob) {
            self.fd = fd
            self.name = name
            self.connection = connection
            self.job = job
        }

        deinit { _ = gfapi.glfs_close(fd) }

        /// Opens the volume file `name` of the pool, or with `path` any file
        /// of the gluster volume (a clone's source outside the pool's directory).
        static func open(
            _ name: String, path: String? = nil, flags: Int32, in connection: GlusterConnection, job: GlusterJob
        ) throws(StorageError) -> GlusterFile {
            guard let fd = gfapi.glfs_open(connection.fs, path ?? connection.path(name), flags | O_CLOEXEC) else {
                if errno == ENOENT {
                    throw StorageError(
                        .noSuchVolume, "no storage vol with matching name '\(name)' in \(connection.place)",
                        value: name, errno: ENOENT)
                }
                throw connection.failure("cannot open volume '\(connection.uri(name))'", name: name)
            }
            job.progressed()
            return GlusterFile(fd: fd, name: name, connection: connection, job: job)
        }

        /// Creates the volume file `name`; an existing one is an error.
        static func create(
            _ name: String, mode: mode_t, in connection: GlusterConnection, job: GlusterJob
        ) throws(StorageError) -> GlusterFile {
            guard
                let fd = gfapi.glfs_creat(
                    connection.fs, connection.path(name), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            else {
                if errno == EEXIST {
                    throw StorageError(.volumeExists, "storage volume name '\(name)' already in use.", value: name)
                }
                throw connection.failure("cannot create volume '\(connection.uri(name))'", name: name)
            }
            job.progressed()
            return GlusterFile(fd: fd, name: name, connection: connection, job: job)
        }

        private func failure(_ what: String) -> StorageError {
            connection.failure("\(what) '\(connection.uri(name))'", name: name)
        }

        func stat() throws(StorageError) -> Glibc.stat {
            var st = Glibc.stat()
            guard gfapi.glfs_fstat(fd, &st) == 0 else { throw failure("cannot stat") }
            job.progressed()
            return st
        }

        var size: UInt64 { get throws(StorageError) { UInt64(try stat().st_size) } }

        /// Reads up to `buffer.count` bytes at `offset`; fewer only at the end of the file.
        func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(StorageError) -> Int {
            var done = 0
            while done < buffer.count {
                let n = gfapi.glfs_pread(
                    fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done), 0, nil)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure("cannot read at offset \(offset + UInt64(done)) of")
                }
                job.progressed()
                if n == 0 { break }
                done += n
            }
            return done
        }

        /// Reads exactly `buffer.count` bytes at `offset`.
        func readFully(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(StorageError) {
            guard try read(into: buffer, at: offset) == buffer.count else {
                throw StorageError(
                    .operationFailed,
                    "unexpected end of '\(connection.uri(name))' before byte \(offset + UInt64(buffer.count))",
                    value: name)
            }
        }

        func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(StorageError) {
            var done = 0
            while done < bytes.count {
                let n = gfapi.glfs_pwrite(
                    fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done), 0, nil, nil)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure("cannot write at offset \(offset + UInt64(done)) of")
                }
                job.progressed()
                done += n
            }
        }

        /// Writes the first `count` (all) bytes of an array.
        func write(_ bytes: [UInt8], count: Int? = nil, at offset: UInt64) throws(StorageError) {
            let result = bytes.withUnsafeBytes { raw in
                Result { () throws(StorageError) in
                    try write(UnsafeRawBufferPointer(rebasing: raw[0..<(count ?? raw.count)]), at: offset)
                }
            }
            try result.get()
        }

        func truncate(to size: UInt64) throws(StorageError) {
            guard gfapi.glfs_ftruncate(fd, off_t(size), nil, nil) == 0 else { throw failure("cannot resize") }
            job.progressed()
        }

        /// Allocates [offset, offset + length) without changing the size:
        /// fallocate on the brick, or written zeros where the brick cannot.
        func allocate(from offset: UInt64, length: UInt64, progress: ProgressHandler?) throws(StorageError) {
            if length == 0 { return }
            if gfapi.glfs_fallocate(fd, 1, off_t(offset), Int(length)) == 0 {
                job.progressed()
                progress?(length, length)
                return
            }
            guard errno == EOPNOTSUPP || errno == ENOSYS else { throw failure("cannot allocate space for") }
            let zeros = [UInt8](repeating: 0, count: GlusterVolumes.chunk)
            var done: UInt64 = 0
            while done < length {
                let n = Int(min(UInt64(zeros.count), length - done))
                try write(zeros, count: n, at: offset + done)
                done += UInt64(n)
                progress?(done, length)
            }
        }

        func discard(from offset: UInt64, length: UInt64) throws(StorageError) {
            guard gfapi.glfs_discard(fd, off_t(offset), Int(length)) == 0 else {
                throw failure("cannot discard the blocks of")
            }
            job.progressed()
        }

        func sync() throws(StorageError) {
            guard gfapi.glfs_fsync(fd, nil, nil) == 0 else { throw failure("cannot sync") }
            job.progressed()
        }
    }
#endif
