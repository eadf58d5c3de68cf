import Foundation
import VirtStorage

/// mpath pools: the host's device-mapper multipath maps as block volumes.
///
/// As libvirt's storage_backend_mpath.c: every device-mapper device whose
/// table's first target is "multipath" is a volume named "dm-MINOR", at
/// /dev/mapper/NAME, keyed by that path; its capacity and allocation are its
/// table's sectors. Volumes cannot be created or deleted (multipathd makes
/// the maps). The devices come from a `DeviceMapperSource`: libdevmapper on
/// a live host (`LibDeviceMapper`), recorded tables in tests, through the same
/// refresh. Unlike libvirt, which shows an empty pool when libdevmapper
/// fails, refresh fails and says why (such as a kernel without device-mapper).
public struct MultipathBackend: BlockDeviceVolumeBackend {
    public let source: any DeviceMapperSource
    /// The directory that stands for "/" when checking /dev/mapper.
    public let root: String

    public init(source: any DeviceMapperSource, root: String = "/") {
        self.source = source
        self.root = root == "/" ? "" : root
    }

    public var type: PoolType { .mpath }

    /// Active when /dev/mapper (or the old /dev/mpath) exists.
    public func check(_ pool: PoolDefinition) async throws(StorageError) -> Bool {
        FileManager.default.fileExists(atPath: root + "/dev/mapper")
            || FileManager.default.fileExists(atPath: root + "/dev/mpath")
    }

    public func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
        let volumes = volumes(try source.devices())
        let total = volumes.reduce(0) { $0 + $1.capacity }
        return (PoolSizes(capacity: total, allocation: total, available: 0), volumes)
    }

    /// The multipath maps among `devices`, as volumes.
    public func volumes(_ devices: [DeviceMapperDevice]) -> [VolumeDefinition] {
        devices.filter(\.isMultipath).map { device in
            var volume = blockDevices.volume(
                name: "dm-\(device.minor)", path: "/dev/mapper/" + device.name, size: device.size)
            volume.key = volume.target.path
            return volume
        }
    }

    /// Wipe, upload and download work on the device node the volume's path leads to.
    public var blockDevices: BlockDeviceVolumes { BlockDeviceVolumes(root: root.isEmpty ? "/" : root) }
}
