import Foundation

extension StorageHost {
    /// Keeps an active pool's volumes current without refreshes, for as long
    /// as the pool runs (VirtStorage beyond libvirt): the kernel reports each
    /// file of the pool's directory that appears, changes or vanishes
    /// (inotify), and only that file is read again. A volume that appears
    /// is announced as ``StorageEvent/VolumeChange/created``, one that
    /// vanishes as ``StorageEvent/VolumeChange/deleted``, to this host's
    /// ``events()`` and to the event journal that other processes follow.
    /// Where the kernel dropped reports, the pool is refreshed.
    ///
    /// Pools whose volumes are the entries of their target directory:
    /// dir, fs, netfs and vstorage (``PoolTypeRules/volumesAreTargetEntries``).
    /// On a network filesystem, only changes made through this machine are
    /// reported. Watching a pool that is already watched does nothing.
    public func watchVolumes(in pool: String) async throws(StorageError) {
        try ensureOpen()
        let record = try activeRecord(pool)
        guard record.watch == nil else { return }
        let live = try activeDefinition(pool)
        guard live.rules.volumesAreTargetEntries, let dir = live.target.path else {
            throw try backends.backend(for: live.type).unsupported("watching its volumes")
        }
        // The watch starts before the pool is read, so that no change falls between.
        let watch = try DirectoryWatch(directory: dir)
        record.watch = watch
        do throws(StorageError) {
            if record.volumesLoaded { try await refreshRecord(pool) } else { try await loadVolumes(pool) }
        } catch {
            watch.stop()
            record.watch = nil
            throw error
        }
        Task { [weak self] in
            for await change in watch.changes {
                guard let self else { return }
                await self.apply(change, from: watch, to: pool)
            }
            await self?.watchEnded(watch, pool: pool)
        }
    }

    /// Stops keeping the pool's volumes current; refreshes do it again.
    public func stopWatchingVolumes(in pool: String) {
        guard let record = records[pool], let watch = record.watch else { return }
        watch.stop()
        record.watch = nil
    }

    /// Whether ``watchVolumes(in:)`` keeps the pool's volumes current now.
    public func isWatchingVolumes(in pool: String) -> Bool { records[pool]?.watch != nil }

    private func watchEnded(_ watch: DirectoryWatch, pool: String) {
        if let record = records[pool], record.watch === watch { record.watch = nil }
    }

    /// Reads again each file the watch reported and puts the table right.
    private func apply(_ change: DirectoryWatch.Change, from watch: DirectoryWatch, to pool: String) async {
        guard let record = records[pool], record.watch === watch, let live = record.live else { return }
        switch change {
        case .overflow:
            try? await refresh(pool)
        case .entries(let names):
            for name in names.sorted() {
                // A volume a job is making or changing is put right when the job ends.
                guard records[pool]?.busyVolumes[name] == nil,
                    let lookup = try? await lookUpAlone(name, in: live),
                    let record = records[pool], record.watch === watch
                else { continue }
                let known = record.volumes.position(of: name) != nil
                switch lookup {
                case .found(let volume):
                    record.put(volume)
                    if !known { emit(.volume(pool: pool, name: name, change: .created)) }
                case .absent:
                    guard known else { continue }
                    record.remove(name)
                    emit(.volume(pool: pool, name: name, change: .deleted))
                case .unknown:
                    continue
                }
            }
        }
    }
}
