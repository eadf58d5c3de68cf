import Foundation
import Testing

/// libvirt 9.0.0's conformance data (test inputs, expected outputs, schemas),
/// fetched from Debian's libvirt source package by Scripts/conformance.sh
/// (which Scripts/bootstrap.sh runs) into .build/conformance/libvirt-9.0.0,
/// or the directory named by $VIRT_STORAGE_CONFORMANCE.
enum Corpus {
    static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["VIRT_STORAGE_CONFORMANCE"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return package.appendingPathComponent(".build/conformance/libvirt-9.0.0")
    }()

    /// Why the corpus cannot be read, in one line, or nil when it is there.
    static let missing: String? = {
        FileManager.default.fileExists(atPath: root.appendingPathComponent(".complete").path)
            ? nil
            : "libvirt 9.0.0 conformance data not found in \(root.path): run Scripts/conformance.sh"
    }()

    struct Missing: Error, CustomStringConvertible { var description: String }

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static func read(_ relative: String) throws -> String {
        if let missing { throw Missing(description: missing) }
        return try String(contentsOf: url(relative), encoding: .utf8)
    }

    static func files(in directory: String) throws -> [String] {
        if let missing { throw Missing(description: missing) }
        return try FileManager.default.contentsOfDirectory(atPath: url(directory).path).filter { $0.hasSuffix(".xml") }
            .sorted()
    }

    static let poolRoundTrips = [
        "pool-dir", "pool-dir-naming", "pool-dir-cow", "pool-fs", "pool-logical", "pool-logical-nopath",
        "pool-logical-create", "pool-logical-noname", "pool-disk", "pool-disk-device-nopartsep", "pool-iscsi",
        "pool-iscsi-auth", "pool-netfs", "pool-netfs-slash", "pool-netfs-auto", "pool-netfs-protocol-ver",
        "pool-netfs-gluster", "pool-netfs-cifs", "pool-netfs-ns-mountopts", "pool-scsi", "pool-scsi-type-scsi-host",
        "pool-scsi-type-fc-host", "pool-scsi-type-fc-host-managed", "pool-mpath", "pool-iscsi-multiiqn",
        "pool-iscsi-vendor-product", "pool-gluster", "pool-gluster-sub", "pool-scsi-type-scsi-host-stable", "pool-zfs",
        "pool-zfs-sourcedev", "pool-rbd", "pool-rbd-ipv6", "pool-rbd-refresh-volume-allocation",
        "pool-rbd-ns-configopts", "pool-vstorage", "pool-iscsi-direct-auth", "pool-iscsi-direct",
    ]

    struct VolumeCase: Sendable, CustomTestStringConvertible {
        var pool: String
        var volume: String
        var capacityOptional = false
        var testDescription: String { "\(pool)/\(volume)" }
    }

    static let volumeRoundTrips: [VolumeCase] = [
        .init(pool: "pool-dir", volume: "vol-file"), .init(pool: "pool-dir", volume: "vol-file-naming"),
        .init(pool: "pool-dir", volume: "vol-file-backing"), .init(pool: "pool-dir", volume: "vol-file-iso"),
        .init(pool: "pool-dir", volume: "vol-qcow2"), .init(pool: "pool-dir", volume: "vol-qcow2-1.1"),
        .init(pool: "pool-dir", volume: "vol-qcow2-lazy"), .init(pool: "pool-dir", volume: "vol-qcow2-0.10-lazy"),
        .init(pool: "pool-dir", volume: "vol-qcow2-nobacking"), .init(pool: "pool-dir", volume: "vol-qcow2-encryption"),
        .init(pool: "pool-dir", volume: "vol-qcow2-luks"), .init(pool: "pool-dir", volume: "vol-qcow2-clusterSize"),
        .init(pool: "pool-dir", volume: "vol-luks"), .init(pool: "pool-dir", volume: "vol-luks-cipher"),
        .init(pool: "pool-disk", volume: "vol-partition"), .init(pool: "pool-logical", volume: "vol-logical"),
        .init(pool: "pool-logical", volume: "vol-logical-backing"),
        .init(pool: "pool-gluster", volume: "vol-gluster-dir"),
        .init(pool: "pool-gluster", volume: "vol-gluster-dir-neg-uid"),
        .init(pool: "pool-dir", volume: "vol-qcow2-nocapacity", capacityOptional: true),
    ]
}
