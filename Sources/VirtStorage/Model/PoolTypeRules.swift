/// The parts of <source> a pool type uses (libvirt's VIR_STORAGE_POOL_SOURCE_* flags).
public struct SourceElements: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let host = SourceElements(rawValue: 1 << 0)
    public static let device = SourceElements(rawValue: 1 << 1)
    public static let dir = SourceElements(rawValue: 1 << 2)
    public static let adapter = SourceElements(rawValue: 1 << 3)
    public static let name = SourceElements(rawValue: 1 << 4)
    public static let initiatorIQN = SourceElements(rawValue: 1 << 5)
    /// The pool is reached over the network and has no local target.
    public static let network = SourceElements(rawValue: 1 << 6)
}

/// Volume formats (virStorageFileFormat): what file-backed pools accept and report.
public enum FileFormats {
    public static let all = [
        "none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi",
        "fat", "vhd", "ploop", "cow", "qcow", "qcow2", "qed", "vmdk",
    ]
    /// Formats that can have a backing file.
    public static let withBacking: Set<String> = ["cow", "qcow", "qcow2", "qed", "vmdk"]
}

/// The one description of a pool type: what its XML holds and which values
/// are allowed, the defaults libvirt applies, which operations it offers, how
/// it is started, what its volumes are, and whether it is libvirt's or a
/// VirtStorage extension. Everything that depends on the pool type reads this
/// table; only a type's own backend knows more.
public struct PoolTypeRules: Sendable {
    /// XML namespaces a pool type may carry.
    public enum Namespace: Sendable {
        case fsMountOptions
        case rbdConfigOptions

        public var uri: String {
            switch self {
            case .fsMountOptions: "http://libvirt.org/schemas/storagepool/fs/1.0"
            case .rbdConfigOptions: "http://libvirt.org/schemas/storagepool/rbd/1.0"
            }
        }

        public var prefix: String {
            switch self {
            case .fsMountOptions: "fs"
            case .rbdConfigOptions: "rbd"
            }
        }
    }

    /// How the target path is found when the XML is read.
    public enum TargetPathRule: Sendable {
        /// Read from <target><path>; required.
        case required
        /// Derived from the source name with this prefix, whatever the XML says
        /// ("/dev/" for logical, "/dev/zvol/" for zfs).
        case fromSourceName(prefix: String)
        /// Network pools have no local target.
        case none
    }

    /// Where a pool type is defined: libvirt 9.0 knows it, or VirtStorage adds
    /// it (its documents validate against VirtStorage's schema, and the
    /// capabilities document lists it only when asked).
    public enum Origin: Sendable, Equatable {
        case libvirt
        case virtStorage
    }

    /// The program a pool's start and stop run, if any (``PoolStartCommand``).
    public enum Activation: Sendable, Equatable {
        /// None: the backend starts the pool itself, or there is nothing to start.
        case none
        /// `mount -t FORMAT DEVICE TARGET` and `umount TARGET`.
        case mountDevice
        /// `mount HOST:DIR TARGET` (or `//HOST/DIR` for cifs) and `umount TARGET`.
        case mountNetworkShare
        /// `vstorage-mount -c CLUSTER TARGET` and `umount TARGET`.
        case mountCluster
        /// `vgchange -aly NAME` and `vgchange -aln NAME`.
        case volumeGroup
    }

    /// What makes two definitions claim the same storage: a second pool with
    /// the same source is refused ("Storage source conflict").
    public enum SourceIdentity: Sendable, Equatable {
        case targetPath
        /// The same device list (never equal when there is none).
        case devices
        /// The same device list or, without devices, the same target path.
        case devicesElseTargetPath
        case firstHostAndDir
        case nameAndHosts
        case nameAndDir
        case firstHostAndFirstDevice
        case adapter
        /// Every pool of the type uses the same storage (mpath: the host's maps).
        case everything

        /// Whether `a` and `b` (of one type) name the same storage.
        public func same(_ a: PoolDefinition, _ b: PoolDefinition) -> Bool {
            let devices = a.source.devices.map(\.path)
            switch self {
            case .targetPath: return a.target.path == b.target.path
            case .devices: return !devices.isEmpty && devices == b.source.devices.map(\.path)
            case .devicesElseTargetPath:
                return devices.isEmpty
                    ? b.source.devices.isEmpty && a.target.path == b.target.path
                    : devices == b.source.devices.map(\.path)
            case .firstHostAndDir:
                return a.source.hosts.first?.name == b.source.hosts.first?.name && a.source.dir == b.source.dir
            case .nameAndHosts:
                return a.source.name == b.source.name && a.source.hosts.map(\.name) == b.source.hosts.map(\.name)
            case .nameAndDir: return a.source.name == b.source.name && a.source.dir == b.source.dir
            case .firstHostAndFirstDevice:
                return a.source.hosts.first?.name == b.source.hosts.first?.name
                    && a.source.devices.first?.path == b.source.devices.first?.path
            case .adapter: return a.source.adapter == b.source.adapter
            case .everything: return true
            }
        }
    }

    public let type: PoolType
    public let origin: Origin
    public let sourceElements: SourceElements
    /// <source><device> must be given (fs, disk: every type whose only source is a device, but btrfs).
    public let requiresSourceDevice: Bool
    /// Allowed source formats, in libvirt's enum order; empty when the type has none.
    public let sourceFormats: [String]
    public let defaultSourceFormat: String?
    /// Allowed volume formats in libvirt's enum order; empty when volumes have no format.
    public let volumeFormats: [String]
    /// Formats that the XML reader refuses although they are listed ("none" for files).
    public let volumeFormatsRefusedOnInput: Set<String>
    public let defaultVolumeFormat: String?
    public let targetPath: TargetPathRule
    /// Whether <target> is written (libvirt omits it for rbd, sheepdog, gluster, iscsi-direct).
    public let writesTarget: Bool
    public let namespace: Namespace?
    /// A missing source <dir> defaults to this (gluster: "/").
    public let defaultSourceDir: String?
    /// <source><name> must be present in the XML itself (rbd).
    public let requiresExplicitSourceName: Bool
    /// <initiator><iqn> is required (iscsi-direct).
    public let requiresInitiatorIQN: Bool
    /// <features><cow> is allowed.
    public let allowsCopyOnWrite: Bool
    /// The operations the type offers: a backend announces these unless it says otherwise.
    public let operations: BackendCapabilities
    /// The type a new volume of this pool gets (file, block or network).
    public let newVolumeType: VolumeType
    /// How start and stop activate the pool.
    public let activation: Activation
    /// How a conflicting definition is recognised.
    public let sourceIdentity: SourceIdentity
    /// The volumes are files on a local filesystem (dir, fs, btrfs): a call on
    /// one file's metadata takes microseconds and runs inline; elsewhere it
    /// runs on a thread of its own, since a server may stop answering.
    public let filesAreLocal: Bool
    /// Each volume is the entry of the target directory that bears its
    /// name (dir, fs, netfs, vstorage), so that a watch of the directory
    /// sees volumes appear, change and vanish
    /// (``StorageHost/watchVolumes(in:)``); btrfs volumes are subvolumes
    /// that hold their file.
    public let volumesAreTargetEntries: Bool

    /// Whether the volumes are image files, whose format (raw, qcow2, ...) is
    /// in their bytes; elsewhere a volume's bytes are raw data (an rbd image,
    /// an LV, a partition), whatever its XML's format says.
    public var holdsImageFiles: Bool { newVolumeType == .file }

    /// Whether the image files are at paths of this host, where qemu-img
    /// reads and writes them (not gluster's, reached through libgfapi).
    public var imageFilesHavePaths: Bool {
        guard holdsImageFiles, case .required = targetPath else { return false }
        return true
    }

    /// Whether a volume of this pool type can hold `format`'s bytes as they are.
    public func holdsBytes(of format: String) -> Bool {
        format == "raw" || (holdsImageFiles && volumeFormats.contains(format))
    }

    /// Volume formats listed in pool capabilities: libvirt lists none for rbd
    /// although rbd volumes have a (raw) format.
    public var capabilityVolumeFormats: [String] { type == .rbd ? [] : volumeFormats }

    public static func of(_ type: PoolType) -> PoolTypeRules { table[type]! }

    /// Formats VirtStorage accepts beyond libvirt 9.0's: its schema refuses
    /// them, and pool capabilities leave them out so that the document stays libvirt's.
    public static let extensionSourceFormats: Set<String> = ["btrfs"]

    /// libvirt's list, then btrfs (built and mounted like any other).
    private static let fsFormats = [
        "auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat", "hfs+", "xfs",
        "ocfs2", "vmfs", "btrfs",
    ]
    private static let diskLabels = ["unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2"]
    /// Partition types of a disk pool's volumes.
    public static let partitionTypes = [
        "none", "linux", "fat16", "fat32", "linux-swap", "linux-lvm", "linux-raid", "extended",
    ]

    /// What a pool of files in a directory offers (dir, fs, netfs, vstorage).
    private static let fileOperations: BackendCapabilities = [
        .check, .start, .build, .stop, .delete, .createVolume, .buildVolumeFrom, .deleteVolume, .resizeVolume,
        .wipeVolume, .uploadVolume, .downloadVolume, .snapshots,
    ]
    /// What a pool of existing devices offers (iscsi, scsi, iscsi-direct, mpath).
    private static let deviceOperations: BackendCapabilities = [.check, .wipeVolume, .uploadVolume, .downloadVolume]

    private static func make(
        _ type: PoolType, _ elements: SourceElements, origin: Origin = .libvirt, operations: BackendCapabilities,
        volumes: VolumeType, identity: SourceIdentity, activation: Activation = .none,
        requiresSourceDevice: Bool? = nil, sourceFormats: [String] = [],
        defaultSourceFormat: String? = nil, volumeFormats: [String]? = nil,
        defaultVolumeFormat: String? = nil, targetPath: TargetPathRule = .required,
        writesTarget: Bool = true, namespace: Namespace? = nil, defaultSourceDir: String? = nil,
        requiresExplicitSourceName: Bool = false, requiresInitiatorIQN: Bool = false,
        allowsCopyOnWrite: Bool = false, filesAreLocal: Bool = false, volumesAreTargetEntries: Bool? = nil
    ) -> PoolTypeRules {
        let fileVolumes = volumes == .file
        var inTarget = false
        if case .required = targetPath { inTarget = fileVolumes }
        let formats = volumeFormats ?? (fileVolumes ? FileFormats.all : [])
        return PoolTypeRules(
            type: type, origin: origin, sourceElements: elements,
            requiresSourceDevice: requiresSourceDevice ?? (elements == [.device]), sourceFormats: sourceFormats,
            defaultSourceFormat: defaultSourceFormat,
            volumeFormats: formats,
            // File formats list "none" but libvirt refuses it in volume XML.
            volumeFormatsRefusedOnInput: formats == FileFormats.all ? ["none"] : [],
            defaultVolumeFormat: defaultVolumeFormat ?? (fileVolumes ? "raw" : nil),
            targetPath: targetPath, writesTarget: writesTarget, namespace: namespace,
            defaultSourceDir: defaultSourceDir, requiresExplicitSourceName: requiresExplicitSourceName,
            requiresInitiatorIQN: requiresInitiatorIQN, allowsCopyOnWrite: allowsCopyOnWrite,
            operations: operations, newVolumeType: volumes, activation: activation, sourceIdentity: identity,
            filesAreLocal: filesAreLocal,
            volumesAreTargetEntries: volumesAreTargetEntries ?? inTarget)
    }

    private static let table: [PoolType: PoolTypeRules] = {
        let rules: [PoolTypeRules] = [
            make(
                .dir, [], operations: fileOperations, volumes: .file, identity: .targetPath,
                allowsCopyOnWrite: true, filesAreLocal: true),
            make(
                .fs, [.device], operations: fileOperations, volumes: .file, identity: .devices,
                activation: .mountDevice, sourceFormats: fsFormats, defaultSourceFormat: "auto",
                namespace: .fsMountOptions, allowsCopyOnWrite: true, filesAreLocal: true),
            make(
                .netfs, [.host, .dir], operations: fileOperations.union(.findSources), volumes: .file,
                identity: .firstHostAndDir, activation: .mountNetworkShare,
                sourceFormats: ["auto", "nfs", "glusterfs", "cifs"], defaultSourceFormat: "auto",
                namespace: .fsMountOptions),
            make(
                .logical, [.name, .device],
                operations: [
                    .check, .start, .build, .stop, .delete, .createVolume, .deleteVolume, .resizeVolume,
                    .wipeVolume, .findSources, .uploadVolume, .downloadVolume, .snapshots, .deleteVolumeSnapshots,
                ],
                volumes: .block, identity: .nameAndHosts, activation: .volumeGroup,
                sourceFormats: ["unknown", "lvm2"], defaultSourceFormat: "lvm2",
                targetPath: .fromSourceName(prefix: "/dev/")),
            make(
                .disk, [.device],
                operations: [
                    .check, .start, .build, .delete, .createVolume, .deleteVolume, .resizeVolume, .wipeVolume,
                    .uploadVolume, .downloadVolume, .refreshPoolAfterVolumeChange,
                ],
                volumes: .block, identity: .devices, sourceFormats: diskLabels, defaultSourceFormat: "unknown",
                volumeFormats: partitionTypes, defaultVolumeFormat: "none"),
            make(
                .iscsi, [.host, .device, .initiatorIQN],
                operations: deviceOperations.union([.start, .stop, .findSources]), volumes: .block,
                identity: .firstHostAndFirstDevice),
            make(
                .iscsiDirect, [.host, .device, .network, .initiatorIQN],
                operations: deviceOperations.union([.start, .findSources]), volumes: .block,
                identity: .firstHostAndFirstDevice, targetPath: .none, writesTarget: false,
                requiresInitiatorIQN: true),
            make(
                .scsi, [.adapter], operations: deviceOperations.union([.start, .stop]), volumes: .block,
                identity: .adapter),
            make(.mpath, [], operations: deviceOperations, volumes: .block, identity: .everything),
            // libvirt gives rbd volumes a raw format but lists no formats in capabilities.
            make(
                .rbd, [.host, .network, .name],
                operations: [
                    .check, .start, .stop, .createVolume, .buildVolumeFrom, .deleteVolume, .resizeVolume,
                    .wipeVolume, .uploadVolume, .downloadVolume, .deleteVolumeSnapshots, .snapshots,
                ],
                volumes: .network, identity: .nameAndHosts, volumeFormats: FileFormats.all,
                defaultVolumeFormat: "raw", targetPath: .none, writesTarget: false, namespace: .rbdConfigOptions,
                requiresExplicitSourceName: true),
            make(
                .sheepdog, [.host, .network, .name],
                operations: [.createVolume, .buildVolumeFrom, .deleteVolume, .resizeVolume], volumes: .network,
                identity: .nameAndHosts, targetPath: .none, writesTarget: false),
            make(
                .gluster, [.host, .network, .name, .dir],
                operations: [
                    .check, .start, .stop, .createVolume, .buildVolumeFrom, .deleteVolume, .resizeVolume,
                    .wipeVolume, .uploadVolume, .downloadVolume, .findSources,
                ],
                volumes: .file, identity: .nameAndDir, targetPath: .none, writesTarget: false,
                defaultSourceDir: "/"),
            make(
                .zfs, [.name, .device],
                operations: [
                    .check, .start, .build, .delete, .createVolume, .deleteVolume, .resizeVolume, .wipeVolume,
                    .uploadVolume, .downloadVolume, .snapshots,
                ],
                volumes: .block, identity: .devices, targetPath: .fromSourceName(prefix: "/dev/zvol/")),
            make(
                .vstorage, [.name], operations: fileOperations, volumes: .file, identity: .nameAndHosts,
                activation: .mountCluster),
            // VirtStorage's: a btrfs filesystem (on a device, mounted; or an
            // existing directory) whose volumes are subvolumes.
            make(
                .btrfs, [.device], origin: .virtStorage, operations: fileOperations.union(.deleteVolumeSnapshots),
                volumes: .file, identity: .devicesElseTargetPath, activation: .mountDevice,
                requiresSourceDevice: false, volumeFormats: ["raw", "qcow2"], filesAreLocal: true,
                volumesAreTargetEntries: false),
        ]
        return Dictionary(uniqueKeysWithValues: rules.map { ($0.type, $0) })
    }()
}
