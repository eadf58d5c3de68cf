import Foundation
import Testing
import VirtStorageTestSupport

/// virt-storage vol-export and vol-import: through files and through a pipe
/// (`-`), between dir pools and into and out of an rbd pool of the live
/// cluster, the bytes compared at each end.
@Suite("virt-storage vol-export and vol-import", .serialized)
struct ExportImportCommandTests {
    typealias Place = CommandPlace

    @Test func betweenDirPoolsThroughAFileAndAPipe() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        for pool in ["a", "b"] { try place.ok(["pool-create-as", pool, "dir", "--target", place.base + "/" + pool, "--build"]) }
        try place.ok(["vol-create-as", "a", "v", "32M", "--allocation", "0"])
        try place.writeVolume(place.base + "/a/v")
        let stream = place.base + "/v.vstream"
        let said = try place.ok(["vol-export", "v", stream, "--pool", "a"])
        #expect(said == "Vol v exported to \(stream) (raw, 33554432 bytes)\n\n")
        try place.ok(["vol-import", "b", "w", stream])
        #expect(FileManager.default.contentsEqual(atPath: place.base + "/a/v", andPath: place.base + "/b/w"))
        // Through a pipe: the stream is all that goes down it.
        let piped = try place.pipe(["vol-export", "--pool", "a", "v", "-"], ["vol-import", "b", "w2", "-"])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(FileManager.default.contentsEqual(atPath: place.base + "/a/v", andPath: place.base + "/b/w2"))
        // An existing file is not overwritten; an existing volume is not replaced.
        let again = try place.run(["vol-export", "v", stream, "--pool", "a"])
        #expect(again.status == 1)
        #expect(again.stderr == "error: Failed to export vol v\nerror: cannot create '\(stream)': File exists\n")
        let twice = try place.run(["vol-import", "b", "w", stream])
        #expect(twice.stderr == "error: Failed to import vol w\nerror: storage volume 'w' exists already\n")
        // A truncated file: refused, and no volume w3.
        let cut = place.base + "/cut.vstream"
        try Data(try Data(contentsOf: URL(fileURLWithPath: stream)).dropLast(10)).write(to: URL(fileURLWithPath: cut))
        let truncated = try place.run(["vol-import", "b", "w3", cut])
        #expect(truncated.status == 1)
        #expect(truncated.stderr.hasPrefix("error: Failed to import vol w3\nerror: invalid volume stream: the stream ends after"))
        #expect(!FileManager.default.fileExists(atPath: place.base + "/b/w3"))
        let listed = try place.ok(["vol-list", "b"]).split(separator: "\n").dropFirst(2).map { $0.split(separator: " ").first ?? "" }
        #expect(listed == ["w", "w2"])
    }

    /// Issue 20's path: a dir volume exported to a file and imported into the
    /// rbd pool, then exported from rbd through a pipe into a dir pool again.
    @Test(.enabled(if: CephCluster.current != nil, Comment(rawValue: CephCluster.reason)))
    func aDirVolumeIntoRBDAndBack() throws {
        let cluster = CephCluster.current!
        let place = try Place()
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        let uuid = try place.createRBDPool("r", on: cluster)
        try place.ok(["pool-create-as", "d", "dir", "--target", place.base + "/d", "--build"])
        try place.ok(["vol-create-as", "d", "v", "32M", "--allocation", "0"])
        try place.writeVolume(place.base + "/d/v")
        let image = "export-\(uuid.prefix(8))"
        let stream = place.base + "/v.vstream"
        try place.ok(["vol-export", "v", stream, "--pool", "d"])
        try place.ok(["vol-import", "r", image, stream])
        #expect(try place.ok(["vol-info", image, "--pool", "r", "--bytes"]).contains("33554432 bytes"))
        let piped = try place.pipe(["vol-export", "--pool", "r", image, "-"], ["vol-import", "d", "back", "-"])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(FileManager.default.contentsEqual(atPath: place.base + "/d/v", andPath: place.base + "/d/back"))
        try place.ok(["vol-delete", image, "--pool", "r"])
        try place.ok(["pool-destroy", "r"])
    }

    /// A full stream at snapshot s1 makes a new image that holds s1; the
    /// changes from s1 to s2 (librbd's diff) then bring it to the source's s2,
    /// byte for byte. A stream it cannot take leaves it as it was.
    @Test(.enabled(if: CephCluster.current != nil, Comment(rawValue: CephCluster.reason)))
    func anRBDImageFollowsItsSourceByIncrements() throws {
        let cluster = CephCluster.current!
        let place = try Place()
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        try place.createRBDPool("r", on: cluster)
        let tag = UUID().uuidString.prefix(8).lowercased()
        let (source, copy, other) = ("inc-src-\(tag)", "inc-dst-\(tag)", "inc-other-\(tag)")
        defer { for image in [source, copy, other] { _ = try? place.run(["vol-delete", image, "--pool", "r", "--delete-snapshots"]) } }
        try place.ok(["vol-create-as", "r", source, "64M"])
        let first = place.base + "/first"
        try Data((0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }).write(to: URL(fileURLWithPath: first))
        try place.ok(["vol-upload", source, first, "--pool", "r"])
        try place.ok(["vol-snapshot-create", source, "s1", "--pool", "r"])

        let full = place.base + "/full.vs"
        try place.ok(["vol-export", source, full, "--pool", "r", "--snapshot", "s1"])
        try place.ok(["vol-import", "r", copy, full])
        #expect(try place.ok(["vol-snapshot-list", copy, "--pool", "r"]).contains("s1"))

        // 1 MiB changes at 16 MiB after s1; the increment holds about that much.
        let second = place.base + "/second"
        try Data(repeating: 0x7E, count: 1 << 20).write(to: URL(fileURLWithPath: second))
        try place.ok(["vol-upload", source, second, "--pool", "r", "--offset", "\(16 << 20)"])
        try place.ok(["vol-snapshot-create", source, "s2", "--pool", "r"])
        let increment = place.base + "/s1-s2.vs"
        let said = try place.ok(["vol-export", source, increment, "--pool", "r", "--snapshot", "s2", "--base", "s1"])
        #expect(said.contains("changes from s1 to s2"))
        let size = try FileManager.default.attributesOfItem(atPath: increment)[.size] as! UInt64
        #expect(size > 1 << 20 && size < (1 << 20) + 4096, "an increment of \(size) bytes for 1 MiB of changes")
        try place.ok(["vol-import", "r", copy, increment])
        #expect(try place.ok(["vol-snapshot-list", copy, "--pool", "r"]).contains("s2"))
        try place.ok(["vol-download", source, place.base + "/source.raw", "--pool", "r"])
        try place.ok(["vol-download", copy, place.base + "/copy.raw", "--pool", "r"])
        #expect(FileManager.default.contentsEqual(atPath: place.base + "/source.raw", andPath: place.base + "/copy.raw"))

        // Twice: the copy holds s2 already. Onto an image without s1: refused.
        let twice = try place.run(["vol-import", "r", copy, increment])
        #expect(twice.stderr.contains("volume '\(copy)' already has snapshot 's2', at which the stream ends"))
        try place.ok(["vol-create-as", "r", other, "64M"])
        let baseless = try place.run(["vol-import", "r", other, increment])
        #expect(baseless.stderr.contains("volume '\(other)' has no snapshot 's1', which the stream's changes start from"))

        // A corrupted increment s2..s3: refused, and the copy is as it was, without a snapshot of the import's.
        try place.ok(["vol-upload", source, first, "--pool", "r", "--offset", "\(32 << 20)"])
        try place.ok(["vol-snapshot-create", source, "s3", "--pool", "r"])
        let third = place.base + "/s2-s3.vs"
        try place.ok(["vol-export", source, third, "--pool", "r", "--snapshot", "s3", "--base", "s2"])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: third))
        bytes[bytes.count - 100] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: third))
        let corrupted = try place.run(["vol-import", "r", copy, third])
        #expect(corrupted.stderr.contains("fails its checksum"), "\(corrupted.stderr)")
        let snapshots = try place.ok(["vol-snapshot-list", copy, "--pool", "r"])
        #expect(!snapshots.contains("s3") && !snapshots.contains("virtstorage-import"), "\(snapshots)")
        try place.ok(["vol-download", copy, place.base + "/after.raw", "--pool", "r"])
        #expect(FileManager.default.contentsEqual(atPath: place.base + "/copy.raw", andPath: place.base + "/after.raw"))
    }

    /// The changes of a qcow2 volume between two internal snapshots, read
    /// from its own tables, as a raw incremental stream: applied to a btrfs
    /// volume that holds the first snapshot, it ends as the image at the
    /// second, with both snapshots; what was written after the second is not
    /// in it, and a run written as zeros travels as a hole.
    @Test(.enabled(if: LoopDevice.available))
    func qcow2ChangesBetweenTwoSnapshotsIntoABtrfsVolume() throws {
        let place = try CommandPlace()
        let scratch = Scratch("qcow2-changes")
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        let (loop, _) = try BtrfsPoolCommandTests.startPool("b", place, scratch)
        _ = loop
        let dir = place.base + "/d"
        let image = dir + "/q.qcow2"
        try place.ok(["pool-create-as", "d", "dir", "--target", dir, "--build"])
        try place.ok(["vol-create-as", "d", "q.qcow2", "16M", "--format", "qcow2"])
        func io(_ command: String) throws {
            #expect(try Scratch.run("/usr/bin/qemu-io", ["-f", "qcow2", "-c", command, image]).status == 0, "\(command)")
        }
        try io("write -P 0x11 0 4M")
        try io("write -P 0x12 10M 1M")
        try place.ok(["vol-snapshot-create", "q.qcow2", "s1", "--pool", "d"])
        try io("write -P 0x21 1M 64k")
        try io("write -z 10M 512k")
        try io("write -P 0x22 14M 1M")
        try place.ok(["vol-snapshot-create", "q.qcow2", "s2", "--pool", "d"])
        try io("write -P 0x33 0 8M")
        let reference = place.base + "/s2.raw"
        #expect(
            try Scratch.run("/usr/bin/qemu-img", ["convert", "-O", "raw", "-l", "snapshot.name=s2", image, reference])
                .status == 0)

        try place.ok(["vol-export", "--pool", "d", "q.qcow2", place.base + "/full.vs", "--snapshot", "s1", "--format", "raw"])
        try place.ok(["vol-import", "b", "v", place.base + "/full.vs"])
        try place.ok(["vol-export", "--pool", "d", "q.qcow2", place.base + "/inc.vs", "--snapshot", "s2", "--base", "s1"])
        let size = try #require(try FileManager.default.attributesOfItem(atPath: place.base + "/inc.vs")[.size] as? Int)
        #expect(size > (1 << 20) + (64 << 10) && size < 3 << 19, "only the runs that changed: \(size) bytes")
        try place.ok(["vol-import", "b", "v", place.base + "/inc.vs"])
        try place.ok(["vol-download", "--pool", "b", "v", place.base + "/v.raw"])
        #expect(FileManager.default.contentsEqual(atPath: place.base + "/v.raw", andPath: reference))
        let listed = try place.ok(["vol-snapshot-list", "--pool", "b", "v"])
        #expect(listed.contains(" s1 ") && listed.contains(" s2 "), "\(listed)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("stage") }.isEmpty)

        #expect(try place.refused(["vol-import", "b", "v", place.base + "/inc.vs"]).contains("already has snapshot 's2'"))
        let same = try place.refused([
            "vol-export", "--pool", "d", "q.qcow2", place.base + "/x.vs", "--snapshot", "s2", "--base", "s2",
        ])
        #expect(same.contains("the stream's base and end are the same snapshot 's2'"), "\(same)")
        let unknown = try place.refused([
            "vol-export", "--pool", "d", "q.qcow2", place.base + "/x.vs", "--snapshot", "s2", "--base", "s0",
        ])
        #expect(unknown.contains("has no snapshot 's0'"), "\(unknown)")
        #expect(!FileManager.default.fileExists(atPath: place.base + "/x.vs"))
    }
}

extension CommandPlace {
    /// `export | import` through a shell pipe; returns the pipeline's status and stderr.
    /// A qcow2 volume of a dir pool at one of its internal snapshots, and
    /// as raw bytes, now and at the snapshot: each through a stage that
    /// qemu-img writes, gone when the stream ends.
    @Test func aQcow2VolumeAtASnapshotAndAsRaw() throws {
        let place = try CommandPlace()
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        let dir = place.base + "/d"
        try place.ok(["pool-create-as", "d", "dir", "--target", dir, "--build"])
        try place.ok(["vol-create-as", "d", "q.qcow2", "8M", "--format", "qcow2"])
        let image = dir + "/q.qcow2"
        func io(_ command: String) throws {
            #expect(try Scratch.run("/usr/bin/qemu-io", ["-f", "qcow2", "-c", command, image]).status == 0)
        }
        func compare(_ a: String, _ aFormat: String, _ b: String, _ bFormat: String) throws -> Bool {
            try Scratch.run("/usr/bin/qemu-img", ["compare", "-f", aFormat, "-F", bFormat, a, b]).status == 0
        }
        try io("write -P 0x11 0 1M")
        try io("write -P 0x33 6M 512k")
        try place.ok(["vol-snapshot-create", "--pool", "d", "q.qcow2", "s1"])
        try io("write -P 0x22 0 1M")
        let reference = place.base + "/s1.raw"
        #expect(
            try Scratch.run("/usr/bin/qemu-img", ["convert", "-f", "qcow2", "-O", "raw", "-l", "snapshot.name=s1", image, reference])
                .status == 0)

        let said = try place.ok(["vol-export", "--pool", "d", "q.qcow2", place.base + "/s1.vs", "--snapshot", "s1"])
        #expect(said.contains("(qcow2,") && said.contains("at s1"), "\(said)")
        try place.ok(["vol-import", "d", "at-s1.qcow2", place.base + "/s1.vs"])
        #expect(try compare(dir + "/at-s1.qcow2", "qcow2", reference, "raw"), "the image holds the snapshot's bytes")
        #expect(try Scratch.run("/usr/bin/qemu-img", ["check", dir + "/at-s1.qcow2"]).status == 0)

        try place.ok(["vol-export", "--pool", "d", "q.qcow2", place.base + "/now.vs", "--format", "raw"])
        try place.ok(["vol-import", "d", "now.raw", place.base + "/now.vs"])
        #expect(try compare(dir + "/now.raw", "raw", image, "qcow2"), "the guest's bytes as they are now")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/now.raw")).count == 8 << 20)

        try place.ok(["vol-export", "--pool", "d", "q.qcow2", place.base + "/s1raw.vs", "--format", "raw", "--snapshot", "s1"])
        try place.ok(["vol-import", "d", "s1.raw", place.base + "/s1raw.vs"])
        #expect(FileManager.default.contentsEqual(atPath: dir + "/s1.raw", andPath: reference))

        #expect(
            try place.refused(["vol-export", "--pool", "d", "q.qcow2", place.base + "/x.vs", "--snapshot", "s1", "--base", "s1"])
                .contains("the stream's base and end are the same snapshot 's1'"))
        #expect(
            try place.refused(["vol-export", "--pool", "d", "q.qcow2", place.base + "/x.vs", "--format", "vmdk"])
                .contains("its streams are qcow2 or raw"))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("stage") }
        #expect(left.isEmpty, "no stage is left: \(left)")
    }

    /// A raw volume of a dir pool exported as a qcow2 image (qemu-img
    /// converts it into a stage), imported as a qcow2 volume holding the
    /// same guest bytes; at a snapshot it is refused, as from an rbd image.
    @Test func aRawVolumeAsQcow2() throws {
        let place = try CommandPlace()
        defer { try? FileManager.default.removeItem(atPath: place.base) }
        let dir = place.base + "/d"
        try place.ok(["pool-create-as", "d", "dir", "--target", dir, "--build"])
        try place.ok(["vol-create-as", "d", "r.img", "32M", "--allocation", "0"])
        try place.writeVolume(dir + "/r.img")
        let said = try place.ok(["vol-export", "--pool", "d", "r.img", place.base + "/r.vs", "--format", "qcow2"])
        #expect(said.contains("(qcow2,"), "\(said)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("stage") }.isEmpty)
        try place.ok(["vol-import", "d", "r.qcow2", place.base + "/r.vs"])
        #expect(try place.ok(["vol-dumpxml", "r.qcow2", "--pool", "d"]).contains("<format type='qcow2'/>"))
        let (same, out) = try Scratch.run(
            "/usr/bin/qemu-img", ["compare", "-f", "qcow2", "-F", "raw", dir + "/r.qcow2", dir + "/r.img"])
        #expect(same == 0, "\(out)")
        #expect(try Scratch.run("/usr/bin/qemu-img", ["check", dir + "/r.qcow2"]).status == 0)
        // A qcow2 image of sparse data is about the data's size.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: place.base + "/r.vs")[.size] as? Int)
        #expect(size < 4 << 20, "\(size) bytes")

        let atSnapshot = try place.refused([
            "vol-export", "--pool", "d", "r.img", place.base + "/x.vs", "--format", "qcow2", "--snapshot", "s1",
        ])
        #expect(atSnapshot.contains("volume 'r.img' is exported as qcow2 as it is now only"), "\(atSnapshot)")
        let vmdk = try place.refused(["vol-export", "--pool", "d", "r.img", place.base + "/y.vs", "--format", "vmdk"])
        #expect(vmdk.contains("its streams are raw or qcow2"), "\(vmdk)")
        #expect(!FileManager.default.fileExists(atPath: place.base + "/x.vs"))
    }

    func pipe(_ export: [String], _ import: [String]) throws -> Executables.Result {
        let tool = Executables.virtStorage.path
        let line = "\(tool) \(export.joined(separator: " ")) | \(tool) \(`import`.joined(separator: " "))"
        return try Executables.run(
            URL(fileURLWithPath: "/bin/bash"), ["-o", "pipefail", "-c", line],
            environment: ["VIRT_STORAGE_ROOT": base + "/root"])
    }

    /// A sparse 32 MiB file with 1 MiB of data at 4 MiB and a few bytes near the end.
    func writeVolume(_ path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: 4 << 20)
        handle.write(Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }))
        try handle.seek(toOffset: (32 << 20) - 100)
        handle.write(Data(repeating: 0xA5, count: 100))
        try handle.close()
    }
}
