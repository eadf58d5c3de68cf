import CStorageSys
import Foundation
import Logging

/// Owns a host's storage pools: their definitions on disk, their state, their
/// volumes. All changes go through this actor; long volume jobs run outside
/// it and only their bookkeeping is serialised, so lookups stay fast.
public actor StorageHost {
    /// One pool's book-keeping. A class, so that a lookup hands out a
    /// reference: the record holds up to three pool definitions and the
    /// volume tables, which a copy per lookup would duplicate.
    final class Record {
        /// The persistent definition (nil for transient pools).
        var config: PoolDefinition?
        /// A redefinition made while active; replaces `config` when the pool stops.
        var pendingConfig: PoolDefinition?
        /// The live definition while active.
        var live: PoolDefinition?
        var autostart = false
        var starting = false
        /// Volume jobs (create, clone, wipe, upload, ...) under way.
        var jobs = 0
        /// Volumes by name, and the names being built or in use by a job.
        private(set) var volumes = VolumeTable()
        /// Volume names by key, so key lookups and duplicate checks are
        /// O(1); built on the first such lookup (a listing needs none).
        private var keyIndex: [String: String]?
        var busyVolumes: [String: String] = [:]
        /// Refreshes reading the pool off the actor, and the volumes changed
        /// meanwhile: the refresh's listing is older than those changes.
        var refreshesUnderway = 0
        var changedDuringRefresh: Set<String> = []
        /// Whether this host has read the pool's volumes: an active pool found
        /// at opening is not read until a call needs its volumes.
        var volumesLoaded = false
        /// The first read of the volumes, while it runs: others wait for it.
        var volumeLoad: Task<StorageError?, Never>?
        /// The watch of the pool's directory, while one keeps its volumes current.
        var watch: DirectoryWatch?

        init(config: PoolDefinition? = nil) { self.config = config }

        func put(_ volume: VolumeDefinition) {
            // One lookup, and the replaced definition is moved out, not copied.
            let oldKey = volumes.updateValue(volume)?.key
            if keyIndex != nil, oldKey != volume.key {
                if let oldKey { keyIndex?[oldKey] = nil }
                if let key = volume.key { keyIndex?[key] = volume.name }
            }
            if refreshesUnderway > 0 { changedDuringRefresh.insert(volume.name) }
        }

        func remove(_ name: String) {
            if let key = volumes.removeValue(named: name)?.key { keyIndex?[key] = nil }
            if refreshesUnderway > 0 { changedDuringRefresh.insert(name) }
        }

        /// Ends one refresh; returns the names changed while it read the pool.
        func endRefresh() -> Set<String> {
            let changed = changedDuringRefresh
            refreshesUnderway -= 1
            if refreshesUnderway == 0 { changedDuringRefresh = [] }
            return changed
        }

        func replaceVolumes(_ all: VolumeTable) {
            volumes = all
            keyIndex = nil
        }

        /// The table as it is now is saved (``VolumeTableFile``).
        func markVolumesSaved() { volumes.isModified = false }

        /// The name of the volume whose key is `key`.
        func name(forKey key: String) -> String? {
            if keyIndex == nil {
                var index: [String: String] = [:]
                index.reserveCapacity(volumes.count)
                volumes.forEachKey { key, name in index[key] = name }
                keyIndex = index
            }
            return keyIndex?[key]
        }

        var definition: PoolDefinition { live ?? pendingConfig ?? config! }
        /// `definition.type`, without copying the definition.
        var type: PoolType { live?.type ?? pendingConfig?.type ?? config!.type }
        var isActive: Bool { live != nil }
    }

    public nonisolated let directories: StorageHostDirectories
    public nonisolated let backends: BackendRegistry
    public nonisolated let schemas: StorageSchemas?
    /// Where LUKS passphrases and other secret values come from, if anywhere.
    public nonisolated let secrets: (any SecretStore)?
    /// Where the host and its backends log (swift-log): every event and each
    /// pool it restores at debug level, and the C libraries' own lines
    /// (``NativeLog``). The default logs nothing.
    public nonisolated let logger: Logger
    let files: PoolFiles
    nonisolated let journal: VolumeJobJournal
    /// What opening the host found of jobs whose process was killed: partial
    /// volumes removed, partial uploads. One sentence each.
    public private(set) var interruptedJobs: [String] = []
    var records: [String: Record] = [:]
    var subscribers: [UUID: AsyncStream<StorageEvent>.Continuation] = [:]
    /// Set by ``shutdown()``: no new work, no new events.
    var isShutDown = false
    let eventJournal: StorageEventJournal.Writer

    /// Opens a host on `directories`: its pools, and the state the active
    /// ones were left in (nothing is checked or read until a call needs a
    /// pool's volumes); autostart pools start once per boot.
    public init(
        directories: StorageHostDirectories = .default, backends: BackendRegistry = .builtIn,
        schemas: StorageSchemas? = nil, secrets: (any SecretStore)? = nil, logger: Logger = StorageHost.silentLogger
    ) async throws(StorageError) {
        self.directories = directories
        self.backends = backends.configured(with: BackendEnvironment(secrets: secrets, logger: logger))
        self.schemas = schemas
        self.secrets = secrets
        self.logger = logger
        self.files = PoolFiles(directories: directories)
        self.eventJournal = StorageEventJournal.Writer(path: StorageEventJournal.path(directories))
        self.journal = VolumeJobJournal(state: directories.state)
        try files.prepare()
        await load()
    }

    /// A host released without ``shutdown()`` still ends its event streams.
    deinit {
        for continuation in subscribers.values { continuation.finish() }
    }

    // MARK: loading

    private func load() async {
        files.removeLeftoverTemporaries()
        PoolFiles.removeLeftoverTemporaries(in: journal.directory)
        for (def, autostart) in files.configs() {
            let record = Record(config: def)
            record.autostart = autostart
            records[def.name] = record
        }
        // Active pools as the processes before left them, sizes included (as
        // libvirt keeps them): nothing is checked or read here. A pool is
        // checked and its volumes read when a call first needs them.
        for live in files.states(keeping: { (try? backends.backend(for: $0.type)) != nil }) {
            let name = live.name
            let record = records[name] ?? Record()
            record.live = live
            records[name] = record
            logger.debug("pool \(name) is active", metadata: ["pool": .string(name)])
            // A state without sizes (libvirt's own files, written before its
            // first refresh) is read now, so that pool-info has them.
            if live.capacity == 0 && live.allocation == 0 && live.available == 0 {
                try? await loadVolumes(name)
            }
        }
        if files.autostartDueThisBoot() {
            for (name, record) in records.sorted(by: { $0.key < $1.key }) where record.autostart && !record.isActive {
                try? await start(name)
            }
        }
        await recoverInterruptedJobs()
    }

    /// Whether a volume's file changed after its job began: a volume
    /// another process made before (whose name the killed creation then found
    /// taken) is left alone. Volumes without timestamps (not files) are the job's.
    static func changedSince(_ volume: VolumeDefinition, began: VolumeTimestamps.Time) -> Bool {
        guard let changed = volume.target.timestamps?.ctime else { return true }
        return (changed.seconds, changed.nanoseconds) >= (began.seconds, began.nanoseconds)
    }

    /// Removes the volumes whose creation a killed process left half done,
    /// and reports the uploads it left half written (their data stays).
    private func recoverInterruptedJobs() async {
        for orphan in journal.orphans() {
            let entry = orphan.entry
            let what = "volume '\(entry.volume)' of pool '\(entry.pool)'"
            switch entry.job {
            case .creation:
                // An inactive pool keeps the note until a host opens the pool active.
                guard (try? await loadVolumes(entry.pool)) != nil, let live = records[entry.pool]?.live,
                    let backend = try? backends.backend(for: live.type)
                else { continue }
                if let volume = records[entry.pool]?.volumes[entry.volume],
                    Self.changedSince(volume, began: entry.began)
                {
                    do throws(StorageError) {
                        try await backend.deleteVolume(volume, in: live, withSnapshots: false)
                    } catch  where error.errno != ENOENT {
                        interruptedJobs.append(
                            "\(what) was left partial by process \(entry.pid), which was stopped while creating it, and cannot be removed: \(error.message)"
                        )
                        continue
                    } catch {}
                    records[entry.pool]?.remove(entry.volume)
                    interruptedJobs.append(
                        "removed the partial \(what): process \(entry.pid) was stopped while creating it")
                }
            case .upload:
                interruptedJobs.append(
                    "\(what) holds a partial upload: process \(entry.pid) was stopped while writing it")
            }
            journal.settle(orphan)
        }
    }

    // MARK: events

    /// Lifecycle events of pools and volumes announced by this host from now on.
    /// ``watchEvents(directories:pollInterval:)`` also sees other processes' hosts.
    /// The stream finishes when the host shuts down or is released.
    public func events() -> AsyncStream<StorageEvent> {
        let (stream, continuation) = AsyncStream<StorageEvent>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        if isShutDown {
            continuation.finish()
            return stream
        }
        let id = UUID()
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    private func unsubscribe(_ id: UUID) { subscribers[id] = nil }

    /// Events from now on of every host, in any process, working on
    /// `directories` (virsh pool-event without a daemon): each host appends
    /// what it announces to a journal in the state directory, and this
    /// follows it, looking for new lines every `pollInterval`.
    public nonisolated static func watchEvents(
        directories: StorageHostDirectories, pollInterval: Duration = .milliseconds(50)
    ) -> AsyncStream<StorageEvent> {
        StorageEventJournal.follow(directories, pollInterval: pollInterval)
    }

    /// The default logger: it drops everything.
    public static let silentLogger = Logger(label: "VirtStorage") { _ in SwiftLogNoOpLogHandler() }

    func emit(_ event: StorageEvent) {
        logger.debug("\(event)")
        for continuation in subscribers.values { continuation.yield(event) }
        eventJournal.append(event)
    }

    // MARK: lookups

    func record(_ name: String) throws(StorageError) -> Record {
        guard let record = records[name] else {
            throw StorageError(.noSuchPool, "no storage pool with matching name '\(name)'", value: name)
        }
        return record
    }

    func snapshot(_ name: String, _ record: Record) -> StoragePool {
        let def = record.definition
        return StoragePool(
            name: name, uuid: def.uuid, type: def.type, state: record.isActive ? .running : .inactive,
            isPersistent: record.config != nil, autostart: record.autostart, definition: def,
            volumeCount: record.volumesLoaded ? record.volumes.count : nil)
    }

    public func pool(named name: String) throws(StorageError) -> StoragePool {
        snapshot(name, try record(name))
    }

    public func pool(uuid: UUID) throws(StorageError) -> StoragePool {
        guard let (name, record) = records.first(where: { $0.value.definition.uuid == uuid }) else {
            throw StorageError(
                .noSuchPool, "no storage pool with matching uuid '\(StorageUUID.format(uuid))'",
                value: StorageUUID.format(uuid))
        }
        return snapshot(name, record)
    }

    /// By name, or by UUID when no pool has that name (as virsh looks pools up).
    public func pool(_ nameOrUUID: String) throws(StorageError) -> StoragePool {
        if let record = records[nameOrUUID] { return snapshot(nameOrUUID, record) }
        if let uuid = StorageUUID.parse(nameOrUUID), let found = try? pool(uuid: uuid) { return found }
        // virsh's last lookup is by name: its error is the one shown.
        throw StorageError(.noSuchPool, "no storage pool with matching name '\(nameOrUUID)'", value: nameOrUUID)
    }

    /// The pool whose target path is `path`.
    public func pool(targetPath path: String) throws(StorageError) -> StoragePool {
        let clean = PathSanitizer.sanitize(path)
        guard let (name, record) = records.first(where: { $0.value.definition.target.path == clean }) else {
            throw StorageError(.noSuchPool, "no storage pool with matching target path '\(path)'", value: path)
        }
        return snapshot(name, record)
    }

    public func pools(_ filter: PoolFilter = .all) -> [StoragePool] {
        records.keys.sorted(by: VirshNameOrder.precedes).map { snapshot($0, records[$0]!) }.filter(filter.matches)
    }

    // MARK: defining

    /// Parses `xml` (validating it against the schemas when asked) and defines the pool.
    @discardableResult
    public func define(xml: String, validate: Bool = false) throws(StorageError) -> StoragePool {
        if validate { try self.validate(xml, as: .pool) }
        return try define(try PoolXML.parse(xml))
    }

    /// Checks `xml` against libvirt's schema of `kind` (virsh's --validate).
    func validate(_ xml: String, as kind: StorageSchemas.Kind) throws(StorageError) {
        guard let schemas else {
            throw StorageError(.operationInvalid, "validation asked for, but the host was opened without schemas")
        }
        try schemas.validate(xml, as: kind)
    }

    /// Makes `def` persistent: writes `<name>.xml`. Redefining an active pool
    /// takes effect when it stops.
    @discardableResult
    public func define(_ def: PoolDefinition) throws(StorageError) -> StoragePool {
        try ensureOpen()
        try PoolXML.validateName(def.name, line: 0)
        _ = try backends.backend(for: def.type)
        try checkDuplicates(def)
        try files.writeConfig(def)
        let record = records[def.name] ?? Record()
        if record.isActive {
            record.pendingConfig = def
            if record.config == nil { record.config = def }
        } else {
            record.config = def
        }
        records[def.name] = record
        emit(.pool(name: def.name, change: .defined))
        return snapshot(def.name, record)
    }

    /// libvirt's duplicate rules: a name belongs to one UUID and a UUID to one
    /// name; two pools may not share their storage.
    func checkDuplicates(_ def: PoolDefinition) throws(StorageError) {
        // libvirt's wording: a name taken by another UUID "already exists", a
        // UUID taken by another name "is already defined".
        if let existing = records[def.name], existing.definition.uuid != def.uuid {
            throw StorageError(
                .poolExists,
                "pool '\(def.name)' already exists with uuid \(StorageUUID.format(existing.definition.uuid))",
                value: def.name)
        }
        for (name, record) in records where name != def.name {
            let other = record.definition
            if other.uuid == def.uuid {
                throw StorageError(
                    .poolExists, "pool '\(name)' is already defined with uuid \(StorageUUID.format(def.uuid))",
                    value: def.name)
            }
            if other.type == def.type, def.rules.sourceIdentity.same(other, def) {
                throw StorageError(
                    .operationFailed, "Storage source conflict with pool: '\(name)'", value: def.name)
            }
        }
    }

    /// Removes the persistent definition of an inactive pool.
    public func undefine(_ name: String) throws(StorageError) {
        try ensureOpen()
        let record = try record(name)
        // libvirt's order: a transient pool, being active, is "still active".
        guard !record.isActive else {
            throw StorageError(.operationInvalid, "storage pool '\(name)' is still active", value: name)
        }
        try checkIdle(name, record)
        guard record.config != nil else {
            throw StorageError(.internalError, "no config file for \(name)", value: name)
        }
        try files.removeConfig(name)
        records[name] = nil
        emit(.pool(name: name, change: .undefined))
    }

    func checkIdle(_ name: String, _ record: Record) throws(StorageError) {
        if record.starting {
            throw StorageError(.operationInvalid, "storage pool '\(name)' is starting up", value: name)
        }
        if record.jobs > 0 {
            throw StorageError(
                .operationInvalid, "pool '\(name)' has asynchronous jobs running.", value: name,
                hint: "\(record.jobs) job(s) under way")
        }
    }

    // MARK: lifecycle

    /// Creates and starts a transient pool, optionally building it first.
    @discardableResult
    public func create(xml: String, build: BuildMode? = nil) async throws(StorageError) -> StoragePool {
        try ensureOpen()
        let def = try PoolXML.parse(xml)
        try PoolXML.validateName(def.name, line: 0)
        // A name taken by another UUID is refused naming that UUID, as libvirt does.
        try checkDuplicates(def)
        if let existing = records[def.name] {
            // libvirt's words for a pool of that name and UUID that runs or starts.
            if existing.isActive {
                throw StorageError(.operationInvalid, "pool is already active as '\(def.name)'", value: def.name)
            }
            if existing.starting {
                throw StorageError(.operationInvalid, "pool '\(def.name)' is starting up", value: def.name)
            }
            throw StorageError(
                .poolExists, "pool '\(def.name)' already exists", value: def.name,
                hint: "start the defined pool instead")
        }
        let backend = try backends.backend(for: def.type)
        let record = Record()
        record.live = def
        record.starting = true
        records[def.name] = record
        do throws(StorageError) {
            if let build { try await backend.build(def, mode: build) }
            try await backend.start(def)
            records[def.name]?.starting = false
            try await refreshRecord(def.name)
            try files.writeState(records[def.name]!.live!)
        } catch {
            records[def.name] = nil
            throw error
        }
        emit(.pool(name: def.name, change: .started))
        return try pool(named: def.name)
    }

    /// Starts an inactive persistent pool, optionally building it first.
    public func start(_ name: String, build: BuildMode? = nil) async throws(StorageError) {
        try ensureOpen()
        let record = try record(name)
        guard !record.isActive else {
            throw StorageError(.operationInvalid, "storage pool '\(name)' is already active", value: name)
        }
        guard !record.starting else {
            throw StorageError(.operationInvalid, "storage pool '\(name)' is starting up", value: name)
        }
        let def = record.pendingConfig ?? record.config!
        let backend = try backends.backend(for: def.type)
        record.starting = true
        records[name] = record
        do throws(StorageError) {
            if let build { try await backend.build(def, mode: build) }
            try await backend.start(def)
            records[name]?.live = def
            records[name]?.starting = false
            try await refreshRecord(name)
            try files.writeState(records[name]!.live!)
        } catch {
            if records[name]?.live != nil { try? await backend.stop(def) }
            records[name]?.live = nil
            records[name]?.starting = false
            records[name]?.replaceVolumes(VolumeTable())
            throw error
        }
        emit(.pool(name: name, change: .started))
    }

    /// Stops an active pool; its storage is left as it is.
    public func destroy(_ name: String) async throws(StorageError) {
        try ensureOpen()
        let record = try record(name)
        guard let live = record.live else {
            throw StorageError(.operationInvalid, "storage pool '\(name)' is not active", value: name)
        }
        try checkIdle(name, record)
        try await backends.backend(for: live.type).stop(live)
        files.removeState(name)
        if let current = records[name] {
            current.watch?.stop()
            current.watch = nil
            current.live = nil
            current.replaceVolumes(VolumeTable())
            if let pending = current.pendingConfig {
                current.config = pending
                current.pendingConfig = nil
            }
            records[name] = current.config == nil ? nil : current
        }
        emit(.pool(name: name, change: .stopped))
    }

    /// Builds an inactive pool's storage.
    public func build(_ name: String, mode: BuildMode = .normal) async throws(StorageError) {
        try ensureOpen()
        let record = try record(name)
        guard !record.isActive else {
            throw StorageError(.operationInvalid, "storage pool '\(name)' is already active", value: name)
        }
        let def = record.definition
        let backend = try backends.backend(for: def.type)
        guard backend.capabilities.contains(.build) else { throw backend.unsupported("pool build") }
        try await backend.build(def, mode: mode)
        emit(.pool(name: name, change: .created))
    }

    /// Deletes an inactive pool's storage (the definition stays).
    public func delete(_ name: String, zeroed: Bool = false) async throws(StorageError) {
        try ensureOpen()
        let record = try record(name)
        guard !record.isActive else {
            throw StorageError(.operationInvalid, "storage pool '\(name)' is still active", value: name)
        }
        try checkIdle(name, record)
        let def = record.definition
        let backend = try backends.backend(for: def.type)
        guard backend.capabilities.contains(.delete) else { throw backend.unsupported("pool deletion") }
        try await backend.delete(def, zeroed: zeroed)
        emit(.pool(name: name, change: .deleted))
    }

    /// Re-reads an active pool's volumes and sizes.
    public func refresh(_ name: String) async throws(StorageError) {
        try ensureOpen()
        let record = try record(name)
        guard record.isActive else {
            throw StorageError(.operationInvalid, "storage pool '\(name)' is not active", value: name)
        }
        try checkIdle(name, record)
        do throws(StorageError) {
            try await refreshRecord(name)
        } catch {
            // As libvirt: a pool that cannot be refreshed is stopped.
            try? await destroy(name)
            throw error
        }
        emit(.pool(name: name, change: .refreshed))
    }

    func refreshRecord(_ name: String) async throws(StorageError) {
        guard let live = records[name]?.live else { return }
        let backend = try backends.backend(for: live.type)
        // The actor is free while the backend reads the pool: volumes created or
        // deleted meanwhile must not be undone by the older listing.
        records[name]?.refreshesUnderway += 1
        // What the last refresh found, in this process or saved by the last
        // one that refreshed the pool, for the backend to keep what did not change.
        let previous: VolumeTable
        if let record = records[name], record.volumesLoaded {
            previous = record.volumes
        } else {
            let saved = files.volumeTablePath(name)
            let read = try? await BlockingIO.run(.metadata) { VolumeTableFile.read(saved) }
            previous = read.flatMap { $0 } ?? VolumeTable()
        }
        let listing: (PoolSizes, VolumeTable)
        do throws(StorageError) {
            // Handed over, not shared: a table read from the file is then
            // brought up to date in place, without a copy.
            listing = try await backend.refresh(live, knowing: consume previous)
        } catch {
            _ = records[name]?.endRefresh()
            throw error
        }
        var (sizes, byName) = listing
        let changed = records[name]?.endRefresh() ?? []
        guard let record = records[name], var current = record.live else { return }
        current.capacity = sizes.capacity
        current.allocation = sizes.allocation
        current.available = sizes.available
        if let source = sizes.source { current.source = source }
        if current.rules.writesTarget, let path = current.target.path {
            if let st = SystemCalls.status(of: path) { current.target.permissions = FileVolumes.permissions(st) }
        }
        record.live = current
        // Nothing else runs on the actor until this returns, so the old table
        // can go before the new one is built: one table in memory, not two.
        var busy: [String: VolumeDefinition] = [:]
        for (busyName, _) in record.busyVolumes { busy[busyName] = record.volumes[busyName] }
        // Volumes made or removed during the listing keep their newer state (present or not).
        let newer = changed.subtracting(busy.keys).map { ($0, record.volumes[$0]) }
        records[name] = nil
        record.replaceVolumes(VolumeTable())
        if current.refreshVolumeAllocation == .capacity { byName.setAllocationsToCapacity() }
        // Volumes being built stay listed as they were.
        for (busyName, volume) in busy where byName[busyName] == nil { byName.updateValue(volume) }
        for (changedName, volume) in newer {
            if let volume { byName.updateValue(volume) } else { byName.removeValue(named: changedName) }
        }
        record.replaceVolumes(byName)
        record.volumesLoaded = true
        records[name] = record
        // The sizes stay for the next process's pool-info; a pool that is
        // starting writes its state once started. Only a state file that is
        // still there is replaced: another process may have stopped the pool.
        if !record.starting { try? files.writeState(current, onlyIfPresent: true) }
        // The table is saved for the next process when it changed (a file
        // pool's: other backends read their pools afresh each time).
        if byName.observedAt != nil, byName.isModified, record.starting || SystemCalls.exists(files.statePath(name)) {
            record.markVolumesSaved()
            let path = files.volumeTablePath(name)
            let saved = byName
            try? await BlockingIO.run(.metadata) { () throws(StorageError) in try VolumeTableFile.write(saved, to: path) }
        }
        // The old table was allocated on other threads' malloc arenas; glibc
        // keeps freed arena memory unless asked to give it back.
        if byName.count > 1000 { _ = vs_malloc_trim() }
    }

    // MARK: autostart, info, XML

    public func setAutostart(_ name: String, _ enabled: Bool) throws(StorageError) {
        try ensureOpen()
        let record = try record(name)
        guard record.config != nil else {
            throw StorageError(.internalError, "pool has no config file", value: name)
        }
        try files.setAutostart(name, enabled)
        records[name]?.autostart = enabled
    }

    /// The pool's XML: the live definition; with `inactive`, a redefinition
    /// waiting for the next start, if there is one (libvirt's rule).
    public func xml(_ name: String, inactive: Bool = false) throws(StorageError) -> String {
        let record = try record(name)
        if inactive, let pending = record.pendingConfig { return PoolXML.format(pending) }
        return PoolXML.format(record.definition)
    }
}
