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
