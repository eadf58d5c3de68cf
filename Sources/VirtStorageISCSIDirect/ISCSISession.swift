#if ISCSI
    import CISCSI
    import Foundation
    import Synchronization
    import VirtStorage

    /// CHAP credentials with their secret values, only ever handed to libiscsi.
    struct CHAPCredentials: Sendable {
        var username: String
        var password: [UInt8]
    }

    /// Where to log in and as whom.
    struct ISCSIEndpoint: Sendable {
        /// "host:port" (IPv6 hosts in brackets).
        var portal: String
        var initiator: String
        /// nil for a discovery session.
        var target: String?
        var chap: CHAPCredentials?
        /// The target's credentials for mutual CHAP (needs `chap`).
        var targetChap: CHAPCredentials?
        /// Seconds a blocking libiscsi call may take.
        var timeout: Int32
    }

    /// One logged-in libiscsi context, used on one thread from login to close.
    final class ISCSISession {
        private let context: OpaquePointer
        private let endpoint: ISCSIEndpoint
        private var loggedIn = false

        private var lastError: String {
            guard let text = libiscsi.iscsi_get_error(context) else { return "" }
            return String(cString: text)
        }

        /// Connects to the portal and logs in (normal session for a target,
        /// discovery session without one).
        init(_ endpoint: ISCSIEndpoint) throws(StorageError) {
            self.endpoint = endpoint
            try ISCSILibrary.load()
            guard let context = libiscsi.iscsi_create_context(endpoint.initiator) else {
                throw StorageError(
                    .internalError, "Failed to create iscsi context for \(endpoint.initiator)",
                    value: endpoint.initiator)
            }
            self.context = context
            do throws(StorageError) {
                try setUp()
                if libiscsi.iscsi_connect_sync(context, endpoint.portal) != 0 {
                    throw StorageError(
                        .operationFailed,
                        "cannot reach iSCSI portal \(endpoint.portal): \(describe(lastError, or: "no answer"))",
                        value: endpoint.portal)
                }
                if libiscsi.iscsi_login_sync(context) != 0 { throw loginError(lastError) }
                loggedIn = true
            } catch {
                _ = libiscsi.iscsi_destroy_context(context)
                throw error
            }
        }

        /// Where libiscsi's log lines go (see ``NativeLog``): process-wide,
        /// since libiscsi's log function has no context argument.
        static let log = Mutex(StorageHost.silentLogger)

        private func setUp() throws(StorageError) {
            if NativeLog.wanted(by: Self.log.withLock { $0 }) {
                libiscsi.iscsi_set_log_fn(context) { _, message in
                    guard let message else { return }
                    NativeLog.log(String(cString: message), library: "libiscsi", to: ISCSISession.log.withLock { $0 })
                }
                libiscsi.iscsi_set_log_level(context, 5)
            }
            _ = libiscsi.iscsi_set_timeout(context, endpoint.timeout)
            var ok = libiscsi.iscsi_set_header_digest(context, ISCSI_HEADER_DIGEST_NONE_CRC32C) == 0
            if let target = endpoint.target {
                ok = ok && libiscsi.iscsi_set_targetname(context, target) == 0
                ok = ok && libiscsi.iscsi_set_session_type(context, ISCSI_SESSION_NORMAL) == 0
            } else {
                ok = ok && libiscsi.iscsi_set_session_type(context, ISCSI_SESSION_DISCOVERY) == 0
            }
            guard ok else { throw StorageError(.internalError, "Failed to set up the iscsi context: \(lastError)") }
            if let chap = endpoint.chap {
                guard
                    Self.withCString(
                        chap.password, { libiscsi.iscsi_set_initiator_username_pwd(context, chap.username, $0) })
                        == 0
                else {
                    throw StorageError(.internalError, "Failed to set CHAP credentials of user '\(chap.username)'")
                }
                if let out = endpoint.targetChap {
                    guard
                        Self.withCString(
                            out.password, { libiscsi.iscsi_set_target_username_pwd(context, out.username, $0) })
                            == 0
                    else {
                        throw StorageError(
                            .internalError, "Failed to set mutual CHAP credentials of target user '\(out.username)'")
                    }
                }
            } else if endpoint.targetChap != nil {
                throw StorageError(
                    .configUnsupported, "mutual CHAP needs CHAP credentials of the initiator too (<auth>)")
            }
        }

        /// Passes a secret as a C string and wipes the copy afterwards.
        private static func withCString(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> Int32) -> Int32 {
            var copy = bytes.map { CChar(bitPattern: $0) } + [0]
            defer { for i in copy.indices { copy[i] = 0 } }
            return copy.withUnsafeBufferPointer { body($0.baseAddress!) }
        }

        private func describe(_ error: String, or fallback: String) -> String {
            error.isEmpty ? fallback : error
        }

        /// A failed login, said in terms of what the pool configures.
        private func loginError(_ error: String) -> StorageError {
            let what = endpoint.target.map { "target '\($0)'" } ?? "discovery session"
            let head = "Failed to log in to iSCSI \(what) at \(endpoint.portal) as initiator '\(endpoint.initiator)'"
            let reason: String
            if error.lowercased().contains("timed out") || error.lowercased().contains("timeout") {
                reason = "the portal did not answer within \(endpoint.timeout) s"
            } else if error.contains("Authentication failure") {
                if let chap = endpoint.chap {
                    reason = "the target rejected CHAP user '\(chap.username)': wrong user name or secret"
                } else {
                    reason = "the target requires CHAP authentication, and the pool has no <auth type='chap'>"
                }
            } else if error.contains("CHAP_R") || error.contains("CHAP_N") {
                reason = "mutual CHAP failed: the target did not prove it knows the target secret configured for it"
            } else if error.contains("Target not found") {
                reason =
                    "the target does not exist on this portal or refuses this initiator (initiator access list)"
            } else if error.contains("Authorization failure") {
                reason = "the target refuses this initiator"
            } else {
                reason = "login refused"
            }
            return StorageError(.operationFailed, "\(head): \(reason) (\(describe(error, or: "no reason given")))")
        }

        func close() {
            if loggedIn { _ = libiscsi.iscsi_logout_sync(context) }
            _ = libiscsi.iscsi_disconnect(context)
            _ = libiscsi.iscsi_destroy_context(context)
        }

        // MARK: discovery

        /// SendTargets: the names of the targets this initiator may see.
        func discoverTargets() throws(StorageError) -> [String] {
            guard let list = libiscsi.iscsi_discovery_sync(context) else {
                let error = lastError
                if error.isEmpty {
                    // libiscsi gives no reason when the portal answers with
                    // nothing usable (an initiator access list hides every target).
                    throw StorageError(
                        .operationFailed,
                        "iSCSI discovery at \(endpoint.portal) returned no targets for initiator '\(endpoint.initiator)': the portal sent an empty or refused SendTargets reply (no target accepts this initiator?)"
                    )
                }
                throw StorageError(.operationFailed, "Failed to discover session: \(error)")
            }
            defer { libiscsi.iscsi_free_discovery_data(context, list) }
            var names: [String] = []
            var entry: UnsafeMutablePointer<iscsi_discovery_address>? = list
            while let current = entry {
                if let name = current.pointee.target_name { names.append(String(cString: name)) }
                entry = current.pointee.next
            }
            return names
        }

        // MARK: SCSI commands

        /// Runs a command and checks its status; the task is freed after `read`.
        private func command<T>(
            _ what: String, lun: Int32? = nil, _ send: () -> UnsafeMutablePointer<scsi_task>?,
            _ read: (UnsafeMutablePointer<scsi_task>) throws(StorageError) -> T
        ) throws(StorageError) -> T {
            guard let task = send() else {
                throw StorageError(
                    .operationFailed, "\(what) failed\(lunText(lun)): \(describe(lastError, or: "no reply"))")
            }
            defer { libiscsi.scsi_free_scsi_task(task) }
            guard task.pointee.status == Int32(SCSI_STATUS_GOOD.rawValue) else {
                let sense = task.pointee.sense
                let key =
                    libiscsi.scsi_sense_key_str(Int32(sense.key.rawValue)).map { String(cString: $0) }
                    ?? "\(sense.key.rawValue)"
                let ascq = libiscsi.scsi_sense_ascq_str(sense.ascq).map { String(cString: $0) } ?? "\(sense.ascq)"
                throw StorageError(
                    .operationFailed,
                    "\(what) failed\(lunText(lun)): SCSI status \(task.pointee.status), sense \(key) \(ascq)")
            }
            return try read(task)
        }

        private func lunText(_ lun: Int32?) -> String { lun.map { " on LUN \($0)" } ?? "" }

        private func unmarshall(_ task: UnsafeMutablePointer<scsi_task>, _ what: String) throws(StorageError)
            -> UnsafeMutableRawPointer
        {
            guard let data = libiscsi.scsi_datain_unmarshall(task) else {
                throw StorageError(.operationFailed, "Failed to unmarshall \(what) reply: \(lastError)")
            }
            return data
        }

        /// REPORT LUNS, with a second call when the first buffer was short.
        func reportLUNs() throws(StorageError) -> [Int32] {
            var size: Int32 = 16
            for _ in 0..<2 {
                let (full, luns) = try command("REPORT LUNS", { libiscsi.iscsi_reportluns_sync(context, 0, size) }) {
                    (task) throws(StorageError) -> (Int32, [Int32]?) in
                    let full = libiscsi.scsi_datain_getfullsize(task)
                    if full > task.pointee.datain.size { return (full, nil) }
                    let raw = try unmarshall(task, "REPORT LUNS")
                    let count = Int(raw.load(as: UInt32.self))
                    let offset = MemoryLayout<UInt32>.size
                    return (full, (0..<count).map { Int32(raw.load(fromByteOffset: offset + 2 * $0, as: UInt16.self)) })
                }
                if let luns { return luns }
                size = full
            }
            throw StorageError(.operationFailed, "REPORT LUNS failed: the LUN list kept growing")
        }

        /// TEST UNIT READY, retried while the target reports a reset (as after a new login).
        func testUnitReady(_ lun: Int32) throws(StorageError) {
            for attempt in 0..<20 {
                guard let task = libiscsi.iscsi_testunitready_sync(context, lun) else {
                    throw StorageError(.operationFailed, "Failed testunitready on LUN \(lun): \(lastError)")
                }
                let status = task.pointee.status
                let key = task.pointee.sense.key
                libiscsi.scsi_free_scsi_task(task)
                if status == Int32(SCSI_STATUS_GOOD.rawValue) { return }
                guard status == Int32(SCSI_STATUS_CHECK_CONDITION.rawValue), key == SCSI_SENSE_UNIT_ATTENTION,
                    attempt < 19
                else {
                    throw StorageError(.operationFailed, "LUN \(lun) is not ready: SCSI status \(status)")
                }
                usleep(50_000)
            }
        }

        /// Whether the LUN is a disk (direct access), from standard INQUIRY.
        func isDisk(_ lun: Int32) throws(StorageError) -> Bool {
            try command("INQUIRY", lun: lun, { libiscsi.iscsi_inquiry_sync(context, lun, 0, 0, 64) }) {
                (task) throws(StorageError) -> Bool in
                let inquiry = try unmarshall(task, "INQUIRY").assumingMemoryBound(to: scsi_inquiry_standard.self)
                return inquiry.pointee.device_type == SCSI_INQUIRY_PERIPHERAL_DEVICE_TYPE_DIRECT_ACCESS
            }
        }

        /// READ CAPACITY(16): block size and number of blocks.
        /// Logs in to `endpoint`, checks that `lun` is ready, reads its block
        /// size and count, runs `body`, and logs out.
        static func withLUN<T>(
            _ endpoint: ISCSIEndpoint, _ lun: Int32,
            _ body: (ISCSISession, _ blockSize: UInt32, _ blocks: UInt64) throws(StorageError) -> T
        ) throws(StorageError) -> T {
            let session = try ISCSISession(endpoint)
            defer { session.close() }
            try session.testUnitReady(lun)
            let (blockSize, blocks) = try session.capacity(lun)
            return try body(session, blockSize, blocks)
        }

        func capacity(_ lun: Int32) throws(StorageError) -> (blockSize: UInt32, blocks: UInt64) {
            try command("READ CAPACITY(16)", lun: lun, { libiscsi.iscsi_readcapacity16_sync(context, lun) }) {
                (task) throws(StorageError) -> (UInt32, UInt64) in
                let rc = try unmarshall(task, "READ CAPACITY(16)").assumingMemoryBound(to: scsi_readcapacity16.self)
                return (rc.pointee.block_length, rc.pointee.returned_lba + 1)
            }
        }

        func read(_ lun: Int32, lba: UInt64, into buffer: UnsafeMutableRawBufferPointer, blockSize: UInt32)
            throws(StorageError)
        {
            try command(
                "READ(16)", lun: lun,
                { libiscsi.iscsi_read16_sync(context, lun, lba, UInt32(buffer.count), Int32(blockSize), 0, 0, 0, 0, 0) }
            ) { (task) throws(StorageError) in
                let data = task.pointee.datain
                guard Int(data.size) == buffer.count, let bytes = data.data else {
                    throw StorageError(
                        .operationFailed, "READ(16) on LUN \(lun) returned \(data.size) bytes, not \(buffer.count)")
                }
                buffer.copyMemory(from: UnsafeRawBufferPointer(start: bytes, count: buffer.count))
            }
        }

        func write(_ lun: Int32, lba: UInt64, from buffer: UnsafeMutableRawBufferPointer, blockSize: UInt32)
            throws(StorageError)
        {
            try command(
                "WRITE(16)", lun: lun,
                {
                    libiscsi.iscsi_write16_sync(
                        context, lun, lba, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self),
                        UInt32(buffer.count), Int32(blockSize), 0, 0, 0, 0, 0)
                }
            ) { _ throws(StorageError) in }
        }
    }
#endif
