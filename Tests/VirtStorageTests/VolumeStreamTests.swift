import Foundation
import Testing

@testable import VirtStorage

@Suite("volume contents as async streams")
struct VolumeStreamTests {
    @Test func sparseReadSendsHolesAndWriteKeepsThem() async throws {
        let (scratch, host, dir) = try await DirVolumeTests.pool("streams")
        defer { withExtendedLifetime(scratch) {} }
        _ = try await host.createVolume(in: "p", xml: DirVolumeTests.volumeXML("src", "4194304", allocation: "0"))
        let fd = open(dir + "/src", O_WRONLY)
        let data = [UInt8](repeating: 0x77, count: 8192)
        _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, data.count, 2 << 20) }
        close(fd)

        var chunks: [VolumeChunk] = []
        for try await chunk in try await host.readVolume("src", in: "p", sparse: true) { chunks.append(chunk) }
        #expect(chunks.reduce(0) { $0 + $1.count } == 4_194_304)
        let holes = chunks.filter { if case .hole = $0 { true } else { false } }.reduce(0) { $0 + $1.count }
        #expect(holes >= 4_194_304 - 65536, "holes were sent as holes")

        _ = try await host.createVolume(in: "p", xml: DirVolumeTests.volumeXML("dst", "4194304", allocation: "0"))
        let events = await host.events()
        try await host.writeVolume("dst", in: "p", from: ChunkSequence(chunks))
        #expect(
            FileManager.default.contents(atPath: dir + "/src") == FileManager.default.contents(atPath: dir + "/dst"))
        #expect(try await host.volume("dst", in: "p").definition.allocation <= 65536)
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == .volume(pool: "p", name: "dst", change: .uploaded))
    }

    @Test func aStreamLongerThanTheVolumeStopsBeforeTheExcess() async throws {
        let (scratch, host, dir) = try await DirVolumeTests.pool("long")
        defer { withExtendedLifetime(scratch) {} }
        _ = try await host.createVolume(in: "p", xml: DirVolumeTests.volumeXML("v", "8192", allocation: "0"))
        let chunks: [VolumeChunk] = [
            .data([UInt8](repeating: 1, count: 4096)), .data([UInt8](repeating: 2, count: 8192)),
        ]
        let error = await #expect(throws: StorageError.self) {
            try await host.writeVolume("v", in: "p", from: ChunkSequence(chunks))
        }
        #expect(error?.message.contains("nothing beyond byte 4096") == true)
        let contents = FileManager.default.contents(atPath: dir + "/v")!
        #expect(
            contents.count == 8192 && contents.prefix(4096).allSatisfy { $0 == 1 }
                && contents.suffix(4096).allSatisfy { $0 == 0 })
        // With a declared length that does not fit, nothing is written at all.
        await #expect(throws: StorageError.self) {
            try await host.writeVolume("v", in: "p", offset: 4096, length: 8192, from: ChunkSequence(chunks))
        }
        // The volume is not left busy.
        try await host.wipeVolume("v", in: "p")
    }
}

/// An async sequence over an array, for feeding writeVolume in tests.
struct ChunkSequence: AsyncSequence, Sendable {
    typealias Element = VolumeChunk
    let chunks: [VolumeChunk]
    init(_ chunks: [VolumeChunk]) { self.chunks = chunks }
    struct AsyncIterator: AsyncIteratorProtocol {
        var rest: ArraySlice<VolumeChunk>
        mutating func next() async -> VolumeChunk? { rest.popFirst() }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: chunks[...]) }
}
