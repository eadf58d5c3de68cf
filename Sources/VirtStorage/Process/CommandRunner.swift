import Foundation

/// Runs a Command as an argv array, never through a shell. A failure carries
/// the tool's own message from its standard error.
public enum CommandRunner {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Directories searched for bare program names, as libvirt does.
    static let searchPath = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"]

    static func resolve(_ program: String) -> String? {
        if program.hasPrefix("/") { return program }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for dir in path + searchPath {
            let candidate = dir + "/" + program
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Runs `command`; throws unless it exits with status 0.
    @discardableResult
    public static func run(_ command: Command) async throws(StorageError) -> Output {
        let output = try await capture(command)
        guard output.status == 0 else {
            let message = output.stderr.split(separator: "\n").map(String.init).joined(separator: " ")
            throw StorageError(
                .operationFailed,
                "\(command.program) exited with status \(output.status): \(message.isEmpty ? output.stdout : message)",
                value: command.arguments.joined(separator: " "))
        }
        return output
    }

    /// Runs `command` and returns its status and output, whatever the status.
    public static func capture(_ command: Command) async throws(StorageError) -> Output {
        guard let executable = resolve(command.program) else {
            throw StorageError(
                .operationFailed, "Cannot find '\(command.program)' in path: install it (see Scripts/bootstrap.sh)",
                value: command.program)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = command.arguments
        if !command.environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(command.environment) { $1 }
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw StorageError(.operationFailed, "cannot run \(executable): \(error)", value: executable)
        }
        // Read both pipes off the cooperative pool: the tool may block on a full pipe.
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Output, Never>) in
            DispatchQueue.global().async {
                let stdout = out.fileHandleForReading.readDataToEndOfFile()
                let stderr = err.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(
                    returning: Output(
                        status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                        stderr: String(decoding: stderr, as: UTF8.self)))
            }
        }
        return result
    }
}
