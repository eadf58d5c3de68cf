import Foundation

extension StorageHost {
    /// The live definition of an active pool (without copying its volume table).
    func activeDefinition(_ pool: String) throws(StorageError) -> PoolDefinition {
        guard let live = records[pool]?.live else {
            _ = try record(pool)
            throw StorageError(.operationInvalid, "storage pool '\(pool)' is not active", value: pool)
        }
        return live
    }

    func activeRecord(_ pool: String) throws(StorageError) -> Record {
        let record = try record(pool)
        guard record.isActive else {
            throw StorageError(.operationInvalid, "storage pool '\(pool)' is not active", value: pool)
        }
        return record
    }

    func volumeSnapshot(_ pool: String, _ volume: VolumeDefinition) -> StorageVolume {
        StorageVolume(pool: pool, poolType: records[pool]!.type, definition: volume)
    }

    /// Reads an active pool's volumes the first time this host needs them:
    /// checks that the pool is still there underneath (a reboot may have
    /// unmounted it, a cluster may be gone) and refreshes it. A pool whose
    /// check fails is inactive from then on, as a restarted libvirtd finds it.
    func loadVolumes(_ name: String) async throws(StorageError) {
        let record = try activeRecord(name)
        guard !record.volumesLoaded else { return }
        if let underway = record.volumeLoad {
            if let error = await underway.value { throw error }
            return
        }
        let load = Task { () -> StorageError? in
            do throws(StorageError) {
                try await self.checkAndRead(name)
                return nil
            } catch {
                return error
            }
        }
        record.volumeLoad = load
        let failure = await load.value
        record.volumeLoad = nil
        if let failure { throw failure }
    }

    private func checkAndRead(_ name: String) async throws(StorageError) {
        guard let live = records[name]?.live else { return }
        let backend = try backends.backend(for: live.type)
        guard (try? await backend.check(live)) == true else {
            logger.debug("pool \(name) is no longer there: inactive", metadata: ["pool": .string(name)])
            files.removeState(name)
            if let record = records[name] {
                record.live = nil
                record.replaceVolumes(VolumeTable())
                if record.config == nil { records[name] = nil }
            }
            throw StorageError(.operationInvalid, "storage pool '\(name)' is not active", value: name)
        }
        try await refreshRecord(name)
    }

    /// Volumes of an active pool, in the order virsh lists them (names
    /// compared without regard to ASCII case).
    public func volumes(in pool: String) async throws(StorageError) -> [StorageVolume] {
        Array(try await volumeListing(in: pool))
    }

    /// Volumes of an active pool, in the order of ``volumes(in:)``, each
    /// decoded when it is read: for pools too large to hold as an array of
    /// definitions (see <doc:LargePools>).
    public func volumeListing(in pool: String) async throws(StorageError) -> VolumeListing {
        try await loadVolumes(pool)
        let record = try activeRecord(pool)
        return VolumeListing(pool: pool, poolType: record.type, table: record.volumes)
    }

    /// A volume by name, or by path or key within the pool (as virsh accepts).
    ///
    /// Where the pool's volumes are not read yet and its backend can find
    /// one volume by itself (file pools), only that volume is read: the
    /// answer costs the same in a pool of ten volumes or of a million.
    public func volume(_ nameOrPath: String, in pool: String) async throws(StorageError) -> StorageVolume {
        let record = try activeRecord(pool)
        if !record.volumesLoaded, let def = record.live {
            if let known = record.volumes[nameOrPath] { return volumeSnapshot(pool, known) }
            switch try await lookUpAlone(Self.volumeName(nameOrPath, in: def), in: def) {
            case .found(let volume): return volumeSnapshot(pool, volume)
            case .absent:
                throw StorageError(.noSuchVolume, "no storage vol with matching path '\(nameOrPath)'", value: nameOrPath)
            case .unknown: break
            }
        }
        try await loadVolumes(pool)
        let type = try activeDefinition(pool).type
        if let volume = records[pool]?.volumes[nameOrPath] {
            return StorageVolume(pool: pool, poolType: type, definition: volume)
        }
        if let name = records[pool]?.name(forKey: nameOrPath), let volume = records[pool]?.volumes[name] {
            return StorageVolume(pool: pool, poolType: type, definition: volume)
        }
        if let volume = records[pool]?.volumes.volume(atPath: nameOrPath) {
            return StorageVolume(pool: pool, poolType: type, definition: volume)
        }
        throw StorageError(.noSuchVolume, "no storage vol with matching path '\(nameOrPath)'", value: nameOrPath)
    }

    /// One volume asked of the backend without listing the pool, as a
    /// refresh would report it.
    func lookUpAlone(_ name: String, in pool: PoolDefinition) async throws(StorageError) -> VolumeLookup {
        let lookup = try await backends.backend(for: pool.type).lookupVolume(named: name, in: pool)
        guard case .found(var volume) = lookup else { return lookup }
        if pool.refreshVolumeAllocation == .capacity { volume.allocation = volume.capacity }
        return .found(volume)
    }

    /// The name a volume argument gives within `pool`: itself, or for a path
    /// in the pool's directory, the file's name there.
    private static func volumeName(_ nameOrPath: String, in pool: PoolDefinition) -> String {
        guard let dir = pool.target.path, nameOrPath.hasPrefix(dir + "/") else { return nameOrPath }
        return String(nameOrPath.dropFirst(dir.count + 1))
    }

    /// A volume of any active pool by key.
    public func volume(key: String) async throws(StorageError) -> StorageVolume {
        if let found = await search(key, matches: { $0.key == key }, { record in record.name(forKey: key).flatMap { record.volumes[$0] } }) {
            return found
        }
        throw StorageError(.noSuchVolume, "no storage vol with matching key \(key)", value: key)
    }

    /// A volume of any active pool by path.
    public func volume(path: String) async throws(StorageError) -> StorageVolume {
        let clean = PathSanitizer.sanitize(path)
        if let found = await search(clean, matches: { $0.target.path == clean }, { $0.volumes.volume(atPath: clean) }) {
            return found
        }
        // libvirt names the path as given and, when it differs, as it cleaned it up.
        let named = clean == path ? "'\(path)'" : "'\(path)' (\(clean))"
        throw StorageError(.noSuchVolume, "no storage vol with matching path \(named)", value: path)
    }

    /// A volume of any active pool by key, else by path: how virsh finds a
    /// volume named without its pool (`virsh vol-info /var/lib/images/a.img`).
    /// The error is the path lookup's.
    public func volume(keyOrPath: String) async throws(StorageError) -> StorageVolume {
        if let byKey = try? await volume(key: keyOrPath) { return byKey }
        return try await volume(path: keyOrPath)
    }

    /// Looks for a volume by key or path in the active pools, reading their
    /// volumes as it goes: first the pools whose directory holds the path (a
    /// file volume's key is its path), the others only when those do not
    /// have it; each group in name order. A pool that cannot be read is
    /// passed over. A pool whose backend finds one volume by itself is
    /// asked for that one file first (`matches` says whether it is the one).
    private func search(
        _ keyOrPath: String, matches: (VolumeDefinition) -> Bool, _ find: (Record) -> VolumeDefinition?
    ) async -> StorageVolume? {
        let active = records.filter(\.value.isActive).keys.sorted()
        let holding = active.filter { name in
            guard let dir = records[name]?.live?.target.path, dir.hasPrefix("/") else { return false }
            return keyOrPath.hasPrefix(dir.hasSuffix("/") ? dir : dir + "/")
        }
        for name in holding {
            guard let record = records[name], !record.volumesLoaded, let def = record.live,
                case .found(let volume)? = try? await lookUpAlone(Self.volumeName(keyOrPath, in: def), in: def),
                matches(volume)
            else { continue }
            return volumeSnapshot(name, volume)
        }
        for name in holding + active.filter({ !holding.contains($0) }) {
            guard (try? await loadVolumes(name)) != nil, let record = records[name], let volume = find(record) else {
                continue
            }
            return volumeSnapshot(name, volume)
        }
        return nil
    }

    // MARK: jobs

    /// Marks a volume busy for a job; the pool refuses stop/refresh meanwhile.
    func beginJob(_ pool: String, volume: String, _ what: String) throws(StorageError) {
        try ensureOpen()
        guard let record = records[pool] else {
            throw StorageError(.noSuchPool, "no storage pool with matching name '\(pool)'", value: pool)
        }
        if let busy = record.busyVolumes[volume] {
            // libvirt's words: a volume being built is "still being allocated", one in any other job "in use".
            let message =
                busy == "creation"
                ? "volume '\(volume)' is still being allocated." : "volume '\(volume)' is still in use."
            throw StorageError(.operationInvalid, message, value: volume, hint: "\(busy) is in progress")
        }
        record.busyVolumes[volume] = what
        record.jobs += 1
    }

    /// Refuses a volume whose creation is still under way as a source of data.
    func requireAllocated(_ volume: String, in pool: String) throws(StorageError) {
        guard records[pool]?.busyVolumes[volume] == "creation" else { return }
        throw StorageError(.operationInvalid, "volume '\(volume)' is still being allocated.", value: volume)
    }

    func endJob(_ pool: String, volume: String) {
        records[pool]?.busyVolumes[volume] = nil
        records[pool]?.jobs -= 1
    }

    func reread(_ pool: String, _ volume: VolumeDefinition) async {
        guard let live = records[pool]?.live, let backend = try? backends.backend(for: live.type),
            let fresh = try? await backend.refreshVolume(volume, in: live)
        else { return }
        records[pool]?.put(fresh)
    }

    /// After a volume change in a pool whose volumes share one table, re-reads
    /// the whole pool (its sizes and the other volumes changed too).
    func rereadPool(_ pool: String, _ backend: any StorageBackend) async {
        guard backend.capabilities.contains(.refreshPoolAfterVolumeChange) else { return }
        try? await refreshRecord(pool)
    }

    func require(_ capability: BackendCapabilities, _ backend: any StorageBackend, _ what: String)
        throws(StorageError)
    {
        guard backend.capabilities.contains(capability) else { throw backend.unsupported(what) }
    }

    // MARK: creating

    /// Creates a volume in an active pool (vol-create-as, or vol-create with
    /// a value instead of XML).
    ///
    /// A definition without a capacity takes its backing volume's:
    ///
    /// ```swift
    /// try await host.createVolume(VolumeDefinition(name: "vm1.qcow2", format: .qcow2),
    ///                             in: "images", backing: .volume("debian-12.qcow2"))
    /// ```
    @discardableResult
    public func createVolume(
        _ definition: VolumeDefinition, in pool: String, backing: VolumeBacking? = nil,
        preallocateMetadata: Bool = false, progress: ProgressHandler? = nil
    ) async throws(StorageError) -> StorageVolume {
        var vol = definition
        if let backing { vol.backingStore = try await resolve(backing, in: pool) }
        try VolumeXML.normalize(&vol, poolType: try activeDefinition(pool).type)
        guard vol.capacitySpecified || vol.backingStore != nil else {
            throw StorageError(
                .invalidArgument, "volume '\(vol.name)' has no capacity", element: "capacity",
                hint: "give VolumeDefinition(capacity:), or a backing volume whose size it takes")
        }
        return try await createVolume(
            in: pool, vol, from: nil, options: VolumeBuildOptions(preallocateMetadata: preallocateMetadata),
            progress: progress)
    }

    /// Creates a volume from XML in an active pool (vol-create); `validate`
    /// checks the XML against libvirt's schema first (the host's schemas).
    @discardableResult
    public func createVolume(
        in pool: String, xml: String, validate: Bool = false, preallocateMetadata: Bool = false,
        progress: ProgressHandler? = nil
    ) async throws(StorageError) -> StorageVolume {
        let type = try activeDefinition(pool).type
        if validate { try self.validate(xml, as: .volume) }
        let vol = try VolumeXML.parse(xml, poolType: type, capacity: .optionalWithBackingStore)
        return try await createVolume(
            in: pool, vol, from: nil, options: VolumeBuildOptions(preallocateMetadata: preallocateMetadata),
            progress: progress)
    }

    /// Creates a volume whose data comes from `source`, of this pool or
    /// another (vol-create-from). Without a capacity, or with a smaller one,
    /// the new volume is as large as the source.
    @discardableResult
    public func createVolume(
        _ definition: VolumeDefinition, in pool: String, from source: StorageVolume,
        preallocateMetadata: Bool = false, reflink: Bool = false, progress: ProgressHandler? = nil
    ) async throws(StorageError) -> StorageVolume {
        var vol = definition
        try VolumeXML.normalize(&vol, poolType: try activeDefinition(pool).type)
        return try await createVolume(
            in: pool, Self.sized(vol, from: source), from: source,
            options: VolumeBuildOptions(preallocateMetadata: preallocateMetadata, reflink: reflink), progress: progress)
    }

    /// Creates a volume from XML whose data comes from `source` (vol-create-from).
    @discardableResult
    public func createVolume(
        in pool: String, xml: String, from source: StorageVolume, validate: Bool = false,
        preallocateMetadata: Bool = false, reflink: Bool = false, progress: ProgressHandler? = nil
    ) async throws(StorageError) -> StorageVolume {
        let type = try activeDefinition(pool).type
        if validate { try self.validate(xml, as: .volume) }
        let vol = try VolumeXML.parse(xml, poolType: type, capacity: .optional)
        return try await createVolume(
            in: pool, Self.sized(vol, from: source), from: source,
            options: VolumeBuildOptions(preallocateMetadata: preallocateMetadata, reflink: reflink), progress: progress)
    }

    /// libvirt's create-from sizes: at least the source's capacity, and all
    /// of it allocated unless an allocation was given.
    private static func sized(_ volume: VolumeDefinition, from source: StorageVolume) -> VolumeDefinition {
        var vol = volume
        if !vol.capacitySpecified || vol.capacity < source.definition.capacity {
            vol.capacity = source.definition.capacity
        }
        if !vol.allocationSpecified { vol.allocation = vol.capacity }
        return vol
    }

    /// The `<backingStore>` a ``VolumeBacking`` names.
    private func resolve(_ backing: VolumeBacking, in pool: String) async throws(StorageError) -> VolumeTarget {
        switch backing {
        case .path(let path, let format):
            return VolumeTarget(path: path, format: format, permissions: Permissions())
        case .volume(let name, let format):
            let base = try await volume(name, in: pool)
            guard let path = base.path else {
                throw StorageError(
                    .operationUnsupported, "volume '\(name)' of pool '\(pool)' has no path to back another volume",
                    value: name)
            }
            return VolumeTarget(path: path, format: format ?? base.format, permissions: Permissions())
        }
    }

    /// Copies a volume within its pool under a new name (vol-clone).
    @discardableResult
    public func cloneVolume(
        _ name: String, in pool: String, newName: String, preallocateMetadata: Bool = false, reflink: Bool = false,
        progress: ProgressHandler? = nil
    ) async throws(StorageError) -> StorageVolume {
        let source = try await volume(name, in: pool)
        var vol = source.definition
        vol.name = newName
        vol.key = nil
        vol.target.path = nil
        // The clone keeps the source's mode, owner and group, as virsh's
        // vol-clone does by sending the source's own XML.
        vol.target.timestamps = nil
        vol.backingStore = nil
        return try await createVolume(
            in: pool, vol, from: source,
            options: VolumeBuildOptions(preallocateMetadata: preallocateMetadata, reflink: reflink), progress: progress)
    }

    func createVolume(
        in pool: String, _ volume: VolumeDefinition, from source: StorageVolume?, options: VolumeBuildOptions,
        progress: ProgressHandler?
    ) async throws(StorageError) -> StorageVolume {
        var vol = volume
        let targetType = try activeDefinition(pool).type
        let viaData = source.map { Self.copiesThroughData($0, into: targetType, as: vol, backends) } ?? false
        let fromVolume = source != nil && !viaData
        try require(
            fromVolume ? .buildVolumeFrom : .createVolume, try backends.backend(for: targetType),
            fromVolume ? "volume creation from an existing volume" : "volume creation")
        var conversion = CopyConversion.none
        if let source, viaData {
            conversion = try Self.conversion(vol, from: source, into: targetType)
            if options.reflink { throw Self.noReflink(from: source, into: targetType) }
        }
        let (def, backend) = try await prepareNewVolume(&vol, in: pool, copying: source != nil)
        if let source { try requireAllocated(source.name, in: source.pool) }
        let secretValues = VolumeSecrets(
            volume: try await secretValue(vol.target.encryption),
            input: try await secretValue(source?.definition.target.encryption))
        if let source, source.pool != pool { records[source.pool]?.jobs += 1 }
        defer {
            if let source, source.pool != pool { records[source.pool]?.jobs -= 1 }
        }
        return try await creationJob(vol, in: pool, backend) { () async throws(StorageError) -> VolumeDefinition? in
            if let source, viaData {
                try await copyThroughData(
                    vol, from: source, in: def, backend, conversion: conversion, secrets: secretValues, progress: progress)
                return nil
            }
            return try await backend.buildVolumeDescribing(
                vol, from: source?.definition, in: def, options: options, secrets: secretValues, progress: progress)
        }
    }

    /// What every new volume goes through before it is made: the pool's
    /// volumes known, its name and key free, its path and defaults given by
    /// the backend.
    func prepareNewVolume(_ vol: inout VolumeDefinition, in pool: String, copying: Bool) async throws(StorageError)
        -> (PoolDefinition, any StorageBackend)
    {
        let def = try activeDefinition(pool)
        let backend = try backends.backend(for: def.type)
        // Whether the name is free is asked of the one volume where the
        // backend can tell (a file pool: its key is its path); else the pool is read.
        let record = try activeRecord(pool)
        var taken: Bool? = nil
        if !record.volumesLoaded, record.volumes[vol.name] == nil, record.busyVolumes[vol.name] == nil {
            switch try await lookUpAlone(vol.name, in: def) {
            case .found: taken = true
            case .absent: taken = false
            case .unknown: break
            }
        }
        if taken == nil { try await loadVolumes(pool) }
        try requireFreeName(vol.name, in: pool, copying: copying, taken: taken ?? false)
        try backend.prepareVolume(&vol, in: def)
        if let key = vol.key, records[pool]?.name(forKey: key) != nil {
            throw StorageError(.volumeExists, "storage volume key '\(key)' already in use.", value: key)
        }
        return (def, backend)
    }

    /// Refuses a new volume's name that a volume of the pool (or one being
    /// made) has; libvirt words a plain creation and a copy differently
    /// (and codes the second as internal).
    func requireFreeName(_ name: String, in pool: String, copying: Bool, taken: Bool = false) throws(StorageError) {
        guard taken || records[pool]?.volumes[name] != nil || records[pool]?.busyVolumes[name] != nil else { return }
        throw copying
            ? StorageError(.internalError, "storage volume name '\(name)' already in use.", value: name)
            : StorageError(.volumeExists, "storage volume '\(name)' exists already", value: name)
    }

    /// Makes a new volume as a job: listed (busy) while `build` writes it,
    /// with a note in the job journal meanwhile (a process killed then
    /// leaves it, and the next host removes the half-made volume), forgotten
    /// if `build` fails; then read back (unless `build` described it) and
    /// announced.
    func creationJob(
        _ vol: VolumeDefinition, in pool: String, _ backend: any StorageBackend,
        _ build: () async throws(StorageError) -> VolumeDefinition?
    ) async throws(StorageError) -> StorageVolume {
        try beginJob(pool, volume: vol.name, "creation")
        records[pool]?.put(vol)
        var note: VolumeJobJournal.Ticket?
        let built: VolumeDefinition?
        do throws(StorageError) {
            note = try journal.begin(.creation, pool: pool, volume: vol.name)
            built = try await build()
        } catch {
            if let note { journal.end(note) }
            records[pool]?.remove(vol.name)
            endJob(pool, volume: vol.name)
            throw error
        }
        if let note { journal.end(note) }
        if let built { records[pool]?.put(built) } else { await reread(pool, vol) }
        await rereadPool(pool, backend)
        endJob(pool, volume: vol.name)
        emit(.volume(pool: pool, name: vol.name, change: .created))
        return volumeSnapshot(pool, records[pool]?.volumes[vol.name] ?? vol)
    }

    /// The passphrase of an encrypted volume, from the host's secret store.
    func secretValue(_ encryption: VolumeEncryption?) async throws(StorageError) -> [UInt8]? {
        guard let reference = encryption?.secrets.first?.reference else { return nil }
        guard let secrets else {
            throw StorageError(
                .operationInvalid, "the volume is encrypted, but the host has no secret store (StorageHost(secrets:))")
        }
        return try await secrets.value(for: reference)
    }

    /// Runs a change to an existing volume as a job: the volume is marked
    /// busy, the backend does the work off the actor, the volume is re-read,
    /// and `change` is announced.
    func volumeJob(
        _ name: String, in pool: String, _ capability: BackendCapabilities, _ what: String,
        announcing change: StorageEvent.VolumeChange,
        _ work: (any StorageBackend, VolumeDefinition, PoolDefinition) async throws(StorageError) -> Void
    ) async throws(StorageError) {
        let vol = try await volume(name, in: pool).definition
        let def = try activeDefinition(pool)
        let backend = try backends.backend(for: def.type)
        try require(capability, backend, what)
        try beginJob(pool, volume: vol.name, what)
        do throws(StorageError) {
            try await work(backend, vol, def)
        } catch {
            endJob(pool, volume: vol.name)
            throw error
        }
        await reread(pool, vol)
        if change == .resized || change == .uploaded { await rereadPool(pool, backend) }
        endJob(pool, volume: vol.name)
        emit(.volume(pool: pool, name: vol.name, change: change))
        // libvirt announces a pool refresh when an upload finishes.
        if change == .uploaded { emit(.pool(name: pool, change: .refreshed)) }
    }

    // MARK: changing

    /// Deletes a volume and its data; `withSnapshots` first removes the
    /// volume's snapshots where the pool type has them (rbd); other pool
    /// types refuse it, as libvirt's backends do, and delete nothing.
    public func deleteVolume(_ name: String, in pool: String, zeroed: Bool = false, withSnapshots: Bool = false)
        async throws(StorageError)
    {
        let vol = try await volume(name, in: pool).definition
        let def = try activeDefinition(pool)
        let backend = try backends.backend(for: def.type)
        try require(.deleteVolume, backend, "volume deletion")
        if withSnapshots && !backend.capabilities.contains(.deleteVolumeSnapshots) {
            // libvirt's words: its backends without snapshots refuse the flag (0x2).
            throw StorageError(
                .unsupportedFlags, "unsupported flags (0x2) in function \(backend.libvirtVolumeDeleteFunction)")
        }
        try beginJob(pool, volume: vol.name, "deletion")
        do throws(StorageError) {
            if zeroed { try await backend.wipeVolume(vol, algorithm: .zero, in: def, progress: nil) }
            try await backend.deleteVolume(vol, in: def, withSnapshots: withSnapshots)
        } catch {
            endJob(pool, volume: vol.name)
            throw error
        }
        records[pool]?.remove(vol.name)
        endJob(pool, volume: vol.name)
        await rereadPool(pool, backend)
        emit(.volume(pool: pool, name: vol.name, change: .deleted))
    }

    /// Changes a volume's capacity with libvirt's rules (vol-resize).
    public func resizeVolume(_ name: String, in pool: String, capacity: UInt64, options: ResizeOptions = [])
        async throws(StorageError)
    {
        // libvirt's API checks this before it looks the volume up.
        if capacity == 0 && options.isDisjoint(with: [.delta, .shrink]) {
            throw StorageError(
                .argumentRefused,
                "capacity in virStorageVolResize cannot be zero without 'delta' or 'shrink' flags set")
        }
        try await volumeJob(name, in: pool, .resizeVolume, "changing of volume capacity", announcing: .resized) {
            (backend, vol, def) throws(StorageError) in
            var target = capacity
            if options.contains(.delta) {
                target =
                    options.contains(.shrink)
                    ? vol.capacity - min(capacity, vol.capacity)
                    : vol.capacity.addingReportingOverflow(capacity).partialValue
            }
            // A block volume's allocation is its reserved size (an LV, a partition), not
            // data that shrinking would lose: --shrink may go below it there, as
            // the backend's own tool allows.
            if target < vol.allocation && !(vol.type == .block && options.contains(.shrink)) {
                throw StorageError(
                    .invalidArgument, "can't shrink capacity below existing allocation", value: String(target))
            }
            if target < vol.capacity && !options.contains(.shrink) {
                throw StorageError(
                    .invalidArgument,
                    "Can't shrink capacity below current capacity unless shrink flag explicitly specified",
                    value: String(target))
            }
            if options.contains(.allocate), target > vol.allocation, target - vol.allocation > def.available {
                throw StorageError(.operationFailed, "Not enough space left in storage pool")
            }
            try await backend.resizeVolume(vol, to: target, options: options.subtracting(.delta), in: def)
        }
    }

    /// Overwrites a volume's data (vol-wipe).
    public func wipeVolume(
        _ name: String, in pool: String, algorithm: WipeAlgorithm = .zero, progress: ProgressHandler? = nil
    ) async throws(StorageError) {
        try await volumeJob(name, in: pool, .wipeVolume, "volume wiping", announcing: .wiped) {
            (backend, vol, def) throws(StorageError) in
            try await backend.wipeVolume(vol, algorithm: algorithm, in: def, progress: progress)
        }
    }

    /// Writes a file's bytes into a volume at `offset` (vol-upload): the
    /// first `length` bytes of the file, or all of it.
    public func uploadVolume(
        _ name: String, in pool: String, from file: String, offset: UInt64 = 0, length: UInt64? = nil,
        sparse: Bool = false, progress: ProgressHandler? = nil
    ) async throws(StorageError) {
        try await volumeJob(name, in: pool, .uploadVolume, "volume upload", announcing: .uploaded) {
            (backend, vol, def) throws(StorageError) in
            let note = try journal.begin(.upload, pool: pool, volume: vol.name)
            defer { journal.end(note) }
            try await backend.uploadVolume(
                vol, from: file, offset: offset, length: length, sparse: sparse, in: def, progress: progress)
        }
    }

    /// Copies a volume's bytes into a file (vol-download).
    public func downloadVolume(
        _ name: String, in pool: String, to file: String, offset: UInt64 = 0, length: UInt64? = nil,
        sparse: Bool = false, progress: ProgressHandler? = nil
    ) async throws(StorageError) {
        let vol = try await volume(name, in: pool).definition
        let def = try activeDefinition(pool)
        let backend = try backends.backend(for: def.type)
        try require(.downloadVolume, backend, "volume download")
        records[pool]?.jobs += 1
        defer { records[pool]?.jobs -= 1 }
        try await backend.downloadVolume(
            vol, to: file, offset: offset, length: length, sparse: sparse, in: def, progress: progress)
    }
}
