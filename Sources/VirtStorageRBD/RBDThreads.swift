#if Ceph
    import Foundation
    import VirtStorage

    /// librados and librbd calls block until the cluster answers (up to the
    /// pool's timeout), so they run here, on a fixed set of threads of their
    /// own, never on Swift's cooperative pool.
    enum RBDThreads {
        /// Enough for several pools' jobs at once; refresh uses `width` of them.
        static let count = 8

        private final class Pool: @unchecked Sendable {
            private let condition = NSCondition()
            private var queue: [@Sendable () -> Void] = []

            init(threads: Int) {
                for i in 0..<threads {
                    let thread = Thread { [unowned self] in self.work() }
                    thread.name = "virtstorage-rbd-\(i)"
                    thread.stackSize = 1 << 20
                    thread.start()
                }
            }

            func submit(_ job: @escaping @Sendable () -> Void) {
                condition.lock()
                queue.append(job)
                condition.signal()
                condition.unlock()
            }

            private func work() {
                while true {
                    condition.lock()
                    while queue.isEmpty { condition.wait() }
                    let job = queue.removeFirst()
                    condition.unlock()
                    job()
                }
            }
        }

        private static let pool = Pool(threads: count)

        static func run<T: Sendable>(_ body: @escaping @Sendable () throws(StorageError) -> T)
            async throws(StorageError) -> T
        {
            let result: Result<T, StorageError> = await withCheckedContinuation { continuation in
                pool.submit {
                    do throws(StorageError) {
                        continuation.resume(returning: .success(try body()))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
            }
            return try result.get()
        }
    }
#endif
