import ArgumentParser
import Foundation
import VirtStorage
import VirtStorageXML

/// Volume facts for --json.
struct VolumeJSON: Encodable {
    var name: String
    var pool: String
    var key: String?
    var path: String?
    var type: String
    var format: String?
    var capacity: UInt64
    var allocation: UInt64
    var physical: UInt64?
    var backingStore: String?

    init(_ v: StorageVolume) {
        name = v.name
        pool = v.pool
        key = v.key
        path = v.path
        type = v.definition.type.rawValue
        format = v.definition.target.format?.rawValue
        capacity = v.definition.capacity
        allocation = v.definition.allocation
        physical = v.definition.physical == 0 ? nil : v.definition.physical
        backingStore = v.definition.backingStore?.path
    }
}

struct VolCreate: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "vol-create", abstract: "create a vol from an XML file")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolArgument
    @Option(name: .customLong("file"), help: "file containing an XML vol description") var file: String
    @Flag(name: .customLong("prealloc-metadata"), help: "preallocate metadata (for qcow2 instead of full allocation)")
    var preallocMetadata = false
    @Flag(name: .customLong("validate"), help: "validate the XML against the schema") var validate = false

    func execute(_ host: StorageHost) async throws {
        let name = try await lookupPool(host, try pool.value()).name
        let xml = try readFile(file)
        let bar = ProgressBar("create")
        let vol = try await step("Failed to create vol from \(file)") {
            try await host.createVolume(
                in: name, xml: xml, validate: validate, preallocateMetadata: preallocMetadata, progress: bar.handler)
        }
        bar.finish()
        global.extra("Vol \(vol.name) created from \(file)\n")
    }
}

struct VolCreateFrom: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "vol-create-from", abstract: "create a vol, using another volume as input")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("pool"), help: "pool name or uuid") var pool: String?
    @Option(name: .customLong("file"), help: "file containing an XML vol description") var file: String?
    @Option(name: .customLong("vol"), help: "input vol name or key") var vol: String?
    @Option(name: .customLong("inputpool"), help: "pool name or uuid of the input volume's pool") var inputPool: String?
    @Flag(name: .customLong("prealloc-metadata"), help: "preallocate metadata (for qcow2 instead of full allocation)")
    var preallocMetadata = false
    @Flag(name: .customLong("reflink"), help: "use btrfs COW lightweight copy") var reflink = false
    @Flag(name: .customLong("validate"), help: "validate the XML against the schema") var validate = false

    func execute(_ host: StorageHost) async throws {
        let v = OptionValues.collect(["pool": pool, "file": file, "vol": vol, "inputpool": inputPool])
        let poolName = try await lookupPool(host, try OptionValues.require(v, "pool")).name
        let file = try OptionValues.require(v, "file")
        var input = ["vol": try OptionValues.require(v, "vol")]
        input["pool"] = v["inputpool"]
        // virsh finds the input volume before it reads the file.
        let source = try await VolumeArgument.lookup(host, input, poolOption: "inputpool")
        let xml = try readFile(file)
        let bar = ProgressBar("copy")
        let created = try await step("Failed to create vol from \(file)") {
            try await host.createVolume(
                in: poolName, xml: xml, from: source, validate: validate, preallocateMetadata: preallocMetadata,
                reflink: reflink, progress: bar.handler)
        }
        bar.finish()
        global.extra("Vol \(created.name) created from input vol \(source.name)\n")
    }
}

struct VolClone: HostCommand {
    static let configuration = CommandConfiguration(commandName: "vol-clone", abstract: "clone a volume.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("vol"), help: "orig vol name or key") var vol: String?
    @Option(name: .customLong("newname"), help: "clone name") var newName: String?
    @Option(name: .customLong("pool"), help: "pool name or uuid") var pool: String?
    @Flag(name: .customLong("prealloc-metadata"), help: "preallocate metadata (for qcow2 instead of full allocation)")
    var preallocMetadata = false
    @Flag(name: .customLong("reflink"), help: "use btrfs COW lightweight copy") var reflink = false
    @Flag(name: .customLong("print-xml"), help: "print XML document rather than clone the volume")
    var printXML = false
    @Option(name: .customLong("snapshot"), help: "(VirtStorage extension) clone the vol as it was at this snapshot")
    var snapshot: String?

    func execute(_ host: StorageHost) async throws {
        let v = OptionValues.collect(["vol": vol, "newname": newName, "pool": pool])
        let source = try await VolumeArgument.lookup(host, v)
        let newName = try OptionValues.require(v, "newname")
        if printXML {
            // The XML virsh would send: the source's, renamed, as libxml2 writes it.
            do {
                print(try XMLRewrite.settingText(newName, at: "/volume/name", in: source.xml), terminator: "")
            } catch {
                throw StorageError(.xmlError, error.message)
            }
            return global.extra("\n")
        }
        let bar = ProgressBar("clone")
        try await step("Failed to clone vol from \(source.name)") {
            if let snapshot {
                _ = try await host.cloneVolume(
                    source.name, in: source.pool, newName: newName, snapshot: snapshot, progress: bar.handler)
            } else {
                _ = try await host.cloneVolume(
                    source.name, in: source.pool, newName: newName, preallocateMetadata: preallocMetadata,
                    reflink: reflink, progress: bar.handler)
            }
        }
        if let snapshot {
            bar.finish()
            return global.extra("Vol \(newName) cloned from \(source.name) at snapshot \(snapshot)\n")
        }
        bar.finish()
        global.extra("Vol \(newName) cloned from \(source.name)\n")
    }
}

struct VolList: HostCommand {
    static let configuration = CommandConfiguration(commandName: "vol-list", abstract: "list vols")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolArgument
    @Flag(name: .customLong("details"), help: "display extended details for volumes") var details = false
    @Flag(name: .customLong("json"), help: "print as JSON") var asJSON = false

    func execute(_ host: StorageHost) async throws {
        let name = try await lookupPool(host, try pool.value()).name
        // Read one at a time from the pool's table: a million volumes are never definitions at once.
        let volumes = try await step("Failed to list volumes") { try await host.volumeListing(in: name) }
        if asJSON { return global.emit(jsonText(volumes.map(VolumeJSON.init))) }
        if !details {
            var table = Table(header: ["Name", "Path"])
            table.rows = volumes.map { [$0.name, $0.path ?? ""] }
            return global.emit(table)
        }
        var table = Table(header: ["Name", "Path", "Type", "Capacity", "Allocation"])
        table.rows = volumes.map {
            [
                $0.name, $0.path ?? "", $0.definition.type.rawValue, prettySize($0.definition.capacity),
                prettySize($0.definition.allocation),
            ]
        }
        global.emit(table)
    }
}

struct VolInfo: HostCommand {
    static let configuration = CommandConfiguration(commandName: "vol-info", abstract: "storage vol information")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var vol: VolumeArgument
    @Flag(name: .customLong("bytes"), help: "sizes are represented in bytes rather than pretty units") var bytes = false
    @Flag(name: .customLong("physical"), help: "return the physical size of the volume in allocation field")
    var physical = false
    @Flag(name: .customLong("json"), help: "print as JSON") var asJSON = false

    func execute(_ host: StorageHost) async throws {
        let v = try await VolumeArgument.lookup(host, vol.values())
        if asJSON { return global.emit(jsonText(VolumeJSON(v))) }
        let second = physical ? ("Physical:", v.definition.physical) : ("Allocation:", v.definition.allocation)
        var out = field("Name:", v.name) + field("Type:", v.definition.type.rawValue)
        for (label, value) in [("Capacity:", v.definition.capacity), second] {
            out += field(label, bytes ? "\(value) bytes" : prettySize(value))
        }
        global.emit(out)
    }
}

/// vol-dumpxml, vol-path, vol-key, vol-name: print one fact of a volume.
protocol VolumeFact: HostCommand {
    var vol: VolumeArgument { get }
    var json: JSONFlag { get }
    func fact(_ v: StorageVolume) throws -> String
    /// The option virsh's lookup error suggests, nil for a verb without --pool.
    static var poolOption: String? { get }
}

extension VolumeFact {
    static var poolOption: String? { "pool" }

    func execute(_ host: StorageHost) async throws {
        let v = try await VolumeArgument.lookup(host, vol.values(), poolOption: Self.poolOption)
        global.emit(json.enabled ? jsonText(VolumeJSON(v)) : try fact(v))
    }
}

struct VolDumpXML: VolumeFact {
    static let configuration = CommandConfiguration(commandName: "vol-dumpxml", abstract: "vol information in XML")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var vol: VolumeArgument
    @OptionGroup var json: JSONFlag
    @OptionGroup var query: XPathOptions

    func fact(_ v: StorageVolume) throws -> String { try query.render(v.xml) }
}

struct VolPath: VolumeFact {
    static let configuration = CommandConfiguration(
        commandName: "vol-path", abstract: "returns the volume path for a given volume name or key")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var vol: VolumeArgument
    @OptionGroup var json: JSONFlag

    func fact(_ v: StorageVolume) -> String { (v.path ?? "") + "\n" }
}

struct VolKey: VolumeFact {
    static let configuration = CommandConfiguration(
        commandName: "vol-key", abstract: "returns the volume key for a given volume name or path")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var vol: VolumeArgument
    @OptionGroup var json: JSONFlag

    func fact(_ v: StorageVolume) -> String { (v.key ?? "") + "\n" }
}

struct VolName: VolumeFact {
    static let configuration = CommandConfiguration(
        commandName: "vol-name", abstract: "returns the volume name for a given volume key or path")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var vol: VolumeArgument
    @OptionGroup var json: JSONFlag

    static var poolOption: String? { nil }

    func fact(_ v: StorageVolume) -> String { v.name + "\n" }
}

struct VolPool: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "vol-pool", abstract: "returns the storage pool for a given volume key or path")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var vol: VolumeArgument
    @OptionGroup var json: JSONFlag
    @Flag(name: .customLong("uuid"), help: "return the pool uuid rather than pool name") var uuid = false

    func execute(_ host: StorageHost) async throws {
        let v = try await VolumeArgument.lookup(host, vol.values(), poolOption: nil)
        let pool = try await host.pool(named: v.pool)
        if json.enabled { return global.emit(jsonText(PoolJSON(pool))) }
        global.emit((uuid ? StorageUUID.format(pool.uuid) : pool.name) + "\n")
    }
}

struct VolDelete: HostCommand {
    static let configuration = CommandConfiguration(commandName: "vol-delete", abstract: "delete a vol")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var vol: VolumeArgument
    @Flag(name: .customLong("delete-snapshots"), help: "delete snapshots associated with volume (rbd only)")
    var deleteSnapshots = false

    func execute(_ host: StorageHost) async throws {
        let values = vol.values()
        let v = try await VolumeArgument.lookup(host, values)
        try await step("Failed to delete vol \(values["vol"] ?? v.name)") {
            try await host.deleteVolume(v.name, in: v.pool, withSnapshots: deleteSnapshots)
        }
        global.extra("Vol \(values["vol"] ?? v.name) deleted\n")
    }
}

struct VolWipe: HostCommand {
    static let configuration = CommandConfiguration(commandName: "vol-wipe", abstract: "wipe a vol")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var vol: VolumeArgument
    @Option(name: .customLong("algorithm"), help: "perform selected wiping algorithm") var algorithm: String?

    func execute(_ host: StorageHost) async throws {
        let values = vol.values()
        let v = try await VolumeArgument.lookup(host, values)
        var chosen = WipeAlgorithm.zero
        if let algorithm {
            guard let a = WipeAlgorithm(rawValue: algorithm) else {
                throw CommandLineError(
                    "Unsupported algorithm '\(algorithm)'",
                    hint: "use \(WipeAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            chosen = a
        }
        let bar = ProgressBar("wipe")
        try await step("Failed to wipe vol \(values["vol"] ?? v.name)") {
            try await host.wipeVolume(v.name, in: v.pool, algorithm: chosen, progress: bar.handler)
        }
        bar.finish()
        global.extra("Vol \(values["vol"] ?? v.name) wiped\n")
    }
}

struct VolResize: HostCommand {
    static let configuration = CommandConfiguration(commandName: "vol-resize", abstract: "resize a vol")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var vol: VolumeArgument
    @Option(name: .customLong("capacity"), help: "new capacity for the vol, as scaled integer (default bytes)")
    var capacity: String?
    @Flag(name: .customLong("allocate"), help: "allocate the new capacity, rather than leaving it sparse")
    var allocate = false
    @Flag(name: .customLong("delta"), help: "use capacity as a delta to current size, rather than the new size")
    var delta = false
    @Flag(name: .customLong("shrink"), help: "allow the resize to shrink the volume") var shrink = false

    func execute(_ host: StorageHost) async throws {
        var values = vol.values()
        if let capacity { values["capacity"] = capacity }
        let v = try await VolumeArgument.lookup(host, values)
        let text = try OptionValues.require(values, "capacity")
        var number = text
        if number.hasPrefix("+") { number.removeFirst() }
        var delta = self.delta
        if number.hasPrefix("-") {
            // virsh's own check: its words, no prefix; a negative size is a delta.
            guard shrink else { throw CommandLineError("negative size requires --shrink") }
            number.removeFirst()
            delta = true
        }
        let bytes = try virshSize(number)
        var shown = text.drop { $0 == " " }
        if shown.hasPrefix("-") { shown = shown.dropFirst() }
        var options: ResizeOptions = []
        if delta { options.insert(.delta) }
        if shrink { options.insert(.shrink) }
        if allocate { options.insert(.allocate) }
        try await step(
            "Failed to change size of volume '\(v.name)' \(delta || text.hasPrefix("-") ? "by" : "to") \(shown)"
        ) { try await host.resizeVolume(v.name, in: v.pool, capacity: bytes, options: options) }
        global.extra(
            delta
                ? "Size of volume '\(v.name)' successfully changed by \(shown)\n"
                : "Size of volume '\(v.name)' successfully changed to \(shown)\n")
    }
}

/// vol-upload and vol-download share their arguments.
struct StreamArguments: ParsableArguments {
    @Option(name: .customLong("vol"), help: "vol name, key or path") var vol: String?
    @Option(name: .customLong("file"), help: "file") var file: String?
    @Option(name: .customLong("pool"), help: "pool name or uuid") var pool: String?
    @Option(name: .customLong("offset"), help: "volume offset to start at") var offset: UInt64 = 0
    @Option(name: .customLong("length"), help: "amount of data to transfer") var length: UInt64?
    @Flag(name: .customLong("sparse"), help: "preserve sparseness of volume") var sparse = false

    /// The length as libvirt reads it: 0, like no --length, means all of it.
    var amount: UInt64? { length == 0 ? nil : length }

    /// The volume, the local file, and the volume as typed (virsh's messages name it so).
    func resolve(_ host: StorageHost) async throws -> (StorageVolume, String, String) {
        let v = OptionValues.collect(["vol": vol, "file": file, "pool": pool])
        let volume = try await VolumeArgument.lookup(host, v)
        return (volume, try OptionValues.require(v, "file"), v["vol"] ?? volume.name)
    }
}

struct VolUpload: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "vol-upload", abstract: "upload file contents to a volume")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var stream: StreamArguments

    func execute(_ host: StorageHost) async throws {
        let (v, file, typed) = try await stream.resolve(host)
        // virsh opens the file first, and says only that it cannot.
        guard let fd = try? SystemCalls.open(file, O_RDONLY, "cannot read \(file)") else {
            throw CommandLineError("cannot read \(file)")
        }
        let st = (try? SystemCalls.fstat(fd, path: file, "cannot stat \(file)")) ?? stat()
        SystemCalls.close(fd)
        // What virsh's stream says when reading the file fails, or when the
        // file holds more than the --length the volume's stream accepts
        // (nothing is written then).
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw StepFailure(
                step: "cannot send data to volume \(typed)",
                error: StorageError(.systemError, "send handler failed: Is a directory", errno: EISDIR, path: file))
        }
        if let amount = stream.amount, (st.st_mode & S_IFMT) == S_IFREG, UInt64(st.st_size) > amount {
            throw StepFailure(
                step: "cannot close volume \(typed)",
                error: StorageError(.systemError, "cannot write to stream: No space left on device", errno: ENOSPC))
        }
        let bar = ProgressBar("upload")
        try await step("cannot upload to volume \(typed)") {
            try await host.uploadVolume(
                v.name, in: v.pool, from: file, offset: stream.offset, length: stream.amount, sparse: stream.sparse,
                progress: bar.handler)
        }
        bar.finish()
        if !global.quiet { print() }
    }
}

struct VolDownload: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "vol-download", abstract: "download volume contents to a file")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var stream: StreamArguments

    func execute(_ host: StorageHost) async throws {
        let (v, file, typed) = try await stream.resolve(host)
        // virsh creates the file first, and says only that it cannot.
        let existed = SystemCalls.exists(file)
        guard let fd = try? SystemCalls.open(file, O_WRONLY | O_CREAT, mode: 0o666, "cannot create \(file)") else {
            throw CommandLineError("cannot create \(file)")
        }
        SystemCalls.close(fd)
        let bar = ProgressBar("download")
        do {
            try await step("cannot download from volume \(typed)") {
                try await host.downloadVolume(
                    v.name, in: v.pool, to: file, offset: stream.offset, length: stream.amount, sparse: stream.sparse,
                    progress: bar.handler)
            }
        } catch {
            // As virsh: a file made for the download goes when it fails.
            if !existed { SystemCalls.removeIfPresent(file) }
            throw error
        }
        bar.finish()
        if !global.quiet { print() }
    }
}
