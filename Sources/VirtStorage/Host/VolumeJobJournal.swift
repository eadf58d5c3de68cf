import Foundation
import Synchronization

/// Notes in the state directory for volume jobs that change data on disk
/// (creation, upload) while they run. A process killed mid-job leaves its
/// note behind; the next host to open the directories finds it, removes the
/// half-made volume or reports the half-written one, and settles the note.
///
/// Each journal appends to a log of its own, `<state>/jobs/<pid>-<start>-<n>.log`:
/// a line when a job begins (`+ id {json}`) and one when it ends (`- id`),
/// each copied into the log's shared mapping (``MappedLog``: no system call,
/// and kept by the kernel if the process is killed). Every line also starts
/// with a newline, so that a line cut short by a kill ends there; the rest
/// of the file is NUL bytes. A file per job would cost a create, a rename
/// and an unlink for every volume made. The log is emptied whenever no job
/// is open and has grown, and removed when the process exits or the journal
/// goes away with no job open.
final class VolumeJobJournal: Sendable {
    struct Entry: Sendable, Equatable {
        enum Job: String, Sendable { case creation, upload }
        var job: Job
        var pool: String
        var volume: String
        var pid: Int32
        /// When the job began, on the coarse clock that file timestamps use: a
        /// file the job made has a change time at or after it.
        var began: VolumeTimestamps.Time
    }

    /// A job of this journal, for `end`.
    struct Ticket: Sendable { let id: UInt64 }

    /// A job whose writer is gone.
    struct Orphan: Sendable {
        let log: String
        let id: UInt64
        let entry: Entry
    }

    let directory: String
    private let key: Int

    init(state: String) {
        directory = state + "/jobs"
        key = Self.logs.withLock { logs in
            logs.next += 1
            return logs.next
        }
    }

    deinit { Self.logs.withLock { $0.close(key, removing: true) } }

    // MARK: this process's logs

    /// The open logs of this process, one per journal; removed at exit when idle.
    private struct Logs: ~Copyable {
        struct Log {
            var file: MappedLog
            var nextID: UInt64 = 0
            var open = 0
        }
        var next = 0
        var byKey: [Int: Log] = [:]

        mutating func close(_ key: Int, removing: Bool) {
            guard let log = byKey.removeValue(forKey: key) else { return }
            if removing && log.open == 0 { SystemCalls.removeIfPresent(log.file.path) }
        }
    }

    private static let logs: Mutex<Logs> = {
        atexit {
            VolumeJobJournal.logs.withLock { logs in
                for key in Array(logs.byKey.keys) { logs.close(key, removing: true) }
            }
        }
        return Mutex(Logs())
    }()

    /// Past this size a log with no open job is emptied.
    static let compactionSize = 64 << 10

    /// Writes a note for a job of this process.
    func begin(_ job: Entry.Job, pool: String, volume: String) throws(StorageError) -> Ticket {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &now)
        return try Self.logs.withLock { logs throws(StorageError) in
            if logs.byKey[key] == nil {
                try PoolFiles.makeDirectory(directory)
                let path = directory + "/\(Self.ownPID)-\(Self.ownStartTime ?? 0)-\(key).log"
                do throws(StorageError) {
                    logs.byKey[key] = Logs.Log(file: try MappedLog(path: path))
                } catch {
                    throw SystemError.make(
                        "cannot write a job note in \(directory)", path: directory, errno: error.errno ?? EIO)
                }
            }
            let id = logs.byKey[key]!.nextID
            let line = JSONLine.encode(
                [("job", job.rawValue), ("pool", pool), ("volume", volume)],
                numbers: [
                    ("pid", Int64(Self.ownPID)), ("seconds", Int64(now.tv_sec)), ("nanoseconds", Int64(now.tv_nsec)),
                ],
                after: "\n+ \(id) ")
            try Self.append(line, to: logs.byKey[key]!.file)
            logs.byKey[key]!.nextID += 1
            logs.byKey[key]!.open += 1
            return Ticket(id: id)
        }
    }

    func end(_ ticket: Ticket) {
        Self.logs.withLock { logs in
            guard var log = logs.byKey[key] else { return }
            try? Self.append(Self.endLine(ticket.id), to: log.file)
            log.open -= 1
            logs.byKey[key] = log
            guard log.open == 0, log.file.length >= Self.compactionSize else { return }
            // A log that cannot be zero-filled again is shorter than its
            // mapping: it goes, and the next job begins a new one.
            do throws(StorageError) { try log.file.empty() } catch { logs.close(key, removing: true) }
        }
    }

    /// The line that ends job `id`.
    private static func endLine(_ id: UInt64) -> [UInt8] { Array("\n- \(id)\n".utf8) }

    private static func append(_ line: [UInt8], to log: MappedLog) throws(StorageError) {
        do throws(StorageError) {
            try log.append(line)
        } catch {
            throw SystemError.make("cannot write a job note in \(log.path)", path: log.path, errno: error.errno ?? EIO)
        }
    }

    // MARK: recovery

    /// The open jobs of processes that are gone. Logs of gone processes with
    /// nothing open are removed on the way.
    func orphans() -> [Orphan] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var found: [Orphan] = []
        for name in names.sorted() {
            let path = directory + "/" + name
            guard name.hasSuffix(".log") else {
                SystemCalls.removeIfPresent(path)  // a note of an older release, or not ours
                continue
            }
            let parts = name.dropLast(4).split(separator: "-")
            guard parts.count == 3, let pid = Int32(parts[0]), let start = UInt64(parts[1]) else {
                SystemCalls.removeIfPresent(path)
                continue
            }
            if Self.isRunning(pid, startedAt: start) { continue }
            let open = Self.openJobs(path)
            if open.isEmpty { SystemCalls.removeIfPresent(path) }
            found += open.map { Orphan(log: path, id: $0.key, entry: $0.value) }.sorted { $0.id < $1.id }
        }
        return found
    }

    /// Marks an orphan dealt with; the log goes when none of its jobs is left.
    func settle(_ orphan: Orphan) {
        guard
            let fd = try? SystemCalls.open(
                orphan.log, O_WRONLY | O_APPEND | O_NOFOLLOW, "cannot write a job note in \(orphan.log)")
        else { return }
        try? SystemCalls.writeAll(fd, Self.endLine(orphan.id), path: orphan.log, "cannot write a job note in \(orphan.log)")
        SystemCalls.close(fd)
        if Self.openJobs(orphan.log).isEmpty { SystemCalls.removeIfPresent(orphan.log) }
    }

    /// The jobs a log begins and does not end. A line cut short by a kill is
    /// the last one and ignored: its job never started.
    static func openJobs(_ path: String) -> [UInt64: Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        var open: [UInt64: Entry] = [:]
        for line in data.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 2)
            guard fields.count >= 2, let id = UInt64(String(decoding: fields[1], as: UTF8.self)) else { continue }
            if fields[0].elementsEqual("-".utf8) {
                open[id] = nil
            } else if fields[0].elementsEqual("+".utf8), fields.count == 3,
                let line = try? JSONDecoder().decode(Line.self, from: Data(fields[2])),
                let job = Entry.Job(rawValue: line.job)
            {
                open[id] = Entry(
                    job: job, pool: line.pool, volume: line.volume, pid: line.pid,
                    began: .init(seconds: line.seconds, nanoseconds: line.nanoseconds))
            }
        }
        return open
    }

    /// A begin line as written.
    private struct Line: Decodable {
        var job: String
        var pool: String
        var volume: String
        var pid: Int32
        var seconds: Int64
        var nanoseconds: Int64
    }

    static func isRunning(_ pid: Int32, startedAt start: UInt64) -> Bool {
        guard let now = startTime(pid) else { return false }
        return start == 0 || now == start
    }

    /// This process's id and start time, read once: every log name carries them.
    private static let ownPID = getpid()
    private static let ownStartTime = startTime(ownPID)

    /// Field 22 of /proc/<pid>/stat: when the process started, in clock ticks after boot.
    static func startTime(_ pid: Int32) -> UInt64? {
        guard let text = PoolFiles.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        // After "pid (comm)" come fields 3 onwards; the start time is the 20th of them.
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}
