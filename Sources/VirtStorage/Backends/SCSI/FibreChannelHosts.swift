import Foundation

/// Fibre Channel hosts under /sys/class/fc_host: HBAs, the NPIV-capable ones
/// among them (they have vport_create), and the vHBAs (virtual ports) made
/// on them by writing "wwpn:wwnn" to the parent's vport_create.
public struct FibreChannelHosts: Sendable {
    static let classPath = "/sys/class/fc_host"

    public let sysfs: SysfsTree

    public init(sysfs: SysfsTree) { self.sysfs = sysfs }

    public func exists(_ host: UInt32) -> Bool { sysfs.exists("\(Self.classPath)/host\(host)") }

    /// Whether the host can make vHBAs (an HBA with NPIV; a vHBA cannot).
    public func isVportCapable(_ host: UInt32) -> Bool {
        sysfs.exists("\(Self.classPath)/host\(host)/vport_create")
            || sysfs.exists("\(SCSIHosts.classPath)/host\(host)/vport_create")
    }

    /// The fc_host ("host6") whose node and port names are `wwnn` and `wwpn`.
    public func host(wwnn: String, wwpn: String) -> String? {
        (sysfs.entries(Self.classPath) ?? []).first { entry in
            matches("\(Self.classPath)/\(entry)/node_name", wwnn)
                && matches("\(Self.classPath)/\(entry)/port_name", wwpn)
        }
    }

    /// The NPIV-capable HBA attached to the fabric `fabricWWN`.
    public func host(fabricWWN: String) -> String? {
        (sysfs.entries(Self.classPath) ?? []).first { entry in
            sysfs.exists("\(Self.classPath)/\(entry)/vport_create")
                && matches("\(Self.classPath)/\(entry)/fabric_name", fabricWWN)
        }
    }

    /// The first online NPIV-capable HBA with a free virtual port.
    public func hostWithFreeVport() -> String? {
        (sysfs.entries(Self.classPath) ?? []).first { entry in
            guard let number = try? SCSIHosts.number(entry), entry.hasPrefix("host"),
                isVportCapable(number)
            else { return false }
            let dir = "\(Self.classPath)/\(entry)"
            guard sysfs.attribute(dir + "/port_state") == "Online",
                let max = sysfs.attribute(dir + "/max_npiv_vports").flatMap({ Int($0) }),
                let inUse = sysfs.attribute(dir + "/npiv_vports_inuse").flatMap({ Int($0) })
            else { return false }
            return inUse < max
        }
    }

    /// The SCSI host a vHBA was made on: its device sits below the parent's
    /// (…/host5/vport-5:0-0/host6); nil for an HBA, whose parent is a PCI device.
    public func parent(of host: UInt32) -> UInt32? {
        guard let device = sysfs.resolveLink("\(SCSIHosts.classPath)/host\(host)") else { return nil }
        let hosts = device.split(separator: "/").compactMap { part -> UInt32? in
            guard part.hasPrefix("host"), let n = UInt32(part.dropFirst(4)) else { return nil }
            return n
        }
        return hosts.last { $0 != host }
    }

    public enum VportOperation: String, Sendable {
        case create = "vport_create"
        case delete = "vport_delete"
    }

    /// Creates or deletes the virtual port `wwpn:wwnn` on HBA `parent`.
    public func manageVport(_ operation: VportOperation, parent: UInt32, wwnn: String, wwpn: String)
        throws(StorageError)
    {
        let candidates = [Self.classPath, SCSIHosts.classPath].map { "\($0)/host\(parent)/\(operation.rawValue)" }
        guard let path = candidates.first(where: sysfs.exists) else {
            throw StorageError(
                .operationInvalid, "vport operation '\(operation.rawValue)' is not supported for host\(parent)",
                value: "host\(parent)", hint: "host\(parent) is not an NPIV-capable Fibre Channel HBA")
        }
        let name = "\(wwpn):\(wwnn)"
        do {
            try sysfs.write(name, to: path)
        } catch {
            // libvirt's words, for both operations, and strerror.
            throw SystemError.make(
                "Write of '\(name)' to '\(path)' during vport create/delete failed", path: path,
                errno: error.errno ?? EIO)
        }
    }

    private func matches(_ path: String, _ wwn: String) -> Bool {
        guard let value = sysfs.wwn(path) else { return false }
        return value.lowercased() == wwn.lowercased()
    }
}
