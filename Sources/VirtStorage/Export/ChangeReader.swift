/// The runs of a volume that changed since a snapshot, as chunks at their
/// offsets: a run of data in pieces of up to 1 MiB, a run that reads as zeros
/// as one hole. What did not change is left out.
struct ChangeReader: Sendable {
    let data: any VolumeData
    let extents: [VolumeExtent]
    static let chunk: UInt64 = 1 << 20

    struct Iterator {
        let reader: ChangeReader
        var index = 0
        var position: UInt64 = 0

        mutating func next() async throws(StorageError) -> (UInt64, VolumeChunk)? {
            while index < reader.extents.count {
                let extent = reader.extents[index]
                let start = max(position, extent.range.lowerBound)
                guard start < extent.range.upperBound else {
                    index += 1
                    continue
                }
                guard extent.holdsData else {
                    position = extent.range.upperBound
                    index += 1
                    return (start, .hole(extent.range.upperBound - start))
                }
                let count = min(ChangeReader.chunk, extent.range.upperBound - start)
                let bytes = try await reader.data.read(at: start, count: Int(count))
                guard UInt64(bytes.count) == count else {
                    throw StorageError(
                        .operationFailed, "'\(reader.data.name)' ended at byte \(start + UInt64(bytes.count)), inside a changed run")
                }
                position = start + count
                return (start, .data(bytes))
            }
            return nil
        }
    }

    func makeIterator() -> Iterator { Iterator(reader: self) }
}
