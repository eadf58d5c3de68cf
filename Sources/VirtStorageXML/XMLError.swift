/// A document that libxml2 could not parse or that failed schema validation.
public struct XMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// 1-based line of the problem, 0 when libxml2 did not report one.
    public var line: Int
    /// The parser's first fatal error as libvirt reports it: "NAME:LINE:
    /// MESSAGE", the document's line where the parser stood, and a line
    /// pointing at the place. Nil for errors other than the parser's.
    public var detail: String?
    /// Every complaint of a RelaxNG validation that failed, in order; nil
    /// for other errors.
    public var schemaErrors: [String]?

    public init(message: String, line: Int, detail: String? = nil, schemaErrors: [String]? = nil) {
        self.message = message
        self.line = line
        self.detail = detail
        self.schemaErrors = schemaErrors
    }

    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}
