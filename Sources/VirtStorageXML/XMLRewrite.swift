import CLibXML2

/// Changes one element's text in a document and writes the root element as
/// libxml2 writes it (double-quoted attributes, no declaration, blanks kept):
/// what virsh's vol-clone sends, and prints for --print-xml.
public enum XMLRewrite {
    /// `path` is an XPath expression naming one element (`/volume/name`).
    public static func settingText(_ value: String, at path: String, in text: String) throws(XMLError) -> String {
        try XPathQuery.evaluate(path, in: text, keepBlanks: true) { doc, result throws(XMLError) in
            guard let set = result?.pointee.nodesetval, set.pointee.nodeNr > 0, let node = set.pointee.nodeTab[0]
            else { throw XMLError(message: "no \(path)", line: 0) }
            // xmlNodeSetContent reads entities; the encoded text is taken literally.
            if let encoded = xmlEncodeSpecialChars(doc, value) {
                xmlNodeSetContent(node, encoded)
                cxml_free(encoded)
            }
            return XPathQuery.dump(doc.pointee.children, doc)
        }
    }
}
