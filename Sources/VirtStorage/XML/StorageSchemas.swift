import Synchronization
import VirtStorageXML

/// libvirt's RelaxNG schemas, read at run time from a directory the caller
/// names (libvirt installs them in /usr/share/libvirt/schemas), and
/// VirtStorage's pool schema, which includes libvirt's and adds the pool
/// types VirtStorage offers beyond it. Each schema is compiled once, on first
/// use, and shared.
public final class StorageSchemas: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case pool = "storagepool.rng"
        case volume = "storagevol.rng"
        case poolCapabilities = "storagepoolcaps.rng"
        case secret = "secret.rng"
        /// VirtStorage's pool schema (``VirtStoragePoolSchema``): libvirt's
        /// and the extension types. A pool document of an extension type is
        /// validated against it; every other against libvirt's own.
        case virtStoragePool = "virtstorage-storagepool.rng"

        /// What libvirt calls the document in a parser error.
        var documentName: String {
            switch self {
            case .pool, .virtStoragePool: "(storage_pool_definition)"
            case .volume: "(storage_volume_definition)"
            case .poolCapabilities: "(storage_pool_capabilities)"
            case .secret: "(definition_of_secret)"
            }
        }
    }

    public static let defaultDirectory = "/usr/share/libvirt/schemas"

    public let directory: String
    private let compiled = Mutex<[Kind: RelaxNGSchema]>([:])

    public init(directory: String = StorageSchemas.defaultDirectory) {
        self.directory = directory
    }

    /// Validates `text` against the schema of `kind`; the error is libvirt's:
    /// the schema's path, then every complaint of the validator on a line of
    /// its own.
    public func validate(_ text: String, as kind: Kind) throws(StorageError) {
        let schema = try schema(kind == .pool && Self.isExtensionPool(text) ? .virtStoragePool : kind)
        do {
            try schema.validate(text, name: kind.documentName)
        } catch {
            if let complaints = error.schemaErrors {
                throw StorageError(
                    .xmlInvalidSchema,
                    "Unable to validate doc against \(schema.path)\n" + complaints.map { $0 + "\n" }.joined(),
                    line: error.line)
            }
            if let detail = error.detail { throw StorageError(.xmlDetail, detail, line: error.line) }
            throw StorageError(.xmlError, error.message, line: error.line)
        }
    }

    private func schema(_ kind: Kind) throws(StorageError) -> RelaxNGSchema {
        if let cached = compiled.withLock({ $0[kind] }) { return cached }
        let path = directory.hasSuffix("/") ? directory + kind.rawValue : directory + "/" + kind.rawValue
        let loaded: RelaxNGSchema
        do {
            loaded =
                kind == .virtStoragePool
                ? try RelaxNGSchema(text: VirtStoragePoolSchema.text, path: path)
                : try RelaxNGSchema(path: path)
        } catch {
            throw StorageError(
                .operationFailed,
                "cannot load schema \(path): \(error.message); install libvirt's schemas or name their directory",
                path: path)
        }
        return compiled.withLock { cache in
            if let existing = cache[kind] { return existing }
            cache[kind] = loaded
            return loaded
        }
    }

    /// Whether `text` is a pool document of a type VirtStorage adds, or one
    /// with an element in VirtStorage's namespace (read from its root; a
    /// document that does not parse is libvirt's to refuse).
    private static func isExtensionPool(_ text: String) -> Bool {
        guard let root = try? XMLReading.root(of: text, documentName: Kind.pool.documentName),
            let type = root.attribute("type").flatMap(PoolType.init(rawValue:))
        else { return false }
        return PoolTypeRules.of(type).origin == .virtStorage
            || root.elements().contains { $0.namespaceURI == VirtStoragePoolSchema.namespaceURI }
    }
}
