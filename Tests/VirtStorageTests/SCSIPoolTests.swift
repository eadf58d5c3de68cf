import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// The scsi backend on sysfs fixture trees (SCSISysfsFixture): no SCSI layer,
/// FC HBA or udev here, so sysfs is a directory tree built from libvirt's
/// recorded sysfs data, and scsi_id answers with recorded output.
@Suite("scsi pools on sysfs fixture trees")
struct SCSIPoolTests {
    typealias Output = CommandRunner.Output
    typealias Fixture = SCSISysfsFixture

    static func pool(_ adapter: StorageAdapter, target: String = "/dev/disk/by-path") -> PoolDefinition {
        var source = PoolSource()
        source.adapter = adapter
        var def = PoolDefinition(type: .scsi, name: "hba", source: source)
        def.target.path = target
        return def
    }

    static func named(_ name: String) -> StorageAdapter { .scsiHost(.init(name: name)) }

    static func fc(
        parent: String? = nil, parentWWNN: String? = nil, parentWWPN: String? = nil, fabric: String? = nil,
        managed: Bool? = nil, wwnn: String = "2002001b32a9da4e", wwpn: String = "2102001b32a9da4e"
    ) -> StorageAdapter {
        .fcHost(
            .init(
                parent: parent, parentWWNN: parentWWNN, parentWWPN: parentWWPN, parentFabricWWN: fabric,
                managed: managed, wwnn: wwnn, wwpn: wwpn))
    }

    static func scsiID(_ output: String) -> RecordedCommandRunner {
        RecordedCommandRunner(["/lib/udev/scsi_id": Output(stdout: output)])
    }

    static func scsiIDLine(_ path: String, export: Bool = false) -> String {
        "/lib/udev/scsi_id --replace-whitespace --whitelisted" + (export ? " --export" : "") + " --device " + path
    }

    // MARK: scsi_host adapters

    @Test("adapter names: hostN, scsi_hostN and fc_hostN; anything else is refused")
    func adapterNames() throws {
        #expect(try SCSIHosts.number("host5") == 5)
        #expect(try SCSIHosts.number("scsi_host12") == 12)
        #expect(try SCSIHosts.number("fc_host0") == 0)
        for bad in ["sda", "host", "hostx", "5", "scsi_host-1", ""] {
            #expect(throws: StorageError.self, "\(bad)") { try SCSIHosts.number(bad) }
        }
    }

    @Test("fixtureSysfs: check finds host0 and not host9")
    func checkByName() async throws {
        let f = Fixture.fixtureSysfsATAHosts()
        let backend = SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID(SCSIIDRecordedOutput.naa))
        #expect(try await backend.check(Self.pool(Self.named("host0"))))
        #expect(try await backend.check(Self.pool(Self.named("scsi_host3"))))
        #expect(try await backend.check(Self.pool(Self.named("host9"))) == false)
        await #expect(throws: StorageError.self) { try await backend.start(Self.pool(Self.named("host9"))) }
    }

    @Test("fixtureSysfs: refresh scans the host and lists its disk LUN at its by-path name, keyed by scsi_id")
    func refreshByName() async throws {
        let f = Fixture.fixtureSysfsATAHosts()
        let runner = Self.scsiID(SCSIIDRecordedOutput.naa)
        let backend = SCSIBackend(sysfsRoot: f.root, runner: runner)
        let (sizes, volumes) = try await backend.refresh(Self.pool(Self.named("host0")))
        #expect(f.contents("/sys/devices/pci0000:00/0000:00:1f.1/ata1/host0/scsi_host/host0/scan") == "- - -")
        #expect(volumes.map(\.name) == ["unit:0:0:0"])  // the tape at 0:0:1:0 is no volume
        let volume = try #require(volumes.first)
        #expect(volume.type == .block)
        #expect(volume.target.path == "/dev/disk/by-path/pci-0000:00:1f.1-ata-1.0")
        #expect(volume.key == "3600a0b80000b174b000000d63efc5c8c")
        #expect(volume.capacity == 976_773_168 * 512 && volume.allocation == volume.capacity)
        #expect(volume.physical == volume.capacity)
        #expect(volume.target.timestamps != nil && volume.target.permissions?.mode == 0o660)
        // libvirt writes no <format> for scsi volumes, and the block device's size as <physical>.
        let xml = VolumeXML.format(volume, poolType: .scsi)
        #expect(xml.contains("<physical unit='bytes'>500107862016</physical>") && !xml.contains("<format"))
        #expect(sizes == PoolSizes(capacity: 976_773_168 * 512, allocation: 976_773_168 * 512, available: 0))
        #expect(runner.lines == [Self.scsiIDLine(f.root + "/dev/disk/by-path/pci-0000:00:1f.1-ata-1.0")])
    }

    @Test("fixtureSysfs: a CD-ROM LUN is a volume too, named without its host number")
    func refreshROM() async throws {
        let f = Fixture.fixtureSysfsATAHosts()
        let backend = SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID(SCSIIDRecordedOutput.naa))
        let (_, volumes) = try await backend.refresh(Self.pool(Self.named("host1")))
        #expect(volumes.map(\.name) == ["unit:0:0:0"])
        #expect(volumes.first?.target.path == "/dev/disk/by-path/pci-0000:00:1f.1-ata-2.0")
        // Compared as arrays: an Optional<UInt64> inside #expect goes through a
        // compiler-made AnyHashable thunk that AddressSanitizer flags (Swift 6.x).
        #expect(volumes.map(\.capacity) == [8_962_048 * 512])
    }

    @Test(
        "fixtureSysfs: a scsi_host adapter found by parent PCI address and unique_id",
        arguments: [
            (PCIAddress(domain: 0, bus: 0, slot: 0x1f, function: 1), Int32(1), "host0"),
            (PCIAddress(domain: 0, bus: 0, slot: 0x1f, function: 1), Int32(2), "host1"),
            (PCIAddress(domain: 0, bus: 0, slot: 0x1f, function: 2), Int32(1), "host2"),
            (PCIAddress(domain: 0, bus: 0, slot: 0x1f, function: 2), Int32(2), "host3"),
        ])
    func byParentAddress(address: PCIAddress, uniqueID: Int32, host: String) async throws {
        let f = Fixture.fixtureSysfsATAHosts()
        #expect(try SCSIHosts(sysfs: SysfsTree(root: f.root)).find(parent: address, uniqueID: UInt32(uniqueID)) == host)
        let backend = SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID(SCSIIDRecordedOutput.naa))
        let pool = Self.pool(.scsiHost(.init(parentAddress: address, uniqueID: uniqueID)))
        #expect(try await backend.check(pool))
        _ = try await backend.refresh(pool)
        let number = host.dropFirst(4)
        let ata = (Int(number)! % 2) + 1
        let scan = "/sys/devices/pci0000:00/0000:00:1f.\(address.function)/ata\(ata)/\(host)/scsi_host/\(host)/scan"
        #expect(f.contents(scan) == "- - -")
    }

    @Test("fixtureSysfs: no host at that PCI address and unique_id is an error naming both")
    func byParentAddressMissing() async throws {
        let f = Fixture.fixtureSysfsATAHosts()
        let backend = SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID(""))
        let pool = Self.pool(
            .scsiHost(.init(parentAddress: PCIAddress(domain: 0, bus: 0, slot: 0x1f, function: 1), uniqueID: 3)))
        let error = await #expect(throws: StorageError.self) { try await backend.refresh(pool) }
        #expect(error?.message == "Failed to find scsi_host using PCI '0000:00:1f.1' and unique_id='3'")
    }

    @Test("fixtureSysfs: target /dev gives the kernel names, by-id its own links, elsewhere is refused")
    func targetPaths() async throws {
        let f = Fixture.fixtureSysfsATAHosts()
        let backend = SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID(SCSIIDRecordedOutput.naa))
        var (_, volumes) = try await backend.refresh(Self.pool(Self.named("host0"), target: "/dev"))
        #expect(volumes.map(\.target.path) == ["/dev/sda"])
        (_, volumes) = try await backend.refresh(Self.pool(Self.named("host0"), target: "/dev/disk/by-id/"))
        #expect(volumes.map(\.target.path) == ["/dev/disk/by-id/ata-TOSHIBA_MK5061GS_Y0U1234"])
        // No stable name for the DVD in by-id: libvirt leaves such LUNs out.
        (_, volumes) = try await backend.refresh(Self.pool(Self.named("host1"), target: "/dev/disk/by-id"))
        #expect(volumes.isEmpty)
        let error = await #expect(throws: StorageError.self) {
            try await backend.refresh(Self.pool(Self.named("host0"), target: "/srv/luns"))
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test("fixtureSysfs: without a serial number from scsi_id the key is the path; without scsi_id, refresh fails")
    func keyFallback() async throws {
        let f = Fixture.fixtureSysfsATAHosts()
        let silent = RecordedCommandRunner(["/lib/udev/scsi_id": Output(status: 1)])
        var (_, volumes) = try await SCSIBackend(sysfsRoot: f.root, runner: silent)
            .refresh(Self.pool(Self.named("host0")))
        #expect(volumes.map(\.key) == ["/dev/disk/by-path/pci-0000:00:1f.1-ata-1.0"])
        let missing = SCSIBackend(sysfsRoot: f.root, runner: SystemCommandRunner())
        if FileManager.default.isExecutableFile(atPath: "/lib/udev/scsi_id") {
            // With udev installed, scsi_id runs and finds no SCSI device in the fixture.
            (_, volumes) = try await missing.refresh(Self.pool(Self.named("host0")))
            #expect(volumes.map(\.key) == ["/dev/disk/by-path/pci-0000:00:1f.1-ata-1.0"])
        } else {
            let error = await #expect(throws: StorageError.self) {
                try await missing.refresh(Self.pool(Self.named("host0")))
            }
            #expect(error?.message.contains("/lib/udev/scsi_id") == true)
        }
    }

    @Test("fixtureSysfs: an old kernel's block:sdX link names the device; its size is under /sys/class/block")
    func oldStyleBlockLink() async throws {
        // Hand-written after the layout libvirt's getOldStyleBlockDevice reads.
        let f = Fixture("scsi-old")
        f.scsiHost(2, device: "/sys/devices/pci0000:00/0000:00:1f.2/ata1", uniqueID: 1)
        f.file("/sys/bus/scsi/devices/2:0:0:0/type", "0\n")
        f.link("/sys/bus/scsi/devices/2:0:0:0/block:sdq", to: "../../../../block/sdq")
        f.file("/sys/class/block/sdq/size", "2048\n")
        f.file("/dev/sdq")
        let backend = SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID(SCSIIDRecordedOutput.naa))
        let (_, volumes) = try await backend.refresh(Self.pool(Self.named("host2"), target: "/dev"))
        #expect(volumes.map(\.target.path) == ["/dev/sdq"])
        #expect(volumes.map(\.capacity) == [2048 * 512])
    }

    @Test("fixtureSysfs: a machine without /sys/bus/scsi says so")
    func noSCSILayer() async throws {
        let f = Fixture("scsi-empty")
        f.scsiHost(0, device: "/sys/devices/platform", uniqueID: 0)
        let error = await #expect(throws: StorageError.self) {
            try await SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID("")).refresh(Self.pool(Self.named("host0")))
        }
        #expect(error?.message == "cannot open directory '/sys/bus/scsi/devices': No such file or directory")
        #expect(error?.hint == "this system has no SCSI layer")
    }

    // MARK: fc_host adapters

    @Test("fixtureSysfs: an existing vHBA is used as it is: no vport write, LUNs keyed by serial and target port")
    func existingVHBA() async throws {
        let f = Fixture.fixtureSysfsWithVHBA()
        let runner = Self.scsiID(SCSIIDRecordedOutput.exportLIO)
        let backend = SCSIBackend(sysfsRoot: f.root, runner: runner)
        let pool = Self.pool(Self.fc(parent: "scsi_host5"))
        #expect(try await backend.check(pool))
        try await backend.start(pool)
        #expect(f.contents(Fixture.hba5 + "/host5/fc_host/host5/vport_create") == "")
        let (_, volumes) = try await backend.refresh(pool)
        #expect(f.contents(Fixture.hba5 + "/host5/vport-5:0-0/host6/scsi_host/host6/scan") == "- - -")
        // 6:0:1:3 (sdc) has no by-path link yet and is left out.
        #expect(volumes.map(\.name) == ["unit:0:0:0"])
        #expect(volumes.first?.key == "36001405d27e5d898829468b90ce4ef8c_PORT0")
        #expect(volumes.map(\.capacity) == [20_971_520 * 512])
        #expect(
            runner.lines == [
                Self.scsiIDLine(f.root + "/dev/disk/by-path/pci-0000:04:00.0-fc-0x5006016844602198-lun-0", export: true)
            ])
        // Without ID_TARGET_PORT in scsi_id's answer the key is the path, as in libvirt.
        let (_, perc) = try await SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID(SCSIIDRecordedOutput.exportPERC))
            .refresh(pool)
        #expect(perc.first?.key == "/dev/disk/by-path/pci-0000:04:00.0-fc-0x5006016844602198-lun-0")
    }

    @Test("fixtureSysfs: an fc_host pool on an HBA's own names, or under the wrong parent, does not start")
    func existingVHBAChecks() async throws {
        let f = Fixture.fixtureSysfsWithVHBA()
        let backend = SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID(""))
        var error = await #expect(throws: StorageError.self) {
            try await backend.start(Self.pool(Self.fc(wwnn: "2001001b32a9da4e", wwpn: "2101001b32a9da4e")))
        }
        #expect(error?.message == "the wwnn/wwpn for 'host5' are assigned to an HBA")
        error = await #expect(throws: StorageError.self) {
            try await backend.start(Self.pool(Self.fc(parent: "scsi_host4")))
        }
        #expect(
            error?.message
                == "Parent attribute 'scsi_host4' does not match parent 'scsi_host5' determined for the 'host6' wwnn/wwpn lookup."
        )
        error = await #expect(throws: StorageError.self) { try await backend.start(Self.pool(Self.fc(parent: "sda"))) }
        #expect(error?.message == "parent 'sda' is not properly formatted")
        try await backend.start(Self.pool(Self.fc(parent: "host5")))
    }

    @Test("fixtureSysfs: check of an fc_host pool whose vHBA is not there is false, not an error")
    func checkWithoutVHBA() async throws {
        let f = Fixture.fixtureSysfsFibreChannelHBAs()
        let backend = SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID(""))
        #expect(try await backend.check(Self.pool(Self.fc())) == false)
        let error = await #expect(throws: StorageError.self) { try await backend.refresh(Self.pool(Self.fc())) }
        #expect(error?.code == .xmlError)
    }

    /// Plays the kernel: once "wwpn:wwnn" is in host5's vport_create, adds the vHBA.
    static func kernel(_ f: Fixture, expecting written: String) -> Task<Bool, Never> {
        Task {
            for _ in 0..<200 {
                if f.contents(Fixture.hba5 + "/host5/fc_host/host5/vport_create") == written {
                    f.addVHBA6()
                    return true
                }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return false
        }
    }

    @Test(
        "fixtureSysfs: start creates the vHBA on the parent HBA (wwpn:wwnn to vport_create), stop deletes it",
        arguments: [
            fc(parent: "scsi_host5"), fc(parentWWNN: "2001001b32a9da4e", parentWWPN: "2101001b32a9da4e"),
            fc(fabric: "2001000dec9877c1"),
            fc(),  // no parent said: the first online NPIV HBA, host5 (host4's link is down)
        ])
    func createAndDeleteVHBA(adapter: StorageAdapter) async throws {
        let f = Fixture.fixtureSysfsFibreChannelHBAs()
        let backend = SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID(SCSIIDRecordedOutput.exportLIO))
        let pool = Self.pool(adapter)
        let kernel = Self.kernel(f, expecting: "2102001b32a9da4e:2002001b32a9da4e")
        try await backend.start(pool)
        #expect(await kernel.value)
        #expect(f.contents(Fixture.hba4 + "/host4/fc_host/host4/vport_create") == "")
        #expect(try await backend.check(pool))
        #expect(try await backend.refresh(pool).1.map(\.name) == ["unit:0:0:0"])
        try await backend.stop(pool)
        #expect(f.contents(Fixture.hba5 + "/host5/fc_host/host5/vport_delete") == "2102001b32a9da4e:2002001b32a9da4e")
    }

    @Test("fixtureSysfs: a vHBA that never appears fails start and is deleted again")
    func vhbaNeverAppears() async throws {
        let f = Fixture.fixtureSysfsFibreChannelHBAs()
        let backend = SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID(""), vhbaTimeout: .milliseconds(200))
        let error = await #expect(throws: StorageError.self) {
            try await backend.start(Self.pool(Self.fc(parent: "host5")))
        }
        #expect(error?.message.contains("did not appear under /sys/class/fc_host") == true)
        #expect(f.contents(Fixture.hba5 + "/host5/fc_host/host5/vport_create") == "2102001b32a9da4e:2002001b32a9da4e")
        #expect(f.contents(Fixture.hba5 + "/host5/fc_host/host5/vport_delete") == "2102001b32a9da4e:2002001b32a9da4e")
    }

    @Test("fixtureSysfs: a parent that cannot make vHBAs, or cannot be found, is refused before any write")
    func badParents() async throws {
        let f = Fixture.fixtureSysfsFibreChannelHBAs()
        f.scsiHost(0, device: "/sys/devices/pci0000:00/0000:00:1f.1/ata1", uniqueID: 1)
        let backend = SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID(""), vhbaTimeout: .milliseconds(50))
        var error = await #expect(throws: StorageError.self) {
            try await backend.start(Self.pool(Self.fc(parent: "scsi_host0")))
        }
        #expect(error?.message == "parent 'scsi_host0' specified for vHBA does not exist")
        error = await #expect(throws: StorageError.self) {
            try await backend.start(Self.pool(Self.fc(fabric: "2001000dec9877c2")))
        }
        #expect(error?.message.contains("cannot find parent using provided fabric_wwn") == true)
        error = await #expect(throws: StorageError.self) {
            try await backend.start(Self.pool(Self.fc(parentWWNN: "2000000000000000", parentWWPN: "2100000000000000")))
        }
        #expect(error?.message.contains("cannot find parent using provided wwnn/wwpn") == true)
        f.file(Fixture.hba5 + "/host5/fc_host/host5/port_state", "Linkdown\n")
        error = await #expect(throws: StorageError.self) { try await backend.start(Self.pool(Self.fc())) }
        #expect(error?.message == "'parent' for vHBA not specified, and cannot find one on this host")
        for host in [4, 5] {
            #expect(
                f.contents("\(host == 4 ? Fixture.hba4 : Fixture.hba5)/host\(host)/fc_host/host\(host)/vport_create")
                    == "")
        }
    }

    @Test("fixtureSysfs: stop deletes a vHBA it did not create only when the pool is managed")
    func stopManaged() async throws {
        let f = Fixture.fixtureSysfsWithVHBA()
        let backend = SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID(""))
        let deleted = Fixture.hba5 + "/host5/fc_host/host5/vport_delete"
        try await backend.stop(Self.pool(Self.fc()))
        try await backend.stop(Self.pool(Self.fc(managed: false)))
        #expect(f.contents(deleted) == "")
        // managed, parent found through the vHBA's place in sysfs
        try await backend.stop(Self.pool(Self.fc(managed: true)))
        #expect(f.contents(deleted) == "2102001b32a9da4e:2002001b32a9da4e")
    }

    @Test("fixtureSysfs: upload, download and wipe reach the device node through the volume's stable link")
    func volumeData() async throws {
        let f = Fixture.fixtureSysfsATAHosts()
        let backend = SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID(SCSIIDRecordedOutput.naa))
        let pool = Self.pool(Self.named("host0"))
        let volume = try #require(try await backend.refresh(pool).1.first)
        // The fixture's device node is a regular file: 4 KiB of 0x7f.
        f.file("/dev/sda", String(repeating: "\u{7f}", count: 4096))
        let input = f.scratch.sub("in")
        try Data("hello".utf8).write(to: URL(fileURLWithPath: input))
        try await backend.uploadVolume(
            volume, from: input, offset: 512, length: nil, sparse: false, in: pool, progress: nil)
        let output = f.scratch.sub("out")
        try await backend.downloadVolume(
            volume, to: output, offset: 510, length: 9, sparse: false, in: pool, progress: nil)
        #expect(FileManager.default.contents(atPath: output) == Data("\u{7f}\u{7f}hello\u{7f}\u{7f}".utf8))
        #expect(f.isSymlink(volume.target.path!), "the link itself is left alone")
        try await backend.wipeVolume(volume, algorithm: .zero, in: pool, progress: nil)
        #expect(f.contents("/dev/sda") == String(repeating: "\0", count: 4096))
    }

    // MARK: through a host

    @Test("fixtureSysfs: a StorageHost defines, starts and lists a scsi pool from libvirt's pool-scsi.xml")
    func throughHost() async throws {
        let f = Fixture.fixtureSysfsATAHosts()
        var registry = BackendRegistry.builtIn
        #expect(registry.registeredTypes.contains(.scsi))
        registry.register(SCSIBackend(sysfsRoot: f.root, runner: Self.scsiID(SCSIIDRecordedOutput.naa)))
        let scratch = Scratch("scsi-host")
        let host = try await StorageHost(directories: .root(scratch.sub("root")), backends: registry)
        try await host.define(xml: try Corpus.read("storagepoolxml2xmlin/pool-scsi.xml"))
        try await host.start("hba0")
        let volumes = try await host.volumes(in: "hba0")
        #expect(volumes.map(\.name) == ["unit:0:0:0"])
        #expect(try await host.volume(key: "3600a0b80000b174b000000d63efc5c8c").name == "unit:0:0:0")
        #expect(try await host.pool(named: "hba0").capacity == 976_773_168 * 512)
        try await host.destroy("hba0")
    }
}
