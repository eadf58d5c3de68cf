import CStorageSys
import Foundation

/// File-backed volumes, shared by the dir, fs, netfs and vstorage backends:
/// describing files, creating, cloning, deleting, resizing, wiping, and
/// copying data in and out. Every function works on paths inside a pool
/// directory that the caller has already checked.
public enum FileVolumes {
    /// libvirt's default modes for new pool directories and volumes.
    public static let defaultPoolMode: mode_t = 0o711
    public static let defaultVolumeMode: mode_t = 0o600

    // MARK: describing

    static func timestamp(_ ts: timespec) -> VolumeTimestamps.Time {
        .init(seconds: Int64(ts.tv_sec), nanoseconds: Int64(ts.tv_nsec))
    }

    /// A volume for the file at `path`, as pool refresh reports it; nil for
    /// things that are not volumes (sockets, fifos, dangling links).
    /// `directory`, when given, is an open descriptor of the file's directory
    /// (saves a path walk per file on refresh).
    public static func describe(path: String, name: String, directory: Int32? = nil) -> VolumeDefinition? {
        var buffer = [UInt8]()
        return describe(path: path, name: name, directory: directory, buffer: &buffer)?.0
    }

    /// As `describe(path:name:directory:)` with a header buffer the caller
    /// reuses; also gives the file's status taken before it was read, which
    /// a refresh keeps to know the file again (``VolumeTable``).
    static func describe(path: String, name: String, directory: Int32?, buffer: inout [UInt8])
        -> (VolumeDefinition, stat)?
    {
        // A regular file of 4 KiB or more without one allocated block holds no
        // data (no filesystem keeps that much inside the inode): most sparse
        // volumes are described from this one stat, without being opened.
        let statted: stat?
        if let directory {
            statted = SystemCalls.status(of: name, in: directory, path: path)
        } else {
            statted = SystemCalls.status(of: path)
        }
        if let st = statted, st.st_mode & S_IFMT == S_IFREG, st.st_blocks == 0, st.st_size >= 4096 {
            return describe(fd: -1, path: path, name: name, stat: st, allZeros: true, buffer: &buffer).map { ($0, st) }
        }
        // O_NONBLOCK: a fifo opens at once and is skipped below; sockets do not open.
        // (The wrappers add O_CLOEXEC.) A failure is no volume: its words are never read.
        let flags = O_RDONLY | O_NONBLOCK | O_NOCTTY
        let opened: Int32?
        if let directory {
            opened = try? SystemCalls.open(name, in: directory, flags, path: path, "cannot open '\(path)'")
        } else {
            opened = try? SystemCalls.open(path, flags, "cannot open '\(path)'")
        }
        guard let fd = opened else { return nil }
        defer { SystemCalls.close(fd) }
        guard let st = try? SystemCalls.fstat(fd, path: path, "cannot stat '\(path)'") else { return nil }
        return describe(fd: fd, path: path, name: name, stat: st, buffer: &buffer).map { ($0, st) }
    }

    /// The volume `fd` is open on (found at `path`), as a refresh reports it;
    /// `known` is its fstat when the caller has it. `allZeros`: the regular
    /// file holds no data, so it is probed without reading (`fd` may be -1).
    static func describe(
        fd: Int32, path: String, name: String, stat known: stat? = nil, allZeros: Bool = false,
        buffer: inout [UInt8]
    ) -> VolumeDefinition? {
        let st: stat
        if let known {
            st = known
        } else if let found = try? SystemCalls.fstat(fd, path: path, "cannot stat '\(path)'") {
            st = found
        } else {
            return nil
        }
        var vol = VolumeDefinition(name: name)
        vol.key = path
        vol.allocationSpecified = true
        var target = VolumeTarget(path: path)
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            vol.type = .file
            let header = ImageFormatProbe.probe(
                fd: fd, fileSize: UInt64(st.st_size), buffer: &buffer, dataStart: allZeros ? UInt64(st.st_size) : nil)
            apply(header, to: &target, volume: &vol, imagePath: path)
            vol.capacity = header.capacity(physical: UInt64(st.st_size))
            vol.allocation = UInt64(st.st_blocks) * 512
            vol.physical = UInt64(st.st_size)
        case S_IFBLK:
            vol.type = .block
            var size: UInt64 = 0
            if vs_block_device_size(fd, &size) != 0 { size = SystemCalls.endOffset(fd, path: path) }
            target.format = "raw"
            vol.capacity = size
            vol.allocation = size
            vol.physical = size
        case S_IFDIR:
            // As libvirt: a directory has no size of its own (0 for capacity
            // and allocation, no <physical>), whatever its inode's blocks.
            vol.type = .dir
            target.format = "dir"
        default:
            return nil
        }
        target.permissions = permissions(st)
        target.timestamps = timestamps(st)
        vol.target = target
        return vol
    }

    /// The <permissions> libvirt reports for a file: mode bits, owner, group.
    public static func permissions(_ st: stat) -> Permissions {
        Permissions(mode: UInt32(st.st_mode & 0o777), owner: st.st_uid, group: st.st_gid)
    }

    /// The <timestamps> libvirt reports for a file on Linux (no birth time: 0).
    public static func timestamps(_ st: stat) -> VolumeTimestamps {
        VolumeTimestamps(
            atime: timestamp(st.st_atim), mtime: timestamp(st.st_mtim), ctime: timestamp(st.st_ctim),
            btime: .init(seconds: 0))
    }

    private static func apply(
        _ header: ImageHeader, to target: inout VolumeTarget, volume: inout VolumeDefinition, imagePath: String
    ) {
        target.format = header.format
        target.compat = header.compat
        target.clusterSize = header.clusterSize
        target.features = header.features
        if let encryption = header.encryption {
            target.encryption = VolumeEncryption(format: encryption)
        }
        guard let backing = header.backingPath else { return }
        var store = VolumeTarget(path: backing)
        if !backing.contains("://") {
            store.path = PathSanitizer.sanitize(BackingChain.resolve(backing, relativeTo: imagePath))
        }
        if let resolved = store.path, !resolved.contains("://") {
            if let st = SystemCalls.status(of: resolved) {
                store.permissions = permissions(st)
                store.timestamps = timestamps(st)
                if header.backingFormat == nil, (st.st_mode & S_IFMT) == S_IFREG,
                    let probed = try? ImageFormatProbe.probe(path: resolved)
                {
                    store.format = probed.format
                }
            }
        }
        if let format = header.backingFormat { store.format = format }
        if store.format == nil { store.format = "raw" }
        volume.backingStore = store
    }

    // MARK: creating

    /// Creates the file of a new volume: raw (sparse up to the requested
    /// allocation) or qcow2 natively; other formats and encrypted or
    /// preallocated qcow2 through qemu-img. Returns the new volume as a
    /// refresh would report it when it was made natively (read from the file
    /// still open), nil after qemu-img.
    @discardableResult
    public static func create(
        _ vol: VolumeDefinition, poolType: PoolType, poolPath: String, preallocateMetadata: Bool,
        secrets: VolumeSecrets = VolumeSecrets(), progress: ProgressHandler?
    ) async throws(StorageError) -> VolumeDefinition? {
        guard let path = vol.target.path else { throw StorageError(.invalidArgument, "volume has no target path") }
        let format = vol.target.format ?? "raw"
        if preallocateMetadata && format != "qcow2" {
            // libvirt's words: its raw writer's, or qemu-img's check for the other formats.
            let plainRaw = format == "raw" && vol.target.encryption == nil
            throw StorageError.unsupported(
                plainRaw
                    ? "metadata preallocation is not supported for raw volumes"
                    : "metadata preallocation only available with qcow2",
                element: "target/format/@type", value: format.rawValue, hint: "the volume's format is \(format)")
        }
        if format == "raw" && vol.target.encryption == nil && vol.backingStore?.path != nil {
            // libvirt writes plain raw files itself, and refuses a backing file there.
            throw StorageError(.noSupport, "backing storage not supported for raw volumes")
        }
        switch format {
        case "raw" where vol.target.encryption == nil && vol.backingStore == nil:
            if vol.allocation == 0 {
                return try await BlockingIO.runSingleFile(on: poolType) { () throws(StorageError) in
                    try createRaw(vol, path: path, progress: progress)
                }
            } else {
                return try await BlockingIO.run { () throws(StorageError) in
                    try createRaw(vol, path: path, progress: progress)
                }
            }
        case "qcow2"
        where vol.target.encryption == nil
            && !(preallocateMetadata && (vol.backingStore != nil || vol.target.features?.contains(.extendedL2) == true))
            && backingIsAsDeclared(vol, poolPath: poolPath):
            return try await BlockingIO.run { () throws(StorageError) in
                try createQCow2(vol, path: path, poolPath: poolPath, preallocateMetadata: preallocateMetadata)
            }
        default:
            var builder = QemuImgCommand(volume: .init(vol, in: poolType), poolTargetPath: poolPath)
            builder.preallocateMetadata = preallocateMetadata
            try await runQemuImg(builder, secrets: secrets)
            return nil
        }
    }

    /// The size qemu-img gives an image that names a backing file and no
    /// size: the backing file's size in its declared format (raw where none
    /// is declared, as libvirt declares it: a qcow2 backing file is then its
    /// file's size), rounded up to 512 bytes as qemu-img rounds it.
    static func inheritedCapacity(_ vol: VolumeDefinition, poolPath: String) -> UInt64? {
        guard let backing = vol.backingStore?.path else { return nil }
        let absolute = QemuImgCommand.absoluteBackingPath(backing, poolTargetPath: poolPath)
        guard let (header, physical) = try? ImageFormatProbe.probeWithSize(path: absolute) else { return nil }
        let declared = vol.backingStore?.format ?? .raw
        let size = declared != .raw && header.format == declared ? header.capacity(physical: physical) : physical
        return (size + 511) & ~511
    }

    /// Whether the backing file is in the format the definition gives it (or
    /// none is given, or raw, which any file is). When it is not, qemu-img
    /// (as libvirt runs it) refuses the image, and the native writer must not
    /// write what qemu could not open: such volumes go to qemu-img.
    static func backingIsAsDeclared(_ vol: VolumeDefinition, poolPath: String) -> Bool {
        guard let backing = vol.backingStore?.path, let declared = vol.backingStore?.format, declared != "raw" else {
            return true
        }
        let absolute = QemuImgCommand.absoluteBackingPath(backing, poolTargetPath: poolPath)
        guard let header = try? ImageFormatProbe.probe(path: absolute) else { return true }
        return header.format == declared
    }

    /// Creates a raw file; returns it as a refresh would report it.
    @discardableResult
    static func createRaw(_ vol: VolumeDefinition, path: String, progress: ProgressHandler?) throws(StorageError)
        -> VolumeDefinition?
    {
        let fd = try createExclusive(path, vol)
        defer { SystemCalls.close(fd) }
        do throws(StorageError) {
            try SystemCalls.ftruncate(fd, to: vol.capacity, path: path, "cannot extend file '\(path)'")
            // As libvirt: an allocation beyond the capacity is allocated too,
            // and the file grows to it.
            if vol.allocation > 0 {
                try preallocate(fd: fd, path: path, length: vol.allocation, progress: progress)
            }
            let st = try applyMode(fd, path, vol)
            // Nothing was written: the file reads as zeros and needs no probe.
            var buffer: [UInt8] = []
            return describe(fd: fd, path: path, name: vol.name, stat: st, allZeros: true, buffer: &buffer)
        } catch {
            SystemCalls.removeIfPresent(path)
            throw error
        }
    }

    /// Writes a qcow2 file natively; returns it as a refresh would report it.
    @discardableResult
    static func createQCow2(_ vol: VolumeDefinition, path: String, poolPath: String, preallocateMetadata: Bool)
        throws(StorageError) -> VolumeDefinition?
    {
        var writer = try QCow2Writer(volume: vol)
        // No size with a backing file: qemu-img takes the backing file's, to
        // 512 bytes (libvirt gives it none), not a size in whole KiB.
        if vol.capacity == 0 || !vol.capacitySpecified, let inherited = inheritedCapacity(vol, poolPath: poolPath) {
            writer.capacity = inherited
        }
        writer.preallocateMetadata = preallocateMetadata
        try writer.validate()
        if let backing = vol.backingStore?.path {
            try QemuImgCommand.checkBackingStore(backing, poolTargetPath: poolPath)
        }
        let fd = try createExclusive(path, vol)
        defer { SystemCalls.close(fd) }
        do throws(StorageError) {
            try writer.write(to: fd, path: path)
            let st = try applyMode(fd, path, vol)
            var buffer: [UInt8] = []
            return describe(fd: fd, path: path, name: vol.name, stat: st, buffer: &buffer)
        } catch {
            SystemCalls.removeIfPresent(path)
            throw error
        }
    }

    /// Opens a new file with O_EXCL, the volume's owner and group, and its
    /// mode as the umask leaves it: `applyMode` then sets the mode as given.
    static func createExclusive(_ path: String, _ vol: VolumeDefinition) throws(StorageError) -> Int32 {
        let mode = mode(of: vol)
        let fd: Int32
        do throws(StorageError) {
            fd = try SystemCalls.open(
                path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, mode: mode, "Failed to create file '\(path)'")
        } catch where error.errno == EEXIST {
            // libvirt's words: its createVol finds the path taken, or the open fails.
            throw StorageError(
                .operationInvalid, "volume target path '\(path)' already exists", value: vol.name, errno: EEXIST,
                path: path)
        }
        // Failing to apply the asked owner or mode fails the creation, as in libvirt.
        let owner = vol.target.permissions?.owner
        let group = vol.target.permissions?.group
        if owner != nil || group != nil {
            do throws(StorageError) {
                try SystemCalls.fchown(
                    fd, owner: owner, group: group, path: path, "cannot set the owner of volume '\(path)'")
            } catch {
                SystemCalls.close(fd)
                SystemCalls.removeIfPresent(path)
                throw error
            }
        }
        // <nocow/> must be set while the file is still empty.
        if vol.target.noCopyOnWrite { _ = vs_set_nocow(fd, 1) }
        return fd
    }

    /// The mode a new volume gets: the XML's, 0600 by default.
    static func mode(of vol: VolumeDefinition) -> mode_t {
        vol.target.permissions?.mode.map { mode_t($0) } ?? defaultVolumeMode
    }

    /// Sets the mode of a file from `createExclusive` as the XML gives it
    /// (the umask may have narrowed it), after the owner (a chown clears the
    /// set-id bits). Checked first: a chmod costs a metadata write, a stat
    /// does not. Returns the file's state.
    static func applyMode(_ fd: Int32, _ path: String, _ vol: VolumeDefinition) throws(StorageError) -> stat {
        let mode = mode(of: vol)
        var st = try SystemCalls.fstat(fd, path: path, "cannot stat volume '\(path)'")
        if st.st_mode & 0o7777 != mode {
            try SystemCalls.fchmod(fd, mode, path: path, "cannot set the mode of volume '\(path)'")
            st = try SystemCalls.fstat(fd, path: path, "cannot set the mode of volume '\(path)'")
        }
        return st
    }

    /// The file at `path` is still the one open as `fd` (not replaced, not a link).
    static func isSameFile(_ fd: Int32, _ path: String) -> Bool {
        guard let open = try? SystemCalls.fstat(fd, path: path, "cannot stat '\(path)'"),
            let named = SystemCalls.status(of: path, followingLinks: false)
        else { return false }
        return open.st_dev == named.st_dev && open.st_ino == named.st_ino
    }

    /// Allocates the first `length` bytes (fallocate, or zeros where unsupported).
    static func preallocate(fd: Int32, path: String, length: UInt64, progress: ProgressHandler?) throws(StorageError) {
        if vs_fallocate(fd, 0, 0, Int64(length)) == 0 {
            progress?(length, length)
            return
        }
        guard errno == EOPNOTSUPP || errno == ENOSYS else {
            throw SystemError.make("cannot allocate \(length) bytes in file '\(path)'", path: path)
        }
        let chunk = [UInt8](repeating: 0, count: 1 << 20)
        var done: UInt64 = 0
        while done < length {
            let n = Int(min(UInt64(chunk.count), length - done))
            try writeAll(fd: fd, chunk, count: n, at: done, path: path)
            done += UInt64(n)
            progress?(done, length)
        }
    }

    /// Writes the first `count` bytes (all by default) at `offset`, retrying short writes.
    static func writeAll(fd: Int32, _ bytes: [UInt8], count: Int? = nil, at offset: UInt64, path: String)
        throws(StorageError)
    {
        try SystemCalls.pwriteAll(fd, bytes, count: count, at: offset, path: path, "cannot write to '\(path)'")
    }

    /// Writes all of `bytes` at `offset`, retrying short writes and EINTR.
    public static func writeAll(fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64, path: String)
        throws(StorageError)
    {
        try SystemCalls.pwriteAll(fd, bytes, at: offset, path: path, "cannot write to '\(path)'")
    }

    /// Runs the qemu-img command(s) for a volume. LUKS passphrases go to
    /// qemu-img in private files (mode 0600, in a 0700 directory) that are
    /// removed afterwards; they never appear in the command line.
    static func runQemuImg(_ builder: QemuImgCommand, secrets: VolumeSecrets) async throws(StorageError) {
        var builder = builder
        let needsVolume = builder.volume.definition.target.encryption != nil
        let needsInput = builder.input?.definition.target.encryption != nil
        var directory: String?
        defer { if let directory { try? FileManager.default.removeItem(atPath: directory) } }
        if needsVolume || needsInput {
            var template = Array((NSTemporaryDirectory() + "virtstorage-secret-XXXXXX").utf8CString)
            guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
                throw SystemError.make("cannot create a private directory for a secret")
            }
            directory = String(cString: made)
            func write(_ value: [UInt8]?, _ name: String, _ what: String) throws(StorageError) -> String {
                guard let value else {
                    throw StorageError(
                        .invalidArgument,
                        "\(what) is encrypted: the host needs a secret store holding its passphrase (StorageHost(secrets:))"
                    )
                }
                let path = directory! + "/" + name
                let fd = try SystemCalls.open(
                    path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600, "cannot write a secret file")
                defer { SystemCalls.close(fd) }
                try writeAll(fd: fd, value, at: 0, path: path)
                return path
            }
            if needsVolume { builder.secretPath = try write(secrets.volume, "volume", "the new volume") }
            if needsInput { builder.inputSecretPath = try write(secrets.input, "input", "the source volume") }
        }
        let commands = try builder.commands()
        // qemu-img follows links when it creates its output: the file is made here
        // first (O_EXCL, O_NOFOLLOW, the volume's mode and owner), so a link planted
        // under the volume's name refuses the creation instead of redirecting it,
        // and qemu-img keeps that mode when it rewrites the file.
        let vol = builder.volume.definition
        guard let path = vol.target.path else { throw StorageError(.invalidArgument, "volume has no target path") }
        // qemu measures its key derivation in CPU time and gives up when a
        // measurement reads 0 ms (CPU time counted in ticks, on a busy host),
        // removing the file: it is made again, up to five times in all.
        var attempt = 1
        while true {
            do throws(StorageError) {
                return try await runQemuImg(commands, creating: path, vol)
            } catch where encryptionTimingFailed(error) && attempt < 5 {
                attempt += 1
            }
        }
    }

    /// Makes the volume's file, then runs qemu-img's commands on it; a
    /// failure removes the file if it is still ours.
    private static func runQemuImg(_ commands: [Command], creating path: String, _ vol: VolumeDefinition)
        async throws(StorageError)
    {
        let fd = try createExclusive(path, vol)
        defer { SystemCalls.close(fd) }
        do throws(StorageError) {
            _ = try applyMode(fd, path, vol)
            for command in commands { try await CommandRunner.run(command) }
            guard isSameFile(fd, path) else {
                throw StorageError(
                    .operationFailed, "volume '\(path)' was replaced while qemu-img wrote it", path: path)
            }
        } catch {
            // Only our own file goes; a link put in its place is removed, never followed.
            if isSameFile(fd, path) || isSymbolicLink(path) { SystemCalls.removeIfPresent(path) }
            throw error
        }
    }

    /// qemu's words when its LUKS key derivation benchmark measured no CPU time.
    static func encryptionTimingFailed(_ error: StorageError) -> Bool {
        error.message.contains("Unable to get accurate CPU usage")
    }

    static func isSymbolicLink(_ path: String) -> Bool {
        guard let st = SystemCalls.status(of: path, followingLinks: false) else { return false }
        return (st.st_mode & S_IFMT) == S_IFLNK
    }

    // MARK: cloning

    /// Copies `source` into the new volume `vol`: a reflink where the
    /// filesystem can (only that with `options.reflink`), otherwise a
    /// sparse-aware copy; qemu-img convert when the formats differ.
    public static func clone(
        _ vol: VolumeDefinition, from source: VolumeDefinition, poolType: PoolType, poolPath: String,
        options: VolumeBuildOptions, secrets: VolumeSecrets = VolumeSecrets(), progress: ProgressHandler?
    ) async throws(StorageError) {
        guard let path = vol.target.path, let sourcePath = source.target.path else {
            throw StorageError(.invalidArgument, "clone needs source and target paths")
        }
        let sameFormat = (vol.target.format ?? "raw") == (source.target.format ?? "raw")
        let imageOrEncrypted =
            (vol.target.format ?? "raw") != "raw" || (source.target.format ?? "raw") != "raw"
            || vol.target.encryption != nil || source.target.encryption != nil
        // libvirt copies all but plain raw files with qemu-img, which takes no
        // reflink flag (virCheckFlags); a same-format image is copied here,
        // but --reflink is refused as libvirt refuses it.
        if options.reflink && imageOrEncrypted {
            throw StorageError(
                .unsupportedFlags, "unsupported flags (0x2) in function storageBackendCreateQemuImg",
                hint: "a reflink copies a raw file into a raw file")
        }
        // An image on a backing file is flattened, as libvirt's qemu-img convert
        // does: the clone holds the guest's whole data and needs no backing file.
        if !sameFormat || vol.target.encryption != nil || source.target.encryption != nil
            || options.preallocateMetadata || source.backingStore != nil
        {
            var builder = QemuImgCommand(volume: .init(vol, in: poolType), poolTargetPath: poolPath)
            builder.input = .init(source, in: poolType)
            builder.preallocateMetadata = options.preallocateMetadata
            try await runQemuImg(builder, secrets: secrets)
            return
        }
        try await BlockingIO.run { () throws(StorageError) in
            try copyClone(vol, path: path, sourcePath: sourcePath, reflink: options.reflink, progress: progress)
        }
    }

    /// Reflink or sparse copy of a same-format clone; `reflink`: only a reflink.
    static func copyClone(
        _ vol: VolumeDefinition, path: String, sourcePath: String, reflink: Bool, progress: ProgressHandler?
    ) throws(StorageError) {
        let input = try SystemCalls.open(sourcePath, O_RDONLY, "could not open input path '\(sourcePath)'")
        defer { SystemCalls.close(input) }
        // As before: a failed fstat leaves the size 0.
        let st = (try? SystemCalls.fstat(input, path: sourcePath, "cannot stat '\(sourcePath)'")) ?? stat()
        let output = try createExclusive(path, vol)
        defer { SystemCalls.close(output) }
        do throws(StorageError) {
            _ = try applyMode(output, path, vol)
            // FICLONE: share extents on xfs and btrfs.
            if vs_ficlone(output, input) != 0 {
                if reflink { throw SystemError.make("failed to clone files from '\(sourcePath)'", path: sourcePath) }
                try SparseCopy.copy(
                    from: input, fromPath: sourcePath, to: output, toPath: path, offset: 0, length: UInt64(st.st_size),
                    destinationOffset: 0, sparse: true, progress: progress)
            } else {
                progress?(UInt64(st.st_size), UInt64(st.st_size))
            }
            // The new capacity is at least the source's; raw files grow to it.
            if (vol.target.format ?? "raw") == "raw" && vol.capacity > UInt64(st.st_size) {
                try SystemCalls.ftruncate(output, to: vol.capacity, path: path, "cannot extend file '\(path)'")
            }
        } catch {
            SystemCalls.removeIfPresent(path)
            throw error
        }
    }

    // MARK: deleting, resizing

    public static func delete(path: String, zeroed: Bool = false) throws(StorageError) {
        let st = try SystemCalls.stat(path, followingLinks: false, "cannot find volume '\(path)'")
        if (st.st_mode & S_IFMT) == S_IFDIR {
            try SystemCalls.rmdir(path, "cannot remove directory '\(path)'")
        } else {
            try SystemCalls.unlink(path, "cannot unlink file '\(path)'")
        }
    }

    /// Resizes with libvirt's rules: no shrinking below the allocation unless
    /// asked; `allocate` allocates the whole raw file, holes it had before
    /// included, as libvirt 9.0 does (seen side by side).
    public static func resize(_ vol: VolumeDefinition, to capacity: UInt64, options: ResizeOptions)
        async throws(StorageError)
    {
        guard let path = vol.target.path else { throw StorageError(.invalidArgument, "volume has no target path") }
        let format = vol.target.format ?? "raw"
        if format == "raw" && vol.target.encryption == nil {
            // Allocating gigabytes can take a while: off the cooperative pool.
            let grow = options.contains(.allocate) && capacity > vol.capacity
            try await BlockingIO.run { () throws(StorageError) in
                // libvirt's words (virFileResize).
                let fd = try SystemCalls.open(path, O_RDWR | O_NOFOLLOW, "Unable to open '\(path)'")
                defer { SystemCalls.close(fd) }
                if grow {
                    guard vs_fallocate(fd, 0, 0, Int64(capacity)) == 0 else {
                        throw SystemError.make("Failed to pre-allocate space for file '\(path)'", path: path)
                    }
                }
                try SystemCalls.ftruncate(fd, to: capacity, path: path, "Failed to truncate file '\(path)'")
            }
            return
        }
        if options.contains(.allocate) {
            throw StorageError(
                .operationUnsupported,
                format == "raw"
                    ? "preallocate is only supported for an unencrypted raw volume"
                    : "preallocate is only supported for raw type volume",
                hint: "the volume's format is \(format)\(vol.target.encryption != nil ? ", encrypted" : "")")
        }
        // qemu-img follows links: a volume replaced by one since the pool was read is refused.
        guard let st = SystemCalls.status(of: path, followingLinks: false), (st.st_mode & S_IFMT) == S_IFREG else {
            throw StorageError(
                .operationInvalid, "volume '\(path)' is no longer a regular file (replaced by a link?)", path: path)
        }
        // As libvirt: qemu-img takes only multiples of 512, so the size is rounded up.
        let rounded = (capacity + 511) / 512 * 512
        var args = ["resize"]
        if rounded < vol.capacity { args.append("--shrink") }
        args += [path, String(rounded)]
        try await CommandRunner.run(Command("qemu-img", args))
    }
}
