import VirtStorageXML

/// Volume XML in and out, byte for byte as libvirt 9.0 reads and writes it.
/// A volume is always read in the context of its pool type, which decides
/// which formats exist and what the default is.
public enum VolumeXML {
    /// Whether <capacity> must be present.
    public enum CapacityRule: Sendable {
        /// A new volume needs a size.
        case required
        /// May be absent when a backing store supplies it.
        case optionalWithBackingStore
        /// May be absent (clones take it from their source).
        case optional
    }

    public static func parse(_ text: String, poolType: PoolType, capacity: CapacityRule = .required)
        throws(StorageError) -> VolumeDefinition
    {
        try parse(
            element: XMLReading.root(of: text, documentName: "(storage_volume_definition)"), poolType: poolType,
            capacity: capacity)
    }

    public static func parse(element root: XMLElement, poolType: PoolType, capacity rule: CapacityRule = .required)
        throws(StorageError) -> VolumeDefinition
    {
        guard root.name == "volume" else {
            throw StorageError.xml(
                "expecting root element of 'volume', not '\(root.name)'", element: root.name, line: root.line)
        }
        // libvirt compares the name alone; a namespaced root is VirtStorage's refusal.
        guard root.namespaceURI == nil else {
            throw StorageError.xml(
                "unexpected root element <\(root.name)>, expecting <volume>", element: root.name, line: root.line,
                hint: "the root element must not be in a namespace")
        }
        let rules = PoolTypeRules.of(poolType)
        guard let name = root.string("name") else {
            throw StorageError.xml(
                "missing volume name element", element: "name", line: root.line, hint: "add <name>VOLUME</name>")
        }
        var def = VolumeDefinition(name: name)
        def.key = root.string("key")
        if let typeName = root.string("", attribute: "type") {
            guard let type = VolumeType(rawValue: typeName) else {
                throw StorageError.unsupported(
                    "unknown volume type '\(typeName)'", element: "volume/@type", value: typeName, line: root.line,
                    hint: "expected one of \(VolumeType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            def.type = type
        }

        if let backingPath = root.string("backingStore/path") {
            var backing = VolumeTarget(path: backingPath)
            backing.format = try readFormat(root, "backingStore", rules: rules).map(VolumeFormat.init(rawValue:))
            if let node = root.firstElement("backingStore") {
                backing.permissions = try PermissionsXML.read(node, context: "backingStore")
            }
            if backing.permissions == nil { backing.permissions = Permissions() }
            def.backingStore = backing
        }

        if let capacityText = root.string("capacity") {
            def.capacity = try ByteCount.parse(
                capacityText, unit: root.string("capacity", attribute: "unit"), element: "capacity")
        } else {
            let allowed = rule == .optional || (rule == .optionalWithBackingStore && def.backingStore != nil)
            if !allowed {
                throw StorageError.xml(
                    "missing capacity element", element: "capacity", line: root.line,
                    hint: "add <capacity unit='G'>SIZE</capacity>")
            }
            def.capacitySpecified = false
        }
        if let allocationText = root.string("allocation") {
            def.allocation = try ByteCount.parse(
                allocationText, unit: root.string("allocation", attribute: "unit"), element: "allocation")
            def.allocationSpecified = true
        } else {
            def.allocation = def.capacity
        }

        let targetNode = root.firstElement("target")
        def.target.path = root.string("target/path")
        def.target.format = try readFormat(root, "target", rules: rules).map(VolumeFormat.init(rawValue:))
        if let targetNode { def.target.permissions = try PermissionsXML.read(targetNode, context: "target") }
        if def.target.permissions == nil { def.target.permissions = Permissions() }
        if let encryption = root.first("target/encryption") {
            def.target.encryption = try EncryptionXML.read(encryption)
        }
        if let compat = root.string("target/compat") {
            let parts = compat.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2,
                parts.allSatisfy({ CNumber.parseUnsigned(String($0)).map { $0 <= UInt32.max } ?? false })
            else {
                throw StorageError.xml(
                    "forbidden characters in 'compat' attribute", element: "target/compat", value: compat,
                    line: targetNode?.line, hint: "'\(compat)' is not a version such as 0.10 or 1.1")
            }
            def.target.compat = compat
        }
        def.target.noCopyOnWrite = root.first("target/nocow") != nil
        if let clusterText = root.string("target/clusterSize") {
            let size = try ByteCount.parse(
                clusterText, unit: root.string("target/clusterSize", attribute: "unit"), element: "clusterSize",
                limit: UInt64.max,
                malformed: "Invalid value '\(clusterText)' for element or attribute './target/clusterSize'")
            def.target.clusterSize = size == 0 ? nil : size
        }
        if let features = root.first("target/features") {
            if def.target.compat == nil { def.target.compat = "1.1" }
            var set = Set<VolumeFeature>()
            for feature in features.elements() {
                guard feature.namespaceURI == nil, let f = VolumeFeature(rawValue: feature.name) else {
                    throw StorageError.unsupported(
                        "unsupported feature \(feature.name)", element: "target/features/\(feature.name)",
                        value: feature.name, line: feature.line,
                        hint: "expected \(VolumeFeature.allCases.map(\.rawValue).joined(separator: " or "))")
                }
                set.insert(f)
            }
            def.target.features = set
        }
        return def
    }

    /// <target|backingStore><format type>, checked against the pool type's volume formats.
    private static func readFormat(_ root: XMLElement, _ parent: String, rules: PoolTypeRules) throws(StorageError)
        -> String?
    {
        guard !rules.volumeFormats.isEmpty else { return nil }
        guard let format = root.string("\(parent)/format", attribute: "type") else {
            return rules.defaultVolumeFormat
        }
        try check(format, parent, rules: rules, line: root.first("\(parent)/format")?.line)
        return format
    }

    private static func check(_ format: String, _ parent: String, rules: PoolTypeRules, line: Int?)
        throws(StorageError)
    {
        guard rules.volumeFormats.contains(format), !rules.volumeFormatsRefusedOnInput.contains(format) else {
            let allowed = rules.volumeFormats.filter { !rules.volumeFormatsRefusedOnInput.contains($0) }
            throw StorageError.unsupported(
                "unknown volume format type \(format)", element: "\(parent)/format/@type", value: format,
                line: line,
                hint: "a volume of a \(rules.type.rawValue) pool is one of \(allowed.joined(separator: ", "))")
        }
    }

    /// Applies to a definition given as a value what reading its XML would:
    /// the pool type's default format where none is given, and the same
    /// checks of name and formats, with the same errors.
    static func normalize(_ def: inout VolumeDefinition, poolType: PoolType) throws(StorageError) {
        let rules = PoolTypeRules.of(poolType)
        guard !def.name.isEmpty else {
            throw StorageError(.invalidArgument, "a volume needs a name", element: "name")
        }
        guard !rules.volumeFormats.isEmpty else {
            def.target.format = nil
            def.backingStore?.format = nil
            return
        }
        if let format = def.target.format {
            try check(format.rawValue, "target", rules: rules, line: nil)
        } else {
            def.target.format = rules.defaultVolumeFormat.map(VolumeFormat.init(rawValue:))
        }
        if let format = def.backingStore?.format {
            try check(format.rawValue, "backingStore", rules: rules, line: nil)
        } else if def.backingStore != nil {
            def.backingStore?.format = rules.defaultVolumeFormat.map(VolumeFormat.init(rawValue:))
        }
    }

    /// Formats a volume as libvirt's virStorageVolDefFormat does for a pool of `poolType`.
    public static func format(_ def: VolumeDefinition, poolType: PoolType) -> String {
        let rules = PoolTypeRules.of(poolType)
        var w = XMLWriter()
        w.element("volume", [("type", def.type.rawValue)]) { w in
            w.text("name", def.name)
            w.text("key", def.key)
            if !def.sourceExtents.isEmpty {
                w.element("source") { w in writeExtents(def.sourceExtents, to: &w) }
            }
            w.line("<capacity unit='bytes'>\(def.capacity)</capacity>")
            w.line("<allocation unit='bytes'>\(def.allocation)</allocation>")
            if def.physical != 0 {
                w.line("<physical unit='bytes'>\(def.physical)</physical>")
            }
            writeTarget(def.target, element: "target", rules: rules, to: &w)
            if let backing = def.backingStore, backing.path != nil {
                writeTarget(backing, element: "backingStore", rules: rules, to: &w)
            }
        }
        return w.text
    }

    /// Extents grouped by consecutive device path, as libvirt writes them.
    private static func writeExtents(_ extents: [VolumeDefinition.SourceExtent], to w: inout XMLWriter) {
        var index = 0
        while index < extents.count {
            let path = extents[index].devicePath
            w.element("device", [("path", path)]) { w in
                while index < extents.count && extents[index].devicePath == path {
                    let e = extents[index].extent
                    w.empty("extent", [("start", String(e.start)), ("end", String(e.end))])
                    index += 1
                }
            }
        }
    }

    private static func writeTarget(_ t: VolumeTarget, element: String, rules: PoolTypeRules, to w: inout XMLWriter) {
        w.element(element) { w in
            w.text("path", t.path)
            if !rules.volumeFormats.isEmpty {
                w.empty("format", [("type", t.format?.rawValue ?? rules.defaultVolumeFormat ?? "none")])
            }
            PermissionsXML.write(t.permissions, to: &w)
            if let ts = t.timestamps {
                w.element("timestamps") { w in
                    for (name, time) in [
                        ("atime", ts.atime), ("mtime", ts.mtime), ("ctime", ts.ctime), ("btime", ts.btime),
                    ] {
                        guard let time else { continue }
                        var text = String(time.seconds)
                        if time.nanoseconds != 0 {
                            let ns = String(time.nanoseconds)
                            text += "." + String(repeating: "0", count: max(0, 9 - ns.count)) + ns
                        }
                        w.line("<\(name)>\(text)</\(name)>")
                    }
                }
            }
            if let encryption = t.encryption {
                EncryptionXML.write(encryption, to: &w)
            }
            w.text("compat", t.compat)
            if let cluster = t.clusterSize, cluster > 0 {
                w.line("<clusterSize unit='B'>\(cluster)</clusterSize>")
            }
            if let features = t.features {
                if features.isEmpty {
                    w.empty("features")
                } else {
                    w.element("features") { w in
                        for f in features.sorted() { w.empty(f.rawValue) }
                    }
                }
            }
        }
    }
}
