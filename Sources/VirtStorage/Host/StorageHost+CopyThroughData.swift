extension StorageHost {
    /// Whether create-from copies the source's bytes through the two
    /// backends' ``VolumeData`` rather than letting the target backend read
    /// the source itself: when the target's pool type has no create-from of
    /// its own (disk, logical, ...), the source lives in a pool reached over
    /// the network of another type (an rbd image into a dir pool), or the
    /// source is an image file (qcow2) to be converted for a pool whose
    /// backend cannot run qemu-img on its files (rbd, gluster, ...).
    static func copiesThroughData(
        _ source: StorageVolume, into target: PoolType, as volume: VolumeDefinition, _ backends: BackendRegistry
    ) -> Bool {
        guard let backend = try? backends.backend(for: target) else { return false }
        guard source.poolType != target else { return !backend.capabilities.contains(.buildVolumeFrom) }
        return !backend.capabilities.contains(.buildVolumeFrom)
            || PoolTypeRules.of(source.poolType).sourceElements.contains(.network)
            || (isImage(source.format, source.poolType) && !PoolTypeRules.of(target).imageFilesHavePaths
                && (volume.format ?? .raw) != source.format)
    }

    /// Whether a volume of `type` with `format` holds an image file's bytes
    /// (qcow2, ...) rather than a guest's.
    static func isImage(_ format: VolumeFormat?, _ type: PoolType) -> Bool {
        PoolTypeRules.of(type).holdsImageFiles && format != nil && format != .raw
    }

    /// What a copy across pool types does with the format of the bytes:
    /// nothing between raw data; a conversion through a stage file where
    /// one end is an image file at a path of this host and the other raw
    /// data. Anything else is refused before a volume is made.
    static func conversion(_ volume: VolumeDefinition, from source: StorageVolume, into target: PoolType)
        throws(StorageError) -> CopyConversion
    {
        let fromImage = isImage(source.format, source.poolType)
        let toImage = isImage(volume.format, target)
        switch (fromImage, toImage) {
        case (false, false): return .none
        case (false, true) where PoolTypeRules.of(target).imageFilesHavePaths: return .intoImage
        case (true, false) where PoolTypeRules.of(source.poolType).imageFilesHavePaths: return .outOfImage
        default:
            throw StorageError(
                .operationUnsupported,
                "cannot copy volume '\(source.name)' (\(source.format ?? .raw)) of a \(source.poolType.rawValue) pool into a \(volume.format ?? .raw) volume of a \(target.rawValue) pool: one end must be raw data, and the image a file of this host",
                value: source.name,
                hint: "create the new volume as raw, or convert the image with qemu-img where both are files")
        }
    }

    /// A copy through the data path reads and writes every byte: it cannot
    /// share the source's extents (`--reflink`).
    static func noReflink(from source: StorageVolume, into target: PoolType) -> StorageError {
        StorageError(
            .operationUnsupported,
            "a reflink copy of volume '\(source.name)' of a \(source.poolType.rawValue) pool into a \(target.rawValue) pool is not possible",
            value: source.name, hint: "without --reflink the bytes are copied")
    }

    /// Copies the source's bytes into a new volume chunk by chunk, holes as
    /// zeros the target need not store; converting them through a stage
    /// file where ``conversion(_:from:into:)`` says so.
    func copyThroughData(
        _ volume: VolumeDefinition, from source: StorageVolume, in pool: PoolDefinition, _ backend: any StorageBackend,
        conversion: CopyConversion, secrets: VolumeSecrets, progress: ProgressHandler?
    ) async throws(StorageError) {
        let sourcePool = try activeDefinition(source.pool)
        let sourceBackend = try backends.backend(for: sourcePool.type)
        switch conversion {
        case .none:
            try await fillNewVolume(volume, in: pool, backend, secrets: secrets) { (output) async throws(StorageError) in
                let input = try await sourceBackend.openData(source.definition, in: sourcePool, writable: false)
                try await Self.copy(input, into: output, named: source.name, progress: progress)
            }
        case .intoImage:
            // The raw bytes go to a stage of the target's pool; its backend converts them into the image.
            try await StageVolume.make(in: pool, backend, capacity: source.capacity).removed {
                (stage) async throws(StorageError) in
                let input = try await sourceBackend.openData(source.definition, in: sourcePool, writable: false)
                let output = try await backend.openData(stage.definition, in: pool, writable: true)
                try await Self.copy(input, into: output, named: source.name, progress: progress)
                try await output.flush()
                try await backend.buildVolume(
                    volume, from: stage.definition, in: pool, options: VolumeBuildOptions(),
                    secrets: VolumeSecrets(volume: secrets.volume), progress: nil)
            }
        case .outOfImage:
            // The source's backend converts the image into a raw stage of its pool, whose bytes are copied.
            let stage = try await StageVolume.make(
                in: sourcePool, sourceBackend, capacity: source.capacity, from: source.definition,
                secrets: VolumeSecrets(input: secrets.input))
            try await stage.removed { (stage) async throws(StorageError) in
                try await fillNewVolume(volume, in: pool, backend, secrets: VolumeSecrets(volume: secrets.volume)) {
                    (output) async throws(StorageError) in
                    let input = try await sourceBackend.openData(stage.definition, in: sourcePool, writable: false)
                    try await Self.copy(input, into: output, named: source.name, progress: progress)
                }
            }
        }
    }

    /// Copies `input`'s bytes (as many as both hold) into `output`, holes skipped.
    private static func copy(
        _ input: any VolumeData, into output: any VolumeData, named name: String, progress: ProgressHandler?
    ) async throws(StorageError) {
        let count = min(input.size, output.size)
        let reader = try VolumeReader(input, offset: 0, length: count, sparse: true)
        try await StorageError.converting({ "copying volume '\(name)' failed: \($0)" }) {
            try await VolumeWriter(output, offset: 0, length: count).write(reader, at: 0, progress: progress)
        }
    }

    /// Makes the new volume empty, then lets `fill` write its bytes through
    /// its ``VolumeData``; a failure removes the new volume.
    func fillNewVolume(
        _ volume: VolumeDefinition, in pool: PoolDefinition, _ backend: any StorageBackend, secrets: VolumeSecrets,
        _ fill: (any VolumeData) async throws(StorageError) -> Void
    ) async throws(StorageError) {
        try await backend.buildVolume(
            volume, from: nil, in: pool, options: VolumeBuildOptions(), secrets: secrets, progress: nil)
        let made = (try? await backend.refreshVolume(volume, in: pool)) ?? volume
        do throws(StorageError) {
            try await fill(try await backend.openData(made, in: pool, writable: true))
        } catch {
            try? await backend.deleteVolume(made, in: pool, withSnapshots: false)
            throw error
        }
    }
}
