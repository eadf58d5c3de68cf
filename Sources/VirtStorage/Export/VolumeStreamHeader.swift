import Foundation

/// What a VirtStorage volume stream says about itself before its data: the
/// volume it was made from, at which snapshot, the changes since which base,
/// and how its bytes are laid out. The stream format is documented in the
/// DocC article "Volume streams".
public struct VolumeStreamHeader: Sendable, Equatable, Codable {
    /// How the records' bytes are to be read: `raw` (a guest's bytes),
    /// `qcow2` (a qcow2 image file's bytes), or a pool type's own stream
    /// format (`btrfs-send`, see ``native``).
    public var format: String
    /// The size in bytes of what the records cover: the volume's capacity
    /// for raw, the image file's length for qcow2; for a native stream, the
    /// capacity of the volume it makes.
    public var size: UInt64
    /// The capacity a guest sees (for qcow2, the image's virtual size).
    public var capacity: UInt64
    /// The name of the volume it was made from, and its pool's type.
    public var volume: String
    public var poolType: String
    /// The snapshot the data was read at; nil for the volume as it was.
    public var snapshot: String?
    /// For an incremental stream, the snapshot its changes start from: the
    /// records then hold only what differs, and the importing volume must
    /// hold that snapshot.
    public var base: String?
    /// When the stream was made, ISO 8601.
    public var created: String?
    /// True when the records carry a pool type's own stream (`btrfs send`'s)
    /// rather than the volume's bytes: then the records follow each other
    /// from offset 0 of that stream, and only a pool of the same type can
    /// import it. Absent otherwise.
    public var native: Bool?

    public init(
        format: String, size: UInt64, capacity: UInt64, volume: String, poolType: String,
        snapshot: String? = nil, base: String? = nil, created: String? = nil, native: Bool? = nil
    ) {
        self.format = format
        self.size = size
        self.capacity = capacity
        self.volume = volume
        self.poolType = poolType
        self.snapshot = snapshot
        self.base = base
        self.created = created
        self.native = native
    }

    /// Whether the records hold changes since ``base`` rather than the whole volume.
    public var isIncremental: Bool { base != nil }

    /// Whether the records carry a pool type's own stream format.
    public var isNative: Bool { native == true }
}
