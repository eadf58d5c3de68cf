import CStorageSys
import Foundation

/// Runs a Command as an argv array, never through a shell. A failure carries
/// the tool's own message from its standard error.
public enum CommandRunner {
    public struct Output: Sendable, Equatable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public init(status: Int32 = 0, stdout: String = "", stderr: String = "") {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }

        /// What the tool said, on one line: its standard error, else its standard output.
        public var message: String {
            let text = stderr.contains(where: { !$0.isWhitespace }) ? stderr : stdout
            return text.split(separator: "\n").joined(separator: " ")
        }
    }

    /// Directories searched for bare program names, as libvirt does.
    static let searchPath = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"]

    static func resolve(_ program: String) -> String? {
        // An absolute path must name an executable too, as libvirt checks (virFindFileInPath).
        if program.hasPrefix("/") { return SystemCalls.isAccessible(program, X_OK) ? program : nil }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for dir in path + searchPath {
            let candidate = dir + "/" + program
            if SystemCalls.isAccessible(candidate, X_OK) { return candidate }
        }
        return nil
    }

    /// Runs `command`; throws unless it exits with status 0.
    @discardableResult
    public static func run(_ command: Command) async throws(StorageError) -> Output {
        try await SystemCommandRunner().run(command)
    }

    /// Throws unless the tool exited with status 0, in libvirt's words
    /// (virCommandRun): the command line as run, the status, and the tool's
    /// standard error as it wrote it.
    static func requireSuccess(_ output: Output, of command: Command) throws(StorageError) {
        guard output.status != 0 else { return }
        throw failure(output, of: command)
    }

    /// libvirt's error for a tool that failed; `stderr` replaces what the
    /// tool wrote where a backend leaves its noise out.
    static func failure(_ output: Output, of command: Command, stderr: String? = nil) -> StorageError {
        let environment = command.environment.keys.sorted().map { "\($0)=\(Command.shellEscape(command.environment[$0]!)) " }
        let argv = ([resolve(command.program) ?? command.program] + command.arguments).map(Command.shellEscape)
        let stderr = stderr ?? output.stderr
        let said = stderr.isEmpty ? "" : ": " + stderr
        return StorageError(
            .internalError,
            "Child process (\(environment.joined())\(argv.joined(separator: " "))) unexpected exit status \(output.status)\(said)",
            value: command.arguments.joined(separator: " "),
            hint: stderr.isEmpty && !output.stdout.isEmpty ? output.message : nil)
    }

    /// Runs `command` and returns its status and output, whatever the
    /// status. A cancelled task stops the tool (SIGTERM) and throws
    /// ``StorageError/Code/operationAborted``.
    public static func capture(_ command: Command) async throws(StorageError) -> Output {
        let (executable, argv, envp) = try prepared(command)
        let flag = CancellationFlag()
        let output = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Output, Never>) in
                // Off the cooperative pool: this thread blocks in poll until the tool exits.
                DispatchQueue.global().async {
                    continuation.resume(returning: spawnAndCollect(executable, argv, envp, cancelled: flag))
                }
            }
        } onCancel: {
            flag.cancel()
        }
        if flag.isCancelled {
            throw StorageError(.operationAborted, "'\(command.program)' was cancelled", value: command.program)
        }
        return output
    }

    /// The program's path, its argv and its environment (the process's, with
    /// the command's own added): what a spawn takes.
    static func prepared(_ command: Command) throws(StorageError) -> (String, [String], [String]) {
        guard let executable = resolve(command.program) else {
            throw StorageError(
                .operationFailed, "Cannot find '\(command.program)' in path: install it (see Scripts/bootstrap.sh)",
                value: command.program)
        }
        var environment = ProcessInfo.processInfo.environment
        environment.merge(command.environment) { $1 }
        return (executable, [executable] + command.arguments, environment.map { "\($0.key)=\($0.value)" })
    }

    /// Spawns the tool with stdin on /dev/null and both outputs on pipes, and
    /// reads them until it exits. A tool may leave a daemon behind that keeps
    /// the pipes open (mount.glusterfs does), so end of file alone cannot mark
    /// the end of its output: the exit does.
    private static func spawnAndCollect(
        _ executable: String, _ argv: [String], _ envp: [String], cancelled: CancellationFlag
    ) -> Output {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard vs_pipe_cloexec(&outPipe) == 0, vs_pipe_cloexec(&errPipe) == 0 else {
            return Output(status: 127, stderr: "cannot create pipes: \(String(cString: strerror(errno)))")
        }
        let spawned = spawn(executable, argv, envp, stdin: nil, stdout: outPipe[1], stderr: errPipe[1])
        close(outPipe[1])
        close(errPipe[1])
        defer {
            close(outPipe[0])
            close(errPipe[0])
        }
        let pid: pid_t
        switch spawned {
        case .success(let started): pid = started
        case .failure(let failure):
            return Output(status: 127, stderr: "cannot run \(executable): \(String(cString: strerror(failure.code)))")
        }

        var collected: [[UInt8]] = [[], []]
        var fds = [outPipe[0], errPipe[0]].map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        for fd in fds { _ = fcntl(fd.fd, F_SETFL, fcntl(fd.fd, F_GETFL) | O_NONBLOCK) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var status: Int32 = 0
        var exited = false
        var stopped = false
        while true {
            if !stopped && !exited && cancelled.isCancelled {
                kill(pid, SIGTERM)
                stopped = true
            }
            _ = poll(&fds, nfds_t(fds.count), exited ? 0 : 50)
            for i in fds.indices where fds[i].fd >= 0 {
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress, $0.count) }
                    if n > 0 {
                        collected[i].append(contentsOf: buffer[0..<n])
                        continue
                    }
                    if n == 0 || (errno != EAGAIN && errno != EINTR) { fds[i].fd = -1 }
                    break
                }
            }
            // After the exit, one more pass drains what the tool wrote; then stop.
            if exited || !fds.contains(where: { $0.fd >= 0 }) && waitpid(pid, &status, 0) == pid { break }
            exited = waitpid(pid, &status, WNOHANG) == pid
        }
        return Output(
            status: exitCode(status), stdout: String(decoding: collected[0], as: UTF8.self),
            stderr: String(decoding: collected[1], as: UTF8.self))
    }

    struct SpawnError: Error { let code: Int32 }

    /// Starts `executable` with the given descriptors as its standard
    /// streams (stdin on /dev/null when nil), every other descriptor closed,
    /// and signals as a fresh process has them. Returns its pid, or the errno
    /// of posix_spawn.
    static func spawn(
        _ executable: String, _ argv: [String], _ envp: [String], stdin: Int32?, stdout: Int32, stderr: Int32
    ) -> Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        vs_spawn_close_from(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        var allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnvp = envp.map { strdup($0) } + [nil]
        defer { (cArgv + cEnvp).forEach { free($0) } }
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, cArgv, cEnvp)
        return spawned == 0 ? .success(pid) : .failure(SpawnError(code: spawned))
    }

    /// A status from waitpid as a shell reports it: the exit code, or 128 + the signal.
    static func exitCode(_ status: Int32) -> Int32 {
        status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
