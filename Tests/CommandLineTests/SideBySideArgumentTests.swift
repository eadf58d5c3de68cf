import Foundation
import Testing
import VirtStorage

/// virt-storage reads a verb's arguments as virsh does: the same lists of
/// arguments, right and wrong, through both on a real libvirtd; the exit
/// status, stdout and stderr must be virsh's.
@Suite("virt-storage beside virsh: arguments read as virsh reads them", .serialized)
struct SideBySideArgumentTests {
    @Test(
        "options by name and position, repeated, unknown, empty, exclusive, values that begin with -",
        .enabled(
            if: SideBySideTests.libvirtdAvailable,
            "no libvirtd on storage:///system (Scripts/libvirt-up.sh starts one as root)"))
    func sameReading() throws {
        let base = NSTemporaryDirectory() + "virtstorage-args-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let p = "args-\(UUID().uuidString.prefix(8).lowercased())"
        let sides = SideBySideTests.Sides(env: ["VIRT_STORAGE_ROOT": base + "/root"])
        defer {
            _ = try? sides.virsh(["pool-destroy", p])
            _ = try? sides.virsh(["pool-undefine", p])
        }
        let steps: [[String]] = [
            // mistakes virsh finds before doing anything
            ["pool-start", p, "--frobnicate"], ["pool-start", p, "extra"], ["pool-start", "--pool", p, "--pool", p],
            ["pool-start"], ["pool-info", "--pool"], ["pool-list", "--all=yes"], ["pool-list", "--all", "--inactive"],
            ["pool-list", "--details", "--name"], ["pool-list", "--details", "--uuid"], ["no-such-verb", p],
            ["pool-define-as", p, "dir", "-", "-", "-", "-", "@D/t", "--source-dev", "/dev/null"],
            ["pool-define-as", p, "dir", "--secret-usage", "u", "--secret-uuid", "x"],
            ["vol-upload", "--pool", p, "v", "@D/f", "--offset", "1M"],
            ["vol-upload", "--pool", p, "v", "@D/f", "--offset", "-1"],
            ["vol-download", "--pool", p, "v", "@D/f", "--length", "x"],
            ["vol-info", "--pool", p], ["vol-clone", "--pool", p, "v"],
            // a pool and volumes whose names and sizes begin with "-"
            ["-q", "pool-define-as", "--name", p, "--type", "dir", "--target", "@D/pool"], ["-q", "pool-build", p],
            ["-q", "pool-start", p], ["vol-create-as", p, "v", "1M", "--format", ""],
            ["vol-create-as", p, "v", "1M", "--format="], ["-q", "vol-create-as", p, "-v12", "1M"],
            ["vol-download", "--pool", p, "-v12", "@D/whole", "--length", "-1"], ["vol-info", "--pool", p, "-v12"],
            ["vol-info", "--pool", p, "--", "-v12"], ["vol-path", "-v12", p],
            ["vol-resize", "-v12", "-512K", p, "--delta", "--shrink"],
            ["vol-create-as", p, "z", "-0"], ["vol-create-as", p, "y", "+1M"], ["vol-info", "--pool", p, "y"],
            ["vol-dumpxml", "--pool", p, "y", "--xpath", "/volume/capacity"],
            ["vol-dumpxml", "--pool", p, "y", "--xpath", "/volume/target/format", "--wrap"],
            ["vol-dumpxml", "--pool", p, "y", "--xpath", "/volume/nothing"],
            ["pool-dumpxml", p, "--xpath", "/pool/name"], ["pool-dumpxml", p, "--xpath", "/pool/@type"],
            ["pool-name", p], ["pool-name", "nosuchpool"], ["pool-uuid", "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f"],
            ["pool-name", "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f"],
            ["pool-define-as", "pv", "dir", "--target", "@D/pv", "--source-protocol-ver", "3", "--print-xml"],
            ["pool-define-as", "pv", "fs", "--source-dev", "/dev/null", "--source-format", "ext3", "--target", "@D/pv",
             "--source-protocol-ver", "3"],
            ["vol-list", p, "--details"], ["vol-delete", "-v12", "--pool", p], ["vol-delete", "--vol=y", "--pool=\(p)"],
            ["vol-list", "--pool", p],
            // The order each verb's code reads its options in: an empty
            // value, exclusive options and the lookup, whichever comes first.
            ["pool-create", "", "--overwrite", "--no-overwrite"],
            ["pool-start", "nosuchpool", "--overwrite", "--no-overwrite"],
            ["pool-start", "", "--overwrite", "--no-overwrite"], ["pool-start", p, "--overwrite", "--no-overwrite"],
            ["pool-list", "--type", "", "--details", "--uuid"], ["pool-dumpxml", p, "--xpath", ""],
            ["vol-dumpxml", "--pool", p, "nosuchvol", "--xpath", ""], ["pool-event", "--list", "--timeout", "x"],
            ["pool-event", "--event", "", "--timeout", "x"], ["pool-event", "--pool", "", "--event", ""],
            ["pool-define-as", "pq", "dir", "--target", "", "--source-format", ""],
            ["pool-create-as", "pq", "dir", "--secret-usage", "a", "--secret-uuid", "b", "--overwrite", "--no-overwrite"],
        ]
        for step in steps {
            let (theirs, ours) = try sides.both(step, base: base)
            #expect(ours.status == theirs.status, "\(step): \(ours.stderr) | \(theirs.stderr)")
            #expect(SideBySideTests.virshLines(ours.stderr) == theirs.stderr, "\(step)")
            #expect(SideBySideTests.stable(ours.stdout) == SideBySideTests.stable(theirs.stdout), "\(step)")
        }
    }
}
