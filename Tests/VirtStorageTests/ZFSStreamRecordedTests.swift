import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// zfs send and receive as volume streams (`--format zfs-send`), against
/// real OpenZFS output and real send streams recorded in a guest
/// (ZFSRecording): this kernel has no ZFS. Each command the backend runs
/// must be the recorded step's command line, and the bytes zfs receive is
/// given must be the recorded send stream, byte for byte.
@Suite("zfs send/receive streams with recorded OpenZFS output")
struct ZFSStreamRecordedTests {
    typealias R = ZFSRecording

    /// Answers each command with the recorded step that ran it; a command
    /// no step ran fails with status 127. `when` picks among steps of the
    /// same command line by what ran before (a listing after a receive).
    static func runner(
        _ steps: [String], when: @escaping @Sendable (_ step: String, _ earlier: [String]) -> Bool = { _, _ in true }
    ) -> RecordedCommandRunner {
        RecordedCommandRunner(
            seeing: { command, earlier in
                guard let step = steps.first(where: { R.line($0) == command.line && when($0, earlier.map(\.line)) })
                else { return CommandRunner.Output(status: 127, stderr: "not recorded: \(command.line)") }
                return R.output(step)
            },
            streamed: { command in steps.first { R.line($0) == command.line }.map { R.bytes($0 + ".out") } ?? [] })
    }

    /// A host with the zpool `tank` as pool zp and its dataset `tank/backup` as pool bk.
    static func host(_ runner: RecordedCommandRunner, _ scratch: Scratch) async throws -> StorageHost {
        var registry = BackendRegistry.builtIn
        registry.register(ZFSBackend(runner: runner, platform: .linux))
        let host = try await StorageHost(directories: .root(scratch.sub("root")), backends: registry)
        try await host.define(xml: "<pool type='zfs'><name>zp</name><source><name>tank</name></source></pool>")
        try await host.start("zp")
        try await host.define(xml: "<pool type='zfs'><name>bk</name><source><name>tank/backup</name></source></pool>")
        try await host.start("bk")
        return host
    }

    /// The recorded steps of the pools and of tank/vol1 and its snapshots s1 and s2.
    static let pools = [
        "exists", "exists-backup", "pool-properties", "get-usage", "list-volumes", "list-one", "list-snapshots",
    ]

    static func received(_ earlier: [String], _ step: String) -> Bool { earlier.contains(R.line(step)) }

    @Test("a zvol at s1, then s1..s2, travel as zfs send streams and zfs receive gets them byte for byte")
    func wholeThenIncrement() async throws {
        let scratch = Scratch("zfs-send")
        let runner = Self.runner(
            Self.pools + [
                "send-full", "send-increment", "receive-full", "receive-increment",
                "list-received", "list-received-one", "list-backup-empty", "list-backup-vol1-missing",
                "list-received-increment-snapshots", "list-received-snapshots",
            ],
            when: { step, earlier in
                switch step {
                case "list-received", "list-received-one", "list-received-snapshots":
                    Self.received(earlier, "receive-full")
                case "list-received-increment-snapshots": Self.received(earlier, "receive-increment")
                case "list-backup-empty", "list-backup-vol1-missing": !Self.received(earlier, "receive-full")
                default: true
                }
            })
        let host = try await Self.host(runner, scratch)

        let full = scratch.sub("full.vs")
        let header = try await host.exportVolume("vol1", in: "zp", snapshot: "s1", format: "zfs-send", to: full)
        #expect(header.format == "zfs-send" && header.snapshot == "s1" && header.base == nil && header.poolType == "zfs")
        #expect(runner.lines.contains(R.line("send-full")))
        let made = try await host.importVolume("vol1", into: "bk", fromFile: full)
        #expect(made.definition.key == "/dev/zvol/tank/backup/vol1" && made.definition.capacity == 64 << 20)
        let given = runner.input(of: R.line("receive-full")) == R.stream("send-full.out")
        #expect(given, "zfs receive got zfs send's stream")
        #expect(runner.ending(of: R.line("receive-full")) == "finished")
        #expect(try await host.snapshots(of: "vol1", in: "bk").map(\.name) == ["s1"])

        let increment = scratch.sub("inc.vs")
        let changes = try await host.exportVolume(
            "vol1", in: "zp", snapshot: "s2", base: "s1", format: "zfs-send", to: increment)
        #expect(changes.base == "s1" && changes.snapshot == "s2")
        try await host.importVolume("vol1", into: "bk", fromFile: increment)
        let givenIncrement = runner.input(of: R.line("receive-increment")) == R.stream("send-increment.out")
        #expect(givenIncrement, "zfs receive got zfs send -i's stream")
        #expect(try await host.snapshots(of: "vol1", in: "bk").map(\.name) == ["s1", "s2"])

        // The stream file is the zfs stream and a little framing around it.
        let sizes = try [full, increment].map { try FileManager.default.attributesOfItem(atPath: $0)[.size] as! Int }
        let sent = R.stream("send-full.out").count
        #expect(sizes[0] > sent && sizes[0] < sent + 8192)
        #expect(sizes[1] < sizes[0] / 2, "the increment holds what changed: \(sizes)")
    }

    @Test(
        "zfs receive refusing a stream cut short, corrupted or not zfs's says why, and no volume is left",
        arguments: [
            ("receive-truncated", "incomplete stream"), ("receive-corrupted", "checksum mismatch"),
            ("receive-garbage", "invalid stream (bad magic number)"),
        ])
    func receiveRefuses(step: String, words: String) async throws {
        // The stream that zfs receive refused when recorded (NAME.in: zfs
        // send's stream cut, overwritten in its middle, or random bytes),
        // here as if zfs send on the sending side had given it.
        let scratch = Scratch("zfs-receive-fails")
        let steps = Self.pools + [step, "list-backup-empty", "list-vol3-missing", "destroy-vol3-missing"]
        let base = Self.runner(steps)
        let runner = RecordedCommandRunner(
            seeing: { command, earlier in
                command.line == R.line("send-full") ? R.output("send-full") : base.answer(command, earlier)
            },
            streamed: { command in command.line == R.line("send-full") ? R.stream(step + ".in") : [] })
        let host = try await Self.host(runner, scratch)
        let file = scratch.sub("bad.vs")
        try await host.exportVolume("vol1", in: "zp", snapshot: "s1", format: "zfs-send", to: file)
        let error = await #expect(throws: StorageError.self) {
            try await host.importVolume("vol3", into: "bk", fromFile: file)
        }
        #expect(error?.message.contains(words) == true, "\(String(describing: error))")
        let given = runner.input(of: R.line(step)) == R.stream(step + ".in")
        #expect(given, "zfs receive was given the stream it refused when recorded")
        #expect(runner.ending(of: R.line(step)) == "finished", "zfs receive read the stream to its end and refused it")
        #expect(try await host.volumes(in: "bk").isEmpty)
    }

    @Test("a volume stream cut before its verified end never lets zfs receive see the end of its own stream")
    func cutVolumeStream() async throws {
        let scratch = Scratch("zfs-cut")
        let runner = Self.runner(
            Self.pools + ["send-full", "receive-full", "list-backup-empty", "list-backup-vol1-missing"])
        let host = try await Self.host(runner, scratch)
        let file = scratch.sub("full.vs")
        try await host.exportVolume("vol1", in: "zp", snapshot: "s1", format: "zfs-send", to: file)
        // Without its last 16 bytes the file lacks its end record: every
        // piece of zfs's stream is there, but the stream is not known whole.
        let whole = try Data(contentsOf: URL(fileURLWithPath: file))
        try whole.prefix(whole.count - 16).write(to: URL(fileURLWithPath: file))
        let error = await #expect(throws: StorageError.self) {
            try await host.importVolume("vol1", into: "bk", fromFile: file)
        }
        #expect(error?.message.contains("truncated") == true, "\(String(describing: error))")
        #expect(runner.ending(of: R.line("receive-full")) == "cancelled")
        let given = runner.input(of: R.line("receive-full")) ?? []
        let sent = R.stream("send-full.out")
        #expect(given.count < sent.count && sent.starts(with: given), "zfs receive was held short of the end")
        #expect(try await host.volumes(in: "bk").isEmpty)
    }

    @Test("an increment onto a zvol with snapshots newer than its base is refused before zfs receive runs")
    func newerSnapshotsRefused() async throws {
        // tank/backup/vol2 holds s1 and a later s9. Recorded: zfs receive -F
        // of the s1..s2 increment succeeded there and destroyed s9
        // (receive-increment-newer, then list-vol2-snapshots).
        let runner = Self.runner(["list-vol2-newer", "get-usage"])
        let backend = ZFSBackend(runner: runner, platform: .linux)
        let pool = ZFSPoolTests.pool("tank/backup")
        let error = await #expect(throws: StorageError.self) {
            try await backend.receiveStream(
                into: VolumeDefinition(name: "vol2"), in: pool, snapshot: "s2", base: "s1", from: { nil })
        }
        #expect(error?.code == .operationInvalid)
        #expect(error?.message.contains("newer than 's1' ('s9')") == true, "\(String(describing: error))")
        #expect(!runner.lines.contains { $0.hasPrefix("zfs receive") })
    }

    @Test("zfs send's own refusal reaches the reader of the stream")
    func sendRefuses() async throws {
        let runner = Self.runner(["send-missing"])
        let backend = ZFSBackend(runner: runner, platform: .linux)
        let pool = ZFSPoolTests.pool("tank")
        let source = try await backend.sendStream(VolumeDefinition(name: "vol1"), in: pool, snapshot: "nope", base: nil)
        let error = await #expect(throws: StorageError.self) { while try await source.next() != nil {} }
        #expect(error?.message.contains("cannot open 'tank/vol1@nope': dataset does not exist") == true)
    }

    @Test("command lines: send with -i @base, receive with volmode=dev for a new zvol, -F for an increment")
    func commandLines() throws {
        var pool = ZFSPoolTests.pool("tank")
        let vol1 = VolumeDefinition(name: "vol1")
        #expect(try ZFSBackend.sendCommand(vol1, in: pool, snapshot: "s1", base: nil).line == R.line("send-full"))
        #expect(try ZFSBackend.sendCommand(vol1, in: pool, snapshot: "s2", base: "s1").line == R.line("send-increment"))
        pool = ZFSPoolTests.pool("tank/backup")
        #expect(
            try ZFSBackend.receiveCommand(vol1, in: pool, snapshot: "s1", incremental: false, volmode: true).line
                == R.line("receive-full"))
        #expect(
            try ZFSBackend.receiveCommand(vol1, in: pool, snapshot: "s2", incremental: true, volmode: true).line
                == R.line("receive-increment"))
        #expect(throws: StorageError.self) { try ZFSBackend.sendCommand(vol1, in: pool, snapshot: "s2", base: "a@b") }
    }
}
