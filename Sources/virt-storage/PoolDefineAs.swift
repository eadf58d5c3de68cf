import ArgumentParser
import Foundation
import VirtStorage

/// The options shared by pool-define-as and pool-create-as, in virsh's order.
struct PoolAsOptions: ParsableArguments {

    @Option(name: .customLong("name"), help: "name of the pool") var name: String?
    @Option(name: .customLong("type"), help: "type of the pool (btrfs is a VirtStorage extension)") var type: String?
    @Flag(name: .customLong("print-xml"), help: "print XML document, but don't define/create") var printXML = false
    @Option(name: .customLong("source-host"), help: "source-host for underlying storage") var sourceHost: String?
    @Option(name: .customLong("source-path"), help: "source path for underlying storage") var sourcePath: String?
    @Option(name: .customLong("source-dev"), help: "source device for underlying storage") var sourceDev: String?
    @Option(name: .customLong("source-name"), help: "source name for underlying storage") var sourceName: String?
    @Option(name: .customLong("target"), help: "target for underlying storage") var target: String?
    @Option(name: .customLong("source-format"), help: "format for underlying storage") var sourceFormat: String?
    @Option(name: .customLong("auth-type"), help: "auth type to be used for underlying storage") var authType: String?
    @Option(name: .customLong("auth-username"), help: "auth username to be used for underlying storage")
    var authUsername: String?
    @Option(name: .customLong("secret-usage"), help: "auth secret usage to be used for underlying storage")
    var secretUsage: String?
    @Option(name: .customLong("secret-uuid"), help: "auth secret UUID to be used for underlying storage")
    var secretUUID: String?
    @Option(name: .customLong("adapter-name"), help: "adapter name to be used for underlying storage")
    var adapterName: String?
    @Option(name: .customLong("adapter-wwnn"), help: "adapter wwnn to be used for underlying storage")
    var adapterWWNN: String?
    @Option(name: .customLong("adapter-wwpn"), help: "adapter wwpn to be used for underlying storage")
    var adapterWWPN: String?
    @Option(
        name: .customLong("adapter-parent"), help: "adapter parent scsi_hostN to be used for underlying vHBA storage")
    var adapterParent: String?
    @Option(
        name: .customLong("adapter-parent-wwnn"),
        help: "adapter parent scsi_hostN wwnn to be used for underlying vHBA storage")
    var adapterParentWWNN: String?
    @Option(
        name: .customLong("adapter-parent-wwpn"),
        help: "adapter parent scsi_hostN wwpn to be used for underlying vHBA storage")
    var adapterParentWWPN: String?
    @Option(
        name: .customLong("adapter-parent-fabric-wwn"),
        help: "adapter parent scsi_hostN fabric_wwn to be used for underlying vHBA storage")
    var adapterParentFabricWWN: String?
    @Option(name: .customLong("source-protocol-ver"), help: "nfsvers value for NFS pool mount option")
    var sourceProtocolVersion: String?
    @Option(name: .customLong("source-initiator"), help: "initiator iqn for underlying storage")
    var sourceInitiator: String?
    @Option(
        name: .customLong("thin-pool"),
        help: "(VirtStorage extension) logical pools: the thin pool of the volume group that holds thin volumes and their snapshots")
    var thinPool: String?

    func arguments() throws -> PoolArguments {
        // virsh's own check, made first (VSH_EXCLUSIVE_OPTIONS): its words, no prefix.
        if secretUsage != nil && secretUUID != nil {
            throw CommandLineError("Options --secret-usage and --secret-uuid are mutually exclusive")
        }
        let v = OptionValues.collect([
                "name": name, "type": type, "source-host": sourceHost, "source-path": sourcePath,
                "source-dev": sourceDev, "source-name": sourceName, "target": target, "source-format": sourceFormat,
                "auth-type": authType, "auth-username": authUsername, "secret-usage": secretUsage,
                "secret-uuid": secretUUID, "adapter-name": adapterName, "adapter-wwnn": adapterWWNN,
                "adapter-wwpn": adapterWWPN, "adapter-parent": adapterParent, "adapter-parent-wwnn": adapterParentWWNN,
                "adapter-parent-wwpn": adapterParentWWPN, "adapter-parent-fabric-wwn": adapterParentFabricWWN,
                "source-protocol-ver": sourceProtocolVersion, "source-initiator": sourceInitiator,
            ])
        var a = PoolArguments(
            name: try OptionValues.require(v, "name"), type: try OptionValues.require(v, "type"))
        a.sourceHost = v["source-host"]
        a.sourcePath = v["source-path"]
        a.sourceDevice = v["source-dev"]
        a.sourceName = v["source-name"]
        a.target = v["target"]
        a.sourceFormat = v["source-format"]
        a.authType = v["auth-type"]
        a.authUsername = v["auth-username"]
        a.secretUsage = v["secret-usage"]
        a.secretUUID = v["secret-uuid"]
        a.adapterName = v["adapter-name"]
        a.adapterWWNN = v["adapter-wwnn"]
        a.adapterWWPN = v["adapter-wwpn"]
        a.adapterParent = v["adapter-parent"]
        a.adapterParentWWNN = v["adapter-parent-wwnn"]
        a.adapterParentWWPN = v["adapter-parent-wwpn"]
        a.adapterParentFabricWWN = v["adapter-parent-fabric-wwn"]
        a.sourceProtocolVersion = v["source-protocol-ver"]
        a.sourceInitiator = v["source-initiator"]
        a.thinPool = thinPool
        return a
    }

    /// Prints the XML with --print-xml, else hands it and the pool's name to `action` on the host.
    func run(
        _ global: GlobalOptions, _ action: (StorageHost, String, String) async throws -> Void
    ) async throws {
        try await global.perform { () throws in
            if printXML { return try printXMLDocument(global) }
            let pool = try arguments()
            try await action(try await global.openHost(), try pool.xml(), pool.name)
        }
    }

    /// Prints the XML virsh would print; warns on stderr when the pool would not define.
    func printXMLDocument(_ global: GlobalOptions) throws {
        let xml = try arguments().xml()
        global.emit(xml)
        do throws(StorageError) {
            _ = try PoolXML.parse(xml)
        } catch {
            FileHandle.standardError.write(Data("warning: this pool would not define: \(error.description)\n".utf8))
        }
    }
}

struct PoolDefineAs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool-define-as", abstract: "define a pool from a set of args")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: PoolAsOptions

    func run() async throws {
        try await options.run(global) { host, xml, name in
            let pool = try await step("Failed to define pool \(name)") { try await host.define(xml: xml) }
            global.extra("Pool \(pool.name) defined\n")
        }
    }
}

struct PoolCreateAs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool-create-as", abstract: "create a pool from a set of args")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: PoolAsOptions
    @OptionGroup var build: BuildFlags

    func run() async throws {
        try await options.run(global) { host, xml, name in
            let mode = try build.mode(requireBuild: true)
            let pool = try await step("Failed to create pool \(name)") { try await host.create(xml: xml, build: mode) }
            global.extra("Pool \(pool.name) created\n")
        }
    }
}
