import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// The crash-recovery log of volume jobs: what a killed process leaves is
/// found, what a living one writes is not, and the log stays small.
@Suite("volume job log in the state directory")
struct JobJournalTests {
    /// A log as a process that no longer exists would have left it.
    static func deadLog(_ directory: String, _ lines: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // pid_max is at most 2^22: this pid is never running.
        let path = directory + "/\(1 << 23)-1234-1.log"
        try lines.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    static let begin = #"{"job":"creation","pool":"p","volume":"%@","pid":8388608,"seconds":5,"nanoseconds":6}"#

    @Test func openJobsOfAGoneProcessAreOrphansUntilSettled() throws {
        let scratch = Scratch("jobs-dead")
        let journal = VolumeJobJournal(state: scratch.path)
        let log = try Self.deadLog(
            journal.directory,
            "+ 0 " + Self.begin.replacingOccurrences(of: "%@", with: "done.img") + "\n- 0\n"
                + "+ 1 " + Self.begin.replacingOccurrences(of: "%@", with: "half.img") + "\n"
                + "+ 2 {\"job\":\"upl")  // cut short by the kill
        let orphans = journal.orphans()
        #expect(orphans.map(\.entry.volume) == ["half.img"])
        #expect(orphans.map(\.entry.began) == [.init(seconds: 5, nanoseconds: 6)])
        #expect(orphans.map(\.entry.pid) == [1 << 23])
        #expect(FileManager.default.fileExists(atPath: log), "kept while a job is unsettled")
        journal.settle(orphans[0])
        #expect(journal.orphans().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: log))
    }

    @Test func aLivingProcessJobsAreNotOrphansAndItsLogStaysSmall() throws {
        let scratch = Scratch("jobs-live")
        let journal = VolumeJobJournal(state: scratch.path)
        let held = try journal.begin(.upload, pool: "p", volume: "held.img")
        for i in 0..<3000 {
            journal.end(try journal.begin(.creation, pool: "p", volume: "v\(i).img"))
        }
        #expect(journal.orphans().isEmpty, "the writer is alive")
        let logs = try FileManager.default.contentsOfDirectory(atPath: journal.directory)
        #expect(logs.count == 1)
        let log = journal.directory + "/" + logs[0]
        // One job open: nothing may be dropped yet.
        #expect(VolumeJobJournal.openJobs(log).values.map(\.volume) == ["held.img"])
        let grown = try FileManager.default.attributesOfItem(atPath: log)[.size] as? Int ?? 0
        #expect(grown > VolumeJobJournal.compactionSize)
        journal.end(held)
        journal.end(try journal.begin(.creation, pool: "p", volume: "last.img"))
        // The log is zero-filled past its text (it is written through a mapping).
        let text = try Data(contentsOf: URL(fileURLWithPath: log)).prefix { $0 != 0 }
        #expect(text.count < 200, "emptied once no job was open")
        #expect(VolumeJobJournal.openJobs(log).isEmpty)
    }

    @Test func namesWithQuotesAndControlCharactersRoundTrip() throws {
        let scratch = Scratch("jobs-names")
        let journal = VolumeJobJournal(state: scratch.path)
        let name = "a \"b\\c\u{1}\n.img"
        _ = try journal.begin(.creation, pool: "p\"", volume: name)
        let logs = try FileManager.default.contentsOfDirectory(atPath: journal.directory)
        let open = VolumeJobJournal.openJobs(journal.directory + "/" + logs[0])
        #expect(open.values.map(\.volume) == [name])
        #expect(open.values.map(\.pool) == ["p\""])
    }

    /// The log is written through a mapping; a page the filesystem cannot
    /// hold would be a SIGBUS when first touched. Its blocks are written
    /// first, so a full filesystem refuses the note with an error instead.
    @Test func aFullFilesystemRefusesTheNoteWithoutACrash() throws {
        let scratch = Scratch("jobs-full")
        let state = scratch.sub("state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let mounted = try Scratch.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", state])
        try #require(mounted.status == 0, "mount tmpfs: \(mounted.output)")
        defer { _ = try? Scratch.run("/bin/umount", [state]) }
        let filler = try Scratch.run("/bin/dd", ["if=/dev/zero", "of=\(state)/filler", "bs=4096", "count=1024"])
        #expect(filler.status != 0, "the filesystem is full")
        let journal = VolumeJobJournal(state: state)
        #expect(throws: StorageError.self) { try journal.begin(.creation, pool: "p", volume: "v.img") }
        unlink(state + "/filler")
        let ticket = try journal.begin(.creation, pool: "p", volume: "v.img")
        journal.end(ticket)
    }
}
