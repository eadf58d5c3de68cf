import Foundation
import Glibc
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// A dir pool on a small tmpfs (size=16m) that fills up during volume
/// creation, clone and upload: each fails at once with "No space left on
/// device", the half-made volume is removed, and the volumes that were there
/// before keep their data.
@Suite("a pool whose filesystem fills up", .timeLimit(.minutes(3 * TimeFactor.value)))
struct FullFilesystemTests {
    static let fsSize = 16 << 20

    /// A started pool on a fresh 16 MiB tmpfs holding "keep.img" (4 MiB of data)
    /// and "up.img" (a sparse 64 MiB volume); unmounted when `body` returns.
    static func withFullablePool(_ body: (StorageHost, String, Data) async throws -> Void) async throws {
        let scratch = Scratch("enospc")
        let mountpoint = scratch.sub("fs")
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        let mounted = try Scratch.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(fsSize)", "tmpfs", mountpoint])
        try #require(mounted.status == 0, "mount tmpfs: \(mounted.output)")
        defer { _ = try? Scratch.run("/bin/umount", [mountpoint]) }
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        let dir = mountpoint + "/pool"
        try await host.define(xml: "<pool type='dir'><name>p</name><target><path>\(dir)</path></target></pool>")
        try await host.start("p", build: .normal)
        let keep = Self.pattern(4 << 20)
        try await host.createVolume(
            in: "p",
            xml: "<volume><name>keep.img</name><capacity>\(keep.count)</capacity><allocation>0</allocation></volume>")
        try keep.write(to: URL(fileURLWithPath: dir + "/keep.img"))
        try await host.createVolume(
            in: "p", xml: "<volume><name>up.img</name><capacity>67108864</capacity><allocation>0</allocation></volume>")
        try await body(host, dir, keep)
    }

    /// `count` bytes of data without holes: a 4 KiB block of non-zero bytes repeated
    /// (quick to make even in a sanitizer build).
    static func pattern(_ count: Int) -> Data {
        let block = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 13 | 1) })
        var data = Data(capacity: count)
        while data.count < count { data.append(block) }
        return data
    }

    static func expectNoSpace(_ error: (any Error)?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation)
    {
        let storage = error as? StorageError
        #expect(storage?.errno == ENOSPC, "\(what): \(String(describing: error))", sourceLocation: sourceLocation)
        #expect(storage?.message.contains("No space left on device") == true, sourceLocation: sourceLocation)
    }

    static func expectIntact(
        _ host: StorageHost, _ dir: String, _ keep: Data, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        #expect(FileManager.default.contents(atPath: dir + "/keep.img") == keep, sourceLocation: sourceLocation)
        try await host.refresh("p")
        #expect(try await host.volumes(in: "p").map(\.name) == ["keep.img", "up.img"], sourceLocation: sourceLocation)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["keep.img", "up.img"],
            sourceLocation: sourceLocation)
    }

    @Test func allocatedCreateAndCloneFailCleanly() async throws {
        try await Self.withFullablePool { host, dir, keep in
            // 32 MiB allocated up front on a 16 MiB filesystem.
            let create = await #expect(throws: StorageError.self) {
                try await host.createVolume(
                    in: "p",
                    xml:
                        "<volume><name>big.img</name><capacity>33554432</capacity><allocation>33554432</allocation></volume>"
                )
            }
            Self.expectNoSpace(create, "allocated create")
            try await Self.expectIntact(host, dir, keep)
            // Fill the pool with clones of keep.img (4 MiB each) until there is no room.
            var made = 0
            var failure: (any Error)?
            for i in 0..<8 {
                do {
                    try await host.cloneVolume("keep.img", in: "p", newName: "c\(i).img")
                    made += 1
                } catch {
                    failure = error
                    break
                }
            }
            Self.expectNoSpace(failure, "clone")
            #expect(made >= 1 && made < 4, "\(made) clones fitted")
            for i in 0..<made {
                #expect(FileManager.default.contents(atPath: dir + "/c\(i).img") == keep)
                try await host.deleteVolume("c\(i).img", in: "p")
            }
            try await Self.expectIntact(host, dir, keep)
        }
    }

    @Test func uploadsStopAtTheFirstWriteThatDoesNotFit() async throws {
        try await Self.withFullablePool { host, dir, keep in
            let scratch = Scratch("enospc-src")
            let source = scratch.sub("32m.bin")
            try Self.pattern(32 << 20).write(to: URL(fileURLWithPath: source))
            let upload = await #expect(throws: StorageError.self) {
                try await host.uploadVolume("up.img", in: "p", from: source)
            }
            Self.expectNoSpace(upload, "vol-upload")
            // The stream upload says the same.
            try await host.wipeVolume("up.img", in: "p", algorithm: .zero)
            let chunks = (0..<32).map { _ in VolumeChunk.data([UInt8](repeating: 0x5A, count: 1 << 20)) }
            let stream = await #expect(throws: StorageError.self) {
                try await host.writeVolume("up.img", in: "p", from: ChunkSequence(chunks))
            }
            Self.expectNoSpace(stream, "stream upload")
            // The volume stays (its data is partial, as the error said); the others are untouched.
            try await Self.expectIntact(host, dir, keep)
            #expect(try await host.volume("up.img", in: "p").definition.capacity == 67_108_864)
        }
    }
}
