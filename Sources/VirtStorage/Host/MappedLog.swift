import Foundation

/// A file appended to through a shared memory mapping: an append is a copy
/// into the page cache, with no system call. What is copied is in the file
/// for every reader at once, and stays there if the process is killed (the
/// pages belong to the kernel); as with `write`, only a crash of the machine
/// can lose it.
///
/// The file is as long as the mapping, zero-filled past what was appended:
/// readers take NUL bytes as the end of the text. Its blocks are written
/// (zeros) before they are mapped, so that a full filesystem fails an
/// append with an error instead of a SIGBUS when a page is first touched.
/// Not thread-safe: its owner serialises appends.
final class MappedLog {
    let path: String
    private let fd: Int32
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    /// Bytes appended since the file was created or last emptied.
    private(set) var length = 0

    static let initialCapacity = 64 << 10
    private static let zeros = [UInt8](repeating: 0, count: 64 << 10)

    /// Creates (or truncates) the file at `path` and maps it.
    init(path: String) throws(StorageError) {
        self.path = path
        fd = try SystemCalls.open(path, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW, mode: 0o600, "cannot create \(path)")
        capacity = Self.initialCapacity
        do throws(StorageError) {
            try Self.fillZeros(fd, path, from: 0, to: capacity)
            base = try Self.map(fd, path, capacity)
        } catch {
            SystemCalls.close(fd)
            SystemCalls.removeIfPresent(path)
            throw error
        }
    }

    deinit {
        munmap(base, capacity)
        SystemCalls.close(fd)
    }

    func append(_ bytes: [UInt8]) throws(StorageError) {
        if length + bytes.count > capacity { try grow(to: length + bytes.count) }
        bytes.withUnsafeBytes { (base + length).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        length += bytes.count
    }

    /// Empties the file in one step (a truncation, which a reader sees whole
    /// or not at all), then zero-fills it again at the initial size. On an
    /// error the file may be shorter than the mapping: the log must not be
    /// appended to again.
    func empty() throws(StorageError) {
        try SystemCalls.ftruncate(fd, to: 0, path: path, "cannot empty \(path)")
        length = 0
        try Self.fillZeros(fd, path, from: 0, to: Self.initialCapacity)
        if capacity != Self.initialCapacity { try remap(Self.initialCapacity) }
    }

    private func grow(to needed: Int) throws(StorageError) {
        var larger = capacity * 2
        while larger < needed { larger *= 2 }
        try Self.fillZeros(fd, path, from: capacity, to: larger)
        try remap(larger)
    }

    /// Maps the file anew at `size` bytes, then lets the old mapping go.
    private func remap(_ size: Int) throws(StorageError) {
        let mapping = try Self.map(fd, path, size)
        munmap(base, capacity)
        base = mapping
        capacity = size
    }

    private static func fillZeros(_ fd: Int32, _ path: String, from start: Int, to end: Int) throws(StorageError) {
        var offset = start
        while offset < end {
            let count = min(zeros.count, end - offset)
            try SystemCalls.pwriteAll(fd, zeros, count: count, at: UInt64(offset), path: path, "cannot write \(path)")
            offset += count
        }
    }

    private static func map(_ fd: Int32, _ path: String, _ size: Int) throws(StorageError) -> UnsafeMutableRawPointer {
        guard let mapping = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapping != MAP_FAILED else {
            throw SystemError.make("cannot map \(path)", path: path)
        }
        return mapping
    }
}
