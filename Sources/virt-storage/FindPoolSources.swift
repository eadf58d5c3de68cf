import ArgumentParser
import Foundation
import VirtStorage
import VirtStorageXML

/// The pool type argument of the discovery verbs, refused in the storage
/// driver's words (virsh hands it on).
private func poolType(_ name: String) throws(StorageError) -> PoolType {
    guard let type = PoolType(rawValue: name) else {
        throw StorageError(
            .internalError, "unknown storage pool type \(name)", value: name,
            hint: "expected one of \(PoolType.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return type
}

/// libvirt's `<sources>` document, or with --json the sources as an array,
/// for the pool type named `typeName`; every failure is virsh's step
/// "Failed to find any TYPE pool sources".
private func printSources(
    _ host: StorageHost, typeName: String, spec: String?, json: Bool, _ global: GlobalOptions
) async throws {
    let found = try await step("Failed to find any \(typeName) pool sources") { () async throws -> String in
        let type = try poolType(typeName)
        if json { return jsonText(try await host.poolSources(type: type, spec: spec)) }
        return try await host.findPoolSources(type: type, spec: spec)
    }
    global.emit(found)
}

struct FindPoolSources: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "find-storage-pool-sources", abstract: "discover potential storage pool sources")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("type"), help: "type of storage pool sources to find") var type: String
    @Option(name: .customLong("srcSpec"), help: "optional file of source xml to query for pools") var srcSpec: String?
    @OptionGroup var json: JSONFlag

    func execute(_ host: StorageHost) async throws {
        let spec = try srcSpec.map { path throws(StorageError) in try readFile(path) }
        try await printSources(host, typeName: type, spec: spec, json: json.enabled, global)
    }
}

struct FindPoolSourcesAs: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "find-storage-pool-sources-as", abstract: "find potential storage pool sources")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("type"), help: "type of storage pool sources to find") var type: String
    @Option(name: .customLong("host"), help: "optional host to query") var host: String?
    @Option(name: .customLong("port"), help: "optional port to query") var port: String?
    @Option(name: .customLong("initiator"), help: "optional initiator IQN to use for query") var initiator: String?
    @OptionGroup var json: JSONFlag

    /// The `<source>` virsh builds from the arguments; none without a host.
    var spec: String? {
        guard let host else { return nil }
        var w = XMLWriter()
        w.element("source") { w in
            w.empty("host", [("name", host), ("port", port)])
            if let initiator { w.element("initiator") { w in w.empty("iqn", [("name", initiator)]) } }
        }
        return w.text
    }

    func execute(_ storage: StorageHost) async throws {
        try await printSources(storage, typeName: type, spec: spec, json: json.enabled, global)
    }
}
