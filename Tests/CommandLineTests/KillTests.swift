import Foundation
import Testing

/// Processes killed at random points while they (re)define a pool: the
/// config on disk is always a whole pool definition, the old one or the new.
/// Refreshes killed at random points: the saved volume table is the last
/// whole one or none, and the next process's listing is the truth.
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

    @Test func killedRefreshesLeaveTablesThatListTheTruth() throws {
        let base = NSTemporaryDirectory() + "virtstorage-kill-refresh-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let dir = base + "/pool"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for i in 0..<3000 {
            #expect(FileManager.default.createFile(atPath: dir + "/f\(i).img", contents: Data(count: i % 7 * 512)))
        }
        let env = ["VIRT_STORAGE_ROOT": base + "/root"]
        let vs = Executables.virtStorage
        #expect(try Executables.run(vs, ["pool-create-as", "k", "dir", "--target", dir], environment: env).status == 0)
        // Files older than the settling time keep their records from one process to the next.
        Thread.sleep(forTimeInterval: 2.2)
        let started = ContinuousClock.now
        #expect(try Executables.run(vs, ["pool-refresh", "k"], environment: env).status == 0)
        let runMicroseconds = max(20_000, Int((ContinuousClock.now - started) / .microseconds(1)))
        var rng = SystemRandomNumberGenerator()
        var killed = 0
        for round in 0..<30 {
            // Some files grow, some go, some come.
            for _ in 0..<20 {
                let path = dir + "/f\(Int.random(in: 0..<3000, using: &rng)).img"
                if Bool.random(using: &rng), let handle = FileHandle(forWritingAtPath: path) {
                    handle.seekToEndOfFile()
                    handle.write(Data(count: 4096))
                    handle.closeFile()
                } else {
                    unlink(path)
                }
            }
            #expect(FileManager.default.createFile(atPath: dir + "/new\(round).img", contents: Data(count: round)))
            let process = Process()
            process.executableURL = vs
            process.arguments = ["-q", "pool-refresh", "k"]
            process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(Int.random(in: runMicroseconds / 5...runMicroseconds, using: &rng)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { killed += 1 }
            // The next process, from whatever table is there, against a host that never saw one.
            let listed = try Executables.run(vs, ["vol-list", "k", "--details"], environment: env)
            let fresh = ["VIRT_STORAGE_ROOT": base + "/fresh\(round)"]
            #expect(try Executables.run(vs, ["pool-create-as", "k", "dir", "--target", dir], environment: fresh).status == 0)
            let truth = try Executables.run(vs, ["vol-list", "k", "--details"], environment: fresh)
            #expect(listed.status == 0 && listed.stdout == truth.stdout, "round \(round)")
        }
        print("kill test: 30 pool-refresh processes of 3000 files, \(killed) killed mid-way; every next listing true")
        #expect(killed > 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: base + "/root/run/storage")
        #expect(leftovers.allSatisfy { !$0.contains(".new.") }, "\(leftovers)")
    }
}
