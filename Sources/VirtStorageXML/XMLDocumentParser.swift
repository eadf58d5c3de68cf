import CLibXML2

/// Parses XML text with libxml2 and returns the root element as a Swift tree.
public enum XMLDocumentParser {
    /// Parses `text`. `name` only labels error messages.
    /// The network is never touched and external entities are not loaded.
    public static func parse(_ text: String, name: String = "(xml)") throws(XMLError) -> XMLElement {
        try withDocument(text, name: name) { doc throws(XMLError) in
            guard let root = xmlDocGetRootElement(doc) else {
                throw XMLError(message: "document has no root element", line: 0)
            }
            return convert(root)
        }
    }

    /// Runs `body` with a parsed libxml2 document, freed afterwards.
    static func withDocument<T>(
        _ text: String, name: String, _ body: (xmlDocPtr) throws(XMLError) -> T
    ) throws(XMLError) -> T {
        LibXML2.initialize()
        let ctxt = try ParserContexts.take()
        var reusable = true
        defer { ParserContexts.give(ctxt, reusable: reusable) }
        let options = Int32(
            XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        // Without an XML declaration the bytes are UTF-8 as they are; with
        // one, naming UTF-8 keeps its encoding label from re-decoding them
        // (an unknown label is still refused).
        var text = text
        let declared = Self.hasDeclaration(text)
        var first = cxml_first_error()
        let doc: xmlDocPtr? = withUnsafeMutablePointer(to: &first) { first in
            ctxt.pointee._private = UnsafeMutableRawPointer(first)
            ctxt.pointee.sax.pointee.serror = cxml_catch_first_error
            defer { ctxt.pointee._private = nil }
            return text.withUTF8 { buf in
                buf.withMemoryRebound(to: CChar.self) {
                    let length = Int32(clamping: $0.count)
                    // An empty document still goes to libxml2, for its own words.
                    let bytes =
                        $0.baseAddress
                        ?? UnsafeRawPointer(("" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
                    return declared
                        ? xmlCtxtReadMemory(ctxt, bytes, length, name, "UTF-8", options)
                        : cxml_read_whole(ctxt, bytes, length, name, options)
                }
            }
        }
        guard let doc, ctxt.pointee.wellFormed != 0 else {
            if let doc { xmlFreeDoc(doc) }
            let err = ctxt.pointee.lastError
            var message = err.message.map { String(cString: $0) } ?? "malformed XML"
            while message.last == "\n" { message.removeLast() }
            reusable = false
            let detail =
                first.seen != 0
                ? withUnsafeBytes(of: first.text) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } : nil
            throw XMLError(message: message, line: Int(err.line), detail: detail)
        }
        defer { xmlFreeDoc(doc) }
        return try body(doc)
    }

    /// Whether the text opens with `<?xml` (after a byte order mark).
    private static func hasDeclaration(_ text: String) -> Bool {
        var bytes = text.utf8[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        return bytes.starts(with: "<?xml".utf8)
    }

    private static func convert(_ node: xmlNodePtr) -> XMLElement {
        var element = XMLElement(
            name: String(cString: node.pointee.name),
            namespaceURI: node.pointee.ns.flatMap { $0.pointee.href.map { String(cString: $0) } },
            line: Int(xmlGetLineNo(node)))
        var attr = node.pointee.properties
        while let a = attr {
            let valuePtr = xmlNodeGetContent(UnsafeMutableRawPointer(a).assumingMemoryBound(to: xmlNode.self))
            let value = valuePtr.map { String(cString: $0) } ?? ""
            if let valuePtr { cxml_free(valuePtr) }
            element.attributes.append(
                .init(
                    name: String(cString: a.pointee.name),
                    namespaceURI: a.pointee.ns.flatMap { $0.pointee.href.map { String(cString: $0) } },
                    value: value))
            attr = a.pointee.next
        }
        var child = node.pointee.children
        while let c = child {
            switch c.pointee.type {
            case XML_ELEMENT_NODE:
                element.children.append(.element(convert(c)))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = c.pointee.content {
                    element.children.append(.text(String(cString: content)))
                }
            case XML_ENTITY_REF_NODE:
                if let content = xmlNodeGetContent(c) {
                    element.children.append(.text(String(cString: content)))
                    cxml_free(content)
                }
            default:
                break
            }
            child = c.pointee.next
        }
        return element
    }
}
