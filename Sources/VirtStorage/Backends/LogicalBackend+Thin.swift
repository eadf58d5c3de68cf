import Foundation

/// Thin LVM in a logical pool (VirtStorage beyond libvirt): a pool whose XML
/// names a thin pool of its volume group (`<vs:thinpool name='…'/>`) makes its
/// new volumes thin volumes of it, may give them capacities above the free
/// space, reports their allocation from the thin pool's data usage, and keeps
/// snapshots of them as thin snapshots (see `LogicalBackend+Snapshots.swift`).
extension LVMCommand {
    /// libvirt's fields, then what thin volumes and snapshots need.
    static let thinFields = lvFields + ",pool_lv,data_percent,lv_tags,lv_time"

    /// Every segment of every LV in `target` (a VG, or `VG/LV`) with the thin fields.
    static func thinLVs(_ target: String) -> Command {
        Command("lvs", report + ["--options", thinFields, target])
    }

    /// A thin volume: `lvcreate --name N --virtualsize SIZE --thinpool POOL VG`.
    static func lvcreateThin(name: String, capacity: UInt64, thinPool: String, vg: String) -> Command {
        Command("lvcreate", ["--name", name, "--virtualsize", kib(capacity), "--thinpool", thinPool, vg, "--yes"])
    }

    /// A snapshot of a thin volume: read-only, skipped when the VG is
    /// activated (lvm's default for thin snapshots), labelled with `tags`.
    static func thinSnapshot(of origin: String, name: String, tags: [String]) -> Command {
        Command(
            "lvcreate",
            ["--snapshot", "--name", name, "--permission", "r"] + tags.flatMap { ["--addtag", $0] } + ["--yes", origin])
    }

    /// A writable thin snapshot that activates as any LV: a clone of a
    /// snapshot, a volume reverted to one, or a volume backed by another.
    static func thinCopy(of origin: String, name: String) -> Command {
        Command(
            "lvcreate", ["--snapshot", "--name", name, "--setactivationskip", "n", "--permission", "rw", "--yes", origin])
    }

    static func deleteTags(_ tags: [String], of lv: String) -> Command {
        Command("lvchange", tags.flatMap { ["--deltag", $0] } + [lv])
    }

    static func lvrename(_ vg: String, _ from: String, _ to: String) -> Command { Command("lvrename", [vg, from, to]) }

    /// The thin pool of a pool being built, over the volume group's free
    /// space; lvm sizes its metadata LV and spare itself.
    static func thinPoolCreate(_ name: String, vg: String) -> Command {
        Command("lvcreate", ["--type", "thin-pool", "--extents", "100%FREE", "--name", name, vg, "--yes"])
    }
}

extension LVMReport {
    /// The thin fields of an LV's row.
    struct ThinRow: Decodable, Equatable {
        var lv_name: String
        var lv_uuid: String
        var lv_size: String
        var lv_attr: String
        var segtype: String
        var pool_lv: String
        /// Percent of the LV's size mapped in its pool, two decimals; empty
        /// where lvm cannot tell (the pool is not active).
        var data_percent: String
        /// Comma-separated, in lvm's order.
        var lv_tags: String
        /// "YYYY-MM-DD hh:mm:ss +zzzz".
        var lv_time: String

        var tags: [String] { lv_tags.split(separator: ",").map(String.init) }
        var isThinPool: Bool { segtype == "thin-pool" }
        var isThinVolume: Bool { segtype == "thin" }
        /// lv_attr's sixth character: the device is open.
        var isOpen: Bool { lv_attr.count >= 6 && Array(lv_attr)[5] == "o" }

        /// `data_percent` of `lv_size` in bytes, nil where lvm reports none.
        func mappedBytes() throws(StorageError) -> UInt64? {
            guard !data_percent.isEmpty else { return nil }
            guard let percent = Decimal(string: data_percent, locale: Locale(identifier: "en_US_POSIX")),
                percent >= 0, percent <= 100
            else {
                throw StorageError(
                    .internalError, "malformed data percent value '\(data_percent)' in an lvm report",
                    value: data_percent)
            }
            let size = try LVMReport.number(lv_size, "volume size")
            let bytes = Decimal(size) * percent / 100
            return NSDecimalNumber(decimal: bytes).uint64Value
        }

        /// lv_time as a date.
        var created: Date? {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss Z"
            return formatter.date(from: lv_time)
        }
    }
}

extension LogicalBackend {
    /// The rows of every LV of the pool's volume group (or of `VG/LV`), both as
    /// libvirt's fields and as the thin ones.
    func thinReport(_ target: String) async throws(StorageError) -> (rows: [LVMReport.LVRow], thin: [LVMReport.ThinRow]) {
        let json = try await run(LVMCommand.thinLVs(target)).stdout
        return (try LVMReport.rows(json, "lvs"), try LVMReport.rows(json, "lvs"))
    }

    /// The volumes of a pool with a thin pool: every LV libvirt would list
    /// but the snapshots VirtStorage keeps, thin volumes with the bytes their
    /// pool has mapped for them as allocation (their size where lvm cannot tell).
    func thinVolumes(_ target: String, pool: PoolDefinition) async throws(StorageError) -> [VolumeDefinition] {
        let (rows, thin) = try await thinReport(target)
        let snapshots = thin.filter { ThinSnapshotTags($0.tags) != nil }
        let hidden = Set(snapshots.map(\.lv_uuid))
        let targetPath = try Self.targetPath(pool)
        let snapshotPaths = Set(snapshots.map { targetPath + "/" + $0.lv_name })
        var volumes = try LVMReport.volumes(rows.filter { !hidden.contains($0.lv_uuid) }, targetPath: targetPath)
        let thinByKey = Dictionary(thin.map { ($0.lv_uuid, $0) }, uniquingKeysWith: { first, _ in first })
        for index in volumes.indices {
            guard let row = volumes[index].key.flatMap({ thinByKey[$0] }), row.isThinVolume else { continue }
            if let mapped = try row.mappedBytes() { volumes[index].allocation = mapped }
            // A clone of a snapshot, or a reverted volume, owes it nothing: thin LVs share blocks, not data.
            if let backing = volumes[index].backingStore?.path, snapshotPaths.contains(backing) {
                volumes[index].backingStore = nil
            }
        }
        return volumes
    }

    /// The sizes of a pool with a thin pool are the thin pool's: its data
    /// LV's size, the bytes mapped in it (none where lvm cannot tell, as for
    /// an inactive pool), and the rest.
    func thinPoolSizes(_ pool: PoolDefinition, thinPool: String) async throws(StorageError) -> PoolSizes {
        let row = try await thinPoolRow(pool, thinPool: thinPool)
        let capacity = try LVMReport.number(row.lv_size, "thin pool size")
        let used = min(try row.mappedBytes() ?? 0, capacity)
        return PoolSizes(capacity: capacity, allocation: used, available: capacity - used)
    }

    /// The thin pool's own row; refused when the volume group has no thin
    /// pool of that name.
    func thinPoolRow(_ pool: PoolDefinition, thinPool: String) async throws(StorageError) -> LVMReport.ThinRow {
        let vg = try Self.volumeGroup(pool)
        let output = try await runner.capture(with(LVMCommand.thinLVs(vg + "/" + thinPool)))
        let rows: [LVMReport.ThinRow] = output.status == 0 ? try LVMReport.rows(output.stdout, "lvs") : []
        guard let row = rows.first(where: { $0.lv_name == thinPool }), row.isThinPool else {
            throw StorageError(
                .operationInvalid, "volume group '\(vg)' has no thin pool '\(thinPool)'", element: "vs:thinpool",
                value: thinPool,
                hint: rows.isEmpty
                    ? "build the pool (pool-build makes it), or make it: lvcreate --type thin-pool -L SIZE -n \(thinPool) \(vg)"
                    : "'\(thinPool)' is an LV of type \(rows[0].segtype), not a thin pool")
        }
        return row
    }
}

/// The tags that make a thin LV a VirtStorage snapshot: the volume it was
/// taken of, its name, and its description in hex (tags allow only
/// `[A-Za-z0-9_+.-/=!:&#]`, at most 1024 bytes).
struct ThinSnapshotTags: Equatable {
    static let volumePrefix = "virtstorage-snapshot-of:"
    static let namePrefix = "virtstorage-snapshot:"
    static let descriptionPrefix = "virtstorage-description:"
    /// The longest description that fits a tag as hex.
    static let longestDescription = (1024 - descriptionPrefix.utf8.count) / 2

    var volume: String
    var name: String
    var description: String?

    init(volume: String, name: String, description: String?) {
        self.volume = volume
        self.name = name
        self.description = description
    }

    /// Read from an LV's tags; nil unless both the volume and the name are there.
    init?(_ tags: [String]) {
        func value(_ prefix: String) -> String? { tags.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) } }
        guard let volume = value(Self.volumePrefix), let name = value(Self.namePrefix) else { return nil }
        self.volume = volume
        self.name = name
        description = value(Self.descriptionPrefix).flatMap(Self.unhex)
    }

    var tags: [String] {
        [Self.volumePrefix + volume, Self.namePrefix + name]
            + (description.map { [Self.descriptionPrefix + Self.hex($0)] } ?? [])
    }

    static func hex(_ text: String) -> String { text.utf8.map { String(format: "%02x", $0) }.joined() }

    static func unhex(_ text: String) -> String? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
