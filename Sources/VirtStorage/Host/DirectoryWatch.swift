import CStorageSys
import Foundation

/// The entries of one directory that appear, change and vanish, as the kernel
/// reports them (inotify), from a thread of its own: created, written and
/// closed, renamed in or out, removed, their mode or owner changed. Names
/// are handed on in batches, each name once per batch. The watch ends when
/// it is stopped or dropped, or when the directory goes (removed, moved,
/// unmounted); where the kernel dropped reports (its queue overflowed),
/// ``Change/overflow`` says that the whole directory must be read again.
/// Changes on other hosts of a network filesystem are not reported.
final class DirectoryWatch: @unchecked Sendable {
    enum Change: Sendable, Equatable {
        case entries(Set<String>)
        case overflow
    }

    let directory: String
    /// The changes; finished when the watch ends.
    let changes: AsyncStream<Change>
    private let inotify: Int32
    /// The write end of a pipe the thread also waits on: closing it wakes
    /// the thread (its end then reads as hung up), and no write can raise SIGPIPE.
    private let wake: Int32
    private let thread: Thread
    private let stopped = NSLock()
    private var isStopped = false

    private static let mask = UInt32(
        IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF
            | IN_MOVE_SELF | IN_ONLYDIR)

    init(directory: String) throws(StorageError) {
        self.directory = directory
        inotify = try SystemCalls.watch(directory, mask: Self.mask, "cannot watch directory '\(directory)'")
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0, fcntl(ends[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(ends[1], F_SETFD, FD_CLOEXEC) == 0
        else {
            let error = SystemError.make("cannot watch directory '\(directory)'", path: directory)
            SystemCalls.close(inotify)
            throw error
        }
        wake = ends[1]
        let (stream, continuation) = AsyncStream<Change>.makeStream(bufferingPolicy: .unbounded)
        changes = stream
        let (fd, woken, path) = (inotify, ends[0], directory)
        thread = Thread { Self.follow(fd, wake: woken, path: path, continuation) }
        thread.name = "virtstorage-watch"
        thread.stackSize = 256 << 10
        thread.start()
    }

    /// Ends the watch: the thread stops and the stream finishes.
    func stop() {
        stopped.lock()
        defer { stopped.unlock() }
        guard !isStopped else { return }
        isStopped = true
        SystemCalls.close(wake)
    }

    deinit {
        stop()
    }

    /// The thread's loop: waits for reports (or the wake-up), reads all there
    /// are, hands on their names.
    private static func follow(_ fd: Int32, wake: Int32, path: String, _ out: AsyncStream<Change>.Continuation) {
        defer {
            out.finish()
            SystemCalls.close(fd)
            SystemCalls.close(wake)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 8)
        defer { buffer.deallocate() }
        let header = MemoryLayout<inotify_event>.size
        while true {
            let ready = SystemCalls.waitReadable([fd, wake])
            if ready.contains(wake) { return }
            var names = Set<String>()
            var overflow = false
            while true {
                let n = SystemCalls.readAvailable(fd, into: buffer, path: path)
                if n <= 0 { break }
                var offset = 0
                while offset + header <= n {
                    let mask = buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                    let length = Int(buffer.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    if mask & UInt32(IN_Q_OVERFLOW) != 0 { overflow = true }
                    // The directory itself is gone: nothing more will come.
                    if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT | IN_IGNORED) != 0 { return }
                    if length > 0 {
                        let bytes = UnsafeRawBufferPointer(rebasing: buffer[(offset + header)..<(offset + header + length)])
                        let name = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                        if !name.isEmpty { names.insert(name) }
                    }
                    offset += header + length
                }
            }
            if overflow { out.yield(.overflow) } else if !names.isEmpty { out.yield(.entries(names)) }
        }
    }
}
