import CLibXML2
import Synchronization

/// libxml2 parser contexts kept for the next parse. Making one (its
/// dictionary, its stacks, its handlers) costs about as much as parsing a
/// volume's XML; `xmlCtxtReadMemory` resets a context before each use.
enum ParserContexts {
    private struct Spare: @unchecked Sendable { let ctxt: xmlParserCtxtPtr }

    /// At most one per thread that parses at the same time, in practice.
    private static let limit = 8
    /// A context's dictionary keeps every element and attribute name (and
    /// short text) it has seen; past this many entries it is not reused.
    private static let dictionaryLimit = 4096

    private static let spares = Mutex<[Spare]>([])

    static func take() throws(XMLError) -> xmlParserCtxtPtr {
        if let spare = spares.withLock({ $0.popLast() }) { return spare.ctxt }
        guard let ctxt = xmlNewParserCtxt() else {
            throw XMLError(message: "out of memory creating an XML parser", line: 0)
        }
        return ctxt
    }

    /// Returns a context after use; one that failed a parse is freed.
    static func give(_ ctxt: xmlParserCtxtPtr, reusable: Bool) {
        if reusable, xmlDictSize(ctxt.pointee.dict) <= dictionaryLimit {
            let kept = spares.withLock { spares in
                guard spares.count < limit else { return false }
                spares.append(Spare(ctxt: ctxt))
                return true
            }
            if kept { return }
        }
        xmlFreeParserCtxt(ctxt)
    }
}
