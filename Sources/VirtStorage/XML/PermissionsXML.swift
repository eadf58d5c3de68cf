import VirtStorageXML

/// <permissions> reading and writing, shared by pool targets and volumes.
enum PermissionsXML {
    /// Reads the <permissions> child of `parent` (nil when absent).
    static func read(_ parent: XMLElement, context: String) throws(StorageError) -> Permissions? {
        guard let node = parent.firstElement("permissions") else { return nil }
        var perms = Permissions()
        let where_ = "\(context)/permissions"
        if let mode = node.string("mode") {
            guard let value = CNumber.parseSigned(mode, base: 8), value >= 0, value & ~0o777 == 0 else {
                throw StorageError.xml(
                    "malformed octal mode", element: "\(where_)/mode", value: mode, line: node.line,
                    hint: "'\(mode)' in <\(where_)/mode> is not an octal number from 0 to 0777")
            }
            perms.mode = UInt32(value)
        }
        perms.owner = try id(node, "owner", context: where_)
        perms.group = try id(node, "group", context: where_)
        perms.label = node.string("label")
        return perms
    }

    /// owner/group: an XPath number that fits a uid_t; -1 (or its unsigned
    /// twin 4294967295) means "not set". IDs from 2^31 up are written as
    /// negative numbers (libvirt's "%d", which `write` keeps), so negative
    /// numbers read back as their unsigned twins; libvirt 9.0 refuses its own
    /// output there (found by Scripts/fuzz.sh).
    private static func id(_ node: XMLElement, _ name: String, context: String) throws(StorageError) -> UInt32? {
        guard let element = node.firstElement(name) else { return nil }
        let text = element.stringValue
        guard let value = CNumber.parseXPathInteger(text), (Int64(Int32.min)...Int64(UInt32.max)).contains(value)
        else {
            throw StorageError.xml(
                "malformed \(name) element", element: "\(context)/\(name)", value: text, line: element.line,
                hint: "'\(text)' in <\(context)/\(name)> is not a numeric \(name == "owner" ? "user" : "group") ID from -2147483648 to 4294967295 (-1 and 4294967295 mean unset)")
        }
        let id = value < 0 ? UInt32(bitPattern: Int32(value)) : UInt32(value)
        return id == UInt32.max ? nil : id
    }

    static func write(_ perms: Permissions?, to w: inout XMLWriter) {
        guard let perms, !perms.isEmpty else { return }
        w.element("permissions") { w in
            if let mode = perms.mode { w.line("<mode>0\(String(mode, radix: 8))</mode>") }
            if let owner = perms.owner { w.line("<owner>\(Int32(bitPattern: owner))</owner>") }
            if let group = perms.group { w.line("<group>\(Int32(bitPattern: group))</group>") }
            w.text("label", perms.label)
        }
    }
}
