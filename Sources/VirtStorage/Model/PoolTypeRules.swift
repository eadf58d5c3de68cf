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

/// Per-pool-type rules: what the XML holds, which values are allowed, and the
/// defaults libvirt applies. All type-specific XML behaviour reads this table.
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

    public let type: PoolType
    public let sourceElements: SourceElements
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
    /// Volume formats listed in pool capabilities: libvirt lists none for rbd
    /// although rbd volumes have a (raw) format.
    public var capabilityVolumeFormats: [String] { type == .rbd ? [] : volumeFormats }

    /// The type a new volume of this pool gets (file, block or network).
    public var newVolumeType: VolumeType {
        switch type {
        case .dir, .fs, .netfs, .gluster, .vstorage: .file
        case .rbd, .sheepdog: .network
        case .logical, .disk, .iscsi, .iscsiDirect, .scsi, .mpath, .zfs: .block
        }
    }

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

    private static func make(
        _ type: PoolType, _ elements: SourceElements, sourceFormats: [String] = [],
        defaultSourceFormat: String? = nil, fileVolumes: Bool = false, volumeFormats: [String]? = nil,
        defaultVolumeFormat: String? = nil, targetPath: TargetPathRule = .required,
        writesTarget: Bool = true, namespace: Namespace? = nil, defaultSourceDir: String? = nil,
        requiresExplicitSourceName: Bool = false, requiresInitiatorIQN: Bool = false,
        allowsCopyOnWrite: Bool = false
    ) -> PoolTypeRules {
        let formats = volumeFormats ?? (fileVolumes ? FileFormats.all : [])
        return PoolTypeRules(
            type: type, sourceElements: elements, sourceFormats: sourceFormats,
            defaultSourceFormat: defaultSourceFormat,
            volumeFormats: formats,
            // File formats list "none" but libvirt refuses it in volume XML.
            volumeFormatsRefusedOnInput: formats == FileFormats.all ? ["none"] : [],
            defaultVolumeFormat: defaultVolumeFormat ?? (fileVolumes ? "raw" : nil),
            targetPath: targetPath, writesTarget: writesTarget, namespace: namespace,
            defaultSourceDir: defaultSourceDir, requiresExplicitSourceName: requiresExplicitSourceName,
            requiresInitiatorIQN: requiresInitiatorIQN, allowsCopyOnWrite: allowsCopyOnWrite)
    }

    private static let table: [PoolType: PoolTypeRules] = {
        let rules: [PoolTypeRules] = [
            make(.dir, [], fileVolumes: true, allowsCopyOnWrite: true),
            make(
                .fs, [.device], sourceFormats: fsFormats, defaultSourceFormat: "auto", fileVolumes: true,
                namespace: .fsMountOptions, allowsCopyOnWrite: true),
            make(
                .netfs, [.host, .dir], sourceFormats: ["auto", "nfs", "glusterfs", "cifs"],
                defaultSourceFormat: "auto", fileVolumes: true, namespace: .fsMountOptions),
            make(
                .logical, [.name, .device], sourceFormats: ["unknown", "lvm2"], defaultSourceFormat: "lvm2",
                targetPath: .fromSourceName(prefix: "/dev/")),
            make(
                .disk, [.device], sourceFormats: diskLabels, defaultSourceFormat: "unknown",
                volumeFormats: partitionTypes, defaultVolumeFormat: "none"),
            make(.iscsi, [.host, .device, .initiatorIQN]),
            make(
                .iscsiDirect, [.host, .device, .network, .initiatorIQN], targetPath: .none, writesTarget: false,
                requiresInitiatorIQN: true),
            make(.scsi, [.adapter]),
            make(.mpath, []),
            // libvirt gives rbd volumes a raw format but lists no formats in capabilities.
            make(
                .rbd, [.host, .network, .name], volumeFormats: FileFormats.all, defaultVolumeFormat: "raw",
                targetPath: .none, writesTarget: false, namespace: .rbdConfigOptions,
                requiresExplicitSourceName: true),
            make(.sheepdog, [.host, .network, .name], targetPath: .none, writesTarget: false),
            make(
                .gluster, [.host, .network, .name, .dir], fileVolumes: true, targetPath: .none,
                writesTarget: false, defaultSourceDir: "/"),
            make(.zfs, [.name, .device], targetPath: .fromSourceName(prefix: "/dev/zvol/")),
            make(.vstorage, [.name], fileVolumes: true),
        ]
        return Dictionary(uniqueKeysWithValues: rules.map { ($0.type, $0) })
    }()
}
