/// A volume's bytes, opened through its pool's backend
/// (``StorageBackend/openData(_:in:writable:)``): the path by which the
/// library's streams read and write volume data, whatever holds it: a local
/// file or device node, an rbd image, a file of a gluster volume. A remote
/// volume's name (`rbd/vm1`) is never opened as a local file.
///
/// The backend decides where each call runs (a thread of its own for a
/// library that blocks on the network); callers just await.
public protocol VolumeData: Sendable {
    /// What messages call the volume (its path, `pool/image`, a gluster URI).
    var name: String { get }
    /// The volume's size in bytes, as a guest sees it.
    var size: UInt64 { get }
    /// Whether ``nextData(from:before:)`` knows where holes are; when it does
    /// not, a sparse reader finds runs of zeros in the bytes instead.
    var reportsHoles: Bool { get }
    /// Up to `count` bytes at `offset`; fewer only at the volume's end.
    func read(at offset: UInt64, count: Int) async throws(StorageError) -> [UInt8]
    func write(_ bytes: [UInt8], at offset: UInt64) async throws(StorageError)
    /// Makes `length` bytes at `offset` read as zeros, without storing them
    /// where the volume can (a punched hole, a discard).
    func zero(at offset: UInt64, length: UInt64) async throws(StorageError)
    /// The next run of data at or after `offset` and before `end`; nil when
    /// only zeros remain. A volume that cannot tell answers `offset..<end`.
    func nextData(from offset: UInt64, before end: UInt64) async throws(StorageError) -> Range<UInt64>?
    /// Waits until what was written is stored.
    func flush() async throws(StorageError)
}

extension VolumeData {
    public var reportsHoles: Bool { false }

    public func nextData(from offset: UInt64, before end: UInt64) async throws(StorageError) -> Range<UInt64>? {
        offset < end ? offset..<end : nil
    }
}
