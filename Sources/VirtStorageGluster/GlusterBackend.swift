#if Gluster
    import CGlusterFS
    import Foundation
    import Logging
    import Synchronization
    import VirtStorage

    /// gluster pools through libgfapi, in process: files of one directory of
    /// a gluster volume, named by gluster:// URIs. libvirt's backend only
    /// lists and deletes; this one also creates (raw, qcow2), clones,
    /// resizes, wipes, uploads and downloads. One connection per active pool,
    /// made on start (or first use) and closed on stop. Every libgfapi call
    /// runs in a `GlusterJob`: a host or brick that stops answering fails the
    /// job after `timeout` seconds without progress and drops the connection,
    /// so the next job connects afresh.
    public struct GlusterBackend: StorageBackend {
        public let type = PoolType.gluster
        public var libvirtVolumeDeleteFunction: String { "virStorageBackendGlusterVolDelete" }

        /// Seconds a job may go without an answer from the servers; also the
        /// bricks' ping timeout of each connection.
        public let timeout: Int
        /// Runs the gluster CLI for source discovery.
        public let runner: CommandRunning

        final class State: Sendable {
            let connections = PoolConnectionCache<GlusterConnection>()
        }
        let state = State()
        /// Where libgfapi logs.
        public private(set) var environment = BackendEnvironment()

        public init(timeout: Int = 30, runner: CommandRunning = SystemCommandRunner()) {
            self.timeout = timeout
            self.runner = runner
        }

        // MARK: connections

        /// The pool's connection, made now if there is none (or the definition changed).
        func connection(_ pool: PoolDefinition) async throws(StorageError) -> GlusterConnection {
            try await state.connections.connection(for: pool, signature: GlusterConnection.signature(of: pool)) {
                () throws(StorageError) in
                let (volume, _) = try GlusterConnection.location(of: pool)
                let host = pool.source.hosts.first.map(GlusterConnection.server) ?? "?"
                let timeout = self.timeout
                let logger = environment.logger
                return try await GlusterJob.run(
                    "connecting to gluster volume '\(volume)' on host '\(host)'", timeout: timeout
                ) { (_) throws(StorageError) in try GlusterConnection.connect(pool: pool, timeout: timeout, logger: logger) }
            }
        }

        /// Runs `body` in a watched job with the pool's connection. A job that
        /// times out drops the connection: the next one reconnects.
        func withConnection<T: Sendable>(
            _ pool: PoolDefinition, _ what: String,
            _ body: @escaping @Sendable (GlusterConnection, GlusterJob) throws(StorageError) -> T
        ) async throws(StorageError) -> T {
            let connection = try await connection(pool)
            let state = self.state
            return try await GlusterJob.run(
                "\(what) in \(connection.place)", timeout: timeout,
                onTimeout: {
                    state.connections.drop(connection, of: pool)
                }
            ) { (job) throws(StorageError) in try body(connection, job) }
        }

        /// Runs `body` on the open volume file `name`.
        func withFile<T: Sendable>(
            _ name: String, in pool: PoolDefinition, _ what: String, flags: Int32 = O_RDWR,
            _ body: @escaping @Sendable (GlusterFile) throws(StorageError) -> T
        ) async throws(StorageError) -> T {
            try await withConnection(pool, "\(what) of volume '\(name)'") { (connection, job) throws(StorageError) in
                try body(try GlusterFile.open(name, flags: flags, in: connection, job: job))
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
            // Jobs still running keep the connection; the last one closes it.
            state.connections.drop(pool)
        }

        public func release(_ pool: PoolDefinition) async { await state.connections.close(pool) }

        /// Blocks (up to `patience`) until libgfapi has wound down every
        /// connection this process dropped: a stopped pool's connection ends
        /// in glfs_fini, about 10 s, on a thread of its own. Wait for it
        /// before stopping or deleting the gluster volume (or glusterd) under
        /// such a pool: libgfapi 10.3's timer thread can use freed memory and
        /// abort the process otherwise (RELIABILITY.md).
        public static func waitUntilConnectionsClosed(patience: Duration = .seconds(30)) {
            GlusterConnection.waitUntilClosed(patience: patience)
        }
        public func configured(with environment: BackendEnvironment) -> GlusterBackend {
            var copy = self
            copy.environment = self.environment.merging(environment)
            return copy
        }

        public func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
            try await withConnection(pool, "refresh") { (connection, job) throws(StorageError) in
                let volumes = try GlusterRefresh.list(connection, job: job)
                return (try connection.sizes(), volumes)
            }
        }

        /// The volumes of the spec's one host, from the gluster CLI (libvirt's way).
        public func findSources(_ spec: PoolSource?) async throws(StorageError) -> [PoolSource] {
            guard let spec, !spec.hosts.isEmpty else {
                throw StorageError(
                    .invalidArgument, "hostname must be specified for gluster sources", element: "source/host")
            }
            guard spec.hosts.count == 1 else {
                throw StorageError(
                    .configUnsupported, "Expected exactly 1 host for the storage pool", element: "source/host")
            }
            let host = spec.hosts[0].name
            let output: CommandRunner.Output
            do {
                output = try await runner.capture(GlusterVolumeList.command(host: host))
            } catch {
                output = CommandRunner.Output(status: 127, stderr: error.message)
            }
            let found = output.status == 0 ? try GlusterVolumeList.parse(output.stdout, host: host, as: .gluster) : []
            guard !found.isEmpty else {
                throw StorageError(.operationFailed, "no storage pools were found on host '\(host)'", value: host)
            }
            return found
        }

        // MARK: volumes

        public func prepareVolume(_ volume: inout VolumeDefinition, in pool: PoolDefinition) throws(StorageError) {
            let name = volume.name
            if name.isEmpty || name == "." || name == ".." || name.contains("/") {
                throw StorageError(
                    .invalidArgument, "volume name '\(name)' cannot be a file name in a gluster volume",
                    element: "name", value: name)
            }
            if volume.target.encryption != nil {
                throw StorageError(
                    .configUnsupported, "storage pool does not support encrypted volumes", element: "target/encryption")
            }
            _ = try GlusterVolumes.qcow2Image(of: volume)
            let (glusterVolume, dir) = try GlusterConnection.location(of: pool)
            guard let host = pool.source.hosts.first else {
                throw StorageError(.invalidArgument, "storage pool '\(pool.name)' names no gluster host")
            }
            let uri = "gluster://\(GlusterConnection.server(host))/\(glusterVolume)\(dir)\(name)"
            volume.type = .network
            if volume.target.format == nil { volume.target.format = "raw" }
            volume.target.path = uri
            volume.key = uri
        }

        public func buildVolume(
            _ volume: VolumeDefinition, from source: VolumeDefinition?, in pool: PoolDefinition,
            options: VolumeBuildOptions, secrets: VolumeSecrets, progress: ProgressHandler?
        ) async throws(StorageError) {
            if options.preallocateMetadata {
                throw StorageError(
                    .operationUnsupported, "metadata preallocation is not supported for volumes of gluster pools")
            }
            if let source {
                if options.reflink {
                    throw StorageError(
                        .operationUnsupported, "a reflink copy within a gluster pool is not possible",
                        value: source.name, hint: "without --reflink the bytes are copied")
                }
                try await withConnection(pool, "cloning '\(source.name)' to volume '\(volume.name)'") {
                    (connection, job) throws(StorageError) in
                    try GlusterVolumes.clone(source, to: volume, in: connection, job: job, progress: progress)
                }
                return
            }
            try await withConnection(pool, "creating volume '\(volume.name)'") {
                (connection, job) throws(StorageError) in
                try GlusterVolumes.create(volume, in: connection, job: job, progress: progress)
            }
        }

        public func refreshVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
            -> VolumeDefinition
        {
            let fresh = try await withConnection(pool, "refresh of volume '\(volume.name)'") {
                (connection, job) throws(StorageError) in
                try GlusterRefresh.describe(volume.name, in: connection, job: job)
            }
            guard let fresh else {
                throw StorageError(
                    .noSuchVolume, "no storage vol with matching name '\(volume.name)'", value: volume.name)
            }
            return fresh
        }

        public func deleteVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError) {
            try await withConnection(pool, "deleting volume '\(volume.name)'") {
                (connection, job) throws(StorageError) in
                let path = connection.path(volume.name)
                let directory = volume.type == .netdir
                guard
                    (directory ? gfapi.glfs_rmdir(connection.fs, path) : gfapi.glfs_unlink(connection.fs, path)) == 0
                        || errno == ENOENT
                else {
                    throw connection.failure(
                        "cannot remove gluster volume \(directory ? "dir" : "file") '\(connection.uri(volume.name))'",
                        name: volume.name)
                }
                job.progressed()
            }
        }

        public func resizeVolume(
            _ volume: VolumeDefinition, to capacity: UInt64, options: ResizeOptions, in pool: PoolDefinition
        ) async throws(StorageError) {
            guard (volume.target.format ?? "raw") == "raw" else {
                throw StorageError(
                    .operationUnsupported,
                    "cannot resize \(volume.target.format ?? "") volume '\(volume.name)' of a gluster pool: only raw volumes can be resized",
                    value: volume.name)
            }
            try await withFile(volume.name, in: pool, "resizing") { (file) throws(StorageError) in
                let old = try file.size
                try file.truncate(to: capacity)
                if options.contains(.allocate), capacity > old {
                    try file.allocate(from: old, length: capacity - old, progress: nil)
                }
                try file.sync()
            }
        }

    }
#endif
