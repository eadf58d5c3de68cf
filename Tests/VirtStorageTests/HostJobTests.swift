import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

@Suite("volume events and busy rules")
struct HostJobTests {
    @Test func volumeEventsFollowEachChange() async throws {
        let scratch = Scratch("events")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        try await host.create(
            xml: "<pool type='dir'><name>e</name><target><path>\(scratch.sub("e"))</path></target></pool>",
            build: .normal)
        let stream = await host.events()
        let source = scratch.sub("data")
        _ = FileManager.default.createFile(atPath: source, contents: Data(repeating: 1, count: 4096))
        _ = try await host.createVolume(in: "e", xml: "<volume><name>v</name><capacity>65536</capacity></volume>")
        try await host.resizeVolume("v", in: "e", capacity: 131072)
        try await host.wipeVolume("v", in: "e")
        try await host.uploadVolume("v", in: "e", from: source)
        try await host.deleteVolume("v", in: "e")
        try await host.refresh("e")
        var seen: [StorageEvent] = []
        for await event in stream {
            seen.append(event)
            if seen.count == 7 { break }
        }
        // As libvirt, the end of an upload also announces a pool refresh.
        #expect(
            seen == [
                .volume(pool: "e", name: "v", change: .created), .volume(pool: "e", name: "v", change: .resized),
                .volume(pool: "e", name: "v", change: .wiped), .volume(pool: "e", name: "v", change: .uploaded),
                .pool(name: "e", change: .refreshed), .volume(pool: "e", name: "v", change: .deleted),
                .pool(name: "e", change: .refreshed),
            ])
        withExtendedLifetime(scratch) {}
    }

    @Test func aPoolWithAJobRunningRefusesStopAndRefresh() async throws {
        let scratch = Scratch("busy")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        try await host.create(
            xml: "<pool type='dir'><name>b</name><target><path>\(scratch.sub("b"))</path></target></pool>",
            build: .normal)
        _ = try await host.createVolume(
            in: "b", xml: "<volume><name>big</name><capacity unit='M'>64</capacity></volume>")
        let (started, signal) = AsyncStream<Void>.makeStream()
        let wipe = Task {
            try await host.wipeVolume("big", in: "b", algorithm: .gutmann) { done, _ in
                if done > 0 { signal.yield() }
            }
        }
        var iterator = started.makeAsyncIterator()
        _ = await iterator.next()
        // While the wipe runs: lookups work, changes to the pool and the volume are refused.
        #expect(try await host.volume("big", in: "b").name == "big")
        for attempt in ["destroy", "refresh", "delete", "resize", "wipe", "upload"] {
            let error = await #expect(throws: StorageError.self, "\(attempt) during a wipe") {
                switch attempt {
                case "destroy": try await host.destroy("b")
                case "refresh": try await host.refresh("b")
                case "delete": try await host.deleteVolume("big", in: "b")
                case "resize": try await host.resizeVolume("big", in: "b", capacity: 1 << 27)
                case "wipe": try await host.wipeVolume("big", in: "b")
                default: try await host.uploadVolume("big", in: "b", from: "/dev/null")
                }
            }
            #expect(error?.code == .operationInvalid, "\(attempt): \(String(describing: error))")
        }
        signal.finish()
        try await wipe.value
        try await host.deleteVolume("big", in: "b")
        try await host.destroy("b")
        withExtendedLifetime(scratch) {}
    }
}
