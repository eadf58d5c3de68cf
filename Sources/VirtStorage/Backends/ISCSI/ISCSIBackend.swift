import Foundation

/// iscsi pools: one iSCSI target logged in through the kernel initiator
/// (open-iscsi's `iscsiadm`), its LUNs as block volumes.
///
/// As libvirt's storage_backend_iscsi.c and viriscsi.c, command for command:
/// start creates the target's node record, sets CHAP from the secret store
/// (the pool's `<auth type='chap'>`), and logs in, through an iscsiadm
/// interface carrying the pool's initiator IQN when it names one (made, and
/// its targets discovered, when missing); refresh finds the session in
/// `iscsiadm --mode session`, rescans it, reads its SCSI host number from
/// /sys/class/iscsi_session/sessionN/device and lists the LUNs of that host
/// like a scsi pool (`SCSILogicalUnits`); stop logs out. find-storage-pool-sources
/// runs a SendTargets discovery that leaves no records behind.
///
/// The command runner and the sysfs root are injectable, so the same code
/// runs live and against recorded iscsiadm output and fixture trees.
public struct ISCSIBackend: BlockDeviceVolumeBackend {
    public let runner: CommandRunning
    public let sysfs: SysfsTree
    /// Where CHAP passwords come from (the host's store once configured).
    public private(set) var environment: BackendEnvironment
    /// Name of an interface made for an initiator IQN ("libvirt-iface-XXXXXXXX").
    let newIfaceName: @Sendable () -> String

    public init(
        runner: CommandRunning = SystemCommandRunner(), sysfsRoot: String = "/", secrets: (any SecretStore)? = nil
    ) {
        self.init(runner: runner, sysfsRoot: sysfsRoot, secrets: secrets) {
            "libvirt-iface-" + String(format: "%08x", UInt32.random(in: .min ... .max))
        }
    }

    init(
        runner: CommandRunning, sysfsRoot: String, secrets: (any SecretStore)?,
        newIfaceName: @escaping @Sendable () -> String
    ) {
        self.runner = runner
        sysfs = SysfsTree(root: sysfsRoot)
        environment = BackendEnvironment(secrets: secrets)
        self.newIfaceName = newIfaceName
    }

    public func configured(with environment: BackendEnvironment) -> ISCSIBackend {
        var copy = self
        copy.environment = self.environment.merging(environment)
        return copy
    }

    public var type: PoolType { .iscsi }

    // MARK: pool

    /// Active when a session to the target exists.
    public func check(_ pool: PoolDefinition) async throws(StorageError) -> Bool {
        let (_, target) = try Self.portalAndTarget(pool)
        return try await session(target) != nil
    }

    public func start(_ pool: PoolDefinition) async throws(StorageError) {
        let (portal, target) = try Self.portalAndTarget(pool)
        guard try await session(target) == nil else { return }
        let output = try await runner.capture(ISCSIAdm.nodeNew(portal, target))
        guard output.status == 0 else {
            throw ISCSIAdm.failure(output, "cannot create the node record of target '\(target)' at \(portal)")
        }
        try await setCHAP(pool, portal: portal, target: target)
        let iface = try await iface(pool.source.initiatorIQN, portal: portal)
        _ = try await ISCSIAdm.run(
            ISCSIAdm.login(portal, target, iface: iface), on: runner,
            "cannot log in to iSCSI target '\(target)' at \(portal)")
    }

    public func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
        let (_, target) = try Self.portalAndTarget(pool)
        let listing = try await runner.capture(ISCSIAdm.sessions)
        guard let session = ISCSIAdm.sessions(listing.stdout).first(where: { $0.target == target })?.id else {
            // libvirt's words: iscsiadm's standard error as it wrote it.
            throw StorageError(
                .internalError, "cannot find iscsiadm session: \(listing.stderr)", value: target,
                hint: "no session to target '\(target)' (is the pool started?)")
        }
        _ = try await ISCSIAdm.run(ISCSIAdm.rescan(session), on: runner, "cannot rescan iSCSI session \(session)")
        let host = try hostNumber(session: session)
        let volumes = try await SCSILogicalUnits(sysfs: sysfs, runner: runner)
            .volumes(host: host, pool: pool, fibreChannel: false)
        let total = volumes.reduce(0) { $0 + $1.capacity }
        return (PoolSizes(capacity: total, allocation: total, available: 0), volumes)
    }

    public func stop(_ pool: PoolDefinition) async throws(StorageError) {
        let (portal, target) = try Self.portalAndTarget(pool)
        guard try await session(target) != nil else { return }
        let iface = try await iface(pool.source.initiatorIQN, portal: portal)
        _ = try await ISCSIAdm.run(
            ISCSIAdm.logout(portal, target, iface: iface), on: runner,
            "cannot log out of iSCSI target '\(target)' at \(portal)")
    }

    /// SendTargets discovery at the host of `spec`, through the interface of
    /// its initiator IQN when it names one.
    public func findSources(_ spec: PoolSource?) async throws(StorageError) -> [PoolSource] {
        guard let spec else {
            throw StorageError(.invalidArgument, "hostname must be specified for iscsi sources")
        }
        guard spec.hosts.count == 1 else {
            throw StorageError(
                .configUnsupported, "Expected exactly 1 host for the storage pool", element: "source/host")
        }
        var host = spec.hosts[0]
        if host.port == nil || host.port == 0 { host.port = ISCSIAdm.defaultPort }
        let portal = ISCSIAdm.portal(host)
        var iface: String?
        if let iqn = spec.initiatorIQN {
            guard let found = try await existingIface(iqn) else {
                throw StorageError(.operationFailed, "no iSCSI interface defined for IQN \(iqn)", value: iqn)
            }
            iface = found
        }
        let output = try await ISCSIAdm.run(
            ISCSIAdm.discovery(portal, iface: iface, persist: false), on: runner,
            "cannot discover the targets of iSCSI portal \(portal)")
        return ISCSIAdm.targets(output.stdout).map { target in
            var source = PoolSource()
            source.hosts = [host]
            source.initiatorIQN = spec.initiatorIQN
            source.devices = [SourceDevice(path: target)]
            return source
        }
    }

    /// Wipe, upload and download work on the device node the volume's path leads to.
    public var blockDevices: BlockDeviceVolumes { BlockDeviceVolumes(root: sysfs.root) }

    // MARK: helpers

    /// The portal ("host:port,1") and target IQN of the pool.
    static func portalAndTarget(_ pool: PoolDefinition) throws(StorageError) -> (String, String) {
        guard pool.source.hosts.count == 1 else {
            throw StorageError(
                .configUnsupported, "Expected exactly 1 host for the storage pool", element: "source/host")
        }
        guard !pool.source.hosts[0].name.isEmpty else {
            throw StorageError(.internalError, "missing source host", element: "source/host")
        }
        guard pool.source.devices.count == 1, !pool.source.devices[0].path.isEmpty else {
            throw StorageError(.internalError, "missing source device", element: "source/device")
        }
        return (ISCSIAdm.portal(pool.source.hosts[0]), pool.source.devices[0].path)
    }

    /// The ID of the session to `target`; nil when there is none (iscsiadm
    /// then exits with 21, "no active sessions").
    func session(_ target: String) async throws(StorageError) -> String? {
        let output = try await runner.capture(ISCSIAdm.sessions)
        return ISCSIAdm.sessions(output.stdout).first { $0.target == target }?.id
    }

    /// The SCSI host of a session: its device directory holds "targetH:B:T".
    func hostNumber(session: String) throws(StorageError) -> UInt32 {
        let path = "/sys/class/iscsi_session/session\(session)/device"
        guard let entries = sysfs.entries(path) else {
            // libvirt's words (virDirOpen) and strerror.
            var error = SystemError.make("cannot open directory '\(path)'", path: path, errno: ENOENT)
            error.hint = "the iSCSI session has no device in sysfs"
            throw error
        }
        guard let entry = entries.first(where: { $0.hasPrefix("target") }) else {
            throw StorageError(
                .internalError, "Failed to get host number for iSCSI session with path '\(path)'", path: path)
        }
        guard let colon = entry.firstIndex(of: ":"), let host = UInt32(entry["target".endIndex..<colon]) else {
            throw StorageError(.internalError, "Failed to parse target '\(entry)'", value: entry)
        }
        return host
    }

    /// The interface whose initiator name is `iqn`.
    func existingIface(_ iqn: String) async throws(StorageError) -> String? {
        let output = try await ISCSIAdm.run(ISCSIAdm.ifaces, on: runner, "cannot list iSCSI interfaces")
        return try ISCSIAdm.iface(for: iqn, in: output.stdout)
    }

    /// The interface to log in through: none without an initiator IQN; else
    /// the one with that IQN, made (and its portal's targets discovered, as
    /// iscsiadm wants before a login through a new interface) when missing.
    func iface(_ iqn: String?, portal: String) async throws(StorageError) -> String? {
        guard let iqn else { return nil }
        if let found = try await existingIface(iqn) { return found }
        let name = newIfaceName()
        // Old iscsiadm versions exit non-zero on success: what counts is whether the interface is there after.
        _ = try await runner.capture(ISCSIAdm.ifaceNew(name))
        _ = try await runner.capture(ISCSIAdm.ifaceSetInitiator(name, iqn))
        guard let made = try await existingIface(iqn) else {
            throw StorageError(
                .operationFailed, "cannot create an iSCSI interface with initiator IQN \(iqn) (tried '\(name)')",
                value: iqn)
        }
        _ = try await ISCSIAdm.run(
            ISCSIAdm.discovery(portal, iface: made, persist: true), on: runner,
            "cannot discover the targets of iSCSI portal \(portal)")
        return made
    }

    /// CHAP user and password into the target's node record.
    func setCHAP(_ pool: PoolDefinition, portal: String, target: String) async throws(StorageError) {
        guard let auth = pool.source.auth else { return }
        guard auth.type == .chap else {
            throw StorageError(.xmlError, "iscsi pool only supports 'chap' auth type", element: "source/auth")
        }
        let password = String(
            decoding: try await environment.secret(auth, of: pool, scheme: "CHAP"), as: UTF8.self)
        for (name, value) in [
            ("node.session.auth.authmethod", "CHAP"), ("node.session.auth.username", auth.username),
            ("node.session.auth.password", password),
        ] {
            // iscsiadm's status is ignored here, as libvirt does; a failure shows at login.
            _ = try await runner.capture(ISCSIAdm.nodeUpdate(portal, target, name: name, value: value))
        }
    }
}
