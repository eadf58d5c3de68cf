import Foundation
import VirtStorageXML

/// Typed reads of attributes and elements with libvirt's rules and messages
/// that name the element, the attribute and the bad value.
enum XMLReading {
    /// Parses document text into its root element, mapping libxml2 errors.
    static func root(of text: String, documentName: String) throws(StorageError) -> XMLElement {
        do {
            return try XMLDocumentParser.parse(text, name: documentName)
        } catch {
            // libvirt's words: the parser's first fatal error with its line
            // and a pointer, or, when the parser reported none, its own line.
            guard let detail = error.detail else {
                throw StorageError(
                    .xmlError, "failed to parse xml document '\(documentName)'", line: error.line,
                    hint: error.message)
            }
            throw StorageError(.xmlDetail, detail, line: error.line)
        }
    }

    /// A yes/no attribute (virXMLPropTristateBool); nil when absent.
    static func yesNo(_ element: XMLElement, _ attribute: String) throws(StorageError) -> Bool? {
        guard let value = element.attribute(attribute) else { return nil }
        switch value {
        case "yes": return true
        case "no": return false
        default:
            throw StorageError.xml(
                "Invalid value for attribute '\(attribute)' in element '\(element.name)': '\(value)'.",
                element: "\(element.name)/@\(attribute)", value: value, line: element.line,
                hint: "expected 'yes' or 'no'")
        }
    }

    /// A base-10 integer attribute (virXMLPropInt); nil when absent.
    static func int(_ element: XMLElement, _ attribute: String, range: ClosedRange<Int64>)
        throws(StorageError) -> Int64?
    {
        guard let value = element.attribute(attribute) else { return nil }
        // virXMLPropInt reads an int; the range is VirtStorage's own check.
        guard let n = CNumber.parseSigned(value), (Int64(Int32.min)...Int64(Int32.max)).contains(n) else {
            throw StorageError.xml(
                "Invalid value for attribute '\(attribute)' in element '\(element.name)': '\(value)'. Expected integer value",
                element: "\(element.name)/@\(attribute)", value: value, line: element.line,
                hint: "expected an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        guard range.contains(n) else {
            throw StorageError.xml(
                "Invalid value for attribute '\(attribute)' in element '\(element.name)': '\(value)'.",
                element: "\(element.name)/@\(attribute)", value: value, line: element.line,
                hint: "expected an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    /// An unsigned attribute in `base` (0 = C prefixes); nil when absent.
    static func unsigned(_ element: XMLElement, _ attribute: String, base: Int = 10, max: UInt64)
        throws(StorageError) -> UInt64?
    {
        guard let value = element.attribute(attribute) else { return nil }
        // virXMLPropUInt reads an unsigned int; a lower `max` is VirtStorage's own check.
        guard let n = CNumber.parseUnsigned(value, base: base), n <= UInt64(UInt32.max) else {
            throw StorageError.xml(
                "Invalid value for attribute '\(attribute)' in element '\(element.name)': '\(value)'. Expected non-negative integer value",
                element: "\(element.name)/@\(attribute)", value: value, line: element.line,
                hint: "expected a non-negative integer no larger than \(max)")
        }
        guard n <= max else {
            throw StorageError.xml(
                "Invalid value for attribute '\(attribute)' in element '\(element.name)': '\(value)'.",
                element: "\(element.name)/@\(attribute)", value: value, line: element.line,
                hint: "expected a non-negative integer no larger than \(max)")
        }
        return n
    }

    /// One of `allowed` (virXMLPropEnum); nil when absent.
    static func oneOf(_ element: XMLElement, _ attribute: String, _ allowed: [String]) throws(StorageError)
        -> String?
    {
        guard let value = element.attribute(attribute) else { return nil }
        guard allowed.contains(value) else {
            throw StorageError.xml(
                "Invalid value for attribute '\(attribute)' in element '\(element.name)': '\(value)'.",
                element: "\(element.name)/@\(attribute)", value: value, line: element.line,
                hint: "expected one of: \(allowed.joined(separator: ", "))")
        }
        return value
    }

    /// A UUID in libvirt's accepted forms; `message` and `code` are libvirt's
    /// for the document at hand (a pool's <uuid> by default).
    static func uuid(
        _ text: String, element: String, line: Int, code: StorageError.Code = .xmlError,
        message: String = "malformed uuid element"
    ) throws(StorageError) -> UUID {
        guard let u = StorageUUID.parse(text) else {
            throw StorageError(
                code, message, element: element, value: text, line: line,
                hint: "'\(text)' in <\(element)> is not 32 hexadecimal digits such as c7a5fdbd-edaf-9455-926a-d65c16db1809")
        }
        return u
    }
}
