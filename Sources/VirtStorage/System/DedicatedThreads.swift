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

    /// Runs `body` on one of the threads and returns what it returns or
    /// throws. If the calling task is cancelled meanwhile, ``isCancelled``
    /// turns true for `body`, whose loops may stop early.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws(StorageError) -> T) async throws(StorageError)
        -> T
    {
        let flag = CancellationFlag()
        let result: Result<T, StorageError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                condition.lock()
                queue.append {
                    Self.current.value = flag
                    defer { Self.current.value = nil }
                    do throws(StorageError) {
                        continuation.resume(returning: .success(try body()))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
                condition.signal()
                condition.unlock()
            }
        } onCancel: {
            flag.cancel()
        }
        return try result.get()
    }

    /// Whether the task that handed the job running on this thread was
    /// cancelled (false off these threads).
    public static var isCancelled: Bool { current.value?.isCancelled ?? false }

    private static let current = ThreadSpecific<CancellationFlag>()
}

/// Set once, from any thread, when a task is cancelled.
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    var isCancelled: Bool { lock.withLock { cancelled } }
    func cancel() { lock.withLock { cancelled = true } }
}

/// A value of each thread's own (pthread keys, for threads that are not tasks).
final class ThreadSpecific<Value: AnyObject>: @unchecked Sendable {
    private var key = pthread_key_t()

    init() { pthread_key_create(&key, nil) }

    var value: Value? {
        get { pthread_getspecific(key).map { Unmanaged<Value>.fromOpaque($0).takeUnretainedValue() } }
        set {
            if let old = pthread_getspecific(key) { Unmanaged<Value>.fromOpaque(old).release() }
            pthread_setspecific(key, newValue.map { Unmanaged.passRetained($0).toOpaque() })
        }
    }
}
