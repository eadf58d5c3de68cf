import Dispatch

/// Runs blocking file work (large reads and writes, fsync, many opens) on a
/// Dispatch thread, so it never ties up Swift's small cooperative thread pool
/// while other tasks (lookups, listings) wait.
enum BlockingIO {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(StorageError) -> T) async throws(StorageError)
        -> T
    {
        let result: Result<T, StorageError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
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
