import Synchronization
import VirtStorage

/// virsh's first error line, naming what failed ("Failed to start pool p",
/// "failed to get vol 'v'"): a verb names each step before taking it (and
/// clears a lookup's once it succeeded), and `fail` prints the step of the
/// error before the error itself, as virsh does. A mistake on the command
/// line has no such line.
enum FailureContext {
    private static let step = Mutex<String?>(nil)
    private static let pending = Mutex<StorageError?>(nil)

    static func during(_ text: String) { step.withLock { $0 = text } }
    static func clear() { step.withLock { $0 = nil } }
    static var current: String? { step.withLock { $0 } }

    /// A mistake virsh finds only once the verb has looked up what it works
    /// on (an empty option value): reported after that lookup succeeds.
    static func `defer`(_ error: StorageError) { pending.withLock { $0 = error } }
    static func lookupDone() throws(StorageError) {
        if let error = pending.withLock({ $0.take() }) { throw error }
    }
}

/// The pool named on the command line (name or UUID), as virsh looks it up.
/// `last`: nothing else is looked up after it (then a deferred mistake is due).
func lookupPool(_ host: StorageHost, _ argument: String, last: Bool = true) async throws(StorageError) -> StoragePool {
    FailureContext.during("failed to get pool '\(argument)'")
    let pool = try await host.pool(argument)
    FailureContext.clear()
    if last { try FailureContext.lookupDone() }
    return pool
}

/// A size argument as virsh reads it: without a number it is only
/// "Malformed size TEXT"; a bad unit or an overflow is that line, then why.
func virshSize(_ text: String) throws(StorageError) -> UInt64 {
    let digits = (text.hasPrefix("+") ? text.dropFirst() : text[...]).prefix { $0.isASCII && $0.isNumber }
    guard !digits.isEmpty, UInt64(digits) != nil else { throw StorageError.usage("Malformed size \(text)") }
    FailureContext.during("Malformed size \(text)")
    let bytes = try VolumeArguments.size(text)
    FailureContext.clear()
    return bytes
}
