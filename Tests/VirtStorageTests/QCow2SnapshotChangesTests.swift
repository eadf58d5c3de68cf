import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// The runs that changed between two internal snapshots of a qcow2 image
/// made by qemu-img and written by qemu-io, read from the image's tables.
@Suite("qcow2: changes between two internal snapshots")
struct QCow2SnapshotChangesTests {
    static let MiB: UInt64 = 1 << 20

    @Test func runsOfDataAndZerosExactly() async throws {
        let scratch = Scratch("qcow2-changes")
        let image = scratch.sub("q.qcow2")
        func run(_ tool: String, _ args: [String]) throws {
            let (status, out) = try Scratch.run(tool, args)
            #expect(status == 0, "\(tool) \(args): \(out)")
        }
        func io(_ command: String) throws { try run("/usr/bin/qemu-io", ["-f", "qcow2", "-c", command, image]) }
        try run("/usr/bin/qemu-img", ["create", "-q", "-f", "qcow2", image, "16M"])
        try io("write -P 0x11 0 4M")
        try io("write -P 0x12 10M 1M")
        try run("/usr/bin/qemu-img", ["snapshot", "-c", "s1", image])
        try io("write -P 0x21 1M 64k")
        try io("write -P 0x21 3M 100k")
        try io("write -z 10M 512k")
        try io("write -P 0x22 15M 1M")
        try run("/usr/bin/qemu-img", ["snapshot", "-c", "s2", image])
        try io("write -P 0x33 0 8M")

        let changes = try QCow2SnapshotChanges.changes(in: image, from: "s1", to: "s2")
        // Whole 64 KiB clusters: 100 KiB at 3 MiB touches two.
        #expect(
            changes.extents == [
                VolumeExtent(Self.MiB..<Self.MiB + 65536, holdsData: true),
                VolumeExtent(3 * Self.MiB..<3 * Self.MiB + 131072, holdsData: true),
                VolumeExtent(10 * Self.MiB..<10 * Self.MiB + 524288, holdsData: false),
                VolumeExtent(15 * Self.MiB..<16 * Self.MiB, holdsData: true),
            ])
        #expect(try QCow2SnapshotChanges.changes(in: image, from: "s2", to: "s2").extents.isEmpty)

        // Plain clusters: read in place, they are the snapshot's bytes.
        let offsets = try #require(changes.hostOffsets)
        #expect(offsets.count == 1 + 2 + 16)
        let reference = scratch.sub("s2.raw")
        try run("/usr/bin/qemu-img", ["convert", "-O", "raw", "-l", "snapshot.name=s2", image, reference])
        let expected = try [UInt8](Data(contentsOf: URL(fileURLWithPath: reference)))
        let data = try QCow2ClusterData(path: image, changes: changes, hostOffsets: offsets)
        for extent in changes.extents where extent.holdsData {
            let bytes = try await data.read(at: extent.range.lowerBound, count: Int(extent.range.count))
            #expect(bytes[...] == expected[Int(extent.range.lowerBound)..<Int(extent.range.upperBound)])
        }

        // A compressed cluster cannot be read in place.
        let packed = scratch.sub("packed.qcow2")
        try run("/usr/bin/qemu-img", ["create", "-q", "-f", "qcow2", packed, "1M"])
        try run("/usr/bin/qemu-img", ["snapshot", "-c", "s1", packed])
        try run("/usr/bin/qemu-io", ["-f", "qcow2", "-c", "write -c -P 0x44 0 64k", packed])
        try run("/usr/bin/qemu-img", ["snapshot", "-c", "s2", packed])
        let compressed = try QCow2SnapshotChanges.changes(in: packed, from: "s1", to: "s2")
        #expect(compressed.extents == [VolumeExtent(0..<65536, holdsData: true)] && compressed.hostOffsets == nil)
        let missing = #expect(throws: StorageError.self) {
            try QCow2SnapshotChanges.changes(in: image, from: "s0", to: "s2")
        }
        #expect(missing?.code == .noSuchSnapshot)
    }
}
