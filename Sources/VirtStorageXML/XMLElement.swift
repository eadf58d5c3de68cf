/// An element of a parsed XML document, detached from libxml2.
///
/// Parsing copies the libxml2 tree into these values once, so the rest of the
/// library works on plain Sendable Swift data and no C pointer escapes.
public struct XMLElement: Sendable, Equatable {
    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var namespaceURI: String?
        public var value: String
    }

    public enum Child: Sendable, Equatable {
        case element(XMLElement)
        case text(String)
    }

    public var name: String
    public var namespaceURI: String?
    public var attributes: [Attribute]
    public var children: [Child]
    /// Line in the source document (0 when unknown).
    public var line: Int

    public init(
        name: String, namespaceURI: String? = nil, attributes: [Attribute] = [],
        children: [Child] = [], line: Int = 0
    ) {
        self.name = name
        self.namespaceURI = namespaceURI
        self.attributes = attributes
        self.children = children
        self.line = line
    }

    /// The value of an attribute without a namespace, as libxml2's xmlGetNoNsProp.
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name && $0.namespaceURI == nil }?.value
    }

    /// Child elements in document order; `name` nil means all of them.
    public func elements(_ name: String? = nil, namespaceURI: String? = nil) -> [XMLElement] {
        children.compactMap {
            guard case .element(let e) = $0 else { return nil }
            guard name == nil || (e.name == name && e.namespaceURI == namespaceURI) else { return nil }
            return e
        }
    }

    public func firstElement(_ name: String, namespaceURI: String? = nil) -> XMLElement? {
        for child in children {
            if case .element(let e) = child, e.name == name, e.namespaceURI == namespaceURI { return e }
        }
        return nil
    }

    /// XPath string-value: all descendant text, concatenated.
    public var stringValue: String {
        // Most elements hold one text node: no concatenation then.
        if children.count == 1, case .text(let text) = children[0] { return text }
        var out = ""
        appendText(to: &out)
        return out
    }

    private func appendText(to out: inout String) {
        for child in children {
            switch child {
            case .text(let t): out += t
            case .element(let e): e.appendText(to: &out)
            }
        }
    }

    /// Elements reached by a relative path of un-namespaced child steps
    /// ("target/permissions"), in document order, like XPath `./a/b`.
    public func select(_ path: String) -> [XMLElement] {
        var found: [XMLElement] = []
        Self.walk(self, path) { element in
            found.append(element)
            return false
        }
        return found
    }

    /// The first element `select(path)` would return, found without
    /// collecting the others: parsing a volume asks dozens of paths.
    public func first(_ path: String) -> XMLElement? {
        var found: XMLElement?
        Self.walk(self, path) { element in
            found = element
            return true
        }
        return found
    }

    /// Visits the matches of `path` below `element` in document order until
    /// `visit` returns true (done); true when it did. The path's steps are
    /// compared as bytes where they stand: no step becomes a String.
    @discardableResult
    private static func walk(_ element: XMLElement, _ path: String, _ visit: (XMLElement) -> Bool) -> Bool {
        var path = path
        return path.withUTF8 { walk(element, $0, from: 0, visit) }
    }

    private static func walk(
        _ element: XMLElement, _ path: UnsafeBufferPointer<UInt8>, from start: Int, _ visit: (XMLElement) -> Bool
    ) -> Bool {
        let slash = UInt8(ascii: "/")
        var stepStart = start
        while stepStart < path.count && path[stepStart] == slash { stepStart += 1 }
        if stepStart == path.count { return visit(element) }
        var stepEnd = stepStart
        while stepEnd < path.count && path[stepEnd] != slash { stepEnd += 1 }
        let step = UnsafeBufferPointer(rebasing: path[stepStart..<stepEnd])
        for child in element.children {
            guard case .element(let e) = child, e.namespaceURI == nil, named(e.name, step) else { continue }
            if walk(e, path, from: stepEnd, visit) { return true }
        }
        return false
    }

    /// Whether `name` is spelled by `bytes`: lengths first, then the bytes in place.
    private static func named(_ name: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let utf8 = name.utf8
        guard utf8.count == bytes.count else { return false }
        return utf8.withContiguousStorageIfAvailable { own in
            for i in 0..<own.count where own[i] != bytes[i] { return false }
            return true
        } ?? utf8.elementsEqual(bytes)
    }

    /// `string(./path)` as libvirt's virXPathString reads it: the string-value
    /// of the first match, with an empty result reported as absent.
    public func string(_ path: String) -> String? {
        guard let first = first(path) else { return nil }
        let value = first.stringValue
        return value.isEmpty ? nil : value
    }

    /// `string(./path/@attr)` with libvirt's empty-is-absent rule.
    public func string(_ path: String, attribute: String) -> String? {
        var value: String?
        Self.walk(self, path) { node in
            value = node.attribute(attribute)
            return value != nil
        }
        return value?.isEmpty == false ? value : nil
    }
}
