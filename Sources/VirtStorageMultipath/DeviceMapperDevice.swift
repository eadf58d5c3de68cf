import VirtStorage

/// One target line of a device-mapper table: `length` sectors from `start`,
/// mapped by target type `type` ("linear", "multipath", "crypt") with its parameters.
public struct DeviceMapperTarget: Sendable, Equatable {
    public var start: UInt64
    public var length: UInt64
    public var type: String
    public var parameters: String

    public init(start: UInt64, length: UInt64, type: String, parameters: String) {
        self.start = start
        self.length = length
        self.type = type
        self.parameters = parameters
    }
}

/// A device-mapper device as libdevmapper reports it: its name under
/// /dev/mapper, its minor number (it is /dev/dm-MINOR) and its table.
public struct DeviceMapperDevice: Sendable, Equatable {
    public var name: String
    public var minor: UInt32
    public var targets: [DeviceMapperTarget]

    public init(name: String, minor: UInt32, targets: [DeviceMapperTarget]) {
        self.name = name
        self.minor = minor
        self.targets = targets
    }

    /// A multipath map: its (first) target is of type "multipath", as libvirt decides.
    public var isMultipath: Bool { targets.first?.type == "multipath" }

    /// The table's sectors, in bytes.
    public var size: UInt64 { targets.reduce(0) { $0 + $1.length } * 512 }
}

/// Where the device-mapper devices of a host come from: libdevmapper
/// (`LibDeviceMapper`), or recorded tables in tests.
public protocol DeviceMapperSource: Sendable {
    /// Every device-mapper device with its table.
    func devices() throws(StorageError) -> [DeviceMapperDevice]
}

/// The text of `dmsetup table` (one "NAME: START LENGTH TYPE PARAMS" line per
/// target) and the minor number of each name (`dmsetup info -c`, or the
/// /dev/mapper link to ../dm-N): the form recorded tables come in, read into
/// the same devices libdevmapper gives.
public struct DeviceMapperTableText: DeviceMapperSource {
    public let table: String
    /// Name → minor number.
    public let minors: [String: UInt32]

    public init(table: String, minors: [String: UInt32]) {
        self.table = table
        self.minors = minors
    }

    public func devices() throws(StorageError) -> [DeviceMapperDevice] {
        var order: [String] = []
        var targets: [String: [DeviceMapperTarget]] = [:]
        for line in table.split(separator: "\n") where !line.allSatisfy(\.isWhitespace) {
            guard let colon = line.range(of: ": ") else { throw Self.malformed(line) }
            let name = String(line[..<colon.lowerBound])
            let target = try Self.target(line[colon.upperBound...])
            if targets[name] == nil { order.append(name) }
            targets[name, default: []].append(target)
        }
        return try order.map { name throws(StorageError) in
            guard let minor = minors[name] else {
                throw StorageError(.internalError, "no minor number for device-mapper device '\(name)'", value: name)
            }
            return DeviceMapperDevice(name: name, minor: minor, targets: targets[name]!)
        }
    }

    /// "START LENGTH TYPE PARAMS" (the form dm_get_next_target splits too).
    static func target(_ text: Substring) throws(StorageError) -> DeviceMapperTarget {
        let fields = text.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
        guard fields.count >= 3, let start = UInt64(fields[0]), let length = UInt64(fields[1]) else {
            throw malformed(text)
        }
        return DeviceMapperTarget(
            start: start, length: length, type: String(fields[2]), parameters: fields.count > 3 ? String(fields[3]) : ""
        )
    }

    static func malformed(_ line: Substring) -> StorageError {
        StorageError(.internalError, "malformed device-mapper table line '\(line)'", value: String(line))
    }
}
