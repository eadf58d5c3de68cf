import Foundation
import Logging
import Synchronization

/// Where the C libraries' own log lines go (librados, libgfapi, libiscsi):
/// nowhere while the host's logger drops debug lines, which is the default;
/// into the logger, at debug level and with the library named, when it
/// keeps them (`virt-storage --debug`). A library never writes to the
/// process's stderr on its own.
public enum NativeLog {
    /// Whether `logger` wants the libraries' lines at all.
    public static func wanted(by logger: Logger) -> Bool { logger.logLevel <= .debug }

    /// A path a library that logs only to a file can open for writing: the
    /// write end of a pipe whose lines go to `logger`, or `/dev/null` when
    /// the logger does not want them.
    public static func path(library: String, logger: Logger) -> String {
        guard wanted(by: logger) else { return "/dev/null" }
        return pipes.withLock { pipes in
            if let fd = pipes[library] { return "/proc/self/fd/\(fd)" }
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { return "/dev/null" }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            pipes[library] = ends[1]
            let reader = ends[0]
            let thread = Thread { forward(reader, library: library, to: logger) }
            thread.name = "virtstorage-log-\(library)"
            thread.start()
            return "/proc/self/fd/\(ends[1])"
        }
    }

    /// Logs one line a library handed to a callback (libiscsi's log function).
    public static func log(_ line: String, library: String, to logger: Logger) {
        logger.debug("\(line)", metadata: ["library": .string(library)])
    }

    /// Write ends by library; they stay open for the life of the process,
    /// as the libraries keep their log files open.
    private static let pipes = Mutex<[String: Int32]>([:])

    private static func forward(_ fd: Int32, library: String, to logger: Logger) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            pending += buffer[..<n]
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                if !line.isEmpty { log(line, library: library, to: logger) }
            }
        }
        close(fd)
    }
}
