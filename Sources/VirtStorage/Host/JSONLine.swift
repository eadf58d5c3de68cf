/// One flat JSON object on one line, written by hand for the journals in
/// the state directory: a JSONEncoder per line would cost more than the
/// operation the line records. Lines are read back with JSONDecoder.
enum JSONLine {
    /// `{"key":"value",...,"key":number,...}` and a newline.
    static func encode(_ strings: [(String, String)], numbers: [(String, Int64)] = []) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (key, value) in strings {
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            appendQuoted(key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendQuoted(value, to: &out)
        }
        for (key, value) in numbers {
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            appendQuoted(key, to: &out)
            out.append(UInt8(ascii: ":"))
            out += Array(String(value).utf8)
        }
        out += [UInt8(ascii: "}"), UInt8(ascii: "\n")]
        return out
    }

    private static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case 0..<0x20: out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
