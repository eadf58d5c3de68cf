import CStorageSys
import Foundation

/// The volume half of the backends whose volumes are files in the pool's
/// target directory (dir, fs, netfs, vstorage): one implementation for all.
public protocol FileVolumeBackend: SnapshottingBackend {}

extension FileVolumeBackend {
    package static func directory(_ pool: PoolDefinition) throws(StorageError) -> String {
        guard let path = pool.target.path else {
            throw StorageError(.invalidArgument, "pool '\(pool.name)' has no target path", element: "target/path")
        }
        return path
    }

    /// Names become file names in the pool directory `dir`: nothing that leaves it.
    package static func checkVolumeName(_ name: String, in dir: String) throws(StorageError) {
        if name.isEmpty {
            throw StorageError(.invalidArgument, "volume name '\(name)' is not a file name", value: name)
        }
        // libvirt finds these paths taken (they are directories).
        if name == "." || name == ".." {
            throw StorageError(
                .operationInvalid, "volume target path '\(dir)/\(name)' already exists", value: name,
                hint: "'\(name)' names a directory, not a file")
        }
        if name.utf8.contains(UInt8(ascii: "/")) {
            throw StorageError(.operationInvalid, "volume name '\(name)' cannot contain '/'", value: name)
        }
        if name.utf8.contains(UInt8(ascii: "\n")) {
            throw StorageError(
                .invalidArgument, "volume name '\(name.replacingNewlines())' cannot contain a newline", value: name)
        }
        // A NUL would cut the name short at the system call: "a\0b" would make "a".
        if name.utf8.contains(0) {
            throw StorageError(
                .invalidArgument,
                "volume name '\(name.replacingOccurrences(of: "\0", with: "\\0"))' cannot contain NUL",
                value: name)
        }
        if name == ChainSnapshots.folderName {
            throw StorageError(
                .invalidArgument, "volume name '\(name)' is the folder of the pool's snapshots", value: name)
        }
        if name.utf8.count > Int(NAME_MAX) {
            throw StorageError(
                .invalidArgument, "volume name of \(name.utf8.count) bytes is longer than \(NAME_MAX) bytes",
                value: name)
        }
    }

    /// Creates the pool's target directory (and missing parents) with the
    /// pool's permissions and copy-on-write feature.
    package func buildDirectory(_ pool: PoolDefinition) async throws(StorageError) {
        let dir = try Self.directory(pool)
        // libvirt refuses a target without any slash in these words; a
        // relative one with a slash it builds under its own working
        // directory, which is never what was meant: refused here too.
        guard dir.hasPrefix("/") else {
            throw StorageError(.invalidArgument, "path '\(dir)' is not absolute", element: "target/path", value: dir)
        }
        try await BlockingIO.run(.metadata) { () throws(StorageError) in try Self.makeDirectory(dir, for: pool) }
    }

    private static func makeDirectory(_ dir: String, for pool: PoolDefinition) throws(StorageError) {
        try PoolFiles.makeDirectory(dir)
        // A target that is there but not a directory is left as it is, as
        // libvirt does (starting the pool then says what is wrong).
        guard let st = SystemCalls.status(of: dir, followingLinks: true), (st.st_mode & S_IFMT) == S_IFDIR else {
            return
        }
        let perms = pool.target.permissions
        let mode = perms.mode.map { mode_t($0) } ?? FileVolumes.defaultPoolMode
        // libvirt's order and words (virDirCreate): the owner, then the mode.
        let uid = perms.owner ?? UInt32.max
        let gid = perms.group ?? UInt32.max
        if perms.owner != nil || perms.group != nil {
            try SystemCalls.chown(
                dir, owner: perms.owner, group: perms.group, "cannot chown '\(dir)' to (\(uid), \(gid))")
        }
        let octal = String(mode, radix: 8)
        let padded = String(repeating: "0", count: max(0, 4 - octal.count)) + octal
        try SystemCalls.chmod(dir, mode, "cannot set mode of '\(dir)' to \(padded)")
        // <features><cow state='no'/>: new files in the directory inherit NOCOW on btrfs.
        if let cow = pool.copyOnWrite {
            let what = "cannot set copy-on-write state of '\(dir)' (only btrfs supports <features><cow>)"
            let fd = try SystemCalls.open(dir, O_RDONLY | O_DIRECTORY, what)
            defer { SystemCalls.close(fd) }
            // vs_set_nocow is an ioctl shim (FS_IOC_SETFLAGS): no wrapper.
            guard vs_set_nocow(fd, cow ? 0 : 1) == 0 else { throw SystemError.make(what, path: dir) }
        }
    }

    /// Removes the pool's (empty) target directory.
    package func removeDirectory(_ pool: PoolDefinition, zeroed: Bool) async throws(StorageError) {
        // As libvirt: a directory has nothing to zero once its volumes are gone.
        if zeroed {
            // libvirt's virCheckFlags: the zeroed flag (0x1) is not taken.
            throw StorageError(
                .unsupportedFlags, "unsupported flags (0x1) in function virStorageBackendDeleteLocal",
                hint: "zeroed deletion is not supported for \(type.rawValue) pools: delete the volumes, then the pool")
        }
        let dir = try Self.directory(pool)
        try await BlockingIO.run(.metadata) { () throws(StorageError) in
            try SystemCalls.rmdir(dir, "failed to remove pool '\(dir)'")
        }
    }

    /// The pool's sizes and its files as volumes. `previous`, what the last
    /// refresh found, is brought up to date (see <doc:LargePools>): a file that is
    /// the same as then is not opened again. The result is what a full
    /// refresh gives.
    public func refreshFiles(_ pool: PoolDefinition, knowing previous: consuming VolumeTable = VolumeTable())
        throws(StorageError) -> (PoolSizes, VolumeTable)
    {
        try FileRefresh.refresh(directory: try Self.directory(pool), knowing: consume previous)
    }

    public func prepareVolume(_ volume: inout VolumeDefinition, in pool: PoolDefinition) throws(StorageError) {
        let dir = try Self.directory(pool)
        try Self.checkVolumeName(volume.name, in: dir)
        let path = dir + "/" + volume.name
        volume.type = .file
        volume.target.path = path
        volume.key = path
        if volume.target.format == nil { volume.target.format = "raw" }
        // libvirt leaves the size out of qemu-img's command, which then
        // takes the backing file's: so does the native writer.
        if !volume.capacitySpecified, let inherited = FileVolumes.inheritedCapacity(volume, poolPath: dir) {
            volume.capacity = inherited
            // Still not given: the image takes its backing file's size as it is, not in whole KiB.
            volume.capacitySpecified = false
            if !volume.allocationSpecified { volume.allocation = volume.capacity }
        }
    }

    public func buildVolume(
        _ volume: VolumeDefinition, from source: VolumeDefinition?, in pool: PoolDefinition,
        options: VolumeBuildOptions, secrets: VolumeSecrets, progress: ProgressHandler?
    ) async throws(StorageError) {
        _ = try await buildVolumeDescribing(
            volume, from: source, in: pool, options: options, secrets: secrets,
            progress: progress)
    }

    /// Raw and qcow2 files made natively are described from the file still
    /// open: the host then skips reading the new volume back.
    public func buildVolumeDescribing(
        _ volume: VolumeDefinition, from source: VolumeDefinition?, in pool: PoolDefinition,
        options: VolumeBuildOptions, secrets: VolumeSecrets, progress: ProgressHandler?
    ) async throws(StorageError) -> VolumeDefinition? {
        let dir = try Self.directory(pool)
        if let source {
            try await FileVolumes.clone(
                volume, from: source, poolType: pool.type, poolPath: dir, options: options, secrets: secrets,
                progress: progress)
            return nil
        }
        return try await FileVolumes.create(
            volume, poolType: pool.type, poolPath: dir, preallocateMetadata: options.preallocateMetadata,
            secrets: secrets, progress: progress)
    }

    public func refreshVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
        -> VolumeDefinition
    {
        let name = volume.name
        let described = try await BlockingIO.runSingleFile(on: pool.type) { () throws(StorageError) in
            volume.target.path.flatMap { FileVolumes.describe(path: $0, name: name) }
        }
        guard let fresh = described else {
            throw StorageError(
                .noSuchVolume, "no storage vol with matching path '\(volume.target.path ?? volume.name)'",
                value: volume.name)
        }
        return fresh
    }

    /// The one file `dir/name`, described as a refresh would; a name that is
    /// not a plain file name, or a pool directory that is gone (the host's
    /// check then finds the pool inactive), is left to a listing.
    public func lookupVolume(named name: String, in pool: PoolDefinition) async throws(StorageError) -> VolumeLookup {
        let dir = try Self.directory(pool)
        if name == ChainSnapshots.folderName { return .absent }
        guard (try? Self.checkVolumeName(name, in: dir)) != nil else { return .unknown }
        let path = dir + "/" + name
        return try await BlockingIO.runSingleFile(on: pool.type) { () throws(StorageError) -> VolumeLookup in
            if let volume = FileVolumes.describe(path: path, name: name) { return .found(volume) }
            guard let st = SystemCalls.status(of: dir), st.st_mode & S_IFMT == S_IFDIR else { return .unknown }
            return .absent
        }
    }

    /// Deletes the file, and the chain snapshots it has, as a qcow2 file
    /// takes its internal snapshots with it.
    public func deleteVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError) {
        guard let path = volume.target.path else { throw StorageError(.invalidArgument, "volume has no path") }
        try await BlockingIO.run { () throws(StorageError) in
            try FileVolumes.delete(path: path)
            ChainSnapshots.removeAll(of: volume)
        }
    }

    public func resizeVolume(
        _ volume: VolumeDefinition, to capacity: UInt64, options: ResizeOptions, in pool: PoolDefinition
    ) async throws(StorageError) {
        try await FileVolumes.resize(volume, to: capacity, options: options)
    }

    public func wipeVolume(
        _ volume: VolumeDefinition, algorithm: WipeAlgorithm, in pool: PoolDefinition, progress: ProgressHandler?
    ) async throws(StorageError) {
        guard let path = volume.target.path else { throw StorageError(.invalidArgument, "volume has no path") }
        try await BlockingIO.run { () throws(StorageError) in
            try VolumeWiper.wipe(path: path, algorithm: algorithm, progress: progress)
        }
    }

}

extension PoolSizes {
    /// The sizes of the filesystem that holds the open directory `fd` (at `path`).
    package init(filesystemOf fd: Int32, path: String) throws(StorageError) {
        var fs = statvfs()
        guard fstatvfs(fd, &fs) == 0 else { throw SystemError.make("cannot statvfs '\(path)'", path: path) }
        // As libvirt: available counts the blocks reserved for root too.
        let block = UInt64(fs.f_frsize)
        let capacity = UInt64(fs.f_blocks) * block
        let available = UInt64(fs.f_bfree) * block
        self.init(capacity: capacity, allocation: capacity - available, available: available)
    }
}

extension FileVolumes {

}

/// Maps over an array on all cores, keeping order and dropping nil results
/// (pool refresh probes many files).
enum ConcurrentMap {
    /// `scratch` is per-worker state (a buffer) handed to every call of `transform` on that worker.
    static func map<T: Sendable, R: Sendable, S>(
        _ items: [T], scratch: S, _ transform: @Sendable (T, inout S) -> R?
    ) -> [R] {
        guard items.count > 64 else {
            var state = scratch
            return items.compactMap { transform($0, &state) }
        }
        let initial = UncheckedBox(scratch)
        let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        let box = UncheckedBox(results)
        let chunks = max(1, min(ProcessInfo.processInfo.activeProcessorCount * 4, items.count / 16))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var state = initial.value
            var i = chunk
            while i < items.count {
                box.value[i] = transform(items[i], &state)
                i += chunks
            }
        }
        var out: [R] = []
        out.reserveCapacity(items.count)
        for i in 0..<items.count {
            if let r = results[i].take() { out.append(r) }
        }
        return out
    }

    /// Each index is written by exactly one iteration, so sharing is safe.
    struct UncheckedBox<V>: @unchecked Sendable {
        let value: V
        init(_ value: V) { self.value = value }
    }
}
