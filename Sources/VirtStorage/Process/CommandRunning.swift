import Foundation

/// Something that runs commands: the system (`SystemCommandRunner`) or, in
/// tests, recorded real output. Backends that drive tools take one, so the
/// same backend code runs live and against recordings.
public protocol CommandRunning: Sendable {
    /// Runs `command` and returns its status and output, whatever the status.
    func capture(_ command: Command) async throws(StorageError) -> CommandRunner.Output

    /// Starts `command` with the caller holding its standard input or output
    /// (a send or receive stream). A real process by default.
    func start(_ command: Command, _ direction: StreamDirection) throws(StorageError) -> any StreamingTool
}

extension CommandRunning {
    public func start(_ command: Command, _ direction: StreamDirection) throws(StorageError) -> any StreamingTool {
        try StreamingCommand(command, direction)
    }

    /// Runs `command`; throws, with the tool's own message, unless it exits with status 0.
    @discardableResult
    public func run(_ command: Command) async throws(StorageError) -> CommandRunner.Output {
        let output = try await capture(command)
        try CommandRunner.requireSuccess(output, of: command)
        return output
    }
}

/// Runs commands as real processes.
public struct SystemCommandRunner: CommandRunning {
    public init() {}

    public func capture(_ command: Command) async throws(StorageError) -> CommandRunner.Output {
        try await CommandRunner.capture(command)
    }
}
