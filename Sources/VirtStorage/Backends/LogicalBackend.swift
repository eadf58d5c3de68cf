import Foundation

/// Logical pools: an LVM volume group whose logical volumes are the pool's
/// volumes, driven through the lvm2 tools and their JSON reports.
///
/// Differences from libvirt 9.0, on purpose:
/// - LVs whose state is unknown (lv_attr state 'X', as with
///   `global { activation = 0 }` or without device-mapper) are listed; libvirt
///   lists only active ('a') ones. Inactive ('-') LVs and thin pools are skipped.
/// - `check` asks lvm whether the VG is there; libvirt also wants /dev/VG,
///   which exists only while an LV of the VG is active.
/// - Volume resize (lvresize) is supported; wiping thin volumes is refused as
///   for sparse snapshots.
/// - A striped segment's extent on each device is seg_size / stripes long.
/// - A pool that names a thin pool (`<vs:thinpool>`) makes thin volumes
///   that hold snapshots (`LogicalBackend+Thin.swift`).
public struct LogicalBackend: StorageBackend {
    /// Added to the environment of every command (e.g. LVM_SYSTEM_DIR for a private lvm.conf).
    public let environment: [String: String]
    /// Runs the lvm2 tools (injectable for tests).
    public let runner: CommandRunning

    public init(environment: [String: String] = [:], runner: CommandRunning = SystemCommandRunner()) {
        self.environment = environment
        self.runner = runner
    }

    public var type: PoolType { .logical }

    public var libvirtVolumeDeleteFunction: String { "virStorageBackendLogicalDeleteVol" }

    // MARK: running

    /// Runs `command` with the backend's environment; a failure carries the
    /// tool's own stderr, without lvm's warnings about disabled activation.
    @discardableResult
    func run(_ command: Command) async throws(StorageError) -> CommandRunner.Output {
        let output = try await runner.capture(with(command))
        // The command as libvirt runs it: our lvm environment is not libvirt's.
        guard output.status == 0 else { throw CommandRunner.failure(output, of: command, stderr: Self.message(output)) }
        return output
    }

    func with(_ command: Command) -> Command {
        var command = command
        command.environment.merge(environment) { _, new in new }
        return command
    }

    /// The tool's stderr on one line, lvm's noise (activation disabled, leaked
    /// descriptors, unbacked metadata) left out unless nothing else is said.
    static func message(_ output: CommandRunner.Output) -> String {
        let lines = output.stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let noise = [
            "WARNING: Activation disabled.", "File descriptor ", "WARNING: This metadata update is NOT backed up",
            "WARNING: Skipping zeroing",
        ]
        let said = lines.filter { line in !noise.contains { line.hasPrefix($0) } }
        let text = (said.isEmpty ? lines : said).joined(separator: " ")
        return text.isEmpty ? output.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : text
    }

    // MARK: names

    static func volumeGroup(_ pool: PoolDefinition) throws(StorageError) -> String {
        guard let name = pool.source.name, !name.isEmpty else {
            throw StorageError(
                .invalidArgument, "pool '\(pool.name)' has no volume group name", element: "source/name")
        }
        return name
    }

    static func targetPath(_ pool: PoolDefinition) throws(StorageError) -> String {
        guard let path = pool.target.path else {
            throw StorageError(.invalidArgument, "pool '\(pool.name)' has no target path", element: "target/path")
        }
        return path
    }

    static func volumePath(_ volume: VolumeDefinition, in pool: PoolDefinition) throws(StorageError) -> String {
        if let path = volume.target.path { return path }
        return try targetPath(pool) + "/" + volume.name
    }

    // MARK: sources

    /// The physical volumes lvm sees, grouped by VG in the order pvs lists
    /// them (libvirt's pool sources); PVs in no VG are left out, as libvirt does.
    func poolSources() async throws(StorageError) -> [PoolSource] {
        // As libvirt: vgscan only "touches" VGs; its failure is not an error.
        _ = try? await runner.capture(with(LVMCommand.vgscan()))
        let rows: [LVMReport.PVRow] = try LVMReport.rows(try await run(LVMCommand.pvs()).stdout, "pvs")
        var sources: [PoolSource] = []
        for row in rows where !row.vg_name.isEmpty {
            if let index = sources.firstIndex(where: { $0.name == row.vg_name }) {
                sources[index].devices.append(SourceDevice(path: row.pv_name))
            } else {
                var source = PoolSource()
                source.name = row.vg_name
                source.format = "lvm2"
                source.devices = [SourceDevice(path: row.pv_name)]
                sources.append(source)
            }
        }
        return sources
    }

    /// virsh find-storage-pool-sources logical: the volume groups of this host
    /// (the spec, if any, is not needed).
    public func findSources(_ spec: PoolSource?) async throws(StorageError) -> [PoolSource] {
        try await poolSources()
    }

    /// libvirt's match: the VG is known to lvm and, when the pool names
    /// devices, at least one of them is a PV of that VG.
    func matchSource(_ pool: PoolDefinition) async throws(StorageError) {
        let vg = try Self.volumeGroup(pool)
        guard let found = try await poolSources().first(where: { $0.name == vg }) else {
            throw StorageError(
                .configUnsupported, "cannot find logical volume group name '\(vg)'", element: "source/name",
                value: vg)
        }
        let wanted = pool.source.devices.map(\.path)
        guard wanted.isEmpty || wanted.contains(where: { path in found.devices.contains { $0.path == path } }) else {
            throw StorageError(
                .configUnsupported, "cannot find any matching source devices for logical volume group '\(vg)'",
                element: "source/device", value: vg,
                hint: "its physical volumes are \(found.devices.map(\.path).joined(separator: ", "))")
        }
    }

    // MARK: pool

    public func check(_ pool: PoolDefinition) async throws(StorageError) -> Bool {
        do {
            try await matchSource(pool)
            if let thinPool = pool.thinPool { _ = try await thinPoolRow(pool, thinPool: thinPool) }
            return true
        } catch {
            return false
        }
    }

    /// The VG must be there, and its thin pool where the pool names one.
    public func start(_ pool: PoolDefinition) async throws(StorageError) {
        try await matchSource(pool)
        if let thinPool = pool.thinPool { _ = try await thinPoolRow(pool, thinPool: thinPool) }
        try await run(try PoolStartCommand.start(pool))
    }

    public func stop(_ pool: PoolDefinition) async throws(StorageError) {
        try await run(try PoolStartCommand.stop(pool))
    }

    /// pvcreate on every source device, then vgcreate, then the thin pool
    /// where the pool names one (over all the VG's space). Every device is checked
    /// before anything is written: it must exist, be in no VG, and (unless
    /// overwriting) carry no signature at all. With overwrite, its signatures
    /// are erased (wipefs --all) before pvcreate. A failure removes the PV
    /// labels this build wrote (and the VG, when the thin pool fails).
    public func build(_ pool: PoolDefinition, mode: BuildMode) async throws(StorageError) {
        guard mode == .normal || mode == .overwrite || mode == .noOverwrite else {
            throw StorageError(
                .invalidArgument, "logical pools are built with overwrite or no-overwrite only, not \(mode)")
        }
        let vg = try Self.volumeGroup(pool)
        let devices = pool.source.devices.map(\.path)
        guard !devices.isEmpty else {
            throw StorageError(
                .invalidArgument, "pool '\(pool.name)' has no source device to build volume group '\(vg)' on",
                element: "source/device")
        }
        let sources = try await poolSources()
        if let existing = sources.first(where: { $0.name == vg }) {
            throw StorageError(
                .operationFailed,
                "volume group '\(vg)' already exists on \(existing.devices.map(\.path).joined(separator: ", "))",
                element: "source/name", value: vg)
        }
        for device in devices {
            if let owner = sources.first(where: { $0.devices.contains { $0.path == device } }) {
                throw StorageError(
                    .operationInvalid,
                    "device '\(device)' is in use as a physical volume of volume group '\(owner.name ?? "")'",
                    value: device, path: device)
            }
            _ = try SystemCalls.stat(device, "source device '\(device)' of pool '\(pool.name)' cannot be used")
            if mode != .overwrite { try await checkEmpty(device) }
        }
        var labelled: [String] = []
        do throws(StorageError) {
            for device in devices {
                if mode == .overwrite { try await run(LVMCommand.wipeSignatures(device)) }
                try await run(LVMCommand.pvcreate(device))
                labelled.append(device)
            }
            try await run(LVMCommand.vgcreate(vg, devices))
            if let thinPool = pool.thinPool {
                do throws(StorageError) {
                    try await run(LVMCommand.thinPoolCreate(thinPool, vg: vg))
                } catch {
                    _ = try? await runner.capture(with(LVMCommand.vgremove(vg)))
                    throw error
                }
            }
        } catch {
            for device in labelled { _ = try? await runner.capture(with(LVMCommand.pvremove(device))) }
            throw error
        }
    }

    /// Refuses a device with any signature, as libvirt's blkid probe for "LVM2_member".
    func checkEmpty(_ device: String) async throws(StorageError) {
        struct Probe: Decodable {
            struct Signature: Decodable { var type: String? }
            var signatures: [Signature]
        }
        let output = try await run(LVMCommand.probe(device)).stdout
        // wipefs prints nothing at all for a device without signatures.
        guard !output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return }
        let probe: Probe
        do {
            probe = try JSONDecoder().decode(Probe.self, from: Data(output.utf8))
        } catch {
            throw StorageError(.internalError, "cannot read wipefs output for '\(device)': \(error)", path: device)
        }
        let types = probe.signatures.compactMap(\.type)
        guard let found = types.first else { return }
        // libvirt's words and code (virStorageBackendBLKIDFindEmpty with writelabel).
        if found == "LVM2_member" {
            throw StorageError(
                .poolBuilt, "Device '\(device)' already formatted using 'LVM2_member'", value: found, path: device)
        }
        throw StorageError(
            .poolBuilt,
            "Format of device '\(device)' does not match the expected format 'LVM2_member', forced overwrite is necessary",
            value: found, path: device, hint: "found '\(types.joined(separator: "', '"))'")
    }

    public func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
        let vg = try Self.volumeGroup(pool)
        let volumes = try await listVolumes(vg, pool: pool)
        if let thinPool = pool.thinPool { return (try await thinPoolSizes(pool, thinPool: thinPool), volumes) }
        let rows: [LVMReport.VGRow] = try LVMReport.rows(try await run(LVMCommand.vgs(vg)).stdout, "vgs")
        guard let row = rows.first(where: { $0.vg_name == vg }) else {
            throw StorageError(.operationFailed, "vgs did not report volume group '\(vg)'", value: vg)
        }
        let capacity = try LVMReport.number(row.vg_size, "volume group size")
        let available = try LVMReport.number(row.vg_free, "volume group free space")
        return (
            PoolSizes(capacity: capacity, allocation: capacity - min(available, capacity), available: available),
            volumes
        )
    }

    func listVolumes(_ target: String, pool: PoolDefinition) async throws(StorageError) -> [VolumeDefinition] {
        if pool.thinPool != nil { return try await thinVolumes(target, pool: pool) }
        let rows: [LVMReport.LVRow] = try LVMReport.rows(try await run(LVMCommand.lvs(target)).stdout, "lvs")
        return try LVMReport.volumes(rows, targetPath: try Self.targetPath(pool))
    }

    /// vgremove -f, then pvremove on each device (whose failure is only logged by libvirt).
    public func delete(_ pool: PoolDefinition, zeroed: Bool) async throws(StorageError) {
        if zeroed {
            // libvirt's virCheckFlags: the zeroed flag (0x1) is not taken.
            throw StorageError(
                .unsupportedFlags, "unsupported flags (0x1) in function virStorageBackendLogicalDeletePool",
                hint: "zeroed deletion is not supported for logical pools: wipe the volumes first")
        }
        try await run(LVMCommand.vgremove(try Self.volumeGroup(pool)))
        for device in pool.source.devices { _ = try? await runner.capture(with(LVMCommand.pvremove(device.path))) }
    }

    // MARK: volumes

    /// The key (the LV's UUID) is known only once lvcreate has made it.
    public func prepareVolume(_ volume: inout VolumeDefinition, in pool: PoolDefinition) throws(StorageError) {
        if volume.name.isEmpty || volume.name.contains("/") || volume.name.hasPrefix("-") {
            throw StorageError(
                .invalidArgument, "volume name '\(volume.name)' is not a logical volume name", value: volume.name)
        }
        if let encryption = volume.target.encryption {
            guard encryption.format == "luks" else {
                throw StorageError(
                    .configUnsupported, "storage pool only supports LUKS encrypted volumes",
                    element: "target/encryption/@format", value: encryption.format)
            }
            throw StorageError(
                .configUnsupported, "encrypted volumes are not supported in logical pools by this backend",
                element: "target/encryption")
        }
        volume.type = .block
        volume.key = nil
        volume.target.path = try Self.targetPath(pool) + "/" + volume.name
        volume.target.format = nil
    }

    public func buildVolume(
        _ volume: VolumeDefinition, from source: VolumeDefinition?, in pool: PoolDefinition,
        options: VolumeBuildOptions, secrets: VolumeSecrets, progress: ProgressHandler?
    ) async throws(StorageError) {
        if source != nil { throw unsupported("volume creation from another volume") }
        let vg = try Self.volumeGroup(pool)
        let command: Command
        if let thinPool = pool.thinPool {
            // Thin: the size is virtual, and a backing LV makes a thin snapshot of it.
            command =
                if let backing = volume.backingStore?.path {
                    LVMCommand.thinCopy(of: backing, name: volume.name)
                } else {
                    LVMCommand.lvcreateThin(name: volume.name, capacity: volume.capacity, thinPool: thinPool, vg: vg)
                }
        } else {
            command = LVMCommand.lvcreate(
                name: volume.name, capacity: volume.capacity, allocation: volume.allocation, vg: vg,
                backingPath: volume.backingStore?.path)
        }
        try await run(command)
        try applyPermissions(volume, in: pool)
    }

    /// Owner and mode of the new LV's device node, as libvirt sets them; with
    /// no node (activation disabled, no device-mapper) there is nothing to set.
    func applyPermissions(_ volume: VolumeDefinition, in pool: PoolDefinition) throws(StorageError) {
        let path = try Self.volumePath(volume, in: pool)
        guard SystemCalls.status(of: path) != nil else { return }
        let perms = volume.target.permissions
        if geteuid() == 0, perms?.owner != nil || perms?.group != nil {
            try SystemCalls.chown(path, owner: perms?.owner, group: perms?.group, "cannot set file owner '\(path)'")
        }
        try SystemCalls.chmod(path, mode_t(perms?.mode ?? 0o600), "cannot set file mode '\(path)'")
    }

    public func refreshVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> VolumeDefinition
    {
        let vg = try Self.volumeGroup(pool)
        let found = try? await listVolumes(vg + "/" + volume.name, pool: pool)
        guard let fresh = found?.first(where: { $0.name == volume.name }) else {
            throw StorageError(
                .noSuchVolume, "no storage vol with matching path '\(try Self.volumePath(volume, in: pool))'",
                value: volume.name)
        }
        return fresh
    }

    /// lvremove -f; when that fails, lvchange -aln and lvremove once more (libvirt's order).
    public func deleteVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError) {
        let path = try Self.volumePath(volume, in: pool)
        let first = try await runner.capture(with(LVMCommand.lvremove(path)))
        guard first.status != 0 else { return }
        let deactivated = try await runner.capture(with(LVMCommand.lvchangeDeactivate(path)))
        guard deactivated.status == 0 else {
            throw CommandRunner.failure(first, of: LVMCommand.lvremove(path), stderr: Self.message(first))
        }
        try await run(LVMCommand.lvremove(path))
    }

    public func resizeVolume(
        _ volume: VolumeDefinition, to capacity: UInt64, options: ResizeOptions, in pool: PoolDefinition
    ) async throws(StorageError) {
        let path = try Self.volumePath(volume, in: pool)
        try await run(LVMCommand.lvresize(path, to: capacity, shrink: capacity < volume.capacity))
    }

    /// Writes to the LV's device node; refused for sparse LVs (as libvirt) and
    /// when the node does not exist (the LV is not active).
    public func wipeVolume(
        _ volume: VolumeDefinition, algorithm: WipeAlgorithm, in pool: PoolDefinition, progress: ProgressHandler?
    ) async throws(StorageError) {
        let path = try Self.volumePath(volume, in: pool)
        let vg = try Self.volumeGroup(pool)
        let rows: [LVMReport.LVRow] = try LVMReport.rows(
            try await run(LVMCommand.lvs(vg + "/" + volume.name)).stdout, "lvs")
        if let row = rows.first(where: { $0.lv_name == volume.name }), LVMReport.isSparse(row.lv_attr) {
            throw StorageError(
                .noSupport, "logical volume '\(path)' is sparse, volume wipe not supported", value: path)
        }
        guard SystemCalls.status(of: path) != nil else {
            throw StorageError(
                .operationInvalid,
                "cannot wipe logical volume '\(path)': its device node does not exist (the volume is not active; activation needs device-mapper)",
                errno: ENOENT, path: path)
        }
        try await BlockingIO.run { () throws(StorageError) in
            try VolumeWiper.wipe(path: path, algorithm: algorithm, progress: progress)
        }
    }
}
