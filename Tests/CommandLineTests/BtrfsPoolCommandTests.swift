import Foundation
import Testing
import VirtStorageTestSupport

/// btrfs pools (a VirtStorage extension) through virt-storage, on a real
/// btrfs filesystem on a loop device: build, start, volumes in subvolumes,
/// the snapshot cycle with bytes compared, clones, the refusals, stop
/// unmounts, delete; and a pool on a directory of a mounted btrfs.
@Suite("virt-storage btrfs pools on a loop device", .serialized, .enabled(if: LoopDevice.available))
struct BtrfsPoolCommandTests {
    typealias Place = SnapshotCommandTests.Place

    static func bytes(_ count: Int, seed: UInt64) -> Data {
        var rng = SplitMix(seed: seed)
        return Data((0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }

    static func isMounted(_ path: String) throws -> Bool {
        try String(contentsOfFile: "/proc/self/mounts", encoding: .utf8).split(separator: "\n")
            .contains { $0.split(separator: " ").dropFirst().first.map(String.init) == path }
    }

    @Test func snapshotCycleOnADevice() throws {
        let place = try Place()
        let scratch = Scratch("btrfs-cli")
        let loop = try LoopDevice("btrfs", sizeMiB: 300, in: scratch)
        let mount = place.base + "/mnt"
        loop.mounts = [mount]
        defer { try? FileManager.default.removeItem(atPath: place.base) }

        try place.ok(["pool-define-as", "b", "btrfs", "--source-dev", loop.device, "--target", mount])
        let dumped = try place.ok(["pool-dumpxml", "b"])
        #expect(dumped.hasPrefix("<pool type='btrfs'>"), "\(dumped)")
        #expect(dumped.contains("<device path='\(loop.device)'/>"))
        // A plain build makes the mount point only, as an fs pool's.
        try place.ok(["pool-build", "b"])
        #expect(try place.refused(["pool-start", "b"]).contains("mount"), "no filesystem on the device yet")
        #expect(try !Self.isMounted(mount))
        try place.ok(["pool-build", "b", "--overwrite"])
        try place.ok(["pool-start", "b"])
        #expect(try Self.isMounted(mount))

        try place.ok(["vol-create-as", "b", "v", "8M", "--allocation", "0"])
        #expect(try place.ok(["vol-path", "--pool", "b", "v"]).contains(mount + "/v/v"))
        let first = Self.bytes(2 << 20, seed: 1)
        let second = Self.bytes(2 << 20, seed: 2)
        try first.write(to: URL(fileURLWithPath: place.base + "/first"))
        try second.write(to: URL(fileURLWithPath: place.base + "/second"))
        try place.ok(["vol-upload", "--pool", "b", "v", place.base + "/first"])
        try place.ok(["vol-snapshot-create", "--pool", "b", "v", "s1", "--description", "before the change"])
        let listed = try place.ok(["vol-snapshot-list", "--pool", "b", "v", "--json"])
        #expect(listed.contains("\"name\" : \"s1\"") && listed.contains("before the change"), "\(listed)")
        #expect(listed.contains("\"created\""), "btrfs records when a snapshot was made: \(listed)")

        try place.ok(["vol-upload", "--pool", "b", "v", place.base + "/second"])
        try place.ok(["vol-download", "--pool", "b", "v", place.base + "/now", "--length", "\(2 << 20)"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: place.base + "/now")) == second)
        try place.ok(["vol-snapshot-revert", "--pool", "b", "v", "s1"])
        try place.ok(["vol-download", "--pool", "b", "v", place.base + "/back", "--length", "\(2 << 20)"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: place.base + "/back")) == first, "the snapshot's bytes")

        // A clone at the snapshot, and a clone of the volume as it is, each a writable snapshot.
        try place.ok(["vol-upload", "--pool", "b", "v", place.base + "/second"])
        try place.ok(["vol-clone", "--pool", "b", "v", "at-s1", "--snapshot", "s1"])
        try place.ok(["vol-clone", "--pool", "b", "v", "now"])
        try place.ok(["vol-download", "--pool", "b", "at-s1", place.base + "/c1", "--length", "\(2 << 20)"])
        try place.ok(["vol-download", "--pool", "b", "now", place.base + "/c2", "--length", "\(2 << 20)"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: place.base + "/c1")) == first)
        #expect(try Data(contentsOf: URL(fileURLWithPath: place.base + "/c2")) == second)
        let subvolumes = try Scratch.run("/usr/bin/btrfs", ["subvolume", "list", mount]).1
        for path in ["path v\n", "path at-s1\n", "path now\n", "path .snapshots/v/s1\n"] {
            #expect(subvolumes.contains(path), "\(path) is a subvolume: \(subvolumes)")
        }

        // The volume at s1 as a stream (read from the read-only snapshot), into a dir pool.
        try place.ok(["pool-create-as", "d", "dir", "--target", place.base + "/d", "--build"])
        try place.ok(["vol-export", "--pool", "b", "v", place.base + "/s1.vs", "--snapshot", "s1"])
        try place.ok(["vol-import", "d", "v-at-s1", place.base + "/s1.vs"])
        let imported = try Data(contentsOf: URL(fileURLWithPath: place.base + "/d/v-at-s1"))
        #expect(imported.count == 8 << 20 && imported.prefix(2 << 20) == first)
        #expect(
            try place.refused(["vol-export", "--pool", "b", "v", place.base + "/inc.vs", "--snapshot", "s1", "--base", "s1"])
                .contains("does not support reading the changes between two snapshots"))

        // Mistakes, each refused with nothing changed.
        #expect(try place.refused(["vol-snapshot-create", "--pool", "b", "v", "s1"]).contains("already exists"))
        #expect(try place.refused(["vol-snapshot-revert", "--pool", "b", "v", "nope"]).contains("has no snapshot 'nope'"))
        #expect(try place.refused(["vol-create-as", "b", ".snapshots", "1M"]).contains("begins with '.'"))
        #expect(try place.refused(["vol-delete", "--pool", "b", "v"]).contains("it has snapshots"))
        #expect(try place.ok(["vol-list", "b"]).contains(" v "))

        try place.ok(["vol-delete", "--pool", "b", "v", "--delete-snapshots"])
        try place.ok(["vol-delete", "--pool", "b", "at-s1"])
        try place.ok(["vol-delete", "--pool", "b", "now"])
        #expect(try Scratch.run("/usr/bin/btrfs", ["subvolume", "list", mount]).1.isEmpty)
        try place.ok(["pool-destroy", "b"])
        #expect(try !Self.isMounted(mount), "stop unmounts")
        try place.ok(["pool-delete", "b"])
        #expect(!FileManager.default.fileExists(atPath: mount))
        try place.ok(["pool-undefine", "b"])
    }

    /// Without a device the pool is a directory of a btrfs filesystem that
    /// is mounted already; one on another filesystem is refused before
    /// anything is made.
    @Test func directoryOfAMountedFilesystem() throws {
        let place = try Place()
        let scratch = Scratch("btrfs-dir")
        let loop = try LoopDevice("btrfs-dir", sizeMiB: 200, in: scratch)
        let mount = place.base + "/fs"
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        #expect(try Scratch.run("/usr/sbin/mkfs.btrfs", ["-q", "-f", loop.device]).0 == 0)
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        #expect(try Scratch.run("/usr/bin/mount", [loop.device, mount]).0 == 0)
        loop.mounts = [mount]

        try place.ok(["pool-define-as", "d", "btrfs", "--target", mount + "/images"])
        try place.ok(["pool-build", "d"])
        try place.ok(["pool-start", "d"])
        try place.ok(["vol-create-as", "d", "q", "4M", "--format", "qcow2"])
        try place.ok(["vol-snapshot-create", "--pool", "d", "q", "s"])
        #expect(try place.ok(["vol-info", "--pool", "d", "q"]).contains("file"))
        try place.ok(["vol-delete", "--pool", "d", "q", "--delete-snapshots"])
        try place.ok(["pool-destroy", "d"])
        #expect(try Self.isMounted(mount), "a pool without a device does not unmount its filesystem")
        try place.ok(["pool-delete", "d"])

        try place.ok(["pool-define-as", "e", "btrfs", "--target", place.base + "/elsewhere/images"])
        #expect(try place.refused(["pool-build", "e"]).contains("not a directory of a btrfs filesystem"))
        #expect(!FileManager.default.fileExists(atPath: place.base + "/elsewhere"), "nothing was made")
    }

    /// The document of a btrfs pool validates against VirtStorage's schema;
    /// pool-capabilities lists btrfs only when asked.
    @Test func schemaAndCapabilities() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        let xml = "<pool type='btrfs'><name>x</name><target><path>\(place.base)/x</path></target></pool>"
        try xml.write(toFile: place.base + "/x.xml", atomically: true, encoding: .utf8)
        try place.ok(["pool-define", place.base + "/x.xml", "--validate"])
        let bad = xml.replacingOccurrences(of: "<target>", with: "<bogus/><target>")
        try bad.write(toFile: place.base + "/bad.xml", atomically: true, encoding: .utf8)
        let refusal = try place.refused(["pool-define", place.base + "/bad.xml", "--validate"])
        #expect(refusal.contains("virtstorage-storagepool.rng"), "\(refusal)")
        #expect(!(try place.ok(["pool-capabilities"]).contains("btrfs'")))
        #expect(try place.ok(["pool-capabilities", "--extensions"]).contains("<pool type='btrfs' supported='yes'>"))
    }
}
