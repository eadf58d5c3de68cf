import Foundation

/// The kernel's sysfs and /dev, read and written under a root directory: "/"
/// on a real host, a fixture tree in tests (this machine has no SCSI layer).
/// Paths given to it are the host's own ("/sys/class/scsi_host"); the root
/// is prepended only when touching files.
public struct SysfsTree: Sendable, Equatable {
    /// The directory that stands for "/".
    public let root: String

    public init(root: String = "/") {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    /// Where `path` (absolute, as the host sees it) is on this machine.
    public func real(_ path: String) -> String { root == "/" ? path : root + path }

    public func exists(_ path: String) -> Bool { SystemCalls.exists(real(path)) }

    public func isSymlink(_ path: String) -> Bool {
        guard let st = SystemCalls.status(of: real(path), followingLinks: false) else { return false }
        return (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// The entries of a directory, sorted (readdir order is arbitrary; sorting
    /// keeps volume lists stable); nil when it cannot be read.
    public func entries(_ path: String) -> [String]? {
        (try? FileManager.default.contentsOfDirectory(atPath: real(path)))?.sorted()
    }

    /// The first line of a sysfs attribute, without its newline; nil when missing or unreadable.
    public func attribute(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: real(path)) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }

    /// A WWN attribute (node_name, port_name, fabric_name) without its "0x".
    public func wwn(_ path: String) -> String? {
        guard let value = attribute(path) else { return nil }
        return value.hasPrefix("0x") ? String(value.dropFirst(2)) : value
    }

    /// Writes `text` to an existing sysfs attribute, as the kernel expects:
    /// one write, no truncation, no creation.
    public func write(_ text: String, to path: String) throws(StorageError) {
        let file = real(path)
        let fd: Int32
        do throws(StorageError) {
            fd = try SystemCalls.open(file, O_WRONLY, "cannot open '\(path)' for writing")
        } catch {
            // The host's path, as the message names it (not the one under the root).
            var error = error
            error.path = path
            throw error
        }
        defer { SystemCalls.close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw SystemError.make("write of '\(text)' to '\(path)' failed", path: path)
        }
    }

    /// Where the symbolic link at `path` leads, as a host path with every
    /// link on the way followed and "." and ".." resolved; nil when `path` is
    /// not a link or a link on the way is dangling in a loop.
    public func resolveLink(_ path: String) -> String? {
        guard isSymlink(path) else { return nil }
        var current = path
        for _ in 0..<40 {
            guard isSymlink(current) else { return current }
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: real(current)) else {
                return nil
            }
            let base = target.hasPrefix("/") ? "" : (current as NSString).deletingLastPathComponent
            current = Self.normalize(base + "/" + target)
        }
        return nil
    }

    /// "/a/b/../c/./d" as "/a/c/d", without touching the file system.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
