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
}
