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
    /// How many writes of separate ranges a writer may have in flight at once
    /// (a network volume whose library takes them in parallel: rbd); 1 by default.
    var concurrentWrites: Int { get }
}

extension VolumeData {
    public var concurrentWrites: Int { 1 }

    public func nextData(from offset: UInt64, before end: UInt64) async throws(StorageError) -> Range<UInt64>? {
        offset < end ? offset..<end : nil
    }
}

/// A run of a volume's bytes that changed since a snapshot: new data, or
/// (`holdsData` false) bytes that now read as zeros (discarded, trimmed).
public struct VolumeExtent: Sendable, Equatable {
    public var range: Range<UInt64>
    public var holdsData: Bool

    public init(_ range: Range<UInt64>, holdsData: Bool) {
        self.range = range
        self.holdsData = holdsData
    }
}

/// Volume data that knows what changed since one of its volume's snapshots
/// (rbd through librbd's diff iteration): the source of incremental streams.
public protocol ChangeTrackingVolumeData: VolumeData {
    /// The runs that differ from the snapshot `base`, in order, without overlap.
    func changes(since base: String) async throws(StorageError) -> [VolumeExtent]
}
