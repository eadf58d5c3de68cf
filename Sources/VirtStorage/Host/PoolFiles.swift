import Foundation

/// Reads and writes a host's pool files. Writes are atomic: a temporary file
/// in the same directory, fsync, rename, fsync of the directory; a process
/// killed at any point leaves the old file or the new one, never a torn one.
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
        var st = stat()
        if stat(path, &st) == 0 { return }
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        if let slash = trimmed.lastIndex(of: "/") {
            let parent = slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
            if parent != path { try makeDirectory(parent) }
        }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw SystemError.make("cannot create directory '\(path)'", path: path)
        }
    }

    func configPath(_ name: String) -> String { directories.config + "/" + name + ".xml" }
    func autostartPath(_ name: String) -> String { directories.autostart + "/" + name + ".xml" }
    func statePath(_ name: String) -> String { directories.state + "/" + name + ".xml" }

    /// `sync: false` leaves out the fsyncs: the file then survives a killed
    /// process (it is whole or absent), not a power cut.
    static func atomicWrite(_ text: String, to path: String, mode: mode_t = 0o600, sync: Bool = true)
        throws(StorageError)
    {
        let dir = (path as NSString).deletingLastPathComponent
        let temp = path + ".new.\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw SystemError.make("cannot write '\(temp)'", path: temp) }
        do throws(StorageError) {
            try FileVolumes.writeAll(fd: fd, Array(text.utf8), at: 0, path: temp)
            guard !sync || fsync(fd) == 0 else { throw SystemError.make("cannot sync '\(temp)'", path: temp) }
            close(fd)
            guard rename(temp, path) == 0 else { throw SystemError.make("cannot rename '\(temp)'", path: path) }
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        guard sync else { return }
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    /// Removes the temporaries of atomic writes whose writer was killed
    /// (`<file>.new.<pid>` of a pid that no longer runs).
    static func removeLeftoverTemporaries(in dir: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            guard let range = name.range(of: ".new.", options: .backwards),
                let pid = Int32(name[range.upperBound...]), pid > 0, kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            unlink(dir + "/" + name)
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
