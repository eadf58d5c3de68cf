#if Gluster
    import Foundation
    import Synchronization
    import VirtStorage

    /// One blocking libgfapi job on a thread of its own, watched: it fails
    /// with a clear error when it makes no progress for `timeout` seconds.
    /// libgfapi calls wait on the network (a connect to a host that drops
    /// packets, a brick that stops answering), so a job never runs on Swift's
    /// cooperative pool nor on a shared pool of threads it could tie up: an
    /// abandoned job keeps only its own thread until libgfapi returns.
    final class GlusterJob: Sendable {
        private let lastProgress = Mutex(ContinuousClock.now)
        private let answered = Mutex(false)

        /// True for the first caller only: the job's end or the watchdog.
        private func claimAnswer() -> Bool {
            answered.withLock { done in
                defer { done = true }
                return !done
            }
        }

        private var isAnswered: Bool { answered.withLock { $0 } }

        /// Called by the job after each step that got an answer (a chunk
        /// read or written, a file probed): the watchdog starts over.
        func progressed() { lastProgress.withLock { $0 = .now } }

        private var idle: Duration { lastProgress.withLock { ContinuousClock.now - $0 } }

        /// Runs `body`; `what` names the job for the timeout message ("refresh
        /// of gluster volume 'gv0' on host 'vm'"). `onTimeout` runs when the
        /// job is given up (the backend drops the pool's connection then).
        static func run<T: Sendable>(
            _ what: String, timeout: Int, onTimeout: (@Sendable () -> Void)? = nil,
            _ body: @escaping @Sendable (GlusterJob) throws(StorageError) -> T
        ) async throws(StorageError) -> T {
            let job = GlusterJob()
            let result: Result<T, StorageError> = await withCheckedContinuation { continuation in
                // Whoever comes first, the job or the watchdog, answers.
                @Sendable func finish(_ result: Result<T, StorageError>) -> Bool {
                    let first = job.claimAnswer()
                    if first { continuation.resume(returning: result) }
                    return first
                }
                let thread = Thread {
                    do throws(StorageError) {
                        _ = finish(.success(try body(job)))
                    } catch {
                        _ = finish(.failure(error))
                    }
                }
                thread.name = "virtstorage-gluster"
                thread.stackSize = 1 << 20
                thread.start()
                Task.detached {
                    let limit = Duration.seconds(timeout)
                    while !job.isAnswered {
                        let idle = job.idle
                        if idle >= limit {
                            let error = StorageError(
                                .operationFailed,
                                "\(what): no answer from the gluster server within \(timeout) s (host unreachable or brick down?)",
                                errno: ETIMEDOUT)
                            if finish(.failure(error)) { onTimeout?() }
                            return
                        }
                        try? await Task.sleep(for: min(limit - idle, .milliseconds(250)))
                    }
                }
            }
            return try result.get()
        }
    }
#endif
