extension StorageHost {
    /// Ends the host's work in this process: new calls that change pools or
    /// volumes fail (``StorageError/Code/operationInvalid``), the jobs
    /// already running (creations, uploads, wipes, refreshes) finish, every
    /// stream from ``events()`` ends, and native connections (librados,
    /// libgfapi) are closed.
    ///
    /// Pools stay as they are: active pools remain active for the next host
    /// opened on the same directories, as they do when a process exits.
    /// Lookups keep answering from the last state. Calling it again does
    /// nothing.
    public func shutdown() async {
        guard !isShutDown else { return }
        isShutDown = true
        // Jobs run on this actor between their suspension points: wait for
        // them to come back rather than cut them off mid-write.
        while records.values.contains(where: { $0.jobs > 0 || $0.refreshesUnderway > 0 }) {
            try? await Task.sleep(for: .milliseconds(5))
        }
        for continuation in subscribers.values { continuation.finish() }
        subscribers = [:]
        for record in records.values {
            record.watch?.stop()
            record.watch = nil
            guard let live = record.live, let backend = try? backends.backend(for: live.type) else { continue }
            await backend.release(live)
        }
    }

    /// Refuses new work once the host is shut down.
    func ensureOpen() throws(StorageError) {
        if isShutDown {
            throw StorageError(
                .operationInvalid, "the storage host is shut down",
                hint: "open a new StorageHost on the same directories to go on")
        }
    }
}
