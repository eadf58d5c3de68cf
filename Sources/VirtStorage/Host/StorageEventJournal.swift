import CStorageSys
import Foundation

/// The events of every host working on one set of directories, as lines of
/// JSON appended to `<state>/events`. There is no daemon to hand events from
/// one process to another, so a host appends each event it announces and a
/// watcher (virt-storage pool-event, ``StorageHost/watchEvents(directories:pollInterval:)``)
/// follows the file. One `write` per line with O_APPEND keeps lines from
/// different processes whole; at 4 MiB the file is renamed to `events.1` and a
/// new one begun.
enum StorageEventJournal {
    static let rotationSize: off_t = 4 << 20

    static func path(_ directories: StorageHostDirectories) -> String { directories.state + "/events" }

    /// One line of the journal, as read back.
    private struct Line: Decodable {
        var pool: String
        var volume: String?
        var change: String
    }

    static func encode(_ event: StorageEvent) -> [UInt8] {
        switch event {
        case .pool(let name, let change): JSONLine.encode([("change", change.rawValue), ("pool", name)])
        case .volume(let pool, let name, let change):
            JSONLine.encode([("change", change.rawValue), ("pool", pool), ("volume", name)])
        }
    }

    static func decode(_ bytes: some Collection<UInt8>) -> StorageEvent? {
        guard let line = try? JSONDecoder().decode(Line.self, from: Data(bytes)) else { return nil }
        if let volume = line.volume {
            return StorageEvent.VolumeChange(rawValue: line.change).map {
                .volume(pool: line.pool, name: volume, change: $0)
            }
        }
        return StorageEvent.PoolChange(rawValue: line.change).map { .pool(name: line.pool, change: $0) }
    }

    /// Appends a host's events; owned by the host actor. Events are a courtesy
    /// to watchers: a journal that cannot be written never fails an operation.
    final class Writer {
        private let path: String
        private let rotationSize: off_t
        private var fd: Int32 = -1
        /// The file `fd` is open on, to notice when the path names another one.
        private var openFile: (device: UInt64, inode: UInt64) = (0, 0)

        init(path: String, rotationSize: off_t = StorageEventJournal.rotationSize) {
            self.path = path
            self.rotationSize = rotationSize
        }
        deinit { if fd >= 0 { SystemCalls.close(fd) } }

        /// One statx and one write per event: the path's inode and size tell
        /// both whether another host rotated the file and how long it is.
        func append(_ event: StorageEvent) {
            let bytes = StorageEventJournal.encode(event)
            guard let size = currentSize() else { return }
            try? SystemCalls.writeAll(fd, bytes, path: path, "cannot append to '\(path)'")
            if size + off_t(bytes.count) >= rotationSize { rotate() }
        }

        /// The length of the file at `path`, which `fd` is then open on: it
        /// is reopened when another host rotated the file since. Nil when the
        /// file cannot be opened. The times are not asked for (see `vs_identity`).
        private func currentSize() -> off_t? {
            if fd >= 0, let named = fileAtPath(), named.device == openFile.device, named.inode == openFile.inode {
                return named.size
            }
            if fd >= 0 { SystemCalls.close(fd) }
            // It names pools and volumes: readable by its owner only (and
            // made so if an older version left it readable to all).
            fd =
                (try? SystemCalls.open(
                    path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, mode: 0o600, "cannot open '\(path)'")) ?? -1
            guard fd >= 0, let current = try? SystemCalls.fstat(fd, path: path, "cannot stat '\(path)'") else {
                return nil
            }
            if current.st_mode & 0o077 != 0 {
                try? SystemCalls.fchmod(fd, current.st_mode & 0o700, path: path, "cannot change mode of '\(path)'")
            }
            openFile = (UInt64(current.st_dev), UInt64(current.st_ino))
            return current.st_size
        }

        /// Renames the full file under an exclusive lock, after checking that
        /// no other host rotated it first.
        private func rotate() {
            guard (try? SystemCalls.lock(fd, path: path, "cannot lock '\(path)'")) != nil else { return }
            defer { SystemCalls.unlock(fd, path: path) }
            guard let named = fileAtPath(), named.device == openFile.device, named.inode == openFile.inode else {
                return
            }
            try? SystemCalls.rename(path, to: path + ".1", "cannot rename '\(path)'")
        }

        /// The file `path` names now, without asking for its times (see `vs_identity`).
        private func fileAtPath() -> (device: UInt64, inode: UInt64, size: off_t)? {
            var device: UInt64 = 0
            var inode: UInt64 = 0
            var size: Int64 = 0
            guard vs_identity(path, &device, &inode, &size) == 0 else { return nil }
            return (device, inode, off_t(size))
        }
    }

    /// Follows the journal from its current end: every event appended from
    /// now on by any process, including across a rotation.
    static func follow(_ directories: StorageHostDirectories, pollInterval: Duration) -> AsyncStream<StorageEvent> {
        let path = path(directories)
        // Opened now, so that "from now on" means from this call.
        let reader = Reader(path: path)
        return AsyncStream { continuation in
            let task = Task.detached {
                while !Task.isCancelled {
                    for event in reader.readNew() { continuation.yield(event) }
                    try? await Task.sleep(for: pollInterval)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Reads the lines appended since the last call; one task at a time uses it.
    final class Reader: @unchecked Sendable {
        let path: String
        private var fd: Int32 = -1
        private var pending: [UInt8] = []

        init(path: String) {
            self.path = path
            fd = (try? SystemCalls.open(path, O_RDONLY, "cannot open '\(path)'")) ?? -1
            if fd >= 0 { _ = SystemCalls.endOffset(fd, path: path) }
        }

        deinit { if fd >= 0 { SystemCalls.close(fd) } }

        func readNew() -> [StorageEvent] {
            var events: [StorageEvent] = []
            if fd < 0 {
                // No journal yet: everything in the one that appears is new.
                fd = (try? SystemCalls.open(path, O_RDONLY, "cannot open '\(path)'")) ?? -1
                if fd < 0 { return [] }
            }
            events += drain()
            if let mine = try? SystemCalls.fstat(fd, path: path, "cannot stat '\(path)'"),
                let current = SystemCalls.status(of: path), mine.st_ino != current.st_ino
            {
                // Rotated: finish the old file (done above), then start the new one.
                SystemCalls.close(fd)
                pending = []
                fd = (try? SystemCalls.open(path, O_RDONLY, "cannot open '\(path)'")) ?? -1
                if fd >= 0 { events += drain() }
            }
            return events
        }

        private func drain() -> [StorageEvent] {
            while let piece = try? SystemCalls.readSome(fd, count: 65536, path: path, "cannot read '\(path)'"),
                !piece.isEmpty
            {
                pending += piece
            }
            var events: [StorageEvent] = []
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                if let event = StorageEventJournal.decode(pending[start..<newline]) { events.append(event) }
                start = newline + 1
            }
            pending.removeSubrange(..<start)
            return events
        }
    }
}
