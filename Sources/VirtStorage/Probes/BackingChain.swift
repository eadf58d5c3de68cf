import Foundation

/// Walks an image's backing chain natively: each level's header names the
/// next file (relative names are relative to the referring image's
/// directory); formats not recorded in a header are probed; a file seen twice
/// is a loop and stops the walk with an error, as does a missing file.
public enum BackingChain {
    public struct Link: Sendable, Equatable {
        /// The path of this image, as reached (parent directory + raw name).
        public var path: String
        /// The name this image's parent recorded for it (nil for the top).
        public var rawName: String?
        public var format: String
        public var capacity: UInt64?
        /// The next image's name as this header records it.
        public var backingRawName: String?
    }

    /// Where a backing name points: relative names are relative to the
    /// directory of the image that records them (joined as written, like libvirt).
    static func resolve(_ name: String, relativeTo image: String) -> String {
        name.hasPrefix("/") ? name : (image as NSString).deletingLastPathComponent + "/" + name
    }

    /// The chain from `path` down to the last image; a network backing
    /// ("nbd+tcp://...") ends the walk and is reported as the last raw name.
    public static func walk(_ path: String, maxDepth: Int = 200) throws(StorageError) -> [Link] {
        var links: [Link] = []
        var seen: Set<[UInt64]> = []
        var current = path
        var rawName: String?
        var declaredFormat: String?
        while true {
            let fd = try SystemCalls.open(
                current, O_RDONLY | O_NONBLOCK,
                "Cannot access backing file '\(rawName ?? current)' of storage file '\(links.last?.path ?? path)'")
            // A failed fstat reads as a zeroed stat, as before.
            let st = (try? SystemCalls.fstat(fd, path: current, "cannot stat '\(current)'")) ?? stat()
            let identity = [UInt64(st.st_dev), UInt64(st.st_ino)]
            guard seen.insert(identity).inserted else {
                SystemCalls.close(fd)
                throw StorageError(
                    .operationFailed,
                    "backing store for '\(links.last?.path ?? path)' (\(rawName ?? current)) forms a loop: it was already in the chain",
                    path: current)
            }
            let header = ImageFormatProbe.probe(fd: fd, fileSize: UInt64(st.st_size))
            SystemCalls.close(fd)
            let format = declaredFormat ?? header.format.rawValue
            links.append(
                Link(
                    path: current, rawName: rawName, format: format, capacity: header.capacity(physical: UInt64(st.st_size)),
                    backingRawName: FileFormats.withBacking.contains(format) ? header.backingPath : nil))
            guard let next = links.last?.backingRawName else { return links }
            guard links.count < maxDepth else {
                throw StorageError(
                    .operationFailed, "backing chain of '\(path)' is deeper than \(maxDepth) images", path: path)
            }
            if next.contains("://") { return links }
            rawName = next
            declaredFormat = header.backingFormat?.rawValue
            current = resolve(next, relativeTo: current)
        }
    }
}
