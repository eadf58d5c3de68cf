import Foundation
import Glibc
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// A dir pool in hostile hands: names that try to leave it, links planted in
/// it or swapped in for a volume, and what the files it makes look like.
/// Nothing outside the pool directory is ever written or removed.
@Suite("hostile input in dir pools")
struct HostileInputTests {
    /// A started dir pool "p", and beside it (outside the pool) a directory
    /// holding `victim.img`: 1 MiB of a known pattern.
    struct Fixture {
        let scratch: Scratch
        let host: StorageHost
        let pool: String
        let outside: String
        var victim: String { outside + "/victim.img" }

        init(_ label: String, secrets: (any SecretStore)? = nil) async throws {
            scratch = Scratch(label)
            host = try await StorageHost(directories: .root(scratch.sub("root")), secrets: secrets)
            pool = scratch.sub("pool")
            outside = scratch.sub("outside")
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            try Data((0..<1_048_576).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }).write(
                to: URL(fileURLWithPath: outside + "/victim.img"))
            try await host.define(xml: "<pool type='dir'><name>p</name><target><path>\(pool)</path></target></pool>")
            try await host.start("p", build: .normal)
        }

        /// The victim's bytes and inode status, to compare after an attack.
        func victimState() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: victim)) }

        func link(_ name: String, to target: String) throws {
            try FileManager.default.createSymbolicLink(atPath: pool + "/" + name, withDestinationPath: target)
        }

        func isLink(_ name: String) -> Bool {
            var st = stat()
            return lstat(pool + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
        }
    }

    static func xml(_ name: String, format: String = "raw", capacity: String = "1048576", extra: String = "") -> String
    {
        "<volume><name>\(name)</name><capacity unit='bytes'>\(capacity)</capacity>"
            + "<target><format type='\(format)'/>\(extra)</target></volume>"
    }

    /// Runs `body` and returns the error it throws (a test failure if it does not).
    static func refused(
        _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async -> (any Error)? {
        do {
            try await body()
            Issue.record("\(what) was not refused", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    @Test func namesThatLeaveThePoolOrCutShortAreRefused() async throws {
        let f = try await Fixture("names")
        try await f.host.createVolume(in: "p", xml: Self.xml("base.img"))
        let names = [
            "", ".", "..", "../escape.img", "a/b", "/abs.img", "a\0b", "nl\nname", String(repeating: "n", count: 256),
        ]
        for name in names {
            // vol-clone takes the new name as given, without XML in between.
            let error = await Self.refused("clone to \(name.debugDescription)") {
                try await f.host.cloneVolume("base.img", in: "p", newName: name)
            }
            // libvirt refuses a '/' as an invalid operation, and "." and ".."
            // as paths that exist; the rest as invalid arguments.
            let invalidOperation = name.contains("/") || name == "." || name == ".."
            #expect(
                (error as? StorageError)?.code == (invalidOperation ? .operationInvalid : .invalidArgument),
                "\(name.debugDescription): \(String(describing: error))")
        }
        for name in ["../escape.img", "a/b"] {
            let error = await Self.refused("create \(name)") {
                try await f.host.createVolume(in: "p", xml: Self.xml(name))
            }
            #expect((error as? StorageError)?.code == .operationInvalid)
        }
        // The longest name a file system takes still works.
        try await f.host.cloneVolume("base.img", in: "p", newName: String(repeating: "n", count: 255))
        #expect(!FileManager.default.fileExists(atPath: f.scratch.path + "/escape.img"))
        #expect(!FileManager.default.fileExists(atPath: f.pool + "/a"))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: f.pool).sorted() == [
                "base.img", String(repeating: "n", count: 255),
            ])
        #expect(try await f.host.volumes(in: "p").map(\.name) == ["base.img", String(repeating: "n", count: 255)])
    }

    /// libvirt 9.0 lists a link to a file as a volume (it follows links on
    /// refresh); here too, but nothing writes through the link, and deleting
    /// the volume removes the link, not what it points to.
    @Test func plantedLinksAreListedButNeverWrittenThrough() async throws {
        let f = try await Fixture("planted")
        let before = try f.victimState()
        try f.link("evil.img", to: f.victim)
        try await f.host.refresh("p")
        let listed = try await f.host.volume("evil.img", in: "p")
        #expect(listed.definition.capacity == 1_048_576)
        let upload = f.scratch.sub("data.bin")
        try Data(repeating: 0xEE, count: 4096).write(to: URL(fileURLWithPath: upload))

        for algorithm in [WipeAlgorithm.zero, .random, .nnsa] {
            _ = await Self.refused("wipe \(algorithm)") {
                try await f.host.wipeVolume("evil.img", in: "p", algorithm: algorithm)
            }
        }
        _ = await Self.refused("upload") { try await f.host.uploadVolume("evil.img", in: "p", from: upload) }
        _ = await Self.refused("stream upload") {
            try await f.host.writeVolume("evil.img", in: "p", from: ChunkSequence([.data([1, 2, 3])]))
        }
        _ = await Self.refused("resize") {
            try await f.host.resizeVolume("evil.img", in: "p", capacity: 4096, options: .shrink)
        }
        _ = await Self.refused("resize --allocate") {
            try await f.host.resizeVolume("evil.img", in: "p", capacity: 2_097_152, options: .allocate)
        }
        _ = await Self.refused("zeroed delete") { try await f.host.deleteVolume("evil.img", in: "p", zeroed: true) }
        #expect(try f.victimState() == before)

        try await f.host.deleteVolume("evil.img", in: "p")
        #expect(!FileManager.default.fileExists(atPath: f.pool + "/evil.img") && !f.isLink("evil.img"))
        #expect(try f.victimState() == before)
    }

    /// A dangling link under a new volume's name would make a creating
    /// open (or qemu-img) make a file wherever it points.
    @Test func danglingLinksCannotRedirectCreation() async throws {
        let f = try await Fixture("dangling")
        try await f.host.createVolume(in: "p", xml: Self.xml("base.img"))
        let cases: [(name: String, xml: String)] = [
            ("raw.img", Self.xml("raw.img")),
            (
                "alloc.img",
                "<volume><name>alloc.img</name><capacity>1048576</capacity><allocation>1048576</allocation></volume>"
            ),
            ("native.qcow2", Self.xml("native.qcow2", format: "qcow2")),
            // Formats the library does not write itself go to qemu-img.
            ("tool.vmdk", Self.xml("tool.vmdk", format: "vmdk")),
            (
                "tool.qcow2",
                Self.xml(
                    "tool.qcow2", format: "qcow2", extra: "<compat>1.1</compat><features><extended_l2/></features>")
            ),
        ]
        for (name, xml) in cases {
            let target = f.outside + "/made-by-" + name
            try f.link(name, to: target)
            let error = await Self.refused("create \(name)") {
                try await f.host.createVolume(in: "p", xml: xml, preallocateMetadata: name == "tool.qcow2")
            }
            #expect((error as? StorageError)?.code == .operationInvalid, "\(name): \(String(describing: error))")
            #expect(
                (error as? StorageError)?.message.hasSuffix("/\(name)' already exists") == true,
                "\(name): \(String(describing: error))")
            #expect(!FileManager.default.fileExists(atPath: target), "\(name) created \(target)")
            #expect(f.isLink(name), "\(name): the planted link was removed")
        }
        for (newName, format) in [("clone.img", "raw"), ("convert.qcow2", "qcow2")] {
            let target = f.outside + "/made-by-" + newName
            try f.link(newName, to: target)
            let source = try await f.host.volume("base.img", in: "p")
            _ = await Self.refused("clone into \(newName)") {
                if format == "raw" {
                    try await f.host.cloneVolume("base.img", in: "p", newName: newName)
                } else {
                    try await f.host.createVolume(in: "p", xml: Self.xml(newName, format: format), from: source)
                }
            }
            #expect(!FileManager.default.fileExists(atPath: target), "\(newName) created \(target)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.outside) == ["victim.img"])
    }

    /// A volume swapped for a link after the pool was read (between check and
    /// use) is refused by every writer: the open does not follow the link.
    @Test func volumeReplacedByALinkAfterListingIsRefused() async throws {
        let f = try await Fixture("swapped")
        let upload = f.scratch.sub("data.bin")
        try Data(repeating: 0xEE, count: 4096).write(to: URL(fileURLWithPath: upload))
        // A qcow2 victim too, for the qemu-img resize.
        let qcowVictim = f.outside + "/victim.qcow2"
        try QCow2Writer(capacity: 1_048_576).bytes().withUnsafeBufferPointer {
            try Data(buffer: $0).write(to: URL(fileURLWithPath: qcowVictim))
        }
        let qcowBefore = try Data(contentsOf: URL(fileURLWithPath: qcowVictim))
        let before = try f.victimState()
        try await f.host.createVolume(in: "p", xml: Self.xml("v.img"))
        try await f.host.createVolume(in: "p", xml: Self.xml("q.qcow2", format: "qcow2"))
        for name in ["v.img", "q.qcow2"] {
            try FileManager.default.removeItem(atPath: f.pool + "/" + name)
            try f.link(name, to: name == "v.img" ? f.victim : qcowVictim)
        }
        _ = await Self.refused("wipe") { try await f.host.wipeVolume("v.img", in: "p") }
        _ = await Self.refused("upload") { try await f.host.uploadVolume("v.img", in: "p", from: upload) }
        _ = await Self.refused("stream upload") {
            try await f.host.writeVolume("v.img", in: "p", from: ChunkSequence([.data([1, 2, 3])]))
        }
        _ = await Self.refused("raw resize") { try await f.host.resizeVolume("v.img", in: "p", capacity: 2_097_152) }
        _ = await Self.refused("qcow2 resize (qemu-img)") {
            try await f.host.resizeVolume("q.qcow2", in: "p", capacity: 2_097_152)
        }
        #expect(try f.victimState() == before)
        #expect(try Data(contentsOf: URL(fileURLWithPath: qcowVictim)) == qcowBefore)
        for name in ["v.img", "q.qcow2"] {
            try await f.host.deleteVolume(name, in: "p")
            #expect(!f.isLink(name))
        }
        #expect(try f.victimState() == before)
        #expect(try Data(contentsOf: URL(fileURLWithPath: qcowVictim)) == qcowBefore)
    }

    static func mode(_ path: String) -> (mode: UInt32, owner: UInt32, group: UInt32) {
        var st = stat()
        _ = lstat(path, &st)
        return (UInt32(st.st_mode & 0o7777), st.st_uid, st.st_gid)
    }

    /// New volumes are private (0600) unless the XML asks otherwise, whoever
    /// writes them (the library, or qemu-img, which would make 0644), and get
    /// the owner and group the XML names.
    @Test func newFilesHaveSafeModesAndTheAskedOwnership() async throws {
        let f = try await Fixture("modes")
        let formats = [("raw", "img"), ("qcow2", "qcow2"), ("vmdk", "vmdk")]
        for (format, ext) in formats {
            try await f.host.createVolume(in: "p", xml: Self.xml("default.\(ext)", format: format))
            #expect(Self.mode(f.pool + "/default.\(ext)").mode == 0o600, "\(format)")
            let asked = "<permissions><mode>0640</mode><owner>4321</owner><group>5432</group></permissions>"
            try await f.host.createVolume(in: "p", xml: Self.xml("asked.\(ext)", format: format, extra: asked))
            let got = Self.mode(f.pool + "/asked.\(ext)")
            #expect(got.mode == 0o640 && got.owner == 4321 && got.group == 5432, "\(format): \(got)")
            let listed = try await f.host.volume("asked.\(ext)", in: "p").definition.target.permissions
            #expect(listed?.mode == 0o640 && listed?.owner == 4321 && listed?.group == 5432)
        }
        try await f.host.cloneVolume("default.img", in: "p", newName: "clone.img")
        #expect(Self.mode(f.pool + "/clone.img").mode == 0o600)
    }
}
