import Foundation
import Synchronization
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// A refresh of a file pool keeps what the last one found for the files that
/// did not change, and reads the others: after random changes its result is
/// a full refresh's, and with nothing changed it opens no file, in the
/// process that refreshed last or in a new one (the saved volume table).
@Suite("refreshes that follow what changed")
struct IncrementalRefreshTests {
    /// A dir pool "p" of sparse and allocated raw files, qcow2 images and one
    /// qcow2 overlay on another.
    static func pool(_ label: String) async throws -> (Scratch, StorageHost, String) {
        let scratch = Scratch(label)
        let dirs = StorageHostDirectories.root(scratch.sub("root"))
        let host = try await StorageHost(directories: dirs)
        let dir = scratch.sub("pool")
        try await host.define(xml: "<pool type='dir'><name>p</name><target><path>\(dir)</path></target></pool>")
        try await host.start("p", build: .normal)
        for i in 0..<12 {
            try await host.createVolume(in: "p", xml: DirVolumeTests.volumeXML("sparse\(i).img", "1048576", allocation: "0"))
        }
        for i in 0..<8 {
            try await host.createVolume(in: "p", xml: DirVolumeTests.volumeXML("full\(i).img", "65536"))
        }
        for i in 0..<6 {
            try await host.createVolume(in: "p", xml: DirVolumeTests.volumeXML("q\(i).qcow2", "8388608", format: "qcow2"))
        }
        try await host.createVolume(
            VolumeDefinition(name: "overlay.qcow2", format: .qcow2), in: "p", backing: .volume("q0.qcow2"))
        // A file changed less than the settling time before a refresh is read
        // again by the next one: the refresh that the tests start from comes after it.
        try await Task.sleep(for: .nanoseconds(VolumeTable.settlingTime + 100_000_000))
        try await host.refresh("p")
        return (scratch, host, dir)
    }

    /// The pool's volumes as a new host reads them, in full: without the
    /// table the last refresh saved.
    static func fullRefresh(_ scratch: Scratch) async throws -> [VolumeDefinition] {
        let dirs = StorageHostDirectories.root(scratch.sub("root"))
        unlink(dirs.state + "/p.volumes")
        let fresh = try await StorageHost(directories: dirs)
        return try await fresh.volumes(in: "p").map(\.definition)
    }

    /// The files opened under `dir` while `body` runs.
    static func filesOpened(under dir: String, _ body: () async throws -> Void) async throws -> [String] {
        let opened = Mutex<[String]>([])
        try await SystemCalls.withHook(under: dir + "/", { call in
            if call.name == "open" { opened.withLock { $0.append(call.path) } }
            return nil
        }) {
            try await body()
        }
        return opened.withLock { $0 }.sorted()
    }

    /// Access times move when a file is read: they are left out of the comparison.
    static func withoutAccessTimes(_ volumes: [VolumeDefinition]) -> [VolumeDefinition] {
        volumes.map { volume in
            var volume = volume
            volume.target.timestamps?.atime = nil
            volume.backingStore?.timestamps?.atime = nil
            return volume
        }
    }

    @Test func nothingChangedOpensNoFile() async throws {
        let (scratch, host, dir) = try await Self.pool("refresh-unchanged")
        defer { withExtendedLifetime(scratch) {} }
        // Only the overlay is read again: its backing file's status is part of it.
        #expect(try await Self.filesOpened(under: dir) { try await host.refresh("p") } == [dir + "/overlay.qcow2"])
    }

    @Test func aNewProcessReadsTheSavedTableAndOpensNoFile() async throws {
        let (scratch, host, dir) = try await Self.pool("refresh-unchanged-new-process")
        defer { withExtendedLifetime(scratch) {} }
        let known = try await host.volumes(in: "p").map(\.definition)
        let dirs = StorageHostDirectories.root(scratch.sub("root"))
        #expect(FileManager.default.fileExists(atPath: dirs.state + "/p.volumes"))
        let next = try await StorageHost(directories: dirs)
        var listed: [VolumeDefinition] = []
        let opened = try await Self.filesOpened(under: dir) { listed = try await next.volumes(in: "p").map(\.definition) }
        #expect(opened == [dir + "/overlay.qcow2"])
        #expect(Self.withoutAccessTimes(listed) == Self.withoutAccessTimes(known))
        // A stopped pool's table goes with its state.
        try await next.destroy("p")
        #expect(!FileManager.default.fileExists(atPath: dirs.state + "/p.volumes"))
    }

    @Test func aDamagedSavedTableIsNotRead() async throws {
        let (scratch, host, dir) = try await Self.pool("refresh-damaged-table")
        defer { withExtendedLifetime(scratch) {} }
        let known = try await host.volumes(in: "p").map(\.definition)
        let table = StorageHostDirectories.root(scratch.sub("root")).state + "/p.volumes"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: table)))
        let flipped = bytes.count - 40  // in the records or strings, not the header
        bytes[flipped] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: table))
        #expect(VolumeTableFile.read(table) == nil)
        try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: table))
        #expect(VolumeTableFile.read(table) == nil)
        // Every file is read again, and the answer is the same.
        let next = try await StorageHost(directories: .root(scratch.sub("root")))
        var listed: [VolumeDefinition] = []
        let opened = try await Self.filesOpened(under: dir) { listed = try await next.volumes(in: "p").map(\.definition) }
        #expect(opened.count > 10)
        #expect(Self.withoutAccessTimes(listed) == Self.withoutAccessTimes(known))
        #expect(VolumeTableFile.read(table) != nil)
    }

    @Test func aTableThatCannotBeWrittenLeavesTheLastWholeOne() async throws {
        let (scratch, host, dir) = try await Self.pool("refresh-table-write-fails")
        defer { withExtendedLifetime(scratch) {} }
        let state = StorageHostDirectories.root(scratch.sub("root")).state
        let before = try Data(contentsOf: URL(fileURLWithPath: state + "/p.volumes"))
        try Data(repeating: 1, count: 5000).write(to: URL(fileURLWithPath: dir + "/another.img"))
        // The disk fills while the table is written: the refresh itself succeeds.
        try await SystemCalls.withHook(under: state + "/p.volumes.new.", { $0.name == "pwrite" ? ENOSPC : nil }) {
            try await host.refresh("p")
        }
        #expect(try await host.volumes(in: "p").contains { $0.name == "another.img" })
        #expect(try Data(contentsOf: URL(fileURLWithPath: state + "/p.volumes")) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: state).filter { $0.contains(".new.") } == [])
        // A new process starts from the last whole table and finds the new file.
        let next = try await StorageHost(directories: .root(scratch.sub("root")))
        #expect(try await next.volumes(in: "p").contains { $0.name == "another.img" })
    }

    @Test func aFileChangedJustAfterARefreshIsReadAgain() async throws {
        let (scratch, host, dir) = try await Self.pool("refresh-racy")
        defer { withExtendedLifetime(scratch) {} }
        // Two same-size rewrites of a qcow2 header, each followed at once by a refresh.
        for size: UInt8 in [0x20, 0x30] {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/q1.qcow2"))
            try handle.seek(toOffset: 24)
            handle.write(Data([0, 0, 0, 0, 0, size, 0, 0]))
            try handle.close()
            try await host.refresh("p")
            #expect(try await host.volume("q1.qcow2", in: "p").definition.capacity == UInt64(size) << 16)
            let next = try await StorageHost(directories: .root(scratch.sub("root")))
            #expect(try await next.volumes(in: "p").first { $0.name == "q1.qcow2" }?.definition.capacity == UInt64(size) << 16)
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func afterRandomChangesItIsAFullRefresh(seed: UInt64) async throws {
        let (scratch, host, dir) = try await Self.pool("refresh-random-\(seed)")
        var rng = SplitMix(seed: seed)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        for name in names where rng.next() % 2 == 0 {
            let path = dir + "/" + name
            switch rng.next() % 6 {
            case 0:  // data written in place, the size kept
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                try handle.seek(toOffset: 512)
                handle.write(Data(repeating: 0x5A, count: 4096))
                try handle.close()
            case 1:  // grown
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                try handle.seekToEnd()
                handle.write(Data(repeating: 0x11, count: 8192))
                try handle.close()
            case 2:  // mode changed
                chmod(path, 0o640)
            case 3:  // removed
                unlink(path)
            case 4:  // replaced by another file of the same size (renamed over it)
                let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
                try Data(repeating: 0x42, count: size).write(to: URL(fileURLWithPath: dir + "/.tmp"))
                rename(dir + "/.tmp", path)
            default:  // a qcow2 header's size field rewritten, the file's size kept
                if name.hasSuffix(".qcow2"), name != "overlay.qcow2" {
                    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                    try handle.seek(toOffset: 24)
                    handle.write(Data([0, 0, 0, 0, 0, 0x20, 0, 0]))  // 2 MiB, big-endian
                    try handle.close()
                }
            }
        }
        try Data(repeating: 7, count: 10000).write(to: URL(fileURLWithPath: dir + "/new.img"))
        // A new process, from the table of the refresh before the changes.
        let next = try await StorageHost(directories: .root(scratch.sub("root")))
        let fromSaved = try await next.volumes(in: "p").map(\.definition)
        try await host.refresh("p")
        let incremental = try await host.volumes(in: "p").map(\.definition)
        let full = try await Self.fullRefresh(scratch)
        #expect(incremental.map(\.name) == full.map(\.name))
        #expect(Self.withoutAccessTimes(incremental) == Self.withoutAccessTimes(full))
        #expect(Self.withoutAccessTimes(fromSaved) == Self.withoutAccessTimes(full))
    }
}
