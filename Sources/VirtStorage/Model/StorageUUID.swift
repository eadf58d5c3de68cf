import Foundation

/// UUID text handling with libvirt's rules.
public enum StorageUUID {
    /// Parses like virUUIDParse: 32 hex digits, with '-' or ' ' allowed between
    /// digit pairs, surrounding blanks ignored.
    public static func parse(_ text: String) -> UUID? {
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count, isSpace(bytes[i]) { i += 1 }
        var out = [UInt8]()
        out.reserveCapacity(16)
        while out.count < 16 {
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: " ") {
                i += 1
                continue
            }
            guard let hi = hexValue(bytes[i]), i + 1 < bytes.count, let lo = hexValue(bytes[i + 1]) else {
                return nil
            }
            out.append(hi << 4 | lo)
            i += 2
        }
        while i < bytes.count {
            guard isSpace(bytes[i]) else { return nil }
            i += 1
        }
        return UUID(
            uuid: (
                out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7],
                out[8], out[9], out[10], out[11], out[12], out[13], out[14], out[15]
            ))
    }

    /// Lower-case canonical form, as libvirt writes it.
    public static func format(_ uuid: UUID) -> String { uuid.uuidString.lowercased() }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
