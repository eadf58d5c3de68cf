import Foundation

/// The chunk loops of upload and download for volumes that are not local
/// files (rbd images, gluster files): local file bytes in, volume bytes out,
/// with progress after every chunk. What a chunk does at the volume's end
/// (write, discard, zero) is the caller's.
public enum ChunkedTransfer {
    /// Reads `count` bytes of the local file `input` (at `path`) from its
    /// start and hands each chunk to `body` with its position in the file.
    public static func read(
        _ input: Int32, path: String, count: UInt64, chunk: Int, progress: ProgressHandler?,
        _ body: (UnsafeRawBufferPointer, UInt64) throws(StorageError) -> Void
    ) throws(StorageError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var done: UInt64 = 0
        while done < count {
            let want = Int(min(UInt64(chunk), count - done))
            let n = pread(input, buffer.baseAddress, want, off_t(done))
            guard n > 0 else {
                throw StorageError(
                    .systemError,
                    "cannot read '\(path)' at offset \(done): \(String(cString: strerror(n < 0 ? errno : EIO)))",
                    path: path)
            }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), done)
            done += UInt64(n)
            progress?(done, count)
        }
    }

    /// Fills the new local file `output` (at `path`) with `count` bytes that
    /// `fill` reads into each chunk from the given position; with `sparse`,
    /// chunks of zeros are left as holes. The file ends at `count` bytes.
    public static func write(
        _ output: Int32, path: String, count: UInt64, chunk: Int, sparse: Bool, progress: ProgressHandler?,
        _ fill: (UnsafeMutableRawBufferPointer, UInt64) throws(StorageError) -> Void
    ) throws(StorageError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var done: UInt64 = 0
        while done < count {
            let want = Int(min(UInt64(chunk), count - done))
            let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want])
            try fill(slice, done)
            if !(sparse && SparseCopy.isZero(UnsafeRawBufferPointer(slice))) {
                try FileVolumes.writeAll(fd: output, UnsafeRawBufferPointer(slice), at: done, path: path)
            }
            done += UInt64(want)
            progress?(done, count)
        }
        guard ftruncate(output, off_t(count)) == 0 else {
            throw SystemError.make("cannot set the size of '\(path)'", path: path)
        }
    }
}
