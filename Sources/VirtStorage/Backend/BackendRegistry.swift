/// The backends a host knows, one per pool type.
public struct BackendRegistry: Sendable {
    private var backends: [PoolType: any StorageBackend] = [:]

    public init(_ backends: [any StorageBackend] = []) {
        for backend in backends { register(backend) }
    }

    /// The backends of this library that need no native library beyond libxml2
    /// (fs, netfs, logical, vstorage, zfs and sheepdog pools run mount, mkfs,
    /// the lvm2 tools, vstorage-mount, zpool/zfs and dog; scsi pools read and
    /// write sysfs; iscsi pools run iscsiadm).
    public static var builtIn: BackendRegistry {
        BackendRegistry([
            DirBackend(), FsBackend(), NetfsBackend(), LogicalBackend(), VstorageBackend(), ZFSBackend(),
            SheepdogBackend(), SCSIBackend(), ISCSIBackend(),
        ])
    }

    public mutating func register(_ backend: any StorageBackend) { backends[backend.type] = backend }

    public func backend(for type: PoolType) throws(StorageError) -> any StorageBackend {
        guard let backend = backends[type] else {
            // libvirt's words (virStorageBackendForType): the type's number and name.
            let number = PoolType.allCases.firstIndex(of: type) ?? 0
            throw StorageError(
                .internalError, "missing backend for pool type \(number) (\(type.rawValue))",
                hint: "no \(type.rawValue) backend in this build; registered are \(registeredTypes.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return backend
    }

    /// Every registered backend, in pool type order.
    public var all: [any StorageBackend] { registeredTypes.compactMap { backends[$0] } }

    public var registeredTypes: [PoolType] { PoolType.allCases.filter { backends[$0] != nil } }

    /// The same backends as a host with `environment` serves with them.
    public func configured(with environment: BackendEnvironment) -> BackendRegistry {
        BackendRegistry(all.map { $0.configured(with: environment) })
    }
}
