import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// The zfs backend against OpenZFS output recorded in a guest
/// (ZFSRecordedOutput): this kernel has no ZFS, so the tests check every
/// command line exactly and parse the tools' scripted output.
@Suite("zfs pools with recorded OpenZFS output")
struct ZFSPoolTests {
    typealias Output = CommandRunner.Output

    static func pool(_ source: String, devices: [String] = []) -> PoolDefinition {
        var poolSource = PoolSource()
        poolSource.name = source
        poolSource.devices = devices.map { SourceDevice(path: $0) }
        var def = PoolDefinition(type: .zfs, name: "zp", source: poolSource)
        def.target.path = "/dev/zvol/" + source
        return def
    }

    static func zfs(_ arguments: String) -> Command {
        Command("zfs", arguments.split(separator: " ").map(String.init))
    }

    static func zpool(_ arguments: String) -> Command {
        Command("zpool", arguments.split(separator: " ").map(String.init))
    }

    static let probe = Command("zfs", ["get"], environment: ["LC_ALL": "C"])

    // MARK: pool

    @Test("check and start look the dataset up with zfs list")
    func checkAndStart() async throws {
        let runner = RecordedCommandRunner(keyed: [
            "zfs list -H -o name tank": ZFSRecording.output("exists"),
            "zfs list -H -o name tank/missing": ZFSRecordedOutput.noDataset,
        ])
        let backend = ZFSBackend(runner: runner, platform: .linux)
        #expect(try await backend.check(Self.pool("tank")))
        #expect(try await !backend.check(Self.pool("tank/missing")))
        try await backend.start(Self.pool("tank"))
        let error = await #expect(throws: StorageError.self) { try await backend.start(Self.pool("tank/missing")) }
        #expect(error?.message.contains("dataset does not exist") == true)
        #expect(
            runner.commands == [
                Self.zfs("list -H -o name tank"), Self.zfs("list -H -o name tank/missing"),
                Self.zfs("list -H -o name tank"), Self.zfs("list -H -o name tank/missing"),
            ])
    }

    @Test("build: zpool create from the source devices, zfs create for a dataset")
    func build() async throws {
        let runner = RecordedCommandRunner(["zpool": Output(), "zfs": Output()])
        let backend = ZFSBackend(runner: runner, platform: .freebsd)
        try await backend.build(Self.pool("tank", devices: ["/dev/ada1", "/dev/ada2"]), mode: .normal)
        try await backend.build(Self.pool("tank", devices: ["/dev/ada1"]), mode: .overwrite)
        try await backend.build(Self.pool("tank", devices: ["/dev/ada1"]), mode: .noOverwrite)
        try await backend.build(Self.pool("tank/vms"), mode: .normal)
        #expect(
            runner.commands == [
                Self.zpool("create tank /dev/ada1 /dev/ada2"), Self.zpool("create -f tank /dev/ada1"),
                Self.zpool("create tank /dev/ada1"), Self.zfs("create -o mountpoint=none tank/vms"),
            ])
        #expect(
            try ZFSBackend.buildCommand(Self.pool("tank", devices: ["/dev/sdb"]), mode: .normal).rendered()
                == "zpool \\\ncreate \\\ntank \\\n/dev/sdb")

        let noDevices = await #expect(throws: StorageError.self) {
            try await backend.build(Self.pool("tank"), mode: .normal)
        }
        #expect(noDevices?.message == "missing source devices")
        let repair = await #expect(throws: StorageError.self) {
            try await backend.build(Self.pool("tank", devices: ["/dev/ada1"]), mode: .repair)
        }
        #expect(repair?.code == .operationUnsupported)
        #expect(runner.commands.count == 4)
    }

    @Test("libvirt's pool-zfs-sourcedev.xml: zpool create of its device, zvols under /dev/zvol/testpool")
    func libvirtCorpusPool() async throws {
        let def = try PoolXML.parse(try Corpus.read("storagepoolxml2xmlin/pool-zfs-sourcedev.xml"))
        #expect(try ZFSBackend.buildCommand(def, mode: .normal) == Self.zpool("create testpool /dev/ada1"))
        #expect(def.target.path == "/dev/zvol/testpool")
        var vol = Self.volume("vol5", capacity: 1 << 30)
        try ZFSBackend(runner: RecordedCommandRunner([:]), platform: .freebsd).prepareVolume(&vol, in: def)
        #expect(vol.key == "/dev/zvol/testpool/vol5" && vol.target.path == vol.key)
    }

    @Test("delete: zpool destroy, or zfs destroy -r of a dataset")
    func deletePool() async throws {
        let runner = RecordedCommandRunner(["zpool": Output(), "zfs": Output()])
        let backend = ZFSBackend(runner: runner, platform: .linux)
        try await backend.delete(Self.pool("tank"), zeroed: false)
        try await backend.delete(Self.pool("tank/vms/lab"), zeroed: false)
        #expect(runner.commands == [Self.zpool("destroy tank"), Self.zfs("destroy -r tank/vms/lab")])
    }

    @Test("refresh: zpool sizes and every zvol with volsize and refreservation")
    func refresh() async throws {
        let runner = RecordedCommandRunner(keyed: [
            "zpool get": ZFSRecordedOutput.poolProperties,
            "zfs list -Hp -t volume -r": ZFSRecordedOutput.volumes,
        ])
        let (sizes, volumes) = try await ZFSBackend(runner: runner, platform: .linux).refresh(Self.pool("tank"))
        #expect(
            runner.commands == [
                Self.zpool("get -Hp health,size,free,allocated tank"),
                Self.zfs("list -Hp -t volume -r -o name,volsize,refreservation tank"),
            ])
        #expect(sizes == PoolSizes(capacity: 503_316_480, allocation: 1_372_672, available: 501_943_808))
        #expect(volumes.map(\.name) == ["backup/vol1", "backup/vol2", "clone1", "new", "vol1"])
        #expect(volumes.map(\.capacity) == [67_108_864, 67_108_864, 67_108_864, 10_485_760, 134_217_728])
        #expect(volumes.map(\.allocation) == [0, 0, 0, 1_048_576, 140_509_184])
        #expect(volumes.allSatisfy { $0.type == .block && $0.key == $0.target.path })
        #expect(
            volumes.map(\.target.path) == [
                "/dev/zvol/tank/backup/vol1", "/dev/zvol/tank/backup/vol2", "/dev/zvol/tank/clone1",
                "/dev/zvol/tank/new", "/dev/zvol/tank/vol1",
            ])
        #expect(
            VolumeXML.format(volumes[3], poolType: .zfs)
                == """
                <volume type='block'>
                  <name>new</name>
                  <key>/dev/zvol/tank/new</key>
                  <capacity unit='bytes'>10485760</capacity>
                  <allocation unit='bytes'>1048576</allocation>
                  <target>
                    <path>/dev/zvol/tank/new</path>
                  </target>
                </volume>

                """)
    }

    @Test("a dataset source: sizes of its zpool, zvols named below the dataset")
    func refreshDataset() async throws {
        let runner = RecordedCommandRunner(keyed: [
            "zpool get": ZFSRecordedOutput.poolProperties,
            "zfs list -Hp -t volume -r": ZFSRecordedOutput.datasetVolumes,
        ])
        let (sizes, volumes) = try await ZFSBackend(runner: runner, platform: .freebsd).refresh(
            Self.pool("tank/backup"))
        #expect(runner.commands.map(\.arguments.last) == ["tank", "tank/backup"])
        #expect(sizes.capacity == 503_316_480)
        #expect(volumes.map(\.name) == ["vol1"])
        #expect(volumes.map(\.target.path) == ["/dev/zvol/tank/backup/vol1"])
    }

    @Test("a zpool that is not ONLINE or DEGRADED fails the refresh")
    func faultedPool() async throws {
        let runner = RecordedCommandRunner(keyed: ["zpool get": ZFSRecordedOutput.faultedPoolProperties])
        let error = await #expect(throws: StorageError.self) {
            _ = try await ZFSBackend(runner: runner, platform: .linux).refresh(Self.pool("tank"))
        }
        #expect(error?.message == "zpool 'tank' is FAULTED, not ONLINE")
        #expect(runner.commands.count == 1)
    }

    @Test("malformed numbers are refused, not read as zero")
    func malformedOutput() throws {
        #expect(throws: StorageError.self) { try ZFSOutput.volumes("tank/v\t10G\t0\n") }
        #expect(throws: StorageError.self) { try ZFSOutput.volumes("tank/v\t10\n") }
        #expect(throws: StorageError.self) { try ZFSOutput.poolProperties("tank\tsize\t250M\t-\n", zpool: "tank") }
        #expect(try ZFSOutput.volumes("") == [])
    }

    // MARK: volumes

    static func volume(_ name: String, capacity: UInt64, allocation: UInt64? = nil) -> VolumeDefinition {
        var vol = VolumeDefinition(name: name, capacity: capacity)
        if let allocation { vol.allocation = allocation }
        return vol
    }

    @Test(
        "create: volmode=dev where zfs get lists it, sparse below capacity",
        arguments: [
            (Platform.linux, true), (.linux, false), (.freebsd, true), (.freebsd, false), (.other, true),
        ])
    func createVolume(platform: Platform, volmode: Bool) async throws {
        let runner = RecordedCommandRunner(keyed: [
            "zfs get": ZFSRecordedOutput.zfsGetUsage(volmode: volmode),
            "zfs create": Output(),
            "zfs list -Hp -t volume -o name,volsize,refreservation tank/new": ZFSRecordedOutput.newVolume,
            "udevadm settle": Output(),
        ])
        let backend = ZFSBackend(runner: runner, platform: platform)
        let pool = Self.pool("tank")
        var vol = Self.volume("new", capacity: 10 << 20, allocation: 1 << 20)
        try backend.prepareVolume(&vol, in: pool)
        #expect(vol.type == .block)
        #expect(vol.key == "/dev/zvol/tank/new" && vol.target.path == "/dev/zvol/tank/new")
        try await backend.buildVolume(
            vol, from: nil, in: pool, options: VolumeBuildOptions(), secrets: VolumeSecrets(), progress: nil)
        let fresh = try await backend.refreshVolume(vol, in: pool)
        #expect(fresh.capacity == 10_485_760 && fresh.allocation == 1_048_576)
        #expect(fresh.key == vol.key && fresh.target.path == vol.target.path)

        let probing = platform != .other
        let withVolmode = probing && volmode
        var expected: [Command] = probing ? [Self.probe] : []
        expected.append(
            Self.zfs(
                (withVolmode ? "create -o volmode=dev" : "create") + " -s -o refreservation=1024K -V 10240K tank/new"))
        if platform == .linux { expected.append(Command("udevadm", ["settle"])) }
        expected.append(Self.zfs("list -Hp -t volume -o name,volsize,refreservation tank/new"))
        #expect(runner.commands == expected)
    }

    @Test("zvol sizes: full, sparse without reservation, KiB rounded up")
    func createCommands() {
        let full = ZFSBackend.createVolumeCommand(
            Self.volume("a", capacity: 5 << 30), dataset: "tank/a", volmode: false)
        #expect(full == Self.zfs("create -V 5242880K tank/a"))
        let sparse = ZFSBackend.createVolumeCommand(
            Self.volume("b", capacity: 1 << 30, allocation: 0), dataset: "tank/b", volmode: true)
        #expect(sparse == Self.zfs("create -o volmode=dev -s -V 1048576K tank/b"))
        let odd = ZFSBackend.createVolumeCommand(
            Self.volume("c", capacity: 1025, allocation: 1), dataset: "tank/c", volmode: false)
        #expect(odd == Self.zfs("create -s -o refreservation=1K -V 2K tank/c"))
        #expect(
            sparse.rendered() == "zfs \\\ncreate \\\n-o volmode=dev \\\n-s \\\n-V 1048576K \\\ntank/b")
    }

    @Test("the volmode probe reads zfs get's property table")
    func volmodeProbe() async throws {
        #expect(ZFSBackend.listsVolmode(ZFSRecordedOutput.zfsGetUsage(volmode: true).stderr))
        #expect(!ZFSBackend.listsVolmode(ZFSRecordedOutput.zfsGetUsage(volmode: false).stderr))
        // zfs get exiting with anything but its usage status is an error, as in libvirt (written, not recorded).
        let runner = RecordedCommandRunner(keyed: ["zfs get": Output(status: 1, stderr: "no such command")])
        let error = await #expect(throws: StorageError.self) {
            _ = try await ZFSBackend(runner: runner, platform: .freebsd).volmodeSupported()
        }
        #expect(error?.message.contains("no such command") == true)
    }

    @Test("names: nested allowed, snapshot and odd characters refused, no encryption")
    func names() throws {
        let backend = ZFSBackend(runner: RecordedCommandRunner([:]), platform: .linux)
        let pool = Self.pool("tank/vms")
        var nested = Self.volume("win/disk0", capacity: 1 << 20)
        try backend.prepareVolume(&nested, in: pool)
        #expect(nested.target.path == "/dev/zvol/tank/vms/win/disk0")
        for bad in ["", "a@b", "a#b", "/a", "a/", "a//b", "../x", "a/./b", "a%b", "a\nb", "tab\there"] {
            var vol = Self.volume(bad, capacity: 1 << 20)
            #expect(throws: StorageError.self, "\(bad)") { try backend.prepareVolume(&vol, in: pool) }
        }
        var encrypted = Self.volume("e", capacity: 1 << 20)
        encrypted.target.encryption = VolumeEncryption(format: "luks")
        let error = #expect(throws: StorageError.self) { try backend.prepareVolume(&encrypted, in: pool) }
        #expect(error?.message == "storage pool does not support encrypted volumes")
    }

    @Test("delete, resize and a missing volume")
    func changeVolumes() async throws {
        let runner = RecordedCommandRunner(keyed: [
            "zfs destroy": Output(), "zfs set": Output(),
            "zfs list": ZFSRecording.output("list-one-missing"),
        ])
        let backend = ZFSBackend(runner: runner, platform: .linux)
        let pool = Self.pool("tank")
        let vol = Self.volume("vol1", capacity: 5 << 30)
        try await backend.deleteVolume(vol, in: pool)
        try await backend.resizeVolume(vol, to: (6 << 30) + 1, options: [], in: pool)
        try await backend.resizeVolume(vol, to: 8 << 30, options: [.allocate], in: pool)
        #expect(
            runner.commands == [
                Self.zfs("destroy -r tank/vol1"), Self.zfs("set volsize=6291457K tank/vol1"),
                Self.zfs("set volsize=8388608K tank/vol1"), Self.zfs("set refreservation=auto tank/vol1"),
            ])
        let missing = await #expect(throws: StorageError.self) {
            _ = try await backend.refreshVolume(Self.volume("missing", capacity: 1), in: pool)
        }
        #expect(runner.lines.last == ZFSRecording.line("list-one-missing"))
        #expect(missing?.code == .noSuchVolume)
        #expect(missing?.message == "no storage vol with matching name 'missing'")
        #expect(missing?.hint?.contains("dataset does not exist") == true)
    }

    // MARK: snapshots

    @Test("snapshots: create, list, roll back, delete, clone")
    func snapshots() async throws {
        let runner = RecordedCommandRunner(keyed: [
            "zfs get": ZFSRecordedOutput.zfsGetUsage(volmode: true),
            "zfs snapshot": Output(), "zfs rollback": Output(), "zfs destroy": Output(), "zfs clone": Output(),
            "zfs list -Hp -t snapshot": ZFSRecordedOutput.snapshots,
            "zfs list -Hp -t volume -o name,volsize,refreservation tank/clone1": ZFSRecordedOutput.clonedVolume,
        ])
        let backend = ZFSBackend(runner: runner, platform: .freebsd)
        let pool = Self.pool("tank")
        let vol = Self.volume("vol1", capacity: 5 << 30)

        try await backend.createSnapshot("s2", description: nil, of: vol, in: pool)
        let listed = try await backend.zfsSnapshots(of: vol, in: pool)
        #expect(
            listed == [
                ZFSSnapshot(dataset: "tank/vol1", name: "s1", used: 15_360, referenced: 211_968, creation: 1_796_581_386),
                ZFSSnapshot(dataset: "tank/vol1", name: "s2", used: 0, referenced: 278_528, creation: 1_796_581_387),
            ])
        #expect(listed.map(\.fullName) == ["tank/vol1@s1", "tank/vol1@s2"])
        try await backend.rollback(volume: vol, to: "s2", in: pool)
        try await backend.rollback(volume: vol, to: "s1", in: pool, destroyingNewer: true)
        try await backend.deleteSnapshot("s2", of: vol, in: pool)
        let copy = try await backend.clone(volume: vol, snapshot: "s1", to: "clone1", in: pool)
        #expect(copy.name == "clone1" && copy.capacity == 64 << 20 && copy.allocation == 0)
        #expect(copy.target.path == "/dev/zvol/tank/clone1" && copy.type == .block)

        #expect(
            runner.lines == [
                ZFSRecording.line("snapshot-s2"), ZFSRecording.line("list-snapshots"),
                "zfs rollback tank/vol1@s2", "zfs rollback -r tank/vol1@s1", "zfs destroy tank/vol1@s2",
                ZFSRecording.line("get-usage"), ZFSRecording.line("clone-s1"), ZFSRecording.line("list-clone"),
            ])

        for bad in ["", "a@b", "a/b", "x#y"] {
            await #expect(throws: StorageError.self, "\(bad)") {
                try await backend.createSnapshot(bad, description: nil, of: vol, in: pool)
            }
        }
        #expect(runner.commands.count == 8, "a bad snapshot name runs nothing")
        // The host's view of the same recorded list: creation times and the bytes each holds.
        let common = try await backend.snapshots(of: vol, in: pool)
        #expect(common.map(\.name) == ["s1", "s2"])
        #expect(common.map(\.size) == [15_360, 0])
        #expect(common.map { $0.created?.timeIntervalSince1970 } == [1_796_581_386, 1_796_581_387])
    }

    @Test("a failing zfs command reports zfs's own message")
    func failures() async throws {
        let runner = RecordedCommandRunner(keyed: [
            "zfs destroy": ZFSRecording.output("destroy-cloned-snapshot"),
            "zfs rollback": ZFSRecording.output("rollback-older"),
        ])
        let backend = ZFSBackend(runner: runner, platform: .linux)
        let error = await #expect(throws: StorageError.self) {
            try await backend.deleteSnapshot("s1", of: Self.volume("vol1", capacity: 1), in: Self.pool("tank"))
        }
        #expect(error?.code == .internalError)
        #expect(error?.message.contains("snapshot has dependent clones") == true)
        let newer = await #expect(throws: StorageError.self) {
            try await backend.revertSnapshot("s1", of: Self.volume("vol1", capacity: 1), in: Self.pool("tank"))
        }
        #expect(newer?.message.contains("more recent snapshots or bookmarks exist") == true)
        #expect(runner.lines == [ZFSRecording.line("destroy-cloned-snapshot"), ZFSRecording.line("rollback-older")])
    }

    // MARK: data through the device

    @Test("wipe, upload and download go through the zvol device's link")
    func deviceIO() async throws {
        let scratch = Scratch("zfs-dev")
        // A stand-in for /dev/zvol/tank/vol1 -> ../../zd0: a link to a 1 MiB file.
        let device = scratch.sub("zd0")
        #expect(FileManager.default.createFile(atPath: device, contents: Data(repeating: 0xAB, count: 1 << 20)))
        try FileManager.default.createDirectory(atPath: scratch.sub("zvol/tank"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: scratch.sub("zvol/tank/vol1"), withDestinationPath: device)
        var pool = Self.pool("tank")
        pool.target.path = scratch.sub("zvol/tank")
        let backend = ZFSBackend(runner: RecordedCommandRunner([:]), platform: .linux)
        var vol = Self.volume("vol1", capacity: 1 << 20)
        try backend.prepareVolume(&vol, in: pool)

        try await backend.wipeVolume(vol, algorithm: .zero, in: pool, progress: nil)
        #expect(try Data(contentsOf: URL(fileURLWithPath: device)) == Data(count: 1 << 20))

        let input = scratch.sub("in.bin")
        #expect(FileManager.default.createFile(atPath: input, contents: Data("hello zvol".utf8)))
        try await backend.uploadVolume(
            vol, from: input, offset: 4096, length: nil, sparse: false, in: pool, progress: nil)
        let output = scratch.sub("out.bin")
        try await backend.downloadVolume(
            vol, to: output, offset: 4096, length: 10, sparse: false, in: pool, progress: nil)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "hello zvol")
        try await backend.downloadVolume(
            vol, to: output, offset: 0, length: nil, sparse: false, in: pool, progress: nil)
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)).count == 1 << 20)

        let tooBig = await #expect(throws: StorageError.self) {
            try await backend.uploadVolume(
                vol, from: input, offset: (1 << 20) - 4, length: nil, sparse: false, in: pool, progress: nil)
        }
        #expect(tooBig?.message.contains("does not fit") == true)
        var gone = Self.volume("gone", capacity: 1)
        try backend.prepareVolume(&gone, in: pool)
        await #expect(throws: StorageError.self) {
            try await backend.wipeVolume(gone, algorithm: .zero, in: pool, progress: nil)
        }
    }

    // MARK: through the host

    @Test("a host runs a zfs pool: define, start, list, create, delete")
    func host() async throws {
        let scratch = Scratch("zfs-host")
        let runner = RecordedCommandRunner(keyed: [
            "zfs list -H -o name tank": ZFSRecording.output("exists"),
            "zpool get": ZFSRecordedOutput.poolProperties,
            "zfs list -Hp -t volume -r": ZFSRecording.output("list-volumes"),
            "zfs get": ZFSRecordedOutput.zfsGetUsage(volmode: true),
            "zfs create": Output(), "zfs destroy": Output(), "udevadm": Output(),
            "zfs list -Hp -t volume -o name,volsize,refreservation tank/new": ZFSRecordedOutput.newVolume,
        ])
        var registry = BackendRegistry.builtIn
        registry.register(ZFSBackend(runner: runner, platform: .linux))
        let host = try await StorageHost(directories: .root(scratch.sub("root")), backends: registry)
        try await host.define(
            xml: "<pool type='zfs'><name>zp</name><source><name>tank</name></source></pool>")
        try await host.start("zp")
        let pool = try await host.pool(named: "zp")
        #expect(pool.capacity == 503_316_480 && pool.available == 501_943_808)
        #expect(try await host.volumes(in: "zp").map(\.name) == ["vol1"])
        let xml = try await host.xml("zp")
        #expect(xml.contains("<path>/dev/zvol/tank</path>"))

        let created = try await host.createVolume(
            in: "zp",
            xml:
                "<volume><name>new</name><capacity unit='M'>10</capacity><allocation unit='M'>1</allocation></volume>")
        #expect(created.definition.key == "/dev/zvol/tank/new")
        #expect(created.definition.allocation == 1 << 20)
        #expect(
            runner.commands.contains(Self.zfs("create -o volmode=dev -s -o refreservation=1024K -V 10240K tank/new")))
        #expect(try await host.volume(key: "/dev/zvol/tank/vol1").name == "vol1")
        try await host.deleteVolume("vol1", in: "zp")
        #expect(runner.lines.last == ZFSRecording.line("destroy-vol1"))

        // A new host on the same directories finds the dataset with zfs list and restores the pool.
        let restarted = try await StorageHost(directories: .root(scratch.sub("root")), backends: registry)
        #expect(try await restarted.pool(named: "zp").isActive)
        try await restarted.destroy("zp")
        #expect(try await !restarted.pool(named: "zp").isActive)
    }
}
