import VirtStorageXML

/// <adapter> of scsi pools: scsi_host (by name or parent PCI address) and fc_host.
enum AdapterXML {
    static func read(_ node: XMLElement) throws(StorageError) -> StorageAdapter? {
        let type = try XMLReading.oneOf(node, "type", ["scsi_host", "fc_host"])
        switch type {
        case "fc_host":
            guard let wwnn = node.attribute("wwnn"), let wwpn = node.attribute("wwpn") else {
                throw StorageError.xml(
                    "'wwnn' and 'wwpn' must be specified for adapter type 'fchost'",
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
                    "Use of 'wwnn', 'wwpn', and 'parent' attributes requires use of the adapter 'type'",
                    element: "source/adapter/@\(attribute)", line: node.line, hint: "add type='fc_host'")
            }
            if node.firstElement("parentaddr") != nil {
                throw StorageError.xml(
                    "Use of 'parentaddr' element requires use of the adapter 'type'",
                    element: "source/adapter/parentaddr", line: node.line, hint: "add type='scsi_host'")
            }
            guard let name = node.attribute("name") else { return nil }
            return .scsiHost(.init(name: name))
        }
    }

    private static func readSCSIHost(_ node: XMLElement) throws(StorageError) -> StorageAdapter.SCSIHost {
        var host = StorageAdapter.SCSIHost(name: node.attribute("name"))
        // libvirt's order: the address, then unique_id, then name against parentaddr.
        if let parent = node.firstElement("parentaddr") {
            guard let address = parent.firstElement("address") else {
                throw StorageError.xml(
                    "Missing scsi_host PCI address element",
                    element: "source/adapter/parentaddr/address", line: parent.line,
                    hint: "add <parentaddr><address .../>")
            }
            host.parentAddress = try readPCIAddress(address)
            guard let text = parent.attribute("unique_id"), let id = CNumber.parseSigned(text),
                (0...Int64(Int32.max)).contains(id)
            else {
                throw StorageError.xml(
                    "Missing or invalid scsi adapter 'unique_id' value",
                    element: "source/adapter/parentaddr/@unique_id", value: parent.attribute("unique_id"),
                    line: parent.line,
                    hint: "'\(parent.attribute("unique_id") ?? "")' is not the host's unique_id, a number from 0")
            }
            host.uniqueID = Int32(id)
        }
        if host.name == nil && host.parentAddress == nil {
            throw StorageError.xml(
                "Either 'name' or 'parent' must be specified for the 'scsi_host' adapter",
                element: "source/adapter", line: node.line, hint: "add name='host0' or a <parentaddr>")
        }
        if host.name != nil && host.parentAddress != nil {
            throw StorageError.xml(
                "Both 'name' and 'parent' cannot be specified for the 'scsi_host' adapter",
                element: "source/adapter", line: node.line, hint: "give name or <parentaddr>, not both")
        }
        return host
    }

    /// virPCIDeviceAddressParseXML: the fields as unsigned ints, then the
    /// ranges (checked, as libvirt does, only when domain, bus or slot is set).
    private static func readPCIAddress(_ node: XMLElement) throws(StorageError) -> PCIAddress {
        func field(_ name: String, max: UInt64) throws(StorageError) -> UInt32 {
            UInt32(try XMLReading.unsigned(node, name, base: 0, max: max) ?? 0)
        }
        let unlimited = UInt64(UInt32.max)
        let address = PCIAddress(
            domain: try field("domain", max: 0xFFFF), bus: try field("bus", max: unlimited),
            slot: try field("slot", max: unlimited), function: try field("function", max: unlimited))
        guard address.domain != 0 || address.bus != 0 || address.slot != 0 else { return address }
        func digits(_ v: UInt32) -> String { String(v, radix: 16) }
        if address.bus > 0xFF {
            throw StorageError.xml(
                "Invalid PCI address bus='0x\(digits(address.bus))', must be <= 0xFF",
                element: "source/adapter/parentaddr/address/@bus", value: node.attribute("bus"), line: node.line)
        }
        if address.slot > 0x1F {
            throw StorageError.xml(
                "Invalid PCI address slot='0x\(digits(address.slot))', must be <= 0x1F",
                element: "source/adapter/parentaddr/address/@slot", value: node.attribute("slot"), line: node.line)
        }
        if address.function > 7 {
            throw StorageError.xml(
                "Invalid PCI address function=0x\(digits(address.function)), must be <= 7",
                element: "source/adapter/parentaddr/address/@function", value: node.attribute("function"),
                line: node.line)
        }
        return address
    }

    /// A WWN is 16 hex digits, optionally after "0x".
    private static func validWWN(_ wwn: String) -> Bool {
        let digits = wwn.hasPrefix("0x") ? wwn.dropFirst(2) : Substring(wwn)
        return digits.count == 16 && digits.allSatisfy { $0.isASCII && $0.isHexDigit }
    }

    /// virStorageAdapterValidateFCHost's checks, in its order.
    private static func validate(_ host: StorageAdapter.FCHost, line: Int) throws(StorageError) {
        func check(_ wwns: [(String, String?)]) throws(StorageError) {
            for (name, value) in wwns {
                if let value, !validWWN(value) {
                    // libvirt reports a bad WWN as an internal error.
                    throw StorageError(
                        .internalError, "Malformed wwn: \(value)", element: "source/adapter/@\(name)", value: value,
                        line: line, hint: "\(name) must be 16 hexadecimal digits, optionally after 0x")
                }
            }
        }
        try check([("wwnn", host.wwnn), ("wwpn", host.wwpn)])
        if let given = host.parentWWNN, host.parentWWPN == nil {
            throw StorageError.xml(
                "when providing parent_wwnn='\(given)', the parent_wwpn must also be provided",
                element: "source/adapter/@parent_wwpn", line: line)
        }
        if let given = host.parentWWPN, host.parentWWNN == nil {
            throw StorageError.xml(
                "when providing parent_wwpn='\(given)', the parent_wwnn must also be provided",
                element: "source/adapter/@parent_wwnn", line: line)
        }
        try check([
            ("parent_wwnn", host.parentWWNN), ("parent_wwpn", host.parentWWPN),
            ("parent_fabric_wwn", host.parentFabricWWN),
        ])
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
                                ("slot", hex(a.slot, width: 2)), ("function", "0x" + String(a.function, radix: 16)),
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
