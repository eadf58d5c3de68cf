#if Btrfs
    import VirtStorage

    /// btrfs send and receive as a native stream format (`btrfs-send`): a
    /// snapshot of a volume travels as the kernel's send stream, extents
    /// shared and holes kept; an incremental stream from one snapshot to the
    /// next holds only what changed. The pool that receives keeps the
    /// received snapshot, the base of the next incremental stream.
    extension BtrfsBackend: NativeStreamingBackend {
        public var nativeStreamFormat: String { "btrfs-send" }

        /// `btrfs send` of the snapshot's read-only subvolume, with `-p` the base's.
        public func sendStream(_ volume: VolumeDefinition, in pool: PoolDefinition, snapshot: String, base: String?)
            async throws(StorageError) -> any NativeStreamSource
        {
            let layout = BtrfsLayout(try Self.directory(pool))
            var arguments = ["send", "--quiet"]
            if let base { arguments += ["-p", layout.snapshot(base, of: volume.name)] }
            arguments.append(layout.snapshot(snapshot, of: volume.name))
            return ToolOutputSource(try runner.start(Command("btrfs", arguments), .output))
        }

        /// `btrfs receive` into the volume's snapshot folder, which makes the
        /// snapshot (named as the sender's); then the volume becomes a
        /// writable snapshot of it: a new subvolume for a whole stream, the
        /// volume's subvolume swapped as a revert does for an incremental one.
        public func receiveStream(
            into volume: VolumeDefinition, in pool: PoolDefinition, snapshot: String, base: String?,
            from pieces: nonisolated(nonsending) () async throws(StorageError) -> [UInt8]?
        ) async throws(StorageError) {
            let layout = BtrfsLayout(try Self.directory(pool))
            let name = volume.name
            try await BlockingIO.run { () throws(StorageError) in try layout.makeSnapshotFolder(of: name) }
            do throws(StorageError) {
                try await runner.start(Command("btrfs", ["receive", layout.snapshotFolder(of: name)]), .input)
                    .feed(pieces)
                try await BlockingIO.run { () throws(StorageError) in
                    guard try BtrfsSubvolumes.isSubvolume(layout.snapshot(snapshot, of: name)) else {
                        throw StorageError(
                            .invalidStream, "the btrfs-send stream did not hold snapshot '\(snapshot)' of a volume",
                            value: snapshot)
                    }
                    if base == nil {
                        try layout.clone(
                            layout.snapshot(snapshot, of: name), file: layout.snapshotFile(snapshot, of: name),
                            as: volume)
                    } else {
                        try layout.revert(name, to: snapshot)
                    }
                }
            } catch {
                _ = try? await BlockingIO.run { () throws(StorageError) in layout.discardReceived(snapshot, of: name) }
                throw error
            }
        }
    }
#endif
