import CLibXML2

/// An XPath expression evaluated over a document, its nodes written as
/// virsh's `--xpath` prints them: the document read without blank text,
/// each node indented afresh (or all of them inside one `<nodes>` element).
public enum XPathQuery {
    /// The matching nodes, each as XML text (an attribute or text node as
    /// libxml2 writes it). An expression that does not select nodes fails
    /// with libvirt's words.
    public static func select(_ expression: String, in text: String, wrap: Bool = false) throws(XMLError) -> [String]
    {
        try evaluate(expression, in: text, keepBlanks: false) { doc, result throws(XMLError) in
            guard let result else { return [] }
            guard result.pointee.type == XPATH_NODESET else {
                throw XMLError(message: "internal error: Incorrect xpath '\(expression)'", line: 0)
            }
            guard let set = result.pointee.nodesetval, set.pointee.nodeNr > 0 else {
                return wrap ? ["<nodes/>"] : []
            }
            let nodes = (0..<Int(set.pointee.nodeNr)).compactMap { set.pointee.nodeTab[$0] }
            guard wrap else { return nodes.map { dump($0, doc) } }
            guard let wrapped = xmlNewDoc("1.0") else { throw XMLError(message: "out of memory", line: 0) }
            defer { xmlFreeDoc(wrapped) }
            let root = xmlNewNode(nil, "nodes")
            xmlDocSetRootElement(wrapped, root)
            for node in nodes {
                if let copy = xmlDocCopyNode(node, wrapped, 1) { xmlAddChild(root, copy) }
            }
            return [dump(root!, wrapped)]
        }
    }

    /// Parses `text` (its blank text kept or not), evaluates `expression` and
    /// hands `body` the document and the result (nil when libxml2 has none).
    static func evaluate<T>(
        _ expression: String, in text: String, keepBlanks: Bool,
        _ body: (xmlDocPtr, xmlXPathObjectPtr?) throws(XMLError) -> T
    ) throws(XMLError) -> T {
        LibXML2.initialize()
        var options = XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
        if !keepBlanks { options |= XML_PARSE_NOBLANKS.rawValue }
        guard let doc = xmlReadMemory(text, Int32(clamping: text.utf8.count), "(xml)", "UTF-8", Int32(options)) else {
            throw XMLError(message: "malformed XML", line: 0)
        }
        defer { xmlFreeDoc(doc) }
        guard let context = xmlXPathNewContext(doc) else { throw XMLError(message: "out of memory", line: 0) }
        defer { xmlXPathFreeContext(context) }
        let result = xmlXPathEval(expression, context)
        defer { if let result { xmlXPathFreeObject(result) } }
        return try body(doc, result)
    }

    /// A node as libxml2 writes it, indented (virsh's virXMLNodeToString).
    static func dump(_ node: xmlNodePtr, _ doc: xmlDocPtr) -> String {
        guard let buffer = xmlBufferCreate() else { return "" }
        defer { xmlBufferFree(buffer) }
        xmlNodeDump(buffer, doc, node, 0, 1)
        return String(cString: xmlBufferContent(buffer))
    }
}
