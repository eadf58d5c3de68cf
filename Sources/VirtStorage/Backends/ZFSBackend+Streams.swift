/// zfs send and receive as a native stream format (`zfs-send`): a snapshot
/// of a zvol travels as OpenZFS's send stream, which carries only the
/// blocks written and checks itself; an incremental stream from one
/// snapshot to the next holds only the blocks that changed. The pool that
/// receives keeps the received snapshot, the base of the next incremental
/// stream. zfs receive is atomic: a stream that fails leaves nothing.
extension ZFSBackend: NativeStreamingBackend {
    public var nativeStreamFormat: String { "zfs-send" }

    /// `zfs send POOL/VOL@SNAP`, with `-i @BASE` for the changes since the base.
    public func sendStream(_ volume: VolumeDefinition, in pool: PoolDefinition, snapshot: String, base: String?)
        async throws(StorageError) -> any NativeStreamSource
    {
        ToolOutputSource(try runner.start(try Self.sendCommand(volume, in: pool, snapshot: snapshot, base: base), .output))
    }

    static func sendCommand(_ volume: VolumeDefinition, in pool: PoolDefinition, snapshot: String, base: String?)
        throws(StorageError) -> Command
    {
        var arguments = ["send"]
        if let base {
            try checkSnapshotName(base)
            arguments += ["-i", "@" + base]
        }
        return Command("zfs", arguments + [try snapshotDataset(volume, snapshot, pool)])
    }

    /// A whole stream: `zfs receive [-o volmode=dev] POOL/VOL@SNAP` makes the
    /// zvol and its snapshot. An incremental one: `zfs receive -F
    /// POOL/VOL@SNAP`, which first rolls the zvol back to the base (what was
    /// written since is dropped, as a revert would). zfs would also destroy
    /// the snapshots newer than the base, so a zvol that has any is refused.
    public func receiveStream(
        into volume: VolumeDefinition, in pool: PoolDefinition, snapshot: String, base: String?,
        from pieces: nonisolated(nonsending) () async throws(StorageError) -> [UInt8]?
    ) async throws(StorageError) {
        if let base {
            let held = try await zfsSnapshots(of: volume, in: pool).map(\.name)
            if let index = held.lastIndex(of: base), index < held.count - 1 {
                let newer = held[(index + 1)...].map { "'\($0)'" }.joined(separator: ", ")
                throw StorageError(
                    .operationInvalid,
                    "volume '\(volume.name)' has snapshots newer than '\(base)' (\(newer)), which zfs receive would destroy",
                    value: volume.name,
                    hint: "delete them (vol-snapshot-delete), or import the stream into a new volume")
            }
        }
        let volmode = base == nil ? try await volmodeSupported() : false
        let command = try Self.receiveCommand(volume, in: pool, snapshot: snapshot, incremental: base != nil, volmode: volmode)
        try await runner.start(command, .input).feed(pieces)
        if base == nil { try await settleDevices() }
    }

    /// A zvol's snapshot has a device only where `snapdev=visible`, which
    /// is the pool owner's setting; so reading one is refused, and the
    /// caller is told to clone the snapshot (or send it) instead.
    public func openData(_ volume: VolumeDefinition, in pool: PoolDefinition, atSnapshot name: String)
        async throws(StorageError) -> any VolumeData
    {
        throw StorageError(
            .operationUnsupported, "a zvol's bytes are not read at a snapshot", value: name,
            hint: "clone the snapshot (vol-clone --snapshot \(name)) and export the clone, or vol-export --format zfs-send")
    }

    static func receiveCommand(
        _ volume: VolumeDefinition, in pool: PoolDefinition, snapshot: String, incremental: Bool, volmode: Bool
    ) throws(StorageError) -> Command {
        let options = incremental ? ["-F"] : volmode ? ["-o", "volmode=dev"] : []
        return Command("zfs", ["receive"] + options + [try snapshotDataset(volume, snapshot, pool)])
    }
}
