import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// The glusterd that Scripts/gluster-up.sh starts (the test command starts
/// it; a plain `swift test` starts it through TestService).
enum GlusterService {
    static var state: String { ProcessInfo.processInfo.environment["GLUSTER_STATE"] ?? "/tmp/virtstorage-gluster" }
    static var volume: String { ProcessInfo.processInfo.environment["GLUSTER_VOLUME"] ?? "gv0" }
    static var host: String { ProcessInfo.processInfo.hostName }

    static var running: Bool {
        guard TestService.gluster.available,
            let pid = try? String(contentsOfFile: state + "/glusterd.pid", encoding: .utf8),
            let value = Int32(pid.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return false }
        return getuid() == 0 && kill(value, 0) == 0
    }
}

/// netfs pools: a real glusterfs FUSE mount of the local gluster volume, and
/// source discovery from real and recorded gluster output.
@Suite("netfs pools on a local gluster volume", .serialized)
struct NetfsPoolTests {
    static func poolXML(_ name: String, target: String) -> String {
        """
        <pool type='netfs'><name>\(name)</name>
        <source><host name='\(GlusterService.host)'/><dir path='/\(GlusterService.volume)'/><format type='glusterfs'/></source>
        <target><path>\(target)</path></target></pool>
        """
    }

    @Test(
        "mount, volumes through the mount, restart while mounted, unmount",
        .enabled(if: GlusterService.running, Comment(rawValue: TestService.gluster.unavailable ?? "glusterd of Scripts/gluster-up.sh")),
        .timeLimit(.minutes(TimeFactor.value)))
    func glusterMount() async throws {
        let scratch = Scratch("netfs")
        let target = scratch.sub("mnt")
        let dirs = StorageHostDirectories.root(scratch.sub("root"))
        defer {
            if (try? FsPoolTests.isMounted(target)) == true { _ = try? Scratch.run("/usr/bin/umount", [target]) }
        }
        do {
            let host = try await StorageHost(directories: dirs)
            try await host.define(xml: Self.poolXML("gl", target: target))
            try await host.build("gl")
            try await host.start("gl")
            #expect(try FsPoolTests.isMounted(target))
            let entry = try MountTable.entries().last { $0.mountPoint == target }
            #expect(entry?.type == "fuse.glusterfs")
            #expect(entry?.options.contains("noexec") == true)
            #expect(try await host.pool(named: "gl").capacity > 0)

            let raw = try await host.createVolume(
                in: "gl", xml: "<volume><name>netfs-a.raw</name><capacity unit='M'>8</capacity></volume>")
            _ = try await host.createVolume(
                in: "gl",
                xml:
                    "<volume><name>netfs-b.qcow2</name><capacity unit='M'>16</capacity><target><format type='qcow2'/></target></volume>"
            )
            _ = try await host.createVolume(
                in: "gl", xml: "<volume><name>netfs-c.raw</name><capacity>0</capacity></volume>", from: raw)
            try await host.refresh("gl")
            let names = Set(try await host.volumes(in: "gl").map(\.name))
            #expect(names.isSuperset(of: ["netfs-a.raw", "netfs-b.qcow2", "netfs-c.raw"]))
            #expect(try await host.volume("netfs-b.qcow2", in: "gl").definition.target.format == "qcow2")
            #expect(try await host.volume("netfs-c.raw", in: "gl").definition.capacity == 8 << 20)
        }
        do {
            let host = try await StorageHost(directories: dirs)
            #expect(try await host.pool(named: "gl").isActive, "a mounted netfs pool stays active across restarts")
            for name in ["netfs-a.raw", "netfs-b.qcow2", "netfs-c.raw"] {
                try await host.deleteVolume(name, in: "gl")
            }
            try await host.destroy("gl")
            #expect(try !FsPoolTests.isMounted(target))
            try await host.delete("gl")
            try await host.undefine("gl")
        }
    }

    @Test(
        "find-storage-pool-sources lists the host's gluster volumes",
        .enabled(if: GlusterService.running, Comment(rawValue: TestService.gluster.unavailable ?? "glusterd of Scripts/gluster-up.sh")), .timeLimit(.minutes(1)))
    func discoverGlusterVolumes() async throws {
        let scratch = Scratch("netfs-find")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        let xml = try await host.findPoolSources(
            type: .netfs, spec: "<source><host name='\(GlusterService.host)'/></source>")
        #expect(xml.contains("<dir path='\(GlusterService.volume)'/>"))
        #expect(xml.contains("<format type='glusterfs'/>"))
        #expect(xml.hasPrefix("<sources>\n  <source>\n    <host name='\(GlusterService.host)'/>"))
    }

    @Test("gluster volume lists give libvirt's sources documents", arguments: ["basic", "multivol"])
    func glusterSourcesMatchLibvirt(_ name: String) throws {
        let output = try Corpus.read("virstorageutildata/gluster-parse-\(name)-src.xml")
        for (type, suffix) in [(PoolType.netfs, "netfs"), (.gluster, "native")] {
            let sources = try GlusterVolumeList.parse(output, host: "testhost", as: type)
            let expected = try Corpus.read("virstorageutildata/gluster-parse-\(name)-\(suffix).xml")
            #expect(PoolSourceListXML.format(sources, type: type) == expected)
        }
    }

    @Test("discovery needs one host and reports a host with nothing on it")
    func discoveryErrors() async throws {
        let backend = NetfsBackend(
            runner: RecordedCommandRunner([
                "showmount": .init(status: 1, stderr: "clnt_create: RPC: Program not registered"),
                "gluster": .init(
                    status: 1, stderr: "Connection failed. Please check if gluster daemon is operational."),
            ]))
        let none = await #expect(throws: StorageError.self) { try await backend.findSources(nil) }
        #expect(none?.message == "hostname must be specified for netfs sources")
        var spec = PoolSource()
        spec.hosts = [SourceHost(name: "nas", port: nil)]
        let empty = await #expect(throws: StorageError.self) { try await backend.findSources(spec) }
        #expect(empty?.message.contains("no storage pools were found on host 'nas'") == true)
        #expect(empty?.message == "no storage pools were found on host 'nas'")
        #expect(empty?.hint?.contains("RPC: Program not registered") == true)
    }

    @Test("showmount's export lines become nfs sources")
    func showmountExports() async throws {
        // The layout of `showmount --no-headers --exports` as libvirt documents it
        // in storage_backend_fs.c (no NFS server runs on this machine).
        let backend = NetfsBackend(
            runner: RecordedCommandRunner([
                "showmount": .init(stdout: "/tmp   *\n/A dir demo1.foo.bar,demo2.foo.bar\n")
            ]))
        var spec = PoolSource()
        spec.hosts = [SourceHost(name: "nas", port: nil)]
        let found = try await backend.findSources(spec)
        #expect(found.map(\.dir) == ["/tmp", "/A dir"])
        #expect(found.allSatisfy { $0.format == "nfs" && $0.hosts.map(\.name) == ["nas"] })
        #expect(
            PoolSourceListXML.format(found, type: .netfs)
                == "<sources>\n  <source>\n    <host name='nas'/>\n    <dir path='/tmp'/>\n    <format type='nfs'/>\n  </source>\n  <source>\n    <host name='nas'/>\n    <dir path='/A dir'/>\n    <format type='nfs'/>\n  </source>\n</sources>\n"
        )
    }
}
