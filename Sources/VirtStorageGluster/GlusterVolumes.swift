#if Gluster
    import CGlusterFS
    import Foundation
    import VirtStorage

    /// The volume jobs of a gluster pool, as blocking calls on a connection.
    enum GlusterVolumes {
        /// Bytes per read or write: large enough for gluster's round trips.
        static let chunk = 4 << 20

        /// The runs of `data` that hold something other than zeros, in
        /// 64 KiB blocks, so that a copy leaves holes finer than its chunks.
        static func dataRuns(_ data: UnsafeRawBufferPointer) -> [Range<Int>] {
            let block = 64 << 10
            var runs: [Range<Int>] = []
            var start = 0
            while start < data.count {
                let end = min(start + block, data.count)
                if !SparseCopy.isZero(UnsafeRawBufferPointer(rebasing: data[start..<end])) {
                    if let last = runs.last, last.upperBound == start {
                        runs[runs.count - 1] = last.lowerBound..<end
                    } else {
                        runs.append(start..<end)
                    }
                }
                start = end
            }
            return runs
        }

        // MARK: create

        /// A new file: raw (sparse, or allocated up to <allocation>) or an
        /// empty qcow2 image written natively. The file is removed again if
        /// anything fails.
        static func create(
            _ volume: VolumeDefinition, in connection: GlusterConnection, job: GlusterJob, progress: ProgressHandler?
        ) throws(StorageError) {
            let image = try qcow2Image(of: volume)
            let file = try GlusterFile.create(
                volume.name, mode: mode_t(volume.target.permissions?.mode ?? 0o600), in: connection, job: job)
            do throws(StorageError) {
                try setOwner(file, volume.target.permissions)
                if let image {
                    let bytes = try image.bytes()
                    try file.write(bytes, at: 0)
                    // Whole sectors, as qemu-img leaves it: qemu's gluster
                    // driver fails a read that ends past the end of the file.
                    try file.truncate(to: (UInt64(bytes.count) + 511) / 512 * 512)
                } else {
                    try file.truncate(to: volume.capacity)
                    if volume.allocationSpecified && volume.allocation > 0 {
                        try file.allocate(
                            from: 0, length: min(volume.allocation, volume.capacity), progress: progress)
                    }
                }
                try file.sync()
            } catch {
                _ = gfapi.glfs_unlink(connection.fs, connection.path(volume.name))
                throw error
            }
        }

        /// The qcow2 image to write for a qcow2 volume; nil for raw.
        static func qcow2Image(of volume: VolumeDefinition) throws(StorageError) -> QCow2Writer? {
            switch volume.target.format ?? "raw" {
            case "raw": return nil
            case "qcow2": return try QCow2Writer(volume: volume)
            case let format:
                throw StorageError(
                    .configUnsupported,
                    "gluster pools create raw and qcow2 volumes only, not '\(format)'", element: "target/format/@type",
                    value: format.rawValue)
            }
        }

        private static func setOwner(_ file: GlusterFile, _ permissions: Permissions?) throws(StorageError) {
            guard let permissions, permissions.owner != nil || permissions.group != nil else { return }
            let uid = permissions.owner.map { uid_t($0) } ?? uid_t.max
            let gid = permissions.group.map { gid_t($0) } ?? gid_t.max
            guard gfapi.glfs_fchown(file.fd, uid, gid) == 0 else {
                throw file.connection.failure(
                    "cannot set the owner of '\(file.connection.uri(file.name))'", name: file.name)
            }
        }

        // MARK: clone

        /// Where a clone's data comes from: a file of the same gluster volume, or a local file.
        enum Origin {
            case gluster(path: String)
            case local(path: String)
        }

        static func origin(of source: VolumeDefinition, for connection: GlusterConnection) throws(StorageError)
            -> Origin
        {
            let prefix = "gluster://\(connection.server)/\(connection.volume)/"
            if source.type == .network, let key = source.key ?? source.target.path, key.hasPrefix(prefix) {
                return .gluster(path: "/" + key.dropFirst(prefix.count))
            }
            if source.type == .file || source.type == .block, let path = source.target.path {
                return .local(path: path)
            }
            throw StorageError(
                .operationUnsupported,
                "cannot copy volume '\(source.name)' (\(source.target.path ?? source.type.rawValue)) into \(connection.place): only files of that gluster volume and local files can be cloned",
                value: source.name)
        }

        /// A new volume with the bytes of `source` (same format: no
        /// conversion), copied sparsely: runs of zeros stay holes. A raw copy
        /// grows to the new volume's capacity when that is larger.
        static func clone(
            _ source: VolumeDefinition, to volume: VolumeDefinition, in connection: GlusterConnection,
            job: GlusterJob, progress: ProgressHandler?
        ) throws(StorageError) {
            let sourceFormat = source.target.format ?? "raw"
            let format = volume.target.format ?? sourceFormat
            guard format == sourceFormat else {
                throw StorageError(
                    .operationUnsupported,
                    "cannot convert volume '\(source.name)' from \(sourceFormat) to \(format) in \(connection.place): clone it in its own format",
                    value: format.rawValue)
            }
            let read: (UnsafeMutableRawBufferPointer, UInt64) throws(StorageError) -> Int
            let size: UInt64
            var local: Int32 = -1
            var glusterSource: GlusterFile?
            defer { if local >= 0 { SystemCalls.close(local) } }
            switch try origin(of: source, for: connection) {
            case .gluster(let path):
                let file = try GlusterFile.open(source.name, path: path, flags: O_RDONLY, in: connection, job: job)
                glusterSource = file
                size = try file.size
                read = { (buffer, offset) throws(StorageError) in try file.read(into: buffer, at: offset) }
            case .local(let path):
                local = try SystemCalls.open(path, O_RDONLY, "cannot open '\(path)'")
                // A status that cannot be read counts as an empty file, as before.
                let st = try? SystemCalls.fstat(local, path: path, "cannot stat '\(path)'")
                if let st, (st.st_mode & S_IFMT) == S_IFBLK {
                    size = SystemCalls.endOffset(local, path: path)
                } else {
                    size = UInt64(st?.st_size ?? 0)
                }
                let fd = local
                read = { (buffer, offset) throws(StorageError) in
                    // Never empty: the copy asks for at least one byte.
                    try SystemCalls.pread(
                        fd, buffer.baseAddress!, buffer.count, at: offset, path: path, "cannot read '\(path)'")
                }
            }
            _ = glusterSource
            let target = try GlusterFile.create(
                volume.name, mode: mode_t(volume.target.permissions?.mode ?? 0o600), in: connection, job: job)
            do throws(StorageError) {
                try setOwner(target, volume.target.permissions)
                try target.truncate(to: size)
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
                defer { buffer.deallocate() }
                var done: UInt64 = 0
                while done < size {
                    let want = Int(min(UInt64(chunk), size - done))
                    let n = try read(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), done)
                    guard n > 0 else { break }
                    let data = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                    for run in dataRuns(data) {
                        try target.write(UnsafeRawBufferPointer(rebasing: data[run]), at: done + UInt64(run.lowerBound))
                    }
                    done += UInt64(n)
                    progress?(done, size)
                }
                if format == "raw" && volume.capacity > size { try target.truncate(to: volume.capacity) }
                try target.sync()
            } catch {
                _ = gfapi.glfs_unlink(connection.fs, connection.path(volume.name))
                throw error
            }
        }
    }
#endif
