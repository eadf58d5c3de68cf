import Foundation

/// Export and import of volumes as VirtStorage volume streams (beyond
/// libvirt): a volume of any pool with data becomes one self-describing,
/// checksummed stream, and a stream becomes a new volume in any pool that
/// can hold its format.
extension StorageHost {
    /// A volume as a volume stream, read as the caller consumes it: write it
    /// to a file (``exportVolume(_:in:to:progress:)``) or send it over a
    /// connection of your own. Holes are sent as zeros records, without data.
    ///
    /// The stream carries the volume's bytes as they are stored: a raw
    /// volume's data, or a qcow2 (or other image) file as a whole.
    /// The volume is read as it is while the stream is consumed; take a
    /// snapshot first to export a volume in use.
    public func exportVolume(_ name: String, in pool: String, progress: ProgressHandler? = nil)
        async throws(StorageError) -> VolumeExportStream
    {
        let volume = try await self.volume(name, in: pool)
        let def = try activeDefinition(pool)
        if let busy = records[pool]?.busyVolumes[volume.name], busy == "creation" {
            throw StorageError(.operationInvalid, "volume '\(volume.name)' is still being allocated.", value: volume.name)
        }
        guard volume.definition.type != .dir else {
            throw StorageError(
                .operationUnsupported, "volume '\(volume.name)' is a directory: it has no data to export",
                value: volume.name)
        }
        let data = try await backends.backend(for: def.type).openData(volume.definition, in: def, writable: false)
        let header = VolumeStreamHeader(
            format: Self.streamFormat(of: volume.definition, in: def.type), size: data.size,
            capacity: volume.definition.capacity, volume: volume.name, poolType: def.type.rawValue,
            created: ISO8601DateFormatter().string(from: Date()))
        let reader = try VolumeReader(data, offset: 0, length: nil, sparse: true)
        return VolumeExportStream(header: header, reader: reader, progress: progress)
    }

    /// Writes a volume's stream to a new file at `path` (an existing file is
    /// refused); a failure removes the file. Returns the stream's header.
    @discardableResult
    public func exportVolume(_ name: String, in pool: String, to path: String, progress: ProgressHandler? = nil)
        async throws(StorageError) -> VolumeStreamHeader
    {
        let stream = try await exportVolume(name, in: pool, progress: progress)
        let file = try StreamFile.creating(path)
        defer { file.close() }
        do throws(StorageError) {
            try await Self.storageErrors("exporting volume '\(name)'") { try await file.write(stream) }
        } catch {
            SystemCalls.removeIfPresent(path)
            throw error
        }
        return stream.header
    }

    /// Creates the volume `name` in `pool` from a volume stream given in
    /// pieces of bytes (as ``VolumeExportStream`` gives them, cut anywhere).
    ///
    /// Every checksum is checked as the stream arrives; a stream that is
    /// truncated or corrupted, of another format than the pool can hold, or
    /// that does not fit, fails with one error and leaves no volume behind.
    /// A volume of that name already there is refused before anything is read
    /// beyond the header.
    @discardableResult
    public func importVolume<S: AsyncSequence>(
        _ name: String, into pool: String, from stream: S, progress: ProgressHandler? = nil
    ) async throws(StorageError) -> StorageVolume where S.Element == [UInt8] {
        var decoder = VolumeStreamDecoder(stream.makeAsyncIterator())
        let header = try await decoder.header()
        let type = try activeDefinition(pool).type
        guard !header.isIncremental else {
            throw StorageError(
                .operationUnsupported,
                "the stream holds the changes of volume '\(header.volume)' since snapshot '\(header.base ?? "")': importing incremental streams is not supported yet",
                value: header.base)
        }
        try require(.createVolume, try backends.backend(for: type), "volume creation")
        var vol = try Self.importedVolume(name, header, into: type)
        let (def, backend) = try await prepareNewVolume(&vol, in: pool, copying: false)
        return try await creationJob(vol, in: pool, backend) { () async throws(StorageError) -> VolumeDefinition? in
            try await fillNewVolume(vol, in: def, backend, secrets: VolumeSecrets()) { (data) async throws(StorageError) in
                guard data.size >= header.size else {
                    throw StorageError(
                        .operationFailed,
                        "volume '\(name)' was made with \(data.size) bytes, fewer than the stream's \(header.size)")
                }
                while let (offset, chunk) = try await decoder.next() {
                    if Task.isCancelled {
                        throw StorageError(
                            .operationFailed, "the import of volume '\(name)' was cancelled; the partial volume is removed")
                    }
                    switch chunk {
                    case .data(let bytes): try await data.write(bytes, at: offset)
                    case .hole(let length): try await data.zero(at: offset, length: length)
                    }
                    progress?(offset + chunk.count, header.size)
                }
                try await data.flush()
            }
            return nil
        }
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

    /// Runs `body`, whose errors are a StorageError or another, as StorageErrors.
    static func storageErrors(_ what: String, _ body: () async throws -> Void) async throws(StorageError) {
        do { try await body() } catch let error as StorageError { throw error } catch {
            throw StorageError(.operationFailed, "\(what) failed: \(error)")
        }
    }
}
