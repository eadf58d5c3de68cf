import Foundation
import Testing

@testable import VirtStorage

/// The thin LVM commands that lvm2 refuses on this machine (no
/// device-mapper; see `ThinLVMLiveTests`), checked as argv against lvm2's
/// report of ``ThinLVMLayout`` as an active pool prints it
/// (``LogicalFixtures/lvsThinLayoutActive``).
@Suite("logical pools with a thin pool: recorded lvm2 output and argv")
struct ThinLVMRecordedTests {
    static let vg = "vsthin"
    static let MiB: UInt64 = 1 << 20

    static func pool() throws -> PoolDefinition {
        try PoolXML.parse(
            "<pool type='logical' xmlns:vs='\(VirtStoragePoolSchema.namespaceURI)'><name>thin</name><source><name>\(vg)</name></source><vs:thinpool name='tpool'/></pool>"
        )
    }

    /// Answers lvs with the layout (`lvs` edited by `edit`), and every other command with success.
    static func tools(_ edit: @escaping @Sendable (String) -> String = { $0 }) -> RecordedCommandRunner {
        RecordedCommandRunner { command in
            command.program == "lvs"
                ? RecordedCommandRunner.ok(edit(LogicalFixtures.lvsThinLayoutActive)) : RecordedCommandRunner.ok()
        }
    }

    /// What the backend changed: every command but the reports.
    static func changes(_ tools: RecordedCommandRunner) -> [String] { tools.lines.filter { !$0.hasPrefix("lvs ") } }

    static func vm1(_ backend: LogicalBackend) async throws -> VolumeDefinition {
        try await backend.refreshVolume(VolumeDefinition(name: "vm1"), in: try pool())
    }

    @Test func allocationAndPoolSizesFromTheThinPoolsDataUsage() async throws {
        let tools = Self.tools()
        let (sizes, volumes) = try await tools.backend().refresh(try Self.pool())
        #expect(volumes.map(\.name) == ["plain", "vm1"])
        let vm1 = try #require(volumes.last)
        #expect(vm1.capacity == 200 * Self.MiB && vm1.allocation == 200 * Self.MiB / 8)
        // 40.00% of 32 MiB, in whole bytes.
        #expect(sizes.capacity == 32 * Self.MiB && sizes.allocation == 13_421_772)
        #expect(sizes.available == 32 * Self.MiB - 13_421_772)
        #expect(tools.lines.allSatisfy { $0.hasPrefix("lvs --reportformat json --units b --nosuffix --options \(LVMCommand.thinFields)") })
    }

    @Test func snapshotCycleArgv() async throws {
        let pool = try Self.pool()
        let tools = Self.tools()
        let backend = tools.backend()
        let vm1 = try await Self.vm1(backend)

        try await backend.createSnapshot("s3:x", description: "x y", of: vm1, in: pool)
        try await backend.revertSnapshot("s1", of: vm1, in: pool)
        var clone = VolumeDefinition(name: "vm2")
        try backend.prepareVolume(&clone, in: pool)
        try await backend.buildVolume(clone, fromSnapshot: "a2", of: vm1, in: pool, progress: nil)
        try await backend.deleteSnapshot("a2", of: vm1, in: pool)
        var big = try VolumeXML.parse(
            "<volume><name>big</name><capacity unit='GiB'>10</capacity></volume>", poolType: .logical)
        try backend.prepareVolume(&big, in: pool)
        try await backend.buildVolume(
            big, from: nil, in: pool, options: VolumeBuildOptions(), secrets: VolumeSecrets(), progress: nil)
        try await backend.deleteVolume(vm1, in: pool, withSnapshots: true)

        let s1Tags = ThinSnapshotTags(volume: "vm1", name: "s1", description: ThinLVMLayout.s1Description).tags
        let a2Tags = ThinSnapshotTags(volume: "vm1", name: "a2", description: nil).tags
        #expect(s1Tags.first == "virtstorage-snapshot-of:vm1")
        #expect(
            Self.changes(tools) == [
                "lvcreate --snapshot --name snap_vm1_s3_x --permission r --addtag virtstorage-snapshot-of:vm1 --addtag virtstorage-snapshot:s3:x --addtag virtstorage-description:782079 --yes vsthin/vm1",
                "lvrename vsthin vm1 vm1.reverting",
                "lvcreate --snapshot --name vm1 --setactivationskip n --permission rw --yes vsthin/snap_vm1_s1",
                // lvm's order of the tags: sorted.
                "lvchange " + s1Tags.sorted().map { "--deltag \($0)" }.joined(separator: " ") + " vsthin/vm1",
                "lvremove -f vsthin/vm1.reverting",
                "lvcreate --snapshot --name vm2 --setactivationskip n --permission rw --yes vsthin/snap_vm1_a2",
                "lvchange " + a2Tags.sorted().map { "--deltag \($0)" }.joined(separator: " ") + " vsthin/vm2",
                "lvremove -f vsthin/snap_vm1_a2",
                "lvcreate --name big --virtualsize 10485760K --thinpool tpool vsthin --yes",
                "lvremove -f vsthin/snap_vm1_s1",
                "lvremove -f vsthin/snap_vm1_a2",
                "lvremove -f /dev/vsthin/vm1",
            ])
    }

    @Test func revertRefusedWhileTheVolumeIsOpen() async throws {
        let tools = Self.tools { $0.replacingOccurrences(of: "Vwi-a-tz--", with: "Vwi-aotz--") }
        let backend = tools.backend()
        let error = await #expect(throws: StorageError.self) {
            try await backend.revertSnapshot("s1", of: try await Self.vm1(backend), in: try Self.pool())
        }
        #expect(error?.message == "volume 'vm1' is in use: its device is open")
        #expect(Self.changes(tools).isEmpty)
    }

    @Test func aFailedRemovalOfTheFormerDataSaysWhatIsLeft() async throws {
        let tools = RecordedCommandRunner { command in
            switch (command.program, command.arguments.last) {
            case ("lvs", _): RecordedCommandRunner.ok(LogicalFixtures.lvsThinLayoutActive)
            case ("lvremove", "vsthin/vm1.reverting"?): RecordedCommandRunner.fail(5, "  Logical volume vsthin/vm1.reverting in use.")
            default: RecordedCommandRunner.ok()
            }
        }
        let backend = tools.backend()
        let error = await #expect(throws: StorageError.self) {
            try await backend.revertSnapshot("s1", of: try await Self.vm1(backend), in: try Self.pool())
        }
        #expect(
            error?.message
                == "volume 'vm1' was reverted to snapshot 's1', but its former data could not be removed: Logical volume vsthin/vm1.reverting in use.")
        #expect(error?.hint == "remove the LV vsthin/vm1.reverting with lvremove")
    }

    @Test func snapshotNamesAndDescriptionsThatDoNotFitAnLV() async throws {
        let pool = try Self.pool()
        let tools = Self.tools()
        let backend = tools.backend()
        let vm1 = try await Self.vm1(backend)
        let reserved = await #expect(throws: StorageError.self) {
            try await backend.createSnapshot("x_tmeta", description: nil, of: vm1, in: pool)
        }
        #expect(reserved?.message == "snapshot 'x_tmeta' of volume 'vm1' cannot be named as an LV: 'snap_vm1_x_tmeta'")
        let long = await #expect(throws: StorageError.self) {
            try await backend.createSnapshot(
                "s", description: String(repeating: "d", count: ThinSnapshotTags.longestDescription + 1), of: vm1,
                in: pool)
        }
        #expect(long?.code == .invalidArgument)
        #expect(Self.changes(tools).isEmpty)
        // Descriptions of any bytes come back as they were given.
        let text = "crème brûlée, 100% (ok)"
        #expect(ThinSnapshotTags(ThinSnapshotTags(volume: "v", name: "n", description: text).tags)?.description == text)
    }

    /// A logical pool without a thin pool deletes as libvirt's does: the
    /// request to take snapshots along is refused with libvirt's words.
    @Test func aPlainPoolRefusesDeletingWithSnapshots() async throws {
        let tools = LogicalBackendRecordedTests.tools()
        let pool = try LogicalBackendRecordedTests.pool()
        var volume = VolumeDefinition(name: "lv1")
        try tools.backend().prepareVolume(&volume, in: pool)
        let error = await #expect(throws: StorageError.self) {
            try await tools.backend().deleteVolume(volume, in: pool, withSnapshots: true)
        }
        #expect(error?.code == .unsupportedFlags)
        #expect(error?.message == "unsupported flags (0x2) in function virStorageBackendLogicalDeleteVol")
        #expect(tools.lines.isEmpty)
    }
}
