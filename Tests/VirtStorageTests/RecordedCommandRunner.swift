import Foundation
import Synchronization

@testable import VirtStorage

/// A CommandRunning that answers from recorded real output and remembers
/// every command it was given, so backends run their real code in tests.
final class RecordedCommandRunner: CommandRunning {
    private let answers: [String: CommandRunner.Output]
    private let log = Mutex<[Command]>([])

    /// `answers` maps a program name to its recorded output; others fail with status 127.
    init(_ answers: [String: CommandRunner.Output]) { self.answers = answers }

    var commands: [Command] { log.withLock { $0 } }

    func capture(_ command: Command) async throws(StorageError) -> CommandRunner.Output {
        log.withLock { $0.append(command) }
        return answers[command.program]
            ?? CommandRunner.Output(status: 127, stderr: "\(command.program): not recorded")
    }
}
