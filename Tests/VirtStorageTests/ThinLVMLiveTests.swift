import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// Thin LVM on real lvm2 with activation disabled: this kernel has no
/// device-mapper, so lvm2 refuses to make thin pools, thin volumes and thin
/// snapshots, and the thin layout is written into the VG's metadata with
/// vgcfgrestore (``ThinLVMLayout``). Everything lvm2 does here is real: its
/// reports of that layout, its renames and resizes, and its refusals, which
/// are the failure paths of each operation. The successful lvcreate calls
/// are in `ThinLVMRecordedTests`.
@Suite("logical pools with a thin pool: real lvm2, activation disabled, thin metadata restored by vgcfgrestore")
struct ThinLVMLiveTests {
    static let MiB: UInt64 = 1 << 20
    static let noDeviceMapper = "Can't create thin without using device-mapper kernel driver."

    /// A host with the bed's VG as pool "thin" (the layout restored, plus a
    /// linear LV "plain" made by lvcreate), started.
    static func host(_ bed: LVMTestBed) async throws -> StorageHost {
        for device in bed.devices { bed.tool("/usr/sbin/lvm", ["pvcreate", device]) }
        bed.tool("/usr/sbin/lvm", ["vgcreate", bed.vg] + bed.devices)
        // After the layout's extents on pv0: on pv1.
        bed.tool("/usr/sbin/lvm", ["lvcreate", "--name", "plain", "-L", "8M", bed.vg, bed.devices[1], "--yes"])
        try bed.restoreThinLayout()
        let host = try await StorageHost(
            directories: .root(bed.scratch.sub("root")), backends: BackendRegistry([bed.backend]))
        try await host.define(xml: bed.thinPoolXML(name: "thin"))
        try await host.start("thin")
        return host
    }

    @Test(.enabled(if: LVMTestBed.available, "needs root, loop devices, lvm2, wipefs and mkfs.ext4"))
    func thinVolumesListedSnapshotsHiddenSizesOfTheThinPool() async throws {
        let bed = try LVMTestBed("thin-list")
        let host = try await Self.host(bed)
        #expect(try await host.volumes(in: "thin").map(\.name) == ["plain", "vm1"])
        let vm1 = try await host.volume("vm1", in: "thin").definition
        // lvm reports no data usage without an active pool: the allocation is the size, as libvirt's.
        #expect(vm1.key == ThinLVMLayout.vm1UUID && vm1.capacity == 200 * Self.MiB && vm1.allocation == vm1.capacity)
        #expect(vm1.backingStore == nil && vm1.target.path == "/dev/\(bed.vg)/vm1")
        let pool = try await host.pool(named: "thin")
        #expect(pool.capacity == 32 * Self.MiB && pool.allocation == 0 && pool.available == 32 * Self.MiB)
        #expect(pool.definition.thinPool == ThinLVMLayout.thinPool)

        let snapshots = try await host.snapshots(of: "vm1", in: "thin")
        #expect(snapshots.map(\.name) == ["s1", "a2"])
        #expect(snapshots.map(\.description) == [ThinLVMLayout.s1Description, nil])
        #expect(
            snapshots.map(\.created)
                == [ThinLVMLayout.s1Created, ThinLVMLayout.a2Created].map { Date(timeIntervalSince1970: Double($0)) })
        // A hidden snapshot LV is no volume of the pool.
        await #expect(throws: StorageError.self) { try await host.volume("snap_vm1_s1", in: "thin") }

        let linear = await #expect(throws: StorageError.self) {
            try await host.createSnapshot("s", of: "plain", in: "thin")
        }
        #expect(linear?.code == .operationUnsupported)
        #expect(linear?.message.contains("volume 'plain', which is not a thin volume of thin pool 'tpool'") == true)
        let unknown = await #expect(throws: StorageError.self) {
            try await host.revertSnapshot("nope", of: "vm1", in: "thin")
        }
        #expect(unknown?.code == .noSuchSnapshot)
    }

    @Test(.enabled(if: LVMTestBed.available, "needs root, loop devices, lvm2, wipefs and mkfs.ext4"))
    func lvmRefusalsLeaveEverythingAsItWas() async throws {
        let bed = try LVMTestBed("thin-refusals")
        let host = try await Self.host(bed)
        let lvs = { bed.text("lvs", ["-a", "-o", "lv_name,lv_uuid,lv_size,lv_tags", bed.vg]) }
        let before = lvs()

        let snapshot = await #expect(throws: StorageError.self) {
            try await host.createSnapshot("s3", of: "vm1", in: "thin", description: "x")
        }
        #expect(snapshot?.message.contains(Self.noDeviceMapper) == true)
        // The volume renamed aside comes back when its reverted copy cannot be made.
        let revert = await #expect(throws: StorageError.self) {
            try await host.revertSnapshot("s1", of: "vm1", in: "thin")
        }
        #expect(revert?.message.contains(Self.noDeviceMapper) == true)
        let clone = await #expect(throws: StorageError.self) {
            try await host.cloneVolume("vm1", in: "thin", newName: "vm2", snapshot: "a2")
        }
        #expect(clone?.message.contains(Self.noDeviceMapper) == true)
        let create = await #expect(throws: StorageError.self) {
            try await host.createVolume(
                in: "thin", xml: "<volume><name>big</name><capacity unit='GiB'>10</capacity></volume>")
        }
        #expect(create?.message.contains(Self.noDeviceMapper) == true)
        let delete = await #expect(throws: StorageError.self) { try await host.deleteVolume("vm1", in: "thin") }
        #expect(delete?.message == "volume 'vm1' has 2 snapshots: s1, a2")
        #expect(lvs() == before)
        #expect(try await host.volumes(in: "thin").map(\.name) == ["plain", "vm1"])
        #expect(try await host.snapshots(of: "vm1", in: "thin").map(\.name) == ["s1", "a2"])

        // A thin volume grows past the volume group's size.
        try await host.resizeVolume("vm1", in: "thin", capacity: 1 << 30)
        #expect(try await host.volume("vm1", in: "thin").definition.capacity == 1 << 30)
        #expect(bed.text("lvs", ["-o", "lv_size", "\(bed.vg)/vm1"]) == "\(1 << 30)")
    }

    @Test(.enabled(if: LVMTestBed.available, "needs root, loop devices, lvm2, wipefs and mkfs.ext4"))
    func buildRollsBackWhenTheThinPoolCannotBeMadeAndStartWantsIt() async throws {
        let bed = try LVMTestBed("thin-build")
        let host = try await StorageHost(
            directories: .root(bed.scratch.sub("root")), backends: BackendRegistry([bed.backend]))
        try await host.define(xml: bed.thinPoolXML(name: "thin"))
        let build = await #expect(throws: StorageError.self) { try await host.build("thin") }
        #expect(build?.message.contains("Can't create thin-pool without using device-mapper kernel driver.") == true)
        #expect(bed.text("vgs", ["-o", "vg_name"]).isEmpty)
        #expect(bed.text("pvs", ["-o", "pv_name"]).isEmpty)

        // The VG alone: start refuses a pool whose thin pool is not there.
        for device in bed.devices { bed.tool("/usr/sbin/lvm", ["pvcreate", device]) }
        bed.tool("/usr/sbin/lvm", ["vgcreate", bed.vg] + bed.devices)
        let start = await #expect(throws: StorageError.self) { try await host.start("thin") }
        #expect(start?.message == "volume group '\(bed.vg)' has no thin pool 'tpool'")
        #expect(try await host.pool(named: "thin").isActive == false)
        bed.tool("/usr/sbin/lvm", ["lvcreate", "--name", "tpool", "-L", "8M", bed.vg, "--yes"])
        let linear = await #expect(throws: StorageError.self) { try await host.start("thin") }
        #expect(linear?.hint == "'tpool' is an LV of type linear, not a thin pool")
    }
}
