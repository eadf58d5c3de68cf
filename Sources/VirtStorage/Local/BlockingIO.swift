/// Runs blocking file work (large reads and writes, fsync, many opens) on a
/// small fixed set of dedicated threads, so it never ties up Swift's
/// cooperative thread pool, and so that memory allocated by that work comes
/// from a bounded number of malloc arenas (Dispatch would use ever new threads).
enum BlockingIO {
    /// Which threads a job runs on.
    enum Lane {
        /// Data jobs (wipe, copy, upload): four threads, so one long job does not hold up the rest.
        case data
        /// Directory scans (refresh): one thread of their own, never queued behind data jobs,
        /// and always the same malloc arena for the large volume tables they build.
        case metadata
    }

    private static let dataThreads = DedicatedThreads(name: "virtstorage-io", count: 4)
    private static let metadataThreads = DedicatedThreads(name: "virtstorage-scan", count: 1)

    static func run<T: Sendable>(
        _ lane: Lane = .data, _ body: @escaping @Sendable () throws(StorageError) -> T
    ) async throws(StorageError) -> T {
        try await (lane == .data ? dataThreads : metadataThreads).run(body)
    }
}
