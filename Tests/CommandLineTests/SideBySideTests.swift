import Foundation
import Testing
import VirtStorage
import VirtStorageTestSupport

/// virt-storage and libvirt 9.0's virsh (against a real libvirtd, storage
/// driver only, started by Scripts/libvirt-up.sh) on the same directory of
/// images: the outputs a user reads must be the same.
@Suite("virt-storage beside virsh on a real libvirtd", .serialized)
struct SideBySideTests {
    /// libvirtd, started through TestService when nothing answers yet.
    static var libvirtdAvailable: Bool {
        Executables.virshAvailable && TestService.libvirtd.available
            && ((try? Executables.run(Executables.virsh, ["-q", "-c", "storage:///system", "uri"]).status) == 0)
    }

    static let qemuImg = URL(fileURLWithPath: "/usr/bin/qemu-img")

    /// Runs the same verb on both sides.
    struct Sides {
        let env: [String: String]
        func ours(_ args: [String]) throws -> Executables.Result {
            try Executables.run(Executables.virtStorage, args, environment: env)
        }
        func virsh(_ args: [String]) throws -> Executables.Result {
            try Executables.run(Executables.virsh, ["-c", "storage:///system"] + args)
        }

        /// The same step on both sides, each in a directory of its own under
        /// `base` ("@D" in the arguments, "DIR" in the output): libvirt's in
        /// base/l, ours in base/o.
        func both(_ args: [String], base: String) throws -> (theirs: Executables.Result, ours: Executables.Result) {
            func on(_ dir: String, _ run: ([String]) throws -> Executables.Result) throws -> Executables.Result {
                var r = try run(args.map { $0.replacingOccurrences(of: "@D", with: dir) })
                r.stdout = r.stdout.replacingOccurrences(of: dir, with: "DIR")
                r.stderr = r.stderr.replacingOccurrences(of: dir, with: "DIR")
                return r
            }
            return (try on(base + "/l", virsh), try on(base + "/o", ours))
        }
    }

    /// The pool and volume verbs whose output both sides must print alike.
    static func verbs(pool name: String, volumes: [String]) -> [[String]] {
        [
            ["vol-list", name], ["vol-list", name, "--details"], ["pool-info", name], ["pool-dumpxml", name],
            ["pool-dumpxml", name, "--inactive"],
        ]
            + volumes.flatMap { vol in
                [
                    ["vol-info", "--pool", name, vol], ["vol-info", "--pool", name, vol, "--bytes"],
                    ["vol-dumpxml", "--pool", name, vol], ["vol-path", "--pool", name, vol],
                    ["vol-key", "--pool", name, vol],
                ]
            }
    }

    /// Our stderr without the `hint:` lines that follow virsh's own (what
    /// VirtStorage knows beyond libvirt's words; README "Errors").
    static func virshLines(_ stderr: String) -> String {
        stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("hint: ") }
            .joined(separator: "\n")
    }

    /// Lines that legitimately differ between two reads of a live pool.
    static func stable(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in
                !["<atime>", "Allocation:", "Available:", "<allocation unit='bytes'>", "<available unit='bytes'>"]
                    .contains { line.contains($0) } || line.contains("<allocation unit='bytes'>0<")
            }
            .joined(separator: "\n")
    }

    @Test(
        "same output for the same pool",
        .enabled(if: libvirtdAvailable, "no libvirtd on storage:///system (Scripts/libvirt-up.sh starts one as root)"))
    func sameOutput() throws {
        let base = NSTemporaryDirectory() + "virtstorage-side-\(UUID().uuidString.prefix(8))"
        let dir = base + "/images"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let name = "side-\(UUID().uuidString.prefix(8).lowercased())"
        let uuid = UUID().uuidString.lowercased()
        let sides = Sides(env: ["VIRT_STORAGE_ROOT": base + "/root"])
        let xml = "<pool type='dir'><name>\(name)</name><uuid>\(uuid)</uuid><target><path>\(dir)</path></target></pool>"
        let xmlFile = base + "/pool.xml"
        try xml.write(toFile: xmlFile, atomically: true, encoding: .utf8)

        // Images made by qemu-img, so neither side wrote them.
        for (args) in [
            ["create", "-q", "-f", "raw", dir + "/disk.raw", "64M"],
            ["create", "-q", "-f", "qcow2", dir + "/base.qcow2", "1G"],
            ["create", "-q", "-f", "qcow2", "-o", "compat=1.1,lazy_refcounts=on", dir + "/v3.qcow2", "2G"],
            ["create", "-q", "-f", "qcow2", "-b", dir + "/base.qcow2", "-F", "qcow2", dir + "/top.qcow2"],
            ["create", "-q", "-f", "vmdk", dir + "/old.vmdk", "100M"],
        ] {
            #expect(try Executables.run(Self.qemuImg, args).status == 0)
        }

        for side in [sides.virsh, sides.ours] {
            #expect(try side(["pool-define", xmlFile]).status == 0)
            #expect(try side(["pool-start", name]).status == 0)
        }
        defer {
            _ = try? sides.virsh(["pool-destroy", name])
            _ = try? sides.virsh(["pool-undefine", name])
        }

        let verbs =
            Self.verbs(pool: name, volumes: ["disk.raw", "base.qcow2", "v3.qcow2", "top.qcow2", "old.vmdk"])
            + [["pool-list", "--all", "--name"]]
        for verb in verbs {
            let theirs = try sides.virsh(verb)
            let ours = try sides.ours(verb)
            #expect(ours.status == theirs.status, "\(verb): \(ours.stderr)")
            if verb.first == "pool-list" {
                // Our host has only this pool; libvirt may have others.
                #expect(theirs.stdout.contains(ours.stdout.trimmingCharacters(in: .newlines)))
            } else {
                #expect(Self.stable(ours.stdout) == Self.stable(theirs.stdout), "\(verb)")
            }
        }
    }

    /// The same mistakes on both sides: virsh's two error lines (the step
    /// that failed, then libvirt's error), the same exit status, and the
    /// same result where libvirt's rule is surprising (an allocation beyond
    /// the capacity). Each side works in a directory of its own, written
    /// "@D" in the steps and "DIR" in the compared output.
    @Test(
        "same errors for the same mistakes",
        .enabled(if: libvirtdAvailable, "no libvirtd on storage:///system (Scripts/libvirt-up.sh starts one as root)"))
    func sameErrors() throws {
        let base = NSTemporaryDirectory() + "virtstorage-errors-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let p = "err-\(UUID().uuidString.prefix(8).lowercased())"
        let t = p + "-t"
        let sides = Sides(env: ["VIRT_STORAGE_ROOT": base + "/root"])
        func both(_ args: [String]) throws -> (theirs: Executables.Result, ours: Executables.Result) {
            try sides.both(args, base: base)
        }
        defer {
            for pool in [p, t] {
                _ = try? sides.virsh(["pool-destroy", pool])
                _ = try? sides.virsh(["pool-undefine", pool])
            }
        }
        for step in [
            ["pool-define-as", p, "dir", "--target", "@D/pool"], ["pool-build", p], ["pool-start", p],
            ["vol-create-as", p, "a.img", "10M"], ["vol-create-as", p, "e.img", "1M", "--allocation", "2M"],
            ["pool-create-as", t, "dir", "--target", "@D/t", "--build"],
        ] {
            let (theirs, ours) = try both(step)
            try #require(theirs.status == 0 && ours.status == 0, "\(step): \(theirs.stderr) | \(ours.stderr)")
        }
        let mistakes: [[String]] = [
            ["pool-start", p], ["pool-info", "nosuch"], ["pool-start", "nosuch"], ["pool-refresh", "nosuch"],
            ["vol-create-as", "nosuch", "a.img", "1M"], ["vol-create-as", p, "a.img", "10M"],
            ["vol-create-as", p, "", "1M"],
            ["vol-create-as", p, "q.qcow2", "1G", "--format", "qcow2", "--backing-vol", "nosuch.img"],
            ["vol-info", "--pool", p, "nosuch"], ["vol-info", "nosuch"], ["vol-delete", "--pool", p, "nosuch"],
            ["vol-resize", "--pool", p, "a.img", "5M"], ["vol-resize", "--pool", p, "a.img", "+1M"],
            ["vol-upload", "--pool", p, "a.img", "/nonexistent/file"],
            ["vol-download", "--pool", p, "a.img", "/nonexistent/dir/file"],
            ["vol-clone", "--pool", p, "a.img", "a.img"], ["vol-clone", "--pool", p, "nosuch.img", "x.img"],
            ["vol-create-as", p, "b.img", "abc"], ["vol-resize", "--pool", p, "a.img", "xyz"],
            ["vol-create-from", p, "/nonexistent.xml", "a.img"],
            ["vol-create-from", p, "/nonexistent.xml", "nosuch.img", "--inputpool", p],
            ["pool-delete", p], ["pool-undefine", p], ["pool-undefine", t], ["pool-autostart", t],
            ["vol-info", "--pool", p, "e.img", "--bytes"], ["pool-destroy", p], ["pool-destroy", p], ["vol-list", p],
            ["vol-info", "--pool", p, "a.img"], ["pool-delete", p],
        ]
        for step in mistakes {
            let (theirs, ours) = try both(step)
            #expect(ours.status == theirs.status, "\(step): \(ours.stderr)")
            #expect(SideBySideTests.virshLines(ours.stderr) == theirs.stderr, "\(step)")
            #expect(Self.stable(ours.stdout) == Self.stable(theirs.stdout), "\(step)")
        }
    }

    @Test(
        "reads libvirt's own pool files",
        .enabled(if: libvirtdAvailable, "no libvirtd on storage:///system (Scripts/libvirt-up.sh starts one as root)"))
    func readsLibvirtFiles() throws {
        let base = NSTemporaryDirectory() + "virtstorage-files-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let name = "files-\(UUID().uuidString.prefix(8).lowercased())"
        let dir = base + "/images"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let virsh = { (args: [String]) throws -> Executables.Result in
            try Executables.run(Executables.virsh, ["-c", "storage:///system"] + args)
        }
        #expect(try virsh(["pool-define-as", name, "dir", "--target", dir]).status == 0)
        #expect(try virsh(["pool-start", name]).status == 0)
        defer {
            _ = try? virsh(["pool-destroy", name])
            _ = try? virsh(["pool-undefine", name])
        }
        // libvirt's config (with its warning comment) and state (<poolstate>) files, copied into our layout.
        let fm = FileManager.default
        try fm.createDirectory(atPath: base + "/root/etc/storage", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: base + "/root/run/storage", withIntermediateDirectories: true)
        try fm.copyItem(atPath: "/etc/libvirt/storage/\(name).xml", toPath: base + "/root/etc/storage/\(name).xml")
        try fm.copyItem(atPath: "/run/libvirt/storage/\(name).xml", toPath: base + "/root/run/storage/\(name).xml")
        let env = ["VIRT_STORAGE_ROOT": base + "/root"]
        let ours = try Executables.run(Executables.virtStorage, ["pool-list", "--all"], environment: env)
        #expect(ours.stdout.contains(" \(name)   active"), "\(ours.stdout)")
        let theirs = try virsh(["pool-dumpxml", name, "--inactive"])
        let mine = try Executables.run(Executables.virtStorage, ["pool-dumpxml", name], environment: env)
        #expect(Self.stable(mine.stdout) == Self.stable(theirs.stdout))
    }

    static var glusterRunning: Bool { TestService.gluster.available }

    @Test(
        "find-storage-pool-sources-as netfs finds the same gluster volumes",
        .enabled(if: libvirtdAvailable && glusterRunning, "needs libvirtd and the glusterd of Scripts/gluster-up.sh"))
    func findNetfsSources() throws {
        let base = NSTemporaryDirectory() + "virtstorage-find-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let sides = Sides(env: ["VIRT_STORAGE_ROOT": base + "/root"])
        let host = ProcessInfo.processInfo.hostName
        let theirs = try sides.virsh(["find-storage-pool-sources-as", "netfs", host])
        let ours = try sides.ours(["find-storage-pool-sources-as", "netfs", host])
        #expect(theirs.status == 0 && ours.status == 0, "\(theirs.stderr) \(ours.stderr)")
        #expect(ours.stdout == theirs.stdout)
        #expect(ours.stdout.contains("<format type='glusterfs'/>"))

        // With the host given in a file, as find-storage-pool-sources takes it.
        let spec = base + "/spec.xml"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try "<source><host name='\(host)'/></source>".write(toFile: spec, atomically: true, encoding: .utf8)
        let fromFile = try sides.ours(["find-storage-pool-sources", "netfs", spec])
        #expect(fromFile.stdout == theirs.stdout)

        // --json: the same sources as values.
        let json = try sides.ours(["find-storage-pool-sources-as", "netfs", host, "--json"])
        let sources = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        let count = theirs.stdout.components(separatedBy: "<source>").count - 1
        #expect(sources?.count == count && count > 0)
        #expect(sources?.allSatisfy { $0["format"] as? String == "glusterfs" && $0["dir"] != nil } == true)
    }

    @Test(
        "same output for a gluster pool (libgfapi on both sides)",
        .enabled(if: libvirtdAvailable && glusterRunning, "needs libvirtd and the glusterd of Scripts/gluster-up.sh"),
        .timeLimit(.minutes(2)))
    func sameGlusterOutput() async throws {
        let base = NSTemporaryDirectory() + "virtstorage-side-gluster-\(UUID().uuidString.prefix(8))"
        let mount = base + "/mnt"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let host = ProcessInfo.processInfo.hostName
        // Files written through a FUSE mount (the library's runner: the
        // glusterfs daemon would keep a Foundation Process pipe open).
        let mounted = try await SystemCommandRunner().capture(
            Command("mount", ["-t", "glusterfs", "\(host):/gv0", mount]))
        #expect(mounted.status == 0, "\(mounted.message)")
        let unmount = { _ = try? Executables.run(URL(fileURLWithPath: "/usr/bin/umount"), [mount]) }
        defer { unmount() }
        let sub = "side-\(UUID().uuidString.prefix(8).lowercased())"
        let dir = mount + "/" + sub
        try FileManager.default.createDirectory(atPath: dir + "/nested", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(FileManager.default.createFile(atPath: dir + "/disk.raw", contents: Data(repeating: 7, count: 70000)))
        for args in [
            ["create", "-q", "-f", "qcow2", dir + "/base.qcow2", "1G"],
            ["create", "-q", "-f", "qcow2", "-o", "compat=1.1,lazy_refcounts=on", dir + "/v3.qcow2", "2G"],
            [
                "create", "-q", "-u", "-f", "qcow2", "-b", "gluster://\(host)/gv0/\(sub)/disk.raw", "-F", "raw",
                dir + "/top.qcow2", "64M",
            ],
        ] {
            #expect(try Executables.run(Self.qemuImg, args).status == 0)
        }

        let name = "gl-\(sub)"
        let uuid = UUID().uuidString.lowercased()
        let xml = """
            <pool type='gluster'><name>\(name)</name><uuid>\(uuid)</uuid>
            <source><host name='\(host)'/><dir path='/\(sub)'/><name>gv0</name></source></pool>
            """
        let xmlFile = base + "/pool.xml"
        try xml.write(toFile: xmlFile, atomically: true, encoding: .utf8)
        let sides = Sides(env: ["VIRT_STORAGE_ROOT": base + "/root"])
        for side in [sides.virsh, sides.ours] {
            let defined = try side(["pool-define", xmlFile])
            #expect(defined.status == 0, "\(defined.stderr)")
            let started = try side(["pool-start", name])
            #expect(started.status == 0, "\(started.stderr)")
        }
        defer {
            _ = try? sides.virsh(["pool-destroy", name])
            _ = try? sides.virsh(["pool-undefine", name])
            _ = try? sides.ours(["pool-destroy", name])
        }
        let verbs = Self.verbs(pool: name, volumes: ["disk.raw", "base.qcow2", "v3.qcow2", "top.qcow2", "nested"])
        for verb in verbs {
            let theirs = try sides.virsh(verb)
            let ours = try sides.ours(verb)
            #expect(ours.status == theirs.status, "\(verb): \(ours.stderr) | \(theirs.stderr)")
            #expect(Self.stable(ours.stdout) == Self.stable(theirs.stdout), "\(verb)")
        }

        let theirSources = try sides.virsh(["find-storage-pool-sources-as", "gluster", host])
        let ourSources = try sides.ours(["find-storage-pool-sources-as", "gluster", host])
        #expect(theirSources.status == 0 && ourSources.status == 0, "\(theirSources.stderr) \(ourSources.stderr)")
        #expect(ourSources.stdout == theirSources.stdout)
    }
}
