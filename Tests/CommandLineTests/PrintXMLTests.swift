import Foundation
import Testing
import VirtStorage

/// virt-storage's --print-xml verbs side by side with libvirt 9.0's virsh,
/// on argument lists that are not in the conformance corpus.
@Suite("virt-storage --print-xml against virsh")
struct PrintXMLTests {
    static let poolArgumentLists: [[String]] = [
        ["pool-define-as", "mypool", "dir", "--target", "/var/lib/x", "--print-xml"],
        ["pool-define-as", "--name", "named", "--type", "dir", "--target", "/srv/images", "--print-xml"],
        [
            "pool-define-as", "n1", "netfs", "nfs.example.com", "/export", "--source-format", "nfs", "--target", "/mnt",
            "--print-xml",
        ],
        ["pool-define-as", "vg", "logical", "-", "-", "/dev/sdb", "vg0", "--print-xml"],
        ["pool-define-as", "positional", "fs", "--print-xml", "h", "/p", "/dev/sdc1", "src", "/mnt/t", "ext4"],
        [
            "pool-define-as", "i1", "iscsi", "--source-host", "san.example.com", "--source-dev",
            "iqn.2026-11.com.example:t1",
            "--auth-type", "chap", "--auth-username", "admin", "--secret-usage", "libvirtiscsi", "--target",
            "/dev/disk/by-path", "--print-xml",
        ],
        [
            "pool-define-as", "c1", "rbd", "--source-host", "mon1", "--source-name", "rbdpool", "--auth-type", "ceph",
            "--auth-username", "admin", "--secret-uuid", "2ec115d7-3a88-3ceb-bc12-0ac909a6fd87", "--print-xml",
        ],
        [
            "pool-define-as", "f1", "scsi", "--adapter-wwnn", "20000000c9831b4b", "--adapter-wwpn", "10000000c9831b4b",
            "--adapter-parent", "scsi_host5", "--target", "/dev/disk/by-path", "--print-xml",
        ],
        [
            "pool-define-as", "f2", "scsi", "--adapter-wwnn", "20000000c9831b4b", "--adapter-wwpn", "10000000c9831b4b",
            "--adapter-parent-wwnn", "20000000c9831b4c", "--adapter-parent-wwpn", "10000000c9831b4c", "--print-xml",
        ],
        ["pool-define-as", "h0", "scsi", "--adapter-name", "host0", "--target", "/dev/disk/by-path", "--print-xml"],
        [
            "pool-define-as", "v4", "netfs", "--source-host", "h", "--source-path", "/e", "--source-protocol-ver",
            "4.1",
            "--target", "/mnt", "--print-xml",
        ],
        [
            "pool-define-as", "d1", "iscsi-direct", "--source-host", "127.0.0.1", "--source-dev", "iqn.t",
            "--source-initiator", "iqn.2026-11.org.example:init", "--print-xml",
        ],
        ["pool-create-as", "tmp", "dir", "--target", "/tmp/t", "--print-xml"],
    ]

    static let volumeArgumentLists: [[String]] = [
        ["vol-create-as", "default-pool", "a.img", "1G", "--print-xml"],
        ["vol-create-as", "default-pool", "b.qcow2", "10G", "--format", "qcow2", "--allocation", "1M", "--print-xml"],
        ["vol-create-as", "default-pool", "c.img", "512MiB", "0", "raw", "--print-xml"],
        ["vol-create-as", "--pool", "default-pool", "--name", "d.img", "--capacity", "1GB", "--print-xml"],
        ["vol-create-as", "default-pool", "e.img", "100", "--allocation", "3k", "--print-xml"],
        ["vol-create-as", "default-pool", "f.img", "2TB", "--prealloc-metadata", "--print-xml"],
        ["vol-create-as", "default-pool", "g.img", "1Q", "--print-xml"],
        ["vol-create-as", "default-pool", "h.img", "G", "--print-xml"],
    ]

    @Test(
        "same output as virsh", .enabled(if: Executables.virshAvailable, "virsh (libvirt-clients) is not installed"),
        arguments: poolArgumentLists + volumeArgumentLists)
    func sameAsVirsh(arguments: [String]) throws {
        // Our side gets an active dir pool named like the test driver's.
        let root = NSTemporaryDirectory() + "virtstorage-printxml-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let env = ["VIRT_STORAGE_ROOT": root + "/root"]
        let setup = try Executables.run(
            Executables.virtStorage, ["pool-create-as", "default-pool", "dir", "--target", root + "/pool", "--build"],
            environment: env)
        #expect(setup.status == 0, "\(setup.stderr)")
        let ours = try Executables.run(Executables.virtStorage, arguments, environment: env)
        let virsh = try Executables.virshTest(arguments)
        #expect(ours.status == virsh.status, "exit status for \(arguments): \(ours.stderr)")
        #expect(ours.stdout == virsh.stdout, "output for \(arguments)")
        if virsh.status != 0 {
            // virsh's lines, then perhaps one "hint:" line of ours.
            #expect(SideBySideTests.virshLines(ours.stderr) == virsh.stderr, "\(ours.stderr) | \(virsh.stderr)")
        }
    }

    @Test func quietDropsTheBlankLine() throws {
        let result = try Executables.run(
            Executables.virtStorage, ["-q", "pool-define-as", "q", "dir", "--target", "/q", "--print-xml"])
        #expect(
            result.stdout
                == "<pool type='dir'>\n  <name>q</name>\n  <target>\n    <path>/q</path>\n  </target>\n</pool>\n")
    }

    /// `--thin-pool` (a VirtStorage extension) names a logical pool's thin
    /// pool in VirtStorage's namespace; the pool defines with it and keeps it.
    @Test func thinPoolOfALogicalPool() throws {
        let place = try CommandPlace()
        let printed = try place.ok([
            "-q", "pool-define-as", "thin", "logical", "--source-name", "vg0", "--thin-pool", "data", "--print-xml",
        ])
        #expect(
            printed
                == "<pool type='logical' xmlns:vs='\(VirtStoragePoolSchema.namespaceURI)'>\n  <name>thin</name>\n  <source>\n    <name>vg0</name>\n  </source>\n  <vs:thinpool name='data'/>\n</pool>\n"
        )
        try place.ok(["pool-define-as", "thin", "logical", "--source-name", "vg0", "--thin-pool", "data"])
        let dumped = try place.ok(["pool-dumpxml", "thin"])
        #expect(dumped.hasPrefix("<pool type='logical' xmlns:vs='\(VirtStoragePoolSchema.namespaceURI)'>"))
        #expect(dumped.contains("  </target>\n  <vs:thinpool name='data'/>\n</pool>\n"))
        let misplaced = try place.refused([
            "pool-define-as", "d", "dir", "--target", place.base + "/d", "--thin-pool", "data",
        ])
        #expect(misplaced.contains("<vs:thinpool> belongs to logical pools, not to a dir pool"))
    }

    @Test func printedPoolXMLDefinesCleanly() throws {
        let result = try Executables.run(
            Executables.virtStorage, ["pool-define-as", "ok", "dir", "--target", "/srv/ok", "--print-xml"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
    }

    @Test func printedPoolXMLThatWouldNotDefineWarns() throws {
        let result = try Executables.run(Executables.virtStorage, ["pool-define-as", "nopath", "dir", "--print-xml"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("<pool type='dir'>"))
        #expect(result.stderr.contains("missing storage pool target path"))
    }

    @Test func valuesAreEscaped() throws {
        let result = try Executables.run(
            Executables.virtStorage, ["pool-define-as", "a&b", "dir", "--target", "/x'y", "--print-xml", "-q"])
        #expect(result.stdout.contains("<name>a&amp;b</name>"))
        #expect(result.stdout.contains("<path>/x&apos;y</path>"))
    }

    @Test func tooManyPositionalValues() throws {
        let result = try Executables.run(
            Executables.virtStorage, ["vol-create-as", "p", "v", "1G", "0", "raw", "/b", "raw", "extra", "--print-xml"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("'extra'"))
    }

    @Test func secretUsageAndUUIDExclude() throws {
        let result = try Executables.run(
            Executables.virtStorage,
            [
                "pool-define-as", "x", "rbd", "--secret-usage", "u", "--secret-uuid",
                "2ec115d7-3a88-3ceb-bc12-0ac909a6fd87", "--print-xml",
            ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("mutually exclusive"))
    }
}
