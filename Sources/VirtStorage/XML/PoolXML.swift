import VirtStorageXML

/// Pool XML in and out, byte for byte as libvirt 9.0 reads and writes it.
public enum PoolXML {
    /// Parses a <pool> document.
    public static func parse(_ text: String) throws(StorageError) -> PoolDefinition {
        try parse(element: XMLReading.root(of: text, documentName: "(storage_pool_definition)"))
    }

    /// Parses a <pool> element of an already parsed document.
    public static func parse(element root: XMLElement) throws(StorageError) -> PoolDefinition {
        guard root.name == "pool" else {
            throw StorageError.xml(
                "expecting root element of 'pool', not '\(root.name)'", element: root.name, line: root.line)
        }
        // libvirt compares the name alone; a namespaced root is VirtStorage's refusal.
        guard root.namespaceURI == nil else {
            throw StorageError.xml(
                "unexpected root element <\(root.name)>, expecting <pool>", element: root.name, line: root.line,
                hint: "the root element must not be in a namespace")
        }
        guard let typeName = root.attribute("type") else {
            throw StorageError.xml(
                "Missing required attribute 'type' in element 'pool'",
                element: "pool/@type", line: root.line,
                hint: "expected one of: \(PoolType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let type = PoolType(rawValue: typeName) else {
            throw StorageError.xml(
                "Invalid value for attribute 'type' in element 'pool': '\(typeName)'.",
                element: "pool/@type", value: typeName, line: root.line,
                hint: "expected one of: \(PoolType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let rules = PoolTypeRules.of(type)

        var source = PoolSource()
        if let node = root.firstElement("source") {
            source = try PoolSourceXML.read(node, rules: rules)
        } else {
            source.format = rules.defaultSourceFormat
            source.dir = rules.defaultSourceDir
        }

        var name = root.string("name")
        if name == nil && rules.sourceElements.contains(.name) { name = source.name }
        guard let name else {
            throw StorageError.xml(
                "missing pool source name element", element: "name", line: root.line, hint: "add <name>POOL</name>")
        }
        try validateName(name, line: root.firstElement("name")?.line ?? root.line)

        var def = PoolDefinition(type: type, name: name, source: source)
        if let uuidText = root.string("uuid") {
            def.uuid = try XMLReading.uuid(uuidText, element: "uuid", line: root.firstElement("uuid")?.line ?? 0)
        }

        if let cow = root.first("features/cow"), let state = try XMLReading.yesNo(cow, "state") {
            guard rules.allowsCopyOnWrite else {
                throw StorageError(
                    .noSupport, "cow feature may only be used for 'fs' and 'dir' pools",
                    element: "features/cow", line: cow.line)
            }
            def.copyOnWrite = state
        }

        let elements = rules.sourceElements
        if elements.contains(.host) && def.source.hosts.isEmpty {
            throw StorageError.xml(
                "missing storage pool source host name", element: "source/host", line: root.line,
                hint: "a \(type.rawValue) pool needs <source><host name='...'/>")
        }
        if elements.contains(.dir) && def.source.dir == nil {
            throw StorageError.xml(
                "missing storage pool source path", element: "source/dir", line: root.line,
                hint: "a \(type.rawValue) pool needs <source><dir path='...'/>")
        }
        if elements.contains(.name) && def.source.name == nil {
            def.source.name = def.name
        }
        if elements.contains(.adapter) && def.source.adapter == nil {
            throw StorageError.xml(
                "missing storage pool source adapter", element: "source/adapter", line: root.line,
                hint: "a scsi pool needs <source><adapter .../>")
        }
        if rules.requiresSourceDevice && def.source.devices.isEmpty {
            throw StorageError.xml(
                "missing storage pool source device name", element: "source/device", line: root.line,
                hint: "a \(type.rawValue) pool needs <source><device path='...'/>")
        }

        switch rules.targetPath {
        case .fromSourceName(let prefix):
            def.target.path = PathSanitizer.sanitize(prefix + (def.source.name ?? ""))
        case .required:
            guard let path = root.string("target/path") else {
                throw StorageError.xml(
                    "missing storage pool target path", element: "target/path", line: root.line,
                    hint: "a \(type.rawValue) pool needs <target><path>DIR</path></target>")
            }
            def.target.path = PathSanitizer.sanitize(path)
        case .none:
            break
        }
        if rules.targetPath.hasLocalTarget, let target = root.firstElement("target") {
            def.target.permissions = try PermissionsXML.read(target, context: "target") ?? Permissions()
        }

        if rules.requiresInitiatorIQN && def.source.initiatorIQN == nil {
            throw StorageError.unsupported(
                "missing initiator IQN", element: "source/initiator/iqn", line: root.line,
                hint: "add <source><initiator><iqn name='iqn....'/></initiator>")
        }

        if let volume = root.first("refresh/volume"), let allocation = volume.attribute("allocation"),
            !allocation.isEmpty
        {
            guard let value = VolumeAllocationRefresh(rawValue: allocation) else {
                throw StorageError.unsupported(
                    "unknown storage pool volume refresh allocation type \(allocation)",
                    element: "refresh/volume/@allocation", value: allocation, line: volume.line,
                    hint: "expected 'default' or 'capacity'")
            }
            def.refreshVolumeAllocation = value
        }

        switch rules.namespace {
        case .fsMountOptions?:
            for option in namespaced(root, .fsMountOptions, "mount_opts", "option") {
                guard let name = option.attribute("name"), !name.isEmpty else {
                    throw StorageError.xml(
                        "no fs mount option name specified", element: "fs:mount_opts/fs:option/@name",
                        line: option.line)
                }
                def.mountOptions.append(name)
            }
        case .rbdConfigOptions?:
            for option in namespaced(root, .rbdConfigOptions, "config_opts", "option") {
                guard let name = option.attribute("name") else {
                    throw StorageError.xml(
                        "no rbd option name specified", element: "rbd:config_opts/rbd:option/@name",
                        line: option.line)
                }
                guard !name.isEmpty else {
                    throw StorageError.xml(
                        "empty rbd option name specified", element: "rbd:config_opts/rbd:option/@name",
                        line: option.line)
                }
                guard let value = option.attribute("value") else {
                    throw StorageError.xml(
                        "no rbd option value specified for name '\(name)'",
                        element: "rbd:config_opts/rbd:option/@value", line: option.line)
                }
                guard !value.isEmpty else {
                    throw StorageError.xml(
                        "empty rbd option value specified for name '\(name)'",
                        element: "rbd:config_opts/rbd:option/@value", line: option.line)
                }
                def.rbdConfigOptions.append(NamedOption(name: name, value: value))
            }
        case nil:
            break
        }
        def.thinPool = try thinPool(root, type: type)
        return def
    }

    /// `<vs:thinpool name='…'/>` of a logical pool (VirtStorage's namespace):
    /// at most one, naming an LV of the volume group.
    private static func thinPool(_ root: XMLElement, type: PoolType) throws(StorageError) -> String? {
        let found = root.elements("thinpool", namespaceURI: VirtStoragePoolSchema.namespaceURI)
        guard let element = found.first else { return nil }
        let path = VirtStoragePoolSchema.thinPoolElement
        guard type == .logical else {
            throw StorageError.xml(
                "<\(path)> belongs to logical pools, not to a \(type.rawValue) pool", element: path,
                line: element.line)
        }
        guard found.count == 1 else {
            throw StorageError.xml("a logical pool has one <\(path)> at most", element: path, line: found[1].line)
        }
        guard let name = element.attribute("name"), LogicalVolumeName.isValid(name) else {
            throw StorageError.xml(
                "invalid thin pool name '\(element.attribute("name") ?? "")'", element: path + "/@name",
                value: element.attribute("name"), line: element.line,
                hint: "name the thin pool LV of the volume group: letters, digits and '+_.-', not beginning with '-'")
        }
        return name
    }

    /// Pool names become file names: no '/', no newline, not empty.
    static func validateName(_ name: String, line: Int) throws(StorageError) {
        if name.utf8.contains(UInt8(ascii: "/")) {
            throw StorageError.xml(
                "name \(name) cannot contain '/'", element: "name", value: name, line: line)
        }
        if name.utf8.contains(UInt8(ascii: "\n")) {
            throw StorageError.xml(
                "name '\(name.replacingNewlines())' cannot contain a newline", element: "name", value: name,
                line: line)
        }
    }

    private static func namespaced(
        _ root: XMLElement, _ ns: PoolTypeRules.Namespace, _ list: String, _ item: String
    ) -> [XMLElement] {
        root.elements(list, namespaceURI: ns.uri).flatMap { $0.elements(item, namespaceURI: ns.uri) }
    }

    /// Formats a pool definition as libvirt's virStoragePoolDefFormat does.
    public static func format(_ def: PoolDefinition) -> String {
        var w = XMLWriter()
        write(def, to: &w)
        return w.text
    }

    static func write(_ def: PoolDefinition, to w: inout XMLWriter) {
        let rules = def.rules
        var namespaceAttr: (String, String?) = ("", nil)
        if let ns = rules.namespace,
            (ns == .fsMountOptions && !def.mountOptions.isEmpty)
                || (ns == .rbdConfigOptions && !def.rbdConfigOptions.isEmpty)
        {
            namespaceAttr = ("xmlns:\(ns.prefix)", ns.uri)
        }
        let thinPoolNamespace = VirtStoragePoolSchema.namespaceDeclaration(if: def.thinPool != nil)
        w.element("pool", [("type", def.type.rawValue), namespaceAttr, thinPoolNamespace]) { w in
            w.text("name", def.name)
            w.text("uuid", StorageUUID.format(def.uuid))
            w.line("<capacity unit='bytes'>\(def.capacity)</capacity>")
            w.line("<allocation unit='bytes'>\(def.allocation)</allocation>")
            w.line("<available unit='bytes'>\(def.available)</available>")
            if let cow = def.copyOnWrite {
                w.element("features") { w in w.empty("cow", [("state", cow ? "yes" : "no")]) }
            }
            PoolSourceXML.write(def.source, rules: rules, to: &w)
            if rules.writesTarget {
                w.element("target") { w in
                    w.text("path", def.target.path)
                    PermissionsXML.write(def.target.permissions, to: &w)
                }
            }
            if let refresh = def.refreshVolumeAllocation {
                w.element("refresh") { w in w.empty("volume", [("allocation", refresh.rawValue)]) }
            }
            if namespaceAttr.1 != nil, let ns = rules.namespace {
                switch ns {
                case .fsMountOptions:
                    w.element("fs:mount_opts") { w in
                        for option in def.mountOptions { w.empty("fs:option", [("name", option)]) }
                    }
                case .rbdConfigOptions:
                    w.element("rbd:config_opts") { w in
                        for option in def.rbdConfigOptions {
                            w.empty("rbd:option", [("name", option.name), ("value", option.value)])
                        }
                    }
                }
            }
            if let thinPool = def.thinPool {
                w.empty(VirtStoragePoolSchema.thinPoolElement, [("name", thinPool)])
            }
        }
    }
}

extension PoolTypeRules.TargetPathRule {
    var hasLocalTarget: Bool {
        if case .none = self { return false }
        return true
    }
}

extension String {
    /// For messages: shows newlines as \n so an error stays on one line.
    func replacingNewlines() -> String {
        var out = ""
        for ch in self { out += ch == "\n" ? "\\n" : String(ch) }
        return out
    }
}
