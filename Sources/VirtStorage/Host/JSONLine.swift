/// One flat JSON object on one line, written by hand for the journals in
/// the state directory: a JSONEncoder per line would cost more than the
/// operation the line records. Lines are read back with JSONDecoder.
enum JSONLine {
    /// `{"key":"value",...,"key":number,...}` and a newline, after `prefix`.
    static func encode(_ strings: [(String, String)], numbers: [(String, Int64)] = [], after prefix: String = "")
        -> [UInt8]
    {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.append(contentsOf: prefix.utf8)
        out.append(UInt8(ascii: "{"))
        let firstField = out.count
        func appendKey(_ key: String) {
            if out.count > firstField { out.append(UInt8(ascii: ",")) }
            appendQuoted(key, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        for (key, value) in strings {
            appendKey(key)
            appendQuoted(value, to: &out)
        }
        for (key, value) in numbers {
            appendKey(key)
            out.append(contentsOf: String(value).utf8)  // a small string: no allocation
        }
        out.append(UInt8(ascii: "}"))
        out.append(UInt8(ascii: "\n"))
        return out
    }

    private static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 15))
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
