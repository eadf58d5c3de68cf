import Foundation
import Synchronization
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// Opening a host reads the state earlier processes left and checks or
/// refreshes nothing: a call touches the pools it names. The zfs pool runs
/// recorded zfs tools (this kernel has no ZFS); every command it is asked is
/// counted.
@Suite("a call touches only the pools it names")
struct OnlyWhatItNamesTests {
    @Test func callsOnADirPoolRunNoZFSTool() async throws {
        let scratch = Scratch("only-named")
        let dirs = StorageHostDirectories.root(scratch.sub("root"))
        let runner = RecordedCommandRunner(keyed: ["zfs list -H -o name tank": .init(stdout: "tank\n")], ["zfs": .init()])
        var backends = BackendRegistry.builtIn
        backends.register(ZFSBackend(runner: runner, platform: .linux))

        // An earlier process started a dir pool with a volume, and a zfs pool.
        do {
            let first = try await StorageHost(directories: dirs, backends: backends)
            try await first.define(PoolDefinition(type: .dir, name: "d", target: PoolTarget(path: scratch.sub("d"))))
            try await first.start("d", build: .normal)
            try await first.createVolume(VolumeDefinition(name: "a.raw", capacity: 1 << 20), in: "d")
            var zfs = ZFSPoolTests.pool("tank")
            zfs.capacity = 1 << 30
            try PoolFiles.atomicWrite(PoolFiles.stateXML(zfs), to: dirs.state + "/zp.xml")
            await first.shutdown()
        }
        #expect(runner.commands.isEmpty)

        let host = try await StorageHost(directories: dirs, backends: backends)
        let info = try await host.pool(named: "d")
        #expect(info.isActive && info.capacity > 0, "sizes come from the state the last process left")
        #expect(info.volumeCount == nil, "not read yet")
        #expect(try await host.pool(named: "zp").capacity == 1 << 30)
        #expect(await host.pools().count == 2)
        // Calls that name one volume read that one file, never the directory's listing.
        let listings = Mutex(0)
        try await SystemCalls.withHook(under: scratch.sub("d"), { call in
            if call.name == "opendir" { listings.withLock { $0 += 1 } }
            return nil
        }) {
            #expect(try await host.volume("a.raw", in: "d").capacity == 1 << 20)
            #expect(try await host.volume(path: scratch.sub("d/a.raw")).name == "a.raw")
            #expect(try await host.volume(key: scratch.sub("d/a.raw")).name == "a.raw")
            try await host.createVolume(VolumeDefinition(name: "b.raw", capacity: 1 << 20), in: "d")
            await #expect(throws: StorageError.self) {
                try await host.createVolume(VolumeDefinition(name: "a.raw", capacity: 1 << 20), in: "d")
            }
            try await host.deleteVolume("b.raw", in: "d")
            let missing = await #expect(throws: StorageError.self) { try await host.volume("b.raw", in: "d") }
            #expect(missing?.message == "no storage vol with matching path 'b.raw'")
        }
        #expect(listings.withLock { $0 } == 0, "no listing of the pool's directory")
        #expect(try await host.pool(named: "d").volumeCount == nil, "still not listed")
        #expect(try await host.volumes(in: "d").map(\.name) == ["a.raw"])
        #expect(try await host.pool(named: "d").volumeCount == 1)
        #expect(runner.commands.isEmpty, "\(runner.lines)")

        // Naming the zfs pool reads it: check first (zfs list), as a
        // restarted libvirtd would, then refresh.
        _ = try? await host.volumes(in: "zp")
        #expect(runner.lines.first == "zfs list -H -o name tank")
    }
}
