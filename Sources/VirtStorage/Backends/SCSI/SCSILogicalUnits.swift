import Foundation

/// The logical units of one SCSI host as volumes, the way libvirt's scsi and
/// iscsi pools list them: every disk or CD-ROM LUN under
/// /sys/bus/scsi/devices/HOST:BUS:TARGET:LUN with a block device, named
/// "unit:BUS:TARGET:LUN", at its stable path in the pool's target directory
/// (/dev/disk/by-path, /dev/disk/by-id) and keyed by the SCSI serial number
/// that /lib/udev/scsi_id reports.
public struct SCSILogicalUnits: Sendable {
    static let devicesPath = "/sys/bus/scsi/devices"
    /// SCSI peripheral device types libvirt makes volumes of.
    static let diskType = 0
    static let romType = 5
    static let scsiID = "/lib/udev/scsi_id"

    public let sysfs: SysfsTree
    public let runner: CommandRunning

    public init(sysfs: SysfsTree, runner: CommandRunning) {
        self.sysfs = sysfs
        self.runner = runner
    }

    /// One LUN's address and block device ("sda").
    struct Unit: Equatable {
        var bus: UInt32, target: UInt32, lun: UInt32
        var device: String
        var name: String { "unit:\(bus):\(target):\(lun)" }
    }

    /// `scsi_id` asks for the serial number; `--export` (NPIV LUNs, whose
    /// serial is shared by every path) for the ID_SERIAL and ID_TARGET_PORT pair.
    static func serialCommand(_ path: String, export: Bool) -> Command {
        Command(
            scsiID, ["--replace-whitespace", "--whitelisted"] + (export ? ["--export"] : []) + ["--device", path])
    }

    /// The volumes of host `host`; `fibreChannel` keys them by serial and
    /// target port, as libvirt does for vHBA LUNs.
    public func volumes(host: UInt32, pool: PoolDefinition, fibreChannel: Bool) async throws(StorageError)
        -> [VolumeDefinition]
    {
        let target = try Self.targetDirectory(pool)
        let links = stableLinks(in: target)
        var volumes: [VolumeDefinition] = []
        for unit in try units(host: host) {
            let node = "/dev/" + unit.device
            let path: String
            if target == "/dev" {
                path = node
            } else if let link = links[node] {
                path = link
            } else {
                continue  // no stable name yet (udev has not made it): libvirt skips the LUN too
            }
            guard let size = sectors(unit, host: host) else { continue }
            var volume = BlockDeviceVolumes(root: sysfs.root).volume(name: unit.name, path: path, size: size * 512)
            volume.key = try await key(path, fibreChannel: fibreChannel)
            volumes.append(volume)
        }
        return volumes
    }

    /// The block device's size in 512-byte sectors: in the LUN's block/
    /// directory, else (old kernels' "block:sda" links) under /sys/class/block.
    func sectors(_ unit: Unit, host: UInt32) -> UInt64? {
        let lun = "\(Self.devicesPath)/\(host):\(unit.bus):\(unit.target):\(unit.lun)"
        let text =
            sysfs.attribute("\(lun)/block/\(unit.device)/size")
            ?? sysfs.attribute("/sys/class/block/\(unit.device)/size")
        return text.flatMap { UInt64($0) }
    }

    /// The pool's target directory: /dev or a directory below it of stable names.
    static func targetDirectory(_ pool: PoolDefinition) throws(StorageError) -> String {
        var path = pool.target.path ?? ""
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        guard path == "/dev" || path.hasPrefix("/dev/") else {
            throw StorageError(
                .invalidArgument,
                "unable to use target path '\(pool.target.path ?? "")' for the pool's LUNs: use /dev or a directory of stable names such as /dev/disk/by-path",
                element: "target/path", value: pool.target.path)
        }
        return path
    }

    /// The disk and CD-ROM LUNs of `host` that have a block device.
    func units(host: UInt32) throws(StorageError) -> [Unit] {
        guard let entries = sysfs.entries(Self.devicesPath) else {
            // libvirt's words (virDirOpen) and strerror.
            var error = SystemError.make(
                "cannot open directory '\(Self.devicesPath)'", path: Self.devicesPath, errno: ENOENT)
            error.hint = "this system has no SCSI layer"
            throw error
        }
        var units: [Unit] = []
        for entry in entries {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 4, UInt32(parts[0]) == host, let bus = UInt32(parts[1]),
                let target = UInt32(parts[2]), let lun = UInt32(parts[3])
            else { continue }
            let dir = "\(Self.devicesPath)/\(entry)"
            // libvirt's last word for an unreadable or odd type file (processLU).
            guard let text = sysfs.attribute(dir + "/type") else {
                throw StorageError(
                    .internalError, "Failed to determine if \(entry) is a Direct-Access LUN", path: dir + "/type",
                    hint: "no '\(dir)/type'")
            }
            guard let type = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw StorageError(
                    .internalError, "Failed to determine if \(entry) is a Direct-Access LUN", value: text,
                    hint: "device type '\(text)' is not an integer")
            }
            guard type == Self.diskType || type == Self.romType, let device = blockDevice(dir) else { continue }
            units.append(Unit(bus: bus, target: target, lun: lun, device: device))
        }
        return units
    }

    /// The block device of a LUN: the entry of its block/ directory, or the
    /// part after the last ':' of an old kernel's "block:sda" link.
    func blockDevice(_ dir: String) -> String? {
        guard let entry = sysfs.entries(dir)?.first(where: { $0.hasPrefix("block") }) else { return nil }
        if entry == "block" { return sysfs.entries(dir + "/block")?.first }
        return entry.split(separator: ":").last.map(String.init)
    }

    /// Device node ("/dev/sda") → the first link in `directory` that leads to it.
    func stableLinks(in directory: String) -> [String: String] {
        guard directory != "/dev" else { return [:] }
        var links: [String: String] = [:]
        for entry in sysfs.entries(directory) ?? [] {
            let link = directory + "/" + entry
            if let node = sysfs.resolveLink(link), links[node] == nil { links[node] = link }
        }
        return links
    }

    /// The volume key: scsi_id's serial number ("SERIAL_PORTPORT" for Fibre
    /// Channel), or the path when scsi_id has nothing to say.
    func key(_ path: String, fibreChannel: Bool) async throws(StorageError) -> String {
        let output: CommandRunner.Output
        do {
            output = try await runner.capture(Self.serialCommand(sysfs.real(path), export: fibreChannel))
        } catch {
            throw StorageError(
                error.code, "cannot read the SCSI serial number of '\(path)' with \(Self.scsiID): \(error.message)",
                value: path)
        }
        guard output.status == 0 else { return path }
        if fibreChannel {
            let fields = Dictionary(
                output.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
                    guard let eq = line.firstIndex(of: "=") else { return nil }
                    return (String(line[..<eq]), String(line[line.index(after: eq)...]))
                }, uniquingKeysWith: { first, _ in first })
            guard let serial = fields["ID_SERIAL"], let port = fields["ID_TARGET_PORT"], !serial.isEmpty,
                !port.isEmpty
            else { return path }
            return "\(serial)_PORT\(port)"
        }
        let serial = output.stdout.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
        return serial.isEmpty ? path : String(serial)
    }
}
