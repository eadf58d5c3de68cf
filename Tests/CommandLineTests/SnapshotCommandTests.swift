import Foundation
import Testing
import VirtStorageTestSupport

/// The snapshot cycle through virt-storage (create, list, overwrite,
/// revert, the bytes back, a clone at the snapshot, delete, gone) on a
/// qcow2 volume of a dir pool and on an rbd image of the live cluster, and
/// the mistakes each refuses with nothing changed.
@Suite("virt-storage vol-snapshot-* on qcow2 and rbd", .serialized)
struct SnapshotCommandTests {
    typealias Place = CommandPlace

    static func tool(_ path: String, _ args: [String]) throws -> (Int32, String) { try Scratch.run(path, args) }

    /// The guest-visible bytes of a qcow2 image, as qemu-img reads them.
    static func guestBytes(_ image: String, scratch: String) throws -> Data {
        let raw = scratch + "/guest-\(UUID().uuidString.prefix(6)).raw"
        defer { unlink(raw) }
        let (status, out) = try tool("/usr/bin/qemu-img", ["convert", "-O", "raw", image, raw])
        #expect(status == 0, "qemu-img convert: \(out)")
        return try Data(contentsOf: URL(fileURLWithPath: raw))
    }

    static func checkClean(_ image: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (status, out) = try tool("/usr/bin/qemu-img", ["check", image])
        #expect(status == 0, "qemu-img check \(image): \(out)", sourceLocation: sourceLocation)
    }

    @Test func qcow2CycleInADirPool() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        let image = place.base + "/pool/q.qcow2"
        try place.ok(["pool-create-as", "s", "dir", "--target", place.base + "/pool", "--build"])
        try place.ok(["vol-create-as", "s", "q.qcow2", "4M", "--format", "qcow2"])
        // Guest data written as a VM would, through qemu's block layer.
        #expect(try Self.tool("/usr/bin/qemu-io", ["-c", "write -P 0x61 0 1M", image]).0 == 0)
        let before = try Self.guestBytes(image, scratch: place.base)
        try place.ok(["vol-snapshot-create", "q.qcow2", "s1", "--pool", "s"])
        try Self.checkClean(image)
        let listed = try place.ok(["vol-snapshot-list", "q.qcow2", "--pool", "s", "--json"])
        #expect(listed.contains("\"name\" : \"s1\""), "\(listed)")
        #expect(try place.ok(["vol-snapshot-list", "q.qcow2", "--pool", "s"]).contains(" s1 "))

        #expect(try Self.tool("/usr/bin/qemu-io", ["-c", "write -P 0x62 0 2M", image]).0 == 0)
        #expect(try Self.guestBytes(image, scratch: place.base) != before)
        try place.ok(["vol-snapshot-revert", "q.qcow2", "s1", "--pool", "s"])
        try Self.checkClean(image)
        #expect(try Self.guestBytes(image, scratch: place.base) == before, "the snapshot's bytes are back")

        // A clone at the snapshot holds its bytes, as a volume of the pool.
        #expect(try Self.tool("/usr/bin/qemu-io", ["-c", "write -P 0x63 0 1M", image]).0 == 0)
        try place.ok(["vol-clone", "q.qcow2", "c.qcow2", "--pool", "s", "--snapshot", "s1"])
        try Self.checkClean(place.base + "/pool/c.qcow2")
        #expect(try Self.guestBytes(place.base + "/pool/c.qcow2", scratch: place.base) == before)
        #expect(try place.ok(["vol-list", "s"]).contains("c.qcow2"))

        // Mistakes: one clear error each, nothing changed.
        let unknown = try place.refused(["vol-snapshot-revert", "q.qcow2", "nosuch", "--pool", "s"])
        #expect(unknown.contains("Storage volume snapshot not found: volume 'q.qcow2' has no snapshot 'nosuch'"))
        let twice = try place.refused(["vol-snapshot-create", "q.qcow2", "s1", "--pool", "s"])
        #expect(twice.contains("snapshot 's1' of volume 'q.qcow2' already exists"))
        for bad in ["1st", "a b", "a/b", "-x", ""] {
            let error = try place.refused(["vol-snapshot-create", "q.qcow2", "--snapshot=\(bad)", "--pool", "s"])
            #expect(error.contains("invalid snapshot name") || error.contains("Option argument is empty"), "\(bad): \(error)")
        }
        let described = try place.refused(["vol-snapshot-create", "q.qcow2", "s2", "--pool", "s", "--description", "x"])
        #expect(described.contains("holds no description"))
        try place.ok(["vol-create-as", "s", "r.vmdk", "1M", "--format", "vmdk"])
        let vmdk = try place.refused(["vol-snapshot-create", "r.vmdk", "s1", "--pool", "s"])
        #expect(vmdk.contains("volume 'r.vmdk' is vmdk: only raw and qcow2 volumes of this pool hold snapshots"))
        let json = try place.ok(["vol-snapshot-list", "q.qcow2", "--pool", "s", "--json"])
        #expect(json.components(separatedBy: "\"name\"").count == 2, "still one snapshot: \(json)")

        try place.ok(["vol-snapshot-delete", "q.qcow2", "s1", "--pool", "s"])
        try Self.checkClean(image)
        #expect(try place.ok(["vol-snapshot-list", "q.qcow2", "--pool", "s", "--json"]) == "[\n\n]\n\n")
        let gone = try place.refused(["vol-snapshot-delete", "q.qcow2", "s1", "--pool", "s"])
        #expect(gone.contains("has no snapshot 's1'"))
        try place.ok(["pool-destroy", "s"])
    }

    /// A raw volume's snapshots are a chain of qcow2 overlays: the volume
    /// turns qcow2 on its first snapshot, each snapshot keeps its bytes in
    /// the pool's hidden folder, revert and clone give them back, deleting
    /// the newest first brings the raw file back with the data of now, and
    /// a volume an image tool holds open is refused.
    @Test func rawCycleAsAChainOfOverlays() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        let pool = place.base + "/pool"
        let image = pool + "/r.img"
        func qemuIO(_ command: String, format: String = "qcow2") throws {
            let (status, out) = try Self.tool("/usr/bin/qemu-io", ["-f", format, "-c", command, image])
            #expect(status == 0, "qemu-io \(command): \(out)")
        }
        func guest() throws -> Data { try Self.guestBytes(image, scratch: place.base) }
        func format() throws -> String {
            let xml = try place.ok(["vol-dumpxml", "r.img", "--pool", "s"])
            return xml.components(separatedBy: "<format type='")[1].components(separatedBy: "'")[0]
        }
        try place.ok(["pool-create-as", "s", "dir", "--target", pool, "--build"])
        try place.ok(["vol-create-as", "s", "r.img", "8M", "--allocation", "0"])
        try qemuIO("write -P 0x61 0 4M", format: "raw")
        let atS1 = try guest()
        try place.ok(["vol-snapshot-create", "r.img", "s1", "--pool", "s", "--description", "before the change"])
        #expect(try format() == "qcow2")
        try Self.checkClean(image)
        try qemuIO("write -P 0x62 1M 2M")
        let atS2 = try guest()
        try place.ok(["vol-snapshot-create", "r.img", "s2", "--pool", "s"])
        try qemuIO("write -P 0x63 6M 1M")
        let now = try guest()
        #expect(Set([atS1, atS2, now]).count == 3)
        try Self.checkClean(image)

        struct Listed: Decodable { var name: String; var description: String?; var created: String? }
        let listed = try JSONDecoder().decode(
            [Listed].self, from: Data(try place.ok(["vol-snapshot-list", "r.img", "--pool", "s", "--json"]).utf8))
        #expect(listed.map(\.name) == ["s1", "s2"] && listed[0].description == "before the change")
        #expect(listed.allSatisfy { $0.created != nil })
        // The snapshots' folder is no volume.
        let volumes = try place.ok(["vol-list", "s"])
        #expect(volumes.contains(" r.img ") && !volumes.contains(".virtstorage"), "\(volumes)")
        #expect(try place.refused(["vol-info", ".virtstorage-snapshots", "--pool", "s"]).contains("Storage volume not found"))

        try place.ok(["vol-clone", "r.img", "c1", "--pool", "s", "--snapshot", "s1"])
        #expect(try Self.guestBytes(pool + "/c1", scratch: place.base) == atS1)
        try place.ok(["vol-snapshot-revert", "r.img", "s1", "--pool", "s"])
        try Self.checkClean(image)
        #expect(try guest() == atS1, "s1's bytes are back")
        try place.ok(["vol-snapshot-revert", "r.img", "s2", "--pool", "s"])
        #expect(try guest() == atS2, "and s2's, the newer snapshot kept")
        try qemuIO("write -P 0x63 6M 1M")
        #expect(try guest() == now)

        // An image tool holding the volume open keeps it as it is.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-io")
        holder.arguments = ["-f", "qcow2", "-c", "sleep 4000", image]
        try holder.run()
        defer { holder.terminate() }
        try Self.waitUntilLocked(image)
        for args in [["vol-snapshot-revert", "r.img", "s1"], ["vol-snapshot-delete", "r.img", "s2"], ["vol-snapshot-create", "r.img", "s3"]] {
            let busy = try place.refused(args + ["--pool", "s"])
            #expect(busy.contains("volume 'r.img' is in use: a process holds its image open"), "\(args): \(busy)")
        }
        holder.terminate()
        holder.waitUntilExit()
        #expect(try guest() == now)

        // The newest first: the last deletion leaves the raw file, with the data of now.
        try place.ok(["vol-snapshot-delete", "r.img", "s2", "--pool", "s"])
        try Self.checkClean(image)
        #expect(try guest() == now && (try format()) == "qcow2")
        try place.ok(["vol-snapshot-delete", "r.img", "s1", "--pool", "s"])
        #expect(try format() == "raw")
        #expect(try Data(contentsOf: URL(fileURLWithPath: image)) == now)
        #expect(!FileManager.default.fileExists(atPath: pool + "/.virtstorage-snapshots"))

        // A middle snapshot deleted first is merged into the one above; a
        // volume deleted takes its snapshots with it.
        try place.ok(["vol-snapshot-create", "r.img", "a", "--pool", "s"])
        try qemuIO("write -P 0x64 0 1M")
        let atB = try guest()
        try place.ok(["vol-snapshot-create", "r.img", "b", "--pool", "s"])
        try place.ok(["vol-snapshot-delete", "r.img", "a", "--pool", "s"])
        try place.ok(["vol-snapshot-revert", "r.img", "b", "--pool", "s"])
        #expect(try guest() == atB)
        try place.ok(["vol-delete", "r.img", "--pool", "s"])
        #expect(!FileManager.default.fileExists(atPath: pool + "/.virtstorage-snapshots"))
        try place.ok(["pool-destroy", "s"])
    }

    /// Waits until a process has taken QEMU's locks on the image.
    static func waitUntilLocked(_ image: String) throws {
        for _ in 0..<100 {
            let (status, _) = try tool("/usr/bin/qemu-img", ["info", image])
            if status != 0 { return }
            usleep(20_000)
        }
        Issue.record("nothing took QEMU's locks on \(image)")
    }

    @Test(
        "rbd: the cycle through vol-upload and vol-download; a clone holds its snapshot",
        .enabled(if: CephCluster.current != nil, Comment(rawValue: CephCluster.reason)))
    func rbdCycle() throws {
        let cluster = CephCluster.current!
        let place = try Place()
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        let uuid = try place.createRBDPool("r", on: cluster)
        let image = "snap-\(uuid.prefix(8))"
        let clone = image + "-c"
        defer {
            _ = try? place.run(["vol-delete", clone, "--pool", "r"])
            _ = try? place.run(["vol-delete", image, "--pool", "r", "--delete-snapshots"])
            _ = try? place.run(["pool-destroy", "r"])
        }
        let a = Data((0..<1_048_576).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let b = Data((0..<1_048_576).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) })
        try a.write(to: URL(fileURLWithPath: place.base + "/a"))
        try b.write(to: URL(fileURLWithPath: place.base + "/b"))
        func download(_ vol: String) throws -> Data {
            try place.ok(["vol-download", vol, place.base + "/back", "--pool", "r", "--length", "1048576"])
            return try Data(contentsOf: URL(fileURLWithPath: place.base + "/back"))
        }

        try place.ok(["vol-create-as", "r", image, "4M"])
        try place.ok(["vol-upload", image, place.base + "/a", "--pool", "r"])
        try place.ok(["vol-snapshot-create", image, "s1", "--pool", "r", "--description", "before the upgrade"])
        let listed = try place.ok(["vol-snapshot-list", image, "--pool", "r", "--json"])
        #expect(listed.contains("\"description\" : \"before the upgrade\""), "\(listed)")
        #expect(listed.contains("\"created\""))
        try place.ok(["vol-upload", image, place.base + "/b", "--pool", "r"])
        #expect(try download(image) == b)
        try place.ok(["vol-snapshot-revert", image, "s1", "--pool", "r"])
        #expect(try download(image) == a, "the snapshot's bytes are back")

        try place.ok(["vol-clone", image, clone, "--pool", "r", "--snapshot", "s1"])
        #expect(try download(clone) == a)
        // The clone depends on the snapshot: it stays until the clone goes.
        let depends = try place.refused(["vol-snapshot-delete", image, "s1", "--pool", "r"])
        #expect(depends.contains("has clones that depend on it"), "\(depends)")
        #expect(try place.ok(["vol-snapshot-list", image, "--pool", "r"]).contains(" s1 "))
        try place.ok(["vol-delete", clone, "--pool", "r"])
        try place.ok(["vol-snapshot-delete", image, "s1", "--pool", "r"])
        #expect(try place.ok(["vol-snapshot-list", image, "--pool", "r", "--json"]) == "[\n\n]\n\n")
    }
}
