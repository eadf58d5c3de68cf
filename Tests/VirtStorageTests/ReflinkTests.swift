import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// Clones on xfs and btrfs share extents (reflink) instead of copying, on
/// real filesystems made on loop devices.
@Suite("reflink clones on xfs and btrfs loop mounts", .serialized)
struct ReflinkTests {
    static var canLoopMount: Bool { LoopDevice.available }

    /// A filesystem of `type` on a loop device, mounted for the test's duration.
    final class LoopMount {
        let loop: LoopDevice
        let mountPoint: String

        init(_ type: String, sizeMiB: Int, in scratch: Scratch) throws {
            loop = try LoopDevice(type, sizeMiB: sizeMiB, in: scratch)
            mountPoint = scratch.sub("mnt-\(type)")
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
            let mkfs =
                switch type {
                case "xfs": ["/usr/sbin/mkfs.xfs", "-q", "-f", loop.device]
                case "ext4": ["/usr/sbin/mkfs.ext4", "-q", "-F", loop.device]
                default: ["/usr/sbin/mkfs.btrfs", "-q", "-f", loop.device]
                }
            let (mkfsStatus, mkfsOut) = try Scratch.run(mkfs[0], Array(mkfs.dropFirst()))
            guard mkfsStatus == 0 else { throw StorageError(.operationFailed, "mkfs: \(mkfsOut)") }
            let (mountStatus, mountOut) = try Scratch.run("/usr/bin/mount", [loop.device, mountPoint])
            guard mountStatus == 0 else { throw StorageError(.operationFailed, "mount: \(mountOut)") }
        }

        deinit { _ = try? Scratch.run("/usr/bin/umount", [mountPoint]) }

        var freeBytes: UInt64 {
            var fs = statvfs()
            statvfs(mountPoint, &fs)
            return UInt64(fs.f_bfree) * UInt64(fs.f_frsize)
        }
    }

    @Test(
        "clone shares extents", .enabled(if: canLoopMount, "needs root and loop devices"),
        arguments: [("xfs", 320), ("btrfs", 256)])
    func cloneSharesExtents(type: String, sizeMiB: Int) async throws {
        let scratch = Scratch("reflink-\(type)")
        let mount = try LoopMount(type, sizeMiB: sizeMiB, in: scratch)
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        try await host.define(
            xml: "<pool type='dir'><name>r</name><target><path>\(mount.mountPoint)/pool</path></target></pool>")
        try await host.start("r", build: .normal)
        _ = try await host.createVolume(
            in: "r",
            xml: "<volume><name>src.img</name><capacity unit='M'>64</capacity><allocation>0</allocation></volume>")
        // 32 MiB of real data.
        let fd = open(mount.mountPoint + "/pool/src.img", O_WRONLY)
        let data = [UInt8](repeating: 0x6B, count: 1 << 20)
        for i in 0..<32 { _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, data.count, off_t(i << 20)) } }
        fsync(fd)
        close(fd)
        sync()
        let before = mount.freeBytes
        // reflink: a reflink or nothing (virsh's vol-clone --reflink).
        _ = try await host.cloneVolume("src.img", in: "r", newName: "clone.img", reflink: true)
        sync()
        let used = before > mount.freeBytes ? before - mount.freeBytes : 0
        #expect(used < 4 << 20, "\(type): the clone used \(used) bytes; a copy would use 32 MiB")
        let a = FileManager.default.contents(atPath: mount.mountPoint + "/pool/src.img")
        let b = FileManager.default.contents(atPath: mount.mountPoint + "/pool/clone.img")
        #expect(a == b)
        try await host.destroy("r")
        withExtendedLifetime(mount) {}
    }

    @Test(
        "a reflink asked for where none can be made fails as libvirt's, and leaves nothing",
        .enabled(if: canLoopMount, "needs root and loop devices"))
    func reflinkRefused() async throws {
        let scratch = Scratch("reflink-ext4")
        let mount = try LoopMount("ext4", sizeMiB: 64, in: scratch)
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        let dir = mount.mountPoint + "/pool"
        try await host.define(xml: "<pool type='dir'><name>e</name><target><path>\(dir)</path></target></pool>")
        try await host.start("e", build: .normal)
        for (name, format) in [("a.img", "raw"), ("b.qcow2", "qcow2")] {
            _ = try await host.createVolume(
                in: "e",
                xml: "<volume><name>\(name)</name><capacity>1048576</capacity><target><format type='\(format)'/></target></volume>")
        }
        // ext4 cannot share extents: FICLONE's error, in libvirt's words.
        let raw = await #expect(throws: StorageError.self) {
            try await host.cloneVolume("a.img", in: "e", newName: "a2.img", reflink: true)
        }
        #expect(raw?.libvirtMessage == "failed to clone files from '\(dir)/a.img': Operation not supported")
        // An image goes through qemu-img in libvirt, which takes no reflink.
        let image = await #expect(throws: StorageError.self) {
            try await host.cloneVolume("b.qcow2", in: "e", newName: "b2.qcow2", reflink: true)
        }
        #expect(image?.libvirtMessage == "unsupported flags (0x2) in function storageBackendCreateQemuImg")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["a.img", "b.qcow2"])
        #expect(try await host.volumes(in: "e").map(\.name).sorted() == ["a.img", "b.qcow2"])
        // Without reflink the same clone is a copy.
        _ = try await host.cloneVolume("a.img", in: "e", newName: "a2.img")
        try await host.destroy("e")
        withExtendedLifetime(mount) {}
    }

    @Test("cow state on btrfs", .enabled(if: canLoopMount, "needs root and loop devices"))
    func copyOnWriteFeature() async throws {
        let scratch = Scratch("cow")
        let mount = try LoopMount("btrfs", sizeMiB: 256, in: scratch)
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        try await host.define(
            xml:
                "<pool type='dir'><name>c</name><features><cow state='no'/></features><target><path>\(mount.mountPoint)/pool</path></target></pool>"
        )
        try await host.build("c")
        let (_, dirAttrs) = try Scratch.run("/usr/bin/lsattr", ["-d", mount.mountPoint + "/pool"])
        #expect(dirAttrs.split(separator: " ").first?.contains("C") == true, "lsattr: \(dirAttrs)")
        try await host.start("c")
        _ = try await host.createVolume(in: "c", xml: "<volume><name>v</name><capacity>65536</capacity></volume>")
        let (_, fileAttrs) = try Scratch.run("/usr/bin/lsattr", [mount.mountPoint + "/pool/v"])
        #expect(fileAttrs.split(separator: " ").first?.contains("C") == true, "lsattr: \(fileAttrs)")
        try await host.destroy("c")
        // On a filesystem without the attribute, building fails clearly.
        let plain = try await StorageHost(directories: .root(scratch.sub("root2")))
        try await plain.define(
            xml:
                "<pool type='dir'><name>d</name><features><cow state='no'/></features><target><path>\(scratch.sub("tmpfs-less"))</path></target></pool>"
        )
        let (_, fsType) = try Scratch.run("/usr/bin/stat", ["-f", "-c", "%T", scratch.path])
        if !fsType.contains("btrfs") {
            let error = await #expect(throws: StorageError.self) { try await plain.build("d") }
            #expect(error?.message.contains("btrfs") == true)
        }
        withExtendedLifetime(mount) {}
    }
}
