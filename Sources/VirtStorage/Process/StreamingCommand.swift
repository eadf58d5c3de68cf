import CStorageSys
import Foundation

/// A tool that takes or gives a stream of bytes while it runs (`btrfs
/// receive` reads one on its standard input, `btrfs send` writes one on its
/// standard output): the caller writes or reads the other end as the tool
/// goes, then ``finish()`` waits for it and throws its failure in libvirt's
/// words. What the tool says on its standard error goes to an unlinked
/// temporary file, so a chatty tool never blocks.
///
/// The caller's end is a socket rather than a pipe, so that a write to a
/// tool that died fails with EPIPE instead of raising SIGPIPE in the
/// embedding process. A command dropped before it finished is killed and reaped.
/// With ``StreamDirection/input`` the tool's standard output is discarded;
/// with ``StreamDirection/output`` its standard input is /dev/null.
package final class StreamingCommand: StreamingTool, @unchecked Sendable {
    package typealias Direction = StreamDirection

    package let command: Command
    private let pid: pid_t
    private var end: Int32
    private let errors: Int32
    private let lock = NSLock()
    private var reaped = false
    private var result: CommandRunner.Output?

    /// Starts `command` with the caller's end of its `direction` stream.
    package init(_ command: Command, _ direction: Direction) throws(StorageError) {
        self.command = command
        let (executable, argv, envp) = try CommandRunner.prepared(command)
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw SystemError.make("cannot create a socket for '\(command.program)'", path: command.program)
        }
        var template = Array("/tmp/virtstorage-stderr-XXXXXX".utf8CString)
        let errors = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard errors >= 0 else {
            close(pair[0])
            close(pair[1])
            throw SystemError.make("cannot create a file for the errors of '\(command.program)'", path: "/tmp")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        _ = fcntl(errors, F_SETFD, FD_CLOEXEC)
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer {
            close(pair[1])
            if null >= 0 { close(null) }
        }
        let spawned = CommandRunner.spawn(
            executable, argv, envp, stdin: direction == .input ? pair[1] : nil,
            stdout: direction == .output ? pair[1] : null, stderr: errors)
        switch spawned {
        case .success(let started):
            pid = started
            end = pair[0]
            self.errors = errors
        case .failure(let failure):
            close(pair[0])
            close(errors)
            throw StorageError(
                .operationFailed, "cannot run \(executable): \(String(cString: strerror(failure.code)))",
                value: command.program, errno: failure.code)
        }
    }

    deinit {
        if !reaped {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
        if end >= 0 { close(end) }
        close(errors)
    }

    /// Writes all of `bytes` to the tool (``Direction/input``) on a data
    /// thread. A tool that stopped reading fails the write with its own words.
    package func write(_ bytes: [UInt8]) async throws(StorageError) {
        let fd = end
        let program = command.program
        let sent: Int32 = try await BlockingIO.run { () throws(StorageError) -> Int32 in
            var written = 0
            while written < bytes.count {
                let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + written, $0.count - written, Int32(MSG_NOSIGNAL)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno == EPIPE || errno == ECONNRESET { return errno }
                    throw SystemError.make("cannot write to '\(program)'", path: program)
                }
                written += n
            }
            return 0
        }
        // The tool is gone: its exit status and words say why.
        if sent != 0 {
            try await finish()
            throw StorageError(.operationFailed, "'\(program)' stopped reading before the stream ended", value: program)
        }
    }

    /// Up to 1 MiB the tool wrote (``Direction/output``); nil once it closed its output.
    package func read() async throws(StorageError) -> [UInt8]? {
        try await read(count: 1 << 20)
    }

    /// Up to `count` bytes the tool wrote; nil once it closed its output.
    package func read(count: Int) async throws(StorageError) -> [UInt8]? {
        let fd = end
        let program = command.program
        let bytes = try await BlockingIO.run { () throws(StorageError) -> [UInt8] in
            try SystemCalls.readSome(fd, count: count, path: program, "cannot read the output of '\(program)'")
        }
        return bytes.isEmpty ? nil : bytes
    }

    /// Closes the caller's end, waits for the tool, and throws unless it
    /// exited with status 0.
    package func finish() async throws(StorageError) {
        let output = await wait()
        try CommandRunner.requireSuccess(output, of: command)
    }

    /// Stops the tool at once (the stream it was given is not to be used)
    /// and waits for it.
    package func cancel() async {
        // Once reaped, the pid may be another process's.
        if !lock.withLock({ reaped }) { kill(pid, SIGKILL) }
        _ = await wait()
    }

    private func wait() async -> CommandRunner.Output {
        if let result = lock.withLock({ result }) { return result }
        lock.withLock {
            if end >= 0 { close(end) }
            end = -1
        }
        let pid = pid
        let status: Int32 = (try? await BlockingIO.run { () throws(StorageError) -> Int32 in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return status
        }) ?? 0
        lock.withLock { reaped = true }
        var said: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var offset: off_t = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(errors, $0.baseAddress, $0.count, offset) }
            guard n > 0 else { break }
            said.append(contentsOf: buffer[0..<n])
            offset += off_t(n)
        }
        let output = CommandRunner.Output(
            status: CommandRunner.exitCode(status),
            stderr: String(decoding: said, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        lock.withLock { result = output }
        return output
    }
}
