/// The commands that start and stop fs, netfs and logical pools
/// (mount/umount and vgchange), built as libvirt 9.0 builds them.
public enum PoolStartCommand {
    /// The command that activates `def` on `platform`.
    public static func start(_ def: PoolDefinition, platform: Platform = .current) throws(StorageError) -> Command {
        switch def.type {
        case .fs, .netfs:
            return try mount(def, platform: platform)
        case .logical:
            return Command("vgchange", ["-aly", try volumeGroup(def)])
        default:
            throw StorageError(
                .operationUnsupported,
                "pool type '\(def.type.rawValue)' has no start command: only fs, netfs and logical pools run one")
        }
    }

    /// The command that deactivates `def`.
    public static func stop(_ def: PoolDefinition) throws(StorageError) -> Command {
        switch def.type {
        case .fs, .netfs:
            return Command("umount", [try targetPath(def)])
        case .logical:
            return Command("vgchange", ["-aln", try volumeGroup(def)])
        default:
            throw StorageError(
                .operationUnsupported,
                "pool type '\(def.type.rawValue)' has no stop command: only fs, netfs and logical pools run one")
        }
    }

    /// What mount is given as the source: the device, "host:dir", or "//host/dir" for cifs.
    public static func mountSource(_ def: PoolDefinition) throws(StorageError) -> String {
        if def.type == .netfs {
            guard def.source.hosts.count == 1 else {
                throw StorageError.unsupported(
                    "expected exactly 1 host for the storage pool, found \(def.source.hosts.count)",
                    element: "source/host")
            }
            guard let dir = def.source.dir else {
                throw StorageError(.internalError, "missing source path", element: "source/dir")
            }
            let host = def.source.hosts[0].name
            return def.source.format == "cifs" ? "//\(host)/\(dir)" : "\(host):\(dir)"
        }
        guard let device = def.source.devices.first else {
            throw StorageError(.internalError, "missing source device", element: "source/device")
        }
        guard def.source.devices.count == 1 else {
            throw StorageError.unsupported(
                "expected exactly 1 device for the storage pool, found \(def.source.devices.count)",
                element: "source/device")
        }
        return device.path
    }

    /// The -o option list: platform defaults, the format's own option, then fs:mount_opts.
    public static func mountOptions(_ def: PoolDefinition, platform: Platform) -> [String] {
        var options: [String]
        switch platform {
        case .linux: options = ["nodev", "nosuid", "noexec"]
        case .freebsd: options = ["nosuid", "noexec"]
        case .other: options = []
        }
        if def.type == .netfs {
            switch def.source.format {
            case "glusterfs": options.append("direct-io-mode=1")
            case "cifs": options.append("guest")
            default:
                if let version = def.source.protocolVersion { options.append("nfsvers=\(version)") }
            }
        }
        return options + def.mountOptions
    }

    private static func mount(_ def: PoolDefinition, platform: Platform) throws(StorageError) -> Command {
        let source = try mountSource(def)
        let target = try targetPath(def)
        var args: [String] = []
        let options = mountOptions(def, platform: platform)
        if !options.isEmpty { args += ["-o", options.joined(separator: ",")] }
        // netfs "auto" gets no -t: `mount -t auto` would not detect NFS.
        let format = def.source.format ?? "auto"
        if !(def.type == .netfs && format == "auto") { args += ["-t", format] }
        return Command("mount", args + [source, target])
    }

    private static func targetPath(_ def: PoolDefinition) throws(StorageError) -> String {
        guard let path = def.target.path else {
            throw StorageError(.internalError, "missing target path", element: "target/path")
        }
        return path
    }

    private static func volumeGroup(_ def: PoolDefinition) throws(StorageError) -> String {
        guard let name = def.source.name else {
            throw StorageError(.internalError, "missing source name of the volume group", element: "source/name")
        }
        return name
    }
}
