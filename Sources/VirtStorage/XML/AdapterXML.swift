import VirtStorageXML

/// <adapter> of scsi pools: scsi_host (by name or parent PCI address) and fc_host.
enum AdapterXML {
    static func read(_ node: XMLElement) throws(StorageError) -> StorageAdapter? {
        let type = try XMLReading.oneOf(node, "type", ["scsi_host", "fc_host"])
        switch type {
        case "fc_host":
            guard let wwnn = node.attribute("wwnn"), let wwpn = node.attribute("wwpn") else {
                throw StorageError.xml(
                    "'wwnn' and 'wwpn' must be specified for adapter type 'fc_host'",
                    element: "source/adapter", line: node.line)
            }
            let host = StorageAdapter.FCHost(
                parent: node.attribute("parent"), parentWWNN: node.attribute("parent_wwnn"),
                parentWWPN: node.attribute("parent_wwpn"), parentFabricWWN: node.attribute("parent_fabric_wwn"),
                managed: try XMLReading.yesNo(node, "managed"), wwnn: wwnn, wwpn: wwpn)
            try validate(host, line: node.line)
            return .fcHost(host)
        case "scsi_host":
            return .scsiHost(try readSCSIHost(node))
        default:
            // No type: the legacy form, a scsi_host named by 'name' alone.
            for attribute in ["wwnn", "wwpn", "parent"] where node.attribute(attribute) != nil {
                throw StorageError.xml(
                    "Use of '\(attribute)' attribute requires use of the adapter 'type' (fc_host)",
                    element: "source/adapter/@\(attribute)", line: node.line)
            }
            if node.firstElement("parentaddr") != nil {
                throw StorageError.xml(
                    "Use of the 'parentaddr' element requires use of the adapter 'type' (scsi_host)",
                    element: "source/adapter/parentaddr", line: node.line)
            }
            guard let name = node.attribute("name") else { return nil }
            return .scsiHost(.init(name: name))
        }
    }

    private static func readSCSIHost(_ node: XMLElement) throws(StorageError) -> StorageAdapter.SCSIHost {
        var host = StorageAdapter.SCSIHost(name: node.attribute("name"))
        if let parent = node.firstElement("parentaddr") {
            if host.name != nil {
                throw StorageError.xml(
                    "Both 'name' and 'parentaddr' cannot be specified for the 'scsi_host' adapter",
                    element: "source/adapter", line: node.line)
            }
            guard let text = parent.attribute("unique_id"), let id = CNumber.parseSigned(text),
                (0...Int64(Int32.max)).contains(id)
            else {
                throw StorageError.xml(
                    "Missing or invalid scsi adapter 'unique_id' value '\(parent.attribute("unique_id") ?? "")': expected the host's unique_id, a number from 0",
                    element: "source/adapter/parentaddr/@unique_id", value: parent.attribute("unique_id"),
                    line: parent.line)
            }
            host.uniqueID = Int32(id)
            guard let address = parent.firstElement("address") else {
                throw StorageError.xml(
                    "Missing scsi_host PCI address element <parentaddr><address>",
                    element: "source/adapter/parentaddr/address", line: parent.line)
            }
            host.parentAddress = try readPCIAddress(address)
        }
        if host.name == nil && host.parentAddress == nil {
            throw StorageError.xml(
                "Either 'name' or 'parentaddr' must be specified for the 'scsi_host' adapter",
                element: "source/adapter", line: node.line)
        }
        return host
    }

    private static func readPCIAddress(_ node: XMLElement) throws(StorageError) -> PCIAddress {
        func field(_ name: String, max: UInt64) throws(StorageError) -> UInt32 {
            UInt32(try XMLReading.unsigned(node, name, base: 0, max: max) ?? 0)
        }
        return PCIAddress(
            domain: try field("domain", max: 0xFFFF), bus: try field("bus", max: 0xFF),
            slot: try field("slot", max: 0x1F), function: try field("function", max: 7))
    }

    /// A WWN is 16 hex digits, optionally after "0x".
    private static func validWWN(_ wwn: String) -> Bool {
        let digits = wwn.hasPrefix("0x") ? wwn.dropFirst(2) : Substring(wwn)
        return digits.count == 16 && digits.allSatisfy(\.isHexDigit)
    }

    private static func validate(_ host: StorageAdapter.FCHost, line: Int) throws(StorageError) {
        let wwns: [(String, String?)] = [
            ("wwnn", host.wwnn), ("wwpn", host.wwpn), ("parent_wwnn", host.parentWWNN),
            ("parent_wwpn", host.parentWWPN), ("parent_fabric_wwn", host.parentFabricWWN),
        ]
        for (name, value) in wwns {
            if let value, !validWWN(value) {
                throw StorageError.xml(
                    "Malformed wwn '\(value)' in adapter attribute '\(name)': expected 16 hexadecimal digits",
                    element: "source/adapter/@\(name)", value: value, line: line)
            }
        }
        if (host.parentWWNN == nil) != (host.parentWWPN == nil) {
            let given = host.parentWWNN != nil ? "parent_wwnn" : "parent_wwpn"
            let missing = host.parentWWNN != nil ? "parent_wwpn" : "parent_wwnn"
            throw StorageError.xml(
                "when providing \(given), the \(missing) must also be provided",
                element: "source/adapter/@\(missing)", line: line)
        }
    }

    static func write(_ adapter: StorageAdapter, to w: inout XMLWriter) {
        switch adapter {
        case .fcHost(let h):
            w.empty(
                "adapter",
                [
                    ("type", "fc_host"), ("parent", h.parent), ("parent_wwnn", h.parentWWNN),
                    ("parent_wwpn", h.parentWWPN), ("parent_fabric_wwn", h.parentFabricWWN),
                    ("managed", h.managed.map { $0 ? "yes" : "no" }), ("wwnn", h.wwnn), ("wwpn", h.wwpn),
                ])
        case .scsiHost(let h):
            if let name = h.name {
                w.empty("adapter", [("type", "scsi_host"), ("name", name)])
            } else {
                w.element("adapter", [("type", "scsi_host")]) { w in
                    w.element("parentaddr", [("unique_id", String(h.uniqueID ?? -1))]) { w in
                        let a = h.parentAddress ?? PCIAddress(domain: 0, bus: 0, slot: 0, function: 0)
                        w.empty(
                            "address",
                            [
                                ("domain", hex(a.domain, width: 4)), ("bus", hex(a.bus, width: 2)),
                                ("slot", hex(a.slot, width: 2)), ("function", "0x\(a.function)"),
                            ])
                    }
                }
            }
        }
    }

    private static func hex(_ v: UInt32, width: Int) -> String {
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
