import Foundation

/// A host's pool files, in libvirt's layout: each pool's config, its
/// autostart link and its state (the live definition with the sizes of the
/// last refresh), and the boot marker of autostart. The only writer of those
/// files. Writes are atomic: a temporary file in the same directory, fsync,
/// rename, fsync of the directory; a process killed at any point leaves the
/// old file or the new one, never a torn one.
struct PoolFiles: Sendable {
    let directories: StorageHostDirectories

    func prepare() throws(StorageError) {
        for dir in [directories.config, directories.autostart, directories.state] {
            try Self.makeDirectory(dir)
        }
    }

    /// Makes a directory and its missing parents. The parent is what precedes
    /// the last slash (Foundation's path functions trap on some names, "-").
    static func makeDirectory(_ path: String) throws(StorageError) {
        if SystemCalls.status(of: path) != nil { return }
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        if let slash = trimmed.lastIndex(of: "/") {
            let parent = slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
            if parent != path { try makeDirectory(parent) }
        }
        try SystemCalls.mkdir(path, mode: 0o755, existingIsFine: true, "cannot create directory '\(path)'")
    }

    func configPath(_ name: String) -> String { directories.config + "/" + name + ".xml" }
    func autostartPath(_ name: String) -> String { directories.autostart + "/" + name + ".xml" }
    func statePath(_ name: String) -> String { directories.state + "/" + name + ".xml" }

    // MARK: each pool's files

    /// The persistent definitions, by name (a file whose pool is named
    /// otherwise, or does not parse, is left out), with their autostart flag.
    func configs() -> [(PoolDefinition, autostart: Bool)] {
        Self.xmlNames(in: directories.config).compactMap { name in
            guard let text = Self.read(configPath(name)), let def = try? PoolXML.parse(text), def.name == name
            else { return nil }
            return (def, FileManager.default.fileExists(atPath: autostartPath(name)))
        }
    }

    /// The active pools' live definitions as the processes before left them;
    /// `keep` decides which stay (a state file it refuses is removed).
    func states(keeping keep: (PoolDefinition) -> Bool) -> [PoolDefinition] {
        Self.xmlNames(in: directories.state).compactMap { name in
            guard let text = Self.read(statePath(name)), let live = try? Self.parseState(text), keep(live) else {
                SystemCalls.removeIfPresent(statePath(name))
                return nil
            }
            return live
        }
    }

    func writeConfig(_ def: PoolDefinition) throws(StorageError) {
        try Self.atomicWrite(PoolXML.format(def), to: configPath(def.name))
    }

    /// Removes a pool's config and autostart link (undefine).
    func removeConfig(_ name: String) throws(StorageError) {
        SystemCalls.removeIfPresent(autostartPath(name))
        guard SystemCalls.removeIfPresent(configPath(name)) || errno == ENOENT else {
            let code = errno
            // libvirt's words: an internal error, without strerror.
            throw StorageError(
                .internalError, "cannot remove config for \(name)", errno: code, path: configPath(name),
                hint: String(cString: strerror(code)))
        }
    }

    /// The autostart link to the pool's config, made or removed.
    func setAutostart(_ name: String, _ enabled: Bool) throws(StorageError) {
        let link = autostartPath(name)
        if enabled {
            SystemCalls.removeIfPresent(link)
            try SystemCalls.symlink(
                configPath(name), at: link, "Failed to create symlink '\(link)' to '\(configPath(name))'")
        } else {
            guard SystemCalls.removeIfPresent(link) || errno == ENOENT else {
                throw SystemError.make("Failed to delete symlink '\(link)'", path: link)
            }
        }
    }

    /// The live definition of an active pool. `onlyIfPresent`: replaced only
    /// where a state file is still there (another process may have stopped
    /// the pool meanwhile), without fsync (whole or absent after a kill).
    func writeState(_ def: PoolDefinition, onlyIfPresent: Bool = false) throws(StorageError) {
        let path = statePath(def.name)
        if onlyIfPresent {
            guard SystemCalls.exists(path) else { return }
            try Self.atomicWrite(Self.stateXML(def), to: path, sync: false)
        } else {
            try Self.atomicWrite(Self.stateXML(def), to: path)
        }
    }

    func removeState(_ name: String) {
        SystemCalls.removeIfPresent(statePath(name))
        SystemCalls.removeIfPresent(volumeTablePath(name))
    }

    /// The saved table of an active pool's volumes (``VolumeTableFile``).
    func volumeTablePath(_ name: String) -> String { directories.state + "/" + name + ".volumes" }

    /// Whether autostart has already run since the machine booted; marks it done.
    func autostartDueThisBoot() -> Bool {
        let marker = directories.state + "/autostarted"
        let boot = Self.bootID
        guard Self.read(marker) != boot else { return false }
        try? Self.atomicWrite(boot, to: marker, mode: 0o644)
        return true
    }

    /// Removes the temporaries of atomic writes that killed writers left.
    func removeLeftoverTemporaries() {
        for dir in [directories.config, directories.state] { Self.removeLeftoverTemporaries(in: dir) }
    }

    /// `sync: false` leaves out the fsyncs: the file then survives a killed
    /// process (it is whole or absent), not a power cut.
    static func atomicWrite(_ text: String, to path: String, mode: mode_t = 0o600, sync: Bool = true)
        throws(StorageError)
    {
        try atomicWrite(to: path, mode: mode, sync: sync) { (fd, temp) throws(StorageError) in
            try FileVolumes.writeAll(fd: fd, Array(text.utf8), at: 0, path: temp)
        }
    }

    /// Writes `path` whole or not at all: `write` fills a temporary file
    /// (its descriptor and path given), which then takes the name.
    static func atomicWrite(
        to path: String, mode: mode_t = 0o600, sync: Bool = true,
        _ write: (Int32, String) throws(StorageError) -> Void
    ) throws(StorageError) {
        let dir = (path as NSString).deletingLastPathComponent
        let temp = path + ".new.\(getpid())"
        let fd = try SystemCalls.open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode: mode, "cannot write '\(temp)'")
        do throws(StorageError) {
            defer { SystemCalls.close(fd) }
            try write(fd, temp)
            if sync { try SystemCalls.fsync(fd, path: temp, "cannot sync '\(temp)'") }
        } catch {
            SystemCalls.removeIfPresent(temp)
            throw error
        }
        do throws(StorageError) {
            try SystemCalls.rename(temp, to: path, "cannot rename '\(temp)'")
        } catch {
            SystemCalls.removeIfPresent(temp)
            throw error
        }
        guard sync else { return }
        if let dfd = try? SystemCalls.open(dir, O_RDONLY | O_DIRECTORY, "cannot open '\(dir)'") {
            try? SystemCalls.fsync(dfd, path: dir, "cannot sync '\(dir)'")
            SystemCalls.close(dfd)
        }
    }

    /// Removes the temporaries of atomic writes whose writer was killed
    /// (`<file>.new.<pid>` of a pid that no longer runs).
    static func removeLeftoverTemporaries(in dir: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            guard let range = name.range(of: ".new.", options: .backwards),
                let pid = Int32(name[range.upperBound...]), pid > 0, kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            SystemCalls.removeIfPresent(dir + "/" + name)
        }
    }

    static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Names of the `.xml` files of a directory (leftover temporaries ignored).
    static func xmlNames(in dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasSuffix(".xml") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// libvirt's state file: the live pool XML inside <poolstate>.
    static func stateXML(_ def: PoolDefinition) -> String {
        "<poolstate>\n" + PoolXML.format(def).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
            + "\n</poolstate>\n"
    }

    /// The live definition a state file holds, with the sizes of the last
    /// refresh (which a pool definition's parser ignores, as libvirt's).
    static func parseState(_ text: String) throws(StorageError) -> PoolDefinition {
        let root = try XMLReading.root(of: text, documentName: "(pool_state)")
        let pool = root.name == "poolstate" ? root.firstElement("pool") ?? root : root
        var def = try PoolXML.parse(element: pool)
        def.capacity = pool.string("capacity").flatMap { UInt64($0) } ?? 0
        def.allocation = pool.string("allocation").flatMap { UInt64($0) } ?? 0
        def.available = pool.string("available").flatMap { UInt64($0) } ?? 0
        return def
    }

    /// The kernel's boot id, so autostart runs once per boot.
    static var bootID: String {
        read("/proc/sys/kernel/random/boot_id")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
    }
}
