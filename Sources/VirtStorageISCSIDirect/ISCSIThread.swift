#if ISCSI
    import Foundation
    import VirtStorage

    /// libiscsi's synchronous calls block on the network: each job (one login,
    /// its commands, the logout) runs on a thread of its own, never on Swift's
    /// cooperative pool.
    enum ISCSIThread {
        static func run<T: Sendable>(_ body: @escaping @Sendable () throws(StorageError) -> T)
            async throws(StorageError)
            -> T
        {
            let result: Result<T, StorageError> = await withCheckedContinuation { continuation in
                let thread = Thread {
                    do throws(StorageError) {
                        continuation.resume(returning: .success(try body()))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
                thread.name = "virtstorage-iscsi"
                thread.stackSize = 1 << 20
                thread.start()
            }
            return try result.get()
        }
    }
#endif
