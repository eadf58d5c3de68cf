import Foundation
import Testing

/// Ctrl-C (SIGINT) in the middle of a long virt-storage job: the job stops,
/// the half-made volume is removed, the process says so and exits with
/// status 1.
@Suite("virt-storage stops a job on Ctrl-C", .serialized)
struct InterruptTests {
    struct Place {
        let base = NSTemporaryDirectory() + "virtstorage-interrupt-\(UUID().uuidString.prefix(8))"
        var env: [String: String] { ["VIRT_STORAGE_ROOT": base + "/root"] }
        var jobs: String { base + "/root/run/storage/jobs" }
        var pool: String { base + "/pool" }

        init() throws {
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            let made = try Executables.run(
                Executables.virtStorage, ["pool-create-as", "p", "dir", "--target", pool, "--build"], environment: env)
            #expect(made.status == 0, "\(made.stderr)")
        }

        func start(_ args: [String], input: Pipe? = nil) throws -> (Process, Pipe) {
            let process = Process()
            process.executableURL = Executables.virtStorage
            process.arguments = args
            process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            if let input { process.standardInput = input }
            try process.run()
            return (process, err)
        }

        /// Waits (up to 30 s) until the job's note is written: the job has begun.
        func waitForJob(_ process: Process) {
            let deadline = ContinuousClock.now + .seconds(30)
            while process.isRunning && ContinuousClock.now < deadline
                && ((try? FileManager.default.contentsOfDirectory(atPath: jobs)) ?? []).isEmpty
            {
                usleep(500)
            }
        }

        func volumes() throws -> String {
            try Executables.run(Executables.virtStorage, ["vol-list", "p"], environment: env).stdout
        }
    }

    /// A volume of `mebibytes` MiB of data (no holes), the source of a long copy.
    static func writeSource(_ path: String, mebibytes: Int) throws {
        let chunk = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 13 | 1) })
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        for _ in 0..<mebibytes { try handle.write(contentsOf: chunk) }
        try handle.close()
    }

    /// 512 MiB of data: qemu-img takes a quarter of a second here, and the
    /// interrupt comes as soon as the job's note is written.
    @Test func aCopyIntoQcow2StopsAndLeavesNoVolume() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        try Self.writeSource(place.pool + "/big.raw", mebibytes: 512)
        let xml = place.base + "/copy.xml"
        try "<volume><name>copy.qcow2</name><capacity unit='M'>512</capacity><target><format type='qcow2'/></target></volume>"
            .write(toFile: xml, atomically: true, encoding: .utf8)
        let (process, err) = try place.start(["vol-create-from", "p", xml, "big.raw", "--inputpool", "p"])
        place.waitForJob(process)
        #expect(process.isRunning, "the copy was still running when interrupted")
        kill(process.processIdentifier, SIGINT)
        let said = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1 && process.terminationReason == .exit)
        #expect(said.contains("error: Failed to create vol from"), "\(said)")
        #expect(said.contains("operation aborted:") && said.contains("was cancelled"), "\(said)")
        #expect(!FileManager.default.fileExists(atPath: place.pool + "/copy.qcow2"), "the half-made volume is gone")
        #expect(!(try place.volumes().contains("copy.qcow2")))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: place.jobs)) ?? []).isEmpty, "no job note left")
    }

    @Test func anImportFromAPipeStopsAndLeavesNoVolume() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        try Self.writeSource(place.pool + "/big.raw", mebibytes: 96)
        _ = try Executables.run(Executables.virtStorage, ["pool-refresh", "p"], environment: place.env)
        let stream = place.base + "/big.vs"
        let exported = try Executables.run(
            Executables.virtStorage, ["vol-export", "--pool", "p", "big.raw", stream], environment: place.env)
        #expect(exported.status == 0, "\(exported.stderr)")
        let bytes = try FileHandle(forReadingFrom: URL(fileURLWithPath: stream))
        defer { try? bytes.close() }

        // virt-storage may stop reading before the test stops writing: a write then fails instead of killing the tests.
        signal(SIGPIPE, SIG_IGN)
        let input = Pipe()
        let (process, err) = try place.start(["vol-import", "p", "slow", "-"], input: input)
        try input.fileHandleForWriting.write(contentsOf: try bytes.read(upToCount: 64 << 20) ?? Data())
        place.waitForJob(process)
        kill(process.processIdentifier, SIGINT)
        usleep(200_000)
        // More of the stream arrives: the import sees it was cancelled.
        try? input.fileHandleForWriting.write(contentsOf: try bytes.read(upToCount: 8 << 20) ?? Data())
        try? input.fileHandleForWriting.close()
        let said = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(said.contains("operation aborted: the import of volume 'slow' was cancelled"), "\(said)")
        #expect(!FileManager.default.fileExists(atPath: place.pool + "/slow"))
        #expect(!(try place.volumes().contains("slow")))
    }
}
