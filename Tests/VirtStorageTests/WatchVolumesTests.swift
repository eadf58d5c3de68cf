import Foundation
import Synchronization
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// A host that watches a dir pool keeps its volumes current without
/// refreshes: files that appear, change and vanish under it show in its
/// listing and are announced as events, and the host's own changes are
/// announced once.
@Suite("watched pools")
struct WatchVolumesTests {
    /// The events a host announces, gathered as they come.
    final class Recorder: Sendable {
        private let seen = Mutex<[StorageEvent]>([])

        static func start(_ host: StorageHost) async -> Recorder {
            let recorder = Recorder()
            let stream = await host.events()
            Task { for await event in stream { recorder.seen.withLock { $0.append(event) } } }
            return recorder
        }

        var events: [StorageEvent] { seen.withLock { $0 } }
    }

    /// Waits up to five seconds for `condition`.
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<500 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    static func capacity(_ host: StorageHost, _ name: String) async throws -> UInt64? {
        try await host.volumes(in: "p").first { $0.name == name }?.definition.capacity
    }

    @Test func filesThatAppearChangeAndVanishShowWithoutARefresh() async throws {
        let (scratch, host, dir) = try await DirVolumeTests.pool("watch-files")
        try Data(repeating: 1, count: 4096).write(to: URL(fileURLWithPath: dir + "/before.img"))
        let recorder = await Recorder.start(host)
        try await host.watchVolumes(in: "p")
        #expect(await host.isWatchingVolumes(in: "p"))
        #expect(try await Self.capacity(host, "before.img") == 4096)

        try Data(repeating: 2, count: 10000).write(to: URL(fileURLWithPath: dir + "/new.img"))
        #expect(try await Self.eventually { try await Self.capacity(host, "new.img") == 10000 })
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/new.img"))
        try handle.seekToEnd()
        handle.write(Data(repeating: 3, count: 10000))
        try handle.close()
        #expect(try await Self.eventually { try await Self.capacity(host, "new.img") == 20000 })
        #expect(rename(dir + "/new.img", dir + "/moved.img") == 0)
        #expect(try await Self.eventually { try await Self.capacity(host, "moved.img") == 20000 })
        #expect(try await Self.capacity(host, "new.img") == nil)
        #expect(unlink(dir + "/before.img") == 0)
        #expect(try await Self.eventually { try await Self.capacity(host, "before.img") == nil })

        let expected: [StorageEvent] = [
            .volume(pool: "p", name: "new.img", change: .created),
            .volume(pool: "p", name: "moved.img", change: .created),
            .volume(pool: "p", name: "new.img", change: .deleted),
            .volume(pool: "p", name: "before.img", change: .deleted),
        ]
        #expect(try await Self.eventually { recorder.events.count >= expected.count })
        // A rename reports both names in one batch: their order there is by name.
        #expect(Set(recorder.events.map(\.description)) == Set(expected.map(\.description)))
        #expect(recorder.events.count == expected.count)
        #expect(recorder.events.first == expected[0])
        #expect(recorder.events.last == expected[3])
        withExtendedLifetime(scratch) {}
    }

    @Test func theHostsOwnChangesAreAnnouncedOnce() async throws {
        let (scratch, host, dir) = try await DirVolumeTests.pool("watch-own-changes")
        try await host.watchVolumes(in: "p")
        let recorder = await Recorder.start(host)
        try await host.createVolume(in: "p", xml: DirVolumeTests.volumeXML("made.img", "65536"))
        try await host.deleteVolume("made.img", in: "p")
        // A marker file: once the watch has seen it, it has seen everything before it.
        try Data(repeating: 1, count: 10).write(to: URL(fileURLWithPath: dir + "/marker"))
        #expect(try await Self.eventually { try await Self.capacity(host, "marker") == 10 })
        #expect(
            recorder.events.filter { $0.pool == "p" && $0 != .volume(pool: "p", name: "marker", change: .created) } == [
                .volume(pool: "p", name: "made.img", change: .created),
                .volume(pool: "p", name: "made.img", change: .deleted),
            ])
        withExtendedLifetime(scratch) {}
    }

    @Test func aStoppedPoolIsNoLongerWatched() async throws {
        let (scratch, host, dir) = try await DirVolumeTests.pool("watch-stop")
        try await host.watchVolumes(in: "p")
        try await host.destroy("p")
        #expect(!(await host.isWatchingVolumes(in: "p")))
        // Started again, the pool is read as ever; a watch is asked for again.
        try Data(repeating: 1, count: 10).write(to: URL(fileURLWithPath: dir + "/later.img"))
        try await host.start("p")
        #expect(try await Self.capacity(host, "later.img") == 10)
        #expect(!(await host.isWatchingVolumes(in: "p")))
        // The directory removed under a watch ends it.
        try await host.watchVolumes(in: "p")
        try FileManager.default.removeItem(atPath: dir)
        #expect(try await Self.eventually { !(await host.isWatchingVolumes(in: "p")) })
        withExtendedLifetime(scratch) {}
    }
}
