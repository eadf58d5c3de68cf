/// How a new volume is written: the flags of virsh's vol-create,
/// vol-create-from and vol-clone.
public struct VolumeBuildOptions: Sendable, Equatable {
    /// Allocate a qcow2 image's metadata up front (`--prealloc-metadata`).
    public var preallocateMetadata: Bool
    /// A copy must share its source's extents (`--reflink`), or fail. Without
    /// it a copy still shares them wherever the filesystem can.
    public var reflink: Bool

    public init(preallocateMetadata: Bool = false, reflink: Bool = false) {
        self.preallocateMetadata = preallocateMetadata
        self.reflink = reflink
    }
}
