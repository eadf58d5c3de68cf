import Foundation
import Synchronization

/// Runs blocking file work (large reads and writes, fsync, many opens) on a
/// small fixed set of dedicated threads, so it never ties up Swift's
/// cooperative thread pool, and so that memory allocated by that work comes
/// from a bounded number of malloc arenas (Dispatch would use ever new threads).
enum BlockingIO {
    private final class Pool: @unchecked Sendable {
        private let condition = NSCondition()
        private var queue: [@Sendable () -> Void] = []

        init(threads: Int) {
            for i in 0..<threads {
                let thread = Thread { [unowned self] in self.work() }
                thread.name = "virtstorage-io-\(i)"
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

    /// Which threads a job runs on.
    enum Lane {
        /// Data jobs (wipe, copy, upload): four threads, so one long job does not hold up the rest.
        case data
        /// Directory scans (refresh): one thread of their own, never queued behind data jobs,
        /// and always the same malloc arena for the large volume tables they build.
        case metadata
    }

    private static let dataPool = Pool(threads: 4)
    private static let metadataPool = Pool(threads: 1)

    static func run<T: Sendable>(
        _ lane: Lane = .data, _ body: @escaping @Sendable () throws(StorageError) -> T
    ) async throws(StorageError) -> T {
        let pool = lane == .data ? dataPool : metadataPool
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
