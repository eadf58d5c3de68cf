import Foundation
import Synchronization

/// How a copy across pool types treats the format of the bytes.
enum CopyConversion: Sendable, Equatable {
    /// Raw data on both ends: the bytes are copied as they are.
    case none
    /// Raw data into an image file (qcow2, ...) of a local pool of files.
    case intoImage
    /// An image file of a local pool of files into raw data.
    case outOfImage
}

/// A raw volume that a conversion between an image file and raw data
/// passes through: made by the backend of a local pool of files in that
/// pool, named `virtstorage-stage-` and eight random characters, and
/// removed by the same backend when the copy is done or fails. The host does
/// not list it; a refresh of that pool while the copy runs would.
struct StageVolume: Sendable {
    let definition: VolumeDefinition
    let pool: PoolDefinition
    let backend: any StorageBackend

    /// Makes an empty raw stage of `capacity` bytes in `pool`, or, with
    /// `source`, one that the backend fills from that volume of the pool
    /// (qemu-img convert of an image into raw), as it was at `snapshot` if
    /// one is given (a qcow2 internal snapshot, in `format`).
    static func make(
        in pool: PoolDefinition, _ backend: any StorageBackend, capacity: UInt64,
        from source: VolumeDefinition? = nil, snapshot: String? = nil, format: VolumeFormat = .raw,
        secrets: VolumeSecrets = VolumeSecrets()
    ) async throws(StorageError) -> StageVolume {
        var volume = VolumeDefinition(
            name: "virtstorage-stage-" + String(UUID().uuidString.prefix(8)).lowercased(), format: format)
        volume.capacity = capacity
        volume.capacitySpecified = true
        volume.allocation = 0
        volume.allocationSpecified = true
        try VolumeXML.normalize(&volume, poolType: pool.type)
        try backend.prepareVolume(&volume, in: pool)
        if let snapshot, let source {
            try await StorageHost.snapshotting(backend).buildVolume(
                volume, fromSnapshot: snapshot, of: source, in: pool, progress: nil)
        } else {
            try await backend.buildVolume(
                volume, from: source, in: pool, options: VolumeBuildOptions(), secrets: secrets, progress: nil)
        }
        let made = (try? await backend.refreshVolume(volume, in: pool)) ?? volume
        return StageVolume(definition: made, pool: pool, backend: backend)
    }

    func remove() async {
        try? await backend.deleteVolume(definition, in: pool, withSnapshots: false)
    }

    /// Runs `work` on the stage, then removes it, whether `work` succeeded or not.
    func removed(after work: (StageVolume) async throws(StorageError) -> Void) async throws(StorageError) {
        do throws(StorageError) {
            try await work(self)
        } catch {
            await remove()
            throw error
        }
        await remove()
    }
}

/// A stage that a volume stream reads: removed by the stream when its last
/// record is out, or, for a stream dropped before its end, when the last
/// reference goes (its file unlinked there and then).
final class StageOwner: Sendable {
    let stage: StageVolume
    private let removed = Mutex(false)

    init(_ stage: StageVolume) { self.stage = stage }

    func remove() async {
        guard removed.withLock({ done in defer { done = true }; return !done }) else { return }
        await stage.remove()
    }

    deinit {
        if !removed.withLock({ $0 }), let path = stage.definition.target.path { SystemCalls.removeIfPresent(path) }
    }
}
