import Foundation

/// vol-upload and vol-download, written once for every pool type with data:
/// a local file's bytes into a volume's ``VolumeData`` and back. Where the
/// volume is a local file or device node, the kernel copies the data
/// (copy_file_range, holes found with SEEK_DATA); elsewhere (rbd, gluster)
/// the bytes go through the volume's reads and writes in chunks.
public enum VolumeTransfer {
    static let chunk = 4 << 20

    /// Writes the first `length` bytes of `file` (all of it when nil) into
    /// `data` at `offset`. With `growing` (a volume that is a file) the data
    /// may go past the end, which moves it, as libvirt's upload does: an
    /// image uploaded into a new qcow2 volume replaces its few hundred KiB.
    /// Otherwise what does not fit is refused before anything is written.
    /// With `sparse`, holes of the file (or chunks of zeros) are zeroed in
    /// the volume instead of written.
    public static func upload(
        from file: String, into data: any VolumeData, volume: String, offset: UInt64, length: UInt64?,
        sparse: Bool, growing: Bool = false, progress: ProgressHandler?
    ) async throws(StorageError) {
        let input = try await BlockingIO.run { () throws(StorageError) in try open(file, O_RDONLY, "cannot open") }
        // A failed fstat counts as an empty file, as before.
        let st = (try? SystemCalls.fstat(input.fd, path: file, "cannot stat '\(file)'")) ?? stat()
        let available = UInt64(st.st_size)
        let count = length.map { min($0, available) } ?? available
        let size = data.size
        guard growing || (offset <= size && count <= size - offset) else {
            throw StorageError(
                .invalidArgument,
                "cannot upload \(count) bytes at offset \(offset) into volume '\(volume)' of \(size) bytes: the data does not fit",
                value: file)
        }
        if let local = data as? LocalVolumeData {
            try await BlockingIO.run { () throws(StorageError) in
                try SparseCopy.copy(
                    from: input.fd, fromPath: file, to: local.file.fd, toPath: local.name, offset: 0, length: count,
                    destinationOffset: offset, sparse: sparse, progress: progress)
            }
            return
        }
        // The file's holes (SEEK_DATA) are zeroed in one call each; its data
        // goes in chunks, several in flight where the volume takes that.
        let inFlight = data.concurrentWrites
        var done: UInt64 = 0
        var pending: [Task<Void, any Error>] = []
        func settle(keeping limit: Int) async throws(StorageError) {
            while pending.count > limit {
                let write = pending.removeFirst()
                try await StorageError.converting({ "cannot write volume '\(volume)': \($0)" }) { try await write.value }
            }
        }
        do throws(StorageError) {
            while done < count {
                try StorageError.checkCancellation("the upload into volume '\(volume)'")
                let position = done
                let fd = input.fd
                let run: Range<UInt64>? =
                    sparse
                    ? try await BlockingIO.run { () -> Range<UInt64>? in
                        SystemCalls.dataRun(fd, from: position, before: count, path: file)
                    } : position..<count
                guard let run else {
                    try await data.zero(at: offset + done, length: count - done)
                    done = count
                    break
                }
                if run.lowerBound > position {
                    try await data.zero(at: offset + position, length: run.lowerBound - position)
                    done = run.lowerBound
                    progress?(done, count)
                }
                let want = Int(min(UInt64(chunk), run.upperBound - done))
                let at = done
                let bytes = try await BlockingIO.run { () throws(StorageError) in
                    try read(input.fd, file, at: at, count: want)
                }
                if sparse && bytes.allSatisfy({ $0 == 0 }) {
                    try await data.zero(at: offset + at, length: UInt64(want))
                } else {
                    pending.append(Task { try await data.write(bytes, at: offset + at) })
                    try await settle(keeping: inFlight - 1)
                }
                done += UInt64(want)
                progress?(done, count)
            }
            try await settle(keeping: 0)
        } catch {
            for task in pending { _ = try? await task.value }
            throw error
        }
        try await data.flush()
    }

    /// Writes `length` bytes of `data` from `offset` (to its end when nil)
    /// into `file`, made anew; with `sparse`, the volume's holes (or chunks
    /// of zeros, where it cannot tell) stay holes in the file.
    public static func download(
        from data: any VolumeData, volume: String, to file: String, offset: UInt64, length: UInt64?, sparse: Bool,
        progress: ProgressHandler?
    ) async throws(StorageError) {
        let size = data.size
        guard offset <= size else {
            throw StorageError(
                .invalidArgument, "offset \(offset) is past the end of volume '\(volume)' (\(size) bytes)")
        }
        let count = min(length ?? size - offset, size - offset)
        let output = try await BlockingIO.run { () throws(StorageError) in
            try open(file, O_WRONLY | O_CREAT | O_TRUNC, "cannot create")
        }
        if let local = data as? LocalVolumeData {
            try await BlockingIO.run { () throws(StorageError) in
                try SparseCopy.copy(
                    from: local.file.fd, fromPath: local.name, to: output.fd, toPath: file, offset: offset,
                    length: count, destinationOffset: 0, sparse: sparse, progress: progress)
            }
            return
        }
        let reader = try VolumeReader(data, offset: offset, length: count, sparse: sparse)
        var done: UInt64 = 0
        while done < count {
            try StorageError.checkCancellation("the download of volume '\(volume)'")
            let piece = try await reader.read(at: offset + done)
            if case .data(let bytes) = piece {
                let position = done
                try await BlockingIO.run { () throws(StorageError) in
                    try FileVolumes.writeAll(fd: output.fd, bytes, at: position, path: file)
                }
            }
            done += piece.count
            progress?(done, count)
        }
        // Holes at the end are still the file's.
        try SystemCalls.ftruncate(output.fd, to: count, path: file, "cannot set the size of '\(file)'")
    }

    private static func open(_ path: String, _ flags: Int32, _ what: String) throws(StorageError) -> FileHandleBox {
        FileHandleBox(try SystemCalls.open(path, flags, "\(what) '\(path)'"))
    }

    /// Exactly `count` bytes of the file being uploaded.
    private static func read(_ fd: Int32, _ path: String, at offset: UInt64, count: Int) throws(StorageError) -> [UInt8] {
        let bytes = try SystemCalls.read(fd, count: count, at: offset, path: path, "cannot read '\(path)' at offset \(offset)")
        // The file shrank under the upload.
        guard bytes.count == count else {
            throw SystemError.make(
                "cannot read '\(path)' at offset \(offset + UInt64(bytes.count))", path: path, errno: EIO)
        }
        return bytes
    }
}
