import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// fs pools on real ext4, xfs and btrfs filesystems made on loop devices and
/// image files: build, mount, volumes, host restart while mounted, unmount, delete.
@Suite("fs pools on loop devices", .serialized)
struct FsPoolTests {
    static func poolXML(_ name: String, device: String, format: String, target: String) -> String {
        """
        <pool type='fs'><name>\(name)</name>
        <source><device path='\(device)'/><format type='\(format)'/></source>
        <target><path>\(target)</path></target></pool>
        """
    }

    static func isMounted(_ target: String) throws -> Bool {
        try MountTable.entries().contains { MountTable.canonical($0.mountPoint) == MountTable.canonical(target) }
    }

    static func blkidType(_ device: String) throws -> String {
        try Scratch.run("/usr/sbin/blkid", ["-p", "-s", "TYPE", "-o", "value", device]).1
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(
        "build, mount, volumes, restart while mounted, unmount, delete",
        .enabled(if: LoopDevice.available, "needs root and loop devices"),
        arguments: [("ext4", 64), ("xfs", 320), ("btrfs", 160)])
    func lifecycle(format: String, sizeMiB: Int) async throws {
        let scratch = Scratch("fs-\(format)")
        let loop = try LoopDevice(format, sizeMiB: sizeMiB, in: scratch)
        let target = scratch.sub("mnt")
        let dirs = StorageHostDirectories.root(scratch.sub("root"))
        defer { if (try? Self.isMounted(target)) == true { _ = try? Scratch.run("/usr/bin/umount", [target]) } }

        do {
            let host = try await StorageHost(directories: dirs)
            try await host.define(xml: Self.poolXML("fs1", device: loop.device, format: format, target: target))
            try await host.build("fs1", mode: .noOverwrite)
            #expect(try Self.blkidType(loop.device) == format)
            try await host.start("fs1")
            #expect(try Self.isMounted(target))
            let pool = try await host.pool(named: "fs1")
            #expect(pool.capacity > UInt64(sizeMiB / 2) << 20 && pool.capacity <= UInt64(sizeMiB) << 20)
            _ = try await host.createVolume(
                in: "fs1",
                xml:
                    "<volume><name>a.qcow2</name><capacity unit='M'>10</capacity><target><format type='qcow2'/></target></volume>"
            )
            #expect(try await host.volumes(in: "fs1").map(\.name).contains("a.qcow2"))
        }

        // A new host on the same directories finds the pool mounted and active.
        do {
            let host = try await StorageHost(directories: dirs)
            #expect(try await host.pool(named: "fs1").isActive)
            #expect(try await host.volumes(in: "fs1").map(\.name).contains("a.qcow2"))
            try await host.destroy("fs1")
            #expect(try !Self.isMounted(target))
            #expect(!FileManager.default.fileExists(atPath: target + "/a.qcow2"), "the volume lives on the device")

            try await host.start("fs1")
            #expect(try await host.volume("a.qcow2", in: "fs1").definition.capacity == 10 << 20)
            try await host.destroy("fs1")
            try await host.delete("fs1")
            #expect(!FileManager.default.fileExists(atPath: target))
            try await host.undefine("fs1")
        }
        #expect(try Self.blkidType(loop.device) == format, "pool delete keeps the filesystem, as libvirt")
    }

    @Test(
        "a build without --overwrite never destroys a filesystem",
        .enabled(if: LoopDevice.available, "needs root and loop devices"))
    func buildKeepsExistingData() async throws {
        let scratch = Scratch("fs-keep")
        let loop = try LoopDevice("keep", sizeMiB: 64, in: scratch)
        #expect(try Scratch.run("/usr/sbin/mkfs.ext4", ["-q", "-F", loop.device]).0 == 0)
        let target = scratch.sub("mnt")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        defer { if (try? Self.isMounted(target)) == true { _ = try? Scratch.run("/usr/bin/umount", [target]) } }

        // Put a file on the existing filesystem through the pool.
        try await host.define(xml: Self.poolXML("keep", device: loop.device, format: "ext4", target: target))
        try await host.build("keep")
        try await host.start("keep")
        _ = try await host.createVolume(
            in: "keep", xml: "<volume><name>data.raw</name><capacity>4096</capacity></volume>")
        try await host.destroy("keep")
        try await host.undefine("keep")

        // The same device defined as xfs: a plain build leaves it alone, --no-overwrite refuses.
        try await host.define(xml: Self.poolXML("other", device: loop.device, format: "xfs", target: target))
        try await host.build("other")
        #expect(try Self.blkidType(loop.device) == "ext4")
        let refused = await #expect(throws: StorageError.self) { try await host.build("other", mode: .noOverwrite) }
        #expect(refused?.code == .poolBuilt)
        #expect(refused?.message.contains("forced overwrite is necessary") == true)
        #expect(refused?.hint == "it holds ext4")
        try await host.undefine("other")

        // Same format: --no-overwrite says it is already built; the volume is still there.
        try await host.define(xml: Self.poolXML("again", device: loop.device, format: "ext4", target: target))
        let built = await #expect(throws: StorageError.self) { try await host.build("again", mode: .noOverwrite) }
        #expect(built?.message == "Device '\(loop.device)' already formatted using 'ext4'")
        try await host.start("again")
        #expect(try await host.volumes(in: "again").map(\.name).contains("data.raw"))
        try await host.destroy("again")

        // --overwrite makes a new filesystem.
        try await host.build("again", mode: .overwrite)
        try await host.start("again")
        #expect(try await !host.volumes(in: "again").map(\.name).contains("data.raw"))
        try await host.destroy("again")
    }

    @Test(
        "an image-file pool is unmounted and its loop device released on stop",
        .enabled(if: LoopDevice.available, "needs root and loop devices"))
    func imageFileSource() async throws {
        let scratch = Scratch("fs-image")
        let image = scratch.sub("fs.img")
        _ = try Scratch.run("/usr/bin/truncate", ["-s", "64M", image])
        let target = scratch.sub("mnt")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        defer { if (try? Self.isMounted(target)) == true { _ = try? Scratch.run("/usr/bin/umount", [target]) } }
        try await host.define(xml: Self.poolXML("img", device: image, format: "ext4", target: target))
        try await host.build("img", mode: .noOverwrite)
        try await host.start("img")
        #expect(try Self.isMounted(target))
        // The mount table names the loop device, not the image; the pool is still found active.
        #expect(try await FsBackend().check(try await host.pool(named: "img").definition))
        try await host.destroy("img")
        #expect(try !Self.isMounted(target))
        // The kernel frees an autoclear loop device from a work queue after
        // the unmount returns: give it up to three seconds.
        var attached = ""
        for _ in 0..<60 {
            attached = try Scratch.run("/usr/sbin/losetup", ["-j", image]).1
            if attached.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(attached.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "loop device left: \(attached)")
    }

    @Test("missing source device and unbuilt pools give clear errors")
    func clearErrors() async throws {
        let scratch = Scratch("fs-errors")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        let missing = scratch.sub("no-such-device")
        try await host.define(xml: Self.poolXML("bad", device: missing, format: "ext4", target: scratch.sub("mnt")))
        // As libvirt: mount runs and says what is wrong; the hint says what to do.
        let notBuilt = await #expect(throws: StorageError.self) { try await host.start("bad") }
        #expect(notBuilt?.message.contains("unexpected exit status 32") == true)
        #expect(notBuilt?.hint == "the mount point '\(scratch.sub("mnt"))' is not a directory: build the pool first")
        let noDevice = await #expect(throws: StorageError.self) { try await host.build("bad", mode: .overwrite) }
        #expect(noDevice?.message.contains("Source device does not exist") == true)
        try await host.define(
            xml: Self.poolXML("auto", device: scratch.sub("empty"), format: "auto", target: scratch.sub("mnt2")))
        _ = FileManager.default.createFile(atPath: scratch.sub("empty"), contents: nil)
        let auto = await #expect(throws: StorageError.self) { try await host.build("auto", mode: .overwrite) }
        #expect(auto?.message.contains("format 'auto'") == true)
        #expect(try await !host.pool(named: "bad").isActive)
    }

    @Test("mkfs is told to overwrite the way each maker needs")
    func mkfsArguments() {
        #expect(FsBackend.mkfs(format: "ext4", device: "/dev/x").arguments == ["-t", "ext4", "-F", "/dev/x"])
        #expect(FsBackend.mkfs(format: "xfs", device: "/dev/x").arguments == ["-t", "xfs", "-f", "/dev/x"])
        #expect(FsBackend.mkfs(format: "vfat", device: "/dev/x").arguments == ["-t", "vfat", "-I", "/dev/x"])
        #expect(FsBackend.mkfs(format: "ext2", device: "/dev/x").program == "mkfs")
    }

    @Test("mount table escapes are undone")
    func mountTableEscapes() {
        let entries = MountTable.parse(
            "/dev/loop3 /tmp/a\\040b ext4 rw,nosuid,nodev,noexec,relatime 0 0\nvm:/gv0 /mnt/g fuse.glusterfs rw 0 0\n")
        #expect(entries.map(\.mountPoint) == ["/tmp/a b", "/mnt/g"])
        #expect(entries[1].source == "vm:/gv0" && entries[1].type == "fuse.glusterfs")
    }
}
