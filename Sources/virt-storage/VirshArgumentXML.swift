import VirtStorage
import VirtStorageXML

/// The pool XML that `virsh pool-define-as` / `pool-create-as` build from
/// their arguments, element for element as virsh 9.0 writes it (values are
/// escaped here; virsh writes them raw). virsh's, so the executable's: an
/// embedder builds a `PoolDefinition` instead.
struct PoolArguments: Sendable, Equatable {
    var name: String
    var type: String
    var sourceHost: String?
    var sourcePath: String?
    var sourceDevice: String?
    var sourceName: String?
    var target: String?
    var sourceFormat: String?
    var authType: String?
    var authUsername: String?
    var secretUsage: String?
    var secretUUID: String?
    var adapterName: String?
    var adapterWWNN: String?
    var adapterWWPN: String?
    var adapterParent: String?
    var adapterParentWWNN: String?
    var adapterParentWWPN: String?
    var adapterParentFabricWWN: String?
    var sourceProtocolVersion: String?
    var sourceInitiator: String?
    /// A logical pool's thin pool (VirtStorage extension: `<vs:thinpool>`).
    var thinPool: String?

    init(name: String, type: String) {
        self.name = name
        self.type = type
    }

    func xml() throws(StorageError) -> String {
        if secretUsage != nil && secretUUID != nil {
            throw StorageError(
                .invalidArgument, "Options --secret-usage and --secret-uuid are mutually exclusive",
                element: "--secret-usage")
        }
        var w = XMLWriter()
        w.element("pool", [("type", type), VirtStoragePoolSchema.namespaceDeclaration(if: thinPool != nil)]) { w in
            w.text("name", name)
            let hasFC = adapterWWNN != nil && adapterWWPN != nil
            if sourceHost != nil || sourcePath != nil || sourceDevice != nil || sourceInitiator != nil
                || sourceFormat != nil || sourceName != nil || hasFC || adapterName != nil
            {
                w.element("source") { w in
                    if let sourceHost { w.empty("host", [("name", sourceHost)]) }
                    if let sourcePath { w.empty("dir", [("path", sourcePath)]) }
                    if let sourceDevice { w.empty("device", [("path", sourceDevice)]) }
                    if let sourceInitiator {
                        w.element("initiator") { w in w.empty("iqn", [("name", sourceInitiator)]) }
                    }
                    if hasFC {
                        var attributes: [(String, String?)] = [("type", "fc_host")]
                        if let adapterParent {
                            attributes.append(("parent", adapterParent))
                        } else if let adapterParentWWNN, let adapterParentWWPN {
                            attributes += [("parent_wwnn", adapterParentWWNN), ("parent_wwpn", adapterParentWWPN)]
                        } else if let adapterParentFabricWWN {
                            attributes.append(("parent_fabric_wwn", adapterParentFabricWWN))
                        }
                        w.empty("adapter", attributes + [("wwnn", adapterWWNN), ("wwpn", adapterWWPN)])
                    } else if let adapterName {
                        w.empty("adapter", [("type", "scsi_host"), ("name", adapterName)])
                    }
                    if let authType, let authUsername, secretUsage != nil || secretUUID != nil {
                        w.element("auth", [("type", authType), ("username", authUsername)]) { w in
                            if let secretUsage {
                                w.empty("secret", [("usage", secretUsage)])
                            } else {
                                w.empty("secret", [("uuid", secretUUID)])
                            }
                        }
                    }
                    if let sourceFormat { w.empty("format", [("type", sourceFormat)]) }
                    w.text("name", sourceName)
                    if let sourceProtocolVersion { w.empty("protocol", [("ver", sourceProtocolVersion)]) }
                }
            }
            if let target {
                w.element("target") { w in w.text("path", target) }
            }
            if let thinPool { w.empty(VirtStoragePoolSchema.thinPoolElement, [("name", thinPool)]) }
        }
        return w.text
    }
}

/// The volume XML that `virsh vol-create-as` builds from its arguments.
struct VolumeArguments: Sendable, Equatable {
    var name: String
    /// Sizes as virsh takes them: digits with an optional unit right after ("10G", "512MiB").
    var capacity: String
    var allocation: String?
    var format: String?
    /// The backing volume's path (virsh looks a name or key up first).
    var backingPath: String?
    var backingFormat: String?

    init(name: String, capacity: String) {
        self.name = name
        self.capacity = capacity
    }

    /// Parses a virsh size argument: a number (a `+` before it allowed, as
    /// strtoull reads it) directly followed by a unit.
    static func size(_ text: String) throws(StorageError) -> UInt64 {
        let number = text.hasPrefix("+") ? text.dropFirst() : text[...]
        let digits = number.prefix { $0.isASCII && $0.isNumber }
        let unit = String(number.dropFirst(digits.count))
        guard !digits.isEmpty, let value = UInt64(digits) else {
            throw StorageError(
                .invalidArgument,
                "Malformed size \(text)", element: "size", value: text,
                hint: "expected a number with an optional unit such as 10G or 512MiB")
        }
        let scale: UInt64
        do {
            scale = try ByteCount.multiplier(of: unit)
        } catch {
            throw StorageError(
                .invalidArgument,
                "unknown suffix '\(unit)'", element: "size", value: text,
                hint: "use b, KB, MB, GB, TB, PB, EB or K, KiB, M, MiB, G, GiB, T, TiB, P, PiB, E, EiB")
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: scale)
        guard !overflow else {
            // virScaleInteger's words: the number as read, and the unit.
            throw StorageError(.overflow, "value too large: \(value)\(unit)", element: "size", value: text)
        }
        return product
    }

    func xml() throws(StorageError) -> String {
        let capacityBytes = try Self.size(capacity)
        let allocationBytes = try allocation.map { (a: String) throws(StorageError) -> UInt64 in try Self.size(a) }
        var w = XMLWriter()
        w.element("volume") { w in
            w.text("name", name)
            w.line("<capacity>\(capacityBytes)</capacity>")
            if let allocationBytes { w.line("<allocation>\(allocationBytes)</allocation>") }
            if let format {
                w.element("target") { w in w.empty("format", [("type", format)]) }
            }
            if let backingPath {
                w.element("backingStore") { w in
                    w.text("path", backingPath)
                    if let backingFormat { w.empty("format", [("type", backingFormat)]) }
                }
            }
        }
        return w.text
    }
}
