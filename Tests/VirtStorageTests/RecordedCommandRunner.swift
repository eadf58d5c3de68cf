import Foundation
import Synchronization

@testable import VirtStorage

/// A CommandRunning that answers from recorded real output and remembers
/// every command it was given, so backends run their real code in tests.
final class RecordedCommandRunner: CommandRunning {
    let answer: @Sendable (Command, [Command]) -> CommandRunner.Output
    private let log = Mutex<[Command]>([])
    private let given = Mutex<[String: [UInt8]]>([:])
    private let ended = Mutex<[String: String]>([:])
    /// The recorded standard output of a streaming tool (``start(_:_:)``), by command line.
    private let streamed: @Sendable (Command) -> [UInt8]

    /// Answers each command with `answer(command, earlier)`, `earlier` the
    /// commands given before it (so that a tool's answer can follow what was
    /// done); a streaming tool gives `streamed(command)` and then ends as
    /// `answer` says.
    init(
        seeing answer: @escaping @Sendable (_ command: Command, _ earlier: [Command]) -> CommandRunner.Output,
        streamed: @escaping @Sendable (Command) -> [UInt8] = { _ in [] }
    ) {
        self.answer = answer
        self.streamed = streamed
    }

    /// Answers each command with `answer(command)`.
    convenience init(_ answer: @escaping @Sendable (Command) -> CommandRunner.Output) {
        self.init(seeing: { command, _ in answer(command) })
    }

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
    var lines: [String] { commands.map(\.line) }

    /// Logs `command` and returns the commands given before it.
    private func logging(_ command: Command) -> [Command] {
        log.withLock { log in
            defer { log.append(command) }
            return log
        }
    }

    func capture(_ command: Command) async throws(StorageError) -> CommandRunner.Output {
        answer(command, logging(command))
    }

    /// What each streaming tool was given on its standard input, by "program arg arg".
    func input(of line: String) -> [UInt8]? { given.withLock { $0[line] } }

    /// How each streaming tool ended, by "program arg arg": "finished" or "cancelled".
    func ending(of line: String) -> String? { ended.withLock { $0[line] } }

    func start(_ command: Command, _ direction: StreamDirection) throws(StorageError) -> any StreamingTool {
        let earlier = logging(command)
        let line = command.line
        given.withLock { $0[line] = [] }
        return RecordedTool(
            output: direction == .output ? streamed(command) : [], result: answer(command, earlier), command: command,
            keep: { bytes in self.given.withLock { $0[line, default: []] += bytes } },
            end: { how in self.ended.withLock { $0[line] = how } })
    }
}

extension Command {
    /// "program arg arg", environment left out: how recorded steps name a command.
    var line: String { ([program] + arguments).joined(separator: " ") }
}

/// A streaming tool played back: its recorded output in pieces, what it is
/// written kept, its recorded exit status and words at the end.
final class RecordedTool: StreamingTool {
    private let output: [UInt8]
    private let result: CommandRunner.Output
    private let command: Command
    private let keep: @Sendable ([UInt8]) -> Void
    private let end: @Sendable (String) -> Void
    private let offset = Mutex(0)

    init(
        output: [UInt8], result: CommandRunner.Output, command: Command, keep: @escaping @Sendable ([UInt8]) -> Void,
        end: @escaping @Sendable (String) -> Void
    ) {
        self.output = output
        self.result = result
        self.command = command
        self.keep = keep
        self.end = end
    }

    func write(_ bytes: [UInt8]) async throws(StorageError) { keep(bytes) }

    func read() async throws(StorageError) -> [UInt8]? {
        let range: Range<Int> = offset.withLock { start in
            let end = min(start + (64 << 10), output.count)
            defer { start = end }
            return start..<end
        }
        return range.isEmpty ? nil : Array(output[range])
    }

    func finish() async throws(StorageError) {
        end("finished")
        try CommandRunner.requireSuccess(result, of: command)
    }

    func cancel() async { end("cancelled") }
}
