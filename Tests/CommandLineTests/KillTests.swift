import Foundation
import Testing

/// Processes killed at random points while they (re)define a pool: the
/// config on disk is always a whole pool definition, the old one or the new.
@Suite("config files survive killed writers")
struct KillTests {
    @Test func killedDefinesLeaveWholeConfigs() throws {
        let base = NSTemporaryDirectory() + "virtstorage-kill-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let env = ["VIRT_STORAGE_ROOT": base + "/root"]
        let uuid = "1c13165a-d0f4-3aee-b447-30fb38789091"
        func xml(_ i: Int) -> String {
            "<pool type='dir'><name>k</name><uuid>\(uuid)</uuid><target><path>/srv/k\(i)</path></target></pool>"
        }
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try xml(0).write(toFile: base + "/0.xml", atomically: true, encoding: .utf8)
        // Kill points spread over a whole run's duration, measured here, so
        // that the test kills mid-way on a loaded machine as on an idle one.
        let started = ContinuousClock.now
        #expect(
            try Executables.run(Executables.virtStorage, ["pool-define", base + "/0.xml"], environment: env).status == 0
        )
        let runMicroseconds = max(20_000, Int((ContinuousClock.now - started) / .microseconds(1)))
        let config = base + "/root/etc/storage/k.xml"
        var rng = SystemRandomNumberGenerator()
        var killed = 0
        var completed = 0
        for i in 1...60 {
            let file = base + "/\(i).xml"
            try xml(i).write(toFile: file, atomically: true, encoding: .utf8)
            let before = try String(contentsOfFile: config, encoding: .utf8)
            let process = Process()
            process.executableURL = Executables.virtStorage
            process.arguments = ["-q", "pool-define", file]
            process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(Int.random(in: runMicroseconds / 5...runMicroseconds * 3 / 2, using: &rng)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { killed += 1 } else { completed += 1 }
            let after = try String(contentsOfFile: config, encoding: .utf8)
            #expect(
                after == before || after.contains("<path>/srv/k\(i)</path>"), "torn config after kill \(i):\n\(after)")
            #expect(after.hasPrefix("<pool type='dir'>") && after.hasSuffix("</pool>\n"))
        }
        print(
            "kill test: 60 pool-define processes, \(killed) killed mid-way, \(completed) finished; every config whole")
        #expect(killed > 0 && completed > 0)
        // The host still opens and reads the pool.
        let list = try Executables.run(Executables.virtStorage, ["pool-list", "--all", "--name"], environment: env)
        #expect(list.stdout.hasPrefix("k "))
        // A killed writer's temporary ("k.xml.new.<pid>") is gone after the next start.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: base + "/root/etc/storage")
        #expect(leftovers.allSatisfy { !$0.contains(".new.") }, "\(leftovers)")
    }
}
