import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// The compact table of a pool's volumes gives back every definition it was
/// given, finds each by name, path and key through any series of changes,
/// and survives being saved and read back.
@Suite("volume tables")
struct VolumeTableTests {
    /// A definition with every field a refresh or a caller fills in, varied by `i`.
    static func volume(_ i: Int, prefix: String, rng: inout SplitMix) -> VolumeDefinition {
        let name = "vol-\(i)" + (i % 7 == 0 ? "-a-name-longer-than-fifteen-bytes.qcow2" : ".img")
        var v = VolumeDefinition(name: name, capacity: rng.next() % (1 << 40), allocation: rng.next() % (1 << 30))
        v.capacitySpecified = rng.next() % 2 == 0
        v.allocationSpecified = rng.next() % 2 == 0
        v.physical = rng.next() % (1 << 40)
        v.type = VolumeType.allCases[Int(rng.next() % UInt64(VolumeType.allCases.count))]
        switch i % 4 {
        case 0: v.target.path = prefix + name
        case 1: v.target.path = "/elsewhere/" + name
        case 2: v.target.path = nil
        default: v.target.path = prefix + name + "x"
        }
        v.key = i % 3 == 0 ? v.target.path : (i % 3 == 1 ? "key-\(i)" : nil)
        v.target.format = i % 5 == 0 ? nil : VolumeFormat(["raw", "qcow2", "iso", "dir", ""][i % 5])
        if i % 6 != 0 {
            v.target.permissions = Permissions(
                mode: i % 2 == 0 ? 0o640 : nil, owner: UInt32(i), group: i % 3 == 0 ? nil : 107,
                label: i % 8 == 0 ? "system_u:object_r:virt_image_t:s0" : nil)
        }
        if i % 9 != 0 {
            v.target.timestamps = VolumeTimestamps(
                atime: .init(seconds: Int64(rng.next() % 1_000_000_000), nanoseconds: Int64(rng.next() % 1_000_000_000)),
                mtime: .init(seconds: -5, nanoseconds: 7), ctime: i % 2 == 0 ? nil : .init(seconds: 1_700_000_000),
                btime: i % 3 == 0 ? .init(seconds: 0) : nil)
        }
        if i % 7 == 0 {
            v.target.compat = "1.1"
            v.target.clusterSize = 65536
            v.target.features = i % 14 == 0 ? [] : [.lazyRefcounts, .extendedL2]
        }
        v.target.noCopyOnWrite = i % 11 == 0
        // What a record does not hold: the definition is kept whole.
        if i % 13 == 0 { v.backingStore = VolumeTarget(path: "/base.qcow2", format: .qcow2) }
        if i % 17 == 0 {
            v.sourceExtents = [.init(devicePath: "/dev/sdb", extent: Extent(start: 1 << 20, end: 2 << 20))]
        }
        return v
    }

    @Test func everyDefinitionComesBackAsItWasGiven() {
        var rng = SplitMix(seed: 7)
        let prefix = "/var/lib/pool/"
        var table = VolumeTable(pathPrefix: prefix)
        let volumes = (0..<500).map { Self.volume($0, prefix: prefix, rng: &rng) }
        for v in volumes { table.updateValue(v) }
        #expect(table.count == volumes.count)
        for v in volumes { #expect(table[v.name] == v) }
        #expect(Set(table.names) == Set(volumes.map(\.name)))
        #expect(table.values.sorted { $0.name < $1.name } == volumes.sorted { $0.name < $1.name })
    }

    @Test(arguments: [1, 2, 3])
    func changesKeepTheIndexRight(seed: UInt64) {
        var rng = SplitMix(seed: seed)
        let prefix = "/pool/"
        var table = VolumeTable(pathPrefix: prefix)
        var model: [String: VolumeDefinition] = [:]
        for step in 0..<4000 {
            let i = Int(rng.next() % 600)
            switch rng.next() % 3 {
            case 0, 1:
                let v = Self.volume(i, prefix: prefix, rng: &rng)
                #expect(table.updateValue(v) == model.updateValue(v, forKey: v.name))
            default:
                let name = Self.volume(i, prefix: prefix, rng: &rng).name
                #expect(table.removeValue(named: name) == model.removeValue(forKey: name))
            }
            if step % 500 == 0 {
                #expect(table.isConsistent)
                for (name, v) in model { #expect(table[name] == v) }
            }
        }
        #expect(table.count == model.count)
        for (name, v) in model {
            #expect(table[name] == v)
            if let path = v.target.path { #expect(table.volume(atPath: path)?.target.path == path) }
        }
        var keys: [String: String] = [:]
        table.forEachKey { key, name in keys[key] = name }
        for (name, v) in model where v.key != nil { #expect(table[keys[v.key!] ?? ""]?.key == v.key, "\(name)") }
        #expect(table["absent"] == nil)
    }

    @Test func aSavedTableReadsBackTheSame() throws {
        let scratch = Scratch("volume-table-file")
        var rng = SplitMix(seed: 3)
        let prefix = "/pool/"
        var table = VolumeTable(pathPrefix: prefix)
        for i in 0..<300 { table.updateValue(Self.volume(i, prefix: prefix, rng: &rng)) }
        for i in stride(from: 0, to: 300, by: 4) { table.removeValue(named: Self.volume(i, prefix: prefix, rng: &rng).name) }
        table.observedAt = 1_700_000_000_123_456_789
        let path = scratch.sub("t.volumes")
        try VolumeTableFile.write(table, to: path)
        let read = try #require(VolumeTableFile.read(path))
        #expect(read.pathPrefix == prefix)
        #expect(read.observedAt == table.observedAt)
        #expect(!read.isModified)
        #expect(read.values.sorted { $0.name < $1.name } == table.values.sorted { $0.name < $1.name })
        for name in table.names { #expect(read.position(of: name) != nil) }
        // An empty table too.
        try VolumeTableFile.write(VolumeTable(), to: path)
        #expect(VolumeTableFile.read(path)?.isEmpty == true)
        // Anything but a whole table is not read: a flipped bit anywhere, a cut, garbage.
        try VolumeTableFile.write(table, to: path)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        for _ in 0..<40 {
            var damaged = bytes
            let at = Int(rng.next() % UInt64(bytes.count))
            damaged[at] ^= UInt8(1 << (rng.next() % 8))
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            #expect(VolumeTableFile.read(path) == nil, "bit flipped at \(at)")
        }
        try Data(bytes.dropLast()).write(to: URL(fileURLWithPath: path))
        #expect(VolumeTableFile.read(path) == nil)
        try Data("not a table".utf8).write(to: URL(fileURLWithPath: path))
        #expect(VolumeTableFile.read(path) == nil)
        #expect(VolumeTableFile.read(scratch.sub("absent")) == nil)
    }

    /// virsh sorts with strcasecmp: these are the orders virsh 9.0 printed
    /// for these names (vol-list of files made with touch, pool-list).
    @Test func volumesAndPoolsAreListedInVirshOrder() async throws {
        let scratch = Scratch("virsh-order")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        let dir = scratch.sub("pool")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in ["B.img", "a.img", "C.img", "_x.img", "Zz.img", "é.img", "b.img"] {
            #expect(FileManager.default.createFile(atPath: dir + "/" + name, contents: nil))
        }
        _ = try await host.create(xml: "<pool type='dir'><name>Zp</name><target><path>\(dir)</path></target></pool>")
        _ = try await host.create(xml: "<pool type='dir'><name>ap</name><target><path>\(scratch.sub("other"))</path></target></pool>", build: .normal)
        let order = ["_x.img", "a.img", "B.img", "b.img", "C.img", "Zz.img", "é.img"]
        #expect(try await host.volumes(in: "Zp").map(\.name) == order)
        let listing = try await host.volumeListing(in: "Zp")
        #expect(listing.indices.map { listing.name(at: $0) } == order)
        #expect(listing.map(\.path) == order.map { dir + "/" + $0 })
        #expect(await host.pools().map(\.name) == ["ap", "Zp"])
    }
}
