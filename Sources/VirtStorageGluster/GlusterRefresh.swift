#if Gluster
    import CGlusterFS
    import Foundation
    import VirtStorage

    /// Pool refresh over libgfapi, reporting volumes as libvirt's gluster
    /// backend does: every file of the pool's directory (symlinks followed,
    /// dangling ones skipped) and subdirectories as netdir volumes, each
    /// named by its gluster:// URI, its format probed from its header.
    enum GlusterRefresh {
        /// The volumes of the pool's directory, in directory order.
        static func list(_ connection: GlusterConnection, job: GlusterJob) throws(StorageError) -> [VolumeDefinition] {
            guard let dir = gfapi.glfs_opendir(connection.fs, connection.dir) else {
                throw connection.failure("cannot open path '\(connection.dir)' in \(connection.place)")
            }
            defer { _ = gfapi.glfs_closedir(dir) }
            var volumes: [VolumeDefinition] = []
            while true {
                var st = stat()
                errno = 0
                guard let entry = gfapi.glfs_readdirplus(dir, &st) else {
                    if errno != 0 {
                        throw connection.failure("failed to read directory '\(connection.dir)' in \(connection.place)")
                    }
                    break
                }
                job.progressed()
                let name = directoryEntryName(entry)
                if name == "." || name == ".." { continue }
                if let volume = try describe(name, stat: st, in: connection, job: job) { volumes.append(volume) }
            }
            return volumes
        }

        /// One volume: nil when `name` is gone or a dangling link or loop,
        /// or is neither a file nor a directory.
        static func describe(_ name: String, stat given: stat? = nil, in connection: GlusterConnection, job: GlusterJob)
            throws(StorageError) -> VolumeDefinition?
        {
            var st = given ?? stat()
            if given == nil || (st.st_mode & S_IFMT) == S_IFLNK {
                guard gfapi.glfs_stat(connection.fs, connection.path(name), &st) == 0 else {
                    if errno == ENOENT || errno == ELOOP { return nil }
                    throw connection.failure("cannot stat '\(connection.uri(name))'", name: name)
                }
            }
            var volume = VolumeDefinition(name: name)
            volume.type = .network
            volume.key = connection.uri(name)
            volume.allocationSpecified = true
            volume.capacity = UInt64(st.st_size)
            volume.allocation = UInt64(st.st_blocks) &* 512
            volume.physical = UInt64(st.st_size)
            var target = VolumeTarget(path: connection.uri(name), format: "raw")
            target.permissions = FileVolumes.permissions(st)
            target.timestamps = FileVolumes.timestamps(st)
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                volume.type = .netdir
                target.format = "dir"
            case S_IFREG:
                let file = try GlusterFile.open(name, flags: O_RDONLY | O_NOCTTY, in: connection, job: job)
                let header = ImageFormatProbe.probe(fileSize: UInt64(st.st_size)) { buffer, offset in
                    (try? file.read(into: buffer, at: offset)) ?? -1
                }
                target.format = header.format
                if let capacity = header.capacity, capacity > 0 { volume.capacity = capacity }
                if let encryption = header.encryption { target.encryption = VolumeEncryption(format: encryption) }
                target.features = header.features
                target.compat = header.compat
                if let backing = header.backingPath {
                    // As libvirt: the name as written in the header, not resolved.
                    volume.backingStore = VolumeTarget(path: backing, format: header.backingFormat ?? "raw")
                }
            default:
                return nil
            }
            volume.target = target
            return volume
        }
    }
#endif
