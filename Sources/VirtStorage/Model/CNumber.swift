/// Number parsing with the C library's rules, as libvirt uses them
/// (virStrToLong_*: leading blanks and a sign allowed, nothing after the digits).
enum CNumber {
    private static func isCSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }

    /// strtoull-like parse of the whole string in `base` (0 = C prefixes), rejecting '-'.
    static func parseUnsigned(_ text: String, base: Int = 10) -> UInt64? {
        var bytes = Substring(text).utf8.drop { isCSpace($0) }
        if bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        if bytes.first == UInt8(ascii: "-") { return nil }
        var radix = base
        if base == 0 || base == 16 {
            if bytes.starts(with: "0x".utf8) || bytes.starts(with: "0X".utf8) {
                bytes = bytes.dropFirst(2)
                radix = 16
            } else if base == 0 && bytes.first == UInt8(ascii: "0") && bytes.count > 1 {
                radix = 8
            } else if base == 0 {
                radix = 10
            }
        }
        guard !bytes.isEmpty else { return nil }
        return UInt64(String(decoding: bytes, as: UTF8.self), radix: radix)
    }

    /// strtol-like parse of the whole string, sign allowed.
    static func parseSigned(_ text: String, base: Int = 10) -> Int64? {
        var bytes = Substring(text).utf8.drop { isCSpace($0) }
        var negative = false
        if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") {
            negative = bytes.first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        guard !bytes.isEmpty, bytes.first != UInt8(ascii: "+"), bytes.first != UInt8(ascii: "-"),
            let magnitude = UInt64(String(decoding: bytes, as: UTF8.self), radix: base)
        else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// XPath number(): optional blanks, optional '-', digits with an optional
    /// fraction. Returns nil for NaN and for values that are not whole numbers
    /// (libvirt's virXPathLongLong refuses those).
    static func parseXPathInteger(_ text: String) -> Int64? {
        let trimmed = text.trimmingXMLSpace()
        guard !trimmed.isEmpty else { return nil }
        var body = Substring(trimmed)
        var negative = false
        if body.first == "-" {
            negative = true
            body = body.dropFirst()
        }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let intPart = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !(intPart.isEmpty && fraction.isEmpty),
            intPart.allSatisfy({ $0.isASCII && $0.isNumber }),
            fraction.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        guard fraction.allSatisfy({ $0 == "0" }) else { return nil }
        let digits = intPart.isEmpty ? "0" : String(intPart)
        guard let magnitude = Int64(digits) else { return nil }
        return negative ? -magnitude : magnitude
    }
}

extension String {
    /// Trims the XML whitespace characters (space, tab, CR, LF).
    func trimmingXMLSpace() -> String {
        let ws: Set<Character> = [" ", "\t", "\n", "\r", "\r\n"]
        var s = Substring(self)
        while let f = s.first, ws.contains(f) { s = s.dropFirst() }
        while let l = s.last, ws.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
