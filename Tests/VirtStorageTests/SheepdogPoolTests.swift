import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// The sheepdog backend against recorded `dog` output: no sheepdog cluster
/// runs here, so the tests check every command line exactly and parse the
/// raw (`-r`) output that libvirt recorded from real clusters.
///
/// Fixtures: libvirt's tests/storagebackendsheepdogtest.c (node_info_tests and
/// vdi_list_tests) and the example output in the comments of
/// src/storage/storage_backend_sheepdog.c, both removed with the backend in
/// libvirt 8.8.
enum SheepdogRecordedOutput {
    /// `dog node info -r`, storage_backend_sheepdog.c's example: one node and the Total line.
    static let nodeInfo = "0 15245667872 117571104 0%\nTotal 15245667872 117571104 0% 20972341\n"
    /// storagebackendsheepdogtest.c: the Total line alone.
    static let nodeInfoTotal = "Total 15245667872 117571104 0% 20972341\n"
    /// `dog vdi list -r`, storage_backend_sheepdog.c's example: two snapshots and the current VDI.
    static let vdiList =
        "s test 1 10 0 0 1336556634 7c2b25\ns test 2 10 0 0 1336557203 7c2b26\n= test 3 10 0 0 1336557216 7c2b27\n"
    /// storagebackendsheepdogtest.c's vdi_list_tests.
    static let current = "= test 3 10 20 0 1336557216 7c2b27\n"
    static let withSpaces = "= test\\ with\\ spaces 3 10 20 0 1336557216 7c2b27\n"
    static let backslashAtTheEnd = "= backslashattheend\\\\ 3 10 20 0 1336557216 7c2b27\n"
    static let snapshotThenCurrent = "s test 1 10 20 0 1336556634 7c2b25\n= test 3 50 60 0 1336557216 7c2b27\n"
}

@Suite("sheepdog pools: recorded dog output, no live cluster")
struct SheepdogPoolTests {
    typealias Output = CommandRunner.Output
    typealias Recorded = SheepdogRecordedOutput

    static func pool(host: String? = "sheep1", port: Int? = 7001) -> PoolDefinition {
        var source = PoolSource()
        source.name = "sheep"
        if let host { source.hosts = [SourceHost(name: host, port: port)] }
        return PoolDefinition(type: .sheepdog, name: "sheeppool", source: source)
    }

    static func dog(_ arguments: String) -> Command {
        Command("dog", arguments.split(separator: " ").map(String.init))
    }

    // MARK: parsing

    @Test("node info: the Total line gives capacity and allocation")
    func nodeInfo() throws {
        let sizes = try SheepdogOutput.nodeInfo(Recorded.nodeInfo)
        #expect(sizes == PoolSizes(capacity: 15_245_667_872, allocation: 117_571_104, available: 15_128_096_768))
        #expect(try SheepdogOutput.nodeInfo(Recorded.nodeInfoTotal) == sizes)
        // libvirt's edge cases that it accepts.
        for text in ["Total 1 2\n", "Total 1 2 \n", "stuff\nTotal 1 2 \n", "0 1 2 3\nTotal 1 2 \n"] {
            #expect(try SheepdogOutput.nodeInfo(text) == PoolSizes(capacity: 1, allocation: 2, available: 0))
        }
        // and those it refuses.
        for text in [
            "", "To", "asdf\nasdf", "Total ", "Total 1", "Total 1\n", "Total 1 ", "Total a 2 \n",
            "Total 1 b \n", "Total a b \n",
        ] {
            #expect(throws: StorageError.self, "\(text)") { try SheepdogOutput.nodeInfo(text) }
        }
    }

    @Test("vdi list: current VDIs, escaped names, snapshots told apart")
    func vdiList() throws {
        let vdis = try SheepdogOutput.vdiList(Recorded.vdiList)
        #expect(vdis.map(\.kind) == ["s", "s", "="])
        #expect(vdis.filter(\.isVolume).map(\.snapshotID) == [3])
        #expect(
            try SheepdogOutput.vdiList(Recorded.current) == [
                .init(kind: "=", name: "test", snapshotID: 3, size: 10, used: 20)
            ])
        #expect(try SheepdogOutput.vdiList(Recorded.withSpaces).map(\.name) == ["test with spaces"])
        #expect(try SheepdogOutput.vdiList(Recorded.backslashAtTheEnd).map(\.name) == ["backslashattheend\\"])
        let current = try SheepdogOutput.vdiList(Recorded.snapshotThenCurrent).filter(\.isVolume)
        #expect(current.map(\.size) == [50] && current.map(\.used) == [60])
        #expect(try SheepdogOutput.vdiList("") == [])
        for text in ["=", "= test", "= test ", "= test 1", "= test 1 ", "= test 1 2", "= test 1 2 "] {
            #expect(throws: StorageError.self, "\(text)") { try SheepdogOutput.vdiList(text) }
        }
    }

    // MARK: command lines

    @Test("every command goes to the first host, localhost:7000 by default")
    func commandLines() {
        let pool = Self.pool()
        #expect(SheepdogBackend.nodeInfoCommand(pool) == Self.dog("node info -r -a sheep1 -p 7001"))
        #expect(SheepdogBackend.listCommand(pool) == Self.dog("vdi list -r -a sheep1 -p 7001"))
        #expect(SheepdogBackend.listCommand("v1", pool) == Self.dog("vdi list v1 -r -a sheep1 -p 7001"))
        #expect(
            SheepdogBackend.createCommand("v1", capacity: 1 << 30, pool)
                == Self.dog("vdi create v1 1073741824 -a sheep1 -p 7001"))
        #expect(SheepdogBackend.deleteCommand("v1", pool) == Self.dog("vdi delete v1 -a sheep1 -p 7001"))
        #expect(
            SheepdogBackend.resizeCommand("v1", capacity: 2 << 30, pool)
                == Self.dog("vdi resize v1 2147483648 -a sheep1 -p 7001"))
        #expect(
            SheepdogBackend.snapshotCommand("v1", tag: "t", pool) == Self.dog("vdi snapshot -s t v1 -a sheep1 -p 7001"))
        #expect(
            SheepdogBackend.cloneCommand("v1", tag: "t", to: "v2", pool)
                == Self.dog("vdi clone -s t v1 v2 -a sheep1 -p 7001"))
        #expect(SheepdogBackend.nodeInfoCommand(Self.pool(host: nil)) == Self.dog("node info -r -a localhost -p 7000"))
        #expect(SheepdogBackend.nodeInfoCommand(Self.pool(port: nil)) == Self.dog("node info -r -a sheep1 -p 7000"))
    }

    // MARK: through the backend

    @Test("refresh: pool sizes from node info, volumes from the current VDIs")
    func refresh() async throws {
        let runner = RecordedCommandRunner(keyed: [
            "dog node info -r": Output(stdout: Recorded.nodeInfo),
            "dog vdi list -r": Output(stdout: Recorded.vdiList + Recorded.withSpaces),
        ])
        let (sizes, volumes) = try await SheepdogBackend(runner: runner).refresh(Self.pool())
        #expect(sizes.capacity == 15_245_667_872 && sizes.allocation == 117_571_104)
        #expect(volumes.map(\.name) == ["test", "test with spaces"])
        #expect(volumes.map(\.key) == ["sheep/test", "sheep/test with spaces"])
        #expect(volumes.map(\.target.path) == ["sheepdog:test", "sheepdog:test with spaces"])
        #expect(volumes.allSatisfy { $0.type == .network })
        #expect(volumes.map(\.capacity) == [10, 10] && volumes.map(\.allocation) == [0, 20])
        #expect(
            runner.commands == [Self.dog("node info -r -a sheep1 -p 7001"), Self.dog("vdi list -r -a sheep1 -p 7001")])
    }

    @Test("a failing dog is an error with its message")
    func failure() async throws {
        let runner = RecordedCommandRunner(keyed: [
            "dog node info -r": RecordedCommandRunner.fail(1, "failed to connect to sheep1:7001: Connection refused")
        ])
        let error = await #expect(throws: StorageError.self) {
            try await SheepdogBackend(runner: runner).refresh(Self.pool())
        }
        #expect(error?.message.contains("Connection refused") == true)
    }

    @Test("create, clone, refresh, resize and delete a volume")
    func volumes() async throws {
        let runner = RecordedCommandRunner(
            keyed: [
                "dog vdi list test -r": Output(stdout: Recorded.snapshotThenCurrent),
                "dog vdi list gone -r": RecordedCommandRunner.fail(1, "Failed to find the vdi gone"),
            ], ["dog": Output()])
        let backend = SheepdogBackend(runner: runner)
        let pool = Self.pool()
        var vol = VolumeDefinition(name: "v1", capacity: 1 << 30)
        try backend.prepareVolume(&vol, in: pool)
        #expect(vol.key == "sheep/v1" && vol.target.path == "sheepdog:v1" && vol.type == .network)
        try await backend.buildVolume(
            vol, from: nil, in: pool, options: VolumeBuildOptions(), secrets: VolumeSecrets(), progress: nil)
        var copy = VolumeDefinition(name: "v2", capacity: 2 << 30)
        try backend.prepareVolume(&copy, in: pool)
        try await backend.buildVolume(
            copy, from: vol, in: pool, options: VolumeBuildOptions(), secrets: VolumeSecrets(), progress: nil)
        try await backend.resizeVolume(vol, to: 4 << 30, options: [], in: pool)
        try await backend.deleteVolume(vol, in: pool)
        #expect(
            runner.commands == [
                Self.dog("vdi create v1 1073741824 -a sheep1 -p 7001"),
                Self.dog("vdi snapshot -s virtstorage-clone-v2 v1 -a sheep1 -p 7001"),
                Self.dog("vdi clone -s virtstorage-clone-v2 v1 v2 -a sheep1 -p 7001"),
                Self.dog("vdi resize v2 2147483648 -a sheep1 -p 7001"),
                Self.dog("vdi resize v1 4294967296 -a sheep1 -p 7001"),
                Self.dog("vdi delete v1 -a sheep1 -p 7001"),
            ])

        let fresh = try await backend.refreshVolume(VolumeDefinition(name: "test"), in: pool)
        #expect(fresh.capacity == 50 && fresh.allocation == 60 && fresh.key == "sheep/test")
        await #expect(throws: StorageError.self) {
            try await backend.refreshVolume(VolumeDefinition(name: "gone"), in: pool)
        }

        // No capacity, a name with '/', shrinking and --allocate are refused before dog runs.
        let before = runner.commands.count
        await #expect(throws: StorageError.self) {
            try await backend.buildVolume(
                VolumeDefinition(name: "empty"), from: nil, in: pool, options: VolumeBuildOptions(),
                secrets: VolumeSecrets(), progress: nil)
        }
        var bad = VolumeDefinition(name: "a/b", capacity: 1)
        #expect(throws: StorageError.self) { try backend.prepareVolume(&bad, in: pool) }
        await #expect(throws: StorageError.self) { try await backend.resizeVolume(vol, to: 1, options: [], in: pool) }
        await #expect(throws: StorageError.self) {
            try await backend.resizeVolume(vol, to: 8 << 30, options: .allocate, in: pool)
        }
        #expect(runner.commands.count == before)
    }

    // MARK: through the host

    @Test("a host runs a sheepdog pool: define, start, list, create, delete")
    func host() async throws {
        let scratch = Scratch("sheepdog-host")
        let runner = RecordedCommandRunner(keyed: [
            "dog node info -r": Output(stdout: Recorded.nodeInfo),
            "dog vdi list -r": Output(stdout: Recorded.vdiList),
            // The recorded current-VDI line with its name and size changed to the new volume's.
            "dog vdi list new -r": Output(stdout: "= new 3 10485760 0 0 1336557216 7c2b27\n"),
            "dog vdi create": Output(), "dog vdi delete": Output(),
        ])
        var registry = BackendRegistry.builtIn
        registry.register(SheepdogBackend(runner: runner))
        let host = try await StorageHost(directories: .root(scratch.sub("root")), backends: registry)
        // libvirt's storage documentation's example sheepdog pool.
        try await host.define(
            xml: """
                <pool type="sheepdog">
                  <name>mysheeppool</name>
                  <source>
                    <name>mysheeppool</name>
                    <host name='localhost' port='7000'/>
                  </source>
                </pool>
                """)
        try await host.start("mysheeppool")
        let pool = try await host.pool(named: "mysheeppool")
        #expect(pool.capacity == 15_245_667_872 && pool.available == 15_128_096_768)
        #expect(try await host.volumes(in: "mysheeppool").map(\.name) == ["test"])

        let created = try await host.createVolume(
            in: "mysheeppool", xml: "<volume><name>new</name><capacity unit='M'>10</capacity></volume>")
        #expect(created.definition.key == "mysheeppool/new")
        #expect(created.definition.target.path == "sheepdog:new")
        #expect(runner.commands.contains(Self.dog("vdi create new 10485760 -a localhost -p 7000")))
        try await host.deleteVolume("test", in: "mysheeppool")
        #expect(runner.commands.last == Self.dog("vdi delete test -a localhost -p 7000"))
        #expect(try await host.volumes(in: "mysheeppool").map(\.name) == ["new"])
    }
}
