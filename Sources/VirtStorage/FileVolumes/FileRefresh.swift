import CStorageSys
import Foundation

/// A refresh of a directory of volume files that follows what changed: the
/// table of the last refresh is brought up to date. Each file is looked at
/// once (one stat); a file that is the same as the table says
/// (``VolumeTable/describesUnchanged(at:_:)``) keeps its record, the others
/// are opened and described afresh, and the records of files that are gone
/// are removed. The result equals a refresh that reads every file.
enum FileRefresh {
    /// Files described between two packings into the table: what a refresh
    /// holds as whole definitions at once.
    static let batch = 4096

    static func refresh(directory dir: String, knowing previous: consuming VolumeTable) throws(StorageError)
        -> (PoolSizes, VolumeTable)
    {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        // One open of the directory serves the listing, the files' openat and statvfs.
        let directory = try SystemCalls.open(dir, O_RDONLY | O_DIRECTORY, "cannot open directory '\(dir)'")
        defer { SystemCalls.close(directory) }
        let names = try SystemCalls.entries(ofOpen: directory, path: dir, "cannot open directory '\(dir)'").map(\.name)
            .filter { $0 != ChainSnapshots.folderName }
        let prefix = dir + "/"
        var table = consume previous
        if table.pathPrefix != prefix { table = VolumeTable(pathPrefix: prefix) }

        // First each file's status, against what the table says of it.
        let seen = look(at: names, in: directory, prefix: prefix, against: table)
        var kept = [Bool](repeating: false, count: table.count)
        var changed: [String] = []
        for (name, sighting) in zip(names, seen) {
            switch sighting {
            case .unchanged(let i, let observation):
                table.observe(at: Int(i), observation)
                kept[Int(i)] = true
            case .changed: changed.append(name)
            case .gone: break
            }
        }
        table.removeAll(notIn: kept)

        // Then the new and changed files, a batch at a time: their
        // definitions are packed into the table as they come.
        for start in stride(from: 0, to: changed.count, by: batch) {
            let some = Array(changed[start..<min(start + batch, changed.count)])
            let described = ConcurrentMap.map(some, scratch: [UInt8]()) { name, buffer in
                FileVolumes.describe(path: prefix + name, name: name, directory: directory, buffer: &buffer)
            }
            for (volume, st) in described { table.updateValue(volume, file: st) }
        }
        table.observedAt = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        return (try PoolSizes(filesystemOf: directory, path: dir), table)
    }

    /// What a first look at a file found.
    private enum Sighting: Sendable {
        /// The table's record at this position still describes it.
        case unchanged(Int32, PackedVolume.Observation)
        case changed
        /// Gone since the listing.
        case gone
    }

    /// Each file's status against `table`, on all cores.
    private static func look(at names: [String], in directory: Int32, prefix: String, against table: VolumeTable)
        -> [Sighting]
    {
        ConcurrentMap.map(names, scratch: ()) { name, _ -> Sighting in
            guard let st = SystemCalls.status(of: name, in: directory, path: prefix + name) else { return .gone }
            if let i = table.position(of: name), table.describesUnchanged(at: i, st) {
                return .unchanged(Int32(i), PackedVolume.Observation(st))
            }
            return .changed
        }
    }
}
