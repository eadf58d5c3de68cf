/// Parsers of the scripted output of OpenZFS's tools, `-H -p`: one line per
/// row, fields separated by a single tab, numbers as exact byte counts
/// (zfs(8), zpool(8)). zfs-fuse rejects `-p`, so its human units never reach here.
public enum ZFSOutput {
    /// A zpool's state from `zpool get -Hp health,size,free,allocated POOL`.
    public struct PoolProperties: Sendable, Equatable {
        public var health: String
        public var sizes: PoolSizes
    }

    /// One line of `zfs list -Hp -o name,volsize,refreservation`.
    public struct VolumeRow: Sendable, Equatable {
        public var name: String
        public var volsize: UInt64
        public var refreservation: UInt64
    }

    /// Parses `zpool get -Hp` lines: name, property, value, source.
    public static func poolProperties(_ text: String, zpool: String) throws(StorageError) -> PoolProperties {
        var health: String?
        var sizes = PoolSizes(capacity: 0, allocation: 0, available: 0)
        for line in lines(text) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 4, fields[0] == zpool else { continue }
            let value = String(fields[2])
            switch fields[1] {
            case "health": health = value
            case "size": sizes.capacity = try number(value, "size", of: zpool)
            case "free": sizes.available = try number(value, "free", of: zpool)
            case "allocated": sizes.allocation = try number(value, "allocated", of: zpool)
            default: break
            }
        }
        guard let health else {
            throw StorageError(.internalError, "zpool get reported no health for '\(zpool)'", value: zpool)
        }
        return PoolProperties(health: health, sizes: sizes)
    }

    /// Parses `zfs list -Hp -o name,volsize,refreservation` lines.
    public static func volumes(_ text: String) throws(StorageError) -> [VolumeRow] {
        var rows: [VolumeRow] = []
        for line in lines(text) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 else {
                throw StorageError(.internalError, "malformed zfs list line '\(line)'", value: String(line))
            }
            rows.append(
                VolumeRow(
                    name: fields[0], volsize: try number(fields[1], "volsize", of: fields[0]),
                    refreservation: try number(fields[2], "refreservation", of: fields[0])))
        }
        return rows
    }

    /// Parses `zfs list -Hp -t snapshot -o name,used,referenced,creation` lines.
    public static func snapshots(_ text: String) throws(StorageError) -> [ZFSSnapshot] {
        var snapshots: [ZFSSnapshot] = []
        for line in lines(text) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4, let at = fields[0].firstIndex(of: "@") else {
                throw StorageError(.internalError, "malformed zfs snapshot line '\(line)'", value: String(line))
            }
            snapshots.append(
                ZFSSnapshot(
                    dataset: String(fields[0][..<at]), name: String(fields[0][fields[0].index(after: at)...]),
                    used: try number(fields[1], "used", of: fields[0]),
                    referenced: try number(fields[2], "referenced", of: fields[0]),
                    creation: try number(fields[3], "creation", of: fields[0])))
        }
        return snapshots
    }

    static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n").map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }.filter { !$0.isEmpty }
    }

    /// An exact number; "none" and "-" (no value) count as 0.
    static func number(_ value: String, _ property: String, of name: String) throws(StorageError) -> UInt64 {
        if value == "none" || value == "-" { return 0 }
        guard let number = UInt64(value) else {
            // libvirt's words ("malformed volsize reported"); the value and dataset in the hint.
            throw StorageError(
                .internalError, "malformed \(property) reported", value: value,
                hint: "'\(value)' for '\(name)' (zfs -p gives bytes)")
        }
        return number
    }
}

/// A snapshot of a zvol, as `zfs list -t snapshot` reports it.
public struct ZFSSnapshot: Sendable, Equatable, Hashable {
    /// The snapshotted dataset, `POOL/VOL`.
    public var dataset: String
    /// The part after `@`.
    public var name: String
    /// Bytes only this snapshot holds.
    public var used: UInt64
    /// Bytes of the zvol as it was.
    public var referenced: UInt64
    /// Creation time, seconds since the epoch.
    public var creation: UInt64

    public init(dataset: String, name: String, used: UInt64, referenced: UInt64, creation: UInt64) {
        self.dataset = dataset
        self.name = name
        self.used = used
        self.referenced = referenced
        self.creation = creation
    }

    /// `POOL/VOL@NAME`.
    public var fullName: String { dataset + "@" + name }
}
