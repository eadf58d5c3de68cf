import Synchronization
import VirtStorage

/// A step of a verb, as virsh names it on its first error line ("Failed to
/// start pool p", "failed to get vol 'v'"): a library error thrown inside
/// `body` is reported under the step. The innermost step names an error;
/// a mistake on the command line (``CommandLineError``) has no step.
@discardableResult
func step<T>(_ label: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as StorageError {
        throw StepFailure(step: label, error: error)
    }
}

/// ``step(_:_:)`` for work that does not wait.
@discardableResult
func step<T>(_ label: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as StorageError {
        throw StepFailure(step: label, error: error)
    }
}

/// A library error and the step of the verb it ended.
struct StepFailure: Error {
    let step: String
    let error: StorageError
}

/// A mistake that virsh finds only once the verb has looked up what it works
/// on (an empty option value): read with the arguments, before the verb runs,
/// and reported after that lookup succeeds.
enum DeferredMistake {
    private static let pending = Mutex<CommandLineError?>(nil)

    static func set(_ error: CommandLineError) { pending.withLock { $0 = error } }

    /// Throws the mistake, once, when there is one.
    static func lookupDone() throws(CommandLineError) {
        if let error = pending.withLock({ $0.take() }) { throw error }
    }
}

/// The pool named on the command line (name or UUID), as virsh looks it up.
/// `last`: nothing else is looked up after it (then a deferred mistake is due).
func lookupPool(_ host: StorageHost, _ argument: String, last: Bool = true) async throws -> StoragePool {
    let pool = try await step("failed to get pool '\(argument)'") { try await host.pool(argument) }
    if last { try DeferredMistake.lookupDone() }
    return pool
}

/// A size argument as virsh reads it: without a number it is only
/// "Malformed size TEXT"; a bad unit or an overflow is that line, then why.
func virshSize(_ text: String) throws -> UInt64 {
    let digits = (text.hasPrefix("+") ? text.dropFirst() : text[...]).prefix { $0.isASCII && $0.isNumber }
    guard !digits.isEmpty, UInt64(digits) != nil else { throw CommandLineError("Malformed size \(text)") }
    return try step("Malformed size \(text)") { try VolumeArguments.size(text) }
}
