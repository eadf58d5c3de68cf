import Foundation

/// Export and import of volumes as VirtStorage volume streams (beyond
/// libvirt): a volume of any pool with data becomes one self-describing,
/// checksummed stream, and a stream becomes a new volume in any pool that
/// can hold its format.
extension StorageHost {
    /// A volume as a volume stream, read as the caller consumes it: write it
    /// to a file (``exportVolume(_:in:snapshot:base:format:to:progress:)``) or send
    /// it over a connection of your own. Holes are sent as zeros records,
    /// without data.
    ///
    /// The stream carries the volume's bytes as they are stored: a raw
    /// volume's data, or a qcow2 (or other image) file as a whole. The volume
    /// is read as it is while the stream is consumed, or as it was at
    /// `snapshot` where its backend can read snapshots (rbd, btrfs). With a
    /// `base` snapshot too, the stream holds only what changed from `base` to
    /// `snapshot` (rbd, through librbd's diff iteration): an incremental
    /// stream, which ``importVolume(_:into:from:progress:)`` applies to a
    /// volume that holds `base`.
    ///
    /// `format` names the pool type's own stream format instead
    /// (`btrfs-send`, from ``NativeStreamingBackend/nativeStreamFormat``):
    /// the records then carry that stream, taken at `snapshot` (and from
    /// `base`), which only a pool of the same type imports. nil, or the
    /// stored format's name, gives the volume's bytes.
    public func exportVolume(
        _ name: String, in pool: String, snapshot: String? = nil, base: String? = nil, format: String? = nil,
        progress: ProgressHandler? = nil
    ) async throws(StorageError) -> VolumeExportStream {
        let volume = try await self.volume(name, in: pool)
        let def = try activeDefinition(pool)
        try requireAllocated(volume.name, in: pool)
        guard volume.definition.type != .dir else {
            throw StorageError(
                .operationUnsupported, "volume '\(volume.name)' is a directory: it has no data to export",
                value: volume.name)
        }
        let backend = try backends.backend(for: def.type)
        let stored = Self.streamFormat(of: volume.definition, in: def.type)
        // An image file of a pool of files is converted, or read at an
        // internal snapshot, through a stage that qemu-img writes.
        let staged = Self.isImage(volume.definition.target.format, def.type)
            && PoolTypeRules.of(def.type).imageFilesHavePaths
        // Raw data of a local pool of files can be converted into a qcow2 image by qemu-img.
        let intoImage = stored == "raw" && PoolTypeRules.of(def.type).imageFilesHavePaths
        if let format, format != stored {
            if format == "raw" && staged {
                return try await exportStaged(
                    volume, in: def, backend, as: .raw, snapshot: snapshot, base: base, progress: progress)
            }
            if format == "qcow2" && intoImage {
                if snapshot != nil {
                    throw StorageError(
                        .operationUnsupported,
                        "volume '\(volume.name)' is exported as qcow2 as it is now only, not at a snapshot",
                        value: volume.name,
                        hint: "clone the snapshot (vol-clone --snapshot) and export the clone, or export it at the snapshot as raw")
                }
                return try await exportStaged(
                    volume, in: def, backend, as: .qcow2, snapshot: nil, base: base, progress: progress)
            }
            return try await exportNative(
                volume, in: def, backend, format: format, stored: stored,
                conversions: staged ? ["raw"] : intoImage ? ["qcow2"] : [], snapshot: snapshot, base: base,
                progress: progress)
        }
        if snapshot != nil && staged, let imageFormat = volume.definition.target.format {
            return try await exportStaged(
                volume, in: def, backend, as: imageFormat, snapshot: snapshot, base: base, progress: progress)
        }
        let data: any VolumeData
        if let snapshot {
            let snapshotting = try Self.snapshotting(backend)
            let vol = volume.definition
            try await Self.requireSnapshot(snapshot, of: vol, snapshotting, def)
            if let base { try await Self.requireSnapshot(base, of: vol, snapshotting, def) }
            data = try await snapshotting.openData(vol, in: def, atSnapshot: snapshot)
        } else {
            if base != nil {
                throw StorageError(
                    .invalidArgument, "an incremental stream of volume '\(volume.name)' needs the snapshot it ends at",
                    hint: "give the snapshot as well as the base (vol-export --snapshot S2 --base S1)")
            }
            data = try await backend.openData(volume.definition, in: def, writable: false)
        }
        let header = VolumeStreamHeader(
            format: stored, size: data.size,
            capacity: snapshot == nil ? volume.definition.capacity : data.size, volume: volume.name,
            poolType: def.type.rawValue, snapshot: snapshot, base: base,
            created: ISO8601DateFormatter().string(from: Date()))
        guard let base else {
            let reader = try VolumeReader(data, offset: 0, length: nil, sparse: true)
            return VolumeExportStream(header: header, source: .whole(reader), progress: progress)
        }
        guard let tracking = data as? any ChangeTrackingVolumeData else {
            throw backend.unsupported("reading the changes between two snapshots")
        }
        let extents = try await tracking.changes(since: base)
        return VolumeExportStream(
            header: header, source: .changes(ChangeReader(data: tracking, extents: extents)), progress: progress)
    }

    /// An image file's stream through a stage of its pool: the image
    /// converted into `format` (raw), or its internal snapshot `snapshot`
    /// as an image of its own (or raw). The stage goes when the stream ends.
    private func exportStaged(
        _ volume: StorageVolume, in def: PoolDefinition, _ backend: any StorageBackend, as format: VolumeFormat,
        snapshot: String?, base: String?, progress: ProgressHandler?
    ) async throws(StorageError) -> VolumeExportStream {
        let vol = volume.definition
        if let base {
            return try await exportQCow2Changes(
                volume, in: def, backend, snapshot: snapshot, base: base, progress: progress)
        }
        if let snapshot { try await Self.requireSnapshot(snapshot, of: vol, try Self.snapshotting(backend), def) }
        let owner = StageOwner(
            try await StageVolume.make(
                in: def, backend, capacity: vol.capacity, from: vol, snapshot: snapshot, format: format))
        do throws(StorageError) {
            let data = try await backend.openData(owner.stage.definition, in: def, writable: false)
            let header = VolumeStreamHeader(
                format: format.rawValue, size: data.size, capacity: vol.capacity, volume: volume.name,
                poolType: def.type.rawValue, snapshot: snapshot, created: ISO8601DateFormatter().string(from: Date()))
            let reader = try VolumeReader(data, offset: 0, length: nil, sparse: true)
            return VolumeExportStream(header: header, source: .whole(reader), progress: progress, stage: owner)
        } catch {
            await owner.remove()
            throw error
        }
    }

    /// The changes of a qcow2 image's guest bytes between two of its
    /// internal snapshots, as raw data: the runs found in the image's tables
    /// (``QCow2SnapshotChanges``), read in place where they are plain
    /// clusters, else from a raw stage of the later snapshot.
    private func exportQCow2Changes(
        _ volume: StorageVolume, in def: PoolDefinition, _ backend: any StorageBackend, snapshot: String?,
        base: String, progress: ProgressHandler?
    ) async throws(StorageError) -> VolumeExportStream {
        let vol = volume.definition
        guard let snapshot else {
            throw StorageError(
                .invalidArgument, "an incremental stream of volume '\(volume.name)' needs the snapshot it ends at",
                hint: "give the snapshot as well as the base (vol-export --snapshot S2 --base S1)")
        }
        guard vol.target.format == .qcow2, !ChainSnapshots.holds(vol), let path = vol.target.path else {
            throw StorageError(
                .operationUnsupported,
                "the changes between two snapshots of a \(vol.target.format?.rawValue ?? "raw") image cannot be read",
                value: volume.name, hint: "export the volume at each snapshot instead")
        }
        guard base != snapshot else {
            throw StorageError(
                .invalidArgument, "the stream's base and end are the same snapshot '\(base)'", value: base,
                hint: "give an older snapshot as the base")
        }
        let snapshotting = try Self.snapshotting(backend)
        try await Self.requireSnapshot(snapshot, of: vol, snapshotting, def)
        try await Self.requireSnapshot(base, of: vol, snapshotting, def)
        let changes = try await BlockingIO.run(.metadata) { () throws(StorageError) in
            try QCow2SnapshotChanges.changes(in: path, from: base, to: snapshot)
        }
        let header = VolumeStreamHeader(
            format: "raw", size: changes.size, capacity: vol.capacity, volume: volume.name,
            poolType: def.type.rawValue, snapshot: snapshot, base: base,
            created: ISO8601DateFormatter().string(from: Date()))
        if let hostOffsets = changes.hostOffsets {
            let data = try QCow2ClusterData(path: path, changes: changes, hostOffsets: hostOffsets)
            return VolumeExportStream(
                header: header, source: .changes(ChangeReader(data: data, extents: changes.extents)), progress: progress)
        }
        // Compressed clusters, or runs read from a backing file: from a converted copy.
        let owner = StageOwner(
            try await StageVolume.make(
                in: def, backend, capacity: vol.capacity, from: vol, snapshot: snapshot, format: .raw))
        do throws(StorageError) {
            let data = try await backend.openData(owner.stage.definition, in: def, writable: false)
            return VolumeExportStream(
                header: header, source: .changes(ChangeReader(data: data, extents: changes.extents)),
                progress: progress, stage: owner)
        } catch {
            await owner.remove()
            throw error
        }
    }

    /// Writes a volume's stream to a new file at `path` (an existing file is
    /// refused); a failure removes the file. Returns the stream's header.
    @discardableResult
    public func exportVolume(
        _ name: String, in pool: String, snapshot: String? = nil, base: String? = nil, format: String? = nil,
        to path: String, progress: ProgressHandler? = nil
    ) async throws(StorageError) -> VolumeStreamHeader {
        let stream = try await exportVolume(
            name, in: pool, snapshot: snapshot, base: base, format: format, progress: progress)
        let file = try StreamFile.creating(path)
        defer { file.close() }
        do throws(StorageError) {
            try await StorageError.converting({ "exporting volume '\(name)' failed: \($0)" }) {
                try await file.write(stream)
            }
        } catch {
            SystemCalls.removeIfPresent(path)
            throw error
        }
        return stream.header
    }

    /// Creates the volume `name` in `pool` from a volume stream given in
    /// pieces of bytes (as ``VolumeExportStream`` gives them, cut anywhere);
    /// a stream taken at a snapshot leaves that snapshot on the new volume
    /// where the volume can hold snapshots (rbd, btrfs, zfs, qcow2), so that
    /// later incremental streams apply to it.
    ///
    /// An incremental stream instead applies its changes to the existing
    /// volume `name`, which must hold the stream's base snapshot and not yet
    /// its end snapshot, then takes the end snapshot, as `rbd import-diff`
    /// does: the volume then matches the source at that snapshot.
    ///
    /// Every checksum is checked as the stream arrives; a stream that is
    /// truncated or corrupted, of another format than the pool can hold, or
    /// that does not fit, fails with one error and leaves no new volume behind
    /// (an incremental import brings the volume back as it was).
    /// A volume of that name already there is refused before anything is read
    /// beyond the header.
    @discardableResult
    public func importVolume<S: AsyncSequence>(
        _ name: String, into pool: String, from stream: S, progress: ProgressHandler? = nil
    ) async throws(StorageError) -> StorageVolume where S.Element == [UInt8] {
        var decoder = VolumeStreamDecoder(stream.makeAsyncIterator())
        let header = try await decoder.header()
        let type = try activeDefinition(pool).type
        if header.isNative {
            return try await importNative(header, &decoder, as: name, into: pool, progress: progress)
        }
        if header.isIncremental {
            return try await applyIncrement(header, &decoder, to: name, in: pool, progress: progress)
        }
        try require(.createVolume, try backends.backend(for: type), "volume creation")
        var vol = try Self.importedVolume(name, header, into: type)
        let (def, backend) = try await prepareNewVolume(&vol, in: pool, copying: false)
        let made = try await creationJob(vol, in: pool, backend) { () async throws(StorageError) -> VolumeDefinition? in
            try await fillNewVolume(vol, in: def, backend, secrets: VolumeSecrets()) { (data) async throws(StorageError) in
                guard data.size >= header.size else {
                    throw StorageError(
                        .operationFailed,
                        "volume '\(name)' was made with \(data.size) bytes, fewer than the stream's \(header.size)")
                }
                try await Self.write(&decoder, into: data, named: name, size: header.size, progress: progress)
            }
            return nil
        }
        guard let snapshot = header.snapshot, backend.capabilities.contains(.snapshots),
            (backend as? any SnapshottingBackend)?.snapshotKeepsVolume(made.definition) != false
        else { return made }
        do throws(StorageError) {
            try await createSnapshot(snapshot, of: name, in: pool, description: "imported from \(header.volume)")
        } catch where error.code == .operationUnsupported {
            // A volume that cannot hold snapshots (a raw file) keeps the data alone.
            return made
        } catch {
            try? await deleteVolume(name, in: pool)
            throw error
        }
        return try await volume(name, in: pool)
    }

    /// Applies an incremental stream to the volume that holds its base
    /// snapshot, under a snapshot of its own that brings the volume back if
    /// anything fails; then takes the stream's end snapshot.
    private func applyIncrement<Input>(
        _ header: VolumeStreamHeader, _ decoder: inout VolumeStreamDecoder<Input>, to name: String, in pool: String,
        progress: ProgressHandler?
    ) async throws(StorageError) -> StorageVolume {
        let (backend, vol, def) = try await snapshotting(name, in: pool)
        // The changes are the guest's bytes: an image file (a qcow2 file, or
        // a raw file turned into a chain of overlays) does not hold them as they are.
        if Self.isImage(vol.target.format, def.type) {
            throw StorageError(
                .operationUnsupported,
                "volume '\(name)' is a \(vol.target.format?.rawValue ?? "") image: a stream's changes apply to raw data only",
                value: name, hint: "import the stream at its end snapshot as a new volume instead")
        }
        let end = try await Self.requireIncrementApplies(header, to: vol, backend, def)
        guard header.size == vol.capacity else {
            throw StorageError(
                .operationUnsupported,
                "the stream's changes are for a volume of \(header.size) bytes; volume '\(name)' has \(vol.capacity)",
                hint: "resize the volume to the source's size first")
        }
        let undo = "virtstorage-import-" + String(UUID().uuidString.prefix(8)).lowercased()
        try await volumeJob(name, in: pool, .snapshots, "import", announcing: .uploaded) {
            (_, vol, def) throws(StorageError) in
            try await backend.createSnapshot(undo, description: nil, of: vol, in: def)
            do throws(StorageError) {
                let data = try await backend.openData(vol, in: def, writable: true)
                try await Self.write(&decoder, into: data, named: name, size: header.size, progress: progress)
                try await backend.createSnapshot(end, description: "imported from \(header.volume)", of: vol, in: def)
            } catch {
                try? await backend.revertSnapshot(undo, of: vol, in: def)
                try? await backend.deleteSnapshot(undo, of: vol, in: def)
                throw error
            }
            try await backend.deleteSnapshot(undo, of: vol, in: def)
        }
        emit(.volume(pool: pool, name: name, change: .snapshotCreated))
        return try await volume(name, in: pool)
    }

    /// Refuses an incremental stream for a volume that does not hold its
    /// base snapshot, or holds its end snapshot already; returns the end.
    static func requireIncrementApplies(
        _ header: VolumeStreamHeader, to vol: VolumeDefinition, _ backend: any SnapshottingBackend,
        _ def: PoolDefinition
    ) async throws(StorageError) -> String {
        guard let base = header.base, let end = header.snapshot else {
            throw StorageError(.invalidStream, "the incremental stream names no snapshot it ends at")
        }
        let held = try await backend.snapshots(of: vol, in: def).map(\.name)
        guard held.contains(base) else {
            throw StorageError(
                .noSuchSnapshot,
                "volume '\(vol.name)' has no snapshot '\(base)', which the stream's changes start from", value: base,
                hint: "import the stream of '\(header.volume)' at '\(base)' first, or one whose base this volume holds")
        }
        guard !held.contains(end) else {
            throw StorageError(
                .operationInvalid, "volume '\(vol.name)' already has snapshot '\(end)', at which the stream ends",
                value: end)
        }
        return end
    }

    /// Writes the stream's records into the volume's data, up to and
    /// including the verified end record, then waits until they are stored.
    private static func write<Input>(
        _ decoder: inout VolumeStreamDecoder<Input>, into data: any VolumeData, named name: String, size: UInt64,
        progress: ProgressHandler?
    ) async throws(StorageError) {
        while let (offset, chunk) = try await decoder.next() {
            try StorageError.checkCancellation("the import of volume '\(name)'")
            switch chunk {
            case .data(let bytes): try await data.write(bytes, at: offset)
            case .hole(let length): try await data.zero(at: offset, length: length)
            }
            progress?(offset + chunk.count, size)
        }
        try await data.flush()
    }

    /// Creates the volume `name` in `pool` from the volume stream in the file at `path`.
    @discardableResult
    public func importVolume(
        _ name: String, into pool: String, fromFile path: String, progress: ProgressHandler? = nil
    ) async throws(StorageError) -> StorageVolume {
        let file = try StreamFile.reading(path)
        defer { file.close() }
        return try await importVolume(name, into: pool, from: file.pieces, progress: progress)
    }

    /// The format a stream gives a volume's bytes: the image format of a file
    /// in a pool of image files, raw everywhere else.
    static func streamFormat(of volume: VolumeDefinition, in type: PoolType) -> String {
        PoolTypeRules.of(type).holdsImageFiles ? volume.target.format?.rawValue ?? "raw" : "raw"
    }

    /// The new volume a stream makes: its size, and raw bytes (an image
    /// file's format is found in its bytes once they are written). A pool
    /// that cannot hold the stream's format refuses it before anything is made.
    static func importedVolume(_ name: String, _ header: VolumeStreamHeader, into type: PoolType)
        throws(StorageError) -> VolumeDefinition
    {
        let rules = PoolTypeRules.of(type)
        guard rules.holdsBytes(of: header.format) else {
            throw StorageError(
                .operationUnsupported,
                "a \(header.format) stream cannot be imported into a \(type.rawValue) pool: its volumes hold raw data only",
                value: header.format, hint: "export the volume from a raw one, or import into a pool of image files")
        }
        var vol = VolumeDefinition(name: name)
        vol.capacity = header.size
        vol.capacitySpecified = true
        vol.allocation = 0
        vol.allocationSpecified = true
        if rules.holdsImageFiles { vol.target.format = .raw }
        try VolumeXML.normalize(&vol, poolType: type)
        return vol
    }
}
