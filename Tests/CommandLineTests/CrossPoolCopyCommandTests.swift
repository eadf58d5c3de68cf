import Foundation
import Testing
import VirtStorageTestSupport

/// vol-create-from between pools of different types through virt-storage,
/// bytes compared: a dir pool's raw file into rbd and back as qcow2, a qcow2
/// file into rbd, a raw file into a partition of a disk pool on a loop
/// device, and a gluster volume into a dir pool as raw and as qcow2.
@Suite("virt-storage vol-create-from across pool types", .serialized)
struct CrossPoolCopyCommandTests {
    /// A dir pool "d" holding seed.raw: 2 MiB of data, a 3 MiB hole, 1 MiB of data (8 MiB).
    static func seeded(_ place: CommandPlace) throws -> String {
        try place.ok(["pool-create-as", "d", "dir", "--target", place.base + "/d", "--build"])
        let seed = place.base + "/d/seed.raw"
        var bytes = Data((0..<(8 << 20)).map { UInt8(truncatingIfNeeded: ($0 >> 9) &* 31 &+ $0) })
        bytes.replaceSubrange((2 << 20)..<(5 << 20), with: Data(count: 3 << 20))
        bytes.replaceSubrange((6 << 20)..<(8 << 20), with: Data(count: 2 << 20))
        try bytes.write(to: URL(fileURLWithPath: seed))
        try place.ok(["pool-refresh", "d"])
        return seed
    }

    static func volumeXML(_ place: CommandPlace, _ name: String, format: String? = nil) throws -> String {
        let path = place.base + "/\(name).xml"
        let target = format.map { "<target><format type='\($0)'/></target>" } ?? ""
        try "<volume><name>\(name)</name><capacity>8388608</capacity>\(target)</volume>"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func compare(_ a: String, _ aFormat: String, _ b: String, _ bFormat: String) throws -> String {
        let (status, output) = try Scratch.run("/usr/bin/qemu-img", ["compare", "-f", aFormat, "-F", bFormat, a, b])
        return status == 0 ? output : "differ (\(status)): \(output)"
    }

    @Test(.enabled(if: CephCluster.current != nil, Comment(rawValue: CephCluster.reason)))
    func betweenADirPoolAndRBD() throws {
        let place = try CommandPlace()
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        let seed = try Self.seeded(place)
        try place.createRBDPool("r", on: CephCluster.current!)
        let image = "cli-copy-\(UUID().uuidString.prefix(8).lowercased())"
        defer {
            for name in [image, image + "-q"] { _ = try? place.run(["vol-delete", "--pool", "r", name]) }
            _ = try? place.run(["pool-destroy", "r"])
        }

        // dir raw -> rbd -> dir qcow2 (the raw bytes converted through a stage of the dir pool).
        try place.ok(["vol-create-from", "r", try Self.volumeXML(place, image), "seed.raw", "--inputpool", "d"])
        try place.ok(["vol-create-from", "d", try Self.volumeXML(place, "back.qcow2", format: "qcow2"), image, "--inputpool", "r"])
        let back = place.base + "/d/back.qcow2"
        #expect(try Self.compare(seed, "raw", back, "qcow2").contains("Images are identical"))
        #expect(try Scratch.run("/usr/bin/qemu-img", ["check", back]).status == 0)

        // dir qcow2 -> rbd: the image converted into a raw stage, then copied.
        try place.ok(["vol-create-from", "r", try Self.volumeXML(place, image + "-q"), "back.qcow2", "--inputpool", "d"])
        try place.ok(["vol-download", "--pool", "r", image + "-q", place.base + "/from-qcow2.raw"])
        #expect(FileManager.default.contentsEqual(atPath: seed, andPath: place.base + "/from-qcow2.raw"))
        let left = try FileManager.default.contentsOfDirectory(atPath: place.base + "/d").filter { $0.contains("stage") }
        #expect(left.isEmpty, "no stage is left: \(left)")
        #expect(!(try place.ok(["vol-list", "d"]).contains("stage")))
    }

    @Test(.enabled(if: LoopDevice.available))
    func fromADirPoolIntoAPartition() throws {
        let place = try CommandPlace()
        let scratch = Scratch("cli-disk-copy")
        let loop = try LoopDevice("cli-copy", sizeMiB: 32, in: scratch)
        defer {
            _ = try? place.run(["pool-destroy", "k"])
            try? FileManager.default.removeItem(atPath: place.base)
        }
        let seed = try Self.seeded(place)
        try place.ok(["pool-define-as", "k", "disk", "--source-dev", loop.device, "--source-format", "gpt", "--target", "/dev"])
        try place.ok(["pool-build", "k", "--overwrite"])
        try place.ok(["pool-start", "k"])
        let partition = String(loop.device.dropFirst("/dev/".count)) + "p1"
        try place.ok(["vol-create-from", "k", try Self.volumeXML(place, partition), "seed.raw", "--inputpool", "d"])
        let path = try place.ok(["vol-path", "--pool", "k", partition]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(path.hasPrefix("/dev/"), "\(path)")
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        let onDisk = try handle.read(upToCount: 8 << 20) ?? Data()
        try handle.close()
        #expect(onDisk == (try Data(contentsOf: URL(fileURLWithPath: seed))), "the partition holds the file's bytes")
        try place.ok(["vol-delete", "--pool", "k", partition])
    }

    @Test(.enabled(if: GlusterServer.current != nil, Comment(rawValue: GlusterServer.missing)))
    func fromGlusterIntoADirPool() throws {
        let server = GlusterServer.current!
        let place = try CommandPlace()
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        let seed = try Self.seeded(place)
        try place.ok(["pool-create-as", "g", "gluster", "--source-host", server.host, "--source-name", server.volume])
        let name = "cli-copy-\(UUID().uuidString.prefix(8).lowercased()).raw"
        defer { _ = try? place.run(["vol-delete", "--pool", "g", name]) }
        try place.ok(["vol-create-from", "g", try Self.volumeXML(place, name), "seed.raw", "--inputpool", "d"])

        try place.ok(["vol-create-from", "d", try Self.volumeXML(place, "from-gluster.raw", format: "raw"), name, "--inputpool", "g"])
        #expect(FileManager.default.contentsEqual(atPath: seed, andPath: place.base + "/d/from-gluster.raw"))
        try place.ok(["vol-create-from", "d", try Self.volumeXML(place, "from-gluster.qcow2", format: "qcow2"), name, "--inputpool", "g"])
        #expect(try Self.compare(seed, "raw", place.base + "/d/from-gluster.qcow2", "qcow2").contains("Images are identical"))
    }
}
