import ArgumentParser
import Foundation
import VirtStorage

struct VolCreateAs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vol-create-as", abstract: "create a volume from a set of args")

    @OptionGroup var global: GlobalOptions


    @Option(name: .customLong("pool"), help: "pool name or uuid") var pool: String?
    @Option(name: .customLong("name"), help: "name of the volume") var name: String?
    @Option(name: .customLong("capacity"), help: "size of the vol, as scaled integer (default bytes)") var capacity:
        String?
    @Option(name: .customLong("allocation"), help: "initial allocation size, as scaled integer (default bytes)")
    var allocation: String?
    @Option(name: .customLong("format"), help: "file format type raw,bochs,qcow,qcow2,qed,vmdk") var format: String?
    @Option(name: .customLong("backing-vol"), help: "the backing volume if taking a snapshot") var backingVol: String?
    @Option(name: .customLong("backing-vol-format"), help: "format of backing volume if taking a snapshot")
    var backingVolFormat: String?
    @Flag(name: .customLong("prealloc-metadata"), help: "preallocate metadata (for qcow2 instead of full allocation)")
    var preallocMetadata = false
    @Flag(name: .customLong("print-xml"), help: "print XML document, but don't define/create") var printXML = false


    func run() async throws {
        try await global.perform { () throws in
            let v = OptionValues.collect([
                    "pool": pool, "name": name, "capacity": capacity, "allocation": allocation, "format": format,
                    "backing-vol": backingVol, "backing-vol-format": backingVolFormat,
                ])
            let poolArgument = try OptionValues.require(v, "pool")
            // As virsh, the pool must exist even to print the XML, and is
            // looked up before the other options are read.
            let host = try await global.openHost()
            let pool = try await lookupPool(host, poolArgument, last: false).name
            // Each option read, and an empty one refused, in virsh's order.
            var a = VolumeArguments(
                name: try OptionValues.require(v, "name"), capacity: try OptionValues.require(v, "capacity"))
            _ = try virshSize(a.capacity)
            // virsh reads --allocation quietly: an empty one is no allocation.
            a.allocation = v["allocation"].flatMap { $0.isEmpty ? nil : $0 }
            if let allocation = a.allocation { _ = try virshSize(allocation) }
            a.format = try OptionValues.optional(v, "format")
            let backingVol = try OptionValues.optional(v, "backing-vol")
            a.backingFormat = try OptionValues.optional(v, "backing-vol-format")
            if let backing = backingVol {
                // virsh tries the backing volume as a name in the pool, then a key, then a path.
                let found = try await step("failed to get vol '\(backing)'") {
                    if let byName = try? await host.volume(backing, in: pool) { return byName }
                    return try await host.volume(keyOrPath: backing)
                }
                a.backingPath = found.path
            }
            let xml = try a.xml()
            if printXML { return global.emit(xml) }
            let bar = ProgressBar("create")
            _ = try await step("Failed to create vol \(a.name)") {
                try await host.createVolume(
                    in: pool, xml: xml, preallocateMetadata: preallocMetadata, progress: bar.handler)
            }
            bar.finish()
            global.extra("Vol \(a.name) created\n")
        }
    }
}
