import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// vstorage pools. Virtuozzo Storage is not packaged for Debian, so these
/// check the vstorage-mount command line and the mount-table match that
/// libvirt uses ("vstorage://CLUSTER" as the source), with no live cluster.
@Suite("vstorage pools: command lines, no live cluster")
struct VstoragePoolTests {
    static func pool(target: String, permissions: String = "") throws -> PoolDefinition {
        try PoolXML.parse(
            """
            <pool type='vstorage'><name>vz</name><source><name>vzstorage-cluster</name></source>
            <target><path>\(target)</path>\(permissions)</target></pool>
            """)
    }

    static var me: (user: String, group: String) {
        (String(cString: getpwuid(geteuid())!.pointee.pw_name), String(cString: getgrgid(getegid())!.pointee.gr_name))
    }

    @Test("vstorage-mount gets the cluster, the target, its mode and owner by name")
    func mountCommand() throws {
        let plain = try PoolStartCommand.start(try Self.pool(target: "/mnt/vstorage_cluster"))
        #expect(plain.program == "vstorage-mount")
        #expect(
            plain.arguments == [
                "-c", "vzstorage-cluster", "/mnt/vstorage_cluster", "-m", "711", "-g", Self.me.group, "-u",
                Self.me.user,
            ])
        let owned = try PoolStartCommand.start(
            try Self.pool(
                target: "/mnt/vz",
                permissions: "<permissions><mode>0750</mode><owner>0</owner><group>0</group></permissions>"))
        #expect(owned.arguments == ["-c", "vzstorage-cluster", "/mnt/vz", "-m", "750", "-g", "root", "-u", "root"])
        #expect(try PoolStartCommand.stop(try Self.pool(target: "/mnt/vz")) == Command("umount", ["/mnt/vz"]))
    }

    @Test("the mounted cluster is found as vstorage://CLUSTER on the target")
    func mountTableMatch() throws {
        let pool = try Self.pool(target: "/mnt/vz")
        let source = try PoolStartCommand.mountSource(pool)
        #expect(source == "vstorage://vzstorage-cluster")
        let entries = MountTable.parse(
            "vstorage://other /mnt/vz fuse.vstorage rw 0 0\nvstorage://vzstorage-cluster /mnt/vz fuse.vstorage rw 0 0\n"
        )
        #expect(MountTable.entry(mounting: source, on: "/mnt/vz", in: entries) == entries[1])
        #expect(MountTable.entry(mounting: source, on: "/mnt/elsewhere", in: entries) == nil)
    }

    @Test("start runs vstorage-mount once; an unmounted pool is not refreshed from the bare directory")
    func startAndRefresh() async throws {
        let scratch = Scratch("vstorage")
        let target = scratch.sub("mnt")
        let runner = RecordedCommandRunner(["vstorage-mount": .init()])
        let backend = VstorageBackend(runner: runner)
        let pool = try Self.pool(target: target)
        try await backend.build(pool, mode: .normal)
        await #expect(throws: StorageError.self) { try await backend.build(pool, mode: .overwrite) }
        #expect(try await !backend.check(pool))
        try await backend.start(pool)
        #expect(
            runner.lines == [
                "vstorage-mount -c vzstorage-cluster \(target) -m 711 -g \(Self.me.group) -u \(Self.me.user)"
            ])
        let refused = await #expect(throws: StorageError.self) { _ = try await backend.refresh(pool) }
        #expect(refused?.message.contains("is not mounted") == true)
        // Not mounted, so stop has nothing to unmount.
        try await backend.stop(pool)
        #expect(runner.commands.count == 1)
    }
}
