import Foundation
import Synchronization

@testable import VirtStorage

/// A CommandRunning that answers from recorded real output and remembers
/// every command it was given, so backends run their real code in tests.
final class RecordedCommandRunner: CommandRunning {
    private let answer: @Sendable (Command) -> CommandRunner.Output
    private let log = Mutex<[Command]>([])

    /// Answers each command with `answer(command)`.
    init(_ answer: @escaping @Sendable (Command) -> CommandRunner.Output) { self.answer = answer }

    /// `answers` maps a program name to its recorded output; others fail with status 127.
    convenience init(_ answers: [String: CommandRunner.Output]) {
        self.init { command in
            answers[command.program] ?? CommandRunner.Output(status: 127, stderr: "\(command.program): not recorded")
        }
    }

    /// `keyed` maps a program and its first arguments, separated by spaces
    /// ("zfs list -Hp -t snapshot"), to recorded output; the longest key that
    /// starts the command line wins, then `answers` by program name.
    convenience init(keyed: [String: CommandRunner.Output], _ answers: [String: CommandRunner.Output] = [:]) {
        let prefixes = keyed.map { (key, output) in (key.split(separator: " ").map(String.init), output) }
            .sorted { $0.0.count > $1.0.count }
        self.init { command in
            let line = [command.program] + command.arguments
            if let (_, output) = prefixes.first(where: { line.starts(with: $0.0) }) { return output }
            return answers[command.program]
                ?? CommandRunner.Output(status: 127, stderr: "\(command.program): not recorded")
        }
    }

    static func ok(_ stdout: String = "") -> CommandRunner.Output { .init(status: 0, stdout: stdout) }
    static func fail(_ status: Int32, _ stderr: String) -> CommandRunner.Output {
        .init(status: status, stderr: stderr)
    }

    var commands: [Command] { log.withLock { $0 } }
    /// "program arg arg" per command, environment left out.
    var lines: [String] { commands.map { ([$0.program] + $0.arguments).joined(separator: " ") } }

    func capture(_ command: Command) async throws(StorageError) -> CommandRunner.Output {
        log.withLock { $0.append(command) }
        return answer(command)
    }
}
