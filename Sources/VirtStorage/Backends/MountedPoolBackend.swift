import Foundation

/// The pool half of fs and netfs pools: a filesystem mounted on the target
/// directory, whose files are the volumes. Start mounts, stop unmounts, and
/// check reads the kernel's mount table.
public protocol MountedPoolBackend: FileVolumeBackend {
    /// Runs the mount and umount commands (injectable for tests).
    var runner: CommandRunning { get }
}

extension MountedPoolBackend {
    /// The mounted entry of the pool, if it is mounted (read on the metadata
    /// thread: resolving mount points may wait on a hung network mount).
    func mountEntry(_ pool: PoolDefinition) async throws(StorageError) -> MountTable.Entry? {
        let source = try PoolStartCommand.mountSource(pool)
        let target = try Self.directory(pool)
        return try await BlockingIO.run(.metadata) { () throws(StorageError) in
            MountTable.entry(mounting: source, on: target, in: try MountTable.entries())
        }
    }

    public func check(_ pool: PoolDefinition) async throws(StorageError) -> Bool {
        try await mountEntry(pool) != nil
    }

    public func start(_ pool: PoolDefinition) async throws(StorageError) {
        if try await mountEntry(pool) != nil { return }
        let dir = try Self.directory(pool)
        // As libvirt, mount is run and says what is wrong; the hint says what to do.
        let missing = !(SystemCalls.status(of: dir).map { ($0.st_mode & S_IFMT) == S_IFDIR } ?? false)
        do throws(StorageError) {
            try await runner.run(try PoolStartCommand.start(pool))
        } catch {
            var error = error
            if missing { error.hint = "the mount point '\(dir)' is not a directory: build the pool first" }
            throw error
        }
    }

    public func stop(_ pool: PoolDefinition) async throws(StorageError) {
        guard try await mountEntry(pool) != nil else { return }
        try await runner.run(try PoolStartCommand.stop(pool))
    }

    public func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
        let (sizes, table) = try await refresh(pool, knowing: VolumeTable())
        return (sizes, table.values)
    }

    public func refresh(_ pool: PoolDefinition, knowing previous: consuming VolumeTable)
        async throws(StorageError) -> (PoolSizes, VolumeTable)
    {
        let handoff = VolumeTable.Handoff(consume previous)
        // Refreshing the bare mount point would list the wrong files.
        guard try await mountEntry(pool) != nil else {
            throw StorageError(
                .operationInvalid,
                "pool '\(pool.name)' is not mounted on '\(try Self.directory(pool))': start it again", value: pool.name)
        }
        return try await BlockingIO.run(.metadata) { () throws(StorageError) in
            try refreshFiles(pool, knowing: handoff.take())
        }
    }

    public func delete(_ pool: PoolDefinition, zeroed: Bool) async throws(StorageError) {
        try await removeDirectory(pool, zeroed: zeroed)
    }
}
