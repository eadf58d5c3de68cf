import Foundation

/// Snapshots of thin volumes in a logical pool with a thin pool: each is a
/// read-only thin snapshot LV `snap_VOL_NAME`, whose tags say which volume
/// and snapshot it is (``ThinSnapshotTags``) and which the volume list
/// leaves out. A plain logical pool has none.
extension LogicalBackend: SnapshottingBackend {
    public func createSnapshot(
        _ name: String, description: String?, of volume: VolumeDefinition, in pool: PoolDefinition
    ) async throws(StorageError) {
        let (vg, _) = try await thinVolume(volume, in: pool)
        if let description, description.utf8.count > ThinSnapshotTags.longestDescription {
            throw StorageError(
                .invalidArgument,
                "a thin snapshot's description holds at most \(ThinSnapshotTags.longestDescription) bytes",
                value: name, hint: "it is kept in an lvm tag")
        }
        let lv = try Self.snapshotLVName(name, of: volume)
        let tags = ThinSnapshotTags(volume: volume.name, name: name, description: description).tags
        try await run(LVMCommand.thinSnapshot(of: vg + "/" + volume.name, name: lv, tags: tags))
    }

    /// The volume's snapshots, oldest first, with lvm's creation times.
    public func snapshots(of volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> [VolumeSnapshot]
    {
        try await snapshotRows(of: volume, in: pool).map { row, tags in
            VolumeSnapshot(name: tags.name, description: tags.description, created: row.created)
        }
    }

    /// The volume is replaced by a writable thin snapshot of the snapshot:
    /// renamed aside first, renamed back if the new one cannot be made, and
    /// removed once it is. Its snapshots stay; its key (the LV's UUID) changes.
    public func revertSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
        async throws(StorageError)
    {
        let (vg, row) = try await thinVolume(volume, in: pool)
        if row.isOpen {
            throw StorageError(
                .operationInvalid, "volume '\(volume.name)' is in use: its device is open", value: volume.name,
                hint: "stop what uses it (a VM, a mount) before reverting")
        }
        let snapshot = try await snapshotLV(name, of: volume, in: pool)
        let aside = try Self.asideName(volume)
        try await run(LVMCommand.lvrename(vg, volume.name, aside))
        do throws(StorageError) {
            try await makeWritableCopy(of: snapshot, named: volume.name, vg: vg)
        } catch {
            _ = try? await runner.capture(with(LVMCommand.lvrename(vg, aside, volume.name)))
            throw error
        }
        let removed = try await runner.capture(with(LVMCommand.lvremove(vg + "/" + aside)))
        guard removed.status == 0 else {
            throw StorageError(
                .operationFailed,
                "volume '\(volume.name)' was reverted to snapshot '\(name)', but its former data could not be removed: \(Self.message(removed))",
                value: aside, hint: "remove the LV \(vg)/\(aside) with lvremove")
        }
    }

    public func deleteSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
        async throws(StorageError)
    {
        let vg = try Self.volumeGroup(pool)
        try await run(LVMCommand.lvremove(vg + "/" + (try await snapshotLV(name, of: volume, in: pool)).lv_name))
    }

    /// A writable thin snapshot of the snapshot: instant, sharing its blocks.
    public func buildVolume(
        _ clone: VolumeDefinition, fromSnapshot name: String, of volume: VolumeDefinition, in pool: PoolDefinition,
        progress: ProgressHandler?
    ) async throws(StorageError) {
        let vg = try Self.volumeGroup(pool)
        try await makeWritableCopy(of: try await snapshotLV(name, of: volume, in: pool), named: clone.name, vg: vg)
        try applyPermissions(clone, in: pool)
    }

    /// Deletes a volume; its snapshots go first when asked, and without
    /// that a volume that has any is refused (they would outlive it, and
    /// a new volume of its name would find them). A pool without a thin
    /// pool refuses the request as libvirt's logical backend does.
    public func deleteVolume(_ volume: VolumeDefinition, in pool: PoolDefinition, withSnapshots: Bool)
        async throws(StorageError)
    {
        if pool.thinPool == nil && withSnapshots {
            throw StorageError(
                .unsupportedFlags, "unsupported flags (0x2) in function \(libvirtVolumeDeleteFunction)",
                hint: "a logical pool holds snapshots only with a thin pool")
        }
        if pool.thinPool != nil {
            let rows = try await snapshotRows(of: volume, in: pool)
            if !rows.isEmpty && !withSnapshots {
                throw StorageError(
                    .operationInvalid,
                    "volume '\(volume.name)' has \(rows.count) snapshot\(rows.count == 1 ? "" : "s"): \(rows.map(\.1.name).joined(separator: ", "))",
                    value: volume.name, hint: "delete them first, or delete the volume with its snapshots (--delete-snapshots)")
            }
            let vg = try Self.volumeGroup(pool)
            for (row, _) in rows { try await run(LVMCommand.lvremove(vg + "/" + row.lv_name)) }
        }
        try await deleteVolume(volume, in: pool)
    }

    // MARK: helpers

    /// The volume's row, when it is a thin volume of the pool's thin pool;
    /// anything else holds no snapshots.
    func thinVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> (vg: String, row: LVMReport.ThinRow)
    {
        let (vg, thinPool) = try thinPoolOf(pool)
        let rows = try await thinReport(vg + "/" + volume.name).thin
        guard let row = rows.first(where: { $0.lv_name == volume.name }) else {
            throw StorageError(.noSuchVolume, "no storage vol with matching name '\(volume.name)'", value: volume.name)
        }
        guard row.isThinVolume, row.pool_lv == thinPool else {
            var error = unsupported("snapshots of volume '\(volume.name)', which is not a thin volume of thin pool '\(thinPool)'")
            error.hint = "only thin volumes hold snapshots"
            throw error
        }
        return (vg, row)
    }

    /// The pool's volume group and thin pool; a pool without one holds no snapshots.
    func thinPoolOf(_ pool: PoolDefinition) throws(StorageError) -> (vg: String, thinPool: String) {
        let vg = try Self.volumeGroup(pool)
        guard let thinPool = pool.thinPool else {
            var error = unsupported("volume snapshots without a thin pool")
            error.hint = "name a thin pool of volume group '\(vg)' in the pool's XML: <vs:thinpool name='…'/>"
            throw error
        }
        return (vg, thinPool)
    }

    /// The rows of the volume's snapshots, oldest first.
    func snapshotRows(of volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> [(LVMReport.ThinRow, ThinSnapshotTags)]
    {
        let rows = try await thinReport(try thinPoolOf(pool).vg).thin
        return rows.compactMap { row in ThinSnapshotTags(row.tags).map { (row, $0) } }
            .filter { $0.1.volume == volume.name }
            .sorted { ($0.0.lv_time, $0.0.lv_name) < ($1.0.lv_time, $1.0.lv_name) }
    }

    /// The row of the LV that holds snapshot `name` of the volume.
    func snapshotLV(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> LVMReport.ThinRow
    {
        guard let (row, _) = try await snapshotRows(of: volume, in: pool).first(where: { $0.1.name == name }) else {
            throw StorageError(
                .noSuchSnapshot, "snapshot '\(name)' of volume '\(volume.name)' not found", value: name)
        }
        return row
    }

    /// A writable copy of the snapshot named `name`. lvm may carry the
    /// snapshot's tags over to it, and the copy is no snapshot: they are
    /// removed (removing a tag an LV lacks succeeds).
    func makeWritableCopy(of snapshot: LVMReport.ThinRow, named name: String, vg: String) async throws(StorageError) {
        try await run(LVMCommand.thinCopy(of: vg + "/" + snapshot.lv_name, name: name))
        do throws(StorageError) {
            try await run(LVMCommand.deleteTags(snapshot.tags, of: vg + "/" + name))
        } catch {
            _ = try? await runner.capture(with(LVMCommand.lvremove(vg + "/" + name)))
            throw error
        }
    }

    /// `snap_VOL_NAME`, with the ':' lvm names do not take as '_'.
    static func snapshotLVName(_ name: String, of volume: VolumeDefinition) throws(StorageError) -> String {
        let lv = "snap_\(volume.name)_\(name.replacingOccurrences(of: ":", with: "_"))"
        guard LogicalVolumeName.isValid(lv) else {
            throw StorageError(
                .invalidArgument, "snapshot '\(name)' of volume '\(volume.name)' cannot be named as an LV: '\(lv)'",
                value: name, hint: "an LV name has at most 127 bytes and none of lvm's reserved parts (_tmeta, _rimage, …)")
        }
        return lv
    }

    /// Where the volume waits while it is reverted.
    static func asideName(_ volume: VolumeDefinition) throws(StorageError) -> String {
        let aside = String(volume.name.prefix(100)) + ".reverting"
        guard LogicalVolumeName.isValid(aside) else {
            throw StorageError(.invalidArgument, "volume '\(volume.name)' cannot be renamed aside", value: volume.name)
        }
        return aside
    }
}
