import ArgumentParser
import Foundation
import VirtStorage
import VirtStorageXML

/// The pool type argument of the discovery verbs.
private func poolType(_ name: String) throws(StorageError) -> PoolType {
    guard let type = PoolType(rawValue: name) else {
        throw StorageError(
            .invalidArgument,
            "Invalid pool type '\(name)': expected one of \(PoolType.allCases.map(\.rawValue).joined(separator: ", "))",
            value: name)
    }
    return type
}

struct FindPoolSources: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "find-storage-pool-sources", abstract: "discover potential storage pool sources")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "type of storage pool sources to find") var type: String
    @Argument(help: "optional file of source xml to query for pools") var srcSpec: String?

    func execute(_ host: StorageHost) async throws(StorageError) {
        let spec = try srcSpec.map { path throws(StorageError) in try readFile(path) }
        global.emit(try await host.findPoolSources(type: try poolType(type), spec: spec))
    }
}

struct FindPoolSourcesAs: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "find-storage-pool-sources-as", abstract: "find potential storage pool sources")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "type of storage pool sources to find") var type: String
    @Argument(help: "optional host to query") var host: String?
    @Argument(help: "optional port to query") var port: String?
    @Argument(help: "optional initiator IQN to use for query") var initiator: String?

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

    func execute(_ storage: StorageHost) async throws(StorageError) {
        global.emit(try await storage.findPoolSources(type: try poolType(type), spec: spec))
    }
}
