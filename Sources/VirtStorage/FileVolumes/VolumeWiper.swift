import CStorageSys
import Foundation

/// Overwrites a volume's data with one of the wipe algorithms, in the library.
public enum VolumeWiper {
    /// A fast pseudo-random fill (xoshiro256**), seeded from the system.
    struct RandomFill {
        var s: (UInt64, UInt64, UInt64, UInt64)
        init() {
            var g = SystemRandomNumberGenerator()
            s = (g.next(), g.next(), g.next(), g.next() | 1)
        }
        mutating func next() -> UInt64 {
            let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
            let t = s.1 << 17
            s.2 ^= s.0
            s.3 ^= s.1
            s.1 ^= s.2
            s.0 ^= s.3
            s.2 ^= t
            s.3 = s.3 << 45 | s.3 >> 19
            return result
        }
        mutating func fill(_ buffer: inout [UInt8]) {
            buffer.withUnsafeMutableBytes { raw in
                let words = raw.bindMemory(to: UInt64.self)
                for i in 0..<words.count { words[i] = next() }
            }
        }
    }

    /// Wipes the file or block device at `path` (only the bytes in `range`
    /// when given: a partition inside an image file) on the blocking-I/O threads.
    public static func wipe(
        path: String, range: Range<UInt64>? = nil, algorithm: WipeAlgorithm, progress: ProgressHandler?
    ) async throws(StorageError) {
        try await BlockingIO.run { () throws(StorageError) in
            try wipe(path: path, range: range, algorithm: algorithm, progress: progress)
        }
    }

    static func wipe(path: String, range: Range<UInt64>? = nil, algorithm: WipeAlgorithm, progress: ProgressHandler?)
        throws(StorageError)
    {
        // libvirt's words (storageBackendVolWipeLocalFile).
        let fd = try SystemCalls.open(path, O_RDWR | O_NOFOLLOW, "Failed to open storage volume with path '\(path)'")
        defer { SystemCalls.close(fd) }
        let st = try SystemCalls.fstat(fd, path: path, "Failed to stat storage volume with path '\(path)'")
        let isFile = (st.st_mode & S_IFMT) == S_IFREG
        let end = isFile ? UInt64(st.st_size) : SystemCalls.endOffset(fd, path: path)
        let base = range.map { min($0.lowerBound, end) } ?? 0
        let size = range.map { min($0.upperBound, end) - base } ?? end
        let passes = algorithm.passes
        let total = size * UInt64(passes.count)
        var done: UInt64 = 0
        for pass in passes {
            switch pass {
            case .discard:
                guard SystemCalls.punchHole(fd, at: base, length: size, path: path) else {
                    throw SystemError.make("cannot discard the blocks of '\(path)'", path: path)
                }
                done += size
                progress?(done, total)
            case .verify(let pattern):
                try verify(fd: fd, path: path, base: base, size: size, pattern: pattern) {
                    done += $0; progress?(done, total)
                }
            case .pattern(let pattern) where algorithm == .zero && isFile && pattern == [0]:
                if range == nil && st.st_blocks < st.st_size / 512 {
                    // As libvirt (storageBackendVolZeroSparseFileLocal): a sparse
                    // file is cut to nothing and grown again, all of it a hole.
                    try SystemCalls.ftruncate(fd, to: 0, path: path, "Failed to truncate volume with path '\(path)' to 0 bytes")
                    try SystemCalls.ftruncate(fd, to: size, path: path, "Failed to truncate volume with path '\(path)' to \(size) bytes")
                    done += size
                    progress?(done, total)
                } else {
                    // Zeroing a file touches only its data: holes already read as zeros.
                    try writeOverData(fd: fd, path: path, base: base, size: size) {
                        done += $0; progress?(done, total)
                    }
                }
            case .pattern(let pattern):
                try write(fd: fd, path: path, base: base, size: size, pattern: pattern) {
                    done += $0; progress?(done, total)
                }
            case .random:
                try write(fd: fd, path: path, base: base, size: size, pattern: nil) {
                    done += $0; progress?(done, total)
                }
            }
            // A device that cannot sync (EINVAL) has nothing to sync.
            do throws(StorageError) {
                try SystemCalls.fsync(fd, path: path, "cannot sync data to volume with path '\(path)'")
            } catch where error.errno != EINVAL {
                throw error
            }
        }
    }

    private static func patternBuffer(_ pattern: [UInt8]) -> [UInt8] {
        // A multiple of the pattern length, so every chunk continues it.
        let size = SparseCopy.chunk - SparseCopy.chunk % pattern.count
        return (0..<size).map { pattern[$0 % pattern.count] }
    }

    /// Writes `pattern` repeated over the whole volume, or random bytes when `pattern` is nil.
    private static func write(
        fd: Int32, path: String, base: UInt64, size: UInt64, pattern: [UInt8]?, advance: (UInt64) -> Void
    ) throws(StorageError) {
        try write(size: size, pattern: pattern, advance: advance) { (bytes, offset) throws(StorageError) in
            try FileVolumes.writeAll(fd: fd, bytes, count: bytes.count, at: base + offset, path: path)
        }
    }

    /// Wipes a volume through its ``VolumeData`` (rbd images, gluster files):
    /// each pass written in chunks, read back where the algorithm verifies,
    /// and flushed; `trim` zeroes the whole volume the way it can be dropped.
    public static func wipe(_ data: any VolumeData, algorithm: WipeAlgorithm, progress: ProgressHandler?)
        async throws(StorageError)
    {
        let size = data.size
        let passes = algorithm.passes
        let total = size &* UInt64(passes.count)
        var done: UInt64 = 0
        for pass in passes {
            var random = pass == .random ? RandomFill() : nil
            var offset: UInt64 = 0
            switch pass {
            case .discard:
                try await data.zero(at: 0, length: size)
                done += size
                progress?(done, total)
            case .pattern(let pattern), .verify(let pattern):
                let expected = patternBuffer(pattern)
                while offset < size {
                    try StorageError.checkCancellation("the wipe of '\(data.name)'")
                    let n = Int(min(UInt64(expected.count), size - offset))
                    let chunk = n == expected.count ? expected : Array(expected[0..<n])
                    if case .verify = pass {
                        guard try await data.read(at: offset, count: n) == chunk else {
                            throw StorageError(
                                .operationFailed, "wipe verification of '\(data.name)' failed near byte \(offset)")
                        }
                    } else {
                        try await data.write(chunk, at: offset)
                    }
                    offset += UInt64(n)
                    done += UInt64(n)
                    progress?(done, total)
                }
            case .random:
                var buffer = [UInt8](repeating: 0, count: SparseCopy.chunk)
                while offset < size {
                    try StorageError.checkCancellation("the wipe of '\(data.name)'")
                    random?.fill(&buffer)
                    let n = Int(min(UInt64(buffer.count), size - offset))
                    try await data.write(n == buffer.count ? buffer : Array(buffer[0..<n]), at: offset)
                    offset += UInt64(n)
                    done += UInt64(n)
                    progress?(done, total)
                }
            }
            try await data.flush()
        }
    }

    /// The chunks of a pattern (or random) pass, handed to `write` with their offset.
    private static func write(
        size: UInt64, pattern: [UInt8]?, advance: (UInt64) -> Void,
        _ write: ([UInt8], UInt64) throws(StorageError) -> Void
    ) throws(StorageError) {
        var random = pattern == nil ? RandomFill() : nil
        var buffer = pattern.map(patternBuffer) ?? [UInt8](repeating: 0, count: SparseCopy.chunk)
        var offset: UInt64 = 0
        while offset < size {
            try StorageError.checkCancellation("the wipe")
            random?.fill(&buffer)
            let n = Int(min(UInt64(buffer.count), size - offset))
            try write(n == buffer.count ? buffer : Array(buffer[0..<n]), offset)
            offset += UInt64(n)
            advance(UInt64(n))
        }
    }

    /// Zeros the data of [base, base + size) of a file, skipping its holes.
    private static func writeOverData(fd: Int32, path: String, base: UInt64, size: UInt64, advance: (UInt64) -> Void)
        throws(StorageError)
    {
        let zeros = [UInt8](repeating: 0, count: SparseCopy.chunk)
        let size = base + size
        var position = base
        while position < size {
            let data = vs_seek_data(fd, Int64(position))
            guard data >= 0, UInt64(data) < size else {
                advance(size - position)
                return
            }
            advance(UInt64(data) - position)
            let hole = vs_seek_hole(fd, data)
            let end = hole > 0 ? min(size, UInt64(hole)) : size
            var offset = UInt64(data)
            while offset < end {
                try StorageError.checkCancellation("the wipe of '\(path)'")
                let n = Int(min(UInt64(zeros.count), end - offset))
                try FileVolumes.writeAll(fd: fd, zeros, count: n, at: offset, path: path)
                offset += UInt64(n)
                advance(UInt64(n))
            }
            position = end
        }
    }

    private static func verify(
        fd: Int32, path: String, base: UInt64, size: UInt64, pattern: [UInt8], advance: (UInt64) -> Void
    ) throws(StorageError) {
        try verify(size: size, pattern: pattern, advance: advance, path: path) {
            (buffer, offset) throws(StorageError) in
            let want = buffer.count
            let n = buffer.withUnsafeMutableBytes { raw in
                SystemCalls.attempt("pread", path) { pread(fd, raw.baseAddress, want, off_t(base + offset)) }
            }
            guard n == want else { throw SystemError.make("cannot read back '\(path)'", path: path) }
        }
    }

    /// Reads [0, size) back in chunks through `read`, which fills the whole
    /// buffer it is given, and checks every byte against `pattern`.
    private static func verify(
        size: UInt64, pattern: [UInt8], advance: (UInt64) -> Void, path: String? = nil,
        _ read: (inout [UInt8], UInt64) throws(StorageError) -> Void
    ) throws(StorageError) {
        let expected = patternBuffer(pattern)
        var buffer = [UInt8](repeating: 0, count: expected.count)
        var offset: UInt64 = 0
        while offset < size {
            try StorageError.checkCancellation("the wipe of '\(path ?? "the volume")'")
            let n = Int(min(UInt64(expected.count), size - offset))
            if buffer.count != n { buffer = [UInt8](repeating: 0, count: n) }
            try read(&buffer, offset)
            guard buffer[0..<n] == expected[0..<n] else {
                throw StorageError(
                    .operationFailed, "wipe verification of '\(path ?? "the volume")' failed near byte \(offset)",
                    path: path)
            }
            offset += UInt64(n)
            advance(UInt64(n))
        }
    }
}
