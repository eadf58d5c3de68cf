/// File timestamps of a volume, reported by refresh (never parsed from XML).
public struct VolumeTimestamps: Sendable, Equatable, Hashable, Codable {
    /// Seconds and nanoseconds; nil = not known (libvirt then writes nothing).
    public struct Time: Sendable, Equatable, Hashable, Codable {
        public var seconds: Int64
        public var nanoseconds: Int64

        public init(seconds: Int64, nanoseconds: Int64 = 0) {
            self.seconds = seconds
            self.nanoseconds = nanoseconds
        }
    }

    public var atime: Time?
    public var mtime: Time?
    public var ctime: Time?
    public var btime: Time?

    public init(atime: Time? = nil, mtime: Time? = nil, ctime: Time? = nil, btime: Time? = nil) {
        self.atime = atime
        self.mtime = mtime
        self.ctime = ctime
        self.btime = btime
    }
}

/// qcow2 features (<features>), in libvirt's order.
public enum VolumeFeature: String, Sendable, Codable, Hashable, CaseIterable, Comparable {
    case lazyRefcounts = "lazy_refcounts"
    case extendedL2 = "extended_l2"

    public static func < (a: VolumeFeature, b: VolumeFeature) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A volume's <target> or <backingStore>: where it is and what it holds.
public struct VolumeTarget: Sendable, Equatable, Hashable, Codable {
    public var path: String?
    /// Image format (raw, qcow2, ...) or partition type for disk pools.
    public var format: VolumeFormat?
    public var permissions: Permissions?
    public var timestamps: VolumeTimestamps?
    @BoxedOptional public var encryption: VolumeEncryption?
    /// qcow2 compatibility level ("0.10", "1.1").
    public var compat: String?
    /// Ask btrfs not to copy-on-write the file.
    public var noCopyOnWrite = false
    public var clusterSize: UInt64?
    /// nil = no <features> element; empty = `<features/>`.
    public var features: Set<VolumeFeature>?

    public init(path: String? = nil, format: VolumeFormat? = nil, permissions: Permissions? = nil) {
        self.path = path
        self.format = format
        self.permissions = permissions
    }
}

/// The full definition of a storage volume, as in libvirt's volume XML.
public struct VolumeDefinition: Sendable, Equatable, Hashable, Codable {
    /// One extent of a volume on a device (logical and disk pools).
    public struct SourceExtent: Sendable, Equatable, Hashable, Codable {
        public var devicePath: String
        public var extent: Extent

        public init(devicePath: String, extent: Extent) {
            self.devicePath = devicePath
            self.extent = extent
        }
    }

    public var name: String
    public var key: String?
    public var type: VolumeType = .file
    /// Where the volume lives on its devices; filled by refresh, never parsed.
    public var sourceExtents: [SourceExtent] = []
    /// Size in bytes as the volume's user sees it. Setting it marks it
    /// given (``capacitySpecified``).
    public var capacity: UInt64 = 0 { didSet { capacitySpecified = true } }
    /// False when no capacity was given (no `<capacity>` in the XML, none in
    /// the initializer): a new volume then takes its backing file's size,
    /// or its source's in create-from.
    public var capacitySpecified = true
    /// Bytes to allocate (files: preallocate), or what refresh found allocated.
    public var allocation: UInt64 = 0
    /// False when no allocation was given: the allocation then equals the capacity.
    public var allocationSpecified = false
    /// Size on disk of the container (file size); written only when non-zero.
    public var physical: UInt64 = 0
    public var target: VolumeTarget
    @BoxedOptional public var backingStore: VolumeTarget?

    /// A volume to create: `capacity` nil takes the size of the backing
    /// volume (qcow2 overlays) or of the source (create-from);
    /// `allocation` nil allocates as libvirt does (files: all of it for raw
    /// with an allocation equal to the capacity, none for sparse).
    ///
    /// ```swift
    /// let disk = VolumeDefinition(name: "vm1.qcow2", capacity: 20 << 30, format: .qcow2)
    /// ```
    public init(
        name: String, capacity: UInt64? = nil, allocation: UInt64? = nil, format: VolumeFormat? = nil,
        target: VolumeTarget = VolumeTarget()
    ) {
        self.name = name
        self.capacity = capacity ?? 0
        self.capacitySpecified = capacity != nil
        self.allocation = allocation ?? capacity ?? 0
        self.allocationSpecified = allocation != nil
        self.target = target
        if let format { self.target.format = format }
    }

    /// The image format (or partition type), as `target.format`.
    public var format: VolumeFormat? {
        get { target.format }
        set { target.format = newValue }
    }

    /// The volume's path on this machine where it has one, as `target.path`.
    public var path: String? {
        get { target.path }
        set { target.path = newValue }
    }
}
