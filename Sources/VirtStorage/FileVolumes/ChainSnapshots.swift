import Foundation

/// Snapshots of raw file volumes as a chain of qcow2 overlays, as Proxmox
/// VE 9 keeps them for volumes that cannot hold internal snapshots. Taking
/// snapshot `S` of volume `V` moves V's file into
/// `.virtstorage-snapshots/V/S` of the pool's directory and puts a new qcow2
/// overlay in its place whose backing file is that snapshot: from then on the
/// volume is qcow2, the bytes it had stay in the snapshot, and what the
/// guest writes goes to the overlay. A later snapshot moves the overlay in
/// turn. A revert replaces the overlay with an empty one on the snapshot; a
/// clone is a flattened copy of it; deleting a snapshot merges it into what
/// depends on it, and deleting the last one brings the volume back to its
/// raw file.
///
/// Backing names are relative, so the pool can be mounted elsewhere: the
/// volume names `.virtstorage-snapshots/V/S`, a snapshot names its sibling.
/// Each snapshot has a sidecar `.S.snapshot` with its creation time and
/// description. The folder is the pool's own: no listing shows it.
enum ChainSnapshots {
    static let folderName = ".virtstorage-snapshots"

    /// Where one volume's chain lives.
    struct Layout {
        /// The pool's directory.
        let directory: String
        let volume: String

        init(_ volume: VolumeDefinition) throws(StorageError) {
            guard let path = volume.target.path else {
                throw StorageError(.invalidArgument, "volume '\(volume.name)' has no path", value: volume.name)
            }
            directory = (path as NSString).deletingLastPathComponent
            self.volume = (path as NSString).lastPathComponent
        }

        var top: String { directory + "/" + volume }
        var root: String { directory + "/" + ChainSnapshots.folderName }
        var folder: String { root + "/" + volume }
        func file(_ snapshot: String) -> String { folder + "/" + snapshot }
        func sidecar(_ snapshot: String) -> String { folder + "/." + snapshot + ".snapshot" }
        /// The backing name the volume's overlay gives snapshot `S`.
        func nameFromTop(_ snapshot: String) -> String { ChainSnapshots.folderName + "/" + volume + "/" + snapshot }
        /// Where a new overlay waits before it replaces the volume's file.
        var incoming: String { folder + "/.incoming" }
    }

    /// What the sidecar of a snapshot holds.
    struct Record: Codable {
        var created: Double
        var description: String?
    }

    /// Whether the volume's snapshots are a chain: a raw file, or the qcow2
    /// overlay of a chain (its backing file is in its snapshot folder).
    static func holds(_ volume: VolumeDefinition) -> Bool {
        guard let layout = try? Layout(volume), volume.target.encryption == nil else { return false }
        switch volume.target.format ?? .raw {
        case .raw: return volume.backingStore == nil && volume.type == .file
        case .qcow2: return volume.backingStore?.path?.hasPrefix(layout.folder + "/") == true
        default: return false
        }
    }

    // MARK: operations

    static func create(_ name: String, description: String?, of volume: VolumeDefinition)
        async throws(StorageError)
    {
        let layout = try Layout(volume)
        let format = volume.target.format ?? .raw
        try await BlockingIO.run { () throws(StorageError) in
            // A VM writing the file would go on writing into the snapshot.
            try requireUnused(layout.top, volume)
            for path in [layout.root, layout.folder] {
                try SystemCalls.mkdir(path, mode: 0o700, existingIsFine: true, "cannot create directory '\(path)'")
            }
            guard !SystemCalls.exists(layout.file(name)) else {
                throw StorageError(.operationInvalid, "snapshot '\(name)' of volume '\(volume.name)' already exists", value: name)
            }
            do throws(StorageError) {
                try writeRecord(Record(created: Date().timeIntervalSince1970, description: description), layout.sidecar(name))
                try SystemCalls.rename(layout.top, to: layout.file(name), "cannot move '\(layout.top)' aside")
            } catch {
                SystemCalls.removeIfPresent(layout.sidecar(name))
                removeEmptyFolders(layout)
                throw error
            }
        }
        do throws(StorageError) {
            // A moved overlay names its backing file from its new folder: a sibling.
            if let backing = volume.backingStore?.path {
                try await rebaseUnsafe(layout.file(name), onto: (backing as NSString).lastPathComponent, volume.backingStore?.format)
            }
            try await makeOverlay(layout.top, on: layout.nameFromTop(name), format, capacity: volume.capacity, like: volume)
        } catch {
            try? SystemCalls.rename(layout.file(name), to: layout.top, "cannot move '\(layout.file(name))' back")
            if let backing = volume.backingStore?.path {
                try? await rebaseUnsafe(layout.top, onto: nameFromTop(backing, layout), volume.backingStore?.format)
            }
            SystemCalls.removeIfPresent(layout.sidecar(name))
            removeEmptyFolders(layout)
            throw error
        }
    }

    /// The volume's snapshots, oldest first: their time, description, and
    /// the bytes each one's file holds (what it keeps that the next does not).
    static func list(_ volume: VolumeDefinition) async throws(StorageError) -> [VolumeSnapshot] {
        let layout = try Layout(volume)
        return try await BlockingIO.run(.metadata) { () throws(StorageError) -> [VolumeSnapshot] in
            try names(layout).map { name in
                let record = readRecord(layout.sidecar(name))
                let st = SystemCalls.status(of: layout.file(name), followingLinks: false)
                return VolumeSnapshot(
                    name: name, description: record?.description,
                    created: record.map { Date(timeIntervalSince1970: $0.created) },
                    size: st.map { UInt64($0.st_blocks) * 512 })
            }.sorted { ($0.created ?? .distantPast, $0.name) < ($1.created ?? .distantPast, $1.name) }
        }
    }

    /// The volume's file becomes an empty overlay on the snapshot (at the
    /// snapshot's size); refused while a process has it open.
    static func revert(_ name: String, of volume: VolumeDefinition) async throws(StorageError) {
        let layout = try Layout(volume)
        let snapshot = try await BlockingIO.run(.metadata) { () throws(StorageError) -> VolumeDefinition in
            try requireUnused(layout.top, volume)
            SystemCalls.removeIfPresent(layout.incoming)
            return try describe(layout.file(name), name)
        }
        try await makeOverlay(
            layout.incoming, on: layout.nameFromTop(name), snapshot.target.format ?? .raw, capacity: snapshot.capacity,
            like: volume)
        try await BlockingIO.run { () throws(StorageError) in
            do throws(StorageError) {
                try SystemCalls.rename(layout.incoming, to: layout.top, "cannot replace '\(layout.top)'")
            } catch {
                SystemCalls.removeIfPresent(layout.incoming)
                throw error
            }
        }
    }

    /// Deletes a snapshot, first merging it into what depends on it. Where
    /// the volume alone does, the volume's changes are committed into the
    /// snapshot's file, which becomes the volume's (the last snapshot of a
    /// raw volume leaves it raw again); else each dependent is rebased onto
    /// the snapshot's own backing file, taking the clusters it needs.
    static func delete(_ name: String, of volume: VolumeDefinition) async throws(StorageError) {
        let layout = try Layout(volume)
        let path = layout.file(name)
        let (snapshot, dependents) = try await BlockingIO.run(.metadata) {
            () throws(StorageError) -> (VolumeDefinition, [String]) in
            let snapshot = try describe(path, name)
            let dependents = try (names(layout).map(layout.file) + [layout.top]).filter { candidate in
                SystemCalls.status(of: candidate) != nil
                    && FileVolumes.describe(path: candidate, name: name)?.backingStore?.path == path
            }
            if dependents.contains(layout.top) { try requireUnused(layout.top, volume) }
            return (snapshot, dependents)
        }
        let backing = snapshot.backingStore?.path
        if dependents == [layout.top] {
            try await CommandRunner.run(Command("qemu-img", ["commit", "-f", "qcow2", "-d", layout.top]))
            if let backing { try await rebaseUnsafe(path, onto: nameFromTop(backing, layout), snapshot.backingStore?.format) }
            try await BlockingIO.run { () throws(StorageError) in
                try SystemCalls.rename(path, to: layout.top, "cannot replace '\(layout.top)'")
            }
        } else {
            for dependent in dependents {
                let base = backing.map { dependent == layout.top ? nameFromTop($0, layout) : ($0 as NSString).lastPathComponent }
                try await CommandRunner.run(
                    Command(
                        "qemu-img",
                        ["rebase", "-f", "qcow2", "-b", base ?? ""]
                            + (base == nil ? [] : ["-F", (snapshot.backingStore?.format ?? .raw).rawValue]) + [dependent]))
            }
        }
        // Merged: its file goes (gone already where it became the volume's).
        try await BlockingIO.run { () throws(StorageError) in
            SystemCalls.removeIfPresent(path)
            SystemCalls.removeIfPresent(layout.sidecar(name))
            removeEmptyFolders(layout)
        }
    }

    /// The snapshot's data, flattened, into the new volume's file at `target`.
    static func convert(_ name: String, of volume: VolumeDefinition, into target: String, as format: VolumeFormat)
        async throws(StorageError)
    {
        let layout = try Layout(volume)
        let snapshot = try await BlockingIO.run(.metadata) { () throws(StorageError) in
            try describe(layout.file(name), name)
        }
        try await CommandRunner.run(
            Command(
                "qemu-img",
                [
                    "convert", "-f", (snapshot.target.format ?? .raw).rawValue, "-O", format == .raw ? "raw" : "qcow2",
                    layout.file(name), target,
                ]))
    }

    /// Removes every snapshot of a volume that is being deleted.
    static func removeAll(of volume: VolumeDefinition) {
        guard let layout = try? Layout(volume) else { return }
        for name in (try? names(layout)) ?? [] {
            SystemCalls.removeIfPresent(layout.file(name))
            SystemCalls.removeIfPresent(layout.sidecar(name))
        }
        SystemCalls.removeIfPresent(layout.incoming)
        removeEmptyFolders(layout)
    }

    // MARK: helpers

    /// The names of the snapshots in the volume's folder.
    static func names(_ layout: Layout) throws(StorageError) -> [String] {
        let entries: [SystemCalls.DirectoryEntry]
        do throws(StorageError) {
            entries = try SystemCalls.entries(of: layout.folder, "cannot open directory '\(layout.folder)'")
        } catch {
            if error.errno == ENOENT { return [] }
            throw error
        }
        return entries.map(\.name).filter { !$0.hasPrefix(".") }
    }

    private static func describe(_ path: String, _ name: String) throws(StorageError) -> VolumeDefinition {
        guard let described = FileVolumes.describe(path: path, name: name) else {
            throw StorageError(.noSuchSnapshot, "snapshot '\(name)' cannot be read at '\(path)'", value: name, path: path)
        }
        return described
    }

    /// Refuses a volume whose file a VM or another qemu-img has open.
    private static func requireUnused(_ path: String, _ volume: VolumeDefinition) throws(StorageError) {
        let fd = try SystemCalls.open(path, O_RDONLY | O_CLOEXEC, "cannot open volume '\(path)'")
        defer { SystemCalls.close(fd) }
        if SystemCalls.isHeldByQemu(fd, path: path) {
            throw StorageError(
                .operationInvalid, "volume '\(volume.name)' is in use: a process holds its image open", value: volume.name,
                path: path, hint: "stop the VM (or the qemu-img, qemu-nbd) that uses it first")
        }
    }

    /// A qcow2 overlay at `path` on the backing file named `backing` (relative
    /// to `path`'s folder), made as every new volume file is (O_EXCL, the
    /// volume's mode), then written by qemu-img without opening the backing file.
    private static func makeOverlay(
        _ path: String, on backing: String, _ format: VolumeFormat, capacity: UInt64, like volume: VolumeDefinition
    ) async throws(StorageError) {
        let fd = try FileVolumes.createExclusive(path, volume)
        defer { SystemCalls.close(fd) }
        do throws(StorageError) {
            _ = try FileVolumes.applyMode(fd, path, volume)
            try await CommandRunner.run(
                Command(
                    "qemu-img",
                    ["create", "-q", "-f", "qcow2", "-u", "-b", backing, "-F", format.rawValue, path, "\(capacity)"]))
        } catch {
            if FileVolumes.isSameFile(fd, path) { SystemCalls.removeIfPresent(path) }
            throw error
        }
    }

    /// Rewrites the backing name in an overlay's header; the data is untouched.
    private static func rebaseUnsafe(_ path: String, onto backing: String, _ format: VolumeFormat?) async throws(StorageError) {
        try await CommandRunner.run(
            Command("qemu-img", ["rebase", "-u", "-f", "qcow2", "-b", backing, "-F", (format ?? .raw).rawValue, path]))
    }

    /// The name the volume's file gives the snapshot file at `path`.
    private static func nameFromTop(_ path: String, _ layout: Layout) -> String {
        layout.nameFromTop((path as NSString).lastPathComponent)
    }

    private static func writeRecord(_ record: Record, _ path: String) throws(StorageError) {
        let data: Data
        do { data = try JSONEncoder().encode(record) } catch {
            throw StorageError(.internalError, "cannot encode a snapshot record: \(error)")
        }
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw SystemError.make("cannot write '\(path)'", path: path)
        }
    }

    private static func readRecord(_ path: String) -> Record? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(Record.self, from: data)
    }

    private static func removeEmptyFolders(_ layout: Layout) {
        SystemCalls.removeDirectoryIfEmpty(layout.folder)
        SystemCalls.removeDirectoryIfEmpty(layout.root)
    }
}
