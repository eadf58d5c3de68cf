import Foundation

/// Notes in the state directory for volume jobs that change data on disk
/// (creation, upload) while they run. A process killed mid-job leaves its
/// note behind; the next host to open the directories finds it, removes the
/// half-made volume or reports the half-written one, and drops the note.
struct VolumeJobJournal: Sendable {
    struct Entry: Codable, Sendable, Equatable {
        enum Job: String, Codable, Sendable { case creation, upload }
        var job: Job
        var pool: String
        var volume: String
        var pid: Int32
        /// The writer's start time (clock ticks after boot), so that a reused pid is not mistaken for it.
        var processStart: UInt64
    }

    let directory: String

    init(state: String) { directory = state + "/jobs" }

    /// Writes a note for a job of this process; returns its path for `end`.
    func begin(_ job: Entry.Job, pool: String, volume: String) throws(StorageError) -> String {
        let pid = getpid()
        let entry = Entry(job: job, pool: pool, volume: volume, pid: pid, processStart: Self.ownStartTime ?? 0)
        let data: Data
        do { data = try JSONEncoder().encode(entry) } catch {
            throw StorageError(.internalError, "cannot encode a job note: \(error)")
        }
        try PoolFiles.makeDirectory(directory)
        let path = directory + "/\(pid)-\(UUID().uuidString).json"
        // Survives the process, not a power cut: the state directory does not outlive a boot either.
        try PoolFiles.atomicWrite(String(decoding: data, as: UTF8.self), to: path, sync: false)
        return path
    }

    func end(_ path: String) { unlink(path) }

    /// Notes whose writer is gone, with their paths.
    func orphans() -> [(path: String, entry: Entry)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var found: [(String, Entry)] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path),
                let entry = try? JSONDecoder().decode(Entry.self, from: data)
            else {
                unlink(path)  // not ours to read: a note is written whole or not at all
                continue
            }
            if !Self.isRunning(entry.pid, startedAt: entry.processStart) { found.append((path, entry)) }
        }
        return found
    }

    static func isRunning(_ pid: Int32, startedAt start: UInt64) -> Bool {
        guard let now = startTime(pid) else { return false }
        return start == 0 || now == start
    }

    /// This process's start time, read once: every job note carries it.
    private static let ownStartTime = startTime(getpid())

    /// Field 22 of /proc/<pid>/stat: when the process started, in clock ticks after boot.
    static func startTime(_ pid: Int32) -> UInt64? {
        guard let text = PoolFiles.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        // After "pid (comm)" come fields 3 onwards; the start time is the 20th of them.
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}
