import Foundation
import Glibc
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// Volumes of a dir pool on real files, checked with stat and qemu-img.
@Suite("dir pool volumes on real files")
struct DirVolumeTests {
    static let qemuImg = "/usr/bin/qemu-img"

    /// A started dir pool "p" in a scratch directory.
    static func pool(_ label: String) async throws -> (Scratch, StorageHost, String) {
        let scratch = Scratch(label)
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        let dir = scratch.sub("pool")
        try await host.define(xml: "<pool type='dir'><name>p</name><target><path>\(dir)</path></target></pool>")
        try await host.start("p", build: .normal)
        return (scratch, host, dir)
    }

    static func volumeXML(
        _ name: String, _ capacity: String, allocation: String? = nil, format: String? = nil, extra: String = ""
    )
        -> String
    {
        "<volume><name>\(name)</name><capacity unit='bytes'>\(capacity)</capacity>"
            + (allocation.map { "<allocation unit='bytes'>\($0)</allocation>" } ?? "")
            + "<target>" + (format.map { "<format type='\($0)'/>" } ?? "") + extra + "</target></volume>"
    }

    static func fileStat(_ path: String) -> stat {
        var st = stat()
        _ = stat(path, &st)
        return st
    }

    static func qemuInfo(_ path: String) throws -> [String: Any] {
        let (status, out) = try Scratch.run(qemuImg, ["info", "--output=json", path])
        #expect(status == 0, "qemu-img info: \(out)")
        return try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any] ?? [:]
    }

    static func qemuCheck(_ path: String) throws {
        let (status, out) = try Scratch.run(qemuImg, ["check", path])
        #expect(status == 0, "qemu-img check \(path): \(out)")
    }

    @Test func rawVolumesAreSparseOrAllocatedAsAsked() async throws {
        let (scratch, host, dir) = try await Self.pool("raw")
        defer { withExtendedLifetime(scratch) {} }
        let full = try await host.createVolume(in: "p", xml: Self.volumeXML("full.img", "8388608"))
        let sparse = try await host.createVolume(in: "p", xml: Self.volumeXML("sparse.img", "8388608", allocation: "0"))
        let part = try await host.createVolume(
            in: "p", xml: Self.volumeXML("part.img", "8388608", allocation: "1048576"))
        #expect(Self.fileStat(dir + "/full.img").st_blocks * 512 >= 8_388_608)
        #expect(Self.fileStat(dir + "/sparse.img").st_blocks == 0)
        #expect((1_048_576..<2_097_152).contains(Self.fileStat(dir + "/part.img").st_blocks * 512))
        #expect(Self.fileStat(dir + "/full.img").st_mode & 0o777 == 0o600)
        #expect(full.definition.capacity == 8_388_608 && full.definition.allocation >= 8_388_608)
        #expect(sparse.definition.allocation == 0)
        #expect(part.key == dir + "/part.img")
        // The XML a caller sees is libvirt's, with live values.
        let xml = sparse.xml
        #expect(xml.contains("<key>\(dir)/sparse.img</key>"))
        #expect(xml.contains("<physical unit='bytes'>8388608</physical>"))
        #expect(xml.contains("<format type='raw'/>"))
        #expect(xml.contains("<btime>0</btime>"))
    }

    /// libvirt allocates what is asked even beyond the capacity, and the file
    /// grows to it (virsh vol-create-as p v 1M --allocation 2M makes 2 MiB).
    @Test func anAllocationBeyondTheCapacityGrowsTheFile() async throws {
        let (scratch, host, dir) = try await Self.pool("overallocated")
        defer { withExtendedLifetime(scratch) {} }
        let vol = try await host.createVolume(
            in: "p", xml: Self.volumeXML("over.img", "1048576", allocation: "2097152"))
        #expect(Self.fileStat(dir + "/over.img").st_size == 2_097_152)
        #expect(Self.fileStat(dir + "/over.img").st_blocks * 512 >= 2_097_152)
        #expect(vol.definition.capacity == 2_097_152 && vol.definition.allocation >= 2_097_152)
    }

    @Test func qcow2IsWrittenNativelyAndQemuAgrees() async throws {
        let (scratch, host, dir) = try await Self.pool("qcow2")
        defer { withExtendedLifetime(scratch) {} }
        _ = try await host.createVolume(in: "p", xml: Self.volumeXML("base.qcow2", "10737418240", format: "qcow2"))
        #expect(Self.fileStat(dir + "/base.qcow2").st_size == 196_768, "same layout as qemu-img for 10 GiB")
        try Self.qemuCheck(dir + "/base.qcow2")
        var info = try Self.qemuInfo(dir + "/base.qcow2")
        #expect(info["virtual-size"] as? Int == 10_737_418_240)
        #expect(
            ((info["format-specific"] as? [String: Any])?["data"] as? [String: Any])?["compat"] as? String == "0.10")

        let v3 = try await host.createVolume(
            in: "p",
            xml: Self.volumeXML(
                "v3.qcow2", "1073741824", format: "qcow2",
                extra:
                    "<compat>1.1</compat><clusterSize unit='KiB'>128</clusterSize><features><lazy_refcounts/><extended_l2/></features>"
            ))
        try Self.qemuCheck(dir + "/v3.qcow2")
        info = try Self.qemuInfo(dir + "/v3.qcow2")
        let specific = (info["format-specific"] as? [String: Any])?["data"] as? [String: Any] ?? [:]
        #expect(info["cluster-size"] as? Int == 131_072)
        #expect(specific["compat"] as? String == "1.1")
        #expect(specific["lazy-refcounts"] as? Bool == true)
        #expect(specific["extended-l2"] as? Bool == true)
        #expect(v3.definition.target.compat == "1.1")
        #expect(v3.definition.target.features == [.lazyRefcounts, .extendedL2])

        let backed = try await host.createVolume(
            in: "p",
            xml:
                "<volume><name>top.qcow2</name><capacity unit='G'>10</capacity><target><format type='qcow2'/></target><backingStore><path>\(dir)/base.qcow2</path><format type='qcow2'/></backingStore></volume>"
        )
        try Self.qemuCheck(dir + "/top.qcow2")
        info = try Self.qemuInfo(dir + "/top.qcow2")
        #expect(info["backing-filename"] as? String == dir + "/base.qcow2")
        #expect(info["backing-filename-format"] as? String == "qcow2")
        #expect(backed.definition.backingStore?.path == dir + "/base.qcow2")
        #expect(backed.definition.backingStore?.format == "qcow2")
    }

    @Test func otherFormatsGoThroughQemuImg() async throws {
        let (scratch, host, dir) = try await Self.pool("vmdk")
        defer { withExtendedLifetime(scratch) {} }
        let vol = try await host.createVolume(in: "p", xml: Self.volumeXML("d.vmdk", "67108864", format: "vmdk"))
        #expect(try Self.qemuInfo(dir + "/d.vmdk")["format"] as? String == "vmdk")
        #expect(vol.definition.target.format == "vmdk")
        #expect(vol.definition.capacity == 67_108_864)
        let pre = try await host.createVolume(
            in: "p", xml: Self.volumeXML("pre.qcow2", "1073741824", allocation: "0", format: "qcow2"),
            preallocateMetadata: true)
        try Self.qemuCheck(dir + "/pre.qcow2")
        #expect(pre.definition.physical >= 1_073_741_824)
        let error = await #expect(throws: StorageError.self) {
            try await host.createVolume(
                in: "p", xml: Self.volumeXML("r.img", "1048576"), preallocateMetadata: true)
        }
        #expect(error?.message.contains("metadata preallocation is not supported for raw volumes") == true)
    }

    /// What virsh 9.0 showed side by side for a subdirectory of a dir pool.
    @Test func aSubdirectoryIsADirVolumeWithoutASize() async throws {
        let (scratch, host, dir) = try await Self.pool("subdir")
        defer { withExtendedLifetime(scratch) {} }
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: false)
        try Data(repeating: 1, count: 9000).write(to: URL(fileURLWithPath: dir + "/sub/inside"))
        try await host.refresh("p")
        let sub = try await host.volume("sub", in: "p")
        #expect(sub.type == .dir && sub.format == .dir)
        #expect(sub.capacity == 0 && sub.allocation == 0 && sub.definition.physical == 0)
        #expect(!sub.xml.contains("<physical"))
        #expect(sub.xml.contains("<capacity unit='bytes'>0</capacity>\n  <allocation unit='bytes'>0</allocation>"))
    }

    /// As libvirt's qemu-img convert: the clone of an overlay holds the
    /// guest's whole data and names no backing file (virsh 9.0 side by side).
    @Test func theCloneOfAnOverlayIsFlattened() async throws {
        let (scratch, host, dir) = try await Self.pool("clone-overlay")
        defer { withExtendedLifetime(scratch) {} }
        _ = try await host.createVolume(in: "p", xml: Self.volumeXML("base.qcow2", "10485760", format: "qcow2"))
        #expect(try Scratch.run("/usr/bin/qemu-io", ["-c", "write -P 0x5a 0 1M", dir + "/base.qcow2"]).0 == 0)
        var overlay = VolumeDefinition(name: "over.qcow2", capacity: 10_485_760, format: .qcow2)
        overlay.backingStore = VolumeTarget(path: "base.qcow2", format: .qcow2)
        _ = try await host.createVolume(overlay, in: "p")
        #expect(try Scratch.run("/usr/bin/qemu-io", ["-c", "write -P 0x33 4M 64k", dir + "/over.qcow2"]).0 == 0)
        try await host.refresh("p")
        let clone = try await host.cloneVolume("over.qcow2", in: "p", newName: "clone.qcow2")
        #expect(clone.definition.backingStore == nil)
        #expect(try Self.qemuInfo(dir + "/clone.qcow2")["backing-filename"] == nil)
        #expect(try Scratch.run(Self.qemuImg, ["compare", dir + "/over.qcow2", dir + "/clone.qcow2"]).0 == 0)
        // The base can go: the clone does not need it.
        try await host.deleteVolume("over.qcow2", in: "p")
        try await host.deleteVolume("base.qcow2", in: "p")
        try Self.qemuCheck(dir + "/clone.qcow2")
        let read = try Scratch.run("/usr/bin/qemu-io", ["-c", "read -P 0x5a 0 1M", "-c", "read -P 0x33 4M 64k", dir + "/clone.qcow2"])
        #expect(read.0 == 0 && !read.1.contains("Pattern verification failed"))
    }

    /// A qcow2 image given a backing file and a capacity of 0 takes the
    /// backing file's size to 512 bytes, as qemu-img does for libvirt: its
    /// file's size where no backing format is given (libvirt declares raw).
    @Test func aZeroCapacityTakesTheBackingFilesSize() async throws {
        let (scratch, host, dir) = try await Self.pool("backing-size")
        defer { withExtendedLifetime(scratch) {} }
        _ = try await host.createVolume(in: "p", xml: Self.volumeXML("base.qcow2", "10485760", format: "qcow2"))
        let baseSize = try #require(try FileManager.default.attributesOfItem(atPath: dir + "/base.qcow2")[.size] as? Int)
        for (name, format, expected) in [
            ("raw-backed.qcow2", nil as VolumeFormat?, (UInt64(baseSize) + 511) / 512 * 512),
            ("qcow2-backed.qcow2", VolumeFormat.qcow2, 10_485_760),
        ] {
            var overlay = VolumeDefinition(name: name, capacity: 0, format: .qcow2)
            overlay.backingStore = VolumeTarget(path: dir + "/base.qcow2", format: format)
            _ = try await host.createVolume(overlay, in: "p")
            #expect(try Self.qemuInfo(dir + "/" + name)["virtual-size"] as? UInt64 == expected, "\(name)")
            #expect(try await host.volume(name, in: "p").capacity == expected)
        }
        // No <capacity> at all: the same, to 512 bytes and not to whole KiB,
        // natively (qcow2) and through qemu-img (a format only
        // qemu-img makes: qed), as `qemu-img create -b` without a size does.
        let odd = dir + "/odd.img"
        #expect(FileManager.default.createFile(atPath: odd, contents: nil))
        #expect(truncate(odd, 1_000_960) == 0)
        for (name, format) in [("odd.qcow2", "qcow2"), ("odd.qed", "qed")] {
            let xml = """
                <volume><name>\(name)</name><target><format type='\(format)'/></target>\
                <backingStore><path>\(odd)</path><format type='raw'/></backingStore></volume>
                """
            _ = try await host.createVolume(in: "p", xml: xml)
            #expect(try Self.qemuInfo(dir + "/" + name)["virtual-size"] as? UInt64 == 1_000_960, "\(name)")
        }
    }

    @Test func cloneResizeWipeDelete() async throws {
        let (scratch, host, dir) = try await Self.pool("ops")
        defer { withExtendedLifetime(scratch) {} }
        _ = try await host.createVolume(in: "p", xml: Self.volumeXML("a.img", "4194304", allocation: "0"))
        // Some data, then a clone: bytes equal, still sparse where the source was.
        let pattern = [UInt8](repeating: 0xAB, count: 65536)
        let fd = open(dir + "/a.img", O_WRONLY)
        _ = pattern.withUnsafeBytes { pwrite(fd, $0.baseAddress, pattern.count, 1_048_576) }
        close(fd)
        try await host.refresh("p")
        let clone = try await host.cloneVolume("a.img", in: "p", newName: "b.img")
        #expect(clone.definition.capacity == 4_194_304)
        #expect(
            FileManager.default.contents(atPath: dir + "/a.img") == FileManager.default.contents(atPath: dir + "/b.img")
        )
        #expect(Self.fileStat(dir + "/b.img").st_blocks * 512 < 1_048_576)

        // Resize: grow, delta, refuse shrink without the flag, shrink with it.
        try await host.resizeVolume("a.img", in: "p", capacity: 8_388_608)
        #expect(try await host.volume("a.img", in: "p").definition.capacity == 8_388_608)
        try await host.resizeVolume("a.img", in: "p", capacity: 1_048_576, options: .delta)
        #expect(Self.fileStat(dir + "/a.img").st_size == 9_437_184)
        let refused = await #expect(throws: StorageError.self) {
            try await host.resizeVolume("a.img", in: "p", capacity: 2_097_152)
        }
        #expect(refused?.message.contains("shrink") == true)
        try await host.resizeVolume("a.img", in: "p", capacity: 2_097_152, options: .shrink)
        #expect(Self.fileStat(dir + "/a.img").st_size == 2_097_152)
        // libvirt's API refuses a zero capacity without --delta or --shrink, in its words.
        let zero = await #expect(throws: StorageError.self) { try await host.resizeVolume("a.img", in: "p", capacity: 0) }
        #expect(
            zero?.description
                == "capacity in virStorageVolResize cannot be zero without 'delta' or 'shrink' flags set")
        #expect(Self.fileStat(dir + "/a.img").st_size == 2_097_152)

        // A zero wipe of a sparse file leaves it all holes of its size, as
        // libvirt's (cut to nothing and grown again; virsh 9.0 side by side).
        #expect(Self.fileStat(dir + "/a.img").st_blocks > 0)
        try await host.wipeVolume("a.img", in: "p", algorithm: .zero)
        let data = FileManager.default.contents(atPath: dir + "/a.img")!
        #expect(data.count == 2_097_152 && data.allSatisfy { $0 == 0 })
        #expect(Self.fileStat(dir + "/a.img").st_blocks == 0)

        try await host.deleteVolume("b.img", in: "p")
        #expect(!FileManager.default.fileExists(atPath: dir + "/b.img"))
        await #expect(throws: StorageError.self) { try await host.volume("b.img", in: "p") }
    }

    @Test("wipe algorithm", arguments: WipeAlgorithm.allCases)
    func wipe(algorithm: WipeAlgorithm) async throws {
        let (scratch, host, dir) = try await Self.pool("wipe-\(algorithm.rawValue)")
        defer { withExtendedLifetime(scratch) {} }
        _ = try await host.createVolume(in: "p", xml: Self.volumeXML("w.img", "262144"))
        let fd = open(dir + "/w.img", O_WRONLY)
        let secret = [UInt8](repeating: 0x5A, count: 262_144)
        _ = secret.withUnsafeBytes { pwrite(fd, $0.baseAddress, secret.count, 0) }
        close(fd)
        let progress = ProgressLog()
        try await host.wipeVolume("w.img", in: "p", algorithm: algorithm) { done, total in progress.add(done, total) }
        let after = FileManager.default.contents(atPath: dir + "/w.img")!
        #expect(after.count == 262_144)
        #expect(!after.contains(0x5A) || algorithm.passes.last == .random, "old data remains after \(algorithm)")
        #expect(after.filter { $0 == 0x5A }.count < 4096, "old data remains after \(algorithm)")
        switch algorithm.passes.last! {
        case .pattern(let p), .verify(let p): #expect(after.allSatisfy { p.contains($0) })
        case .discard: #expect(after.allSatisfy { $0 == 0 } && Self.fileStat(dir + "/w.img").st_blocks == 0)
        case .random: #expect(Set(after).count > 200)
        }
        #expect(progress.last.done == progress.last.total && progress.last.total > 0)
    }

    @Test func uploadAndDownloadWithOffsetsAndHoles() async throws {
        let (scratch, host, dir) = try await Self.pool("stream")
        defer { withExtendedLifetime(scratch) {} }
        _ = try await host.createVolume(in: "p", xml: Self.volumeXML("v.img", "4194304", allocation: "0"))
        // A source file: 1 MiB hole, 64 KiB of data, hole to 2 MiB.
        let source = scratch.sub("src.img")
        let fd = open(source, O_WRONLY | O_CREAT, 0o644)
        let data = [UInt8](repeating: 0x42, count: 65536)
        _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, data.count, 1_048_576) }
        ftruncate(fd, 2_097_152)
        close(fd)
        try await host.uploadVolume("v.img", in: "p", from: source, offset: 1_048_576, sparse: true)
        let vol = try await host.volume("v.img", in: "p")
        #expect(vol.definition.allocation <= 131_072, "holes stay holes")
        let out = scratch.sub("out.img")
        try await host.downloadVolume("v.img", in: "p", to: out, offset: 1_048_576, length: 2_097_152, sparse: true)
        #expect(FileManager.default.contents(atPath: out) == FileManager.default.contents(atPath: source))
        #expect(Self.fileStat(out).st_blocks * 512 <= 131_072)
        // Past the end of the 4 MiB file: the file grows, as libvirt's upload does.
        try await host.uploadVolume("v.img", in: "p", from: source, offset: 3_145_728)
        #expect(Self.fileStat(dir + "/v.img").st_size == 3_145_728 + 2_097_152)
        #expect(try await host.volume("v.img", in: "p").definition.capacity == 5 << 20)
    }

    /// Found side by side with virsh 9.0: qemu-img resizes to multiples of 512
    /// only, and libvirt rounds the size up; so does the host.
    @Test func qcow2ResizeRoundsUpTo512Bytes() async throws {
        let (scratch, host, _) = try await Self.pool("qcow2-resize")
        defer { withExtendedLifetime(scratch) {} }
        _ = try await host.createVolume(in: "p", xml: Self.volumeXML("q", "1048576", format: "qcow2"))
        try await host.resizeVolume("q", in: "p", capacity: 7_000_001)
        #expect(try await host.volume("q", in: "p").definition.capacity == 7_000_064)
        try await host.resizeVolume("q", in: "p", capacity: 7, options: .delta)
        #expect(try await host.volume("q", in: "p").definition.capacity == 7_000_576)
    }

    /// Found side by side with virsh 9.0: `vol-resize --allocate` of a sparse
    /// raw file allocates all of it, not only the part added.
    @Test func resizeAllocatesTheWholeRawFile() async throws {
        let (scratch, host, dir) = try await Self.pool("resize-allocate")
        defer { withExtendedLifetime(scratch) {} }
        _ = try await host.createVolume(in: "p", xml: Self.volumeXML("r", "4194304", allocation: "0"))
        #expect(Self.fileStat(dir + "/r").st_blocks == 0)
        try await host.resizeVolume("r", in: "p", capacity: 8_388_608, options: .allocate)
        #expect(Self.fileStat(dir + "/r").st_blocks * 512 >= 8_388_608)
        #expect(try await host.volume("r", in: "p").definition.allocation >= 8_388_608)
    }

    /// Found side by side with virsh 9.0: --overwrite and --no-overwrite ask a
    /// dir pool for a filesystem, which it has no device for; a target that is
    /// a file is left as it is.
    @Test func buildingADirPoolAsVirshDoes() async throws {
        let scratch = Scratch("dir-build")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        let dir = scratch.sub("pool")
        try await host.define(xml: "<pool type='dir'><name>p</name><target><path>\(dir)</path></target></pool>")
        for mode in [BuildMode.overwrite, .noOverwrite] {
            let error = await #expect(throws: StorageError.self) { try await host.build("p", mode: mode) }
            #expect(error?.code == .operationInvalid)
            #expect(error?.message == "No source device specified when formatting pool 'p'")
        }
        #expect(FileManager.default.fileExists(atPath: dir), "the directory is made first, as libvirt makes it")

        let file = scratch.sub("file")
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8), attributes: [.posixPermissions: 0o644]))
        try await host.define(xml: "<pool type='dir'><name>f</name><target><path>\(file)</path></target></pool>")
        try await host.build("f")
        #expect(Self.fileStat(file).st_mode & 0o7777 == 0o644, "a file under the target path keeps its mode")
        await #expect(throws: StorageError.self) { try await host.start("f") }
    }

    @Test func badVolumeRequests() async throws {
        let (scratch, host, dir) = try await Self.pool("bad")
        defer { withExtendedLifetime(scratch) {} }
        for name in ["a/b", "..", ".", "x\ny"] {
            let xml = Self.volumeXML(XMLWriterEscape.escape(name), "1024")
            await #expect(throws: StorageError.self, "name \(name.debugDescription)") {
                try await host.createVolume(in: "p", xml: xml)
            }
        }
        _ = try await host.createVolume(in: "p", xml: Self.volumeXML("dup.img", "1024"))
        let dup = await #expect(throws: StorageError.self) {
            try await host.createVolume(in: "p", xml: Self.volumeXML("dup.img", "1024"))
        }
        #expect(dup?.code == .volumeExists)
        await #expect(throws: StorageError.self) {
            try await host.createVolume(
                in: "p", xml: "<volume><name>big</name><capacity unit='EiB'>16</capacity></volume>")
        }
        try await host.destroy("p")
        let inactive = await #expect(throws: StorageError.self) {
            try await host.createVolume(in: "p", xml: Self.volumeXML("late.img", "1024"))
        }
        #expect(inactive?.message.contains("is not active") == true)
        #expect(!FileManager.default.fileExists(atPath: dir + "/late.img"))
    }

    @Test func corruptHeadersStillRefresh() async throws {
        let (scratch, host, dir) = try await Self.pool("corrupt")
        defer { withExtendedLifetime(scratch) {} }
        // A qcow2 magic with a truncated header, and a header claiming an absurd backing name.
        var bad = [UInt8]([0x51, 0x46, 0x49, 0xFB, 0, 0, 0, 3])
        bad += [UInt8](repeating: 0xFF, count: 40)
        _ = FileManager.default.createFile(atPath: dir + "/bad.qcow2", contents: Data(bad))
        _ = FileManager.default.createFile(atPath: dir + "/empty.img", contents: Data())
        try await host.refresh("p")
        let names = try await host.volumes(in: "p").map(\.name)
        #expect(names == ["bad.qcow2", "empty.img"])
        #expect(try await host.volume("bad.qcow2", in: "p").definition.target.format == "qcow2")
    }
}

/// Collects progress reports from a job.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var last: (done: UInt64, total: UInt64) = (0, 0)
    func add(_ done: UInt64, _ total: UInt64) { lock.withLock { last = (done, total) } }
}

enum XMLWriterEscape {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\n", with: "&#10;")
    }
}

@Suite("image header prober on hostile input")
struct ProbeRobustnessTests {
    @Test func randomHeadersNeverCrash() {
        var rng = SplitMix(seed: 0xC0FFEE)
        let magics: [[UInt8]] = [
            [0x51, 0x46, 0x49, 0xFB, 0, 0, 0, 3], [0x51, 0x46, 0x49, 0xFB, 0, 0, 0, 2],
            [0x51, 0x46, 0x49, 0xFB, 0, 0, 0, 1],
            Array("QED\0".utf8), Array("KDMV".utf8), Array("conectix".utf8), Array("# Disk DescriptorFile".utf8),
            [0x4F, 0x4F, 0x4F, 0x4D, 0, 0, 0, 2],
        ]
        var recognised = 0
        for i in 0..<5_000 {
            var bytes = (0..<Int.random(in: 0...600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let magic = magics[i % magics.count]
            if bytes.count >= magic.count { bytes.replaceSubrange(0..<magic.count, with: magic) }
            if ImageFormatProbe.probe(ByteReader(bytes: bytes)) != nil { recognised += 1 }
        }
        #expect(recognised > 2_500)
    }

    /// The prober makes up the zeros of a leading hole instead of reading
    /// them: what lies beyond the hole must still be read.
    @Test func filesThatBeginWithAHoleAreProbedAsIfRead() throws {
        let scratch = Scratch("holes")
        func probe(_ name: String, size: off_t, data: [UInt8] = [], at offset: off_t = 0) -> ImageHeader {
            let fd = open(scratch.sub(name), O_RDWR | O_CREAT | O_TRUNC, 0o600)
            defer { close(fd) }
            ftruncate(fd, size)
            _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, offset) }
            return ImageFormatProbe.probe(fd: fd, fileSize: UInt64(size))
        }
        let raw = probe("sparse.img", size: 1 << 20)
        #expect(raw.format == "raw")
        #expect(probe("empty.img", size: 0).format == "raw")
        #expect(probe("tiny.img", size: 100).format == "raw")
        // An ISO's magic lies at 32769, after a hole of 32 KiB.
        #expect(probe("disc.iso", size: 1 << 20, data: Array("CD001".utf8), at: 32769).format == "iso")
        // The same file read whole (no hole) agrees.
        let qcow2 = try QCow2Writer(capacity: 1 << 30).bytes()
        let header = probe("image.qcow2", size: 1 << 20, data: qcow2)
        #expect(header.format == "qcow2")
        #expect([header.capacity ?? 0] == [1 << 30])
    }
}

@Suite("volume creation from another volume")
struct CreateFromTests {
    @Test func createFromConvertsFormatsAndKeepsData() async throws {
        let (scratch, host, dir) = try await DirVolumeTests.pool("from")
        defer { withExtendedLifetime(scratch) {} }
        _ = try await host.createVolume(in: "p", xml: DirVolumeTests.volumeXML("src.img", "2097152", allocation: "0"))
        let fd = open(dir + "/src.img", O_WRONLY)
        let data = [UInt8](repeating: 0x33, count: 4096)
        _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, data.count, 65536) }
        close(fd)
        try await host.refresh("p")
        let source = try await host.volume("src.img", in: "p")
        // No capacity in the XML: the clone takes the source's.
        let converted = try await host.createVolume(
            in: "p", xml: "<volume><name>dst.qcow2</name><target><format type='qcow2'/></target></volume>", from: source
        )
        #expect(converted.definition.target.format == "qcow2")
        #expect(converted.definition.capacity == 2_097_152)
        try DirVolumeTests.qemuCheck(dir + "/dst.qcow2")
        let (status, out) = try Scratch.run(
            DirVolumeTests.qemuImg, ["compare", "-f", "raw", "-F", "qcow2", dir + "/src.img", dir + "/dst.qcow2"])
        #expect(status == 0, "qemu-img compare: \(out)")
    }
}

@Suite("qcow2 metadata preallocation, natively")
struct QCow2PreallocationTests {
    @Test(
        "same layout as qemu-img", arguments: [("1073741824", "0.10"), ("10737418240", "1.1"), ("3145728000", "0.10")])
    func sameLayoutAsQemu(capacity: String, compat: String) async throws {
        let (scratch, host, dir) = try await DirVolumeTests.pool("prealloc")
        defer { withExtendedLifetime(scratch) {} }
        let vol = try await host.createVolume(
            in: "p",
            xml: DirVolumeTests.volumeXML(
                "m.qcow2", capacity, allocation: "0", format: "qcow2", extra: "<compat>\(compat)</compat>"),
            preallocateMetadata: true)
        try DirVolumeTests.qemuCheck(dir + "/m.qcow2")
        let reference = scratch.sub("ref.qcow2")
        let (status, out) = try Scratch.run(
            DirVolumeTests.qemuImg,
            ["create", "-q", "-f", "qcow2", "-o", "preallocation=metadata,compat=\(compat)", reference, capacity])
        #expect(status == 0, "\(out)")
        #expect(DirVolumeTests.fileStat(dir + "/m.qcow2").st_size == DirVolumeTests.fileStat(reference).st_size)
        #expect(vol.definition.physical == UInt64(DirVolumeTests.fileStat(reference).st_size))
        let (_, check) = try Scratch.run(DirVolumeTests.qemuImg, ["check", dir + "/m.qcow2"])
        #expect(check.contains("100.00% allocated"))
    }
}
