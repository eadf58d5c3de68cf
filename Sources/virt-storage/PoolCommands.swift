import ArgumentParser
import Foundation
import VirtStorage

struct PoolDefine: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool-define", abstract: "define an inactive persistent storage pool from an XML file")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("file"), help: "file containing an XML pool description") var file: String
    @Flag(name: .customLong("validate"), help: "validate the XML against the schema") var validate = false
    @Option(name: .customLong("schemas"), help: "directory of libvirt's RelaxNG schemas")
    var schemas = StorageSchemas.defaultDirectory

    func execute(_ host: StorageHost) async throws {
        let xml = try readFile(file)
        let pool = try await step("Failed to define pool from \(file)") {
            if validate { try StorageSchemas(directory: schemas).validate(xml, as: .pool) }
            return try await host.define(xml: xml)
        }
        global.extra("Pool \(pool.name) defined from \(file)\n")
    }
}

struct PoolCreate: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool-create", abstract: "create a pool from an XML file")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("file"), help: "file containing an XML pool description") var file: String
    @OptionGroup var build: BuildFlags

    func execute(_ host: StorageHost) async throws {
        let xml = try readFile(file)
        let mode = try build.mode(requireBuild: true)
        let pool = try await step("Failed to create pool from \(file)") { try await host.create(xml: xml, build: mode) }
        global.extra("Pool \(pool.name) created from \(file)\n")
    }
}

/// pool-start, pool-destroy, pool-undefine, pool-delete, pool-refresh: one
/// pool, one action, one message ("Pool NAME started").
protocol PoolVerb: HostCommand {
    var pool: PoolArgument { get }
    static var done: String { get }
    /// virsh's verb in "Failed to VERB pool NAME".
    static var verb: String { get }
    func act(_ host: StorageHost, _ name: String) async throws
}

extension PoolVerb {
    func execute(_ host: StorageHost) async throws {
        let typed = try pool.value()
        let name = try await lookupPool(host, typed).name
        try await step("Failed to \(Self.verb) pool \(typed)") { try await act(host, name) }
        // virsh names the pool as it was typed (a UUID stays a UUID).
        global.extra("Pool \(typed) \(Self.done)\n")
    }
}

struct PoolStart: PoolVerb {
    static let configuration = CommandConfiguration(
        commandName: "pool-start", abstract: "start a (previously defined) inactive pool")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolArgument
    @OptionGroup var build: BuildFlags

    static let done = "started"
    static let verb = "start"

    func act(_ host: StorageHost, _ name: String) async throws {
        try await host.start(name, build: try build.mode(requireBuild: true))
    }
}

struct PoolDestroy: PoolVerb {
    static let configuration = CommandConfiguration(commandName: "pool-destroy", abstract: "destroy (stop) a pool")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolArgument

    static let done = "destroyed"
    static let verb = "destroy"

    func act(_ host: StorageHost, _ name: String) async throws {
        try await host.destroy(name)
    }
}

struct PoolUndefine: PoolVerb {
    static let configuration = CommandConfiguration(commandName: "pool-undefine", abstract: "undefine an inactive pool")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolArgument

    static let done = "has been undefined"
    static let verb = "undefine"

    func act(_ host: StorageHost, _ name: String) async throws {
        try await host.undefine(name)
    }
}

struct PoolBuild: HostCommand {
    static let configuration = CommandConfiguration(commandName: "pool-build", abstract: "build a pool")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolArgument
    @Flag(name: .customLong("overwrite"), help: "overwrite any existing data") var overwrite = false
    @Flag(name: .customLong("no-overwrite"), help: "do not overwrite any existing data") var noOverwrite = false

    func execute(_ host: StorageHost) async throws {
        let typed = try pool.value()
        let name = try await lookupPool(host, typed).name
        try await step("Failed to build pool \(typed)") {
            // virsh passes both flags on; libvirt's build refuses them (VIR_EXCLUSIVE_FLAGS_RET).
            if overwrite && noOverwrite {
                throw StorageError(
                    .invalidArgument,
                    "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and 'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive",
                    hint: "give --overwrite or --no-overwrite, not both")
            }
            try await host.build(name, mode: overwrite ? .overwrite : noOverwrite ? .noOverwrite : .normal)
        }
        global.extra("Pool \(typed) built\n")
    }
}

struct PoolDelete: PoolVerb {
    static let configuration = CommandConfiguration(commandName: "pool-delete", abstract: "delete a pool")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolArgument

    static let done = "deleted"
    static let verb = "delete"

    func act(_ host: StorageHost, _ name: String) async throws {
        try await host.delete(name)
    }
}

struct PoolRefresh: PoolVerb {
    static let configuration = CommandConfiguration(commandName: "pool-refresh", abstract: "refresh a pool")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolArgument

    static let done = "refreshed"
    static let verb = "refresh"

    func act(_ host: StorageHost, _ name: String) async throws {
        try await host.refresh(name)
    }
}

struct PoolAutostart: HostCommand {
    static let configuration = CommandConfiguration(commandName: "pool-autostart", abstract: "autostart a pool")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolArgument
    @Flag(name: .customLong("disable"), help: "disable autostarting") var disable = false

    func execute(_ host: StorageHost) async throws {
        let typed = try pool.value()
        let name = try await lookupPool(host, typed).name
        try await step("failed to \(disable ? "unmark" : "mark") pool \(typed) as autostarted") {
            try await host.setAutostart(name, !disable)
        }
        global.extra(disable ? "Pool \(typed) unmarked as autostarted\n" : "Pool \(typed) marked as autostarted\n")
    }
}

struct PoolDumpXML: HostCommand {
    static let configuration = CommandConfiguration(commandName: "pool-dumpxml", abstract: "pool information in XML")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolArgument
    @OptionGroup var json: JSONFlag
    @Flag(name: .customLong("inactive"), help: "show inactive defined XML") var inactive = false
    @OptionGroup var query: XPathOptions

    func execute(_ host: StorageHost) async throws {
        let found = try await lookupPool(host, try pool.value())
        if json.enabled { return global.emit(jsonText(PoolJSON(found))) }
        global.emit(try query.render(try await host.xml(found.name, inactive: inactive)))
    }
}

/// Pool facts for --json.
struct PoolJSON: Encodable {
    var name: String
    var uuid: String
    var type: String
    var state: String
    var persistent: Bool
    var autostart: Bool
    var capacity: UInt64?
    var allocation: UInt64?
    var available: UInt64?
    var targetPath: String?

    init(_ pool: StoragePool) {
        name = pool.name
        uuid = StorageUUID.format(pool.uuid)
        type = pool.type.rawValue
        state = pool.state.rawValue
        persistent = pool.isPersistent
        autostart = pool.autostart
        if pool.isActive {
            capacity = pool.capacity
            allocation = pool.allocation
            available = pool.available
        }
        targetPath = pool.definition.target.path
    }
}

struct PoolInfo: HostCommand {
    static let configuration = CommandConfiguration(commandName: "pool-info", abstract: "storage pool information")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolArgument
    @Flag(name: .customLong("bytes"), help: "Reture pool info in bytes") var bytes = false
    @Flag(name: .customLong("json"), help: "print as JSON") var asJSON = false

    func execute(_ host: StorageHost) async throws {
        let p = try await lookupPool(host, try pool.value())
        if asJSON { return global.emit(jsonText(PoolJSON(p))) }
        var out =
            field("Name:", p.name) + field("UUID:", StorageUUID.format(p.uuid)) + field("State:", p.state.rawValue)
        out += field("Persistent:", p.isPersistent ? "yes" : "no") + field("Autostart:", p.autostart ? "yes" : "no")
        if p.isActive {
            for (label, value) in [
                ("Capacity:", p.capacity), ("Allocation:", p.allocation), ("Available:", p.available),
            ] {
                out += field(label, bytes ? String(value) : prettySize(value))
            }
        }
        global.emit(out)
    }
}

struct PoolList: HostCommand {
    static let configuration = CommandConfiguration(commandName: "pool-list", abstract: "list pools")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .customLong("inactive"), help: "list inactive pools") var inactive = false
    @Flag(name: .customLong("all"), help: "list inactive & active pools") var all = false
    @Flag(name: .customLong("transient"), help: "list transient pools") var transient = false
    @Flag(name: .customLong("persistent"), help: "list persistent pools") var persistent = false
    @Flag(name: .customLong("autostart"), help: "list pools with autostart enabled") var autostart = false
    @Flag(name: .customLong("no-autostart"), help: "list pools with autostart disabled") var noAutostart = false
    @Option(name: .customLong("type"), help: "only list pool of specified type(s) (if supported)") var type: String?
    @Flag(name: .customLong("details"), help: "display extended details for pools") var details = false
    @Flag(name: .customLong("uuid"), help: "list UUID of active pools only") var uuid = false
    @Flag(name: .customLong("name"), help: "list name of active pools only") var name = false
    @Flag(name: .customLong("json"), help: "print as JSON") var asJSON = false

    func filter() throws -> PoolFilter {
        var filter = PoolFilter()
        // Active pools by default, inactive ones with --inactive, both with --all.
        filter.active = all ? nil : !inactive
        if persistent != transient { filter.persistent = persistent }
        if autostart != noAutostart { filter.autostart = autostart }
        if let type {
            var types = Set<PoolType>()
            for word in type.split(separator: ",") {
                guard let t = PoolType(rawValue: String(word)) else {
                    // virsh's own check: its words, no prefix.
                    throw CommandLineError("Invalid pool type '\(word)'")
                }
                types.insert(t)
            }
            filter.types = types
        }
        return filter
    }

    func execute(_ host: StorageHost) async throws {
        let pools = await host.pools(try filter())
        if asJSON { return global.emit(jsonText(pools.map(PoolJSON.init))) }
        if !details && (uuid || name) {
            var out = ""
            for p in pools {
                if uuid {
                    out +=
                        StorageUUID.format(p.uuid).padding(toLength: 36, withPad: " ", startingAt: 0)
                        + (name ? " " : "\n")
                }
                if name { out += p.name.padding(toLength: max(20, p.name.count), withPad: " ", startingAt: 0) + "\n" }
            }
            return global.emit(out)
        }
        let autostartText = { (p: StoragePool) in p.autostart ? "yes" : "no" }
        if !details {
            var table = Table(header: ["Name", "State", "Autostart"])
            table.rows = pools.map { [$0.name, $0.isActive ? "active" : "inactive", autostartText($0)] }
            return global.emit(table)
        }
        var table = Table(header: ["Name", "State", "Autostart", "Persistent", "Capacity", "Allocation", "Available"])
        table.rows = pools.map { p in
            [
                p.name, p.state.rawValue, autostartText(p), p.isPersistent ? "yes" : "no",
                p.isActive ? prettySize(p.capacity) : "-", p.isActive ? prettySize(p.allocation) : "-",
                p.isActive ? prettySize(p.available) : "-",
            ]
        }
        global.emit(table)
    }
}

struct PoolCapabilities: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool-capabilities", abstract: "storage pool capabilities")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var json: JSONFlag
    @Flag(help: "(VirtStorage extension) list VirtStorage's own pool types (btrfs) after libvirt's")
    var extensions = false

    /// One pool type of the capabilities, for --json: the XML document's
    /// content, and the source formats accepted beyond libvirt's.
    struct TypeJSON: Encodable {
        var type: String
        var supported: Bool
        var defaultSourceFormat: String?
        var sourceFormats: [String]
        var extensionSourceFormats: [String]
        var defaultVolumeFormat: String?
        var volumeFormats: [String]
        /// A VirtStorage type, not libvirt's (only with --extensions).
        var isExtension: Bool

        init(_ entry: PoolTypeCapabilities) {
            type = entry.type.rawValue
            supported = entry.supported
            defaultSourceFormat = entry.defaultSourceFormat
            sourceFormats = entry.sourceFormats
            extensionSourceFormats = entry.extensionSourceFormats
            defaultVolumeFormat = entry.defaultVolumeFormat
            volumeFormats = entry.volumeFormats
            isExtension = entry.isExtension
        }
    }

    func execute(_ host: StorageHost) async throws {
        guard json.enabled else { return global.emit(host.capabilitiesXML(includingExtensions: extensions)) }
        global.emit(jsonText(host.capabilities(includingExtensions: extensions).map(TypeJSON.init)))
    }
}

struct PoolName: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool-name", abstract: "convert a pool UUID to pool name")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolArgument
    @OptionGroup var json: JSONFlag

    /// As virsh, by UUID only: a word that cannot be one is not looked up at all.
    func execute(_ host: StorageHost) async throws {
        let argument = try pool.value()
        guard argument.utf8.count == 36, let uuid = StorageUUID.parse(argument) else {
            throw CommandLineError("failed to get pool '\(argument)'")
        }
        let found = try await step("failed to get pool '\(argument)'") { try await host.pool(uuid: uuid) }
        global.emit(json.enabled ? jsonText(PoolJSON(found)) : found.name + "\n")
    }
}

struct PoolUUID: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool-uuid", abstract: "convert a pool name to pool UUID")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolArgument
    @OptionGroup var json: JSONFlag

    /// As virsh, by name only.
    func execute(_ host: StorageHost) async throws {
        let argument = try pool.value()
        let found = try await step("failed to get pool '\(argument)'") { try await host.pool(named: argument) }
        global.emit(json.enabled ? jsonText(PoolJSON(found)) : StorageUUID.format(found.uuid) + "\n")
    }
}
