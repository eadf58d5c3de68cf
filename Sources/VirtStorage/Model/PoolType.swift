/// The fourteen pool types libvirt knows, spelled as in pool XML.
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
}

/// The kinds of volume libvirt reports (<volume type='...'>).
public enum VolumeType: String, CaseIterable, Sendable, Codable, Hashable {
    case file, block, dir, network, netdir, ploop
}
