/// A document that libxml2 could not parse or that failed schema validation.
public struct XMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// 1-based line of the problem, 0 when libxml2 did not report one.
    public var line: Int

    public init(message: String, line: Int) {
        self.message = message
        self.line = line
    }

    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}
