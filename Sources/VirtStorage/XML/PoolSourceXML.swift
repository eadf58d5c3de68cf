import VirtStorageXML

/// <source> of a pool, read and written with the pool type's rules. Also used
/// for the <sources> documents of storage pool discovery.
enum PoolSourceXML {
    static func read(_ node: XMLElement, rules: PoolTypeRules) throws(StorageError) -> PoolSource {
        var source = PoolSource()
        source.name = node.string("name")
        if rules.requiresExplicitSourceName && source.name == nil {
            throw StorageError.xml(
                "element 'name' is mandatory for \(rules.type.rawValue.uppercased()) pool",
                element: "source/name", line: node.line, hint: "add <source><name>POOL</name>")
        }
        source.format = try readFormat(node, rules: rules)

        for host in node.elements("host") {
            guard let name = host.attribute("name"), !name.isEmpty else {
                throw StorageError.xml(
                    "missing storage pool host name", element: "source/host/@name", line: host.line,
                    hint: "<host> needs a name attribute")
            }
            let port = try XMLReading.int(host, "port", range: -1...65535)
            source.hosts.append(SourceHost(name: name, port: port == 0 ? nil : port.map(Int.init)))
        }

        source.initiatorIQN = node.string("initiator/iqn", attribute: "name")

        for device in node.elements("device") {
            guard let path = device.attribute("path") else {
                throw StorageError.xml(
                    "missing storage pool source device path", element: "source/device/@path", line: device.line,
                    hint: "<device> needs a path attribute")
            }
            source.devices.append(
                SourceDevice(path: path, partSeparator: try XMLReading.yesNo(device, "part_separator")))
        }

        source.dir = node.string("dir", attribute: "path").map(PathSanitizer.sanitize) ?? rules.defaultSourceDir

        if let adapter = node.firstElement("adapter") {
            source.adapter = try AdapterXML.read(adapter)
        }
        if let auth = node.firstElement("auth") {
            source.auth = try AuthXML.read(auth)
        }
        if let protocolNode = node.firstElement("protocol"), let version = protocolNode.attribute("ver"),
            !version.isEmpty
        {
            // libvirt compares the format's place in the pool type's own list
            // with netfs's auto (0) and nfs (1), whatever the type: a dir pool
            // (no format), an fs pool of ext2 or a logical pool of lvm2 keep
            // a version; an fs pool of ext3 is refused as if it were glusterfs.
            let index = source.format.flatMap { rules.sourceFormats.firstIndex(of: $0) } ?? 0
            guard index <= 1 else {
                let netfsFormats = ["auto", "nfs", "glusterfs", "cifs"]
                let named = index < netfsFormats.count ? netfsFormats[index] : "(null)"
                throw StorageError.unsupported(
                    "storage pool protocol ver unsupported for pool type '\(named)'",
                    element: "source/protocol/@ver", value: version, line: protocolNode.line)
            }
            if version.contains(",") {
                // libvirt's VIR_ERR_XML_DETAIL: the message alone.
                throw StorageError(
                    .xmlDetail, "storage pool protocol ver '\(version)' must not contain ','",
                    element: "source/protocol/@ver", value: version, line: protocolNode.line)
            }
            let parts = version.split(separator: ".", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count),
                parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } && UInt32($0) != nil })
            else {
                throw StorageError.xml(
                    "storage pool protocol ver '\(version)' is malformed: expected a version such as 3, 4 or 4.1",
                    element: "source/protocol/@ver", value: version, line: protocolNode.line)
            }
            source.protocolVersion = version
        }
        source.vendor = node.string("vendor", attribute: "name")
        source.product = node.string("product", attribute: "name")
        return source
    }

    /// The source format, checked against the pool type's list; the default when absent.
    static func readFormat(_ node: XMLElement?, rules: PoolTypeRules) throws(StorageError) -> String? {
        guard !rules.sourceFormats.isEmpty else { return nil }
        guard let format = node?.string("format", attribute: "type") else { return rules.defaultSourceFormat }
        guard rules.sourceFormats.contains(format) else {
            throw StorageError.unsupported(
                "unknown pool format type \(format)",
                element: "source/format/@type", value: format, line: node?.firstElement("format")?.line,
                hint: "a \(rules.type.rawValue) pool's format is one of \(rules.sourceFormats.joined(separator: ", "))")
        }
        return format
    }

    static func write(_ source: PoolSource, rules: PoolTypeRules, to w: inout XMLWriter) {
        w.element("source") { w in
            let elements = rules.sourceElements
            if elements.contains(.host) {
                for host in source.hosts {
                    w.empty("host", [("name", host.name), ("port", host.port.map(String.init))])
                }
            }
            if elements.contains(.device) {
                for device in source.devices {
                    let attributes: [(String, String?)] = [
                        ("path", device.path), ("part_separator", device.partSeparator.map { $0 ? "yes" : "no" }),
                    ]
                    if device.freeExtents.isEmpty {
                        w.empty("device", attributes)
                    } else {
                        w.element("device", attributes) { w in
                            for e in device.freeExtents {
                                w.empty("freeExtent", [("start", String(e.start)), ("end", String(e.end))])
                            }
                        }
                    }
                }
            }
            if elements.contains(.dir), let dir = source.dir {
                w.empty("dir", [("path", dir)])
            }
            if elements.contains(.adapter), let adapter = source.adapter {
                AdapterXML.write(adapter, to: &w)
            }
            if elements.contains(.name) {
                w.text("name", source.name)
            }
            if elements.contains(.initiatorIQN), let iqn = source.initiatorIQN {
                w.element("initiator") { w in w.empty("iqn", [("name", iqn)]) }
            }
            if !rules.sourceFormats.isEmpty, let format = source.format {
                w.empty("format", [("type", format)])
            }
            if let auth = source.auth {
                AuthXML.write(auth, to: &w)
            }
            if let version = source.protocolVersion {
                w.empty("protocol", [("ver", version)])
            }
            if let vendor = source.vendor { w.empty("vendor", [("name", vendor)]) }
            if let product = source.product { w.empty("product", [("name", product)]) }
        }
    }
}
