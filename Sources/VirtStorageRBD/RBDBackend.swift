#if Ceph
    import CRados
    import Foundation
    import Logging
    import Synchronization
    import VirtStorage

    /// rbd pools through librados and librbd, in process: no rbd or ceph
    /// command is run. One RADOS connection per active pool, made on start
    /// (or on first use after the host restarts) and shut down on stop.
    public struct RBDBackend: StorageBackend {
        public let type = PoolType.rbd
        public var libvirtVolumeDeleteFunction: String { "virStorageBackendRBDDeleteVol" }

        /// Seconds librados waits for a monitor or an OSD before an operation
        /// fails (client_mount_timeout, rados_mon_op_timeout,
        /// rados_osd_op_timeout); libvirt's 30 by default. A pool's
        /// <rbd:config_opts> may set them otherwise.
        public let timeout: Int

        final class State: Sendable {
            let connections = PoolConnectionCache<RadosConnection>()
        }
        let state = State()
        /// Where cephx keys come from, and where librados logs.
        public private(set) var environment: BackendEnvironment

        /// `secrets` is where cephx keys come from; a host this backend is
        /// registered with hands over its own store (`StorageHost(secrets:)`).
        public init(timeout: Int = 30, secrets: (any SecretStore)? = nil) {
            self.timeout = timeout
            environment = BackendEnvironment(secrets: secrets)
        }

        public func configured(with environment: BackendEnvironment) -> RBDBackend {
            var copy = self
            copy.environment = self.environment.merging(environment)
            return copy
        }

        // MARK: connections

        /// The cephx key of the pool's <auth>, from the secret store.
        func key(for pool: PoolDefinition) async throws(StorageError) -> [UInt8]? {
            guard let auth = pool.source.auth else { return nil }
            guard auth.type == .ceph else {
                throw StorageError(
                    .configUnsupported, "rbd pools authenticate with type='ceph', not '\(auth.type.rawValue)'",
                    element: "source/auth/@type", value: auth.type.rawValue)
            }
            return try await environment.secret(auth, of: pool, scheme: "cephx")
        }

        /// The pool's connection, made now if there is none (or the definition changed).
        func connection(_ pool: PoolDefinition) async throws(StorageError) -> RadosConnection {
            try await state.connections.connection(for: pool, signature: RadosConnection.signature(of: pool)) {
                () throws(StorageError) in
                let key = try await key(for: pool)
                let timeout = self.timeout
                let logger = environment.logger
                return try await RBDThreads.run { () throws(StorageError) in
                    try RadosConnection.connect(pool: pool, key: key, timeout: timeout, logger: logger)
                }
            }
        }

        /// Runs `body` off the cooperative pool with the pool's connection.
        func withConnection<T: Sendable>(
            _ pool: PoolDefinition, _ body: @escaping @Sendable (RadosConnection) throws(StorageError) -> T
        ) async throws(StorageError) -> T {
            let connection = try await connection(pool)
            return try await RBDThreads.run { () throws(StorageError) in try body(connection) }
        }

        /// Runs `body` on an open image of the pool.
        func withImage<T: Sendable>(
            _ name: String, in pool: PoolDefinition, readOnly: Bool = false,
            _ body: @escaping @Sendable (RBDImage, RadosConnection) throws(StorageError) -> T
        ) async throws(StorageError) -> T {
            try await withConnection(pool) { (connection) throws(StorageError) in
                let image = try RBDImage.open(
                    name, in: connection.ioctx, pool: connection.poolName, readOnly: readOnly,
                    of: connection)
                return try body(image, connection)
            }
        }

        // MARK: pools

        public func check(_ pool: PoolDefinition) async throws(StorageError) -> Bool {
            (try? await connection(pool)) != nil
        }

        public func start(_ pool: PoolDefinition) async throws(StorageError) {
            _ = try await connection(pool)
        }

        public func stop(_ pool: PoolDefinition) async throws(StorageError) {
            // Operations still running keep the connection alive; the last one shuts it down.
            state.connections.drop(pool)
        }

        public func release(_ pool: PoolDefinition) async { await state.connections.close(pool) }

        public func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
            let allocation: RBDRefresh.Allocation = pool.refreshVolumeAllocation == .capacity ? .capacity : .used
            let connection = try await connection(pool)
            let (sizes, fast) = try await RBDThreads.run { () throws(StorageError) in
                let sizes = try connection.sizes()
                let images = try RBDRefresh.list(connection)
                return (sizes, try RBDRefresh.statFast(images, connection, allocation))
            }
            var volumes = fast.volumes
            // The images the fast path left to librbd: a few threads, each its share.
            let names = fast.fallback
            if !names.isEmpty {
                let width = min(4, names.count)
                let parts = await withTaskGroup(of: Result<[VolumeDefinition], StorageError>.self) { group in
                    for part in 0..<width {
                        let share = stride(from: part, to: names.count, by: width).map { names[$0] }
                        group.addTask {
                            do throws(StorageError) {
                                return .success(
                                    try await RBDThreads.run { () throws(StorageError) in
                                        var found: [VolumeDefinition] = []
                                        for name in share {
                                            if let volume = try RBDRefresh.statWithLibrbd(name, connection, allocation)
                                            {
                                                found.append(volume)
                                            }
                                        }
                                        return found
                                    })
                            } catch {
                                return .failure(error)
                            }
                        }
                    }
                    var all: [Result<[VolumeDefinition], StorageError>] = []
                    for await part in group { all.append(part) }
                    return all
                }
                for part in parts { volumes += try part.get() }
            }
            return (sizes, volumes)
        }

        // MARK: volumes

        /// Characters an image name may not have here: RBD itself takes nearly
        /// anything, but '/' and '@' separate pool, image and snapshot in every
        /// image spec (`pool/image@snap`, QEMU's rbd: URIs), so such an image
        /// could not be named anywhere else.
        static func checkName(_ name: String) throws(StorageError) {
            var problem: String?
            if name.isEmpty {
                problem = "it is empty"
            } else if name.contains("/") {
                problem = "it contains '/'"
            } else if name.contains("@") {
                problem = "it contains '@', which separates image and snapshot"
            } else if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
                problem = "it contains control characters"
            } else if name.utf8.count > 512 {
                problem = "it is longer than 512 bytes"
            }
            if let problem {
                throw StorageError(
                    .invalidArgument, "volume name '\(name)' cannot be an RBD image name: \(problem)",
                    element: "name", value: name)
            }
        }

        public func prepareVolume(_ volume: inout VolumeDefinition, in pool: PoolDefinition) throws(StorageError) {
            try Self.checkName(volume.name)
            if let format = volume.target.format, format != "raw" {
                throw StorageError(
                    .configUnsupported, "only RAW volumes are supported by this storage pool",
                    element: "target/format/@type", value: format.rawValue)
            }
            if volume.target.encryption != nil {
                throw StorageError(
                    .configUnsupported, "storage pool does not support encrypted volumes", element: "target/encryption")
            }
            let poolName = pool.source.name ?? ""
            volume.type = .network
            volume.target.format = "raw"
            volume.target.path = "\(poolName)/\(volume.name)"
            volume.key = "\(poolName)/\(volume.name)"
        }

        public func buildVolume(
            _ volume: VolumeDefinition, from source: VolumeDefinition?, in pool: PoolDefinition,
            options: VolumeBuildOptions, secrets: VolumeSecrets, progress: ProgressHandler?
        ) async throws(StorageError) {
            guard volume.capacity > 0 else {
                throw StorageError(.operationUnsupported, "volume capacity required for this storage pool")
            }
            if let source {
                // libvirt's rbd create-from takes no flags (virCheckFlags).
                if options.reflink {
                    throw StorageError(
                        .unsupportedFlags, "unsupported flags (0x2) in function virStorageBackendRBDBuildVolFrom")
                }
                try await RBDVolumes.clone(source, to: volume, in: pool, backend: self, progress: progress)
                return
            }
            let thick = volume.allocationSpecified && volume.allocation > 0
            try await withConnection(pool) { (connection) throws(StorageError) in
                try RBDVolumes.create(volume.name, size: volume.capacity, in: connection)
                if thick {
                    let image = try RBDImage.open(
                        volume.name, in: connection.ioctx, pool: connection.poolName, of: connection)
                    try RBDVolumes.fill(
                        image, from: 0, length: min(volume.allocation, volume.capacity), pass: .pattern([0]),
                        chunk: 4 << 20, progress: progress)
                }
            }
        }

        public func refreshVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
            -> VolumeDefinition
        {
            let allocation: RBDRefresh.Allocation = pool.refreshVolumeAllocation == .capacity ? .capacity : .used
            let fresh = try await withConnection(pool) { (connection) throws(StorageError) in
                try RBDRefresh.statWithLibrbd(volume.name, connection, allocation)
            }
            guard var fresh else {
                throw StorageError(
                    .noSuchVolume, "no storage vol with matching name '\(volume.name)'", value: volume.name)
            }
            if allocation == .capacity { fresh.allocation = fresh.capacity }
            return fresh
        }

        public func deleteVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError) {
            try await deleteVolume(volume, in: pool, withSnapshots: false)
        }

        public func deleteVolume(_ volume: VolumeDefinition, in pool: PoolDefinition, withSnapshots: Bool)
            async throws(StorageError)
        {
            try await withConnection(pool) { (connection) throws(StorageError) in
                try RBDVolumes.remove(volume.name, in: connection, withSnapshots: withSnapshots)
            }
        }

        public func resizeVolume(
            _ volume: VolumeDefinition, to capacity: UInt64, options: ResizeOptions, in pool: PoolDefinition
        ) async throws(StorageError) {
            if options.contains(.allocate) {
                throw StorageError(
                    .operationUnsupported, "storage pool type 'rbd' does not support preallocation on resize")
            }
            try await withImage(volume.name, in: pool) { (image, _) throws(StorageError) in
                let rc = ceph.rbd_resize(image.handle, capacity)
                guard rc >= 0 else { throw image.fail(rc, "failed to resize the") }
            }
        }

    }
#endif
