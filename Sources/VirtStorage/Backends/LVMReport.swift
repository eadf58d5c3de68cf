import Foundation

/// The lvm2 commands of the logical backend, built as argv arrays. Reports are
/// asked for as JSON (`--reportformat json`, lvm2 >= 2.02.158) with sizes in
/// bytes and no unit suffix, so nothing is split out of a text table.
public enum LVMCommand {
    /// The lvs fields libvirt reads, in its order (lv_uuid and lv_size are the
    /// full names of its "uuid" and "size").
    static let lvFields = "lv_name,origin,lv_uuid,devices,segtype,stripes,seg_size,vg_extent_size,lv_size,lv_attr"

    static let report = ["--reportformat", "json", "--units", "b", "--nosuffix"]

    /// Every segment of every LV in `vg` (or of the one LV `vg/lv`).
    public static func lvs(_ target: String) -> Command {
        Command("lvs", report + ["--options", lvFields, target])
    }

    public static func vgs(_ vg: String) -> Command {
        Command("vgs", report + ["--options", "vg_name,vg_size,vg_free,vg_extent_size", vg])
    }

    /// Every physical volume and its VG ("" for a PV in no VG).
    public static func pvs() -> Command {
        Command("pvs", ["--reportformat", "json", "--options", "pv_name,vg_name"])
    }

    public static func vgscan() -> Command { Command("vgscan") }

    /// The signatures on a device, listed without erasing (wipefs without -a).
    public static func probe(_ device: String) -> Command { Command("wipefs", ["--json", device]) }

    /// Erases every signature (filesystem, partition table, PV label) on a device.
    public static func wipeSignatures(_ device: String) -> Command { Command("wipefs", ["--all", device]) }

    public static func pvcreate(_ device: String) -> Command { Command("pvcreate", [device]) }
    public static func pvremove(_ device: String) -> Command { Command("pvremove", [device]) }
    public static func vgcreate(_ vg: String, _ devices: [String]) -> Command { Command("vgcreate", [vg] + devices) }
    public static func vgremove(_ vg: String) -> Command { Command("vgremove", ["-f", vg]) }

    /// libvirt's lvcreate: `-L` in KiB rounded up; a volume whose allocation is
    /// below its capacity becomes a sparse snapshot with a virtual size; a
    /// volume with a backing store is a snapshot of it (`-s ORIGIN`).
    public static func lvcreate(
        name: String, capacity: UInt64, allocation: UInt64, vg: String, backingPath: String? = nil
    ) -> Command {
        var args = ["--name", name, "-L"]
        if capacity != allocation {
            args += [kib(allocation == 0 ? 1 : allocation), "--type", "snapshot", "--virtualsize"]
        }
        args.append(kib(capacity))
        if let backingPath { args += ["-s", backingPath] } else { args.append(vg) }
        args.append("--yes")
        return Command("lvcreate", args)
    }

    public static func lvremove(_ path: String) -> Command { Command("lvremove", ["-f", path]) }
    public static func lvchangeDeactivate(_ path: String) -> Command { Command("lvchange", ["-aln", path]) }

    /// New size in KiB rounded up, as lvcreate; shrinking needs -f (lvm asks otherwise).
    public static func lvresize(_ path: String, to capacity: UInt64, shrink: Bool) -> Command {
        Command("lvresize", (shrink ? ["-f"] : []) + ["-L", kib(capacity), path])
    }

    static func kib(_ bytes: UInt64) -> String { "\(ByteCount.kibibytesRoundedUp(bytes))K" }
}

/// lvm2's JSON reports (`{"report": [{"lv": [...]}]}`), every value a string.
enum LVMReport {
    struct LVRow: Decodable, Equatable {
        var lv_name: String
        var origin: String
        var lv_uuid: String
        var devices: String
        var segtype: String
        var stripes: String
        var seg_size: String
        var vg_extent_size: String
        var lv_size: String
        var lv_attr: String
    }

    struct VGRow: Decodable, Equatable {
        var vg_name: String
        var vg_size: String
        var vg_free: String
    }

    struct PVRow: Decodable, Equatable {
        var pv_name: String
        var vg_name: String
    }

    private struct Document<Row: Decodable>: Decodable {
        struct Section: Decodable {
            var lv: [Row]?
            var vg: [Row]?
            var pv: [Row]?
        }
        var report: [Section]
    }

    static func rows<Row: Decodable>(_ json: String, _ tool: String) throws(StorageError) -> [Row] {
        do {
            let document = try JSONDecoder().decode(Document<Row>.self, from: Data(json.utf8))
            return document.report.flatMap { ($0.lv ?? []) + ($0.vg ?? []) + ($0.pv ?? []) }
        } catch {
            throw StorageError(
                .internalError, "cannot read the JSON report of \(tool): \(error)",
                value: String(json.prefix(200)))
        }
    }

    static func number(_ text: String, _ what: String) throws(StorageError) -> UInt64 {
        guard let value = UInt64(text) else {
            throw StorageError(.internalError, "malformed \(what) value '\(text)' in an lvm report", value: text)
        }
        return value
    }

    /// What the fifth lv_attr character (state) lets through. libvirt keeps only
    /// 'a' (active). Here 'X' (unknown) is kept too: with activation disabled,
    /// or without device-mapper, lvm cannot tell the state of any LV, and the
    /// LV exists in the VG metadata all the same. '-' (inactive) and the
    /// suspended/invalid states are skipped as libvirt skips them.
    static func isListed(_ attr: String) -> Bool {
        let chars = Array(attr)
        guard chars.count >= 5 else { return false }
        // Thin pools have no device of their own (libvirt skips them too).
        if chars[0] == "t" { return false }
        return chars[4] == "a" || chars[4] == "X"
    }

    /// Snapshots made with --virtualsize ('s') are sparse, as in libvirt;
    /// thin volumes ('V') are too: writing all of one allocates all of it.
    static func isSparse(_ attr: String) -> Bool { attr.first == "s" || attr.first == "V" }

    /// The `devices` field of a segment: "PATH(START)[,PATH(START)...]", one
    /// entry per stripe, START in extents. lvm2 2.03's JSON gives it as one
    /// string (the array form `json_std` came later), so it is read here by
    /// its grammar: each entry ends in "(digits)".
    static func devices(_ field: String) throws(StorageError) -> [(path: String, start: UInt64)] {
        var result: [(String, UInt64)] = []
        var rest = Substring(field)
        while !rest.isEmpty {
            guard let open = rest.firstIndex(of: "("), let close = rest[open...].firstIndex(of: ")"),
                let start = UInt64(rest[rest.index(after: open)..<close]), open > rest.startIndex
            else {
                throw StorageError(
                    .internalError, "malformed volume extent devices value", value: field, hint: "'\(field)'")
            }
            result.append((String(rest[..<open]), start))
            rest = rest[rest.index(after: close)...]
            if rest.first == "," { rest = rest.dropFirst() }
        }
        guard !result.isEmpty else {
            throw StorageError(
                .internalError, "malformed volume extent devices value", value: field, hint: "'\(field)'")
        }
        return result
    }

    /// The pool's volumes from the rows of `lvs`: one volume per LV UUID, its
    /// extents in segment order. `targetPath` is the pool's /dev/VG.
    static func volumes(_ rows: [LVRow], targetPath: String) throws(StorageError) -> [VolumeDefinition] {
        var volumes: [VolumeDefinition] = []
        var index: [String: Int] = [:]
        for row in rows where isListed(row.lv_attr) {
            let position: Int
            if let known = index[row.lv_uuid] {
                position = known
            } else {
                var volume = VolumeDefinition(name: row.lv_name)
                volume.type = .block
                volume.key = row.lv_uuid
                volume.target.path = targetPath + "/" + row.lv_name
                // Without an open device to measure, the capacity is the LV's
                // size; libvirt's allocation is the same lv_size column.
                volume.capacity = try number(row.lv_size, "volume size")
                volume.allocation = volume.capacity
                // "[name_vorigin]" is lvm's hidden origin of a --virtualsize snapshot.
                if !row.origin.isEmpty && !row.origin.hasPrefix("[") {
                    volume.backingStore = VolumeTarget(path: targetPath + "/" + row.origin)
                }
                position = volumes.count
                index[row.lv_uuid] = position
                volumes.append(volume)
            }
            volumes[position].sourceExtents += try extents(row)
        }
        return volumes
    }

    /// The extents of one segment row. The segment's size is split over its
    /// stripes (libvirt gives every stripe the whole segment size; a striped
    /// segment of N stripes takes seg_size/N bytes on each device).
    static func extents(_ row: LVRow) throws(StorageError) -> [VolumeDefinition.SourceExtent] {
        // Thin volumes have no devices of their own (libvirt's regex, which
        // wants a non-empty field, drops them altogether; they are listed here).
        if row.devices.isEmpty { return [] }
        let extentSize = try number(row.vg_extent_size, "volume extent size")
        let segmentSize = try number(row.seg_size, "volume extent length")
        let devices = try devices(row.devices)
        let striped = row.segtype == "striped" || row.segtype == "mirror" || row.segtype.hasPrefix("raid")
        let stripes = striped ? try number(row.stripes, "volume extent stripes") : 1
        guard stripes >= 1, !striped || stripes == UInt64(devices.count) else {
            throw StorageError(
                .internalError, "malformed volume extent stripes value", value: row.stripes,
                hint: "'\(row.stripes)' for '\(row.devices)'")
        }
        let length = row.segtype == "striped" ? segmentSize / stripes : segmentSize
        return devices.map { device in
            let start = device.start * extentSize
            return .init(devicePath: device.path, extent: Extent(start: start, end: start + length))
        }
    }
}
