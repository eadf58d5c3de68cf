import Foundation

/// Reads /proc/*/cmdline on a thread until stopped, keeping the command lines
/// of the processes running `program`.
final class ProcessListWatcher: @unchecked Sendable {
    let program: String
    private let lock = NSLock()
    private var lines: Set<String> = []
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    init(program: String) { self.program = program }

    func start() {
        Thread.detachNewThread { [self] in
            while lock.withLock({ running }) {
                for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
                where pid.first?.isNumber == true {
                    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else {
                        continue
                    }
                    let argv = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                    if argv.first?.hasSuffix("/" + program) == true || argv.first == program {
                        let line = argv.joined(separator: " ")
                        lock.withLock { _ = lines.insert(line) }
                    }
                }
                usleep(2000)
            }
            done.signal()
        }
    }

    func stop() -> Set<String> {
        lock.withLock { running = false }
        done.wait()
        return lock.withLock { lines }
    }
}
