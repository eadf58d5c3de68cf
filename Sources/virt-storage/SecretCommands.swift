import ArgumentParser
import Foundation
import VirtStorage

/// A verb on the file-backed secret store (beside the pool configs).
protocol SecretCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    func execute(_ store: FileSecretStore) async throws
}

extension SecretCommand {
    func run() async throws {
        try await global.perform { () throws in try await execute(try global.openSecrets()) }
    }

    func lookup(_ store: FileSecretStore, _ text: String) async throws(StorageError) -> SecretDefinition {
        try await store.definition(for: .uuid(text))
    }
}

/// A secret's attributes for --json (never its value).
struct SecretJSON: Encodable {
    var uuid: String
    var usageType: String?
    var usage: String?
    var description: String?
    var ephemeral: Bool
    var `private`: Bool

    init(_ def: SecretDefinition) {
        uuid = StorageUUID.format(def.uuid)
        usageType = def.usage?.typeName
        usage = def.usage?.name
        description = def.description
        ephemeral = def.ephemeral
        `private` = def.isPrivate
    }
}

struct SecretDefine: SecretCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret-define", abstract: "define or modify a secret from an XML file")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("file"), help: "file containing secret attributes in XML") var file: String
    @Flag(name: .customLong("validate"), help: "validate the XML against the schema") var validate = false

    func execute(_ store: FileSecretStore) async throws {
        let xml = try readFile(file)
        if validate { try StorageSchemas().validate(xml, as: .secret) }
        let def = try SecretXML.parse(xml)
        try await store.define(def)
        global.extra("Secret \(StorageUUID.format(def.uuid)) created\n")
    }
}

struct SecretUndefine: SecretCommand {
    static let configuration = CommandConfiguration(commandName: "secret-undefine", abstract: "undefine a secret")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("secret"), help: "secret UUID") var secret: String

    func execute(_ store: FileSecretStore) async throws {
        let def = try await lookup(store, secret)
        try await store.undefine(def.uuid)
        global.extra("Secret \(StorageUUID.format(def.uuid)) deleted\n")
    }
}

struct SecretSetValue: SecretCommand {
    static let configuration = CommandConfiguration(commandName: "secret-set-value", abstract: "set a secret value")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("secret"), help: "secret UUID") var secret: String
    @Option(name: .customLong("base64"), help: "base64-encoded secret value") var base64: String?
    @Option(name: .customLong("file"), help: "read secret value from file") var file: String?
    @Flag(name: .customLong("plain"), help: "the file holds the value itself, not base64") var plain = false
    @Flag(name: .customLong("interactive"), help: "read the value from the terminal, not echoed")
    var interactive = false

    func execute(_ store: FileSecretStore) async throws {
        let def = try await lookup(store, secret)
        var value: [UInt8]
        switch (base64, file) {
        case (nil, nil) where interactive:
            // As virsh: the prompt on stdout, the value read without echo, taken as it is.
            writeNow("Enter new value for secret:")
            guard let entered = getpass("") else { throw CommandLineError("Failed to read secret") }
            value = Array(String(cString: entered).utf8)
        case (let text?, nil):
            // virsh warns, and goes on: every local user can read the value in the process list.
            FileHandle.standardError.write(Data("error: Passing secret value as command-line argument is insecure!\n".utf8))
            guard let data = Data(base64Encoded: text) else {
                throw StorageError(.invalidArgument, "Invalid base64 data: the value is not base64")
            }
            value = Array(data)
        case (nil, let path?):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw StorageError(.systemError, "failed to read secret value from '\(path)'", path: path)
            }
            if plain {
                value = Array(data)
            } else {
                let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                guard let decoded = Data(base64Encoded: text) else {
                    throw StorageError(
                        .invalidArgument, "Invalid base64 data in '\(path)' (use --plain for raw values)")
                }
                value = Array(decoded)
            }
        default:
            throw CommandLineError("Input secret value is missing")
        }
        try await store.setValue(value, for: def.uuid)
        global.extra("Secret value set\n")
    }
}

struct SecretGetValue: SecretCommand {
    static let configuration = CommandConfiguration(commandName: "secret-get-value", abstract: "Output a secret value")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("secret"), help: "secret UUID") var secret: String
    @Flag(name: .customLong("plain"), help: "get value without converting to base64") var plain = false

    func execute(_ store: FileSecretStore) async throws {
        let def = try await lookup(store, secret)
        // As libvirt: a private secret's value is for the storage backends only.
        guard !def.isPrivate else { throw CommandLineError("Invalid secret: secret is private") }
        let value = try await store.value(for: .uuid(StorageUUID.format(def.uuid)))
        if plain {
            FileHandle.standardOutput.write(Data(value))
            if !global.quiet { print() }
        } else {
            global.emit(Data(value).base64EncodedString() + "\n")
        }
    }
}

struct SecretDumpXML: SecretCommand {
    static let configuration = CommandConfiguration(commandName: "secret-dumpxml", abstract: "secret attributes in XML")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("secret"), help: "secret UUID") var secret: String
    @OptionGroup var json: JSONFlag
    @OptionGroup var query: XPathOptions

    func execute(_ store: FileSecretStore) async throws {
        let def = try await lookup(store, secret)
        global.emit(json.enabled ? jsonText(SecretJSON(def)) : try query.render(SecretXML.format(def)))
    }
}

struct SecretList: SecretCommand {
    static let configuration = CommandConfiguration(commandName: "secret-list", abstract: "list secrets")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var json: JSONFlag
    @Flag(name: .customLong("ephemeral"), help: "list ephemeral secrets") var ephemeral = false
    @Flag(name: .customLong("no-ephemeral"), help: "list non-ephemeral secrets") var noEphemeral = false
    @Flag(name: .customLong("private"), help: "list private secrets") var isPrivate = false
    @Flag(name: .customLong("no-private"), help: "list non-private secrets") var noPrivate = false

    /// As virsh: each pair filters only when one of its two is given.
    func selected(_ def: SecretDefinition) -> Bool {
        (ephemeral == noEphemeral || def.ephemeral == ephemeral)
            && (isPrivate == noPrivate || def.isPrivate == isPrivate)
    }

    func execute(_ store: FileSecretStore) async throws {
        let secrets = await store.definitions().filter(selected)
        if json.enabled { return global.emit(jsonText(secrets.map(SecretJSON.init))) }
        var table = Table(header: ["UUID", "Usage"])
        table.rows = secrets.map { def in
            [StorageUUID.format(def.uuid), def.usage.map { "\($0.typeName) \($0.name)" } ?? "Unused"]
        }
        global.emit(table)
    }
}
