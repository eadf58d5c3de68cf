import Foundation

/// The SCSI hosts of a machine under /sys/class/scsi_host: names, numbers,
/// and the lookup of a host by its parent PCI device and unique_id.
public struct SCSIHosts: Sendable {
    static let classPath = "/sys/class/scsi_host"

    public let sysfs: SysfsTree

    public init(sysfs: SysfsTree) { self.sysfs = sysfs }

    /// The number of "host5", "scsi_host5" or "fc_host5", as libvirt accepts them.
    public static func number(_ name: String) throws(StorageError) -> UInt32 {
        var digits = Substring(name)
        for prefix in ["scsi_host", "fc_host", "host"] where digits.hasPrefix(prefix) {
            digits = digits.dropFirst(prefix.count)
            break
        }
        guard digits.count < name.count, !digits.isEmpty, digits.allSatisfy(\.isASCII),
            let number = UInt32(digits)
        else {
            throw StorageError(
                .internalError, "Invalid adapter name '\(name)' for SCSI pool", value: name,
                hint: "expected 'hostN' or 'scsi_hostN'")
        }
        return number
    }

    public func exists(_ host: UInt32) -> Bool { sysfs.exists("\(Self.classPath)/host\(host)") }

    /// The host whose device sits below PCI device `address` and whose
    /// unique_id is `uniqueID` (several hosts of one controller differ only there).
    public func find(parent address: PCIAddress, uniqueID: UInt32) throws(StorageError) -> String {
        let pci = Self.pciName(address)
        for entry in sysfs.entries(Self.classPath) ?? [] {
            let link = "\(Self.classPath)/\(entry)"
            guard let device = sysfs.resolveLink(link), device.contains(pci) else { continue }
            guard let text = sysfs.attribute(link + "/unique_id"), let id = UInt32(text), id == uniqueID else {
                continue
            }
            return entry
        }
        throw StorageError(
            .xmlError, "Failed to find scsi_host using PCI '\(pci)' and unique_id='\(uniqueID)'",
            element: "source/adapter/parentaddr", value: pci)
    }

    /// "dddd:bb:ss.f", the form of PCI device names in sysfs paths.
    static func pciName(_ a: PCIAddress) -> String {
        func hex(_ v: UInt32, _ width: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(hex(a.domain, 4)):\(hex(a.bus, 2)):\(hex(a.slot, 2)).\(hex(a.function, 1))"
    }

    /// Asks the kernel to scan every channel, target and LUN of the host
    /// (writes "- - -" to its scan attribute).
    public func scan(_ host: UInt32) throws(StorageError) {
        let path = "\(Self.classPath)/host\(host)/scan"
        do {
            try sysfs.write("- - -", to: path)
        } catch {
            // libvirt's words for a failed open and a failed write, and strerror.
            let what =
                error.message.hasPrefix("cannot open")
                ? "Could not open '\(path)' to trigger host scan" : "Write to '\(path)' to trigger host scan failed"
            throw SystemError.make(what, path: path, errno: error.errno ?? EIO)
        }
    }
}
