/// Sheepdog pools: a formatted sheepdog cluster whose VDIs are the volumes,
/// driven through sheepdog's `dog` tool against one of the cluster's nodes.
///
/// As libvirt's storage_backend_sheepdog.c (removed in libvirt 8.8): every
/// command goes to the pool's first `<host>` (`-a NAME -p PORT`, localhost
/// and 7000 when missing); the pool's sizes are the "Total" line of
/// `dog node info -r`; a volume's capacity and allocation are the size and
/// used fields of its current VDI in `dog vdi list -r`; volumes are of type
/// network, with key `SOURCENAME/VOL` and path `sheepdog:VOL` (libvirt's
/// storage documentation). Volumes are created with `dog vdi create NAME SIZE`,
/// deleted with `dog vdi delete NAME` and resized with `dog vdi resize NAME SIZE`.
/// Beyond libvirt: creation from another volume, as a snapshot of it and a
/// clone of that snapshot (`dog vdi snapshot -s TAG`, `dog vdi clone -s TAG`),
/// and a pool refresh that reads one `dog vdi list -r` instead of one per VDI.
///
/// The runner is injectable, so the same code runs live and against
/// recorded tool output in tests.
public struct SheepdogBackend: StorageBackend {
    public let runner: CommandRunning

    public init(runner: CommandRunning = SystemCommandRunner()) {
        self.runner = runner
    }

    public var type: PoolType { .sheepdog }
    public var libvirtVolumeDeleteFunction: String { "virStorageBackendSheepdogDeleteVol" }

    static let program = "dog"
    static let defaultAddress = "localhost"
    static let defaultPort = 7000

    // MARK: command lines

    /// `-a ADDRESS -p PORT` of the pool's first host.
    static func hostArguments(_ pool: PoolDefinition) -> [String] {
        let host = pool.source.hosts.first
        let address = host.map(\.name).flatMap { $0.isEmpty ? nil : $0 } ?? defaultAddress
        let port = host?.port.flatMap { $0 == 0 ? nil : $0 } ?? defaultPort
        return ["-a", address, "-p", String(port)]
    }

    static func command(_ arguments: [String], _ pool: PoolDefinition) -> Command {
        Command(program, arguments + hostArguments(pool))
    }

    static func nodeInfoCommand(_ pool: PoolDefinition) -> Command { command(["node", "info", "-r"], pool) }
    static func listCommand(_ pool: PoolDefinition) -> Command { command(["vdi", "list", "-r"], pool) }
    static func listCommand(_ name: String, _ pool: PoolDefinition) -> Command {
        command(["vdi", "list", name, "-r"], pool)
    }
    static func createCommand(_ name: String, capacity: UInt64, _ pool: PoolDefinition) -> Command {
        command(["vdi", "create", name, String(capacity)], pool)
    }
    static func deleteCommand(_ name: String, _ pool: PoolDefinition) -> Command {
        command(["vdi", "delete", name], pool)
    }
    static func resizeCommand(_ name: String, capacity: UInt64, _ pool: PoolDefinition) -> Command {
        command(["vdi", "resize", name, String(capacity)], pool)
    }
    static func snapshotCommand(_ name: String, tag: String, _ pool: PoolDefinition) -> Command {
        command(["vdi", "snapshot", "-s", tag, name], pool)
    }
    static func cloneCommand(_ source: String, tag: String, to name: String, _ pool: PoolDefinition) -> Command {
        command(["vdi", "clone", "-s", tag, source, name], pool)
    }

    /// The snapshot tag a clone is made from: it stays, since the clone reads through it.
    static func cloneTag(for name: String) -> String { "virtstorage-clone-" + name }

    // MARK: names

    static func key(_ name: String, in pool: PoolDefinition) -> String {
        (pool.source.name ?? pool.name) + "/" + name
    }

    static func path(_ name: String) -> String { "sheepdog:" + name }

    /// VDI names are passed as single arguments; sheepdog takes up to 255
    /// bytes and no empty name, and `/` would break the volume's key.
    static func checkVolumeName(_ name: String) throws(StorageError) {
        guard !name.isEmpty, name.utf8.count < 256, !name.contains("/"), !name.contains("\n") else {
            throw StorageError(.invalidArgument, "volume name '\(name)' is not a sheepdog VDI name", value: name)
        }
    }

    static func volume(_ vdi: SheepdogOutput.VDI, in pool: PoolDefinition) -> VolumeDefinition {
        var volume = VolumeDefinition(name: vdi.name, capacity: vdi.size)
        volume.type = .network
        volume.allocation = vdi.used
        volume.key = key(vdi.name, in: pool)
        volume.target.path = path(vdi.name)
        return volume
    }

    // MARK: pool

    /// The cluster's sizes from `dog node info -r` and its current VDIs from `dog vdi list -r`.
    public func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
        let sizes = try SheepdogOutput.nodeInfo(try await runner.run(Self.nodeInfoCommand(pool)).stdout)
        let vdis = try SheepdogOutput.vdiList(try await runner.run(Self.listCommand(pool)).stdout)
        return (sizes, vdis.filter(\.isVolume).map { Self.volume($0, in: pool) })
    }

    // MARK: volumes

    public func prepareVolume(_ volume: inout VolumeDefinition, in pool: PoolDefinition) throws(StorageError) {
        if volume.target.encryption != nil {
            throw StorageError.unsupported("storage pool does not support encrypted volumes", element: "encryption")
        }
        try Self.checkVolumeName(volume.name)
        volume.type = .network
        volume.key = Self.key(volume.name, in: pool)
        volume.target.path = Self.path(volume.name)
    }

    /// `dog vdi create NAME CAPACITY`; from another volume, a snapshot of it
    /// and a clone of the snapshot, then a resize when the new volume is larger.
    public func buildVolume(
        _ volume: VolumeDefinition, from source: VolumeDefinition?, in pool: PoolDefinition,
        options: VolumeBuildOptions, secrets: VolumeSecrets, progress: ProgressHandler?
    ) async throws(StorageError) {
        guard let source else {
            guard volume.capacity > 0 else {
                throw StorageError(.operationUnsupported, "volume capacity required for this pool")
            }
            try await runner.run(Self.createCommand(volume.name, capacity: volume.capacity, pool))
            return
        }
        let tag = Self.cloneTag(for: volume.name)
        try await runner.run(Self.snapshotCommand(source.name, tag: tag, pool))
        try await runner.run(Self.cloneCommand(source.name, tag: tag, to: volume.name, pool))
        if volume.capacity > source.capacity {
            try await runner.run(Self.resizeCommand(volume.name, capacity: volume.capacity, pool))
        }
    }

    /// `dog vdi list NAME -r`: the current VDI of that name.
    public func refreshVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> VolumeDefinition
    {
        let output = try await runner.capture(Self.listCommand(volume.name, pool))
        guard output.status == 0,
            let vdi = try SheepdogOutput.vdiList(output.stdout).first(where: { $0.isVolume && $0.name == volume.name })
        else {
            throw StorageError(
                .noSuchVolume, "no storage vol with matching name '\(volume.name)'", value: volume.name,
                hint: output.message.isEmpty ? nil : output.message)
        }
        var fresh = Self.volume(vdi, in: pool)
        fresh.target.permissions = volume.target.permissions
        return fresh
    }

    /// `dog vdi delete NAME`.
    public func deleteVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError) {
        try await runner.run(Self.deleteCommand(volume.name, pool))
    }

    /// `dog vdi resize NAME CAPACITY`; sheepdog only grows a VDI and has no
    /// preallocation on resize.
    public func resizeVolume(
        _ volume: VolumeDefinition, to capacity: UInt64, options: ResizeOptions, in pool: PoolDefinition
    ) async throws(StorageError) {
        if options.contains(.allocate) {
            throw StorageError(.operationUnsupported, "sheepdog volumes cannot be preallocated on resize")
        }
        if capacity < volume.capacity {
            throw StorageError(
                .operationUnsupported, "sheepdog volumes cannot shrink", value: String(capacity))
        }
        try await runner.run(Self.resizeCommand(volume.name, capacity: capacity, pool))
    }
}
