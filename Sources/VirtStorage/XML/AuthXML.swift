import VirtStorageXML

/// <auth type username><secret uuid|usage/></auth> and the <secret> lookup.
enum AuthXML {
    static func read(_ node: XMLElement) throws(StorageError) -> StorageAuth {
        guard let username = node.attribute("username"), !username.isEmpty else {
            throw StorageError.xml("missing username for auth", element: "source/auth/@username", line: node.line)
        }
        guard let typeName = node.attribute("type") else {
            throw StorageError.unsupported(
                "storage pool missing auth type: use type='chap' (iSCSI) or type='ceph' (RBD)",
                element: "source/auth/@type", line: node.line)
        }
        guard let type = StorageAuth.AuthType(rawValue: typeName) else {
            throw StorageError.unsupported(
                "unknown auth type '\(typeName)': expected 'chap' or 'ceph'",
                element: "source/auth/@type", value: typeName, line: node.line)
        }
        guard let secret = node.firstElement("secret") else {
            throw StorageError.xml("Missing <secret> element in auth", element: "source/auth/secret", line: node.line)
        }
        return StorageAuth(
            type: type, username: username, secret: try readSecretReference(secret, context: "source/auth/secret"),
            secretType: secret.attribute("type"))
    }

    /// The uuid or usage attribute of a <secret> element.
    static func readSecretReference(_ node: XMLElement, context: String) throws(StorageError) -> SecretReference {
        let uuid = node.attribute("uuid")
        let usage = node.attribute("usage")
        switch (uuid, usage) {
        case (let u?, nil):
            return .uuid(StorageUUID.format(try XMLReading.uuid(u, element: "\(context)/@uuid", line: node.line)))
        case (nil, let u?):
            return .usage(u)
        case (_?, _?):
            throw StorageError.xml(
                "either secret uuid or usage expected, not both", element: context, line: node.line)
        case (nil, nil):
            throw StorageError.xml(
                "missing uuid or usage attribute in <\(context)>", element: context, line: node.line)
        }
    }

    static func secretAttributes(_ ref: SecretReference) -> (String, String?) {
        switch ref {
        case .uuid(let u): ("uuid", u)
        case .usage(let u): ("usage", u)
        }
    }

    static func write(_ auth: StorageAuth, to w: inout XMLWriter) {
        w.element("auth", [("type", auth.type.rawValue), ("username", auth.username)]) { w in
            w.empty("secret", [("type", auth.secretType), secretAttributes(auth.secret)])
        }
    }
}
