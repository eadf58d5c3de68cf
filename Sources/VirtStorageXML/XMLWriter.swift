/// Builds XML text the way libvirt's virBuffer does: two-space indentation,
/// attribute values in single quotes, one element per line, final newline.
public struct XMLWriter: Sendable {
    public private(set) var text = ""
    public var indentation = 0

    public init(indentation: Int = 0) { self.indentation = indentation }

    /// Escapes a value like virBufferEscapeString: the five XML specials become
    /// entities and C0 control characters other than tab, LF and CR are dropped.
    public static func escape(_ value: String) -> String {
        var needsWork = false
        for u in value.utf8 where u < 0x20 || u == 0x22 || u == 0x26 || u == 0x27 || u == 0x3C || u == 0x3E {
            needsWork = true
            break
        }
        guard needsWork else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 16)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            // A raw CR would be read back as LF.
            case "\r": out += "&#13;"
            default:
                if scalar.value >= 0x01 && scalar.value <= 0x19 { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Appends one indented line.
    public mutating func line(_ content: String) {
        text += String(repeating: " ", count: indentation)
        text += content
        text += "\n"
    }

    /// `<name a='v' ...` with the attributes whose value is non-nil, escaped.
    public static func tag(_ name: String, _ attributes: [(String, String?)]) -> String {
        var s = "<" + name
        for (key, value) in attributes {
            guard let value else { continue }
            s += " \(key)='\(escapeAttribute(value))'"
        }
        return s
    }

    /// Attribute values also keep tab, LF and CR as character references:
    /// written raw, an XML reader would turn them into spaces. libvirt writes
    /// them raw; this differs only where libvirt would lose them.
    public static func escapeAttribute(_ value: String) -> String {
        let escaped = escape(value)
        guard escaped.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
            return escaped
        }
        var out = ""
        for scalar in escaped.unicodeScalars {
            switch scalar {
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `<name attrs/>`
    public mutating func empty(_ name: String, _ attributes: [(String, String?)] = []) {
        line(Self.tag(name, attributes) + "/>")
    }

    /// `<name>text</name>`, omitted when text is nil (virBufferEscapeString skips NULL).
    public mutating func text(_ name: String, _ value: String?, _ attributes: [(String, String?)] = []) {
        guard let value else { return }
        line(Self.tag(name, attributes) + ">" + Self.escape(value) + "</\(name)>")
    }

    /// Opens `<name attrs>`, runs body one level deeper, closes `</name>`.
    public mutating func element(
        _ name: String, _ attributes: [(String, String?)] = [], _ body: (inout XMLWriter) -> Void
    ) {
        line(Self.tag(name, attributes) + ">")
        indentation += 2
        body(&self)
        indentation -= 2
        line("</\(name)>")
    }
}
