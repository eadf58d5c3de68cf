/// Volume snapshots: VirtStorage beyond libvirt, on the pool types whose
/// backend is a ``SnapshottingBackend`` (file pools for qcow2 volumes, rbd,
/// zfs). Each call is a job on the volume: refused while another job runs
/// on it, and announced when done.
extension StorageHost {
    /// Takes a snapshot of a volume.
    @discardableResult
    public func createSnapshot(
        _ name: String, of volume: String, in pool: String, description: String? = nil
    ) async throws(StorageError) -> VolumeSnapshot {
        try VolumeSnapshot.checkName(name)
        return try await snapshotJob(volume, in: pool, announcing: .snapshotCreated) {
            (backend, vol, def) throws(StorageError) in
            if try await backend.snapshots(of: vol, in: def).contains(where: { $0.name == name }) {
                throw StorageError(
                    .operationInvalid, "snapshot '\(name)' of volume '\(vol.name)' already exists", value: name)
            }
            try await backend.createSnapshot(name, description: description, of: vol, in: def)
            guard let taken = try await backend.snapshots(of: vol, in: def).first(where: { $0.name == name }) else {
                throw StorageError(.internalError, "snapshot '\(name)' of volume '\(vol.name)' was not found after it was taken")
            }
            return taken
        }
    }

    /// The snapshots of a volume, oldest first.
    public func snapshots(of volume: String, in pool: String) async throws(StorageError) -> [VolumeSnapshot] {
        let (backend, vol, def) = try await snapshotting(volume, in: pool)
        return try await backend.snapshots(of: vol, in: def)
    }

    /// Brings a volume's data back to one of its snapshots.
    public func revertSnapshot(_ name: String, of volume: String, in pool: String) async throws(StorageError) {
        try await snapshotJob(volume, in: pool, announcing: .snapshotReverted) {
            (backend, vol, def) throws(StorageError) in
            try await Self.requireSnapshot(name, of: vol, backend, def)
            try await backend.revertSnapshot(name, of: vol, in: def)
        }
    }

    /// Deletes a snapshot of a volume; refused while a clone depends on it.
    public func deleteSnapshot(_ name: String, of volume: String, in pool: String) async throws(StorageError) {
        try await snapshotJob(volume, in: pool, announcing: .snapshotDeleted) {
            (backend, vol, def) throws(StorageError) in
            try await Self.requireSnapshot(name, of: vol, backend, def)
            try await backend.deleteSnapshot(name, of: vol, in: def)
        }
    }

    /// Makes a new volume `newName` in the volume's pool holding the data of
    /// one of its snapshots (copy-on-write where the backend can: rbd, zfs).
    @discardableResult
    public func cloneVolume(
        _ name: String, in pool: String, newName: String, snapshot: String, progress: ProgressHandler? = nil
    ) async throws(StorageError) -> StorageVolume {
        let (backend, source, _) = try await snapshotting(name, in: pool)
        try await loadVolumes(pool)
        let def = try activeDefinition(pool)
        try await Self.requireSnapshot(snapshot, of: source, backend, def)
        try requireFreeName(newName, in: pool, copying: true)
        var vol = source
        vol.name = newName
        vol.key = nil
        vol.target.path = nil
        vol.target.timestamps = nil
        vol.backingStore = nil
        try backend.prepareVolume(&vol, in: def)
        let clone = vol
        return try await creationJob(clone, in: pool, backend) { () async throws(StorageError) -> VolumeDefinition? in
            try await backend.buildVolume(clone, fromSnapshot: snapshot, of: source, in: def, progress: progress)
            return nil
        }
    }

    /// The volume, its pool and its backend, if that backend takes snapshots.
    func snapshotting(_ volume: String, in pool: String) async throws(StorageError)
        -> (any SnapshottingBackend, VolumeDefinition, PoolDefinition)
    {
        let vol = try await self.volume(volume, in: pool).definition
        let def = try activeDefinition(pool)
        return (try Self.snapshotting(try backends.backend(for: def.type)), vol, def)
    }

    /// The backend as one that takes snapshots, if it does.
    static func snapshotting(_ backend: any StorageBackend) throws(StorageError) -> any SnapshottingBackend {
        guard backend.capabilities.contains(.snapshots), let snapshotting = backend as? any SnapshottingBackend else {
            throw backend.unsupported("volume snapshots")
        }
        return snapshotting
    }

    /// A change of a volume's snapshots, as a job on the volume.
    @discardableResult
    private func snapshotJob<T: Sendable>(
        _ volume: String, in pool: String, announcing change: StorageEvent.VolumeChange,
        _ work: (any SnapshottingBackend, VolumeDefinition, PoolDefinition) async throws(StorageError) -> T
    ) async throws(StorageError) -> T {
        try ensureOpen()
        let (backend, vol, def) = try await snapshotting(volume, in: pool)
        try beginJob(pool, volume: vol.name, Self.jobName(change))
        let result: T
        do throws(StorageError) {
            result = try await work(backend, vol, def)
        } catch {
            endJob(pool, volume: vol.name)
            throw error
        }
        // A revert changes the data; a raw file's chain changes its format and backing file.
        await reread(pool, vol)
        endJob(pool, volume: vol.name)
        emit(.volume(pool: pool, name: vol.name, change: change))
        return result
    }

    /// What a busy volume's hint says is in progress.
    private static func jobName(_ change: StorageEvent.VolumeChange) -> String {
        switch change {
        case .snapshotCreated: "snapshot creation"
        case .snapshotReverted: "snapshot revert"
        default: "snapshot deletion"
        }
    }

    static func requireSnapshot(
        _ name: String, of volume: VolumeDefinition, _ backend: any SnapshottingBackend, _ pool: PoolDefinition
    ) async throws(StorageError) {
        guard try await backend.snapshots(of: volume, in: pool).contains(where: { $0.name == name }) else {
            throw StorageError(
                .noSuchSnapshot, "volume '\(volume.name)' has no snapshot '\(name)'", value: name)
        }
    }
}
