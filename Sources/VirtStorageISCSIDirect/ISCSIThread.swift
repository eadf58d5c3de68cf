#if ISCSI
    import VirtStorage

    /// libiscsi's synchronous calls block on the network (up to the backend's
    /// timeout): each job (one login, its commands, the logout) runs on
    /// threads of their own, never on Swift's cooperative pool.
    enum ISCSIThread {
        private static let threads = DedicatedThreads(name: "virtstorage-iscsi", count: 4)

        static func run<T: Sendable>(_ body: @escaping @Sendable () throws(StorageError) -> T)
            async throws(StorageError) -> T
        {
            try await threads.run(body)
        }
    }
#endif
