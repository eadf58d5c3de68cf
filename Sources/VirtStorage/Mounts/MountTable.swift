import Foundation

/// The kernel's table of mounted filesystems, read to tell whether an fs or
/// netfs pool is mounted where its definition says.
public enum MountTable {
    public struct Entry: Sendable, Equatable {
        public var source: String
        public var mountPoint: String
        public var type: String
        public var options: String
    }

    /// Entries of `file` (/proc/self/mounts), with the kernel's octal escapes undone.
    public static func entries(file: String = "/proc/self/mounts") throws(StorageError) -> [Entry] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw SystemError.make("cannot read mount list '\(file)'", path: file)
        }
        return parse(text)
    }

    static func parse(_ text: String) -> [Entry] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map { unescape(String($0)) }
            guard fields.count >= 4 else { return nil }
            return Entry(source: fields[0], mountPoint: fields[1], type: fields[2], options: fields[3])
        }
    }

    /// "\040" is a space, "\011" a tab, "\012" a newline and "\134" a backslash.
    static func unescape(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        var bytes: [UInt8] = []
        let utf8 = Array(field.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count,
                let value = UInt8(String(decoding: utf8[(i + 1)...(i + 3)], as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                i += 4
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The entry that mounts `source` on `target`. Paths compare after
    /// resolving symlinks; a source that is an image file also matches the
    /// loop device the kernel mounted in its place (libvirt misses that case and
    /// then leaves such a pool mounted when it stops).
    public static func entry(mounting source: String, on target: String, in entries: [Entry]) -> Entry? {
        let target = canonical(target)
        let source = canonical(source)
        return entries.last { entry in
            guard canonical(entry.mountPoint) == target else { return false }
            let mounted = canonical(entry.source)
            return mounted == source || loopBackingFile(mounted).map(canonical) == source
        }
    }

    static func canonical(_ path: String) -> String {
        guard path.hasPrefix("/") else { return path }
        guard let resolved = SystemCalls.resolve(path) else {
            return path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        }
        return resolved
    }

    /// The file behind /dev/loopN, from sysfs.
    static func loopBackingFile(_ device: String) -> String? {
        guard device.hasPrefix("/dev/loop") else { return nil }
        let name = device.dropFirst("/dev/".count)
        guard let text = try? String(contentsOfFile: "/sys/block/\(name)/loop/backing_file", encoding: .utf8) else {
            return nil
        }
        return text.trimmingCharacters(in: .newlines)
    }
}
