import CStorageSys
import Foundation

/// Copies byte ranges between file descriptors; in sparse mode holes in the
/// source stay holes in the destination (SEEK_DATA/SEEK_HOLE and zero-block
/// detection) instead of being written as zeros.
public enum SparseCopy {
    static let chunk = 1 << 20

    /// How data runs are copied in the kernel, tried in this order.
    private enum KernelCopy { case copyFileRange, sendFile, none }

    static func copy(
        from input: Int32, fromPath: String, to output: Int32, toPath: String, offset: UInt64, length: UInt64,
        destinationOffset: UInt64, sparse: Bool, progress: ProgressHandler?
    ) throws(StorageError) {
        var buffer = [UInt8](repeating: 0, count: chunk)
        var position = offset
        let end = offset + length
        var kernel = KernelCopy.copyFileRange
        while position < end {
            try StorageError.checkCancellation("the copy to '\(toPath)'")
            var dataEnd = end
            if sparse {
                let data = vs_seek_data(input, Int64(position))
                if data < 0 || UInt64(data) >= end {
                    try punch(output, toPath, at: destinationOffset + (position - offset), length: end - position)
                    position = end
                    progress?(length, length)
                    break
                }
                if UInt64(data) > position {
                    try punch(
                        output, toPath, at: destinationOffset + (position - offset), length: UInt64(data) - position)
                    position = UInt64(data)
                }
                let hole = vs_seek_hole(input, Int64(position))
                if hole > 0 { dataEnd = min(end, UInt64(hole)) }
            }
            // Whole data extents go through the kernel where it can: copy_file_range
            // within a filesystem (a reflink where it shares extents), sendfile between two.
            if sparse {
                while position < dataEnd && kernel != .none {
                    try StorageError.checkCancellation("the copy to '\(toPath)'")
                    let count = min(UInt64(1 << 28), dataEnd - position)
                    let target = destinationOffset + position - offset
                    let n =
                        kernel == .copyFileRange
                        ? SystemCalls.copyFileRange(
                            from: input, at: position, to: output, at: target, count: count, path: toPath)
                        : SystemCalls.sendFile(from: input, at: position, to: output, at: target, count: count, path: toPath)
                    if n <= 0 {
                        // Not this way: the next, then reads and writes, for this run and the rest.
                        kernel = kernel == .copyFileRange && n < 0 ? .sendFile : .none
                        continue
                    }
                    position += UInt64(n)
                    progress?(position - offset, length)
                }
            }
            while position < dataEnd {
                try StorageError.checkCancellation("the copy to '\(toPath)'")
                let want = Int(min(UInt64(chunk), dataEnd - position))
                let n = try buffer.withUnsafeMutableBytes { raw in
                    Result { () throws(StorageError) in
                        try SystemCalls.pread(
                            input, raw.baseAddress!, want, at: position, path: fromPath, "cannot read '\(fromPath)'")
                    }
                }.get()
                if n == 0 {
                    throw StorageError(
                        .operationFailed,
                        "'\(fromPath)' ended at byte \(position), before the \(length) bytes asked for",
                        path: fromPath)
                }
                let target = destinationOffset + (position - offset)
                if sparse && isZero(buffer, count: n) {
                    try punch(output, toPath, at: target, length: UInt64(n))
                } else {
                    try FileVolumes.writeAll(fd: output, buffer, count: n, at: target, path: toPath)
                }
                position += UInt64(n)
                progress?(position - offset, length)
            }
        }
        // A destination that ends in a hole still needs its full length.
        if let st = try? SystemCalls.fstat(output, path: toPath, "cannot stat '\(toPath)'"),
            (st.st_mode & S_IFMT) == S_IFREG, UInt64(st.st_size) < destinationOffset + length
        {
            try SystemCalls.ftruncate(output, to: destinationOffset + length, path: toPath, "cannot extend '\(toPath)'")
        }
    }

    /// Whether the first `count` bytes are all zero, eight at a time.
    static func isZero(_ buffer: [UInt8], count: Int) -> Bool {
        buffer.withUnsafeBytes { isZero(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }

    /// Whether every byte of `raw` is zero, eight at a time.
    public static func isZero(_ raw: UnsafeRawBufferPointer) -> Bool {
        guard let p = raw.baseAddress else { return true }
        let words = raw.count / 8
        for i in 0..<words where p.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self) != 0 { return false }
        for i in words * 8..<raw.count where raw[i] != 0 { return false }
        return true
    }

    /// Makes a range read as zeros without allocating it, where possible.
    static func punch(_ fd: Int32, _ path: String, at offset: UInt64, length: UInt64) throws(StorageError) {
        guard length > 0 else { return }
        let st = try SystemCalls.fstat(fd, path: path, "cannot stat '\(path)'")
        // Past the end of a regular file there is nothing to punch: ftruncate makes the hole.
        if (st.st_mode & S_IFMT) == S_IFREG && offset >= UInt64(st.st_size) { return }
        if SystemCalls.punchHole(fd, at: offset, length: length, path: path) { return }
        let zeros = [UInt8](repeating: 0, count: chunk)
        var done: UInt64 = 0
        while done < length {
            let n = Int(min(UInt64(chunk), length - done))
            try FileVolumes.writeAll(fd: fd, zeros, count: n, at: offset + done, path: path)
            done += UInt64(n)
        }
    }
}
