import Foundation
import Testing

/// The native backends open their C libraries when a pool first needs them.
/// With librbd, libgfapi, libiscsi, libparted, libdevmapper and libbtrfsutil made unloadable
/// (each bound over by /dev/null in a private mount namespace), virt-storage
/// still runs, dir pools work, pools of the other types can be defined, and
/// starting one fails naming the library and the package that has it.
@Suite("native libraries missing from the host")
struct MissingLibraryTests {
    static let libraries = [
        "librbd.so.1", "libgfapi.so.0", "libiscsi.so.7", "libparted.so.2", "libdevmapper.so.1.02.1",
        "libbtrfsutil.so.1",
    ]
    static let canHide = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")

    /// Runs virt-storage in a mount namespace of its own where every library
    /// in `libraries` is /dev/null; the host's files are untouched.
    static func runWithoutLibraries(_ args: [String], _ env: [String: String]) throws -> Executables.Result {
        let script = """
            set -e
            for lib in \(libraries.joined(separator: " ")); do
                path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
                [ -n "$path" ] && mount --bind /dev/null "$(readlink -f "$path")"
            done
            exec "$0" "$@"
            """
        return try Executables.run(
            URL(fileURLWithPath: "/usr/bin/unshare"),
            ["--mount", "--propagation", "private", "sh", "-c", script, Executables.virtStorage.path] + args,
            environment: env)
    }

    @Test(.enabled(if: canHide, "needs root and unshare(1) for a private mount namespace"))
    func otherPoolsWorkAndEachBackendNamesWhatIsMissing() throws {
        let base = NSTemporaryDirectory() + "virtstorage-nolib-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let env = ["VIRT_STORAGE_ROOT": base + "/root"]
        func ok(_ args: [String]) throws {
            let result = try Self.runWithoutLibraries(args, env)
            #expect(result.status == 0, "\(args): \(result.stderr)")
        }
        try ok(["pool-create-as", "d", "dir", "--target", base + "/pool", "--build"])
        try ok(["vol-create-as", "d", "a.qcow2", "1M", "--format", "qcow2"])
        try ok(["vol-list", "d"])

        let pools: [(type: String, options: [String], message: String)] = [
            (
                "rbd", ["--source-host", "127.0.0.1", "--source-name", "rbd"],
                "rbd pools need librbd.so.1 (Debian package librbd1), which cannot be loaded"
            ),
            (
                "gluster", ["--source-host", "127.0.0.1", "--source-name", "gv0", "--source-path", "/"],
                "gluster pools need libgfapi.so.0 (Debian package libgfapi0), which cannot be loaded"
            ),
            (
                "iscsi-direct",
                [
                    "--source-host", "127.0.0.1", "--source-dev", "iqn.2026-11.org.virtstorage:none",
                    "--source-initiator", "iqn.2026-11.org.virtstorage:initiator",
                ],
                "iscsi-direct pools need libiscsi.so.7 (Debian package libiscsi7), which cannot be loaded"
            ),
            (
                "mpath", ["--target", "/dev/mapper"],
                "mpath pools need libdevmapper.so.1.02.1 (Debian package libdevmapper1.02.1), which cannot be loaded"
            ),
        ]
        for pool in pools {
            let name = "missing-\(pool.type)"
            try ok(["pool-define-as", name, pool.type] + pool.options)
            let start = try Self.runWithoutLibraries(["pool-start", name], env)
            #expect(start.status == 1, "\(pool.type)")
            #expect(start.stderr.contains(pool.message), "\(pool.type): \(start.stderr)")
            try ok(["pool-undefine", name])
        }
        // A disk pool on an image file: libparted is needed to read its label.
        let image = base + "/disk.img"
        #expect(FileManager.default.createFile(atPath: image, contents: Data(count: 1 << 20)))
        try ok(["pool-define-as", "missing-disk", "disk", "--source-dev", image, "--target", "/dev"])
        let build = try Self.runWithoutLibraries(["pool-build", "missing-disk"], env)
        #expect(build.status == 1)
        #expect(
            build.stderr.contains(
                "disk pools need libparted.so.2 (Debian package libparted2), which cannot be loaded"),
            "\(build.stderr)")
        // A btrfs pool on a mounted btrfs (mounted here: each run has a mount
        // namespace of its own): its subvolumes need the library.
        let btrfsImage = base + "/btrfs.img"
        #expect(FileManager.default.createFile(atPath: btrfsImage, contents: nil))
        #expect(truncate(btrfsImage, 120 << 20) == 0)
        let mkfs = try Executables.run(URL(fileURLWithPath: "/usr/sbin/mkfs.btrfs"), ["-q", "-f", btrfsImage])
        #expect(mkfs.status == 0, "\(mkfs.stderr)")
        try FileManager.default.createDirectory(atPath: base + "/fs", withIntermediateDirectories: true)
        let mount = try Executables.run(URL(fileURLWithPath: "/usr/bin/mount"), ["-o", "loop", btrfsImage, base + "/fs"])
        #expect(mount.status == 0, "\(mount.stderr)")
        defer { _ = try? Executables.run(URL(fileURLWithPath: "/usr/bin/umount"), [base + "/fs"]) }
        try ok(["pool-define-as", "missing-btrfs", "btrfs", "--target", base + "/fs/images"])
        try ok(["pool-build", "missing-btrfs"])
        try ok(["pool-start", "missing-btrfs"])
        let create = try Self.runWithoutLibraries(["vol-create-as", "missing-btrfs", "v", "1M"], env)
        #expect(create.status == 1)
        #expect(
            create.stderr.contains(
                "btrfs pools need libbtrfsutil.so.1 (Debian package libbtrfsutil1), which cannot be loaded"),
            "\(create.stderr)")
        try ok(["vol-list", "d"])
    }
}
