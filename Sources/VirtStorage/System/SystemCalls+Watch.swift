import Foundation

extension SystemCalls {
    /// inotify_init1(2) and inotify_add_watch(2): a descriptor that reports
    /// `mask`'s changes to the entries of `directory`.
    package static func watch(_ directory: String, mask: UInt32, _ what: @autoclosure () -> String)
        throws(StorageError) -> Int32
    {
        let fd = try retrying("inotify_init", directory, what()) { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) }
        do throws(StorageError) {
            _ = try retrying("inotify_add_watch", directory, what()) { inotify_add_watch(fd, directory, mask) }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// read(2) of what is there now on the non-blocking `fd` (opened for
    /// `path`): 0 where nothing is, -1 with errno on a failure.
    package static func readAvailable(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) -> Int {
        let n = attempt("read", path) { Glibc.read(fd, buffer.baseAddress, buffer.count) }
        return n < 0 && errno == EAGAIN ? 0 : n
    }

    /// poll(2) until one of `fds` can be read; the ones that can.
    package static func waitReadable(_ fds: [Int32]) -> [Int32] {
        var polled = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while poll(&polled, nfds_t(polled.count), -1) < 0 && errno == EINTR {}
        return polled.filter { $0.revents != 0 }.map(\.fd)
    }
}
