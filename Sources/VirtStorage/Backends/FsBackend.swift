import Foundation

/// Filesystem pools: a block device (or image file) holding a filesystem,
/// mounted on the target directory.
public struct FsBackend: MountedPoolBackend {
    public let runner: CommandRunning

    public init(runner: CommandRunning = SystemCommandRunner()) { self.runner = runner }

    public var type: PoolType { .fs }

    /// Makes the mount point; with --overwrite, or --no-overwrite on a device
    /// that holds nothing, also makes the filesystem. A plain build never
    /// touches the device, as in libvirt.
    public func build(_ pool: PoolDefinition, mode: BuildMode) async throws(StorageError) {
        switch mode {
        case .repair, .resize:
            throw StorageError(
                .operationUnsupported, "fs pools support only build, --overwrite and --no-overwrite")
        case .normal, .overwrite, .noOverwrite:
            break
        }
        if mode != .normal, try await mountEntry(pool) != nil {
            throw StorageError(
                .operationInvalid, "pool '\(pool.name)' is mounted on '\(try Self.directory(pool))': stop it first",
                value: pool.name)
        }
        try await buildDirectory(pool)
        guard mode != .normal else { return }
        let device = try PoolStartCommand.mountSource(pool)
        guard SystemCalls.exists(device) else {
            throw StorageError(
                .operationInvalid, "Source device does not exist when formatting pool '\(pool.name)'", path: device,
                hint: "no such device: \(device)")
        }
        let format = pool.source.format ?? "auto"
        guard format != "auto" else {
            throw StorageError(
                .operationInvalid,
                "cannot make a filesystem of format 'auto' on '\(device)': name one in <source><format type='ext4'/>",
                element: "source/format")
        }
        if mode == .noOverwrite {
            try await BlockingIO.run(.metadata) { () throws(StorageError) in
                try DeviceProbe.requireEmpty(device, format: format)
            }
        }
        try await runner.run(Self.mkfs(format: format, device: device))
    }

    /// mkfs with the flag each maker needs to write over an old signature.
    public static func mkfs(format: String, device: String) -> Command {
        var arguments = ["-t", format]
        switch format {
        case "xfs", "btrfs": arguments.append("-f")
        case "ext2", "ext3", "ext4": arguments.append("-F")
        case "vfat": arguments.append("-I")
        default: break
        }
        return Command("mkfs", arguments + [device])
    }
}
