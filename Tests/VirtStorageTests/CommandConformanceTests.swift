import Foundation
import Testing

@testable import VirtStorage

@Suite("libvirt 9.0 command lines")
struct CommandConformanceTests {
    /// `vstorageMount`: libvirt's argv test builds only mount and vgchange
    /// commands and so fails this pool; VirtStorage starts it with
    /// vstorage-mount (VstoragePoolTests checks that command line).
    enum Expectation: Sendable { case file, platformFiles, fail, vstorageMount }

    static let poolCases: [(String, Expectation)] = [
        ("pool-dir", .fail), ("pool-dir-naming", .fail), ("pool-logical", .file), ("pool-logical-nopath", .file),
        ("pool-logical-create", .file), ("pool-logical-noname", .file), ("pool-disk", .fail),
        ("pool-disk-device-nopartsep", .fail), ("pool-iscsi", .fail), ("pool-iscsi-auth", .fail),
        ("pool-fs", .platformFiles), ("pool-netfs", .platformFiles), ("pool-netfs-auto", .platformFiles),
        ("pool-netfs-protocol-ver", .platformFiles), ("pool-netfs-ns-mountopts", .platformFiles),
        ("pool-netfs-gluster", .platformFiles), ("pool-netfs-cifs", .platformFiles), ("pool-scsi", .fail),
        ("pool-scsi-type-scsi-host", .fail), ("pool-scsi-type-fc-host", .fail),
        ("pool-scsi-type-fc-host-managed", .fail), ("pool-mpath", .fail), ("pool-iscsi-multiiqn", .fail),
        ("pool-iscsi-vendor-product", .fail), ("pool-gluster", .fail), ("pool-gluster-sub", .fail),
        ("pool-scsi-type-scsi-host-stable", .fail), ("pool-zfs", .fail), ("pool-zfs-sourcedev", .fail),
        ("pool-rbd", .fail), ("pool-vstorage", .vstorageMount), ("pool-iscsi-direct-auth", .fail),
        ("pool-iscsi-direct", .fail),
    ]

    /// Compares like libvirt's test: a missing final newline is added.
    static func expectSame(_ actual: String, _ file: String) throws {
        let expected = try Corpus.read(file)
        let normalized = expected.hasSuffix("\n") && !actual.hasSuffix("\n") ? actual + "\n" : actual
        #expect(normalized == expected, "\(file)")
    }

    @Test("pool start command", arguments: poolCases.map(\.0))
    func poolStart(name: String) throws {
        let expectation = Self.poolCases.first { $0.0 == name }!.1
        let def = try PoolXML.parse(try Corpus.read("storagepoolxml2xmlin/\(name).xml"))
        switch expectation {
        case .fail:
            let error = #expect(throws: StorageError.self) { try PoolStartCommand.start(def, platform: .linux) }
            #expect(error?.code == .operationUnsupported)
        case .vstorageMount:
            #expect(try PoolStartCommand.start(def, platform: .linux).program == "vstorage-mount")
        case .file:
            try Self.expectSame(try PoolStartCommand.start(def).rendered(), "storagepoolxml2argvdata/\(name).argv")
        case .platformFiles:
            for (platform, suffix) in [(Platform.linux, "-linux"), (.freebsd, "-freebsd"), (.other, "")] {
                try Self.expectSame(
                    try PoolStartCommand.start(def, platform: platform).rendered(),
                    "storagepoolxml2argvdata/\(name)\(suffix).argv")
            }
        }
    }

    struct VolumeCase: Sendable, CustomTestStringConvertible {
        var pool: String
        var volume: String
        var inputPool: String?
        var inputVolume: String?
        /// nil = building must fail.
        var expected: String?
        var prealloc = false
        var capacityOptional = false
        /// For failing cases: a part of the message the error must carry.
        var failure: String?
        var testDescription: String { expected ?? "\(volume) (fails)" }
    }

    static let volumeCases: [VolumeCase] = [
        .init(pool: "pool-dir", volume: "vol-qcow2", expected: "qcow2-compat"),
        .init(
            pool: "pool-dir", volume: "vol-qcow2-nobacking", expected: "qcow2-nobacking-prealloc-compat", prealloc: true
        ),
        .init(
            pool: "pool-dir", volume: "vol-qcow2-nobacking", inputPool: "pool-dir", inputVolume: "vol-file",
            expected: "qcow2-nobacking-convert-prealloc-compat", prealloc: true),
        .init(pool: "pool-dir", volume: "vol-qcow2-lazy", expected: "qcow2-lazy"),
        .init(pool: "pool-dir", volume: "vol-qcow2-1.1", expected: "qcow2-1.1"),
        .init(
            pool: "pool-dir", volume: "vol-qcow2-0.10-lazy", expected: nil,
            failure: "lazy_refcounts not supported with compat level 0.10"),
        .init(
            pool: "pool-dir", volume: "vol-qcow2-nobacking", inputPool: "pool-logical", inputVolume: "vol-logical",
            expected: "qcow2-from-logical-compat"),
        .init(
            pool: "pool-logical", volume: "vol-logical", inputPool: "pool-dir", inputVolume: "vol-qcow2-nobacking",
            expected: "logical-from-qcow2"),
        .init(pool: "pool-dir", volume: "vol-qcow2-nocow", expected: "qcow2-nocow-compat"),
        .init(
            pool: "pool-dir", volume: "vol-qcow2-nocapacity", inputPool: "pool-dir", inputVolume: "vol-file",
            expected: "qcow2-nocapacity-convert-prealloc", prealloc: true),
        .init(pool: "pool-dir", volume: "vol-qcow2-zerocapacity", expected: "qcow2-zerocapacity"),
        .init(
            pool: "pool-dir", volume: "vol-qcow2-nocapacity-backing", expected: "qcow2-nocapacity",
            capacityOptional: true),
        .init(pool: "pool-dir", volume: "vol-qcow2-clusterSize", expected: "qcow2-clusterSize"),
        .init(pool: "pool-dir", volume: "vol-file-iso", expected: "iso"),
        .init(
            pool: "pool-dir", volume: "vol-file", inputPool: "pool-dir", inputVolume: "vol-file-iso",
            expected: "iso-input"),
        .init(
            pool: "pool-dir", volume: "vol-qcow2-encryption", expected: nil,
            failure: "creation of qcow2 encrypted image is not supported"),
        .init(pool: "pool-dir", volume: "vol-luks", expected: "luks"),
        .init(pool: "pool-dir", volume: "vol-luks-cipher", expected: "luks-cipher"),
        .init(pool: "pool-dir", volume: "vol-qcow2-luks", expected: "qcow2-luks"),
        .init(
            pool: "pool-dir", volume: "vol-luks-convert", inputPool: "pool-dir", inputVolume: "vol-file",
            expected: "luks-convert"),
        .init(
            pool: "pool-dir", volume: "vol-luks-convert", inputPool: "pool-dir", inputVolume: "vol-file-qcow2",
            expected: "luks-convert-qcow2"),
        .init(
            pool: "pool-dir", volume: "vol-luks", inputPool: "pool-dir", inputVolume: "vol-luks-convert",
            expected: "luks-convert-encrypt"),
        .init(
            pool: "pool-dir", volume: "vol-file", inputPool: "pool-dir", inputVolume: "vol-luks-convert",
            expected: "luks-convert-encrypt2fileraw"),
        .init(
            pool: "pool-dir", volume: "vol-file-qcow2", inputPool: "pool-dir", inputVolume: "vol-luks-convert",
            expected: "luks-convert-encrypt2fileqcow2"),
        .init(
            pool: "pool-dir", volume: "vol-qcow2-luks", inputPool: "pool-dir", inputVolume: "vol-qcow2-luks-convert",
            expected: "qcow2-luks-convert-encrypt"),
        .init(
            pool: "pool-dir", volume: "vol-file", inputPool: "pool-dir", inputVolume: "vol-qcow2-luks-convert",
            expected: "qcow2-luks-convert-encrypt2fileraw"),
        .init(
            pool: "pool-dir", volume: "vol-file-qcow2", inputPool: "pool-dir", inputVolume: "vol-qcow2-luks-convert",
            expected: "qcow2-luks-convert-encrypt2fileqcow2"),
    ]

    static func loadVolume(pool: String, volume: String, capacity: VolumeXML.CapacityRule) throws
        -> QemuImgCommand.Volume
    {
        let poolDef = try PoolXML.parse(try Corpus.read("storagepoolxml2xmlin/\(pool).xml"))
        var vol = try VolumeXML.parse(
            try Corpus.read("storagevolxml2xmlin/\(volume).xml"), poolType: poolDef.type, capacity: capacity)
        vol.type = poolDef.rules.newVolumeType
        return .init(vol, in: poolDef.type)
    }

    @Test("qemu-img command", arguments: volumeCases)
    func qemuImg(c: VolumeCase) throws {
        let capacity: VolumeXML.CapacityRule =
            c.inputVolume != nil ? .optional : (c.capacityOptional ? .optionalWithBackingStore : .required)
        let volume = try Self.loadVolume(pool: c.pool, volume: c.volume, capacity: capacity)
        var builder = QemuImgCommand(volume: volume)
        if let inputPool = c.inputPool, let inputVolume = c.inputVolume {
            builder.input = try Self.loadVolume(pool: inputPool, volume: inputVolume, capacity: .required)
        }
        builder.preallocateMetadata = c.prealloc
        builder.secretPath = "/path/to/secretFile"
        builder.inputSecretPath = "/path/to/inputSecretFile"
        if let expected = c.expected {
            try Self.expectSame(Command.render(try builder.commands()), "storagevolxml2argvdata/\(expected).argv")
        } else {
            let error = #expect(throws: StorageError.self) { try builder.commands() }
            #expect(error?.code == .configUnsupported)
            #expect(error?.message.contains(c.failure ?? "?") == true, "\(String(describing: error))")
        }
    }

    @Test func caseCounts() {
        #expect(Self.poolCases.count == 33)
        #expect(Self.volumeCases.count == 27)
    }
}
