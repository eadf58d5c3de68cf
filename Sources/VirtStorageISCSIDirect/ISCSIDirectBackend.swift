#if ISCSI
    import Foundation
    import Logging
    import VirtStorage

    /// iscsi-direct pools: one iSCSI target, each LUN a volume, reached through
    /// libiscsi in this process (no kernel initiator, no /dev nodes).
    ///
    /// CHAP passwords come from the secret store: the one given here, or the
    /// host's own (`StorageHost(secrets:)` hands it to every backend). Pool XML
    /// has no place for the target's own credentials, so mutual CHAP is
    /// configured per target IQN in `targetCredentials`.
    public struct ISCSIDirectBackend: StorageBackend {
        static let defaultPort = 3260
        static let volumePrefix = "unit:0:0:"

        /// Where CHAP passwords come from (the host's store once configured).
        public private(set) var environment: BackendEnvironment
        /// Where CHAP passwords are looked up.
        public var secrets: (any SecretStore)? { environment.secrets }
        /// Target IQN → the target's CHAP user and secret, for mutual CHAP.
        public let targetCredentials: [String: StorageAuth]
        /// Seconds a blocking libiscsi call may take before it fails.
        public let timeout: Int32

        public init(
            secrets: (any SecretStore)? = nil, targetCredentials: [String: StorageAuth] = [:], timeout: Int32 = 10
        ) {
            environment = BackendEnvironment(secrets: secrets)
            self.targetCredentials = targetCredentials
            self.timeout = timeout
        }

        /// libiscsi's log function has no context argument: its lines go to
        /// the logger of the last host configured with this backend.
        public func configured(with environment: BackendEnvironment) -> ISCSIDirectBackend {
            var copy = self
            copy.environment = self.environment.merging(environment)
            ISCSISession.log.withLock { $0 = environment.logger }
            return copy
        }

        public var type: PoolType { .iscsiDirect }

        // MARK: pool

        /// Active when the target still accepts a login.
        public func check(_ pool: PoolDefinition) async throws(StorageError) -> Bool {
            do {
                try await start(pool)
                return true
            } catch {
                return false
            }
        }

        /// Logs in once, so that a wrong portal, target or credential fails pool-start.
        public func start(_ pool: PoolDefinition) async throws(StorageError) {
            let endpoint = try await endpoint(pool)
            try await ISCSIThread.run { () throws(StorageError) in
                let session = try ISCSISession(endpoint)
                session.close()
            }
        }

        public func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
            let endpoint = try await endpoint(pool)
            let target = endpoint.target ?? ""
            let luns = try await ISCSIThread.run { () throws(StorageError) -> [(Int32, UInt64)] in
                let session = try ISCSISession(endpoint)
                defer { session.close() }
                var found: [(Int32, UInt64)] = []
                for lun in try session.reportLUNs() {
                    try session.testUnitReady(lun)
                    var size: UInt64 = 0
                    if try session.isDisk(lun) {
                        let (blockSize, blocks) = try session.capacity(lun)
                        size = UInt64(blockSize) * blocks
                    }
                    found.append((lun, size))
                }
                return found
            }
            var volumes: [VolumeDefinition] = []
            var total: UInt64 = 0
            for (lun, size) in luns {
                var vol = VolumeDefinition(name: "\(Self.volumePrefix)\(lun)", capacity: size)
                vol.type = .network
                vol.allocation = size
                let path = "ip-\(endpoint.portal)-iscsi-\(target)-lun-\(lun)"
                vol.key = path
                vol.target.path = path
                volumes.append(vol)
                total += size
            }
            return (PoolSizes(capacity: total, allocation: total, available: 0), volumes)
        }

        /// SendTargets discovery on the host of `spec`, as the initiator it names.
        public func findSources(_ spec: PoolSource?) async throws(StorageError) -> [PoolSource] {
            guard let spec else {
                throw StorageError(.invalidArgument, "hostname must be specified for iscsi sources")
            }
            let (portal, initiator) = try Self.portalAndInitiator(spec)
            let endpoint = ISCSIEndpoint(
                portal: portal, initiator: initiator, target: nil, chap: nil, targetChap: nil, timeout: timeout)
            let names = try await ISCSIThread.run { () throws(StorageError) -> [String] in
                let session = try ISCSISession(endpoint)
                defer { session.close() }
                return try session.discoverTargets()
            }
            return names.map { name in
                var source = PoolSource()
                source.hosts = spec.hosts
                source.initiatorIQN = initiator
                source.devices = [SourceDevice(path: name)]
                return source
            }
        }

        // MARK: volumes

        public func wipeVolume(
            _ volume: VolumeDefinition, algorithm: WipeAlgorithm, in pool: PoolDefinition, progress: ProgressHandler?
        ) async throws(StorageError) {
            guard algorithm == .zero else {
                throw StorageError(
                    .invalidArgument,
                    "unsupported algorithm '\(algorithm.rawValue)': iscsi-direct volumes wipe with zero only",
                    value: algorithm.rawValue)
            }
            let lun = try Self.lun(volume)
            let endpoint = try await endpoint(pool)
            try await ISCSIThread.run { () throws(StorageError) in
                try ISCSISession.withLUN(endpoint, lun) { session, blockSize, blocks throws(StorageError) in
                    let perWrite = UInt64(max(1, Self.chunk / Int(blockSize)))
                    let buffer = UnsafeMutableRawBufferPointer.allocate(
                        byteCount: Int(perWrite) * Int(blockSize), alignment: 4096)
                    defer { buffer.deallocate() }
                    buffer.initializeMemory(as: UInt8.self, repeating: 0)
                    var lba: UInt64 = 0
                    let total = blocks * UInt64(blockSize)
                    while lba < blocks {
                        let count = min(perWrite, blocks - lba)
                        let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(count) * Int(blockSize)])
                        try session.write(lun, lba: lba, from: slice, blockSize: blockSize)
                        lba += count
                        progress?(lba * UInt64(blockSize), total)
                    }
                }
            }
        }

        /// The LUN's bytes through a session of their own (upload, download, streams).
        public func openData(_ volume: VolumeDefinition, in pool: PoolDefinition, writable: Bool)
            async throws(StorageError) -> any VolumeData
        {
            try await ISCSIVolumeData.open(try await endpoint(pool), lun: try Self.lun(volume), name: volume.name)
        }

        // MARK: helpers

        /// Bytes per READ/WRITE(16).
        static let chunk = 1 << 20

        static func lun(_ volume: VolumeDefinition) throws(StorageError) -> Int32 {
            guard volume.name.hasPrefix(volumePrefix), let lun = Int32(volume.name.dropFirst(volumePrefix.count)),
                lun >= 0
            else {
                throw StorageError(.internalError, "Invalid volume name \(volume.name)", value: volume.name)
            }
            return lun
        }

        /// "host:port" as libvirt writes it, and the initiator IQN.
        static func portalAndInitiator(_ source: PoolSource) throws(StorageError) -> (String, String) {
            guard source.hosts.count == 1 else {
                throw StorageError(
                    .configUnsupported, "Expected exactly 1 host for the storage pool", element: "source/host")
            }
            guard let initiator = source.initiatorIQN, !initiator.isEmpty else {
                throw StorageError(.configUnsupported, "missing initiator IQN", element: "source/initiator/iqn")
            }
            let host = source.hosts[0]
            let port = host.port.flatMap { $0 == 0 ? nil : $0 } ?? defaultPort
            let name = host.name.contains(":") ? "[\(host.name)]" : host.name
            return ("\(name):\(port)", initiator)
        }

        /// Everything a login to the pool's target needs, CHAP values included.
        func endpoint(_ pool: PoolDefinition) async throws(StorageError) -> ISCSIEndpoint {
            let (portal, initiator) = try Self.portalAndInitiator(pool.source)
            guard let target = pool.source.devices.first?.path, !target.isEmpty else {
                throw StorageError(.configUnsupported, "missing target IQN (<device path>)", element: "source/device")
            }
            var chap: CHAPCredentials?
            if let auth = pool.source.auth {
                guard auth.type == .chap else {
                    throw StorageError(.xmlError, "iscsi-direct pool only supports 'chap' auth type")
                }
                chap = CHAPCredentials(
                    username: auth.username, password: try await environment.secret(auth, of: pool, scheme: "CHAP"))
            }
            var targetChap: CHAPCredentials?
            if let auth = targetCredentials[target] {
                targetChap = CHAPCredentials(
                    username: auth.username,
                    password: try await environment.secret(auth, of: pool, scheme: "mutual CHAP"))
            }
            return ISCSIEndpoint(
                portal: portal, initiator: initiator, target: target, chap: chap, targetChap: targetChap,
                timeout: timeout)
        }
    }
#endif
