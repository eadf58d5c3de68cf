import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

@Suite("events across processes: the journal in the state directory")
struct EventJournalTests {
    @Test func aSecondHostOnTheSameDirectoriesSeesTheFirstHostsEvents() async throws {
        let scratch = Scratch("journal")
        let directories = StorageHostDirectories.root(scratch.sub("root"))
        // The watcher starts before the host that acts, as pool-event does.
        let watched = StorageHost.watchEvents(directories: directories, pollInterval: .milliseconds(10))
        let host = try await StorageHost(directories: directories)
        try await host.define(xml: HostLifecycleTests.dirPoolXML("j", scratch.sub("pool")))
        try await host.build("j")
        try await host.start("j")
        try await host.createVolume(
            in: "j", xml: "<volume><name>a.img</name><capacity>1048576</capacity></volume>")
        try await host.refresh("j")
        try await host.destroy("j")
        try await host.undefine("j")

        var seen: [StorageEvent] = []
        for await event in watched {
            seen.append(event)
            if seen.count == 7 { break }
        }
        #expect(
            seen == [
                .pool(name: "j", change: .defined), .pool(name: "j", change: .created),
                .pool(name: "j", change: .started), .volume(pool: "j", name: "a.img", change: .created),
                .pool(name: "j", change: .refreshed), .pool(name: "j", change: .stopped),
                .pool(name: "j", change: .undefined),
            ])
    }

    @Test func aWatcherFollowsTheJournalAcrossRotation() async throws {
        let scratch = Scratch("rotate")
        let directories = StorageHostDirectories.root(scratch.sub("root"))
        try FileManager.default.createDirectory(atPath: directories.state, withIntermediateDirectories: true)
        let path = StorageEventJournal.path(directories)
        let reader = StorageEventJournal.Reader(path: path)
        let rotationSize: off_t = 256 << 10
        let writer = StorageEventJournal.Writer(path: path, rotationSize: rotationSize)
        // Enough events to pass the rotation size once, read in two halves.
        let line = StorageEventJournal.encode(.volume(pool: "p", name: "v", change: .resized)).count
        let total = Int(rotationSize) / line + 1000
        var read = 0
        for i in 0..<total {
            writer.append(.volume(pool: "p", name: "v\(i)", change: .resized))
            if i == total / 2 { read += reader.readNew().count }
        }
        let rest = reader.readNew()
        read += rest.count
        #expect(read == total)
        #expect(rest.last == .volume(pool: "p", name: "v\(total - 1)", change: .resized))
        #expect(FileManager.default.fileExists(atPath: path + ".1"))
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? .max
        #expect(size < Int(rotationSize))
    }

    @Test func namesThatNeedQuotingSurviveTheJournal() {
        let odd = StorageEvent.volume(pool: "p \"q\"", name: "a\nb\\c\t", change: .wiped)
        let bytes = StorageEventJournal.encode(odd)
        #expect(bytes.filter { $0 == UInt8(ascii: "\n") }.count == 1)
        #expect(StorageEventJournal.decode(bytes.dropLast()) == odd)
        #expect(StorageEventJournal.decode(Array("{\"pool\":\"x\",\"change\":\"exploded\"}".utf8)) == nil)
    }
}
