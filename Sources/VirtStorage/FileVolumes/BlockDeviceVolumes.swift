import Foundation

/// Volumes that are block devices the host finds by path (the LUNs of scsi
/// and iscsi pools, the maps of mpath pools): wipe and the volume's data on
/// the device node the volume's path leads to. Those paths are mostly
/// symbolic links (/dev/disk/by-path/…, /dev/mapper/…), which the file
/// volume code refuses to follow, so they are resolved first.
public struct BlockDeviceVolumes: Sendable {
    /// The directory that stands for "/" (a fixture tree in tests).
    public let root: String

    public init(root: String = "/") {
        self.root = root == "/" ? "" : root
    }

    /// A block volume named `name` at `path` of `size` bytes, as libvirt
    /// reports one: capacity, allocation and physical size alike, and the
    /// permissions and timestamps of the device node when it can be stat'ed.
    public func volume(name: String, path: String, size: UInt64) -> VolumeDefinition {
        var volume = VolumeDefinition(name: name, capacity: size)
        volume.type = .block
        volume.allocation = size
        volume.physical = size
        volume.target.path = path
        if let st = SystemCalls.status(of: root + path) {
            volume.target.permissions = FileVolumes.permissions(st)
            volume.target.timestamps = FileVolumes.timestamps(st)
        }
        return volume
    }

    /// The volume with its path replaced by the device node it leads to.
    func device(_ volume: VolumeDefinition) throws(StorageError) -> VolumeDefinition {
        guard let path = volume.target.path else { throw StorageError(.invalidArgument, "volume has no path") }
        // resolve frees realpath's buffer itself.
        guard let resolved = SystemCalls.resolve(root + path) else {
            let code = errno
            throw SystemError.make(
                "cannot resolve the device of volume '\(volume.name)' at '\(path)'", path: path, errno: code)
        }
        var copy = volume
        copy.target.path = resolved
        return copy
    }

    public func wipe(_ volume: VolumeDefinition, algorithm: WipeAlgorithm, progress: ProgressHandler?)
        async throws(StorageError)
    {
        try await VolumeWiper.wipe(path: try device(volume).target.path!, algorithm: algorithm, progress: progress)
    }

}

/// A backend whose volumes are block devices found by path: wipe and the
/// volume's data (upload, download, streams) come from `blockDevices` (scsi,
/// iscsi and mpath pools).
public protocol BlockDeviceVolumeBackend: StorageBackend {
    var blockDevices: BlockDeviceVolumes { get }
}

extension BlockDeviceVolumeBackend {
    public func wipeVolume(
        _ volume: VolumeDefinition, algorithm: WipeAlgorithm, in pool: PoolDefinition, progress: ProgressHandler?
    ) async throws(StorageError) {
        try await blockDevices.wipe(volume, algorithm: algorithm, progress: progress)
    }

    /// The device node the volume's path leads to (upload, download and streams).
    public func openData(_ volume: VolumeDefinition, in pool: PoolDefinition, writable: Bool)
        async throws(StorageError) -> any VolumeData
    {
        try LocalVolumeData(path: try blockDevices.device(volume).target.path ?? "", writable: writable)
    }

}
