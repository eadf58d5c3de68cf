import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// Two (or more) loop devices and a private lvm configuration that sees only
/// them and never activates anything (`global { activation = 0 }`): VG and LV
/// metadata are real, device nodes are not. Whatever the test leaves behind
/// (VGs, PV labels, mounts) is removed when the bed goes away, before the loop
/// devices are detached.
final class LVMTestBed: @unchecked Sendable {
    let scratch: Scratch
    let loops: [LoopDevice]
    let vg: String
    let environment: [String: String]
    private let lock = NSLock()
    private var mounts: [String] = []

    static var available: Bool {
        LoopDevice.available && FileManager.default.isExecutableFile(atPath: "/usr/sbin/lvm")
            && FileManager.default.isExecutableFile(atPath: "/usr/sbin/wipefs")
            && FileManager.default.isExecutableFile(atPath: "/usr/sbin/mkfs.ext4")
    }

    init(_ label: String, count: Int = 2, sizeMiB: Int = 64) throws {
        let scratch = Scratch("lvm-\(label)")
        self.scratch = scratch
        loops = try (0..<count).map { try LoopDevice("pv\($0)", sizeMiB: sizeMiB, in: scratch) }
        vg = "vstest\(UInt32.random(in: 0...UInt32.max))"
        let conf = scratch.sub("lvmconf")
        try FileManager.default.createDirectory(atPath: conf, withIntermediateDirectories: true)
        let accept = loops.map { "\"a|^\($0.device)$|\"" }.joined(separator: ", ")
        let text = """
            global { activation = 0 }
            activation { udev_sync = 0  udev_rules = 0  monitoring = 0 }
            devices {
                obtain_device_list_from_udev = 0
                external_device_info_source = "none"
                use_devicesfile = 0
                global_filter = [ \(accept), "r|.*|" ]
            }
            backup { backup = 0  archive = 0 }

            """
        try text.write(toFile: conf + "/lvm.conf", atomically: true, encoding: .utf8)
        environment = ["LVM_SYSTEM_DIR": conf, "LVM_SUPPRESS_FD_WARNINGS": "1"]
    }

    deinit {
        for mount in mounts.reversed() { _ = try? Scratch.run("/usr/bin/umount", [mount]) }
        // The filter shows lvm only this bed's loops: every VG it reports is ours.
        let report = tool("/usr/sbin/lvm", ["vgs", "--reportformat", "json", "-o", "vg_name"]).stdout
        struct Row: Decodable { var vg_name: String }
        let rows = (try? LVMReport.rows(report, "vgs") as [Row]) ?? []
        for row in rows where !row.vg_name.isEmpty { _ = tool("/usr/sbin/lvm", ["vgremove", "-f", row.vg_name]) }
        for loop in loops { _ = tool("/usr/sbin/lvm", ["pvremove", "-ff", "-y", loop.device]) }
    }

    var devices: [String] { loops.map(\.device) }

    /// Runs a tool with the bed's lvm environment.
    @discardableResult
    func tool(_ program: String, _ args: [String]) -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = args
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        guard (try? process.run()) != nil else { return (-1, "", "cannot run \(program)") }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)
        )
    }

    /// An lvm report in its plain text form (not the JSON the backend reads).
    func text(_ command: String, _ args: [String]) -> String {
        tool("/usr/sbin/lvm", [command, "--noheadings", "--units", "b", "--nosuffix", "--separator", ":"] + args)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The signature types wipefs finds on a device.
    func signatures(_ device: String) -> [String] {
        tool("/usr/sbin/wipefs", ["--noheadings", "--output", "TYPE", device]).stdout.split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func mkfs(_ device: String) throws {
        let result = tool("/usr/sbin/mkfs.ext4", ["-q", "-F", device])
        guard result.status == 0 else { throw StorageError(.operationFailed, "mkfs.ext4: \(result.stderr)") }
    }

    func mount(_ device: String) throws -> String {
        let point = scratch.sub("mnt\(mounts.count)")
        try FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
        let result = tool("/usr/bin/mount", [device, point])
        guard result.status == 0 else { throw StorageError(.operationFailed, "mount: \(result.stderr)") }
        lock.withLock { mounts.append(point) }
        return point
    }

    func poolXML(name: String? = nil, vg: String? = nil, devices: [String]? = nil) -> String {
        let devs = (devices ?? self.devices).map { "<device path='\($0)'/>" }.joined()
        return
            "<pool type='logical'><name>\(name ?? vg ?? self.vg)</name><source>\(devs)<name>\(vg ?? self.vg)</name><format type='lvm2'/></source><target><path>/dev/\(vg ?? self.vg)</path></target></pool>"
    }

    func pool(vg: String? = nil, devices: [String]? = nil) throws -> PoolDefinition {
        try PoolXML.parse(poolXML(vg: vg, devices: devices))
    }

    var backend: LogicalBackend { LogicalBackend(environment: environment) }
}

@Suite("logical backend: real lvm2 on loop devices, activation disabled")
struct LogicalLiveTests {
    static let MiB: UInt64 = 1 << 20

    static func volume(_ name: String, _ mib: UInt64, allocation: UInt64? = nil) throws -> VolumeDefinition {
        let alloc = allocation.map { "<allocation>\($0)</allocation>" } ?? ""
        return try VolumeXML.parse(
            "<volume><name>\(name)</name><capacity unit='MiB'>\(mib)</capacity>\(alloc)</volume>", poolType: .logical)
    }

    static func create(_ name: String, _ mib: UInt64, _ backend: LogicalBackend, _ pool: PoolDefinition)
        async throws -> VolumeDefinition
    {
        var vol = try volume(name, mib)
        try backend.prepareVolume(&vol, in: pool)
        try await backend.buildVolume(
            vol, from: nil, in: pool, options: VolumeBuildOptions(), secrets: VolumeSecrets(), progress: nil)
        return try await backend.refreshVolume(vol, in: pool)
    }

    @Test(.enabled(if: LVMTestBed.available, "needs root, loop devices, lvm2, wipefs and mkfs.ext4"))
    func buildStartRefreshVolumesResizeDeleteStop() async throws {
        let bed = try LVMTestBed("life")
        let backend = bed.backend
        let pool = try bed.pool()
        try await backend.build(pool, mode: .normal)
        #expect(bed.signatures(bed.devices[0]) == ["LVM2_member"])
        #expect(try await backend.check(pool))
        try await backend.start(pool)

        var (sizes, volumes) = try await backend.refresh(pool)
        #expect("\(sizes.capacity):\(sizes.available)" == bed.text("vgs", ["-o", "vg_size,vg_free", bed.vg]))
        #expect(sizes.capacity == 120 * Self.MiB, "two 64 MiB PVs hold 15 extents of 4 MiB each")
        #expect(volumes.isEmpty)

        // 20 MiB fill the first PV's first extents; 80 MiB cannot fit on one PV.
        let small = try await Self.create("small", 20, backend, pool)
        let span = try await Self.create("span", 80, backend, pool)
        (sizes, volumes) = try await backend.refresh(pool)
        #expect(volumes.map(\.name) == ["small", "span"])
        #expect("\(sizes.capacity):\(sizes.available)" == bed.text("vgs", ["-o", "vg_size,vg_free", bed.vg]))
        #expect(sizes.allocation == 100 * Self.MiB)
        let uuids = bed.text("lvs", ["-o", "lv_name,lv_uuid", bed.vg]).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(Set(uuids) == Set(volumes.map { "\($0.name):\($0.key ?? "")" }))
        #expect(small.key == volumes[0].key && span.key == volumes[1].key)
        #expect(volumes[0].capacity == 20 * Self.MiB && volumes[0].allocation == 20 * Self.MiB)
        #expect(
            volumes[0].sourceExtents == [
                .init(devicePath: bed.devices[0], extent: Extent(start: 0, end: 20 * Self.MiB))
            ])
        #expect(volumes[0].target.path == "/dev/\(bed.vg)/small" && volumes[0].type == .block)
        #expect(Set(volumes[1].sourceExtents.map(\.devicePath)) == Set(bed.devices), "span uses both PVs")
        #expect(volumes[1].sourceExtents.reduce(0) { $0 + $1.extent.end - $1.extent.start } == 80 * Self.MiB)

        // Grow into the free 20 MiB, then shrink below the start size.
        try await backend.resizeVolume(small, to: 28 * Self.MiB, options: [], in: pool)
        var fresh = try await backend.refreshVolume(small, in: pool)
        #expect(fresh.capacity == 28 * Self.MiB)
        try await backend.resizeVolume(fresh, to: 10 * Self.MiB + 1, options: [.shrink], in: pool)
        fresh = try await backend.refreshVolume(small, in: pool)
        #expect(fresh.capacity == 12 * Self.MiB, "lvm rounds up to whole 4 MiB extents")
        let tooBig = await #expect(throws: StorageError.self) {
            try await backend.resizeVolume(fresh, to: 1 << 30, options: [], in: pool)
        }
        #expect(tooBig?.message.lowercased().contains("insufficient free space") == true, "\(tooBig?.message ?? "")")

        // No device node without device-mapper: wipe says so.
        let wipe = await #expect(throws: StorageError.self) {
            try await backend.wipeVolume(fresh, algorithm: .zero, in: pool, progress: nil)
        }
        #expect(wipe?.message.contains("device node does not exist") == true)

        try await backend.deleteVolume(fresh, in: pool)
        (sizes, volumes) = try await backend.refresh(pool)
        #expect(volumes.map(\.name) == ["span"])
        #expect("\(sizes.capacity):\(sizes.available)" == bed.text("vgs", ["-o", "vg_size,vg_free", bed.vg]))
        await #expect(throws: StorageError.self) { try await backend.refreshVolume(fresh, in: pool) }

        let sources = PoolSourceListXML.format(try await backend.findSources(nil), type: .logical)
        #expect(sources.contains("<name>\(bed.vg)</name>"))
        #expect(bed.devices.allSatisfy { sources.contains("<device path='\($0)'/>") })

        try await backend.stop(pool)
        try await backend.delete(pool, zeroed: false)
        #expect(bed.text("vgs", ["-o", "vg_name"]).isEmpty)
        #expect(bed.devices.allSatisfy { bed.signatures($0).isEmpty }, "pvremove wiped the labels")
        #expect(try await backend.check(pool) == false)
    }

    @Test(.enabled(if: LVMTestBed.available, "needs root, loop devices, lvm2, wipefs and mkfs.ext4"))
    func buildRefusesAFilesystemUnlessOverwriting() async throws {
        let bed = try LVMTestBed("ext4")
        try bed.mkfs(bed.devices[1])
        let backend = bed.backend
        let pool = try bed.pool()
        let error = await #expect(throws: StorageError.self) { try await backend.build(pool, mode: .normal) }
        #expect(
            error?.message
                == "Format of device '\(bed.devices[1])' does not match the expected format 'LVM2_member', forced overwrite is necessary"
        )
        #expect(error?.hint == "found 'ext4'")
        #expect(bed.signatures(bed.devices[1]) == ["ext4"], "the filesystem is untouched")
        #expect(bed.signatures(bed.devices[0]).isEmpty, "nothing was written to the other device either")
        await #expect(throws: StorageError.self) { try await backend.build(pool, mode: .noOverwrite) }

        try await backend.build(pool, mode: .overwrite)
        #expect(bed.devices.allSatisfy { bed.signatures($0) == ["LVM2_member"] })
        #expect(bed.text("vgs", ["-o", "vg_name,pv_count", bed.vg]) == "\(bed.vg):2")
        // Built once: a second build finds the PV labels and the VG.
        let again = await #expect(throws: StorageError.self) { try await backend.build(pool, mode: .normal) }
        #expect(again?.message.hasPrefix("volume group '\(bed.vg)' already exists") == true)
    }

    @Test(.enabled(if: LVMTestBed.available, "needs root, loop devices, lvm2, wipefs and mkfs.ext4"))
    func existingGroupMissingDeviceAndDeviceInUse() async throws {
        let bed = try LVMTestBed("errors", count: 3)
        let backend = bed.backend
        try await backend.build(try bed.pool(devices: [bed.devices[0]]), mode: .normal)

        // The VG name is taken: refused before the free device is touched.
        let taken = await #expect(throws: StorageError.self) {
            try await backend.build(try bed.pool(devices: [bed.devices[1]]), mode: .overwrite)
        }
        #expect(taken?.message == "volume group '\(bed.vg)' already exists on \(bed.devices[0])")
        #expect(bed.signatures(bed.devices[1]).isEmpty)

        // lvm's own refusal, when the VG appears between the check and vgcreate.
        let raw = bed.tool("/usr/sbin/lvm", ["vgcreate", bed.vg, bed.devices[1]])
        #expect(raw.status == 5 && raw.stderr.contains("A volume group called \(bed.vg) already exists."))

        // A PV of another VG is in use, overwrite or not.
        let inUse = await #expect(throws: StorageError.self) {
            try await backend.build(try bed.pool(vg: bed.vg + "b", devices: [bed.devices[0]]), mode: .overwrite)
        }
        #expect(
            inUse?.message == "device '\(bed.devices[0])' is in use as a physical volume of volume group '\(bed.vg)'")

        // A missing device: nothing written to the device before it.
        let missing = await #expect(throws: StorageError.self) {
            try await backend.build(
                try bed.pool(vg: bed.vg + "c", devices: [bed.devices[1], "/dev/vstest-missing"]), mode: .normal)
        }
        #expect(missing?.code == .systemError && missing?.message.contains("/dev/vstest-missing") == true)
        #expect(bed.signatures(bed.devices[1]).isEmpty)

        // A mounted filesystem: overwrite fails with the tool's message, the data stays.
        try bed.mkfs(bed.devices[2])
        let point = try bed.mount(bed.devices[2])
        try "keep".write(toFile: point + "/data", atomically: true, encoding: .utf8)
        let mounted = await #expect(throws: StorageError.self) {
            try await backend.build(try bed.pool(vg: bed.vg + "d", devices: [bed.devices[2]]), mode: .overwrite)
        }
        #expect(mounted?.message.contains("busy") == true, "\(mounted?.message ?? "")")
        #expect(try String(contentsOfFile: point + "/data", encoding: .utf8) == "keep")
        #expect(bed.text("vgs", ["-o", "vg_name"]) == bed.vg, "no other VG was made")

        // Start refuses a VG that is not there, or devices that are not its PVs.
        let absent = await #expect(throws: StorageError.self) {
            try await backend.start(try bed.pool(vg: bed.vg + "e", devices: [bed.devices[1]]))
        }
        #expect(absent?.message == "cannot find logical volume group name '\(bed.vg)e'")
        let mismatch = await #expect(throws: StorageError.self) {
            try await backend.start(try bed.pool(devices: [bed.devices[1]]))
        }
        #expect(mismatch?.message.hasPrefix("cannot find any matching source devices") == true)
    }

    @Test(.enabled(if: LVMTestBed.available, "needs root, loop devices, lvm2, wipefs and mkfs.ext4"))
    func throughTheStorageHost() async throws {
        let bed = try LVMTestBed("host")
        let host = try await StorageHost(
            directories: .root(bed.scratch.sub("root")), backends: BackendRegistry([bed.backend]))
        try await host.define(xml: bed.poolXML(name: "lvpool"))
        try await host.build("lvpool")
        try await host.start("lvpool")
        var pool = try await host.pool(named: "lvpool")
        #expect(pool.isActive && pool.capacity == 120 * Self.MiB && pool.available == 120 * Self.MiB)

        let vol = try await host.createVolume(
            in: "lvpool", xml: "<volume><name>disk1</name><capacity unit='MiB'>16</capacity></volume>")
        let uuid = bed.text("lvs", ["-o", "lv_uuid", "\(bed.vg)/disk1"])
        #expect(vol.definition.key == uuid && vol.definition.capacity == 16 * Self.MiB)
        #expect(try await host.volumes(in: "lvpool").map(\.name) == ["disk1"])
        #expect(try await host.volume(key: uuid).name == "disk1")
        #expect(try await host.volume(path: "/dev/\(bed.vg)/disk1").name == "disk1")
        try await host.refresh("lvpool")
        pool = try await host.pool(named: "lvpool")
        #expect(pool.available == 104 * Self.MiB && pool.allocation == 16 * Self.MiB)

        try await host.resizeVolume("disk1", in: "lvpool", capacity: 24 * Self.MiB)
        #expect(try await host.volume("disk1", in: "lvpool").definition.capacity == 24 * Self.MiB)
        // Shrinking an LV needs --shrink; with it the host lets the LV go below its reserved size.
        await #expect(throws: StorageError.self) {
            try await host.resizeVolume("disk1", in: "lvpool", capacity: 8 * Self.MiB)
        }
        try await host.resizeVolume("disk1", in: "lvpool", capacity: 8 * Self.MiB, options: [.shrink])
        #expect(try await host.volume("disk1", in: "lvpool").definition.capacity == 8 * Self.MiB)

        // allocation < capacity is a sparse snapshot: impossible without device-mapper.
        let sparse = await #expect(throws: StorageError.self) {
            try await host.createVolume(
                in: "lvpool",
                xml: "<volume><name>thin</name><capacity unit='MiB'>64</capacity><allocation>0</allocation></volume>")
        }
        #expect(sparse?.message.contains("Can't create snapshot without using device-mapper kernel driver.") == true)
        await #expect(throws: StorageError.self) { try await host.wipeVolume("disk1", in: "lvpool") }

        // A refresh finds the same volume again.
        try await host.refresh("lvpool")
        #expect(try await host.volumes(in: "lvpool").map(\.name) == ["disk1"])

        try await host.deleteVolume("disk1", in: "lvpool")
        #expect(try await host.volumes(in: "lvpool").isEmpty)
        #expect(bed.text("lvs", ["-o", "lv_name", bed.vg]).isEmpty)
        try await host.destroy("lvpool")
        try await host.delete("lvpool")
        try await host.undefine("lvpool")
        #expect(bed.text("vgs", ["-o", "vg_name"]).isEmpty)
    }
}
