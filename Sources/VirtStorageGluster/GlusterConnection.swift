#if Gluster
    import CGlusterFS
    import Foundation
    import Logging
    import Synchronization
    import VirtStorage

    /// One libgfapi connection ("virtual mount") to the gluster volume of a
    /// pool. libgfapi handles are thread-safe, so one serves every job on the
    /// pool. Connecting takes a round trip to glusterd and one to each brick;
    /// glfs_fini takes about 10 s, so the backend keeps one per active pool
    /// and closes it on pool stop, on a thread of its own.
    final class GlusterConnection: PoolConnection, @unchecked Sendable {
        let fs: OpaquePointer
        /// The gluster volume (<source><name>).
        let volume: String
        /// The pool's directory in the volume: starts and ends with "/".
        let dir: String
        /// The host as it appears in URIs and messages: "vm", "vm:24008", "[::1]".
        let server: String
        /// What the connection was made from, to notice a changed definition.
        let signature: String

        private init(fs: OpaquePointer, volume: String, dir: String, server: String, signature: String) {
            self.fs = fs
            self.volume = volume
            self.dir = dir
            self.server = server
            self.signature = signature
        }

        deinit {
            let handle = Handle(fs: fs)
            // glfs_fini waits for the volume's threads to wind down (~10 s).
            Self.closing.withLock { $0 += 1 }
            Thread.detachNewThread {
                _ = gfapi.glfs_fini(handle.fs)
                Self.closing.withLock { $0 -= 1 }
            }
        }

        /// Connections whose glfs_fini has not returned yet.
        private static let closing = Mutex(0)

        /// Blocks (up to `patience`) until every dropped connection's
        /// glfs_fini has returned: libgfapi's threads are gone then.
        static func waitUntilClosed(patience: Duration) {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: patience)
            while closing.withLock({ $0 }) > 0, clock.now < deadline { usleep(20_000) }
        }

        private struct Handle: @unchecked Sendable { let fs: OpaquePointer }

        /// The path of a volume (file) of the pool inside the gluster volume.
        func path(_ name: String) -> String { dir + name }

        /// libvirt's target path and key of a volume: gluster://HOST[:PORT]/VOLUME/DIR/NAME.
        func uri(_ name: String) -> String { "gluster://\(server)/\(volume)\(dir)\(name)" }

        /// "volume 'gv0' on host 'vm'", for messages.
        var place: String { "gluster volume '\(volume)' on host '\(server)'" }

        static func signature(of pool: PoolDefinition) -> String {
            let host = pool.source.hosts.first
            return [pool.source.name ?? "", host?.name ?? "", String(host?.port ?? 0), pool.source.dir ?? "/"]
                .joined(separator: "\n")
        }

        /// The host part of libvirt's URIs: IPv6 addresses in brackets, the port when one is given.
        static func server(_ host: SourceHost) -> String {
            var name = host.name
            if name.contains(":") && !name.hasPrefix("[") { name = "[\(name)]" }
            if let port = host.port, port > 0 { name += ":\(port)" }
            return name
        }

        /// The pool's volume name and directory, checked as libvirt checks them.
        static func location(of pool: PoolDefinition) throws(StorageError) -> (volume: String, dir: String) {
            guard let volume = pool.source.name, !volume.isEmpty else {
                throw StorageError(
                    .invalidArgument, "storage pool '\(pool.name)' names no gluster volume (<source><name>)",
                    element: "source/name")
            }
            guard !volume.contains("/") else {
                throw StorageError(
                    .xmlError, "gluster pool name '\(volume)' must not contain /", element: "source/name",
                    value: volume)
            }
            var dir = pool.source.dir ?? "/"
            guard dir.hasPrefix("/") else {
                throw StorageError(
                    .xmlError, "gluster pool path '\(dir)' must start with /", element: "source/dir/@path", value: dir)
            }
            if !dir.hasSuffix("/") { dir += "/" }
            return (volume, dir)
        }

        /// Connects to the pool's first host (glusterd on port 24007 unless
        /// another is given) over TCP, as libvirt does, and checks that the
        /// pool's directory exists. Blocks: run it in a `GlusterJob`.
        /// `timeout` also becomes the bricks' ping timeout, so a brick that
        /// stops answering fails I/O after that long instead of gluster's 42 s.
        static func connect(pool: PoolDefinition, timeout: Int, logger: Logger) throws(StorageError)
            -> GlusterConnection
        {
            try GlusterLibrary.load()
            let (volume, dir) = try location(of: pool)
            guard let host = pool.source.hosts.first else {
                throw StorageError(
                    .invalidArgument, "storage pool '\(pool.name)' names no gluster host (<source><host name=.../>)",
                    element: "source/host")
            }
            let server = server(host)
            guard let fs = gfapi.glfs_new(volume) else {
                throw StorageError(.operationFailed, "failed to create glfs object for '\(volume)'", value: volume)
            }
            var keep = false
            defer { if !keep { Thread.detachNewThread { [fs = Handle(fs: fs)] in _ = gfapi.glfs_fini(fs.fs) } } }
            // libgfapi logs only to a file: the logger's pipe when it wants
            // the lines (INFO and up), else nowhere.
            _ = gfapi.glfs_set_logging(
                fs, NativeLog.path(library: "libgfapi", logger: logger), NativeLog.wanted(by: logger) ? 7 : 0)
            _ = gfapi.glfs_set_xlator_option(fs, "*-client-*", "ping-timeout", String(timeout))
            guard gfapi.glfs_set_volfile_server(fs, "tcp", host.name, Int32(host.port ?? 0)) == 0 else {
                throw SystemError.make("failed to set gluster://\(server) as the volfile server of '\(volume)'")
            }
            if gfapi.glfs_init(fs) != 0 {
                let code = errno
                let target = "gluster://\(server)/\(volume)\(dir)"
                let why: String
                switch code {
                case ENOENT:
                    why = "host '\(host.name)' has no gluster volume '\(volume)' (or it is not started)"
                case ENOTCONN, ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ETIMEDOUT:
                    // (A `where` clause would bind to the last pattern only.)
                    let port = host.port.flatMap { $0 > 0 ? $0 : nil } ?? 24007
                    why =
                        resolves(host.name)
                        ? "no glusterd answers on host '\(host.name)' port \(port)"
                        : "host name '\(host.name)' does not resolve"
                default:
                    why = String(cString: strerror(code))
                }
                throw StorageError(
                    .systemError, "failed to connect to \(target): \(why)", value: host.name, errno: code)
            }
            var st = stat()
            if gfapi.glfs_stat(fs, dir, &st) != 0 || (st.st_mode & S_IFMT) != S_IFDIR {
                let code = errno
                throw StorageError(
                    .systemError,
                    (code == ENOENT || code == 0 || code == ENOTDIR)
                        ? "directory '\(dir)' does not exist in gluster volume '\(volume)' on host '\(server)'"
                        : "failed to change to directory '\(dir)' in '\(volume)': \(String(cString: strerror(code)))",
                    value: dir, errno: code == 0 ? ENOTDIR : code)
            }
            keep = true
            return GlusterConnection(
                fs: fs, volume: volume, dir: dir, server: server, signature: signature(of: pool))
        }

        private static func resolves(_ name: String) -> Bool {
            var list: UnsafeMutablePointer<addrinfo>?
            let rc = getaddrinfo(name.hasPrefix("[") ? String(name.dropFirst().dropLast()) : name, nil, nil, &list)
            if rc == 0 { freeaddrinfo(list) }
            return rc == 0
        }

        /// An error for a failed libgfapi call on the pool: "what: strerror",
        /// naming the volume and host; brick outages are spelled out.
        func failure(_ what: String, name: String? = nil, errno code: Int32 = errno) -> StorageError {
            var text = "\(what): \(String(cString: strerror(code)))"
            if code == ENOTCONN || code == ETIMEDOUT || code == EIO {
                text += " (is a brick of \(place) down?)"
            }
            return StorageError(.systemError, text, value: name, errno: code, path: name.map(uri))
        }

        /// Pool sizes as libvirt computes them from statvfs of the pool's directory.
        func sizes() throws(StorageError) -> PoolSizes {
            var vfs = statvfs()
            guard gfapi.glfs_statvfs(fs, dir, &vfs) == 0 else {
                throw failure("cannot statvfs path '\(dir)' in \(place)")
            }
            let capacity = UInt64(vfs.f_frsize) &* UInt64(vfs.f_blocks)
            let available = UInt64(vfs.f_bfree) &* UInt64(vfs.f_frsize)
            return PoolSizes(capacity: capacity, allocation: capacity &- available, available: available)
        }
    }
#endif
