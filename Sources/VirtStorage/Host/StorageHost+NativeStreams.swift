import Foundation

/// Volume streams that carry a pool type's own stream format (btrfs send):
/// taken at a snapshot, and imported only into a pool of the same type,
/// whose backend (a ``NativeStreamingBackend``) receives them.
extension StorageHost {
    /// The volume's stream in its backend's own format, at a snapshot.
    /// `conversions`: the other formats the volume can be exported in (named if `format` is none of them).
    func exportNative(
        _ volume: StorageVolume, in def: PoolDefinition, _ backend: any StorageBackend, format: String,
        stored: String, conversions: [String], snapshot: String?, base: String?, progress: ProgressHandler?
    ) async throws(StorageError) -> VolumeExportStream {
        guard let native = backend as? any NativeStreamingBackend, native.nativeStreamFormat == format,
            backend.capabilities.contains(.snapshots)
        else {
            let choices =
                [stored] + conversions + ((backend as? any NativeStreamingBackend).map { [$0.nativeStreamFormat] } ?? [])
            throw StorageError(
                .operationUnsupported,
                "volume '\(volume.name)' of a \(def.type.rawValue) pool cannot be exported as \(format)", value: format,
                hint: "its streams are \(choices.joined(separator: " or "))")
        }
        guard let snapshot else {
            throw StorageError(
                .invalidArgument, "a \(format) stream of volume '\(volume.name)' is taken at a snapshot",
                hint: "take one (vol-snapshot-create) and give it (vol-export --snapshot S)")
        }
        let vol = volume.definition
        try await Self.requireSnapshot(snapshot, of: vol, native, def)
        if let base { try await Self.requireSnapshot(base, of: vol, native, def) }
        let source = try await native.sendStream(vol, in: def, snapshot: snapshot, base: base)
        let header = VolumeStreamHeader(
            format: format, size: vol.capacity, capacity: vol.capacity, volume: volume.name,
            poolType: def.type.rawValue, snapshot: snapshot, base: base,
            created: ISO8601DateFormatter().string(from: Date()), native: true)
        return VolumeExportStream(header: header, source: .native(source), progress: progress)
    }

    /// Gives a native stream to the backend of a pool of the type that made
    /// it: a whole stream makes the volume `name`; an incremental one is
    /// applied to the volume `name`, which holds the stream's base.
    func importNative<Input>(
        _ header: VolumeStreamHeader, _ decoder: inout VolumeStreamDecoder<Input>, as name: String,
        into pool: String, progress: ProgressHandler?
    ) async throws(StorageError) -> StorageVolume {
        let def = try activeDefinition(pool)
        let backend = try backends.backend(for: def.type)
        guard let native = backend as? any NativeStreamingBackend, native.nativeStreamFormat == header.format else {
            throw StorageError(
                .operationUnsupported,
                "a \(header.format) stream cannot be imported into a \(def.type.rawValue) pool", value: header.format,
                hint: "import it into a \(header.poolType) pool, or export the volume without --format (its bytes)")
        }
        guard let snapshot = header.snapshot else {
            throw StorageError(.invalidStream, "the \(header.format) stream names no snapshot it was taken at")
        }
        func pieces() async throws(StorageError) -> [UInt8]? {
            guard let (offset, chunk) = try await decoder.next() else { return nil }
            guard case .data(let bytes) = chunk else { return [] }
            try StorageError.checkCancellation("the import of volume '\(name)'")
            progress?(offset + UInt64(bytes.count), 0)
            return bytes
        }
        if header.isIncremental {
            try await volumeJob(name, in: pool, .snapshots, "import", announcing: .uploaded) {
                (_, vol, def) throws(StorageError) in
                let end = try await Self.requireIncrementApplies(header, to: vol, native, def)
                try await native.receiveStream(into: vol, in: def, snapshot: end, base: header.base, from: pieces)
            }
            emit(.volume(pool: pool, name: name, change: .snapshotCreated))
            return try await volume(name, in: pool)
        }
        try require(.createVolume, backend, "volume creation")
        var vol = VolumeDefinition(name: name)
        vol.capacity = header.capacity
        vol.capacitySpecified = true
        try VolumeXML.normalize(&vol, poolType: def.type)
        _ = try await prepareNewVolume(&vol, in: pool, copying: false)
        let made = vol
        return try await creationJob(made, in: pool, backend) { () async throws(StorageError) -> VolumeDefinition? in
            try await native.receiveStream(into: made, in: def, snapshot: snapshot, base: nil, from: pieces)
            return nil
        }
    }
}
