import Foundation
import Testing

/// virt-storage processes killed (SIGKILL) at random points of volume
/// creation, clone and upload. The next start must find the finished volume
/// or none: a half-made volume is removed and said so on stderr, a half
/// upload is reported; no job note is left behind and the pool config stays
/// whole.
@Suite("volumes survive killed jobs")
struct VolumeKillTests {
    static let size = 64 << 20

    struct Tally {
        var killed = 0
        var finished = 0
        var partialRemoved = 0
        var partialUploads = 0
    }

    /// A started pool "k" in `base`, a 64 MiB source volume full of data,
    /// and the same data in a file to upload.
    static func setUp(_ base: String, _ env: [String: String]) throws -> Data {
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let data = Data((0..<size).map { UInt8(truncatingIfNeeded: ($0 >> 9) &+ $0 &* 31 | 1) })
        try data.write(to: URL(fileURLWithPath: base + "/data.bin"))
        for args in [
            ["pool-define-as", "k", "dir", "--target", base + "/pool"], ["pool-start", "k", "--build"],
            ["vol-create-as", "k", "src.img", "\(size)"], ["vol-upload", "--pool", "k", "src.img", base + "/data.bin"],
            ["vol-create-as", "k", "up.img", "\(size)"],
        ] {
            let result = try Executables.run(Executables.virtStorage, ["-q"] + args, environment: env)
            #expect(result.status == 0, "\(args): \(result.stderr)")
        }
        return data
    }

    /// Runs virt-storage and kills it at a random point; true if it was
    /// killed. Half the kills come at a random part of `duration` after the
    /// start (from a fifth to one and a half times it); the other half at a
    /// random part of it after the job has begun (its note appeared in
    /// `jobs`), so that kills land inside the job even when the start of a
    /// process dominates its run on a loaded machine.
    static func runAndKill(_ args: [String], _ env: [String: String], within duration: Int, jobs: String) throws
        -> Bool
    {
        let process = Process()
        process.executableURL = Executables.virtStorage
        process.arguments = ["-q"] + args
        process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        if Bool.random() {
            usleep(UInt32(Int.random(in: duration / 5...duration * 3 / 2)))
        } else {
            let deadline = ContinuousClock.now + .microseconds(duration * 3)
            while process.isRunning && ContinuousClock.now < deadline
                && ((try? FileManager.default.contentsOfDirectory(atPath: jobs)) ?? []).isEmpty
            {
                usleep(200)
            }
            // The job is the shorter part of a run (the process starts, opens
            // the host, exits): a kill within a third of the run after its
            // note appeared lands inside it more often than not.
            usleep(UInt32(Int.random(in: 0...max(1, duration / 3))))
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal
    }

    /// How long a whole run of `args` takes here, in microseconds.
    static func timed(_ args: [String], _ env: [String: String]) throws -> Int {
        let started = ContinuousClock.now
        let result = try Executables.run(Executables.virtStorage, ["-q"] + args, environment: env)
        #expect(result.status == 0, "\(args): \(result.stderr)")
        return max(20_000, Int((ContinuousClock.now - started) / .microseconds(1)))
    }

    static func fileSize(_ path: String) -> (size: Int, allocated: Int)? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return (Int(st.st_size), Int(st.st_blocks) * 512)
    }

    @Test func killedCreateCloneAndUploadLeaveTheFinishedVolumeOrNone() throws {
        let base = NSTemporaryDirectory() + "virtstorage-volkill-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let env = ["VIRT_STORAGE_ROOT": base + "/root"]
        let data = try Self.setUp(base, env)
        let pool = base + "/pool"
        let config = base + "/root/etc/storage/k.xml"
        let jobs = base + "/root/run/storage/jobs"
        let iterations = 20
        var tallies: [String: Tally] = [:]

        let create = ["vol-create-as", "k", "new.img", "\(Self.size)", "--allocation", "\(Self.size)"]
        let clone = ["vol-clone", "src.img", "copy.img", "--pool", "k"]
        let upload = ["vol-upload", "--pool", "k", "up.img", base + "/data.bin"]
        for (job, args, name) in [
            ("create", create, "new.img"), ("clone", clone, "copy.img"), ("upload", upload, "up.img"),
        ] {
            let duration = try Self.timed(args, env)
            var tally = Tally()
            for i in 0..<iterations {
                // Start from the state before the job: no new volume, or an upload target of zeros.
                if job == "upload" {
                    try Data(count: Self.size).write(to: URL(fileURLWithPath: pool + "/up.img"))
                } else {
                    unlink(pool + "/" + name)
                }
                if try Self.runAndKill(args, env, within: duration, jobs: jobs) {
                    tally.killed += 1
                } else {
                    tally.finished += 1
                }
                // The next start.
                let next = try Executables.run(Executables.virtStorage, ["-q", "vol-list", "k"], environment: env)
                #expect(next.status == 0, "\(job) \(i): \(next.stderr)")
                if next.stderr.contains("removed the partial volume '\(name)'") { tally.partialRemoved += 1 }
                if next.stderr.contains("volume '\(name)' of pool 'k' holds a partial upload") {
                    tally.partialUploads += 1
                }
                #expect(
                    ((try? FileManager.default.contentsOfDirectory(atPath: jobs)) ?? []).isEmpty,
                    "\(job) \(i): notes left")
                let text = try String(contentsOfFile: config, encoding: .utf8)
                #expect(text.hasPrefix("<pool type='dir'>") && text.hasSuffix("</pool>\n"))
                let file = pool + "/" + name
                switch job {
                case "create":
                    // None, or the whole allocated size.
                    if let st = Self.fileSize(file) {
                        #expect(st.size == Self.size && st.allocated >= Self.size, "create \(i): \(st)")
                        #expect(next.stdout.contains("new.img"))
                    }
                case "clone":
                    if Self.fileSize(file) != nil {
                        #expect(FileManager.default.contents(atPath: file) == data, "clone \(i): partial copy kept")
                    }
                default:
                    // The upload target stays; half-written data is said so.
                    let now = FileManager.default.contents(atPath: file)
                    #expect(now?.count == Self.size)
                    if now != data && now != Data(count: Self.size) {
                        #expect(next.stderr.contains("partial upload"), "upload \(i): partial data not reported")
                    }
                }
            }
            tallies[job] = tally
            print(
                "volume kill test, \(job): \(iterations) runs, \(tally.killed) killed, \(tally.finished) finished, \(tally.partialRemoved) partial volumes removed, \(tally.partialUploads) partial uploads reported"
            )
            #expect(tally.killed > 0)
        }
        // The kills land inside the jobs, not only before or after them.
        #expect((tallies["create"]?.partialRemoved ?? 0) + (tallies["clone"]?.partialRemoved ?? 0) > 0)
        #expect((tallies["upload"]?.partialUploads ?? 0) > 0)
    }
}
