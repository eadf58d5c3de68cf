/// libvirt's virFileSanitizePath: collapse repeated slashes and drop a trailing
/// one, keep a leading "//" (valid POSIX), and leave URIs ("scheme://...") alone.
public enum PathSanitizer {
    public static func sanitize(_ path: String) -> String {
        let bytes = Array(path.utf8)
        if let uri = path.range(of: "://"), let firstSlash = path.firstIndex(of: "/"),
            firstSlash > uri.lowerBound
        {
            return path
        }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        let slash = UInt8(ascii: "/")
        if bytes.count >= 2, bytes[0] == slash, bytes[1] == slash, bytes.count == 2 || bytes[2] != slash {
            out = [slash, slash]
            i = 2
        }
        while i < bytes.count {
            if bytes[i] != slash {
                out.append(bytes[i])
                i += 1
                continue
            }
            while i < bytes.count && bytes[i] == slash { i += 1 }
            if !out.isEmpty && i == bytes.count { break }
            out.append(slash)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
