import Foundation

/// A snapshot of a volume, as its backend reports it (VirtStorage beyond
/// libvirt, whose storage API has no volume snapshots).
public struct VolumeSnapshot: Sendable, Equatable, Codable {
    public var name: String
    /// The text given when it was taken, where the backend keeps one (rbd,
    /// zfs; a qcow2 image has no place for it).
    public var description: String?
    /// When it was taken, where the backend records it.
    public var created: Date?
    /// Bytes that only this snapshot holds, where the backend knows (zfs
    /// `used`; a qcow2 snapshot's saved VM state).
    public var size: UInt64?

    public init(name: String, description: String? = nil, created: Date? = nil, size: UInt64? = nil) {
        self.name = name
        self.description = description
        self.created = created
        self.size = size
    }

    /// Refuses a name that is not a plain name in every backend's terms:
    /// it begins with a letter or `_` (qemu-img reads a name of digits as a
    /// snapshot id), then letters, digits and `_ . : + -`, at most 128 bytes.
    public static func checkName(_ name: String) throws(StorageError) {
        let bytes = Array(name.utf8)
        func letter(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x5F }
        func allowed(_ b: UInt8) -> Bool { letter(b) || (0x30...0x39).contains(b) || Array("_.:+-".utf8).contains(b) }
        guard let first = bytes.first, letter(first), bytes.count <= 128, bytes.allSatisfy(allowed) else {
            throw StorageError(
                .invalidArgument, "invalid snapshot name '\(name)'", value: name,
                hint: "a snapshot name begins with a letter or '_', then letters, digits and '_.:+-', at most 128")
        }
    }
}

/// A backend whose volumes can hold snapshots. The host checks names, the
/// volume's existence and that no job runs on it before it calls these, and
/// announces the change after.
public protocol SnapshottingBackend: StorageBackend {
    /// Takes a snapshot `name` of the volume as it is now.
    func createSnapshot(
        _ name: String, description: String?, of volume: VolumeDefinition, in pool: PoolDefinition
    ) async throws(StorageError)
    /// The volume's snapshots, oldest first.
    func snapshots(of volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> [VolumeSnapshot]
    /// Brings the volume's data back to the snapshot; newer snapshots stay
    /// where the backend can keep them.
    func revertSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
        async throws(StorageError)
    /// Deletes the snapshot; refused while a clone depends on it.
    func deleteSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
        async throws(StorageError)
    /// Writes the new volume `clone` (its key and path already set by
    /// ``StorageBackend/prepareVolume(_:in:)``) with the data of the snapshot.
    func buildVolume(
        _ clone: VolumeDefinition, fromSnapshot name: String, of volume: VolumeDefinition, in pool: PoolDefinition,
        progress: ProgressHandler?
    ) async throws(StorageError)
    /// The volume's data as it was at the snapshot, read-only (a volume
    /// stream taken at a snapshot). Where the data can also say what changed
    /// since an older snapshot, it is a ``ChangeTrackingVolumeData``.
    func openData(_ volume: VolumeDefinition, in pool: PoolDefinition, atSnapshot name: String)
        async throws(StorageError) -> any VolumeData
    /// Whether a snapshot leaves the volume as it is: false where taking one
    /// turns it into something else (a raw file into a qcow2 overlay), which
    /// the host then does only when asked (not to mark an imported stream's
    /// snapshot).
    func snapshotKeepsVolume(_ volume: VolumeDefinition) -> Bool
}

extension SnapshottingBackend {
    public func snapshotKeepsVolume(_ volume: VolumeDefinition) -> Bool { true }

    public func openData(_ volume: VolumeDefinition, in pool: PoolDefinition, atSnapshot name: String)
        async throws(StorageError) -> any VolumeData
    {
        throw unsupported("reading a volume at a snapshot")
    }
}
