import CStorageSys
import Foundation

/// Directory pools: a directory of image files.
public struct DirBackend: FileVolumeBackend {
    public init() {}

    public var type: PoolType { .dir }


    public func check(_ pool: PoolDefinition) async throws(StorageError) -> Bool {
        guard let st = SystemCalls.status(of: try Self.directory(pool)) else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }

    public func start(_ pool: PoolDefinition) async throws(StorageError) {
        let dir = try Self.directory(pool)
        guard let st = SystemCalls.status(of: dir) else {
            var error = SystemError.make("cannot open directory '\(dir)'", path: dir)
            error.hint = "build the pool first"
            throw error
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            // libvirt's words: its refresh cannot open the directory.
            var error = SystemError.make("cannot open directory '\(dir)'", path: dir, errno: ENOTDIR)
            error.hint = "the target path is not a directory"
            throw error
        }
    }

    /// Creates the directory (and missing parents) with the pool's permissions.
    /// `--overwrite` and `--no-overwrite` change nothing here: libvirt 9.0
    /// makes the directory and then fails for want of a device to format
    /// (a difference kept on purpose, README).
    /// Makes the target directory. `--overwrite` and `--no-overwrite` ask
    /// for a filesystem to be made, which a dir pool has no device for: as
    /// libvirt 9.0, the directory is made and the build then refused.
    public func build(_ pool: PoolDefinition, mode: BuildMode) async throws(StorageError) {
        try await buildDirectory(pool)
        if mode == .overwrite || mode == .noOverwrite {
            throw StorageError(
                .operationInvalid, "No source device specified when formatting pool '\(pool.name)'", value: pool.name)
        }
    }

    public func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
        let (sizes, table) = try await refresh(pool, knowing: VolumeTable())
        return (sizes, table.values)
    }

    public func refresh(_ pool: PoolDefinition, knowing previous: consuming VolumeTable)
        async throws(StorageError) -> (PoolSizes, VolumeTable)
    {
        let handoff = VolumeTable.Handoff(consume previous)
        return try await BlockingIO.run(.metadata) { () throws(StorageError) in
            try refreshFiles(pool, knowing: handoff.take())
        }
    }

    public func delete(_ pool: PoolDefinition, zeroed: Bool) async throws(StorageError) {
        try await removeDirectory(pool, zeroed: zeroed)
    }
}
