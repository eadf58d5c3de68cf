import CLibXML2

/// Changes one element's text in a document and writes the root element as
/// libxml2 writes it (double-quoted attributes, no declaration, blanks kept):
/// what virsh's vol-clone sends, and prints for --print-xml.
public enum XMLRewrite {
    /// `path` is an XPath expression naming one element (`/volume/name`).
    public static func settingText(_ value: String, at path: String, in text: String) throws(XMLError) -> String {
        LibXML2.initialize()
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        guard let doc = xmlReadMemory(text, Int32(clamping: text.utf8.count), "(xml)", "UTF-8", options) else {
            throw XMLError(message: "malformed XML", line: 0)
        }
        defer { xmlFreeDoc(doc) }
        guard let context = xmlXPathNewContext(doc) else { throw XMLError(message: "out of memory", line: 0) }
        defer { xmlXPathFreeContext(context) }
        guard let result = xmlXPathEval(path, context) else { throw XMLError(message: "no \(path)", line: 0) }
        defer { xmlXPathFreeObject(result) }
        guard let set = result.pointee.nodesetval, set.pointee.nodeNr > 0, let node = set.pointee.nodeTab[0] else {
            throw XMLError(message: "no \(path)", line: 0)
        }
        // xmlNodeSetContent reads entities; the encoded text is taken literally.
        if let encoded = xmlEncodeSpecialChars(doc, value) {
            xmlNodeSetContent(node, encoded)
            cxml_free(encoded)
        }
        guard let buffer = xmlBufferCreate() else { throw XMLError(message: "out of memory", line: 0) }
        defer { xmlBufferFree(buffer) }
        xmlNodeDump(buffer, doc, doc.pointee.children, 0, 1)
        return String(cString: xmlBufferContent(buffer))
    }
}
