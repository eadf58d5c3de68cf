/// Runs blocking file work (large reads and writes, fsync, many opens) on a
/// small fixed set of dedicated threads, so it never ties up Swift's
/// cooperative thread pool, and so that memory allocated by that work comes
/// from a bounded number of malloc arenas (Dispatch would use ever new threads).
package enum BlockingIO {
    /// Which threads a job runs on.
    package enum Lane {
        /// Data jobs (wipe, copy, upload): four threads, so one long job does not hold up the rest.
        case data
        /// Directory scans (refresh): one thread of their own, never queued behind data jobs,
        /// and always the same malloc arena for the large volume tables they build.
        case metadata
    }

    private static let dataThreads = DedicatedThreads(name: "virtstorage-io", count: 4)
    private static let metadataThreads = DedicatedThreads(name: "virtstorage-scan", count: 1)

    package static func run<T: Sendable>(
        _ lane: Lane = .data, _ body: @escaping @Sendable () throws(StorageError) -> T
    ) async throws(StorageError) -> T {
        try await (lane == .data ? dataThreads : metadataThreads).run(body)
    }

    /// Runs a call on one file's metadata (creating a sparse file, reading
    /// one file's status and header) inline where the pool's files are on a
    /// local filesystem (``PoolTypeRules/filesAreLocal``): it takes
    /// microseconds there, and the hop to a thread and back costs several
    /// times more. On network filesystems (netfs, vstorage), whose server may
    /// stop answering, it runs on the metadata thread so that the host stays responsive.
    package static func runSingleFile<T: Sendable>(
        on poolType: PoolType, _ body: @escaping @Sendable () throws(StorageError) -> T
    ) async throws(StorageError) -> T {
        PoolTypeRules.of(poolType).filesAreLocal ? try body() : try await run(.metadata, body)
    }
}
