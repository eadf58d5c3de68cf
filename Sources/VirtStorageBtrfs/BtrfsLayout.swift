#if Btrfs
    import CBtrfsUtil
    import Foundation
    import VirtStorage

    /// Where a btrfs pool keeps its volumes and snapshots under its target
    /// directory, and the file work on them (run on the blocking-I/O threads).
    ///
    ///     <target>/V/V                   volume V: the file V in subvolume V
    ///     <target>/.snapshots/V/S        snapshot S of V: a read-only subvolume
    ///     <target>/.snapshots/V/.S.description   its description, if given
    ///
    /// A snapshot received from a btrfs-send stream holds the file under the
    /// name of the volume it was sent from: it is the snapshot's one file.
    struct BtrfsLayout: Sendable {
        static let snapshotsFolder = ".snapshots"

        let directory: String

        init(_ directory: String) { self.directory = directory }

        func folder(of volume: String) -> String { directory + "/" + volume }
        func file(of volume: String) -> String { folder(of: volume) + "/" + volume }
        func snapshotFolder(of volume: String) -> String {
            directory + "/" + Self.snapshotsFolder + "/" + volume
        }
        func snapshot(_ name: String, of volume: String) -> String { snapshotFolder(of: volume) + "/" + name }
        func description(_ name: String, of volume: String) -> String {
            snapshotFolder(of: volume) + "/." + name + ".description"
        }

        /// Whether `volume` is a volume of this pool (its file in its own subvolume).
        func holds(_ volume: VolumeDefinition) -> Bool {
            volume.target.path == file(of: volume.name) && (try? BtrfsSubvolumes.isSubvolume(folder(of: volume.name))) == true
        }

        // MARK: volumes

        /// The pool's sizes and volumes: every subvolume of the target that
        /// holds its file. Anything else in the directory is not a volume.
        func volumes() throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
            let fd = try SystemCalls.open(directory, O_RDONLY | O_DIRECTORY, "cannot open directory '\(directory)'")
            defer { SystemCalls.close(fd) }
            var volumes: [VolumeDefinition] = []
            for entry in try SystemCalls.entries(ofOpen: fd, path: directory, "cannot open directory '\(directory)'") {
                let name = entry.name
                guard entry.type == DT_DIR || entry.type == DT_UNKNOWN, let volume = subvolumeFile(named: name)
                else { continue }
                volumes.append(volume)
            }
            if BtrfsQuotas.areConsistent(on: fd) {
                for index in volumes.indices { withQuotaAllocation(&volumes[index], on: fd) }
            }
            return (try PoolSizes(filesystemOf: fd, path: directory), volumes)
        }

        /// The volume `name`, read alone: its subvolume's file; nil where
        /// there is none (a listing would not show it either).
        func volume(named name: String) -> VolumeDefinition? {
            guard var volume = subvolumeFile(named: name) else { return nil }
            _ = BtrfsQuotas.whenConsistent(directory) { fd in withQuotaAllocation(&volume, on: fd) }
            return volume
        }

        /// The file of subvolume `name`, described as a file.
        private func subvolumeFile(named name: String) -> VolumeDefinition? {
            guard !name.hasPrefix("."), (try? BtrfsSubvolumes.isSubvolume(folder(of: name))) == true else { return nil }
            return FileVolumes.describe(path: file(of: name), name: name)
        }

        /// With quotas on, a volume's allocation is what its subvolume's
        /// qgroup refers to on disk: compressed extents at their size there.
        private func withQuotaAllocation(_ volume: inout VolumeDefinition, on fd: Int32) {
            if let usage = BtrfsQuotas.usage(of: folder(of: volume.name), on: fd) { volume.allocation = usage.referenced }
        }

        /// Makes `volume` as a writable snapshot of the subvolume `source`
        /// whose file is named `file`: shares every extent, whatever the size.
        func clone(_ source: String, file sourceFile: String, as volume: VolumeDefinition) throws(StorageError) {
            let target = folder(of: volume.name)
            try BtrfsSubvolumes.snapshot(source, at: target, readOnly: false)
            do throws(StorageError) {
                let path = file(of: volume.name)
                if sourceFile != volume.name {
                    let from = target + "/" + sourceFile
                    try SystemCalls.rename(from, to: path, "cannot rename '\(from)'")
                }
                // A raw clone grows to a larger capacity asked for, as a copy does.
                if (volume.target.format ?? "raw") == "raw", let st = SystemCalls.status(of: path),
                    volume.capacity > UInt64(st.st_size)
                {
                    guard truncate(path, off_t(volume.capacity)) == 0 else {
                        throw SystemError.make("cannot extend file '\(path)'", path: path)
                    }
                }
            } catch {
                try? BtrfsSubvolumes.delete(target)
                throw error
            }
        }

        // MARK: snapshots

        /// The name of snapshot `name`'s file: the volume's, or for a
        /// snapshot received from another volume, its one visible file.
        func snapshotFile(_ name: String, of volume: String) -> String {
            let folder = snapshot(name, of: volume)
            if SystemCalls.exists(folder + "/" + volume) { return volume }
            let files = (try? SystemCalls.entries(of: folder, "cannot open directory '\(folder)'"))?
                .filter { !$0.name.hasPrefix(".") }.map(\.name)
            return files?.count == 1 ? files![0] : volume
        }

        /// Makes the folder a received snapshot of `volume` goes in.
        func makeSnapshotFolder(of volume: String) throws(StorageError) {
            for path in [directory + "/" + Self.snapshotsFolder, snapshotFolder(of: volume)] {
                try SystemCalls.mkdir(path, mode: 0o700, existingIsFine: true, "cannot create directory '\(path)'")
            }
        }

        /// Removes what a failed receive left of snapshot `name` (a
        /// subvolume, or nothing) and the folders it leaves empty.
        func discardReceived(_ name: String, of volume: String) {
            if (try? BtrfsSubvolumes.isSubvolume(snapshot(name, of: volume))) == true {
                try? BtrfsSubvolumes.delete(snapshot(name, of: volume))
            }
            removeEmptySnapshotFolders(of: volume)
        }

        /// The last snapshot takes its folders with it (rmdir leaves a folder that is not empty).
        private func removeEmptySnapshotFolders(of volume: String) {
            SystemCalls.removeDirectoryIfEmpty(snapshotFolder(of: volume))
            SystemCalls.removeDirectoryIfEmpty(directory + "/" + Self.snapshotsFolder)
        }

        /// The names of the volume's snapshots (its read-only subvolumes), in no order.
        func snapshotNames(of volume: String) throws(StorageError) -> [String] {
            let folder = snapshotFolder(of: volume)
            let entries: [SystemCalls.DirectoryEntry]
            do throws(StorageError) {
                entries = try SystemCalls.entries(of: folder, "cannot open directory '\(folder)'")
            } catch {
                if error.errno == ENOENT { return [] }
                throw error
            }
            var names: [String] = []
            for entry in entries {
                let name = entry.name
                if !name.hasPrefix("."), try BtrfsSubvolumes.isSubvolume(snapshot(name, of: volume)) { names.append(name) }
            }
            return names
        }

        /// The volume's snapshots, oldest first, with when each was taken and,
        /// with quotas on, the bytes each alone holds (its qgroup's exclusive bytes).
        func snapshots(of volume: String) throws(StorageError) -> [VolumeSnapshot] {
            let names = try snapshotNames(of: volume)
            var infos: [btrfs_util_subvolume_info] = []
            for name in names { infos.append(try BtrfsSubvolumes.info(snapshot(name, of: volume))) }
            let sizes = BtrfsQuotas.whenConsistent(directory) { fd in
                infos.map { BtrfsQuotas.usage(ofSubvolume: $0.id, on: fd)?.exclusive }
            }
            var found: [VolumeSnapshot] = []
            for (index, name) in names.enumerated() {
                let text = try? String(contentsOfFile: description(name, of: volume), encoding: .utf8)
                found.append(
                    VolumeSnapshot(
                        name: name, description: text, created: BtrfsSubvolumes.creationTime(of: infos[index]),
                        size: sizes?[index]))
            }
            return found.sorted { ($0.created ?? .distantPast, $0.name) < ($1.created ?? .distantPast, $1.name) }
        }

        func takeSnapshot(_ name: String, description text: String?, of volume: String) throws(StorageError) {
            try makeSnapshotFolder(of: volume)
            if let text {
                let path = description(name, of: volume)
                guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
                else { throw SystemError.make("cannot write '\(path)'", path: path) }
            }
            do throws(StorageError) {
                try BtrfsSubvolumes.snapshot(self.folder(of: volume), at: snapshot(name, of: volume), readOnly: true)
            } catch {
                SystemCalls.removeIfPresent(description(name, of: volume))
                throw error
            }
        }

        func deleteSnapshot(_ name: String, of volume: String) throws(StorageError) {
            try BtrfsSubvolumes.delete(snapshot(name, of: volume))
            SystemCalls.removeIfPresent(description(name, of: volume))
            removeEmptySnapshotFolders(of: volume)
        }

        /// Replaces the volume's subvolume with a writable snapshot of its
        /// snapshot `name`; the old subvolume goes once the new one is in place.
        func revert(_ volume: String, to name: String) throws(StorageError) {
            let current = folder(of: volume)
            let incoming = directory + "/.revert-" + volume
            let outgoing = directory + "/.reverted-" + volume
            try BtrfsSubvolumes.snapshot(snapshot(name, of: volume), at: incoming, readOnly: false)
            do throws(StorageError) {
                let file = snapshotFile(name, of: volume)
                if file != volume {
                    try SystemCalls.rename(incoming + "/" + file, to: incoming + "/" + volume, "cannot rename '\(file)'")
                }
                try SystemCalls.rename(current, to: outgoing, "cannot rename '\(current)'")
            } catch {
                try? BtrfsSubvolumes.delete(incoming)
                throw error
            }
            do throws(StorageError) {
                try SystemCalls.rename(incoming, to: current, "cannot rename '\(incoming)'")
            } catch {
                try? SystemCalls.rename(outgoing, to: current, "cannot rename '\(outgoing)'")
                try? BtrfsSubvolumes.delete(incoming)
                throw error
            }
            try BtrfsSubvolumes.delete(outgoing)
        }
    }
#endif
