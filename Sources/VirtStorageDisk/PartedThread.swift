#if Parted
    import CParted
    import Foundation
    import VirtStorage

    /// libparted is not thread safe and blocks on device I/O: every call into it
    /// runs on this one dedicated thread, one job at a time, never on Swift's
    /// cooperative pool. The thread installs the exception handler below before
    /// its first job.
    enum PartedThread {
        private static let thread = DedicatedThreads(name: "virtstorage-parted", count: 1) {
            parted.ped_exception_set_handler(partedExceptionHandler)
        }

        /// Runs `body` on the libparted thread; libparted's messages of an
        /// earlier job are forgotten first.
        static func run<T: Sendable>(_ body: @escaping @Sendable () throws(StorageError) -> T)
            async throws(StorageError) -> T
        {
            try PartedLibrary.load()
            return try await thread.run { () throws(StorageError) in
                PartedMessages.reset()
                return try body()
            }
        }
    }

    /// What libparted said through its exception handler during the current
    /// job. Touched only on the libparted thread.
    enum PartedMessages {
        nonisolated(unsafe) static var messages: [String] = []

        static func reset() { messages = [] }

        /// An error for a libparted call that failed, with what libparted said.
        static func failure(_ what: String, code: StorageError.Code = .operationFailed, path: String? = nil)
            -> StorageError
        {
            let said = messages.joined(separator: "; ")
            return StorageError(code, said.isEmpty ? what : "\(what): \(said)", path: path)
        }
    }

    /// Never answers "ignore" or "fix": an ignored overlap makes libparted write
    /// a broken table. Errors are cancelled (or answered "no"), and every
    /// message above information level is kept for the StorageError thrown.
    private func partedExceptionHandler(_ exception: UnsafeMutablePointer<PedException>?) -> PedExceptionOption {
        guard let exception else { return PED_EXCEPTION_UNHANDLED }
        let ex = exception.pointee
        let options = ex.options.rawValue
        if ex.type.rawValue > PED_EXCEPTION_INFORMATION.rawValue, let message = ex.message {
            PartedMessages.messages.append(String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        if options & PED_EXCEPTION_CANCEL.rawValue != 0 { return PED_EXCEPTION_CANCEL }
        if options & PED_EXCEPTION_NO.rawValue != 0 { return PED_EXCEPTION_NO }
        if options == PED_EXCEPTION_OK.rawValue { return PED_EXCEPTION_OK }
        return PED_EXCEPTION_UNHANDLED
    }
#endif
