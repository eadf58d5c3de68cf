import VirtStorageXML

/// <auth type username><secret uuid|usage/></auth> and the <secret> lookup.
enum AuthXML {
    static func read(_ node: XMLElement) throws(StorageError) -> StorageAuth {
        guard let username = node.attribute("username"), !username.isEmpty else {
            throw StorageError.xml("missing username for auth", element: "source/auth/@username", line: node.line)
        }
        // libvirt's order (virStorageAuthDefParse, then the pool's check): an
        // unknown type, the <secret>, and only then a missing type ('none' is one).
        let typeName = node.attribute("type").flatMap { $0.isEmpty ? nil : $0 }
        if let typeName, typeName != "none", StorageAuth.AuthType(rawValue: typeName) == nil {
            throw StorageError.unsupported(
                "unknown auth type '\(typeName)'", element: "source/auth/@type", value: typeName, line: node.line,
                hint: "expected 'chap' or 'ceph'")
        }
        guard let secret = node.firstElement("secret") else {
            throw StorageError.xml("Missing <secret> element in auth", element: "source/auth/secret", line: node.line)
        }
        let reference = try readSecretReference(secret, context: "source/auth/secret")
        guard let type = typeName.flatMap(StorageAuth.AuthType.init(rawValue:)) else {
            throw StorageError.unsupported(
                "storage pool missing auth type", element: "source/auth/@type", line: node.line,
                hint: "use type='chap' (iSCSI) or type='ceph' (RBD)")
        }
        return StorageAuth(type: type, username: username, secret: reference, secretType: secret.attribute("type"))
    }

    /// The uuid or usage attribute of a <secret> element (virSecretLookupParseSecret).
    static func readSecretReference(_ node: XMLElement, context: String) throws(StorageError) -> SecretReference {
        let uuid = node.attribute("uuid")
        let usage = node.attribute("usage")
        switch (uuid, usage) {
        case (let u?, nil):
            let parsed = try XMLReading.uuid(
                u, element: "\(context)/@uuid", line: node.line, message: "invalid secret uuid '\(u)'")
            return .uuid(StorageUUID.format(parsed))
        case (nil, let u?):
            return .usage(u)
        case (_?, _?):
            throw StorageError.xml(
                "either secret uuid or usage expected", element: context, line: node.line,
                hint: "give uuid or usage, not both")
        case (nil, nil):
            throw StorageError.xml(
                "missing secret uuid or usage attribute", element: context, line: node.line,
                hint: "<\(context)> needs uuid='...' or usage='...'")
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
