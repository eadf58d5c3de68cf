import Foundation
import Testing

/// pool-event in one process sees what pool verbs in other processes do, with
/// virsh's output: checked against virsh on a real libvirtd doing the same.
@Suite("pool-event beside virsh on a real libvirtd", .serialized)
struct PoolEventTests {
    /// A pool-event process left running while the scenario happens. Spawned
    /// with an empty signal mask: the test runner blocks SIGINT in its
    /// threads, and Foundation's Process would pass that on to the child.
    final class Watcher {
        let pid: pid_t
        let output: FileHandle

        init(_ program: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw POSIXError(.EMFILE) }
            var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
            posix_spawn_file_actions_addclose(&actions, fds[0])
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var none = sigset_t()
            sigemptyset(&none)
            posix_spawnattr_setsigmask(&attributes, &none)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
            let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
            let argv = [program.path] + arguments
            var cArgv = argv.map { strdup($0) } + [nil]
            var cEnv = env.map { strdup($0) } + [nil]
            defer { (cArgv + cEnv).forEach { free($0) } }
            var child: pid_t = 0
            let status = posix_spawn(&child, program.path, &actions, &attributes, &cArgv, &cEnv)
            close(fds[1])
            guard status == 0 else {
                close(fds[0])
                throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EINVAL)
            }
            pid = child
            output = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
        }

        /// Ctrl-C, as a user ends `pool-event --loop`.
        func interrupt() { kill(pid, SIGINT) }

        func finish() -> (status: Int32, output: String) {
            let data = output.readDataToEndOfFile()
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            let exited = status & 0x7f == 0
            return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), String(decoding: data, as: UTF8.self))
        }
    }

    /// define, build, start, refresh, destroy, delete, undefine; then a
    /// transient pool built, started and destroyed.
    static func scenario(_ run: ([String]) throws -> Executables.Result, name: String, dir: String) throws {
        for args in [
            ["pool-define-as", name, "dir", "--target", dir + "/p1"], ["pool-build", name], ["pool-start", name],
            ["pool-refresh", name], ["pool-destroy", name], ["pool-delete", name], ["pool-undefine", name],
            ["pool-create-as", name + "-t", "dir", "--target", dir + "/p2", "--build"],
            ["pool-destroy", name + "-t"],
        ] {
            let result = try run(args)
            #expect(result.status == 0, "\(args): \(result.stderr)")
        }
    }

    @Test(
        "same events as virsh pool-event, lifecycle and refresh",
        .enabled(
            if: SideBySideTests.libvirtdAvailable,
            "no libvirtd on storage:///system (Scripts/libvirt-up.sh starts one as root)"),
        arguments: ["lifecycle", "refresh"])
    func sameEventsAsVirsh(event: String) throws {
        let base = NSTemporaryDirectory() + "virtstorage-event-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let name = "ev-\(UUID().uuidString.prefix(8).lowercased())"
        let sides = SideBySideTests.Sides(env: ["VIRT_STORAGE_ROOT": base + "/root"])
        let watch = ["pool-event", "--event", event, "--loop"]
        let theirs = try Watcher(Executables.virsh, ["-c", "storage:///system"] + watch)
        let ours = try Watcher(Executables.virtStorage, watch, environment: sides.env)
        Thread.sleep(forTimeInterval: 0.7)
        try Self.scenario(sides.virsh, name: name, dir: base + "/virsh")
        try Self.scenario(sides.ours, name: name, dir: base + "/ours")
        Thread.sleep(forTimeInterval: 1)
        theirs.interrupt()
        ours.interrupt()
        let (virshStatus, expected) = theirs.finish()
        let (status, output) = ours.finish()
        // The shared libvirtd also announces other tests' pools: compare ours.
        func mine(_ text: String) -> [Substring] {
            text.split(separator: "\n").filter { $0.contains(" \(name)") }
        }
        #expect(mine(output) == mine(expected))
        #expect(mine(expected).count == (event == "refresh" ? 1 : 8), "\(expected)")
        #expect(output.hasSuffix("event loop interrupted\nevents received: \(mine(expected).count)\n\n"))
        #expect(expected.contains("event loop interrupted\nevents received: "))
        #expect(status == virshStatus && status == 0)
    }

    @Test(
        "no event before the timeout, bad arguments, --list: as virsh",
        .enabled(
            if: SideBySideTests.libvirtdAvailable,
            "no libvirtd on storage:///system (Scripts/libvirt-up.sh starts one as root)"))
    func edgesAsVirsh() throws {
        let base = NSTemporaryDirectory() + "virtstorage-event-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let sides = SideBySideTests.Sides(env: ["VIRT_STORAGE_ROOT": base + "/root"])
        for args in [
            ["pool-event", "--event", "refresh", "--timeout", "1"], ["pool-event"], ["pool-event", "--list"],
            ["pool-event", "--event", "exploded"], ["pool-event", "--event", "refresh", "--timeout", "0"],
        ] {
            #expect(try sides.ours(args) == sides.virsh(args), "\(args)")
        }
    }

    @Test func oneShotEndsAtTheFirstEventOfThatPoolWithATimestamp() throws {
        let base = NSTemporaryDirectory() + "virtstorage-event-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let env = ["VIRT_STORAGE_ROOT": base + "/root"]
        let run = { (args: [String]) in try Executables.run(Executables.virtStorage, args, environment: env) }
        #expect(try run(["pool-define-as", "watched", "dir", "--target", base + "/w"]).status == 0)
        let watcher = try Watcher(
            Executables.virtStorage,
            ["pool-event", "--event", "lifecycle", "--pool", "watched", "--timestamp", "--timeout", "10"],
            environment: env)
        Thread.sleep(forTimeInterval: 0.7)
        #expect(try run(["pool-define-as", "other", "dir", "--target", base + "/o"]).status == 0)
        #expect(try run(["pool-build", "watched"]).status == 0)
        #expect(try run(["pool-start", "watched"]).status == 0)
        let (status, output) = watcher.finish()
        let lines = output.split(separator: "\n")
        #expect(status == 0 && lines.count == 2, "\(output)")
        #expect(lines.first?.hasSuffix("+0000: event 'lifecycle' for storage pool watched: Created") == true)
        #expect(
            lines.first?.range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: "#, options: .regularExpression)
                != nil)
        #expect(lines.last == "events received: 1")
    }
}
