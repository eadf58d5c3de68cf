import Foundation
import Testing

@testable import VirtStorage

extension RecordedCommandRunner {
    func backend(environment: [String: String] = [:]) -> LogicalBackend {
        LogicalBackend(environment: environment, runner: self)
    }
}

@Suite("logical backend: recorded lvm2 output and argv")
struct LogicalBackendRecordedTests {
    static func pool(devices: [String] = ["/dev/loop0", "/dev/loop1"], vg: String = "vsexp") throws -> PoolDefinition {
        let devs = devices.map { "<device path='\($0)'/>" }.joined()
        return try PoolXML.parse(
            "<pool type='logical'><name>\(vg)</name><source>\(devs)<name>\(vg)</name><format type='lvm2'/></source></pool>"
        )
    }

    /// Answers lvs/vgs/pvs with the given reports and everything else with success.
    static func tools(lvs: String = LogicalFixtures.lvsUnknownState, pvs: String = LogicalFixtures.pvs)
        -> RecordedCommandRunner
    {
        RecordedCommandRunner { command in
            switch command.program {
            case "lvs": RecordedCommandRunner.ok(lvs)
            case "vgs": RecordedCommandRunner.ok(LogicalFixtures.vgs)
            case "pvs": RecordedCommandRunner.ok(pvs)
            case "wipefs": RecordedCommandRunner.ok(LogicalFixtures.wipefsEmpty)
            default: RecordedCommandRunner.ok()
            }
        }
    }

    @Test func refreshReadsSizesAndVolumesWithUnknownState() async throws {
        let tools = Self.tools()
        let backend = tools.backend(environment: ["LVM_SYSTEM_DIR": "/x"])
        let (sizes, volumes) = try await backend.refresh(try Self.pool())
        #expect(sizes == PoolSizes(capacity: 125_829_120, allocation: 113_246_208, available: 12_582_912))
        #expect(volumes.map(\.name) == ["lv1", "span"])
        let span = volumes[1]
        #expect(span.key == "IkC7gh-rzM4-ObWd-9ysI-yWBc-zoz7-6oQCgF")
        #expect(span.type == .block && span.target.path == "/dev/vsexp/span" && span.target.format == nil)
        #expect(span.capacity == 104_857_600 && span.allocation == 104_857_600)
        #expect(
            span.sourceExtents == [
                .init(devicePath: "/dev/loop1", extent: Extent(start: 0, end: 62_914_560)),
                .init(devicePath: "/dev/loop0", extent: Extent(start: 20_971_520, end: 62_914_560)),
            ])
        #expect(
            tools.lines == [
                "lvs --reportformat json --units b --nosuffix --options lv_name,origin,lv_uuid,devices,segtype,stripes,seg_size,vg_extent_size,lv_size,lv_attr vsexp",
                "vgs --reportformat json --units b --nosuffix --options vg_name,vg_size,vg_free,vg_extent_size vsexp",
            ])
        #expect(tools.commands.allSatisfy { $0.environment == ["LVM_SYSTEM_DIR": "/x"] })
    }

    @Test func activeVolumesAsLibvirtListsThemAndItsXML() async throws {
        let (_, volumes) = try await Self.tools(lvs: LogicalFixtures.lvsActive).backend().refresh(try Self.pool())
        #expect(volumes.map(\.name) == ["lv1", "span"])
        let expected = """
            <volume type='block'>
              <name>span</name>
              <key>IkC7gh-rzM4-ObWd-9ysI-yWBc-zoz7-6oQCgF</key>
              <source>
                <device path='/dev/loop1'>
                  <extent start='0' end='62914560'/>
                </device>
                <device path='/dev/loop0'>
                  <extent start='20971520' end='62914560'/>
                </device>
              </source>
              <capacity unit='bytes'>104857600</capacity>
              <allocation unit='bytes'>104857600</allocation>
              <target>
                <path>/dev/vsexp/span</path>
              </target>
            </volume>

            """
        #expect(VolumeXML.format(volumes[1], poolType: .logical) == expected)
    }

    @Test func inactiveVolumesAreSkipped() async throws {
        let (_, volumes) = try await Self.tools(lvs: LogicalFixtures.lvsInactive).backend().refresh(try Self.pool())
        #expect(volumes.isEmpty)
    }

    @Test func thinSnapshotAndStripedVolumes() throws {
        let rows: [LVMReport.LVRow] = try LVMReport.rows(LogicalFixtures.lvsKinds, "lvs")
        let volumes = try LVMReport.volumes(rows, targetPath: "/dev/vg")
        // The thin pool and the inactive LV are not volumes.
        #expect(volumes.map(\.name) == ["base", "snap", "sparse", "thin1", "test_stripes"])
        #expect(volumes[1].backingStore?.path == "/dev/vg/base")
        #expect(volumes[2].backingStore == nil, "the hidden _vorigin is no backing store")
        #expect(volumes[3].sourceExtents.isEmpty && volumes[3].capacity == 10_737_418_240)
        #expect(
            volumes[4].sourceExtents == [
                .init(devicePath: "/dev/sdc1", extent: Extent(start: 42_949_672_960, end: 64_424_509_440)),
                .init(devicePath: "/dev/sdd1", extent: Extent(start: 0, end: 21_474_836_480)),
            ])
        let attrs = rows.map(\.lv_attr)
        #expect(attrs.map(LVMReport.isSparse) == [false, true, true, false, true, false, false])
        #expect(attrs.map(LVMReport.isListed) == [true, true, true, false, true, false, true])
        #expect(throws: StorageError.self) { try LVMReport.devices("/dev/sda(x)") }
        #expect(throws: StorageError.self) { try LVMReport.rows("not json", "lvs") as [LVMReport.LVRow] }
    }

    @Test func findSourcesGroupsPhysicalVolumesByVolumeGroup() async throws {
        let tools = Self.tools()
        let xml = PoolSourceListXML.format(try await tools.backend().findSources(nil), type: .logical)
        #expect(
            xml == """
                <sources>
                  <source>
                    <device path='/dev/loop0'/>
                    <device path='/dev/loop1'/>
                    <name>vsexp</name>
                    <format type='lvm2'/>
                  </source>
                </sources>

                """)
        #expect(tools.lines == ["vgscan", "pvs --reportformat json --options pv_name,vg_name"])
        let none = PoolSourceListXML.format(
            try await Self.tools(pvs: LogicalFixtures.pvsOrphans).backend().findSources(nil), type: .logical)
        #expect(none == "<sources>\n</sources>\n")
    }

    @Test func buildArgv() async throws {
        let tools = Self.tools(
            pvs: LogicalFixtures.pvsOrphans.replacingOccurrences(of: "/dev/loop", with: "/dev/other"))
        let pool = try Self.pool(devices: ["/dev/null", "/dev/zero"])
        try await tools.backend().build(pool, mode: .normal)
        #expect(
            tools.lines == [
                "vgscan", "pvs --reportformat json --options pv_name,vg_name", "wipefs --json /dev/null",
                "wipefs --json /dev/zero", "pvcreate /dev/null", "pvcreate /dev/zero",
                "vgcreate vsexp /dev/null /dev/zero",
            ])
        let overwrite = Self.tools(pvs: LogicalFixtures.pvsOrphans)
        try await overwrite.backend().build(pool, mode: .overwrite)
        #expect(
            overwrite.lines == [
                "vgscan", "pvs --reportformat json --options pv_name,vg_name", "wipefs --all /dev/null",
                "pvcreate /dev/null", "wipefs --all /dev/zero", "pvcreate /dev/zero",
                "vgcreate vsexp /dev/null /dev/zero",
            ])
        await #expect(throws: StorageError.self) { try await overwrite.backend().build(pool, mode: .repair) }
    }

    @Test func buildRefusesSignaturesAndExistingGroups() async throws {
        let pool = try Self.pool(devices: ["/dev/null", "/dev/zero"])
        for (probe, fragment) in [
            (LogicalFixtures.wipefsExt4, "does not match the expected format 'LVM2_member', forced overwrite"),
            (LogicalFixtures.wipefsPV, "already formatted using 'LVM2_member'"),
        ] {
            let tools = RecordedCommandRunner { command in
                command.program == "wipefs"
                    ? RecordedCommandRunner.ok(probe)
                    : command.program == "pvs"
                        ? RecordedCommandRunner.ok(LogicalFixtures.pvsOrphans)
                        : RecordedCommandRunner.ok()
            }
            let error = await #expect(throws: StorageError.self) {
                try await tools.backend().build(pool, mode: .normal)
            }
            #expect(error?.code == .poolBuilt && error?.message.contains(fragment) == true)
            #expect(!tools.lines.contains { $0.hasPrefix("pvcreate") || $0.hasPrefix("wipefs --all") })
        }
        // The VG already exists: refused before anything is written.
        let tools = Self.tools()
        let error = await #expect(throws: StorageError.self) {
            try await tools.backend().build(try Self.pool(devices: ["/dev/null"]), mode: .overwrite)
        }
        #expect(error?.message == "volume group 'vsexp' already exists on /dev/loop0, /dev/loop1")
        #expect(tools.lines.count == 2)
        // A device in another VG is in use, even with overwrite.
        let inUse = await #expect(throws: StorageError.self) {
            try await tools.backend().build(try Self.pool(devices: ["/dev/loop1"], vg: "other"), mode: .overwrite)
        }
        #expect(inUse?.message == "device '/dev/loop1' is in use as a physical volume of volume group 'vsexp'")
    }

    @Test func failedVgcreateRemovesTheNewLabelsAndCarriesLvmMessage() async throws {
        let tools = RecordedCommandRunner { command in
            switch command.program {
            case "pvs":
                RecordedCommandRunner.ok(LogicalFixtures.pvsOrphans.replacingOccurrences(of: "/dev/loop", with: "/x"))
            case "wipefs": RecordedCommandRunner.ok(LogicalFixtures.wipefsEmpty)
            case "vgcreate": RecordedCommandRunner.fail(5, LogicalFixtures.vgcreateExistsStderr)
            default: RecordedCommandRunner.ok()
            }
        }
        let error = await #expect(throws: StorageError.self) {
            try await tools.backend().build(try Self.pool(devices: ["/dev/null", "/dev/zero"]), mode: .normal)
        }
        #expect(error?.message.hasPrefix("Child process (") == true && error?.message.contains("vgcreate ") == true)
        #expect(error?.message.hasSuffix(") unexpected exit status 5: A volume group called vsexp already exists.") == true)
        #expect(Array(tools.lines.suffix(2)) == ["pvremove /dev/null", "pvremove /dev/zero"])
    }

    @Test func startStopDeleteArgv() async throws {
        let tools = Self.tools()
        let backend = tools.backend()
        let pool = try Self.pool()
        try await backend.start(pool)
        try await backend.stop(pool)
        try await backend.delete(pool, zeroed: false)
        #expect(
            tools.lines == [
                "vgscan", "pvs --reportformat json --options pv_name,vg_name", "vgchange -aly vsexp",
                "vgchange -aln vsexp", "vgremove -f vsexp", "pvremove /dev/loop0", "pvremove /dev/loop1",
            ])
        // Same argv as the corpus's start command.
        #expect(tools.commands[2] == (try PoolStartCommand.start(pool)))
        #expect(try await backend.check(pool))
        // A VG lvm does not know, or devices that are not its PVs.
        let missing = await #expect(throws: StorageError.self) { try await backend.start(try Self.pool(vg: "nope")) }
        #expect(missing?.message == "cannot find logical volume group name 'nope'")
        let wrong = await #expect(throws: StorageError.self) {
            try await backend.start(try Self.pool(devices: ["/dev/sdz"]))
        }
        #expect(wrong?.message.hasPrefix("cannot find any matching source devices") == true)
        #expect(try await backend.check(try Self.pool(vg: "nope")) == false)
        await #expect(throws: StorageError.self) { try await backend.delete(pool, zeroed: true) }
    }

    @Test func volumeArgv() async throws {
        let tools = Self.tools(lvs: LogicalFixtures.lvsUnknownState)
        let backend = tools.backend()
        let pool = try Self.pool()
        var vol = try VolumeXML.parse(
            "<volume><name>lv1</name><capacity>8388097</capacity></volume>", poolType: .logical)
        try backend.prepareVolume(&vol, in: pool)
        #expect(vol.target.path == "/dev/vsexp/lv1" && vol.key == nil && vol.type == .block)
        try await backend.buildVolume(
            vol, from: nil, in: pool, options: VolumeBuildOptions(), secrets: VolumeSecrets(), progress: nil)
        let fresh = try await backend.refreshVolume(vol, in: pool)
        #expect(fresh.key == "MO4oia-eWoo-4LBD-62fR-hfjI-CVgY-kbJSfw")
        var sparse = try VolumeXML.parse(
            "<volume><name>thin</name><capacity unit='MiB'>20</capacity><allocation>0</allocation></volume>",
            poolType: .logical)
        try backend.prepareVolume(&sparse, in: pool)
        try await backend.buildVolume(
            sparse, from: nil, in: pool, options: VolumeBuildOptions(), secrets: VolumeSecrets(), progress: nil)
        try await backend.resizeVolume(fresh, to: 12 << 20, options: [], in: pool)
        try await backend.resizeVolume(fresh, to: 4 << 20, options: [.shrink], in: pool)
        try await backend.deleteVolume(fresh, in: pool)
        #expect(
            tools.lines == [
                "lvcreate --name lv1 -L 8192K vsexp --yes",
                "lvs --reportformat json --units b --nosuffix --options lv_name,origin,lv_uuid,devices,segtype,stripes,seg_size,vg_extent_size,lv_size,lv_attr vsexp/lv1",
                "lvcreate --name thin -L 1K --type snapshot --virtualsize 20480K vsexp --yes",
                "lvresize -L 12288K /dev/vsexp/lv1", "lvresize -f -L 4096K /dev/vsexp/lv1",
                "lvremove -f /dev/vsexp/lv1",
            ])
        // A snapshot of another volume: -s ORIGIN instead of the VG.
        #expect(
            LVMCommand.lvcreate(name: "s", capacity: 1 << 20, allocation: 1 << 20, vg: "vg", backingPath: "/dev/vg/a")
                .arguments == ["--name", "s", "-L", "1024K", "-s", "/dev/vg/a", "--yes"])
    }

    @Test func volumeErrors() async throws {
        let pool = try Self.pool()
        let tools = RecordedCommandRunner { command in
            switch command.program {
            case "lvcreate": RecordedCommandRunner.fail(5, LogicalFixtures.lvcreateSnapshotStderr)
            case "lvremove": RecordedCommandRunner.fail(5, LogicalFixtures.lvremoveMissingStderr)
            case "lvchange": RecordedCommandRunner.fail(5, LogicalFixtures.lvremoveMissingStderr)
            case "lvs": RecordedCommandRunner.ok(LogicalFixtures.lvsKinds)
            default: RecordedCommandRunner.ok()
            }
        }
        let backend = tools.backend()
        var sparse = try VolumeXML.parse(
            "<volume><name>thin</name><capacity>1048576</capacity><allocation>0</allocation></volume>",
            poolType: .logical)
        try backend.prepareVolume(&sparse, in: pool)
        let create = await #expect(throws: StorageError.self) {
            try await backend.buildVolume(
                sparse, from: nil, in: pool, options: VolumeBuildOptions(), secrets: VolumeSecrets(), progress: nil)
        }
        #expect(
            create?.message.hasSuffix(
                "unexpected exit status 5: Can't create snapshot without using device-mapper kernel driver.") == true)
        var missing = VolumeDefinition(name: "nothere")
        missing.target.path = "/dev/vsexp/nothere"
        let delete = await #expect(throws: StorageError.self) { try await backend.deleteVolume(missing, in: pool) }
        #expect(delete?.message.hasSuffix("lvremove -f /dev/vsexp/nothere) unexpected exit status 5: Failed to find logical volume \"vsexp/nothere\"") == true)
        #expect(Array(tools.lines.suffix(2)) == ["lvremove -f /dev/vsexp/nothere", "lvchange -aln /dev/vsexp/nothere"])

        // Wipe: refused for a sparse snapshot, and clear when there is no device node.
        var snap = VolumeDefinition(name: "snap")
        snap.target.path = "/dev/vsexp/snap"
        let sparseWipe = await #expect(throws: StorageError.self) {
            try await backend.wipeVolume(snap, algorithm: .zero, in: pool, progress: nil)
        }
        #expect(sparseWipe?.message == "logical volume '/dev/vsexp/snap' is sparse, volume wipe not supported")
        var base = VolumeDefinition(name: "base")
        base.target.path = "/dev/vsexp-no-such-vg/base"
        let noNode = await #expect(throws: StorageError.self) {
            try await backend.wipeVolume(base, algorithm: .zero, in: pool, progress: nil)
        }
        #expect(noNode?.message.contains("device node does not exist") == true)

        var encrypted = try VolumeXML.parse(
            "<volume><name>e</name><capacity>1048576</capacity><target><encryption format='luks'><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/></encryption></target></volume>",
            poolType: .logical)
        #expect(throws: StorageError.self) { try backend.prepareVolume(&encrypted, in: pool) }
    }
}
