import Foundation
import Synchronization

/// scsi pools: the LUNs of one SCSI host adapter as block volumes.
///
/// As libvirt's storage_backend_scsi.c, everything goes through sysfs (and
/// /dev), here under a configurable root so that tests run on fixture trees:
/// a `scsi_host` adapter is found by name ("host0", "scsi_host0") or by its
/// parent PCI address and unique_id; an `fc_host` adapter by its WWNN and
/// WWPN. Starting an fc_host pool whose vHBA does not exist creates it on the
/// parent HBA (`parent`, `parent_wwnn`/`parent_wwpn`, `parent_fabric_wwn`, or
/// the first online NPIV HBA with a free port) by writing "wwpn:wwnn" to its
/// vport_create; stopping deletes it through vport_delete when the pool is
/// managed. Refresh asks the host to scan ("- - -" to its scan attribute)
/// and lists its LUNs with `SCSILogicalUnits`.
///
/// libvirt rewrites the pool's config with managed='yes' when it creates the
/// vHBA; a backend cannot change a pool's definition here, so this one
/// remembers the vHBAs it created itself and deletes those at stop too (say
/// managed='yes' for that to outlive the process).
public struct SCSIBackend: BlockDeviceVolumeBackend {
    public let sysfs: SysfsTree
    public let runner: CommandRunning
    /// How long start waits for a new vHBA to appear in sysfs.
    public let vhbaTimeout: Duration
    private let created: VHBARegistry

    public init(
        sysfsRoot: String = "/", runner: CommandRunning = SystemCommandRunner(), vhbaTimeout: Duration = .seconds(5)
    ) {
        sysfs = SysfsTree(root: sysfsRoot)
        self.runner = runner
        self.vhbaTimeout = vhbaTimeout
        created = VHBARegistry()
    }

    public var type: PoolType { .scsi }

    var hosts: SCSIHosts { SCSIHosts(sysfs: sysfs) }
    var fibreChannel: FibreChannelHosts { FibreChannelHosts(sysfs: sysfs) }

    // MARK: pool

    /// Active when the adapter's SCSI host exists; an fc_host pool whose
    /// vHBA is not there (yet) is simply inactive.
    public func check(_ pool: PoolDefinition) async throws(StorageError) -> Bool {
        let adapter = try Self.adapter(pool)
        if case .fcHost(let fc) = adapter, fibreChannel.host(wwnn: fc.wwnn, wwpn: fc.wwpn) == nil { return false }
        return hosts.exists(try hostNumber(adapter))
    }

    /// fc_host: makes sure the vHBA exists, creating it when it does not.
    public func start(_ pool: PoolDefinition) async throws(StorageError) {
        guard case .fcHost(let fc) = try Self.adapter(pool) else {
            let host = try hostNumber(try Self.adapter(pool))
            guard hosts.exists(host) else {
                // libvirt's words when its refresh, right after start, cannot scan the host.
                var error = SystemError.make(
                    "Could not open '\(SCSIHosts.classPath)/host\(host)/scan' to trigger host scan",
                    path: "\(SCSIHosts.classPath)/host\(host)/scan", errno: ENOENT)
                error.value = "host\(host)"
                error.hint = "SCSI host 'host\(host)' does not exist under \(SCSIHosts.classPath)"
                throw error
            }
            return
        }
        if let name = fibreChannel.host(wwnn: fc.wwnn, wwpn: fc.wwpn) {
            try checkExistingVHBA(name, fc)
            return
        }
        try await createVHBA(fc)
    }

    /// Scans the host and lists its LUNs.
    public func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
        let adapter = try Self.adapter(pool)
        let host = try hostNumber(adapter)
        try hosts.scan(host)
        var isFC = false
        if case .fcHost = adapter { isFC = true }
        let volumes = try await SCSILogicalUnits(sysfs: sysfs, runner: runner)
            .volumes(host: host, pool: pool, fibreChannel: isFC)
        let total = volumes.reduce(0) { $0 + $1.capacity }
        return (PoolSizes(capacity: total, allocation: total, available: 0), volumes)
    }

    /// fc_host: deletes the vHBA when the pool manages it (and it is a vHBA,
    /// not the HBA itself).
    public func stop(_ pool: PoolDefinition) async throws(StorageError) {
        guard case .fcHost(let fc) = try Self.adapter(pool) else { return }
        guard fc.managed == true || created.contains(fc) else { return }
        guard let name = fibreChannel.host(wwnn: fc.wwnn, wwpn: fc.wwpn) else {
            throw StorageError(
                .internalError, "Failed to find fc_host for wwnn='\(fc.wwnn)' and wwpn='\(fc.wwpn)'",
                value: fc.wwpn)
        }
        let host = try SCSIHosts.number(name)
        let parent: UInt32
        if let given = fc.parent {
            parent = try SCSIHosts.number(given)
            if parent == host { return }  // the pool sits on the HBA itself: nothing to delete
        } else {
            guard let found = fibreChannel.parent(of: host) else { return }  // an HBA, not a vHBA
            parent = found
        }
        try fibreChannel.manageVport(.delete, parent: parent, wwnn: fc.wwnn, wwpn: fc.wwpn)
        created.remove(fc)
    }

    /// Wipe, upload and download work on the device node the volume's path leads to.
    public var blockDevices: BlockDeviceVolumes { BlockDeviceVolumes(root: sysfs.root) }

    // MARK: adapters

    static func adapter(_ pool: PoolDefinition) throws(StorageError) -> StorageAdapter {
        guard let adapter = pool.source.adapter else {
            throw StorageError(.xmlError, "missing storage pool source adapter", element: "source/adapter")
        }
        return adapter
    }

    /// The SCSI host number of the adapter.
    func hostNumber(_ adapter: StorageAdapter) throws(StorageError) -> UInt32 {
        switch adapter {
        case .scsiHost(let scsi):
            if let address = scsi.parentAddress {
                return try SCSIHosts.number(
                    try hosts.find(parent: address, uniqueID: UInt32(bitPattern: scsi.uniqueID ?? 0)))
            }
            guard let name = scsi.name else {
                throw StorageError(
                    .xmlError, "missing storage pool source adapter name", element: "source/adapter/@name")
            }
            return try SCSIHosts.number(name)
        case .fcHost(let fc):
            guard let name = fibreChannel.host(wwnn: fc.wwnn, wwpn: fc.wwpn) else {
                throw StorageError(
                    .xmlError, "Failed to find SCSI host with wwnn='\(fc.wwnn)', wwpn='\(fc.wwpn)'",
                    element: "source/adapter", value: fc.wwpn, hint: "is the pool started?")
            }
            return try SCSIHosts.number(name)
        }
    }

    /// An existing fc_host for the pool's WWNs must be a vHBA (not an HBA)
    /// and, when the pool names a parent, sit on that parent.
    func checkExistingVHBA(_ name: String, _ fc: StorageAdapter.FCHost) throws(StorageError) {
        let host = try SCSIHosts.number(name)
        guard !fibreChannel.isVportCapable(host) else {
            throw StorageError(
                .configUnsupported, "the wwnn/wwpn for '\(name)' are assigned to an HBA", value: fc.wwpn)
        }
        guard let given = fc.parent else { return }
        let parent: UInt32
        do {
            parent = try SCSIHosts.number(given)
        } catch {
            throw StorageError(.xmlError, "parent '\(given)' is not properly formatted", value: given)
        }
        guard fibreChannel.exists(parent) else {
            throw StorageError(
                .configUnsupported, "parent '\(given)' is not an fc_host for the wwnn/wwpn", value: given)
        }
        let actual = fibreChannel.parent(of: host)
        guard actual == parent else {
            throw StorageError(
                .xmlError,
                "Parent attribute '\(given)' does not match parent '\(actual.map { "scsi_host\($0)" } ?? "none")' determined for the '\(name)' wwnn/wwpn lookup.",
                value: given)
        }
    }

    /// Writes "wwpn:wwnn" to the parent HBA's vport_create and waits for the
    /// vHBA to appear (deleting it again when it does not).
    func createVHBA(_ fc: StorageAdapter.FCHost) async throws(StorageError) {
        let parentName: String
        if let parent = fc.parent {
            parentName = parent
        } else if let wwnn = fc.parentWWNN, let wwpn = fc.parentWWPN {
            guard let found = fibreChannel.host(wwnn: wwnn, wwpn: wwpn) else {
                throw StorageError(
                    .xmlError, "cannot find parent using provided wwnn/wwpn", element: "source/adapter/@parent_wwnn",
                    value: wwnn, hint: "parent_wwnn '\(wwnn)', parent_wwpn '\(wwpn)'")
            }
            parentName = found
        } else if let fabric = fc.parentFabricWWN {
            guard let found = fibreChannel.host(fabricWWN: fabric) else {
                throw StorageError(
                    .xmlError, "cannot find parent using provided fabric_wwn",
                    element: "source/adapter/@parent_fabric_wwn", value: fabric, hint: "parent_fabric_wwn '\(fabric)'")
            }
            parentName = found
        } else {
            guard let found = fibreChannel.hostWithFreeVport() else {
                throw StorageError(
                    .xmlError, "'parent' for vHBA not specified, and cannot find one on this host",
                    element: "source/adapter/@parent")
            }
            parentName = found
        }
        let parent = try SCSIHosts.number(parentName)
        guard fibreChannel.exists(parent) else {
            throw StorageError(
                .xmlError, "parent '\(parentName)' specified for vHBA does not exist", value: parentName)
        }
        try fibreChannel.manageVport(.create, parent: parent, wwnn: fc.wwnn, wwpn: fc.wwpn)
        let deadline = ContinuousClock.now + vhbaTimeout
        while fibreChannel.host(wwnn: fc.wwnn, wwpn: fc.wwpn) == nil, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        guard fibreChannel.host(wwnn: fc.wwnn, wwpn: fc.wwpn) != nil else {
            try? fibreChannel.manageVport(.delete, parent: parent, wwnn: fc.wwnn, wwpn: fc.wwpn)
            throw StorageError(
                .operationFailed,
                "the vHBA wwnn='\(fc.wwnn)' wwpn='\(fc.wwpn)' did not appear under \(FibreChannelHosts.classPath) within \(vhbaTimeout) of writing to host\(parent)'s vport_create",
                value: fc.wwpn)
        }
        created.insert(fc)
    }
}

/// The vHBAs a backend created, by WWNN and WWPN, so that stop deletes them.
final class VHBARegistry: Sendable {
    private let keys = Mutex<Set<String>>([])

    private static func key(_ fc: StorageAdapter.FCHost) -> String { "\(fc.wwnn):\(fc.wwpn)".lowercased() }
    func insert(_ fc: StorageAdapter.FCHost) { _ = keys.withLock { $0.insert(Self.key(fc)) } }
    func remove(_ fc: StorageAdapter.FCHost) { _ = keys.withLock { $0.remove(Self.key(fc)) } }
    func contains(_ fc: StorageAdapter.FCHost) -> Bool { keys.withLock { $0.contains(Self.key(fc)) } }
}
