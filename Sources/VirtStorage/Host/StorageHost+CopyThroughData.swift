extension StorageHost {
    /// Whether create-from copies the source's bytes through the two
    /// backends' ``VolumeData`` rather than letting the target backend read
    /// the source itself: when the target's pool type has no create-from of
    /// its own (disk, logical, ...), or the source lives in a pool reached
    /// over the network of another type (an rbd image into a dir pool).
    static func copiesThroughData(_ source: StorageVolume, into target: PoolType, _ backends: BackendRegistry) -> Bool {
        guard let backend = try? backends.backend(for: target) else { return false }
        return !backend.capabilities.contains(.buildVolumeFrom)
            || (source.poolType != target
                && PoolTypeRules.of(source.poolType).sourceElements.contains(.network))
    }

    /// Across pool types the bytes are copied as they are: both ends must
    /// hold plain data (raw, or a pool type without image formats).
    static func requireRawBytes(_ volume: VolumeDefinition, from source: StorageVolume, into target: PoolType)
        throws(StorageError)
    {
        func raw(_ format: VolumeFormat?, _ type: PoolType) -> Bool {
            !PoolTypeRules.of(type).holdsImageFiles || format == nil || format == .raw
        }
        let from = source.format ?? .raw
        let to = volume.format ?? .raw
        guard raw(source.format, source.poolType), raw(volume.format, target) else {
            throw StorageError(
                .operationUnsupported,
                "cannot copy volume '\(source.name)' (\(from)) of a \(source.poolType.rawValue) pool into a \(to) volume of a \(target.rawValue) pool: between these pool types only raw data is copied",
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
    /// zeros the target need not store.
    func copyThroughData(
        _ volume: VolumeDefinition, from source: StorageVolume, in pool: PoolDefinition, _ backend: any StorageBackend,
        secrets: VolumeSecrets, progress: ProgressHandler?
    ) async throws(StorageError) {
        let sourcePool = try activeDefinition(source.pool)
        let sourceBackend = try backends.backend(for: sourcePool.type)
        try await fillNewVolume(volume, in: pool, backend, secrets: secrets) { (output) async throws(StorageError) in
            let input = try await sourceBackend.openData(source.definition, in: sourcePool, writable: false)
            let count = min(input.size, output.size)
            let reader = try VolumeReader(input, offset: 0, length: count, sparse: true)
            try await StorageError.converting({ "copying volume '\(source.name)' failed: \($0)" }) {
                try await VolumeWriter(output, offset: 0, length: count).write(reader, at: 0, progress: progress)
            }
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
