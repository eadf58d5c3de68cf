import Foundation

/// A fixed set of threads of their own for blocking work (file I/O, C
/// libraries that wait on the network or a device), so that it never ties up
/// Swift's cooperative thread pool. Jobs run in the order they come.
public final class DedicatedThreads: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []

    /// Starts `count` threads named "`name`-N"; each runs `setUp` once before its first job.
    public init(name: String, count: Int, setUp: (@Sendable () -> Void)? = nil) {
        for i in 0..<count {
            let thread = Thread { [unowned self] in
                setUp?()
                self.work()
            }
            thread.name = "\(name)-\(i)"
            thread.stackSize = 1 << 20
            thread.start()
        }
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

    /// Runs `body` on one of the threads and returns what it returns or throws.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws(StorageError) -> T) async throws(StorageError)
        -> T
    {
        let result: Result<T, StorageError> = await withCheckedContinuation { continuation in
            condition.lock()
            queue.append {
                do throws(StorageError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            condition.signal()
            condition.unlock()
        }
        return try result.get()
    }
}
