import Foundation

/// The commands that start and stop fs, netfs, vstorage and logical pools
/// (mount/umount, vstorage-mount and vgchange), built as libvirt 9.0 builds
/// them, and btrfs pools on a device: what each type runs is its
/// ``PoolTypeRules/activation``.
public enum PoolStartCommand {
    /// The command that activates `def` on `platform`.
    public static func start(_ def: PoolDefinition, platform: Platform = .current) throws(StorageError) -> Command {
        switch def.rules.activation {
        case .mountDevice, .mountNetworkShare:
            return try mount(def, platform: platform)
        case .volumeGroup:
            return Command("vgchange", ["-aly", try volumeGroup(def)])
        case .mountCluster:
            return try vstorageMount(def)
        case .none:
            throw StorageError(
                .operationUnsupported,
                "pool type '\(def.type.rawValue)' has no start command: only fs, netfs, vstorage and logical pools run one"
            )
        }
    }

    /// The command that deactivates `def`.
    public static func stop(_ def: PoolDefinition) throws(StorageError) -> Command {
        switch def.rules.activation {
        case .mountDevice, .mountNetworkShare, .mountCluster:
            return Command("umount", [try targetPath(def)])
        case .volumeGroup:
            return Command("vgchange", ["-aln", try volumeGroup(def)])
        case .none:
            throw StorageError(
                .operationUnsupported,
                "pool type '\(def.type.rawValue)' has no stop command: only fs, netfs, vstorage and logical pools run one"
            )
        }
    }

    /// What the mount table shows as the source: the device, "host:dir",
    /// "//host/dir" for cifs, or "vstorage://cluster".
    public static func mountSource(_ def: PoolDefinition) throws(StorageError) -> String {
        switch def.rules.activation {
        case .mountCluster:
            return "vstorage://" + (try clusterName(def))
        case .mountNetworkShare:
            guard def.source.hosts.count == 1 else {
                throw StorageError.unsupported(
                    "expected exactly 1 host for the storage pool", element: "source/host",
                    hint: "found \(def.source.hosts.count)")
            }
            guard let dir = def.source.dir else {
                throw StorageError(.internalError, "missing source path", element: "source/dir")
            }
            let host = def.source.hosts[0].name
            return def.source.format == "cifs" ? "//\(host)/\(dir)" : "\(host):\(dir)"
        case .mountDevice, .volumeGroup, .none:
            guard let device = def.source.devices.first else {
                throw StorageError(.internalError, "missing source device", element: "source/device")
            }
            guard def.source.devices.count == 1 else {
                throw StorageError.unsupported(
                    "expected exactly 1 device for the storage pool", element: "source/device",
                    hint: "found \(def.source.devices.count)")
            }
            return device.path
        }
    }

    /// The -o option list: platform defaults, the format's own option, then fs:mount_opts.
    public static func mountOptions(_ def: PoolDefinition, platform: Platform) -> [String] {
        var options: [String]
        switch platform {
        case .linux: options = ["nodev", "nosuid", "noexec"]
        case .freebsd: options = ["nosuid", "noexec"]
        case .other: options = []
        }
        if def.rules.activation == .mountNetworkShare {
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
        // netfs "auto" gets no -t: `mount -t auto` would not detect NFS. A
        // type without source formats (btrfs) is its own format.
        let format = def.source.format ?? (def.rules.sourceFormats.isEmpty ? def.type.rawValue : "auto")
        if !(def.rules.activation == .mountNetworkShare && format == "auto") { args += ["-t", format] }
        return Command("mount", args + [source, target])
    }

    /// vstorage-mount of the cluster on the target, with the target's mode and
    /// owner by name (libvirt's defaults: 0711 and the calling user).
    private static func vstorageMount(_ def: PoolDefinition) throws(StorageError) -> Command {
        let perms = def.target.permissions
        let uid = perms.owner ?? geteuid()
        let gid = perms.group ?? getegid()
        // libvirt's order and words (virGetGroupName, then virGetUserName).
        guard let group = getgrgid(gid).map({ String(cString: $0.pointee.gr_name) }) else {
            throw StorageError(
                .systemError, "Failed to find group record for gid '\(gid)'", element: "target/permissions/group",
                hint: "vstorage-mount takes the group by name")
        }
        guard let user = getpwuid(uid).map({ String(cString: $0.pointee.pw_name) }) else {
            throw StorageError(
                .systemError, "Failed to find user record for uid '\(uid)'", element: "target/permissions/owner",
                hint: "vstorage-mount takes the owner by name")
        }
        let mode = String(perms.mode ?? 0o711, radix: 8)
        return Command(
            "vstorage-mount", ["-c", try clusterName(def), try targetPath(def), "-m", mode, "-g", group, "-u", user])
    }

    private static func clusterName(_ def: PoolDefinition) throws(StorageError) -> String {
        guard let name = def.source.name else {
            throw StorageError(.internalError, "missing source name of the vstorage cluster", element: "source/name")
        }
        return name
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
