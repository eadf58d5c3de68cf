#if Btrfs
    import VirtStorage

    /// Snapshots of btrfs volumes: read-only snapshots of the volume's
    /// subvolume, in any format. A revert swaps in a writable snapshot of
    /// the snapshot; a clone from a snapshot is another one. Nothing depends
    /// on a snapshot once taken, so each can be deleted at any time.
    extension BtrfsBackend {
        /// A subvolume snapshot leaves the volume's file as it is, in any format.
        public func snapshotKeepsVolume(_ volume: VolumeDefinition) -> Bool { true }

        public func createSnapshot(
            _ name: String, description: String?, of volume: VolumeDefinition, in pool: PoolDefinition
        ) async throws(StorageError) {
            let layout = BtrfsLayout(try Self.directory(pool))
            try await BlockingIO.run { () throws(StorageError) in
                try layout.takeSnapshot(name, description: description, of: volume.name)
            }
        }

        public func snapshots(of volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
            -> [VolumeSnapshot]
        {
            let layout = BtrfsLayout(try Self.directory(pool))
            return try await BlockingIO.run(.metadata) { () throws(StorageError) in
                try layout.snapshots(of: volume.name)
            }
        }

        public func revertSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
            async throws(StorageError)
        {
            let layout = BtrfsLayout(try Self.directory(pool))
            try await BlockingIO.run { () throws(StorageError) in try layout.revert(volume.name, to: name) }
        }

        /// A snapshot's file, read-only: it is a file of the read-only subvolume.
        public func openData(_ volume: VolumeDefinition, in pool: PoolDefinition, atSnapshot name: String)
            async throws(StorageError) -> any VolumeData
        {
            let layout = BtrfsLayout(try Self.directory(pool))
            return try await BlockingIO.run { () throws(StorageError) in
                let path = layout.snapshot(name, of: volume.name) + "/" + layout.snapshotFile(name, of: volume.name)
                return try LocalVolumeData(path: path, writable: false)
            }
        }

        public func deleteSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
            async throws(StorageError)
        {
            let layout = BtrfsLayout(try Self.directory(pool))
            try await BlockingIO.run { () throws(StorageError) in try layout.deleteSnapshot(name, of: volume.name) }
        }

        public func buildVolume(
            _ clone: VolumeDefinition, fromSnapshot name: String, of volume: VolumeDefinition, in pool: PoolDefinition,
            progress: ProgressHandler?
        ) async throws(StorageError) {
            let layout = BtrfsLayout(try Self.directory(pool))
            try await BlockingIO.run { () throws(StorageError) in
                try layout.clone(
                    layout.snapshot(name, of: volume.name), file: layout.snapshotFile(name, of: volume.name), as: clone)
            }
            progress?(clone.capacity, clone.capacity)
        }
    }
#endif
