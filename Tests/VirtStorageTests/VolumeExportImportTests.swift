import Foundation
import Synchronization
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// Volume streams (export and import) between dir pools on real files: the
/// bytes and the holes arrive whole, a qcow2 image stays one, and every bad
/// stream (truncated, corrupted, foreign, too new, too big for the disk, for
/// a name already taken, cancelled) fails with one clear error and leaves no
/// volume behind.
@Suite("volume export and import streams")
struct VolumeExportImportTests {
    /// Pools "a" and "b"; in "a", a sparse 64 MiB raw volume "v" with 3 MB of
    /// data at 10 MiB and 1000 bytes at 50,000,000.
    static func setUp(_ label: String) async throws -> (Scratch, StorageHost, Data) {
        let scratch = Scratch(label)
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        for name in ["a", "b"] {
            try await host.define(
                xml: "<pool type='dir'><name>\(name)</name><target><path>\(scratch.sub(name))</path></target></pool>")
            try await host.start(name, build: .normal)
        }
        try await host.createVolume(in: "a", xml: DirVolumeTests.volumeXML("v", "67108864", allocation: "0"))
        var rng = SplitMix(seed: 11)
        let data = Data((0..<3_000_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.sub("a/v")))
        try handle.seek(toOffset: 10 << 20)
        handle.write(data)
        try handle.seek(toOffset: 50_000_000)
        handle.write(data.prefix(1000))
        try handle.close()
        try await host.refresh("a")
        return (scratch, host, data)
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// The stream of volume "v" of pool "a", whole, in memory.
    static func exported(_ host: StorageHost) async throws -> [UInt8] {
        var all: [UInt8] = []
        for try await piece in try await host.exportVolume("v", in: "a") { all += piece }
        return all
    }

    /// `bytes` as an async sequence of pieces of the given sizes (cycled).
    static func pieces(_ bytes: [UInt8], sizes: [Int]) -> AsyncStream<[UInt8]> {
        AsyncStream { continuation in
            var offset = 0
            var i = 0
            while offset < bytes.count {
                let n = min(sizes[i % sizes.count], bytes.count - offset)
                continuation.yield(Array(bytes[offset..<offset + n]))
                offset += n
                i += 1
            }
            continuation.finish()
        }
    }

    /// An import that must fail, and leave pool "b" without the volume.
    static func refused(
        _ host: StorageHost, _ scratch: Scratch, _ stream: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> StorageError? {
        let error = await #expect(throws: StorageError.self, sourceLocation: sourceLocation) {
            try await host.importVolume("w", into: "b", from: pieces(stream, sizes: [65536]))
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.sub("b/w")), sourceLocation: sourceLocation)
        #expect(try await host.volumes(in: "b").isEmpty, sourceLocation: sourceLocation)
        return error
    }

    @Test func aSparseVolumeArrivesWholeAndSparse() async throws {
        let (scratch, host, _) = try await Self.setUp("stream-roundtrip")
        let file = scratch.sub("v.vstream")
        let header = try await host.exportVolume("v", in: "a", to: file)
        #expect(header.format == "raw" && header.size == 64 << 20 && header.volume == "v" && header.poolType == "dir")
        // Holes are records without data: the stream is about the size of the data.
        let streamSize = try FileManager.default.attributesOfItem(atPath: file)[.size] as! UInt64
        #expect(streamSize < 3_100_000, "\(streamSize) bytes")
        let progress = Mutex<[UInt64]>([])
        let made = try await host.importVolume("w", into: "b", fromFile: file) { done, total in
            progress.withLock { $0.append(done) }
            #expect(total == 64 << 20)
        }
        #expect(made.definition.capacity == 64 << 20)
        #expect(try Self.bytes(scratch.sub("b/w")) == Self.bytes(scratch.sub("a/v")))
        #expect(made.definition.allocation < 4 << 20, "holes stay holes: \(made.definition.allocation) bytes allocated")
        #expect(progress.withLock { $0.last } == 64 << 20)
    }

    @Test func aStreamCutAnywhereImportsTheSame() async throws {
        let (scratch, host, _) = try await Self.setUp("stream-pieces")
        let stream = try await Self.exported(host)
        try await host.importVolume("w", into: "b", from: Self.pieces(stream, sizes: [1, 7, 23, 4096, 100_003]))
        #expect(try Self.bytes(scratch.sub("b/w")) == Self.bytes(scratch.sub("a/v")))
    }

    @Test func aQcow2ImageStaysOne() async throws {
        let (scratch, host, _) = try await Self.setUp("stream-qcow2")
        try await host.createVolume(in: "a", xml: DirVolumeTests.volumeXML("q", "16777216", format: "qcow2"))
        let image = scratch.sub("a/q")
        #expect(try Scratch.run("/usr/bin/qemu-io", ["-c", "write -P 0x5a 1M 2M", image]).status == 0)
        try await host.refresh("a")
        let file = scratch.sub("q.vstream")
        let header = try await host.exportVolume("q", in: "a", to: file)
        #expect(header.format == "qcow2" && header.capacity == 16 << 20)
        let made = try await host.importVolume("q2", into: "b", fromFile: file)
        #expect(made.format == "qcow2" && made.definition.capacity == 16 << 20)
        let compare = try Scratch.run("/usr/bin/qemu-img", ["compare", image, scratch.sub("b/q2")])
        #expect(compare.status == 0, "\(compare.output)")
    }

    @Test func aTruncatedStreamLeavesNoVolume() async throws {
        let (scratch, host, _) = try await Self.setUp("stream-truncated")
        let stream = try await Self.exported(host)
        let error = try await Self.refused(host, scratch, Array(stream.dropLast(40)))
        #expect(error?.code == .invalidStream)
        #expect(error?.message.hasSuffix("it is truncated") == true, "\(String(describing: error))")
    }

    @Test func aCorruptedRecordLeavesNoVolume() async throws {
        let (scratch, host, _) = try await Self.setUp("stream-corrupt")
        var stream = try await Self.exported(host)
        stream[stream.count / 2] ^= 0x01
        let error = try await Self.refused(host, scratch, stream)
        #expect(error?.code == .invalidStream)
        #expect(error?.message.contains("fails its checksum: the stream is corrupted") == true, "\(String(describing: error))")
    }

    @Test func aDroppedRecordIsNoticed() async throws {
        let (scratch, host, _) = try await Self.setUp("stream-dropped")
        let stream = try await Self.exported(host)
        // Cut the first record (after the preamble) out whole: every checksum
        // left is right, but the records no longer follow each other.
        let preamble = 16 + Int(stream.littleEndian(UInt32.self, at: 12)) + 4
        let firstPayload = Int(stream.littleEndian(UInt32.self, at: preamble + 4))
        let firstLength = VolumeStreamFormat.recordHeaderSize + firstPayload + 4
        let error = try await Self.refused(
            host, scratch, Array(stream[..<preamble] + stream[(preamble + firstLength)...]))
        #expect(error?.message.contains("where byte 0 was due") == true, "\(String(describing: error))")
    }

    @Test func otherDataIsNotAStream() async throws {
        let (scratch, host, _) = try await Self.setUp("stream-foreign")
        let error = try await Self.refused(host, scratch, Array("<volume><name>x</name></volume>\n".utf8))
        #expect(error?.message == "the data is not a VirtStorage volume stream (no stream signature)")
        var newer = try await Self.exported(host)
        newer[8] = 2
        let versionError = try await Self.refused(host, scratch, newer)
        #expect(versionError?.message == "the stream has format version 2; this VirtStorage reads version 1")
    }

    @Test func aTakenNameIsRefusedAndTheVolumeThereIsKept() async throws {
        let (scratch, host, _) = try await Self.setUp("stream-taken")
        let stream = try await Self.exported(host)
        try await host.createVolume(in: "b", xml: DirVolumeTests.volumeXML("w", "4096"))
        let before = try Self.bytes(scratch.sub("b/w"))
        let error = await #expect(throws: StorageError.self) {
            try await host.importVolume("w", into: "b", from: Self.pieces(stream, sizes: [65536]))
        }
        #expect(error?.message == "storage volume 'w' exists already")
        #expect(try Self.bytes(scratch.sub("b/w")) == before)
    }

    @Test func aFullDiskLeavesNoVolume() async throws {
        let (scratch, host, _) = try await Self.setUp("stream-enospc")
        let stream = try await Self.exported(host)
        let error = await #expect(throws: StorageError.self) {
            try await SystemCalls.withHook(under: scratch.sub("b/"), { $0.name == "pwrite" ? ENOSPC : nil }) {
                try await host.importVolume("w", into: "b", from: Self.pieces(stream, sizes: [65536]))
            }
        }
        #expect(error?.errno == ENOSPC, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: scratch.sub("b/w")))
        #expect(try await host.volumes(in: "b").isEmpty)
    }

    @Test func aCancelledImportLeavesNoVolume() async throws {
        let (scratch, host, _) = try await Self.setUp("stream-cancel")
        let stream = try await Self.exported(host)
        // The stream stops after half its bytes and waits: the import is then cancelled.
        let (input, feed) = AsyncStream<[UInt8]>.makeStream()
        feed.yield(Array(stream.prefix(stream.count / 2)))
        let importing = Task { try await host.importVolume("w", into: "b", from: input) }
        while !FileManager.default.fileExists(atPath: scratch.sub("b/w")) { try await Task.sleep(for: .milliseconds(5)) }
        importing.cancel()
        await #expect(throws: StorageError.self) { try await importing.value }
        #expect(!FileManager.default.fileExists(atPath: scratch.sub("b/w")))
        #expect(try await host.volumes(in: "b").isEmpty)
    }

    /// A pool of raw data only takes raw streams; nothing is made for another.
    @Test func anImageStreamIsRefusedByAPoolOfRawData() throws {
        let header = VolumeStreamHeader(format: "qcow2", size: 1 << 20, capacity: 16 << 20, volume: "q", poolType: "dir")
        for type in [PoolType.rbd, .logical, .disk, .zfs] {
            let error = #expect(throws: StorageError.self) { try StorageHost.importedVolume("q", header, into: type) }
            #expect(
                error?.message
                    == "a qcow2 stream cannot be imported into a \(type.rawValue) pool: its volumes hold raw data only")
        }
        let raw = VolumeStreamHeader(format: "raw", size: 1 << 20, capacity: 1 << 20, volume: "r", poolType: "dir")
        #expect(try StorageHost.importedVolume("r", raw, into: .rbd).capacity == 1 << 20)
    }
}
