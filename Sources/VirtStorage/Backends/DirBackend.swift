import CStorageSys
import Foundation

/// Directory pools: a directory of image files.
public struct DirBackend: FileVolumeBackend {
    public init() {}

    public var type: PoolType { .dir }

    public var capabilities: BackendCapabilities {
        [
            .check, .start, .build, .stop, .delete, .createVolume, .buildVolumeFrom, .deleteVolume, .resizeVolume,
            .wipeVolume, .uploadVolume, .downloadVolume,
        ]
    }

    public func check(_ pool: PoolDefinition) async throws(StorageError) -> Bool {
        var st = stat()
        return stat(try Self.directory(pool), &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public func start(_ pool: PoolDefinition) async throws(StorageError) {
        let dir = try Self.directory(pool)
        var st = stat()
        guard stat(dir, &st) == 0 else {
            throw SystemError.make("cannot open directory '\(dir)' (build the pool first)", path: dir)
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw StorageError(.operationInvalid, "target path '\(dir)' is not a directory", path: dir)
        }
    }

    /// Creates the directory (and missing parents) with the pool's permissions.
    public func build(_ pool: PoolDefinition, mode: BuildMode) async throws(StorageError) {
        let dir = try Self.directory(pool)
        try PoolFiles.makeDirectory(dir)
        let perms = pool.target.permissions
        let mode = perms.mode.map { mode_t($0) } ?? FileVolumes.defaultPoolMode
        guard chmod(dir, mode) == 0 else { throw SystemError.make("cannot set mode of '\(dir)'", path: dir) }
        if perms.owner != nil || perms.group != nil,
            chown(dir, perms.owner ?? UInt32.max, perms.group ?? UInt32.max) != 0
        {
            throw SystemError.make("cannot set owner of '\(dir)'", path: dir)
        }
        // <features><cow state='no'/>: new files in the directory inherit NOCOW on btrfs.
        if let cow = pool.copyOnWrite {
            let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            defer { if fd >= 0 { close(fd) } }
            guard fd >= 0, vs_set_nocow(fd, cow ? 0 : 1) == 0 else {
                throw SystemError.make(
                    "cannot set copy-on-write state of '\(dir)' (only btrfs supports <features><cow>)", path: dir)
            }
        }
    }

    public func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
        try await BlockingIO.run(.metadata) { () throws(StorageError) in try refreshFiles(pool) }
    }

    public func delete(_ pool: PoolDefinition, zeroed: Bool) async throws(StorageError) {
        // As libvirt: a directory has nothing to zero once its volumes are gone.
        if zeroed {
            throw StorageError(
                .operationUnsupported,
                "zeroed deletion is not supported for dir pools: delete the volumes, then the pool")
        }
        let dir = try Self.directory(pool)
        guard rmdir(dir) == 0 else { throw SystemError.make("failed to remove pool '\(dir)'", path: dir) }
    }
}
