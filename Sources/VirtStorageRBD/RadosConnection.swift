#if Ceph
    import CRados
    import Foundation
    import Logging
    import VirtStorage

    /// One connection to a Ceph cluster and an I/O context on the pool's RADOS
    /// pool. librados handles are thread-safe for I/O, so one connection serves
    /// every operation on the pool at once. The cluster is shut down when the
    /// last user lets go (the backend drops it on pool stop).
    final class RadosConnection: PoolConnection, @unchecked Sendable {
        let cluster: rados_t
        let ioctx: rados_ioctx_t
        /// The RADOS pool (<source><name>).
        let poolName: String
        /// The monitors as given to librados, for messages.
        let monitors: String
        /// Seconds librados waits for monitors and OSDs before giving up.
        let timeout: Int
        /// What the connection was made from (no secret in it), to notice a changed definition.
        let signature: String

        private init(
            cluster: rados_t, ioctx: rados_ioctx_t, poolName: String, monitors: String, timeout: Int,
            signature: String
        ) {
            self.cluster = cluster
            self.ioctx = ioctx
            self.poolName = poolName
            self.monitors = monitors
            self.timeout = timeout
            self.signature = signature
        }

        deinit {
            ceph.rados_ioctx_destroy(ioctx)
            ceph.rados_shutdown(cluster)
        }

        /// The monitors of a pool in librados' mon_host syntax: names without a
        /// port as they are, IPv6 addresses with a port in brackets.
        static func monitorList(_ hosts: [SourceHost]) -> String {
            hosts.map { host in
                guard let port = host.port, port != 0 else { return host.name }
                let bare = host.name.hasPrefix("[") ? String(host.name.dropFirst().dropLast()) : host.name
                var addr6 = in6_addr()
                if inet_pton(AF_INET6, bare, &addr6) == 1 { return "[\(bare)]:\(port)" }
                return "\(host.name):\(port)"
            }.joined(separator: ",")
        }

        static func signature(of pool: PoolDefinition) -> String {
            var parts = [pool.source.name ?? "", monitorList(pool.source.hosts)]
            if let auth = pool.source.auth { parts.append("\(auth.username)|\(auth.secret)") }
            for option in pool.rbdConfigOptions { parts.append("\(option.name)=\(option.value ?? "")") }
            return parts.joined(separator: "\n")
        }

        /// Connects as libvirt does: cephx with `key` (the raw secret value) or
        /// no authentication, the pool's monitors, timeouts, format 2 images,
        /// then the pool's own <rbd:config_opts>. Blocks up to `timeout` seconds.
        static func connect(pool: PoolDefinition, key: [UInt8]?, timeout: Int, logger: Logger) throws(StorageError)
            -> RadosConnection
        {
            guard let poolName = pool.source.name, !poolName.isEmpty else {
                throw StorageError(
                    .invalidArgument, "storage pool '\(pool.name)' has no RADOS pool name (<source><name>)",
                    element: "source/name")
            }
            guard !pool.source.hosts.isEmpty else {
                throw StorageError(
                    .invalidArgument, "storage pool '\(pool.name)' names no Ceph monitor (<source><host name=.../>)",
                    element: "source/host")
            }
            try RBDLibrary.load()
            let monitors = monitorList(pool.source.hosts)
            var handle: rados_t?
            let created = ceph.rados_create(&handle, pool.source.auth?.username)
            guard created >= 0, let cluster = handle else {
                throw RBDError.system(created, "failed to initialize RADOS")
            }
            var keep = false
            defer { if !keep { ceph.rados_shutdown(cluster) } }

            func set(_ name: String, _ value: String, quiet: Bool = false) throws(StorageError) {
                let rc = ceph.rados_conf_set(cluster, name, value)
                guard rc >= 0 else {
                    throw StorageError(
                        .internalError, "failed to set RADOS option: \(name)" + (quiet ? "" : " = \(value)"),
                        value: name, errno: -rc)
                }
            }
            // Nothing from /etc/ceph: the definition alone says where and how.
            try set("keyring", "")
            try set("log_to_stderr", "false")
            try set("err_to_stderr", "false")
            if NativeLog.wanted(by: logger) {
                // Client-side lines at a level that says what librados does, into the logger.
                try set("log_file", NativeLog.path(library: "librados", logger: logger))
                for subsystem in ["rados", "rbd", "monc"] { try set("debug_\(subsystem)", "5/5") }
            }
            if pool.source.auth != nil, let key {
                try set("key", Data(key).base64EncodedString(), quiet: true)
                try set("auth_client_required", "cephx")
            } else {
                try set("auth_client_required", "none")
            }
            try set("mon_host", typedMonitorList(pool.source.hosts))
            let seconds = String(timeout)
            try set("client_mount_timeout", seconds)
            try set("rados_mon_op_timeout", seconds)
            try set("rados_osd_op_timeout", seconds)
            try set("rbd_default_format", "2")
            for option in pool.rbdConfigOptions { try set(option.name, option.value ?? "") }

            let rc = ceph.rados_connect(cluster)
            guard rc >= 0 else {
                var message = "failed to connect to the RADOS monitor on: \(monitors)"
                switch -rc {
                case EACCES, EPERM:
                    message +=
                        ": the cluster refused the cephx credentials of user '\(pool.source.auth?.username ?? "")'"
                case ETIMEDOUT:
                    if let auth = pool.source.auth, let reachable = firstReachable(pool.source.hosts) {
                        // librados retries a refused cephx login until the timeout: tell the two apart.
                        message +=
                            ": the monitor at \(reachable) answers, but no session was established within \(timeout) s: the cluster refused the cephx credentials of user '\(auth.username)'?"
                    } else {
                        message += ": no monitor answered within \(timeout) s"
                    }
                default:
                    message += ": \(RBDError.describe(-rc))"
                }
                throw StorageError(.systemError, message, value: monitors, errno: -rc)
            }
            var io: rados_ioctx_t?
            let opened = ceph.rados_ioctx_create(cluster, poolName, &io)
            guard opened >= 0, let ioctx = io else {
                throw StorageError(
                    .systemError,
                    "failed to create the RBD IoCTX. Does the pool '\(poolName)' exist?: \(RBDError.describe(-opened))",
                    value: poolName, errno: -opened)
            }
            keep = true
            return RadosConnection(
                cluster: cluster, ioctx: ioctx, poolName: poolName, monitors: monitors, timeout: timeout,
                signature: signature(of: pool))
        }

        /// The first monitor that accepts a TCP connection within a second
        /// (ports 3300 and 6789 when none is given), as "host:port".
        static func firstReachable(_ hosts: [SourceHost]) -> String? {
            for host in hosts {
                let ports = host.port.map { $0 == 0 ? [3300, 6789] : [$0] } ?? [3300, 6789]
                let name = host.name.hasPrefix("[") ? String(host.name.dropFirst().dropLast()) : host.name
                for port in ports where accepts(name, port) { return "\(host.name):\(port)" }
            }
            return nil
        }

        private static func accepts(_ name: String, _ port: Int) -> Bool {
            guard let fd = connected(name, port) else { return false }
            close(fd)
            return true
        }

        /// `mon_host` as librados reads it, each address typed where its
        /// port does not say the messenger version (3300 is msgr2, 6789 the
        /// first). An untyped address on another port makes librados try
        /// msgr2 first and, on a msgr1 monitor, write an error line to
        /// stderr that no option turns off; the monitor's banner tells.
        static func typedMonitorList(_ hosts: [SourceHost]) -> String {
            hosts.map { host in
                let address = monitorList([host])
                // A port may come in the name, as virsh's --source-host HOST:PORT leaves it.
                var name = host.name
                var port = host.port ?? 0
                if port == 0, let colon = name.lastIndex(of: ":"), let given = Int(name[name.index(after: colon)...]),
                    name.hasPrefix("[") || name.firstIndex(of: ":") == colon
                {
                    port = given
                    name = String(name[..<colon])
                }
                if name.hasPrefix("[") { name = String(name.dropFirst().dropLast()) }
                guard port != 0, port != 3300, port != 6789 else { return address }
                switch messengerVersion(name, port) {
                case 1: return "v1:" + address
                case 2: return "v2:" + address
                default: return address
                }
            }.joined(separator: ",")
        }

        /// 1 or 2 from the banner a Ceph daemon sends first ("ceph v027",
        /// "ceph v2\n"); nil when none comes within a second.
        private static func messengerVersion(_ name: String, _ port: Int) -> Int? {
            guard let fd = connected(name, port) else { return nil }
            defer { close(fd) }
            var banner = [UInt8](repeating: 0, count: 9)
            var got = 0
            while got < banner.count {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 1000) == 1 else { break }
                let n = banner.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, $0.count - got) }
                guard n > 0 else { break }
                got += n
            }
            let text = String(decoding: banner[..<got], as: UTF8.self)
            if text.hasPrefix("ceph v2\n") { return 2 }
            if text.hasPrefix("ceph v027") { return 1 }
            return nil
        }

        /// A socket connected to `name`:`port` within a second, or nil.
        private static func connected(_ name: String, _ port: Int) -> Int32? {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(name, String(port), &hints, &list) == 0 else { return nil }
            defer { freeaddrinfo(list) }
            var entry = list
            while let info = entry {
                defer { entry = info.pointee.ai_next }
                let fd = socket(
                    info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue),
                    0)
                guard fd >= 0 else { continue }
                if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                if errno == EINPROGRESS, poll(&poller, 1, 1000) == 1,
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0
                {
                    return fd
                }
                close(fd)
            }
            return nil
        }

        /// An I/O context on another RADOS pool of the same cluster; the caller destroys it.
        func otherPool(_ name: String) throws(StorageError) -> rados_ioctx_t {
            var io: rados_ioctx_t?
            let rc = ceph.rados_ioctx_create(cluster, name, &io)
            guard rc >= 0, let io else {
                throw StorageError(
                    .systemError,
                    "failed to create the RBD IoCTX. Does the pool '\(name)' exist?: \(RBDError.describe(-rc))",
                    value: name, errno: -rc)
            }
            return io
        }

        /// Pool sizes as libvirt computes them: the cluster's raw size and free
        /// space, the bytes stored in this pool.
        func sizes() throws(StorageError) -> PoolSizes {
            var cluster = rados_cluster_stat_t()
            let rc = ceph.rados_cluster_stat(self.cluster, &cluster)
            guard rc >= 0 else { throw RBDError.system(rc, "failed to stat the RADOS cluster", timeout: timeout) }
            var pool = rados_pool_stat_t()
            let prc = ceph.rados_ioctx_pool_stat(ioctx, &pool)
            guard prc >= 0 else {
                throw RBDError.system(prc, "failed to stat the RADOS pool '\(poolName)'", timeout: timeout)
            }
            return PoolSizes(
                capacity: cluster.kb &* 1024, allocation: pool.num_bytes, available: cluster.kb_avail &* 1024)
        }
    }

    /// Errors from negative errno return values.
    enum RBDError {
        static func describe(_ errno: Int32) -> String { String(cString: strerror(errno)) }

        static func system(_ rc: some BinaryInteger, _ message: String, timeout: Int? = nil, value: String? = nil)
            -> StorageError
        {
            let err = Int32(truncatingIfNeeded: -Int64(rc))
            var text = "\(message): \(describe(err))"
            if err == ETIMEDOUT, let timeout { text += " (the cluster did not answer within \(timeout) s)" }
            return StorageError(.systemError, text, value: value, errno: err)
        }
    }
#endif
