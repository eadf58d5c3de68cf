import Foundation

/// Where the host gets secret values (LUKS passphrases, cephx keys, CHAP
/// passwords) when a volume or pool refers to a secret by UUID or usage.
public protocol SecretStore: Sendable {
    func define(_ definition: SecretDefinition) async throws(StorageError)
    func undefine(_ uuid: UUID) async throws(StorageError)
    func setValue(_ value: [UInt8], for uuid: UUID) async throws(StorageError)
    func definitions() async -> [SecretDefinition]
    /// The definition a reference names (by UUID, or by usage name).
    func definition(for reference: SecretReference) async throws(StorageError) -> SecretDefinition
    func value(for reference: SecretReference) async throws(StorageError) -> [UInt8]
}

extension SecretStore {
    func noSuchSecret(_ reference: SecretReference) -> StorageError {
        switch reference {
        case .uuid(let u): StorageError(.invalidArgument, "no secret with matching uuid '\(u)'", value: u)
        case .usage(let u): StorageError(.invalidArgument, "no secret with matching usage '\(u)'", value: u)
        }
    }

    func find(_ reference: SecretReference, in all: [SecretDefinition]) throws(StorageError) -> SecretDefinition {
        let found: SecretDefinition?
        switch reference {
        case .uuid(let u): found = all.first { StorageUUID.format($0.uuid) == u.lowercased() }
        case .usage(let u): found = all.first { $0.usage?.name == u }
        }
        guard let found else { throw noSuchSecret(reference) }
        return found
    }
}

/// Secrets held in memory only.
public actor InMemorySecretStore: SecretStore {
    private var secrets: [UUID: SecretDefinition] = [:]
    private var values: [UUID: [UInt8]] = [:]

    public init() {}

    public func define(_ definition: SecretDefinition) throws(StorageError) {
        if let usage = definition.usage,
            let other = secrets.values.first(where: { $0.usage == usage && $0.uuid != definition.uuid })
        {
            throw StorageError(
                .internalError,
                "a secret with UUID \(StorageUUID.format(other.uuid)) already defined for use with \(usage.name)")
        }
        secrets[definition.uuid] = definition
    }

    public func undefine(_ uuid: UUID) throws(StorageError) {
        guard secrets.removeValue(forKey: uuid) != nil else { throw noSuchSecret(.uuid(StorageUUID.format(uuid))) }
        values[uuid] = nil
    }

    public func setValue(_ value: [UInt8], for uuid: UUID) throws(StorageError) {
        guard secrets[uuid] != nil else { throw noSuchSecret(.uuid(StorageUUID.format(uuid))) }
        values[uuid] = value
    }

    public func definitions() -> [SecretDefinition] {
        secrets.values.sorted { $0.uuid.uuidString < $1.uuid.uuidString }
    }

    public func definition(for reference: SecretReference) throws(StorageError) -> SecretDefinition {
        try find(reference, in: Array(secrets.values))
    }

    public func value(for reference: SecretReference) throws(StorageError) -> [UInt8] {
        let def = try definition(for: reference)
        guard let value = values[def.uuid] else {
            throw StorageError(
                .invalidArgument, "secret '\(StorageUUID.format(def.uuid))' does not have a value",
                value: StorageUUID.format(def.uuid))
        }
        return value
    }
}

/// Secrets in a directory, in libvirt's layout: `<uuid>.xml` for the
/// definition and `<uuid>.base64` for the value, both mode 0600 in a 0700
/// directory. Ephemeral secrets are kept in memory only.
public actor FileSecretStore: SecretStore {
    public nonisolated let directory: String
    private let memory = InMemorySecretStore()

    public init(directory: String) throws(StorageError) {
        self.directory = directory
        try PoolFiles.makeDirectory(directory)
        try? SystemCalls.chmod(directory, 0o700, "cannot set mode of '\(directory)'")
    }

    private func path(_ uuid: UUID, _ suffix: String) -> String {
        directory + "/" + StorageUUID.format(uuid) + suffix
    }

    private func loadAll() -> [SecretDefinition] {
        PoolFiles.xmlNames(in: directory).compactMap { name in
            PoolFiles.read(directory + "/" + name + ".xml").flatMap { try? SecretXML.parse($0) }
        }
    }

    public func define(_ definition: SecretDefinition) async throws(StorageError) {
        if definition.ephemeral { return try await memory.define(definition) }
        if let usage = definition.usage,
            let other = loadAll().first(where: { $0.usage == usage && $0.uuid != definition.uuid })
        {
            throw StorageError(
                .internalError,
                "a secret with UUID \(StorageUUID.format(other.uuid)) already defined for use with \(usage.name)")
        }
        try PoolFiles.atomicWrite(SecretXML.format(definition), to: path(definition.uuid, ".xml"))
    }

    public func undefine(_ uuid: UUID) async throws(StorageError) {
        if !SystemCalls.removeIfPresent(path(uuid, ".xml")) {
            try await memory.undefine(uuid)
            return
        }
        SystemCalls.removeIfPresent(path(uuid, ".base64"))
    }

    public func setValue(_ value: [UInt8], for uuid: UUID) async throws(StorageError) {
        guard FileManager.default.fileExists(atPath: path(uuid, ".xml")) else {
            return try await memory.setValue(value, for: uuid)
        }
        try PoolFiles.atomicWrite(Data(value).base64EncodedString(), to: path(uuid, ".base64"))
    }

    public func definitions() async -> [SecretDefinition] {
        (loadAll() + (await memory.definitions())).sorted { $0.uuid.uuidString < $1.uuid.uuidString }
    }

    public func definition(for reference: SecretReference) async throws(StorageError) -> SecretDefinition {
        try find(reference, in: await definitions())
    }

    public func value(for reference: SecretReference) async throws(StorageError) -> [UInt8] {
        let def = try await definition(for: reference)
        if def.ephemeral { return try await memory.value(for: reference) }
        guard let text = PoolFiles.read(path(def.uuid, ".base64")),
            let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            throw StorageError(
                .invalidArgument, "secret '\(StorageUUID.format(def.uuid))' does not have a value",
                value: StorageUUID.format(def.uuid))
        }
        return Array(data)
    }
}
