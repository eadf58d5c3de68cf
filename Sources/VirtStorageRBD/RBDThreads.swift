#if Ceph
    import VirtStorage

    /// librados and librbd calls block until the cluster answers (up to the
    /// pool's timeout), so they run on threads of their own, never on Swift's
    /// cooperative pool.
    enum RBDThreads {
        /// Enough for several pools' jobs at once; refresh uses `width` of them.
        static let count = 8

        private static let threads = DedicatedThreads(name: "virtstorage-rbd", count: count)

        static func run<T: Sendable>(_ body: @escaping @Sendable () throws(StorageError) -> T)
            async throws(StorageError) -> T
        {
            try await threads.run(body)
        }
    }
#endif
