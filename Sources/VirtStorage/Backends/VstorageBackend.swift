/// Virtuozzo Storage pools: a vstorage cluster mounted on the target
/// directory with vstorage-mount; its files are the volumes.
public struct VstorageBackend: MountedPoolBackend {
    public let runner: CommandRunning

    public init(runner: CommandRunning = SystemCommandRunner()) { self.runner = runner }

    public var type: PoolType { .vstorage }

    /// Makes the mount point; the cluster itself is made with vstorage's own tools.
    public func build(_ pool: PoolDefinition, mode: BuildMode) async throws(StorageError) {
        guard mode == .normal else {
            throw StorageError(
                .operationUnsupported,
                "vstorage pools cannot be formatted: build takes no --overwrite or --no-overwrite")
        }
        try await buildDirectory(pool)
    }
}
