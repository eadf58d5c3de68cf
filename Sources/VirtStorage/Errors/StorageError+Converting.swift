extension StorageError {
    /// Runs `body`, whose calls may throw errors of other kinds (an async
    /// sequence's, a task's): a StorageError passes as it is, any other
    /// becomes an `operationFailed` worded by `message`.
    static func converting<T>(_ message: (any Error) -> String, _ body: () async throws -> T)
        async throws(StorageError) -> T
    {
        do { return try await body() } catch let error as StorageError { throw error } catch {
            throw StorageError(.operationFailed, message(error))
        }
    }
}

extension StorageError {
    /// Throws ``Code/operationAborted`` ("`what` was cancelled") if the
    /// current task, or the task that handed this blocking job to a
    /// ``DedicatedThreads`` thread, was cancelled.
    static func checkCancellation(_ what: @autoclosure () -> String) throws(StorageError) {
        guard Task.isCancelled || DedicatedThreads.isCancelled else { return }
        throw StorageError(.operationAborted, "\(what()) was cancelled")
    }
}
