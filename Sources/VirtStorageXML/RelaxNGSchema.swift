import CLibXML2
import Glibc
import Synchronization

/// A compiled RelaxNG schema (libvirt ships them in /usr/share/libvirt/schemas).
///
/// The compiled schema is read-only after loading; validation contexts are
/// created per call, and a lock keeps libxml2's schema use single-file.
public final class RelaxNGSchema: Sendable {
    private struct Handle: @unchecked Sendable { let ptr: xmlRelaxNGPtr }
    private let handle: Mutex<Handle>
    public let path: String

    /// Loads and compiles the schema at `path` (includes resolve relative to it).
    public init(path: String) throws(XMLError) {
        self.path = path
        LibXML2.initialize()
        // libxml2 reports a missing file on stderr before any handler sees it.
        guard access(path, R_OK) == 0 else {
            throw XMLError(message: "cannot read \(path): \(String(cString: strerror(errno)))", line: 0)
        }
        guard let parser = xmlRelaxNGNewParserCtxt(path) else {
            throw XMLError(message: "cannot create a RelaxNG parser for \(path)", line: 0)
        }
        handle = Mutex(Handle(ptr: try Self.compile(parser, path)))
    }

    /// Compiles a schema given as text, as if it were the file at `path`:
    /// its includes resolve relative to that path, which need not exist (a
    /// schema of the program's own that includes installed ones).
    public init(text: String, path: String) throws(XMLError) {
        self.path = path
        LibXML2.initialize()
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let count = Int32(clamping: text.utf8.count)
        guard let doc = xmlReadMemory(text, count, path, "UTF-8", options) else {
            throw XMLError(message: "cannot read the RelaxNG schema \(path)", line: 0)
        }
        // The parser context works on a copy (with the same URL).
        guard let parser = xmlRelaxNGNewDocParserCtxt(doc) else {
            xmlFreeDoc(doc)
            throw XMLError(message: "cannot create a RelaxNG parser for \(path)", line: 0)
        }
        defer { xmlFreeDoc(doc) }
        handle = Mutex(Handle(ptr: try Self.compile(parser, path)))
    }

    private static func compile(_ parser: xmlRelaxNGParserCtxtPtr, _ path: String) throws(XMLError) -> xmlRelaxNGPtr {
        defer { xmlRelaxNGFreeParserCtxt(parser) }
        let sink = ErrorSink()
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        xmlRelaxNGSetParserStructuredErrors(parser, ErrorSink.callback, unmanaged.toOpaque())
        guard let schema = xmlRelaxNGParse(parser) else {
            throw XMLError(
                message: "cannot load RelaxNG schema \(path): " + (sink.messages.first ?? "unknown error"), line: 0)
        }
        return schema
    }

    deinit {
        handle.withLock { xmlRelaxNGFree($0.ptr) }
    }

    /// Validates `text`; throws the first problem with its line.
    public func validate(_ text: String, name: String = "(xml)") throws(XMLError) {
        try XMLDocumentParser.withDocument(text, name: name) { doc throws(XMLError) in
            let sink = ErrorSink()
            let result: Int32 = handle.withLock { h in
                guard let ctxt = xmlRelaxNGNewValidCtxt(h.ptr) else { return -1 }
                defer { xmlRelaxNGFreeValidCtxt(ctxt) }
                let unmanaged = Unmanaged.passRetained(sink)
                defer { unmanaged.release() }
                xmlRelaxNGSetValidStructuredErrors(ctxt, ErrorSink.callback, unmanaged.toOpaque())
                return xmlRelaxNGValidateDoc(ctxt, doc)
            }
            if result != 0 {
                throw XMLError(
                    message: sink.messages.first ?? "document does not validate against \(path)",
                    line: sink.lines.first ?? 0, schemaErrors: sink.messages)
            }
        }
    }
}

/// Collects libxml2 structured errors. Used from one thread at a time.
private final class ErrorSink: @unchecked Sendable {
    var messages: [String] = []
    var lines: [Int] = []

    static let callback: xmlStructuredErrorFunc = { userData, error in
        guard let userData, let error else { return }
        let sink = Unmanaged<ErrorSink>.fromOpaque(userData).takeUnretainedValue()
        var message = error.pointee.message.map { String(cString: $0) } ?? "error"
        while message.last == "\n" { message.removeLast() }
        sink.messages.append(message)
        sink.lines.append(Int(error.pointee.line))
    }
}
