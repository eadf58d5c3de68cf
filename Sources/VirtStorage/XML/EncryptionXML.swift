import VirtStorageXML

/// <encryption format engine> with its secrets, cipher and ivgen.
enum EncryptionXML {
    static let formats = ["default", "qcow", "luks", "luks2"]
    static let engines = ["qemu", "librbd"]

    static func read(_ node: XMLElement) throws(StorageError) -> VolumeEncryption {
        guard let format = node.attribute("format"), !format.isEmpty else {
            throw StorageError.xml(
                "unknown volume encryption format", element: "target/encryption/@format", line: node.line,
                hint: "<encryption> needs format='qcow', 'luks' or 'luks2'")
        }
        guard formats.contains(format) else {
            throw StorageError.unsupported(
                "unknown volume encryption format type \(format)", element: "target/encryption/@format",
                value: format, line: node.line, hint: "expected one of \(formats.joined(separator: ", "))")
        }
        var encryption = VolumeEncryption(format: format)
        encryption.engine = try XMLReading.oneOf(node, "engine", engines)
        for secret in node.elements("secret") {
            guard let type = secret.attribute("type"), !type.isEmpty else {
                throw StorageError.xml(
                    "unknown volume encryption secret type", element: "target/encryption/secret/@type",
                    line: secret.line, hint: "<secret> needs type='passphrase'")
            }
            guard type == "passphrase" else {
                throw StorageError.unsupported(
                    "unknown volume encryption secret type \(type)", element: "target/encryption/secret/@type",
                    value: type, line: secret.line, hint: "expected 'passphrase'")
            }
            encryption.secrets.append(
                .init(
                    type: type,
                    reference: try AuthXML.readSecretReference(secret, context: "target/encryption/secret")))
        }
        guard format == "luks" else { return encryption }
        if let cipher = node.firstElement("cipher") {
            guard let name = cipher.attribute("name") else {
                throw StorageError.xml(
                    "cipher info missing 'name' attribute", element: "target/encryption/cipher/@name",
                    line: cipher.line)
            }
            guard let size = try XMLReading.unsigned(cipher, "size", max: UInt64(UInt32.max)) else {
                throw StorageError.xml(
                    "Missing required attribute 'size' in element 'cipher'",
                    element: "target/encryption/cipher/@size", line: cipher.line)
            }
            encryption.cipher = .init(
                name: name, size: UInt32(size), mode: cipher.attribute("mode"), hash: cipher.attribute("hash"))
        }
        if let ivgen = node.firstElement("ivgen") {
            guard encryption.cipher != nil else {
                throw StorageError.xml(
                    "ivgen element found, but cipher is missing", element: "target/encryption/ivgen",
                    line: ivgen.line)
            }
            guard let name = ivgen.attribute("name") else {
                throw StorageError.xml(
                    "missing ivgen info name string", element: "target/encryption/ivgen/@name", line: ivgen.line)
            }
            encryption.ivgen = .init(name: name, hash: ivgen.attribute("hash"))
        }
        return encryption
    }

    static func write(_ enc: VolumeEncryption, to w: inout XMLWriter) {
        w.element("encryption", [("format", enc.format), ("engine", enc.engine)]) { w in
            for secret in enc.secrets {
                w.empty("secret", [("type", secret.type), AuthXML.secretAttributes(secret.reference)])
            }
            if enc.format == "luks", let cipher = enc.cipher {
                w.empty(
                    "cipher",
                    [
                        ("name", cipher.name), ("size", String(cipher.size)), ("mode", cipher.mode),
                        ("hash", cipher.hash),
                    ])
                if let ivgen = enc.ivgen {
                    w.empty("ivgen", [("name", ivgen.name), ("hash", ivgen.hash)])
                }
            }
        }
    }
}
