import Foundation
import Logging

/// What a backend can do beyond refresh; the host refuses the rest with
/// `noSupport` (libvirt's words) before touching anything.
public struct BackendCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let check = BackendCapabilities(rawValue: 1 << 0)
    public static let start = BackendCapabilities(rawValue: 1 << 1)
    public static let build = BackendCapabilities(rawValue: 1 << 2)
    public static let stop = BackendCapabilities(rawValue: 1 << 3)
    public static let delete = BackendCapabilities(rawValue: 1 << 4)
    public static let createVolume = BackendCapabilities(rawValue: 1 << 5)
    public static let buildVolumeFrom = BackendCapabilities(rawValue: 1 << 6)
    public static let deleteVolume = BackendCapabilities(rawValue: 1 << 7)
    public static let resizeVolume = BackendCapabilities(rawValue: 1 << 8)
    public static let wipeVolume = BackendCapabilities(rawValue: 1 << 9)
    public static let uploadVolume = BackendCapabilities(rawValue: 1 << 10)
    public static let downloadVolume = BackendCapabilities(rawValue: 1 << 11)
    public static let findSources = BackendCapabilities(rawValue: 1 << 12)
    /// The pool's volumes share one table (disk partitions): creating, deleting
    /// or resizing one changes the others and the free space, so the host
    /// refreshes the whole pool after each such change.
    public static let refreshPoolAfterVolumeChange = BackendCapabilities(rawValue: 1 << 13)
    /// Deleting a volume can remove its snapshots with it (rbd; virsh
    /// vol-delete --delete-snapshots). Without it that request is refused.
    public static let deleteVolumeSnapshots = BackendCapabilities(rawValue: 1 << 14)
    /// Volumes hold snapshots (the backend is a ``SnapshottingBackend``);
    /// VirtStorage beyond libvirt.
    public static let snapshots = BackendCapabilities(rawValue: 1 << 15)
}

/// How pool-build treats what is already there.
public enum BuildMode: Sendable, Equatable {
    case normal
    case overwrite
    case noOverwrite
    case repair
    case resize
}

/// Sizes of a pool after refresh.
public struct PoolSizes: Sendable, Equatable {
    public var capacity: UInt64
    public var allocation: UInt64
    public var available: UInt64
    /// The pool's source as refresh found it, when the backend reports it
    /// (disk pools: the free extents of the device and the label).
    public var source: PoolSource?

    public init(capacity: UInt64, allocation: UInt64, available: UInt64) {
        self.capacity = capacity
        self.allocation = allocation
        self.available = available
    }
}

/// Secret values a volume job needs (LUKS passphrases), fetched by the host.
public struct VolumeSecrets: Sendable {
    public var volume: [UInt8]?
    public var input: [UInt8]?

    public init(volume: [UInt8]? = nil, input: [UInt8]? = nil) {
        self.volume = volume
        self.input = input
    }
}

/// Progress of a long volume job: bytes done of the total (0 where the total
/// is not known until the end, as for a native stream).
public typealias ProgressHandler = @Sendable (_ done: UInt64, _ total: UInt64) -> Void

/// Options of a volume resize (virsh vol-resize --delta, --allocate, --shrink).
public struct ResizeOptions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let delta = ResizeOptions(rawValue: 1 << 0)
    public static let allocate = ResizeOptions(rawValue: 1 << 1)
    public static let shrink = ResizeOptions(rawValue: 1 << 2)
}

/// One storage backend per pool type, as libvirt's backend callback table.
/// Every operation except refresh is optional and announced in `capabilities`.
public protocol StorageBackend: Sendable {
    var type: PoolType { get }
    /// What the backend offers: by default the operations of its pool type's
    /// description (``PoolTypeRules/operations``); a backend that offers
    /// less (a custom one, or one in a reduced build) says so here.
    var capabilities: BackendCapabilities { get }

    /// Whether the pool's storage is already active (used when the host
    /// restarts and restores pools that were running).
    func check(_ pool: PoolDefinition) async throws(StorageError) -> Bool
    func start(_ pool: PoolDefinition) async throws(StorageError)
    func build(_ pool: PoolDefinition, mode: BuildMode) async throws(StorageError)
    func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition])
    /// A refresh that may reuse what the last one found: `previous` holds the
    /// pool's volumes as the host knows them (in this process, or saved by
    /// the last process that refreshed the pool). A volume whose storage did
    /// not change since (the same file, of the same size, allocation,
    /// modification and change times) need not be read again; the result is
    /// what a full refresh gives, as a table. The default refreshes in full.
    func refresh(_ pool: PoolDefinition, knowing previous: consuming VolumeTable) async throws(StorageError)
        -> (PoolSizes, VolumeTable)
    func stop(_ pool: PoolDefinition) async throws(StorageError)
    /// Deletes the pool's storage; `zeroed` first overwrites it with zeros.
    func delete(_ pool: PoolDefinition, zeroed: Bool) async throws(StorageError)
    /// Looks for the sources of pools this backend could use (virsh
    /// find-storage-pool-sources); `spec` says where to look, such as a host.
    func findSources(_ spec: PoolSource?) async throws(StorageError) -> [PoolSource]

    /// Fills in key and path of a new volume (no data written yet).
    func prepareVolume(_ volume: inout VolumeDefinition, in pool: PoolDefinition) throws(StorageError)
    /// Writes the new volume, optionally from `source`.
    func buildVolume(
        _ volume: VolumeDefinition, from source: VolumeDefinition?, in pool: PoolDefinition,
        options: VolumeBuildOptions, secrets: VolumeSecrets, progress: ProgressHandler?
    ) async throws(StorageError)
    /// Writes the new volume like `buildVolume` and returns it as it now is,
    /// or nil for the host to read it back with `refreshVolume`. A backend
    /// that still holds the new volume open can answer here and save that
    /// second look; the default builds and answers nil.
    func buildVolumeDescribing(
        _ volume: VolumeDefinition, from source: VolumeDefinition?, in pool: PoolDefinition,
        options: VolumeBuildOptions, secrets: VolumeSecrets, progress: ProgressHandler?
    ) async throws(StorageError) -> VolumeDefinition?
    /// Reads a volume's current state from its storage.
    func refreshVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> VolumeDefinition
    /// One volume by name, read without listing the pool where the backend
    /// can (a file pool describes its one file): what a command that names
    /// one volume costs, whatever the pool's size. ``VolumeLookup/unknown``
    /// (the default) makes the host list the pool instead.
    func lookupVolume(named name: String, in pool: PoolDefinition) async throws(StorageError) -> VolumeLookup
    func deleteVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
    /// Deletes a volume; `withSnapshots` removes its snapshots first (virsh
    /// vol-delete --delete-snapshots); the host asks for it only of backends
    /// with ``BackendCapabilities/deleteVolumeSnapshots``.
    func deleteVolume(_ volume: VolumeDefinition, in pool: PoolDefinition, withSnapshots: Bool)
        async throws(StorageError)
    func resizeVolume(
        _ volume: VolumeDefinition, to capacity: UInt64, options: ResizeOptions, in pool: PoolDefinition
    ) async throws(StorageError)
    func wipeVolume(
        _ volume: VolumeDefinition, algorithm: WipeAlgorithm, in pool: PoolDefinition, progress: ProgressHandler?
    ) async throws(StorageError)
    func uploadVolume(
        _ volume: VolumeDefinition, from file: String, offset: UInt64, length: UInt64?, sparse: Bool,
        in pool: PoolDefinition, progress: ProgressHandler?
    ) async throws(StorageError)
    func downloadVolume(
        _ volume: VolumeDefinition, to file: String, offset: UInt64, length: UInt64?, sparse: Bool,
        in pool: PoolDefinition, progress: ProgressHandler?
    ) async throws(StorageError)

    /// The volume's bytes, for the library's streams. The default serves
    /// pool types whose volumes are local files or device nodes (their
    /// target path is absolute); a backend whose volumes live elsewhere (an
    /// rbd image, a gluster file) opens them through its library, and one
    /// that cannot refuses.
    func openData(_ volume: VolumeDefinition, in pool: PoolDefinition, writable: Bool) async throws(StorageError)
        -> any VolumeData

    /// The backend as a host serves with it: the host's secret store (for
    /// the secrets a pool's <auth> names) and logger (where a C library's
    /// log lines go, ``NativeLog``, instead of stderr). Each host calls it once
    /// for each registered backend and keeps the result; a backend without
    /// secrets or logs returns itself.
    func configured(with environment: BackendEnvironment) -> Self

    /// Lets go of what the backend keeps open for an active pool (a cluster
    /// connection) without stopping the pool: the host is shutting down.
    /// The next call on the pool opens it again.
    func release(_ pool: PoolDefinition) async

    /// The function of libvirt's backend that deletes volumes, which libvirt
    /// names when it refuses a flag (`unsupported flags (0x2) in function ...`).
    var libvirtVolumeDeleteFunction: String { get }
}

extension StorageBackend {
    /// File pools share libvirt's local volume deletion.
    public var libvirtVolumeDeleteFunction: String { "virStorageBackendVolDeleteLocal" }

    /// The error for an operation the backend does not have: libvirt's
    /// VIR_ERR_NO_SUPPORT sentence where libvirt has one for `what`.
    func unsupported(_ what: String) -> StorageError {
        let libvirt: String? =
            switch what {
            case "pool deletion": "pool does not support pool deletion"
            case "pool source discovery": "pool type '\(type.rawValue)' does not support source discovery"
            case "volume creation": "storage pool does not support volume creation"
            case "volume creation from an existing volume":
                "storage pool does not support volume creation from an existing volume"
            case "volume deletion": "storage pool does not support vol deletion"
            case "volume resize", "changing of volume capacity":
                "storage pool does not support changing of volume capacity"
            case "volume wiping": "storage pool doesn't support volume wiping"
            case "volume upload": "storage pool doesn't support volume upload"
            case "volume download": "storage pool doesn't support volume download"
            default: nil
            }
        let ours = "storage pool type '\(type.rawValue)' does not support \(what)"
        guard let libvirt else { return StorageError(.operationUnsupported, ours) }
        return StorageError(.noSupport, libvirt, hint: ours)
    }

    public var capabilities: BackendCapabilities { PoolTypeRules.of(type).operations }
    public func check(_ pool: PoolDefinition) async throws(StorageError) -> Bool { false }
    public func start(_ pool: PoolDefinition) async throws(StorageError) {}
    public func build(_ pool: PoolDefinition, mode: BuildMode) async throws(StorageError) {
        throw unsupported("pool build")
    }
    public func stop(_ pool: PoolDefinition) async throws(StorageError) {}
    public func delete(_ pool: PoolDefinition, zeroed: Bool) async throws(StorageError) {
        throw unsupported("pool deletion")
    }
    public func findSources(_ spec: PoolSource?) async throws(StorageError) -> [PoolSource] {
        throw unsupported("pool source discovery")
    }
    public func prepareVolume(_ volume: inout VolumeDefinition, in pool: PoolDefinition) throws(StorageError) {
        throw unsupported("volume creation")
    }
    public func buildVolume(
        _ volume: VolumeDefinition, from source: VolumeDefinition?, in pool: PoolDefinition,
        options: VolumeBuildOptions, secrets: VolumeSecrets, progress: ProgressHandler?
    ) async throws(StorageError) { throw unsupported("volume creation") }
    public func buildVolumeDescribing(
        _ volume: VolumeDefinition, from source: VolumeDefinition?, in pool: PoolDefinition,
        options: VolumeBuildOptions, secrets: VolumeSecrets, progress: ProgressHandler?
    ) async throws(StorageError) -> VolumeDefinition? {
        try await buildVolume(
            volume, from: source, in: pool, options: options, secrets: secrets,
            progress: progress)
        return nil
    }
    public func refreshVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> VolumeDefinition
    { volume }
    public func refresh(_ pool: PoolDefinition, knowing previous: consuming VolumeTable)
        async throws(StorageError) -> (PoolSizes, VolumeTable)
    {
        let (sizes, volumes) = try await refresh(pool)
        return (sizes, VolumeTable(volumes))
    }
    public func lookupVolume(named name: String, in pool: PoolDefinition) async throws(StorageError) -> VolumeLookup {
        .unknown
    }
    public func deleteVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError) {
        throw unsupported("volume deletion")
    }
    public func deleteVolume(_ volume: VolumeDefinition, in pool: PoolDefinition, withSnapshots: Bool)
        async throws(StorageError)
    { try await deleteVolume(volume, in: pool) }
    public func resizeVolume(
        _ volume: VolumeDefinition, to capacity: UInt64, options: ResizeOptions, in pool: PoolDefinition
    ) async throws(StorageError) { throw unsupported("volume resize") }
    /// Through the volume's ``VolumeData`` (``VolumeWiper``); backends of
    /// local files and devices wipe their path with libvirt's words.
    public func wipeVolume(
        _ volume: VolumeDefinition, algorithm: WipeAlgorithm, in pool: PoolDefinition, progress: ProgressHandler?
    ) async throws(StorageError) {
        try await VolumeWiper.wipe(
            try await openData(volume, in: pool, writable: true), algorithm: algorithm, progress: progress)
    }
    /// Through the volume's ``VolumeData`` (``VolumeTransfer``), for every
    /// backend that opens one; a volume that is a file grows to take what
    /// goes past its end, as in libvirt.
    public func uploadVolume(
        _ volume: VolumeDefinition, from file: String, offset: UInt64, length: UInt64?, sparse: Bool,
        in pool: PoolDefinition, progress: ProgressHandler?
    ) async throws(StorageError) {
        try await VolumeTransfer.upload(
            from: file, into: try await openData(volume, in: pool, writable: true), volume: volume.name,
            offset: offset, length: length, sparse: sparse, growing: volume.type == .file, progress: progress)
    }
    public func downloadVolume(
        _ volume: VolumeDefinition, to file: String, offset: UInt64, length: UInt64?, sparse: Bool,
        in pool: PoolDefinition, progress: ProgressHandler?
    ) async throws(StorageError) {
        try await VolumeTransfer.download(
            from: try await openData(volume, in: pool, writable: false), volume: volume.name, to: file,
            offset: offset, length: length, sparse: sparse, progress: progress)
    }
    public func configured(with environment: BackendEnvironment) -> Self { self }
    public func release(_ pool: PoolDefinition) async {}
    public func openData(_ volume: VolumeDefinition, in pool: PoolDefinition, writable: Bool)
        async throws(StorageError) -> any VolumeData
    {
        guard !PoolTypeRules.of(type).sourceElements.contains(.network), let path = volume.target.path,
            path.hasPrefix("/")
        else { throw unsupported("volume streams") }
        // Device nodes are often named through links (/dev/disk/by-path, /dev/VG/LV):
        // those are followed; a link in a pool's directory is not.
        if path.hasPrefix("/dev/"), let resolved = SystemCalls.resolve(path) {
            return try LocalVolumeData(path: resolved, writable: writable)
        }
        return try LocalVolumeData(path: path, writable: writable)
    }
}
