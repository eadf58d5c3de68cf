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
            throw StorageError.xml("unexpected root element <\(root.name)>, expecting <secret>", element: root.name)
        }
        var def = SecretDefinition()
        def.ephemeral = try XMLReading.yesNo(root, "ephemeral") ?? false
        def.isPrivate = try XMLReading.yesNo(root, "private") ?? false
        if let uuid = root.string("uuid") {
            def.uuid = try XMLReading.uuid(uuid, element: "uuid", line: root.line)
        }
        def.description = root.string("description")
        if let usage = root.firstElement("usage") {
            guard let type = usage.attribute("type") else {
                throw StorageError.xml(
                    "unknown secret usage type: <usage> needs a type attribute", element: "usage/@type")
            }
            let inner: (String) throws(StorageError) -> String = { (name: String) throws(StorageError) -> String in
                guard let value = usage.string(name) else {
                    throw StorageError.xml(
                        "\(type) usage specified, but \(name) is missing", element: "usage/\(name)", line: usage.line)
                }
                return value
            }
            switch type {
            case "volume": def.usage = .volume(path: try inner("volume"))
            case "ceph": def.usage = .ceph(name: try inner("name"))
            case "iscsi": def.usage = .iscsi(target: try inner("target"))
            case "tls": def.usage = .tls(name: try inner("name"))
            case "vtpm": def.usage = .vtpm(name: try inner("name"))
            default:
                throw StorageError.unsupported(
                    "unknown secret usage type '\(type)': expected volume, ceph, iscsi, tls or vtpm",
                    element: "usage/@type", value: type)
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
