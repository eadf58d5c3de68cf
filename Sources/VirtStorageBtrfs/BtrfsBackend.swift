#if Btrfs
    import Foundation
    import VirtStorage

    /// btrfs pools (a VirtStorage extension): a btrfs filesystem whose
    /// volumes each live in a subvolume of their own, so that a snapshot is a
    /// read-only subvolume snapshot and a clone is a writable one, made at once
    /// whatever the size.
    ///
    /// With `<source><device>` the pool is the filesystem on that device: build
    /// makes it with fs pools' rules (`--overwrite`, `--no-overwrite`), start
    /// mounts it on the target and stop unmounts it, exactly as an fs pool of
    /// format btrfs. Without a device the target is a directory of a btrfs
    /// filesystem that is already mounted.
    ///
    /// Layout under the target: volume `V` is the file `V/V` in subvolume `V`;
    /// its snapshot `S` is the read-only subvolume `.snapshots/V/S`. Names that
    /// begin with `.` are the pool's own.
    public struct BtrfsBackend: FileVolumeBackend {
        public let runner: CommandRunning

        public init(runner: CommandRunning = SystemCommandRunner()) { self.runner = runner }

        public var type: PoolType { .btrfs }

        // MARK: pool

        /// The fs pool of format btrfs that a pool on a device is.
        private func filesystemPool(_ pool: PoolDefinition) -> PoolDefinition? {
            guard !pool.source.devices.isEmpty else { return nil }
            var fs = pool
            fs.type = .fs
            fs.source.format = "btrfs"
            return fs
        }

        private var filesystems: FsBackend { FsBackend(runner: runner) }

        public func check(_ pool: PoolDefinition) async throws(StorageError) -> Bool {
            if let fs = filesystemPool(pool) { return try await filesystems.check(fs) }
            return BtrfsSubvolumes.isOnBtrfs(try Self.directory(pool))
        }

        public func start(_ pool: PoolDefinition) async throws(StorageError) {
            if let fs = filesystemPool(pool) { try await filesystems.start(fs) }
            try requireBtrfs(pool)
        }

        public func stop(_ pool: PoolDefinition) async throws(StorageError) {
            if let fs = filesystemPool(pool) { try await filesystems.stop(fs) }
        }

        /// On a device, as an fs pool's build (mkfs.btrfs with --overwrite or
        /// --no-overwrite); without one, the target directory, which must be
        /// on btrfs.
        public func build(_ pool: PoolDefinition, mode: BuildMode) async throws(StorageError) {
            if let fs = filesystemPool(pool) { return try await filesystems.build(fs, mode: mode) }
            guard mode == .normal || mode == .noOverwrite else {
                throw StorageError(
                    .operationUnsupported, "a btrfs pool without a source device has no filesystem to make",
                    hint: "name a device in <source><device path='...'/> to build a filesystem on it")
            }
            // Refused before anything is made: the nearest existing folder must be on btrfs.
            var existing = try Self.directory(pool)
            while !SystemCalls.exists(existing), existing.count > 1 {
                existing = (existing as NSString).deletingLastPathComponent
            }
            try requireBtrfs(pool, at: existing)
            try await buildDirectory(pool)
        }

        public func delete(_ pool: PoolDefinition, zeroed: Bool) async throws(StorageError) {
            // The snapshots' folder is the pool's own; left empty by the last deletion.
            if let dir = try? Self.directory(pool) {
                SystemCalls.removeDirectoryIfEmpty(dir + "/" + BtrfsLayout.snapshotsFolder)
            }
            try await removeDirectory(pool, zeroed: zeroed)
        }

        private func requireBtrfs(_ pool: PoolDefinition, at path: String? = nil) throws(StorageError) {
            let dir: String
            if let path { dir = path } else { dir = try Self.directory(pool) }
            guard BtrfsSubvolumes.isOnBtrfs(dir) else {
                throw StorageError(
                    .operationInvalid, "'\(dir)' is not a directory of a btrfs filesystem", path: dir,
                    hint: pool.source.devices.isEmpty
                        ? "mount a btrfs filesystem there, or name its device in <source><device path='...'/>"
                        : "build the pool with --overwrite to make a btrfs filesystem on its device")
            }
        }

        /// The volumes are the subvolumes of the target that hold their file.
        public func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
            if let fs = filesystemPool(pool), !(try await filesystems.check(fs)) {
                throw StorageError(
                    .operationInvalid,
                    "pool '\(pool.name)' is not mounted on '\(try Self.directory(pool))': start it again",
                    value: pool.name)
            }
            let layout = BtrfsLayout(try Self.directory(pool))
            return try await BlockingIO.run(.metadata) { () throws(StorageError) in try layout.volumes() }
        }

        // MARK: volumes

        /// One volume read alone: its subvolume's file. A pool that is not
        /// mounted where it should be is left to a listing (which says so).
        public func lookupVolume(named name: String, in pool: PoolDefinition) async throws(StorageError)
            -> VolumeLookup
        {
            let dir = try Self.directory(pool)
            guard (try? Self.checkVolumeName(name, in: dir)) != nil else { return .unknown }
            if let fs = filesystemPool(pool), !(try await filesystems.check(fs)) { return .unknown }
            let layout = BtrfsLayout(dir)
            return try await BlockingIO.runSingleFile(on: pool.type) { () throws(StorageError) -> VolumeLookup in
                layout.volume(named: name).map { .found($0) } ?? .absent
            }
        }

        public func prepareVolume(_ volume: inout VolumeDefinition, in pool: PoolDefinition) throws(StorageError) {
            let dir = try Self.directory(pool)
            try Self.checkVolumeName(volume.name, in: dir)
            guard !volume.name.hasPrefix(".") else {
                throw StorageError(
                    .invalidArgument, "volume name '\(volume.name)' begins with '.', which a btrfs pool keeps for itself",
                    value: volume.name)
            }
            if volume.backingStore != nil {
                throw StorageError(
                    .noSupport, "backing storage not supported for btrfs volumes",
                    hint: "take a snapshot and clone it (vol-clone --snapshot): the clone shares the data")
            }
            let path = BtrfsLayout(dir).file(of: volume.name)
            volume.type = .file
            volume.target.path = path
            volume.key = path
            if volume.target.format == nil { volume.target.format = "raw" }
        }

        public func buildVolume(
            _ volume: VolumeDefinition, from source: VolumeDefinition?, in pool: PoolDefinition,
            options: VolumeBuildOptions, secrets: VolumeSecrets, progress: ProgressHandler?
        ) async throws(StorageError) {
            _ = try await buildVolumeDescribing(
                volume, from: source, in: pool, options: options, secrets: secrets, progress: progress)
        }

        /// A new subvolume holding the new file; a volume of the same pool in
        /// the same format is cloned as a writable snapshot of its subvolume.
        public func buildVolumeDescribing(
            _ volume: VolumeDefinition, from source: VolumeDefinition?, in pool: PoolDefinition,
            options: VolumeBuildOptions, secrets: VolumeSecrets, progress: ProgressHandler?
        ) async throws(StorageError) -> VolumeDefinition? {
            let layout = BtrfsLayout(try Self.directory(pool))
            let folder = layout.folder(of: volume.name)
            // A volume of this pool (its file in its own subvolume, checked on
            // the I/O thread) is snapshotted rather than copied.
            if let source, !options.preallocateMetadata, source.target.format == volume.target.format,
                source.target.encryption == nil,
                try await BlockingIO.run(.data, { () throws(StorageError) -> Bool in
                    guard layout.holds(source) else { return false }
                    try layout.clone(layout.folder(of: source.name), file: source.name, as: volume)
                    return true
                })
            {
                progress?(volume.capacity, volume.capacity)
                return nil
            }
            try await BlockingIO.run { () throws(StorageError) in try BtrfsSubvolumes.create(folder) }
            do throws(StorageError) {
                if let source {
                    try await FileVolumes.clone(
                        volume, from: source, poolType: pool.type, poolPath: folder, options: options,
                        secrets: secrets, progress: progress)
                    return nil
                }
                return try await FileVolumes.create(
                    volume, poolType: pool.type, poolPath: folder, preallocateMetadata: options.preallocateMetadata,
                    secrets: secrets, progress: progress)
            } catch {
                try? BtrfsSubvolumes.delete(folder)
                throw error
            }
        }

        public func deleteVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError) {
            try await deleteVolume(volume, in: pool, withSnapshots: false)
        }

        /// Deletes the volume's subvolume; refused while it has snapshots,
        /// unless they go with it.
        public func deleteVolume(_ volume: VolumeDefinition, in pool: PoolDefinition, withSnapshots: Bool)
            async throws(StorageError)
        {
            let layout = BtrfsLayout(try Self.directory(pool))
            try await BlockingIO.run { () throws(StorageError) in
                let snapshots = try layout.snapshotNames(of: volume.name)
                if !snapshots.isEmpty && !withSnapshots {
                    throw StorageError(
                        .operationInvalid,
                        "cannot delete volume '\(volume.name)': it has snapshots (delete it with its snapshots to remove them too)",
                        value: volume.name)
                }
                for snapshot in snapshots { try layout.deleteSnapshot(snapshot, of: volume.name) }
                try BtrfsSubvolumes.delete(layout.folder(of: volume.name))
            }
        }
    }
#endif
