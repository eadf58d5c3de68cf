import Foundation
import Synchronization

/// The real services that some suites test against, started on first need
/// by the same scripts `Scripts/test.sh` uses, so that a plain `swift test`
/// (as root, after `Scripts/bootstrap.sh`) runs every suite. A service that
/// was already running (Scripts/test.sh starts them all first) is used as it
/// is and left running. One that a test process started is stopped once the
/// last test process that used it has exited: not while a process exits
/// (under libgfapi's timer threads that can abort it, RELIABILITY.md), and
/// not while a later run uses it (`swift test` right after another would
/// otherwise lose its services halfway). Every process that uses a service
/// registers in ``TestServices/registry``; starting and stopping take its lock.
public enum TestService: String, Sendable, CaseIterable {
    /// libvirtd 9.0's storage and secret drivers (`Scripts/libvirt-up.sh`).
    case libvirtd = "libvirt"
    /// A private glusterd with volume gv0 (`Scripts/gluster-up.sh`).
    case gluster
    /// A one-node Ceph cluster (`Scripts/ceph-up.sh`).
    case ceph
    /// tgtd with three iSCSI targets on 127.0.0.1 (`Scripts/tgt-up.sh`).
    case tgt

    /// The package's Scripts directory, found from this file.
    static let scripts: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Scripts").path

    var upScript: String { "\(Self.scripts)/\(rawValue)-up.sh" }
    var downScript: String { "\(Self.scripts)/\(rawValue)-down.sh" }

    /// nil when the service is up (started now if it was not), otherwise why
    /// not, naming the command that starts it.
    public var unavailable: String? { TestServices.shared.ensure(self) }

    /// Whether the service is up (started now if it was not).
    public var available: Bool { unavailable == nil }

    /// Output of the up script, when it ran here (ceph-up prints its ceph.conf).
    public var startOutput: String? { TestServices.shared.output(of: self) }
}

final class TestServices: Sendable {
    static let shared = TestServices()

    private struct State {
        var outcome: [TestService: String?] = [:]
        var output: [TestService: String] = [:]
        var used: [TestService] = []
        var stopRegistered = false
    }
    private let state = Mutex(State())

    func output(of service: TestService) -> String? {
        _ = ensure(service)
        return state.withLock { $0.output[service] }
    }

    /// Runs the service's up script once per process (it returns at once when
    /// the service is already running) and remembers the answer.
    func ensure(_ service: TestService) -> String? {
        state.withLock { state in
            if let known = state.outcome[service] { return known }
            let outcome = start(service, into: &state)
            state.outcome[service] = outcome
            return outcome
        }
    }

    /// Where test processes register the services they use: `SERVICE.users/PID`
    /// for each user, `SERVICE.started-by-tests` while a test process's start
    /// holds, and `lock`, taken around every start and stop.
    /// `Scripts/test.sh` removes the markers of the services it runs itself.
    static let registry = "/tmp/virtstorage-test-services"

    private func start(_ service: TestService, into state: inout State) -> String? {
        let command = "Scripts/\(service.rawValue)-up.sh"
        guard getuid() == 0 else { return "\(service.rawValue) needs root: run \(command) as root, or Scripts/test.sh" }
        guard FileManager.default.isExecutableFile(atPath: service.upScript) else {
            return "\(service.upScript) is missing"
        }
        let users = "\(Self.registry)/\(service.rawValue).users"
        try? FileManager.default.createDirectory(atPath: users, withIntermediateDirectories: true)
        let lock = open(Self.registry + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        defer { if lock >= 0 { close(lock) } }
        while lock >= 0 && flock(lock, LOCK_EX) != 0 && errno == EINTR {}
        // Registered before the start: a stopper that runs later sees this process.
        _ = FileManager.default.createFile(atPath: "\(users)/\(getpid())", contents: nil)
        state.used.append(service)
        if !state.stopRegistered {
            state.stopRegistered = true
            atexit { TestServices.shared.stopWhenUnused() }
        }
        guard let result = try? Self.run(service.upScript), result.status == 0 else {
            return "\(command) failed; run it by hand to see why"
        }
        state.output[service] = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The scripts say "already running" when Scripts/test.sh, a person or another test process started it.
        if !result.all.contains("already running") {
            _ = FileManager.default.createFile(atPath: "\(Self.registry)/\(service.rawValue).started-by-tests", contents: nil)
        }
        return nil
    }

    /// At exit: once this process is gone, each service it used is stopped
    /// if a test process started it and no live test process uses it.
    private func stopWhenUnused() {
        let services = state.withLock { state in
            defer { state.used = [] }
            return state.used
        }
        guard !services.isEmpty else { return }
        let pid = getpid()
        let steps = services.reversed().map { service in
            let base = "\(Self.registry)/\(service.rawValue)"
            return """
                rm -f \(base).users/\(pid); live=0
                for f in \(base).users/*; do [ -e "$f" ] || continue
                  if kill -0 "${f##*/}" 2>/dev/null; then live=1; else rm -f "$f"; fi; done
                if [ $live = 0 ] && [ -e \(base).started-by-tests ]; then \(service.downScript); rm -f \(base).started-by-tests; fi
                """
        }
        Self.runAfterExit("exec 9>>\(Self.registry)/lock; flock 9\n" + steps.joined(separator: "\n"))
    }

    /// Runs a script once this process has exited, from a shell of its own
    /// (in a session of its own, every output on /dev/null).
    private static func runAfterExit(_ script: String) {
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        shell.arguments = [
            "/bin/sh", "-c",
            "while kill -0 \(getpid()) 2>/dev/null; do sleep 0.2; done\n" + script,
        ]
        shell.standardInput = FileHandle.nullDevice
        shell.standardOutput = FileHandle.nullDevice
        shell.standardError = FileHandle.nullDevice
        try? shell.run()
    }

    /// Runs a script with its output in files, not pipes (the daemons it
    /// starts could hold a pipe open as long as they run), and waits for that
    /// one child with waitpid (the script leaves its daemons behind).
    private static func run(_ script: String) throws -> (status: Int32, stdout: String, all: String) {
        let base = NSTemporaryDirectory() + "virtstorage-service-\(getpid())-\(UUID().uuidString)"
        defer {
            unlink(base + ".out")
            unlink(base + ".err")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, base + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, base + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Nothing else of the test process (its output pipes above all) goes to the daemons.
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(script), nil]
        defer { free(argv[0]) }
        let spawned = posix_spawn(&pid, script, &actions, nil, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let stdout = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
        return (exit, stdout, stdout + stderr)
    }
}
