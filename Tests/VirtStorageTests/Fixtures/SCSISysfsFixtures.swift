import Foundation
import VirtStorageTestSupport

/// sysfs and /dev trees for scsi and iscsi pools, written into a scratch
/// directory that stands for "/": this machine has no SCSI layer, no FC HBA
/// and no iSCSI initiator.
///
/// Where the values come from:
/// - fc_host host4, host5 and host6 (every attribute): libvirt 9.0.0
///   tests/fchostdata, recorded from a machine with two QLogic NPIV HBAs
///   (host4 link down, host5 online) and one vHBA (host6).
/// - scsi_host host0..host3 under PCI 0000:00:1f.1 and 0000:00:1f.2 with
///   unique_id 1 and 2: the layout libvirt's tests/scsihosttest.c builds
///   (libvirt names the 1f.2 devices host0/host1 again; a kernel numbers
///   hosts once, so here they are host2 and host3).
/// - LUNs 0:0:0:0 (ATA TOSHIBA MK5061GS, sda, 8:0) and 1:0:0:0 (HL-DT-ST
///   DVDRAM GT50N, sdh, 11:0): libvirt 9.0.0 tests/virscsidata.
/// - the iSCSI session (host6/session2/target6:0:0/6:0:0:0/block/sdk and its
///   by-path name ip-127.0.0.1:3260-iscsi-iqn.2016-06.world.srv:storage.target01-lun-0):
///   udev's record of a LIO iSCSI disk in rook's pkg/util/sys/device_test.go.
///
/// Hand-written, after the kernel's sysfs layout: the PCI address of the FC
/// HBAs, the vport-5:0-0 directory between host5 and its vHBA host6, the
/// `type`, `size`, `scan`, `vport_create` and `vport_delete` attributes
/// (type 0 = disk, 5 = CD-ROM, 1 = tape; size in 512-byte sectors), the
/// tape LUN 0:0:1:0, the FC LUNs and every /dev/disk link except the iSCSI one.
/// Device nodes are empty regular files.
struct SCSISysfsFixture {
    let scratch: Scratch
    var root: String { scratch.path }

    init(_ label: String = "scsi") { scratch = Scratch(label) }

    func file(_ path: String, _ contents: String = "") {
        let full = root + path
        try! FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! Data(contents.utf8).write(to: URL(fileURLWithPath: full))
    }

    func link(_ path: String, to target: String) {
        let full = root + path
        try! FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: target)
    }

    func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: root + path).map { String(decoding: $0, as: UTF8.self) }
    }

    func isSymlink(_ path: String) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: root + path)) != nil
    }

    // MARK: scsi_host adapters and their LUNs

    /// A SCSI host below `device` (a /sys/devices path), linked from /sys/class/scsi_host.
    func scsiHost(_ number: Int, device: String, uniqueID: Int) {
        let dir = "\(device)/host\(number)/scsi_host/host\(number)"
        file(dir + "/unique_id", "\(uniqueID)\n")
        file(dir + "/scan")
        link(
            "/sys/class/scsi_host/host\(number)",
            to: "../../devices/\(device.dropFirst("/sys/devices/".count))/host\(number)/scsi_host/host\(number)")
    }

    /// A LUN H:B:T:L with a SCSI type and, for disks and CD-ROMs, a block device.
    func lun(_ address: String, type: Int, block: String?, dev: String = "", sectors: UInt64 = 0) {
        let dir = "/sys/bus/scsi/devices/\(address)"
        file(dir + "/type", "\(type)\n")
        if let block {
            file("\(dir)/block/\(block)/dev", dev + "\n")
            file("\(dir)/block/\(block)/size", "\(sectors)\n")
            file("/dev/\(block)")
            // brw-rw---- root disk, as udev leaves disk nodes.
            chmod(root + "/dev/\(block)", 0o660)
        }
    }

    /// scsihosttest.c's four ATA hosts, virscsidata's disk and DVD, a tape.
    static func fixtureSysfsATAHosts() -> SCSISysfsFixture {
        let f = SCSISysfsFixture("scsi-ata")
        f.scsiHost(0, device: "/sys/devices/pci0000:00/0000:00:1f.1/ata1", uniqueID: 1)
        f.scsiHost(1, device: "/sys/devices/pci0000:00/0000:00:1f.1/ata2", uniqueID: 2)
        f.scsiHost(2, device: "/sys/devices/pci0000:00/0000:00:1f.2/ata1", uniqueID: 1)
        f.scsiHost(3, device: "/sys/devices/pci0000:00/0000:00:1f.2/ata2", uniqueID: 2)
        // The entries beside LUNs in /sys/bus/scsi/devices, which refresh must pass over.
        f.file("/sys/bus/scsi/devices/host0/uevent")
        f.file("/sys/bus/scsi/devices/target0:0:0/uevent")
        f.lun("0:0:0:0", type: 0, block: "sda", dev: "8:0", sectors: 976_773_168)
        f.file("/sys/bus/scsi/devices/0:0:0:0/vendor", "ATA\n")
        f.file("/sys/bus/scsi/devices/0:0:0:0/model", "TOSHIBA MK5061GS\n")
        f.lun("0:0:1:0", type: 1, block: nil)
        f.lun("1:0:0:0", type: 5, block: "sdh", dev: "11:0", sectors: 8_962_048)
        f.file("/sys/bus/scsi/devices/1:0:0:0/vendor", "HL-DT-ST\n")
        f.file("/sys/bus/scsi/devices/1:0:0:0/model", "DVDRAM GT50N\n")
        f.link("/dev/disk/by-path/pci-0000:00:1f.1-ata-1.0", to: "../../sda")
        f.link("/dev/disk/by-path/pci-0000:00:1f.1-ata-2.0", to: "../../sdh")
        f.link("/dev/disk/by-id/ata-TOSHIBA_MK5061GS_Y0U1234", to: "../../sda")
        return f
    }

    // MARK: fc_host adapters

    static let hba5 = "/sys/devices/pci0000:00/0000:04:00.0"
    static let hba4 = "/sys/devices/pci0000:00/0000:04:00.1"

    /// fchostdata's fc_host attributes of one HBA (with vport_create) or vHBA.
    func fcHost(_ number: Int, device: String, attributes: [String: String]) {
        scsiHost(number, device: device, uniqueID: number)
        let dir = "\(device)/host\(number)/fc_host/host\(number)"
        for (name, value) in attributes { file("\(dir)/\(name)", value + "\n") }
        link(
            "/sys/class/fc_host/host\(number)",
            to: "../../devices/\(device.dropFirst("/sys/devices/".count))/host\(number)/fc_host/host\(number)")
    }

    static let host4Attributes = [
        "port_name": "0x2100001b3289da4e", "port_state": "Linkdown", "node_name": "0x2000001b3289da4e",
        "npiv_vports_inuse": "0", "max_npiv_vports": "127", "fabric_name": "0xffffffffffffffff",
    ]
    static let host5Attributes = [
        "port_name": "0x2101001b32a9da4e", "port_state": "Online", "node_name": "0x2001001b32a9da4e",
        "npiv_vports_inuse": "0", "max_npiv_vports": "127", "fabric_name": "0x2001000dec9877c1",
    ]
    static let host6Attributes = [
        "port_name": "0x2102001b32a9da4e", "port_state": "Online", "node_name": "0x2002001b32a9da4e",
    ]

    /// The two HBAs of fchostdata, with empty vport_create and vport_delete.
    static func fixtureSysfsFibreChannelHBAs() -> SCSISysfsFixture {
        let f = SCSISysfsFixture("scsi-fc")
        for (number, device, attributes) in [(4, hba4, host4Attributes), (5, hba5, host5Attributes)] {
            f.fcHost(number, device: device, attributes: attributes)
            f.file("\(device)/host\(number)/fc_host/host\(number)/vport_create")
            f.file("\(device)/host\(number)/fc_host/host\(number)/vport_delete")
        }
        return f
    }

    /// What the kernel does on "wwpn:wwnn" > host5/vport_create: fchostdata's
    /// vHBA host6 below host5, with two LUNs, one of them with a stable name.
    func addVHBA6() {
        let device = Self.hba5 + "/host5/vport-5:0-0"
        fcHost(6, device: device, attributes: Self.host6Attributes)
        lun("6:0:0:0", type: 0, block: "sdb", dev: "8:16", sectors: 20_971_520)
        lun("6:0:1:3", type: 0, block: "sdc", dev: "8:32", sectors: 2_097_152)
        link("/dev/disk/by-path/pci-0000:04:00.0-fc-0x5006016844602198-lun-0", to: "../../sdb")
    }

    static func fixtureSysfsWithVHBA() -> SCSISysfsFixture {
        let f = fixtureSysfsFibreChannelHBAs()
        f.addVHBA6()
        return f
    }

    // MARK: an iSCSI session

    static let iscsiByPath = "ip-127.0.0.1:3260-iscsi-iqn.2016-06.world.srv:storage.target01-lun-0"

    /// Session 2 on host6 with one LIO disk, sdk (rook's recorded DEVPATH).
    static func fixtureSysfsISCSISession() -> SCSISysfsFixture {
        let f = SCSISysfsFixture("iscsi")
        let session = "/sys/devices/platform/host6/session2"
        f.file(session + "/target6:0:0/6:0:0:0/type", "0\n")
        f.file(session + "/target6:0:0/6:0:0:0/block/sdk/dev", "8:160\n")
        f.file(session + "/target6:0:0/6:0:0:0/block/sdk/size", "2097152\n")
        f.link("/sys/bus/scsi/devices/6:0:0:0", to: "../../../devices/platform/host6/session2/target6:0:0/6:0:0:0")
        f.link("/sys/class/iscsi_session/session2/device", to: "../../../devices/platform/host6/session2")
        f.scsiHost(6, device: "/sys/devices/platform", uniqueID: 0)
        f.file("/dev/sdk")
        f.link("/dev/disk/by-path/" + iscsiByPath, to: "../../sdk")
        return f
    }
}

/// scsi_id output recorded from real disks.
enum SCSIIDRecordedOutput {
    /// `scsi_id --page=0x83 --whitelisted --device=/dev/sda`, the NAA example of scsi_id(8).
    static let naa = "3600a0b80000b174b000000d63efc5c8c\n"
    /// The scsi_id lines (`--export`) of udev's record of a LIO iSCSI disk
    /// (rook's pkg/util/sys/device_test.go), in scsi_id's order.
    static let exportLIO = """
        ID_SCSI=1
        ID_VENDOR=LIO-ORG
        ID_VENDOR_ENC=LIO-ORG\\x20
        ID_MODEL=disk01
        ID_MODEL_ENC=disk01\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20
        ID_REVISION=4.0
        ID_TYPE=disk
        ID_SERIAL=36001405d27e5d898829468b90ce4ef8c
        ID_SERIAL_SHORT=6001405d27e5d898829468b90ce4ef8c
        ID_WWN=0x6001405d27e5d898
        ID_WWN_VENDOR_EXTENSION=0x829468b90ce4ef8c
        ID_WWN_WITH_EXTENSION=0x6001405d27e5d898829468b90ce4ef8c
        ID_TARGET_PORT=0
        ID_SCSI_SERIAL=d27e5d89-8829-468b-90ce-4ef8c02f07fe

        """
    /// The same disk without `--export`: ID_SERIAL alone.
    static let serialLIO = "36001405d27e5d898829468b90ce4ef8c\n"
    /// `scsi_id --export --whitelisted -d /dev/sdc` of a RAID volume on a PERC
    /// H755 (unix.stackexchange.com question 717551): no ID_TARGET_PORT.
    static let exportPERC = """
        ID_SCSI=1
        ID_VENDOR=NVMe
        ID_VENDOR_ENC=NVMe\\x20\\x20\\x20\\x20
        ID_MODEL=Dell_Ent_NVMe_v2
        ID_MODEL_ENC=Dell\\x20Ent\\x20NVMe\\x20v2
        ID_REVISION=.2.0
        ID_TYPE=disk
        ID_SERIAL=236435330529024120025384100000002
        ID_SERIAL_SHORT=36435330529024120025384100000002
        ID_SCSI_SERIAL=S6CSNA0R902412\u{20}\u{20}\u{20}\u{20}\u{20}\u{20}

        """
}
