import Foundation

/// The changed clusters of a qcow2 image at one of its snapshots, read in
/// place from the image file (``QCow2SnapshotChanges/Changes/hostOffsets``):
/// what an incremental stream of the image reads instead of a converted
/// copy of the whole snapshot. Read-only; a guest offset outside the
/// changed clusters reads as zeros (the stream reads only changed runs).
final class QCow2ClusterData: VolumeData, @unchecked Sendable {
    let name: String
    let size: UInt64
    private let fd: Int32
    private let clusterSize: UInt64
    private let hostOffsets: [UInt64: UInt64]

    init(path: String, changes: QCow2SnapshotChanges.Changes, hostOffsets: [UInt64: UInt64]) throws(StorageError) {
        fd = try SystemCalls.open(path, O_RDONLY | O_CLOEXEC, "cannot open '\(path)'")
        name = path
        size = changes.size
        clusterSize = changes.clusterSize
        self.hostOffsets = hostOffsets
    }

    deinit { SystemCalls.close(fd) }

    func read(at offset: UInt64, count: Int) async throws(StorageError) -> [UInt8] {
        let end = min(offset + UInt64(count), size)
        guard offset < end else { return [] }
        return try await BlockingIO.run { () throws(StorageError) -> [UInt8] in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(Int(end - offset))
            var position = offset
            while position < end {
                let cluster = position / self.clusterSize
                let within = position % self.clusterSize
                let length = min(self.clusterSize - within, end - position)
                if let host = self.hostOffsets[cluster] {
                    let piece = try SystemCalls.read(
                        self.fd, count: Int(length), at: host + within, path: self.name, "cannot read '\(self.name)'")
                    guard UInt64(piece.count) == length else {
                        throw StorageError(.operationFailed, "'\(self.name)' ended inside cluster \(cluster)", path: self.name)
                    }
                    bytes += piece
                } else {
                    bytes += [UInt8](repeating: 0, count: Int(length))
                }
                position += length
            }
            return bytes
        }
    }

    func write(_ bytes: [UInt8], at offset: UInt64) async throws(StorageError) { throw readOnly() }
    func zero(at offset: UInt64, length: UInt64) async throws(StorageError) { throw readOnly() }
    func flush() async throws(StorageError) {}

    private func readOnly() -> StorageError {
        StorageError(.operationInvalid, "the snapshot of '\(name)' is read-only", path: name)
    }
}
