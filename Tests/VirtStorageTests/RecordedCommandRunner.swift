import Foundation
import Synchronization

@testable import VirtStorage

/// A CommandRunning that answers from recorded real output and remembers
/// every command it was given, so backends run their real code in tests.
final class RecordedCommandRunner: CommandRunning {
    private let answers: [String: CommandRunner.Output]
    /// Answers keyed by the program and its first arguments, longest first.
    private let keyed: [([String], CommandRunner.Output)]
    private let log = Mutex<[Command]>([])

    /// `answers` maps a program name to its recorded output; others fail with status 127.
    init(_ answers: [String: CommandRunner.Output]) {
        self.answers = answers
        self.keyed = []
    }

    /// `keyed` maps a program and its first arguments, separated by spaces
    /// ("zfs list -Hp -t snapshot"), to recorded output; the longest key that
    /// starts the command line wins, then `answers` by program name.
    init(keyed: [String: CommandRunner.Output], _ answers: [String: CommandRunner.Output] = [:]) {
        self.answers = answers
        self.keyed = keyed.map { (key, output) in (key.split(separator: " ").map(String.init), output) }
            .sorted { $0.0.count > $1.0.count }
    }

    var commands: [Command] { log.withLock { $0 } }

    func capture(_ command: Command) async throws(StorageError) -> CommandRunner.Output {
        log.withLock { $0.append(command) }
        let line = [command.program] + command.arguments
        if let (_, output) = keyed.first(where: { line.starts(with: $0.0) }) { return output }
        return answers[command.program]
            ?? CommandRunner.Output(status: 127, stderr: "\(command.program): not recorded")
    }
}
