import Foundation
import VirtStorageXML

/// A secret's definition, as libvirt's secret XML describes it. The value is
/// kept apart (see `SecretStore`) and never appears in XML, logs or errors.
public struct SecretDefinition: Sendable, Equatable, Hashable, Codable {
    /// What the secret is for: the usage type and its identifying name.
    public enum Usage: Sendable, Equatable, Hashable, Codable {
        case volume(path: String)
        case ceph(name: String)
        case iscsi(target: String)
        case tls(name: String)
        case vtpm(name: String)

        /// libvirt's usage type name (volume, ceph, iscsi, tls, vtpm).
        public var typeName: String {
            switch self {
            case .volume: "volume"
            case .ceph: "ceph"
            case .iscsi: "iscsi"
            case .tls: "tls"
            case .vtpm: "vtpm"
            }
        }

        /// (element, value) inside <usage>.
        var element: (String, String) {
            switch self {
            case .volume(let path): ("volume", path)
            case .ceph(let name): ("name", name)
            case .iscsi(let target): ("target", target)
            case .tls(let name): ("name", name)
            case .vtpm(let name): ("name", name)
            }
        }

        /// The name a `<secret usage='...'>` reference matches.
        public var name: String { element.1 }
    }

    public var uuid: UUID
    public var usage: Usage?
    public var description: String?
    public var ephemeral = false
    public var isPrivate = false

    public init(uuid: UUID = UUID(), usage: Usage? = nil, description: String? = nil) {
        self.uuid = uuid
        self.usage = usage
        self.description = description
    }
}

/// Secret XML in and out (virsh secret-define / secret-dumpxml).
public enum SecretXML {
    public static func parse(_ text: String) throws(StorageError) -> SecretDefinition {
        let root = try XMLReading.root(of: text, documentName: "(definition_of_secret)")
        guard root.name == "secret" else {
            throw StorageError.xml("expecting root element of 'secret', not '\(root.name)'", element: root.name)
        }
        var def = SecretDefinition()
        // virStringParseYesNo: 'yes' or 'no'; an empty attribute counts as absent.
        func yesNo(_ name: String) throws(StorageError) -> Bool {
            guard let value = root.attribute(name), !value.isEmpty else { return false }
            switch value {
            case "yes": return true
            case "no": return false
            default:
                throw StorageError.xml(
                    "invalid value of '\(name)'", element: "secret/@\(name)", value: value, line: root.line,
                    hint: "'\(value)' is not 'yes' or 'no'")
            }
        }
        def.ephemeral = try yesNo("ephemeral")
        def.isPrivate = try yesNo("private")
        if let uuid = root.string("uuid") {
            def.uuid = try XMLReading.uuid(uuid, element: "uuid", line: root.line, code: .internalError)
        }
        def.description = root.string("description")
        if let usage = root.firstElement("usage") {
            guard let type = usage.attribute("type"), !type.isEmpty else {
                throw StorageError.xml(
                    "unknown secret usage type", element: "usage/@type", hint: "<usage> needs a type attribute")
            }
            // libvirt's words for each usage type, an internal error when its element is missing.
            let inner: (String, String) throws(StorageError) -> String = {
                (name: String, message: String) throws(StorageError) -> String in
                guard let value = usage.string(name) else {
                    throw StorageError(
                        .internalError, message, element: "usage/\(name)", line: usage.line,
                        hint: "add <usage type='\(type)'><\(name)>...</\(name)></usage>")
                }
                return value
            }
            switch type {
            case "volume":
                def.usage = .volume(path: try inner("volume", "volume usage specified, but volume path is missing"))
            case "ceph":
                def.usage = .ceph(name: try inner("name", "Ceph usage specified, but name is missing"))
            case "iscsi":
                def.usage = .iscsi(target: try inner("target", "iSCSI usage specified, but target is missing"))
            case "tls":
                def.usage = .tls(name: try inner("name", "TLS usage specified, but name is missing"))
            case "vtpm":
                def.usage = .vtpm(name: try inner("name", "vTPM usage specified, but name is missing"))
            default:
                throw StorageError.unsupported(
                    "unknown secret usage type \(type)", element: "usage/@type", value: type,
                    hint: "expected volume, ceph, iscsi, tls or vtpm")
            }
        }
        return def
    }

    public static func format(_ def: SecretDefinition) -> String {
        var w = XMLWriter()
        w.element("secret", [("ephemeral", def.ephemeral ? "yes" : "no"), ("private", def.isPrivate ? "yes" : "no")]) {
            w in
            w.text("uuid", StorageUUID.format(def.uuid))
            w.text("description", def.description)
            if let usage = def.usage {
                w.element("usage", [("type", usage.typeName)]) { w in w.text(usage.element.0, usage.element.1) }
            }
        }
        return w.text
    }
}
