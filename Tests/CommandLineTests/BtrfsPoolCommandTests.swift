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

    /// A btrfs pool on a device of its own, built and started: returns its mount point.
    static func startPool(_ name: String, _ place: Place, _ scratch: Scratch) throws -> (LoopDevice, String) {
        let loop = try LoopDevice("btrfs-" + name, sizeMiB: 200, in: scratch)
        let mount = place.base + "/" + name
        loop.mounts = [mount]
        try place.ok(["pool-define-as", name, "btrfs", "--source-dev", loop.device, "--target", mount])
        try place.ok(["pool-build", name, "--overwrite"])
        try place.ok(["pool-start", name])
        return (loop, mount)
    }

    /// A volume's snapshots travel between two pools on two filesystems as
    /// btrfs send streams: whole at s1, then s1..s2 holding only what
    /// changed; the received volume ends byte for byte as the source at s2,
    /// keeps both snapshots, and reverts and clones from them.
    @Test func sendAndReceiveBetweenTwoPools() throws {
        let place = try Place()
        let scratch = Scratch("btrfs-send")
        let (first, mountA) = try Self.startPool("a", place, scratch)
        let (second, mountB) = try Self.startPool("b", place, scratch)
        defer {
            _ = try? place.run(["pool-destroy", "a"])
            _ = try? place.run(["pool-destroy", "b"])
            try? FileManager.default.removeItem(atPath: place.base)
        }
        _ = (first, second)
        let file = { (name: String) in place.base + "/" + name }
        let original = Self.bytes(3 << 20, seed: 7)
        let patch = Self.bytes(256 << 10, seed: 8)
        var changed = original
        changed.replaceSubrange((1 << 20)..<((1 << 20) + (256 << 10)), with: patch)
        try original.write(to: URL(fileURLWithPath: file("original")))
        try patch.write(to: URL(fileURLWithPath: file("patch")))

        try place.ok(["vol-create-as", "a", "v", "16M", "--allocation", "0"])
        try place.ok(["vol-upload", "--pool", "a", "v", file("original")])
        try place.ok(["vol-snapshot-create", "--pool", "a", "v", "s1"])
        try place.ok(["vol-upload", "--pool", "a", "v", file("patch"), "--offset", "\(1 << 20)"])
        try place.ok(["vol-snapshot-create", "--pool", "a", "v", "s2"])

        let said = try place.ok(["vol-export", "--pool", "a", "v", file("full.vs"), "--snapshot", "s1", "--format", "btrfs-send"])
        #expect(said.contains("(btrfs-send, at s1)"), "\(said)")
        try place.ok(["vol-import", "b", "w", file("full.vs")])
        try place.ok(["vol-export", "--pool", "a", "v", "--snapshot", "s2", "--base", "s1", "--format", "btrfs-send", file("inc.vs")])
        let full = try FileManager.default.attributesOfItem(atPath: file("full.vs"))[.size] as! Int
        let increment = try FileManager.default.attributesOfItem(atPath: file("inc.vs"))[.size] as! Int
        #expect(full > 3 << 20 && increment < 1 << 20, "the increment holds what changed: \(full) and \(increment) bytes")
        try place.ok(["vol-import", "b", "w", file("inc.vs")])

        func content(_ pool: String, _ volume: String) throws -> Data {
            let target = file("\(pool)-\(volume)-\(UUID().uuidString.prefix(4))")
            try place.ok(["vol-download", "--pool", pool, volume, target])
            return try Data(contentsOf: URL(fileURLWithPath: target))
        }
        let received = try content("b", "w")
        #expect(received.count == 16 << 20 && received.prefix(3 << 20) == changed, "w is v at s2")
        #expect(received.dropFirst(3 << 20).allSatisfy { $0 == 0 })
        let listed = try place.ok(["vol-snapshot-list", "--pool", "b", "w", "--json"])
        #expect(listed.contains("\"s1\"") && listed.contains("\"s2\""), "\(listed)")
        let subvolumes = try Scratch.run("/usr/bin/btrfs", ["subvolume", "show", mountB + "/.snapshots/w/s2"]).1
        #expect(subvolumes.contains("Received UUID"), "a received subvolume: \(subvolumes)")

        // The received snapshots serve as any other: a clone at s1, a revert to s1.
        try place.ok(["vol-clone", "--pool", "b", "w", "c", "--snapshot", "s1"])
        #expect(try content("b", "c").prefix(3 << 20) == original)
        try place.ok(["vol-snapshot-revert", "--pool", "b", "w", "s1"])
        #expect(try content("b", "w").prefix(3 << 20) == original)
        #expect(FileManager.default.fileExists(atPath: mountB + "/w/w"), "the volume's file keeps its own name")

        // Mistakes: one error each, nothing left behind.
        #expect(try place.refused(["vol-import", "b", "w", file("inc.vs")]).contains("already has snapshot 's2'"))
        let missing = try place.refused(["vol-import", "b", "x", file("inc.vs")])
        #expect(missing.contains("Storage volume not found") && missing.contains("'x'"), "\(missing)")
        try place.ok(["pool-create-as", "d", "dir", "--target", file("d"), "--build"])
        #expect(try place.refused(["vol-import", "d", "w", file("full.vs")]).contains("a btrfs-send stream cannot be imported into a dir pool"))
        #expect(
            try place.refused(["vol-export", "--pool", "a", "v", file("no.vs"), "--format", "btrfs-send"])
                .contains("is taken at a snapshot"))
        #expect(
            try place.refused(["vol-export", "--pool", "a", "v", file("no.vs"), "--format", "qcow2", "--snapshot", "s1"])
                .contains("volume 'v' is exported as qcow2 as it is now only, not at a snapshot"))
        #expect(
            try place.refused(["vol-export", "--pool", "a", "v", file("no.vs"), "--format", "vmdk"])
                .contains("its streams are raw or qcow2 or btrfs-send"))
        #expect(!FileManager.default.fileExists(atPath: file("no.vs")))
        var corrupted = try Data(contentsOf: URL(fileURLWithPath: file("full.vs")))
        corrupted[corrupted.count / 2] ^= 0x40
        try corrupted.write(to: URL(fileURLWithPath: file("bad.vs")))
        #expect(try place.refused(["vol-import", "b", "x", file("bad.vs")]).contains("fails its checksum"))
        try corrupted.prefix(corrupted.count / 3).write(to: URL(fileURLWithPath: file("cut.vs")))
        #expect(try place.refused(["vol-import", "b", "x", file("cut.vs")]).contains("truncated"))
        #expect(!(try place.ok(["vol-list", "b"]).contains(" x ")))
        #expect(!FileManager.default.fileExists(atPath: mountB + "/x"))
        #expect(!FileManager.default.fileExists(atPath: mountB + "/.snapshots/x"), "no half-received snapshot")
        _ = mountA
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

    /// With quotas on (`btrfs quota enable`), a volume's allocation is what
    /// its subvolume's qgroup refers to on disk and a snapshot's size is what
    /// it alone holds: the numbers `btrfs qgroup show` prints. Without
    /// quotas, the file's blocks and no size.
    struct Unreadable: Error { var text: String }

    @Test func quotasGiveAllocationAndSnapshotSizes() throws {
        let place = try Place()
        let scratch = Scratch("btrfs-quota")
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        let (loop, mount) = try Self.startPool("q", place, scratch)
        _ = loop
        func btrfs(_ args: [String]) throws -> String {
            let (status, out) = try Scratch.run("/usr/bin/btrfs", args)
            #expect(status == 0, "btrfs \(args.joined(separator: " ")): \(out)")
            return out
        }
        /// (referenced, exclusive) of the subvolume at `path`, as btrfs-progs reads them.
        func qgroup(_ path: String) throws -> (UInt64, UInt64) {
            let id = try btrfs(["inspect-internal", "rootid", path]).trimmingCharacters(in: .whitespacesAndNewlines)
            let table = try btrfs(["qgroup", "show", "--raw", "--sync", mount])
            let fields = table.split(separator: "\n").first { $0.hasPrefix("0/\(id) ") }?.split(separator: " ") ?? []
            guard fields.count >= 3, let referenced = UInt64(fields[1]), let exclusive = UInt64(fields[2]) else {
                throw Unreadable(text: table)
            }
            return (referenced, exclusive)
        }
        func allocation() throws -> UInt64 {
            let info = try place.ok(["vol-info", "--pool", "q", "v", "--bytes"])
            let fields = info.split(separator: "\n").first { $0.hasPrefix("Allocation:") }?.split(separator: " ") ?? []
            guard fields.count >= 2, let bytes = UInt64(fields[1]) else { throw Unreadable(text: info) }
            return bytes
        }
        func sizes() throws -> [UInt64?] {
            struct Listed: Decodable { var size: UInt64? }
            let json = try place.ok(["vol-snapshot-list", "--pool", "q", "v", "--json"])
            return try JSONDecoder().decode([Listed].self, from: Data(json.utf8)).map(\.size)
        }

        try place.ok(["vol-create-as", "q", "v", "8M", "--allocation", "0"])
        let first = Self.bytes(4 << 20, seed: 3)
        try first.write(to: URL(fileURLWithPath: place.base + "/first"))
        try Self.bytes(4 << 20, seed: 4).write(to: URL(fileURLWithPath: place.base + "/second"))
        try place.ok(["vol-upload", "--pool", "q", "v", place.base + "/first"])
        try place.ok(["vol-snapshot-create", "--pool", "q", "v", "s0"])
        _ = try btrfs(["filesystem", "sync", mount])
        #expect(try allocation() == 4 << 20, "without quotas: the file's blocks")
        #expect(try sizes() == [nil])

        _ = try btrfs(["quota", "enable", mount])
        _ = try btrfs(["quota", "rescan", "-w", mount])
        try place.ok(["vol-upload", "--pool", "q", "v", place.base + "/second"])
        try place.ok(["vol-snapshot-create", "--pool", "q", "v", "s1"])
        _ = try btrfs(["filesystem", "sync", mount])
        let (referenced, _) = try qgroup(mount + "/v")
        #expect(try allocation() == referenced)
        #expect(referenced > 4 << 20, "the data and the subvolume's own metadata")
        // s0 alone holds the first data now; s1 shares everything with the volume.
        let s0 = try qgroup(mount + "/.snapshots/v/s0").1
        let s1 = try qgroup(mount + "/.snapshots/v/s1").1
        #expect(s0 >= 4 << 20 && s1 < 1 << 20)
        #expect(try sizes() == [s0, s1])
        try place.ok(["vol-delete", "--pool", "q", "v", "--delete-snapshots"])
        try place.ok(["pool-destroy", "q"])
        try place.ok(["pool-undefine", "q"])
    }
}
