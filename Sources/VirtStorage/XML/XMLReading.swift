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
            throw StorageError(
                .xmlError, "\(documentName):\(error.line): \(error.message)", line: error.line)
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
                "Invalid value for attribute '\(attribute)' in element '\(element.name)': '\(value)'. Expected 'yes' or 'no'",
                element: "\(element.name)/@\(attribute)", value: value, line: element.line)
        }
    }

    /// A base-10 integer attribute (virXMLPropInt); nil when absent.
    static func int(_ element: XMLElement, _ attribute: String, range: ClosedRange<Int64>)
        throws(StorageError) -> Int64?
    {
        guard let value = element.attribute(attribute) else { return nil }
        guard let n = CNumber.parseSigned(value), range.contains(n) else {
            throw StorageError.xml(
                "Invalid value for attribute '\(attribute)' in element '\(element.name)': '\(value)'. Expected an integer from \(range.lowerBound) to \(range.upperBound)",
                element: "\(element.name)/@\(attribute)", value: value, line: element.line)
        }
        return n
    }

    /// An unsigned attribute in `base` (0 = C prefixes); nil when absent.
    static func unsigned(_ element: XMLElement, _ attribute: String, base: Int = 10, max: UInt64)
        throws(StorageError) -> UInt64?
    {
        guard let value = element.attribute(attribute) else { return nil }
        guard let n = CNumber.parseUnsigned(value, base: base), n <= max else {
            throw StorageError.xml(
                "Invalid value for attribute '\(attribute)' in element '\(element.name)': '\(value)'. Expected a non-negative integer no larger than \(max)",
                element: "\(element.name)/@\(attribute)", value: value, line: element.line)
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

    /// A UUID in libvirt's accepted forms.
    static func uuid(_ text: String, element: String, line: Int) throws(StorageError) -> UUID {
        guard let u = StorageUUID.parse(text) else {
            throw StorageError.xml(
                "malformed uuid '\(text)' in <\(element)>: expected 32 hexadecimal digits such as 'c7a5fdbd-edaf-9455-926a-d65c16db1809'",
                element: element, value: text, line: line)
        }
        return u
    }
}
