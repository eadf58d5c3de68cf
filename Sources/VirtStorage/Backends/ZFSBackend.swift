import CStorageSys
import Foundation

/// ZFS pools: a zpool, or a dataset inside one (`<source><name>tank/vms</name>`),
/// whose zvols are the volumes, driven through the `zpool` and `zfs` tools.
///
/// As libvirt 9.0's storage_backend_zfs.c: numbers come from the scripted,
/// parsable output (`-H -p`: one line per row, fields separated by one tab,
/// exact byte counts), a volume's capacity is its `volsize` and its
/// allocation its `refreservation`, and its key and path are the zvol device
/// `/dev/zvol/POOL/VOL` (the pool's target path plus the volume name).
/// Beyond libvirt: resize, snapshots, clones, and wipe, upload and download
/// through the zvol device.
///
/// The runner and the platform are injectable, so the same code runs live
/// and against recorded tool output in tests.
public struct ZFSBackend: StorageBackend {
    public let runner: CommandRunning
    /// The operating system whose ZFS tools are driven: `zfs get`'s volmode
    /// probe runs on Linux and FreeBSD only, and on Linux a new zvol's
    /// /dev/zvol link is waited for (udev makes it after `zfs create` returns).
    public let platform: Platform

    public init(runner: CommandRunning = SystemCommandRunner(), platform: Platform = .current) {
        self.runner = runner
        self.platform = platform
    }

    public var type: PoolType { .zfs }
    public var libvirtVolumeDeleteFunction: String { "virStorageBackendZFSDeleteVol" }

    // MARK: names

    /// The pool's dataset: a zpool name or `pool/dataset`.
    static func dataset(_ pool: PoolDefinition) throws(StorageError) -> String {
        guard let name = pool.source.name, !name.isEmpty else {
            throw StorageError(.internalError, "missing source name of the zfs pool", element: "source/name")
        }
        return name
    }

    /// The zpool a pool's dataset lives in (its first component).
    static func zpool(_ pool: PoolDefinition) throws(StorageError) -> String {
        String(try dataset(pool).split(separator: "/", maxSplits: 1)[0])
    }

    /// Where the pool's zvol devices appear: the target path, else /dev/zvol/<source name>.
    static func deviceDirectory(_ pool: PoolDefinition) throws(StorageError) -> String {
        if let path = pool.target.path, !path.isEmpty { return path }
        return "/dev/zvol/" + (try dataset(pool))
    }

    /// The zvol's dataset name, `POOL/VOL`.
    static func volumeDataset(_ name: String, in pool: PoolDefinition) throws(StorageError) -> String {
        try dataset(pool) + "/" + name
    }

    /// Checks a volume name relative to the pool's dataset: ZFS's characters
    /// (letters, digits, `_ - . :` and space), nested names with `/` allowed,
    /// no snapshot (`@`) or bookmark (`#`) parts.
    static func checkVolumeName(_ name: String) throws(StorageError) {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.isEmpty, components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw StorageError(.invalidArgument, "volume name '\(name)' is not a zfs dataset name", value: name)
        }
        try checkCharacters(name, extra: "/", what: "volume name")
    }

    static func checkSnapshotName(_ name: String) throws(StorageError) {
        guard !name.isEmpty else { throw StorageError(.invalidArgument, "snapshot name is empty", value: name) }
        try checkCharacters(name, extra: "", what: "snapshot name")
    }

    private static func checkCharacters(_ name: String, extra: String, what: String) throws(StorageError) {
        let allowed = Set("_-.: " + extra)
        for ch in name where !(ch.isASCII && (ch.isLetter || ch.isNumber)) && !allowed.contains(ch) {
            throw StorageError(
                .invalidArgument, "\(what) '\(name)' has '\(ch)', which zfs does not allow in a name", value: name)
        }
    }

    // MARK: command lines

    /// `zfs list` of the pool's dataset, only to see whether it exists.
    static func existsCommand(_ dataset: String) -> Command {
        Command("zfs", ["list", "-H", "-o", "name", dataset])
    }

    /// `zfs get` without arguments prints its usage, with the property table,
    /// to standard error and exits with 2; a `volmode` row in the table says
    /// zvols take the volmode property (libvirt's probe).
    static let volmodeProbe = Command("zfs", ["get"], environment: ["LC_ALL": "C"])

    /// `zpool get -Hp health,size,free,allocated POOL`.
    static func poolPropertiesCommand(_ zpool: String) -> Command {
        Command("zpool", ["get", "-Hp", "health,size,free,allocated", zpool])
    }

    /// Every zvol under `dataset`, at any depth.
    static func listVolumesCommand(_ dataset: String) -> Command {
        Command("zfs", ["list", "-Hp", "-t", "volume", "-r", "-o", "name,volsize,refreservation", dataset])
    }

    /// One zvol.
    static func listVolumeCommand(_ dataset: String) -> Command {
        Command("zfs", ["list", "-Hp", "-t", "volume", "-o", "name,volsize,refreservation", dataset])
    }

    /// `zfs create` of a zvol as libvirt writes it: sizes in KiB rounded up,
    /// `-s` (and a smaller refreservation) when the allocation is below the capacity.
    static func createVolumeCommand(_ volume: VolumeDefinition, dataset: String, volmode: Bool) -> Command {
        var arguments = ["create"]
        if volmode { arguments += ["-o", "volmode=dev"] }
        if volume.allocation < volume.capacity {
            arguments.append("-s")
            if volume.allocation > 0 {
                arguments += ["-o", "refreservation=\(ByteCount.kibibytesRoundedUp(volume.allocation))K"]
            }
        }
        arguments += ["-V", "\(ByteCount.kibibytesRoundedUp(volume.capacity))K", dataset]
        return Command("zfs", arguments)
    }

    // MARK: pool

    /// Whether the pool's dataset exists (`zfs list` finds it).
    public func check(_ pool: PoolDefinition) async throws(StorageError) -> Bool {
        try await runner.capture(Self.existsCommand(try Self.dataset(pool))).status == 0
    }

    /// Nothing to activate: an imported zpool is live. Refuses a pool whose dataset is missing.
    public func start(_ pool: PoolDefinition) async throws(StorageError) {
        let dataset = try Self.dataset(pool)
        let output = try await runner.capture(Self.existsCommand(dataset))
        guard output.status == 0 else {
            throw StorageError(
                .operationInvalid,
                "zfs dataset '\(dataset)' of pool '\(pool.name)' does not exist (build the pool or import the zpool): \(output.message)",
                value: dataset)
        }
    }

    /// `zpool create NAME DEVICES...` (`-f` with --overwrite); for a dataset
    /// source, `zfs create -o mountpoint=none POOL/DATASET` in an existing zpool.
    public func build(_ pool: PoolDefinition, mode: BuildMode) async throws(StorageError) {
        switch mode {
        case .repair, .resize:
            throw StorageError(
                .operationUnsupported, "zfs pools support only build, --overwrite and --no-overwrite")
        case .normal, .overwrite, .noOverwrite:
            break
        }
        try await runner.run(try Self.buildCommand(pool, mode: mode))
    }

    static func buildCommand(_ pool: PoolDefinition, mode: BuildMode) throws(StorageError) -> Command {
        let name = try dataset(pool)
        if name.contains("/") {
            return Command("zfs", ["create", "-o", "mountpoint=none", name])
        }
        guard !pool.source.devices.isEmpty else {
            throw StorageError.unsupported("missing source devices", element: "source/device")
        }
        // zpool create refuses devices in use or holding a filesystem unless forced.
        let force = mode == .overwrite ? ["-f"] : []
        return Command("zpool", ["create"] + force + [name] + pool.source.devices.map(\.path))
    }

    /// `zpool destroy NAME`, or `zfs destroy -r POOL/DATASET` for a dataset source.
    public func delete(_ pool: PoolDefinition, zeroed: Bool) async throws(StorageError) {
        let name = try Self.dataset(pool)
        if name.contains("/") {
            try await runner.run(Command("zfs", ["destroy", "-r", name]))
        } else {
            try await runner.run(Command("zpool", ["destroy", name]))
        }
    }

    /// The zpool's health and sizes, and every zvol under the pool's dataset.
    /// A zpool that is neither ONLINE nor DEGRADED cannot serve its zvols.
    public func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
        let zpool = try Self.zpool(pool)
        let properties = try ZFSOutput.poolProperties(
            try await runner.run(Self.poolPropertiesCommand(zpool)).stdout, zpool: zpool)
        guard properties.health == "ONLINE" || properties.health == "DEGRADED" else {
            throw StorageError(
                .operationFailed, "zpool '\(zpool)' is \(properties.health), not ONLINE", value: zpool)
        }
        let dataset = try Self.dataset(pool)
        let rows = try ZFSOutput.volumes(try await runner.run(Self.listVolumesCommand(dataset)).stdout)
        let directory = try Self.deviceDirectory(pool)
        let volumes = rows.compactMap { Self.volume($0, under: dataset, directory: directory) }
        return (properties.sizes, volumes)
    }

    /// A listed zvol as a volume: its name relative to the pool's dataset.
    static func volume(_ row: ZFSOutput.VolumeRow, under dataset: String, directory: String) -> VolumeDefinition? {
        guard row.name.hasPrefix(dataset + "/") else { return nil }
        let name = String(row.name.dropFirst(dataset.count + 1))
        var volume = VolumeDefinition(name: name, capacity: row.volsize)
        volume.type = .block
        volume.allocation = row.refreservation
        volume.target.path = directory + "/" + name
        volume.key = volume.target.path
        return volume
    }

    // MARK: volumes

    public func prepareVolume(_ volume: inout VolumeDefinition, in pool: PoolDefinition) throws(StorageError) {
        if volume.target.encryption != nil {
            throw StorageError.unsupported("storage pool does not support encrypted volumes", element: "encryption")
        }
        try Self.checkVolumeName(volume.name)
        let path = try Self.deviceDirectory(pool) + "/" + volume.name
        volume.type = .block
        volume.target.path = path
        volume.key = path
    }

    /// Creates the zvol: sparse (`-s`) when the allocation is below the
    /// capacity, `-o volmode=dev` when this zfs knows the property.
    public func buildVolume(
        _ volume: VolumeDefinition, from source: VolumeDefinition?, in pool: PoolDefinition,
        options: VolumeBuildOptions, secrets: VolumeSecrets, progress: ProgressHandler?
    ) async throws(StorageError) {
        if source != nil { throw unsupported("volume creation from another volume (use clone of a snapshot)") }
        let volmode = try await volmodeSupported()
        try await runner.run(
            Self.createVolumeCommand(volume, dataset: try Self.volumeDataset(volume.name, in: pool), volmode: volmode))
        try await settleDevices()
    }

    /// Whether `zfs create` takes `-o volmode=dev` here (libvirt's probe of
    /// `zfs get`'s usage); never on platforms other than Linux and FreeBSD.
    public func volmodeSupported() async throws(StorageError) -> Bool {
        guard platform == .linux || platform == .freebsd else { return false }
        let output = try await runner.capture(Self.volmodeProbe)
        guard output.status == 2 else {
            throw StorageError(
                .operationFailed,
                "'zfs get' exited with status \(output.status) instead of printing its usage: \(output.message)")
        }
        return Self.listsVolmode(output.stderr)
    }

    /// Whether a property table has a `volmode` row. zfs prints each row as
    /// "\tvolmode         YES ...", so libvirt's search for " volmode " (a
    /// space before) misses it; the row's first word is what counts.
    static func listsVolmode(_ usage: String) -> Bool {
        usage.split(separator: "\n").contains { $0.split(whereSeparator: \.isWhitespace).first == "volmode" }
    }

    /// On Linux the /dev/zvol links are made by udev after zfs returns; wait
    /// for them so that the new device can be opened at once. Best effort.
    func settleDevices() async throws(StorageError) {
        guard platform == .linux else { return }
        _ = try? await runner.capture(Command("udevadm", ["settle"]))
    }

    public func refreshVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> VolumeDefinition
    {
        let dataset = try Self.dataset(pool)
        let full = try Self.volumeDataset(volume.name, in: pool)
        let output = try await runner.capture(Self.listVolumeCommand(full))
        guard output.status == 0,
            let row = try ZFSOutput.volumes(output.stdout).first(where: { $0.name == full }),
            var fresh = Self.volume(row, under: dataset, directory: try Self.deviceDirectory(pool))
        else {
            throw StorageError(
                .noSuchVolume, "no storage vol with matching name '\(volume.name)'", value: volume.name,
                hint: output.message.isEmpty ? nil : output.message)
        }
        fresh.target.permissions = volume.target.permissions
        return fresh
    }

    /// `zfs destroy -r POOL/VOL`: the zvol goes with its snapshots. A snapshot
    /// that a clone depends on makes it fail, so no other volume is lost.
    public func deleteVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError) {
        try await runner.run(Command("zfs", ["destroy", "-r", try Self.volumeDataset(volume.name, in: pool)]))
    }

    /// `zfs set volsize=...K`; with --allocate the reservation follows (`refreservation=auto`).
    public func resizeVolume(
        _ volume: VolumeDefinition, to capacity: UInt64, options: ResizeOptions, in pool: PoolDefinition
    ) async throws(StorageError) {
        let dataset = try Self.volumeDataset(volume.name, in: pool)
        try await runner.run(Command("zfs", ["set", "volsize=\(ByteCount.kibibytesRoundedUp(capacity))K", dataset]))
        if options.contains(.allocate) {
            try await runner.run(Command("zfs", ["set", "refreservation=auto", dataset]))
        }
    }

    /// The device a volume is read and written through, with /dev/zvol's
    /// symbolic link resolved (the wiper and the streams refuse to follow one).
    static func device(_ volume: VolumeDefinition) throws(StorageError) -> String {
        guard let path = volume.target.path else { throw StorageError(.invalidArgument, "volume has no path") }
        guard let resolved = SystemCalls.resolve(path) else {
            throw SystemError.make("cannot find the zvol device '\(path)'", path: path)
        }
        return resolved
    }

    public func wipeVolume(
        _ volume: VolumeDefinition, algorithm: WipeAlgorithm, in pool: PoolDefinition, progress: ProgressHandler?
    ) async throws(StorageError) {
        let device = try Self.device(volume)
        try await BlockingIO.run { () throws(StorageError) in
            try VolumeWiper.wipe(path: device, algorithm: algorithm, progress: progress)
        }
    }

    /// The volume with its path resolved to the zvol device node.
    /// A zvol's bytes through its device node (the /dev/zvol link resolved).
    public func openData(_ volume: VolumeDefinition, in pool: PoolDefinition, writable: Bool)
        async throws(StorageError) -> any VolumeData
    {
        try LocalVolumeData(path: try Self.device(volume), writable: writable)
    }

    static func throughDevice(_ volume: VolumeDefinition) throws(StorageError) -> VolumeDefinition {
        var resolved = volume
        resolved.target.path = try device(volume)
        return resolved
    }
}
