/// The fourteen pool types libvirt knows, spelled as in pool XML, in
/// libvirt's order; then the types VirtStorage adds (``PoolTypeRules/origin``).
public enum PoolType: String, CaseIterable, Sendable, Codable, Hashable {
    case dir
    case fs
    case netfs
    case logical
    case disk
    case iscsi
    case iscsiDirect = "iscsi-direct"
    case scsi
    case mpath
    case rbd
    case sheepdog
    case gluster
    case zfs
    case vstorage
    /// A btrfs filesystem whose volumes are subvolumes (VirtStorage extension).
    case btrfs

    /// The types libvirt 9.0 knows.
    public static var libvirtTypes: [PoolType] { allCases.filter { PoolTypeRules.of($0).origin == .libvirt } }
}

/// The kinds of volume libvirt reports (<volume type='...'>).
public enum VolumeType: String, CaseIterable, Sendable, Codable, Hashable {
    case file, block, dir, network, netdir, ploop
}
