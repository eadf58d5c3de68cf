import ArgumentParser
import Foundation
import VirtStorage

struct VolCreateAs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vol-create-as", abstract: "create a volume from a set of args")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "pool, name, capacity, allocation, format, backing-vol, backing-vol-format by position")
    var positional: [String] = []

    @Option(name: .customLong("pool"), help: "pool name or uuid") var pool: String?
    @Option(name: .customLong("name"), help: "name of the volume") var name: String?
    @Option(name: .customLong("capacity"), help: "size of the vol, as scaled integer (default bytes)") var capacity: String?
    @Option(name: .customLong("allocation"), help: "initial allocation size, as scaled integer (default bytes)")
    var allocation: String?
    @Option(name: .customLong("format"), help: "file format type raw,bochs,qcow,qcow2,qed,vmdk") var format: String?
    @Option(name: .customLong("backing-vol"), help: "the backing volume if taking a snapshot") var backingVol: String?
    @Option(name: .customLong("backing-vol-format"), help: "format of backing volume if taking a snapshot")
    var backingVolFormat: String?
    @Flag(name: .customLong("prealloc-metadata"), help: "preallocate metadata (for qcow2 instead of full allocation)")
    var preallocMetadata = false
    @Flag(name: .customLong("print-xml"), help: "print XML document, but don't define/create") var printXML = false

    static let order = ["pool", "name", "capacity", "allocation", "format", "backing-vol", "backing-vol-format"]

    func run() async throws {
        do throws(StorageError) {
            let v = try PositionalBinding(order: Self.order).bind(
                named: [
                    "pool": pool, "name": name, "capacity": capacity, "allocation": allocation, "format": format,
                    "backing-vol": backingVol, "backing-vol-format": backingVolFormat,
                ], positional: positional)
            _ = try PositionalBinding.require(v, "pool")
            var a = VolumeArguments(
                name: try PositionalBinding.require(v, "name"), capacity: try PositionalBinding.require(v, "capacity"))
            a.allocation = v["allocation"]
            a.format = v["format"]
            a.backingFormat = v["backing-vol-format"]
            if let backing = v["backing-vol"] {
                // Lookup by name or key needs the pool's host; a path stands for itself.
                guard backing.hasPrefix("/") else {
                    throw StorageError(
                        .noSuchVolume,
                        "failed to get vol '\(backing)': give the backing volume's absolute path in this release",
                        value: backing)
                }
                a.backingPath = backing
            }
            guard printXML else { throw HostNotYetAvailable.error(verb: "vol-create-as") }
            global.emit(try a.xml())
        } catch {
            throw fail(error, global)
        }
    }
}
