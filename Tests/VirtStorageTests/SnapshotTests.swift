import Foundation
import Testing

@testable import VirtStorage

/// The host's snapshot calls beyond any one backend: names, and pool types
/// whose backend has no snapshots.
@Suite("volume snapshots: names and pool types without them")
struct SnapshotTests {
    /// A logical pool's backend without snapshots, holding one volume.
    struct LogicalWithoutSnapshots: StorageBackend {
        var type: PoolType { .logical }
        var capabilities: BackendCapabilities { [.start, .stop] }
        func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
            var volume = VolumeDefinition(name: "lv1", capacity: 1 << 20)
            volume.type = .block
            volume.key = "/dev/vg/lv1"
            volume.target.path = "/dev/vg/lv1"
            return (PoolSizes(capacity: 1 << 30, allocation: 1 << 20, available: (1 << 30) - (1 << 20)), [volume])
        }
    }

    @Test func namesArePlainInEveryBackendsTerms() throws {
        for good in ["s1", "before-upgrade", "_x", "a.b:c+d", String(repeating: "n", count: 128)] {
            #expect(throws: Never.self, "\(good)") { try VolumeSnapshot.checkName(good) }
        }
        for bad in ["", "1", "1st", "-x", ".x", "a b", "a/b", "a@b", "x#y", "é", String(repeating: "n", count: 129)] {
            let error = #expect(throws: StorageError.self, "\(bad)") { try VolumeSnapshot.checkName(bad) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message == "invalid snapshot name '\(bad)'")
        }
    }

    @Test func aPoolTypeWithoutSnapshotsSaysSoAndChangesNothing() async throws {
        let root = NSTemporaryDirectory() + "virtstorage-nosnap-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let host = try await StorageHost(
            directories: .root(root), backends: BackendRegistry([LogicalWithoutSnapshots()]))
        try await host.define(
            xml: "<pool type='logical'><name>vg</name><source><name>vg</name></source><target><path>/dev/vg</path></target></pool>")
        try await host.start("vg")
        #expect(try await host.volumes(in: "vg").map(\.name) == ["lv1"])
        let calls: [(String, () async throws(StorageError) -> Void)] = [
            ("create", { () async throws(StorageError) in _ = try await host.createSnapshot("s1", of: "lv1", in: "vg") }),
            ("list", { () async throws(StorageError) in _ = try await host.snapshots(of: "lv1", in: "vg") }),
            ("revert", { () async throws(StorageError) in try await host.revertSnapshot("s1", of: "lv1", in: "vg") }),
            ("delete", { () async throws(StorageError) in try await host.deleteSnapshot("s1", of: "lv1", in: "vg") }),
            ("clone", { () async throws(StorageError) in
                _ = try await host.cloneVolume("lv1", in: "vg", newName: "lv2", snapshot: "s1")
            }),
        ]
        for (what, call) in calls {
            do {
                try await call()
                Issue.record("\(what) was not refused")
            } catch {
                #expect(error.code == .operationUnsupported, "\(what)")
                #expect(
                    error.libvirtMessage
                        == "Operation not supported: storage pool type 'logical' does not support volume snapshots",
                    "\(what)")
            }
        }
        #expect(try await host.volumes(in: "vg").map(\.name) == ["lv1"])
    }

    @Test func eachChangeIsAnnouncedAndAJobOnTheVolumeKeepsSnapshotsOut() async throws {
        let root = NSTemporaryDirectory() + "virtstorage-snapjob-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let host = try await StorageHost(directories: .root(root + "/state"))
        try await host.define(xml: "<pool type='dir'><name>p</name><target><path>\(root)/pool</path></target></pool>")
        try await host.start("p", build: .normal)
        try await host.createVolume(VolumeDefinition(name: "q.qcow2", capacity: 1 << 20, format: .qcow2), in: "p")
        var events = await host.events().makeAsyncIterator()
        try await host.createSnapshot("s1", of: "q.qcow2", in: "p")
        try await host.revertSnapshot("s1", of: "q.qcow2", in: "p")
        try await host.deleteSnapshot("s1", of: "q.qcow2", in: "p")
        var seen: [String] = []
        for _ in 0..<3 { if let event = await events.next() { seen.append(event.description) } }
        #expect(
            seen == [
                "event 'lifecycle' for storage volume q.qcow2 of pool p: Snapshot Created",
                "event 'lifecycle' for storage volume q.qcow2 of pool p: Snapshot Reverted",
                "event 'lifecycle' for storage volume q.qcow2 of pool p: Snapshot Deleted",
            ])

        // An upload that waits on a pipe holds the volume: a snapshot call is refused meanwhile.
        let fifo = root + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let upload = Task { try await host.uploadVolume("q.qcow2", in: "p", from: fifo, length: 0) }
        // A writer opens (without blocking this thread) once the upload has opened the pipe.
        var writer: Int32 = -1
        for _ in 0..<500 where writer < 0 {
            writer = open(fifo, O_WRONLY | O_NONBLOCK)
            if writer < 0 { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(writer >= 0)
        let busy = await #expect(throws: StorageError.self) {
            try await host.createSnapshot("s2", of: "q.qcow2", in: "p")
        }
        #expect(busy?.libvirtMessage == "Requested operation is not valid: volume 'q.qcow2' is still in use.")
        close(writer)
        _ = try? await upload.value
        #expect(try await host.snapshots(of: "q.qcow2", in: "p").isEmpty)
    }

    /// A raw file's chain of overlays makes it a qcow2 image: a stream of
    /// changes (raw bytes) is refused there, and a whole stream imported at
    /// a snapshot leaves a raw volume raw (no snapshot marked on it).
    @Test func rawVolumesWithSnapshotsAndStreams() async throws {
        let root = NSTemporaryDirectory() + "virtstorage-rawchain-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let host = try await StorageHost(directories: .root(root + "/state"))
        try await host.define(xml: "<pool type='dir'><name>p</name><target><path>\(root)/pool</path></target></pool>")
        try await host.start("p", build: .normal)
        try await host.createVolume(VolumeDefinition(name: "r.img", capacity: 1 << 20), in: "p")
        try await host.createSnapshot("s1", of: "r.img", in: "p")
        let overlay = try await host.volume("r.img", in: "p").definition
        #expect(overlay.target.format == .qcow2 && overlay.backingStore?.path == root + "/pool/.virtstorage-snapshots/r.img/s1")

        func stream(base: String?) throws -> AsyncStream<[UInt8]> {
            let header = VolumeStreamHeader(
                format: "raw", size: 1 << 20, capacity: 1 << 20, volume: "src", poolType: "rbd", snapshot: "s2", base: base)
            var encoder = VolumeStreamEncoder()
            let bytes =
                try VolumeStreamEncoder.preamble(header)
                + encoder.record(.data([UInt8](repeating: 7, count: 4096)), at: 0)
                + encoder.record(.hole((1 << 20) - 4096), at: 4096) + encoder.end(size: 1 << 20)
            return VolumeExportImportTests.pieces(bytes, sizes: [4096])
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: root + "/pool/r.img"))
        let changes = await #expect(throws: StorageError.self) {
            try await host.importVolume("r.img", into: "p", from: try stream(base: "s1"))
        }
        #expect(changes?.message == "volume 'r.img' is a qcow2 image: a stream's changes apply to raw data only")
        #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/pool/r.img")) == before)

        let whole = try await host.importVolume("w.img", into: "p", from: try stream(base: nil))
        #expect(whole.definition.target.format == .raw && whole.definition.backingStore == nil)
        #expect(try await host.snapshots(of: "w.img", in: "p").isEmpty)
    }
}
