import Glibc

/// A pool's volumes by name, kept compact for pools of many volumes: each
/// volume is a fixed-width record of numbers, its name and any path
/// or key that cannot be derived from the name are bytes in one arena, and a
/// hash index of positions finds a name. A file volume takes about 170 bytes,
/// where its ``VolumeDefinition`` with its strings takes over 400. Records
/// hold no references, so a table is saved and read back as bytes (a
/// refresh saves it in the host's state directory); definitions with a backing store, encryption or
/// extents are kept whole beside the records.
public struct VolumeTable: Sendable {
    var records: [PackedVolume] = []
    var strings: [UInt8] = []
    /// Open addressing with linear probing: a record's position, or -1.
    var slots: [Int32] = []
    /// Formats, compat levels and labels, each stored once.
    var words: [String] = []
    private var wordPositions: [String: UInt16] = [:]
    var whole: [String: VolumeDefinition] = [:]
    /// Bytes of `strings` no record refers to any more.
    private var unusedBytes = 0
    /// The directory, with its trailing slash, that holds the pool's files: a
    /// path that is this and the volume's name is not stored.
    package internal(set) var pathPrefix: String
    /// When the refresh that made the table began to look at the files
    /// (nanoseconds since the epoch); nil for a table no refresh made.
    package var observedAt: Int64?
    /// Whether the table changed since it was read from its file or saved.
    package var isModified = false

    public init() { pathPrefix = "" }

    /// An empty table for the files of the directory `prefix` ends in.
    package init(pathPrefix: String) { self.pathPrefix = pathPrefix }

    /// The table of `volumes`; of two with one name, the later one stays.
    public init(_ volumes: [VolumeDefinition]) {
        self.init()
        reserveCapacity(volumes.count)
        for volume in volumes { updateValue(volume) }
    }

    public var count: Int { records.count }
    public var isEmpty: Bool { records.isEmpty }

    /// The volumes, in no particular order.
    public var values: [VolumeDefinition] { records.indices.map { definition(at: $0) } }

    /// The volumes' names, in no particular order.
    public var names: [String] { records.map { text($0.name) } }

    public subscript(name: String) -> VolumeDefinition? {
        position(of: name).map { definition(at: $0) }
    }

    /// The volume whose path is `path`.
    public func volume(atPath path: String) -> VolumeDefinition? {
        if !pathPrefix.isEmpty, path.hasPrefix(pathPrefix), let i = position(of: String(path.dropFirst(pathPrefix.count))),
            records[i].flags.contains(.pathFromName)
        {
            return definition(at: i)
        }
        for i in records.indices where !records[i].flags.contains(.pathFromName) {
            let record = records[i]
            let stored = record.flags.contains(.whole) ? whole[text(record.name)]?.target.path : storedPath(record)
            if stored == path { return definition(at: i) }
        }
        return nil
    }

    /// Calls `body` with each volume's key and name.
    public func forEachKey(_ body: (_ key: String, _ name: String) -> Void) {
        for record in records {
            let name = text(record.name)
            if record.flags.contains(.whole) {
                if let key = whole[name]?.key { body(key, name) }
            } else if record.flags.contains(.key) {
                body(record.flags.contains(.keyIsPath) ? path(of: record, name: name) ?? name : text(record.key), name)
            }
        }
    }

    public mutating func reserveCapacity(_ n: Int) {
        records.reserveCapacity(n)
        if slots.count < n * 2 { rehash(capacity: n * 2) }
    }

    /// Puts `volume` under its name; returns the definition it replaced.
    @discardableResult
    public mutating func updateValue(_ volume: VolumeDefinition) -> VolumeDefinition? {
        updateValue(volume, file: nil)
    }

    /// Puts `volume` under its name with the identity of the file `file`
    /// describes (its stat, taken before the file was read), so that a
    /// later refresh keeps the record while the file stays the same.
    @discardableResult
    package mutating func updateValue(_ volume: VolumeDefinition, file: stat?) -> VolumeDefinition? {
        isModified = true
        let existing = position(of: volume.name)
        var old: VolumeDefinition?
        if let i = existing {
            old = definition(at: i)
            forget(records[i])
        }
        // A volume put again keeps the bytes of its name.
        var record = pack(volume, name: existing.map { records[$0].name } ?? store(volume.name))
        if let st = file, !record.flags.contains(.whole), st.st_mode & S_IFMT == S_IFREG {
            record.flags.insert(.identity)
            record.device = UInt64(st.st_dev)
            record.inode = UInt64(st.st_ino)
            record.blocks = Int64(st.st_blocks)
        }
        if let i = existing {
            records[i] = record
        } else {
            records.append(record)
            insertSlot(records.count - 1)
        }
        return old
    }

    /// Removes the volume `name`; returns it.
    @discardableResult
    public mutating func removeValue(named name: String) -> VolumeDefinition? {
        guard let i = position(of: name) else { return nil }
        let removed = definition(at: i)
        remove(at: i)
        return removed
    }

    /// The name at `position`.
    package func name(at position: Int) -> String { text(records[position].name) }

    /// The positions of the volumes in the order virsh lists them (``VirshNameOrder``).
    package func positionsByName() -> [Int32] {
        var order = (0..<Int32(records.count)).map { $0 }
        records.withUnsafeBufferPointer { records in
            strings.withUnsafeBufferPointer { bytes in
                func name(_ p: Int32) -> UnsafeBufferPointer<UInt8> {
                    let t = records[Int(p)].name
                    return UnsafeBufferPointer(rebasing: bytes[Int(t.offset)..<Int(t.offset + t.length)])
                }
                order.sort { VirshNameOrder.precedes(name($0), name($1)) }
            }
        }
        return order
    }

    // MARK: What a refresh of files uses

    /// Hands a table to a closure that runs elsewhere without keeping a
    /// second reference to it, so that the receiver changes it in place.
    package final class Handoff: @unchecked Sendable {
        private var table: VolumeTable?
        package init(_ table: consuming VolumeTable) { self.table = consume table }
        /// The table; an empty one after the first call.
        package func take() -> VolumeTable { table.take() ?? VolumeTable() }
    }

    /// The position of the volume `name`.
    package func position(of name: String) -> Int? {
        guard !slots.isEmpty else { return nil }
        var name = name
        return name.withUTF8 { bytes -> Int? in
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: Self.hash(bytes)) & mask
            while true {
                let p = Int(slots[slot])
                if p < 0 { return nil }
                if nameEquals(records[p].name, bytes) { return p }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Whether the record at `position` still describes the file `st`
    /// stats: the same file, unchanged, whose last change came at least
    /// ``settlingTime`` before the refresh that read it began. A file
    /// changed closer to that could change again within the same tick of
    /// its filesystem's clock, leaving the same times: it is read again.
    package func describesUnchanged(at position: Int, _ st: stat) -> Bool {
        guard let observedAt, records[position].describesUnchanged(st) else { return false }
        return records[position].changedAt &+ Self.settlingTime <= observedAt
    }

    /// Nanoseconds: above the coarsest timestamps of a filesystem a pool
    /// may be on (FAT's two seconds; ext4's small inodes and some NFS
    /// servers keep whole seconds; the kernel's clock ticks every 1-10 ms).
    public static let settlingTime: Int64 = 2_000_000_000

    /// Takes what may differ in an unchanged file's description (access time,
    /// owner, group, mode) from `st`.
    mutating func observe(at position: Int, _ observation: PackedVolume.Observation) {
        records[position].observe(observation)
    }

    /// Removes the volumes whose position is not marked in `kept`.
    package mutating func removeAll(notIn kept: [Bool]) {
        for i in kept.indices.reversed() where !kept[i] { remove(at: i) }
    }

    /// Sets each volume's allocation to its capacity (pools that report so).
    package mutating func setAllocationsToCapacity() {
        for i in records.indices {
            if records[i].flags.contains(.whole) {
                let name = text(records[i].name)
                if let capacity = whole[name]?.capacity { whole[name]?.allocation = capacity }
            } else {
                records[i].allocation = records[i].capacity
            }
        }
        isModified = true
    }

    /// The definition at `position`.
    package func definition(at position: Int) -> VolumeDefinition {
        let record = records[position]
        let name = text(record.name)
        if record.flags.contains(.whole), let volume = whole[name] { return volume }
        return unpack(record, name: name)
    }

    /// Whether every record's strings, words and position in the index are
    /// within the table (checked on a table read from a file).
    var isConsistent: Bool {
        guard slots.count.nonzeroBitCount == 1 || (slots.isEmpty && records.isEmpty), slots.count >= records.count
        else { return false }
        var indexed = 0
        for p in slots where p >= 0 {
            guard Int(p) < records.count else { return false }
            indexed += 1
        }
        guard indexed == records.count else { return false }
        func fits(_ t: PackedVolume.Text) -> Bool { Int(t.offset) + Int(t.length) <= strings.count }
        func known(_ w: UInt16) -> Bool { w == PackedVolume.noWord || Int(w) < words.count }
        for r in records {
            guard fits(r.name), !r.flags.contains(.path) || r.flags.contains(.pathFromName) || fits(r.path),
                !r.flags.contains(.key) || r.flags.contains(.keyIsPath) || fits(r.key),
                known(r.format), known(r.compat), known(r.label), Int(r.type) < Self.types.count,
                !r.flags.contains(.whole) || whole[text(r.name)] != nil
            else { return false }
        }
        return true
    }

    // MARK: Records

    private mutating func remove(at i: Int) {
        isModified = true
        removeSlot(of: i)
        forget(records[i])
        unusedBytes += Int(records[i].name.length)
        let last = records.count - 1
        if i != last {
            // The last record takes the gap: a removal costs the same at any size.
            replaceSlot(of: last, with: i)
            records.swapAt(i, last)
        }
        records.removeLast()
        if unusedBytes > 1 << 20, unusedBytes > strings.count / 2 { compactStrings() }
    }

    /// Lets go of what a record held besides its name.
    private mutating func forget(_ record: PackedVolume) {
        if record.flags.contains(.whole) { whole[text(record.name)] = nil }
        if record.flags.contains(.path), !record.flags.contains(.pathFromName) { unusedBytes += Int(record.path.length) }
        if record.flags.contains(.key), !record.flags.contains(.keyIsPath) { unusedBytes += Int(record.key.length) }
    }

    private mutating func compactStrings() {
        var compacted: [UInt8] = []
        compacted.reserveCapacity(strings.count - unusedBytes)
        func move(_ t: inout PackedVolume.Text) {
            let start = compacted.count
            compacted.append(contentsOf: strings[Int(t.offset)..<Int(t.offset + t.length)])
            t.offset = UInt32(start)
        }
        for i in records.indices {
            move(&records[i].name)
            let flags = records[i].flags
            if flags.contains(.path), !flags.contains(.pathFromName) { move(&records[i].path) }
            if flags.contains(.key), !flags.contains(.keyIsPath) { move(&records[i].key) }
        }
        strings = compacted
        unusedBytes = 0
    }

    // MARK: Strings

    func text(_ t: PackedVolume.Text) -> String {
        strings.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[Int(t.offset)..<Int(t.offset + t.length)]), as: UTF8.self)
        }
    }

    private mutating func store(_ s: String) -> PackedVolume.Text {
        let start = strings.count
        strings.append(contentsOf: s.utf8)
        return PackedVolume.Text(offset: UInt32(start), length: UInt32(strings.count - start))
    }

    private func nameEquals(_ t: PackedVolume.Text, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard Int(t.length) == bytes.count else { return false }
        return strings.withUnsafeBufferPointer { all in
            bytes.isEmpty || memcmp(all.baseAddress! + Int(t.offset), bytes.baseAddress!, bytes.count) == 0
        }
    }

    private mutating func word(_ s: String?) -> UInt16 {
        guard let s else { return PackedVolume.noWord }
        if let i = wordPositions[s] { return i }
        let i = UInt16(words.count)
        words.append(s)
        wordPositions[s] = i
        return i
    }

    private func word(_ i: UInt16) -> String? { i == PackedVolume.noWord ? nil : words[Int(i)] }

    /// After reading `words` from a file.
    mutating func indexWords() {
        wordPositions = [:]
        for (i, w) in words.enumerated() { wordPositions[w] = UInt16(i) }
    }

    private func storedPath(_ record: PackedVolume) -> String? {
        record.flags.contains(.path) ? text(record.path) : nil
    }

    private func path(of record: PackedVolume, name: String) -> String? {
        guard record.flags.contains(.path) else { return nil }
        return record.flags.contains(.pathFromName) ? pathPrefix + name : text(record.path)
    }

    // MARK: Packing

    private static let types = VolumeType.allCases
    private static let features = VolumeFeature.allCases

    /// Whether `volume` needs more than a record holds.
    private static func isWhole(_ volume: VolumeDefinition) -> Bool {
        !volume.sourceExtents.isEmpty || volume.target.encryption != nil || volume.backingStore != nil
    }

    private mutating func pack(_ volume: VolumeDefinition, name: PackedVolume.Text) -> PackedVolume {
        var r = PackedVolume()
        r.name = name
        guard !Self.isWhole(volume), words.count < Int(PackedVolume.noWord) - 3 else {
            r.flags.insert(.whole)
            whole[volume.name] = volume
            return r
        }
        let target = volume.target
        if let path = target.path {
            r.flags.insert(.path)
            if !pathPrefix.isEmpty, path.count == pathPrefix.count + volume.name.count, path.hasPrefix(pathPrefix),
                path.hasSuffix(volume.name)
            {
                r.flags.insert(.pathFromName)
            } else {
                r.path = store(path)
            }
        }
        if let key = volume.key {
            r.flags.insert(.key)
            if key == target.path { r.flags.insert(.keyIsPath) } else { r.key = store(key) }
        }
        r.type = UInt8(Self.types.firstIndex(of: volume.type)!)
        r.capacity = volume.capacity
        if volume.capacitySpecified { r.flags.insert(.capacitySpecified) }
        r.allocation = volume.allocation
        if volume.allocationSpecified { r.flags.insert(.allocationSpecified) }
        r.physical = volume.physical
        r.format = word(target.format?.rawValue)
        if let perms = target.permissions {
            r.flags.insert(.permissions)
            if let mode = perms.mode { r.flags.insert(.mode); r.mode = mode }
            if let owner = perms.owner { r.flags.insert(.owner); r.owner = owner }
            if let group = perms.group { r.flags.insert(.group); r.group = group }
            r.label = word(perms.label)
        }
        if let times = target.timestamps {
            r.flags.insert(.timestamps)
            if let t = times.atime { r.flags.insert(.atime); (r.seconds.0, r.nanoseconds.0) = (t.seconds, UInt32(t.nanoseconds)) }
            if let t = times.mtime { r.flags.insert(.mtime); (r.seconds.1, r.nanoseconds.1) = (t.seconds, UInt32(t.nanoseconds)) }
            if let t = times.ctime { r.flags.insert(.ctime); (r.seconds.2, r.nanoseconds.2) = (t.seconds, UInt32(t.nanoseconds)) }
            if let t = times.btime { r.flags.insert(.btime); (r.seconds.3, r.nanoseconds.3) = (t.seconds, UInt32(t.nanoseconds)) }
        }
        r.compat = word(target.compat)
        if target.noCopyOnWrite { r.flags.insert(.noCopyOnWrite) }
        if let size = target.clusterSize { r.flags.insert(.clusterSize); r.clusterSize = size }
        if let features = target.features {
            r.flags.insert(.features)
            for f in features { r.features |= 1 << UInt8(Self.features.firstIndex(of: f)!) }
        }
        return r
    }

    private func unpack(_ r: PackedVolume, name: String) -> VolumeDefinition {
        var volume = VolumeDefinition(name: name)
        var target = VolumeTarget(path: path(of: r, name: name), format: word(r.format).map { VolumeFormat(rawValue: $0) })
        if r.flags.contains(.key) { volume.key = r.flags.contains(.keyIsPath) ? target.path : text(r.key) }
        volume.type = Self.types[Int(r.type)]
        volume.capacity = r.capacity
        volume.capacitySpecified = r.flags.contains(.capacitySpecified)
        volume.allocation = r.allocation
        volume.allocationSpecified = r.flags.contains(.allocationSpecified)
        volume.physical = r.physical
        if r.flags.contains(.permissions) {
            target.permissions = Permissions(
                mode: r.flags.contains(.mode) ? r.mode : nil, owner: r.flags.contains(.owner) ? r.owner : nil,
                group: r.flags.contains(.group) ? r.group : nil, label: word(r.label))
        }
        if r.flags.contains(.timestamps) {
            func time(_ flag: PackedVolume.Flags, _ s: Int64, _ ns: UInt32) -> VolumeTimestamps.Time? {
                r.flags.contains(flag) ? .init(seconds: s, nanoseconds: Int64(ns)) : nil
            }
            target.timestamps = VolumeTimestamps(
                atime: time(.atime, r.seconds.0, r.nanoseconds.0), mtime: time(.mtime, r.seconds.1, r.nanoseconds.1),
                ctime: time(.ctime, r.seconds.2, r.nanoseconds.2), btime: time(.btime, r.seconds.3, r.nanoseconds.3))
        }
        target.compat = word(r.compat)
        target.noCopyOnWrite = r.flags.contains(.noCopyOnWrite)
        if r.flags.contains(.clusterSize) { target.clusterSize = r.clusterSize }
        if r.flags.contains(.features) {
            target.features = Set(Self.features.indices.filter { r.features & (1 << UInt8($0)) != 0 }.map { Self.features[$0] })
        }
        volume.target = target
        return volume
    }

    // MARK: The index of names

    /// FNV-1a: the same in every process, as a saved index needs.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    private func hash(ofRecord i: Int) -> UInt64 {
        let t = records[i].name
        return strings.withUnsafeBufferPointer {
            Self.hash(UnsafeBufferPointer(rebasing: $0[Int(t.offset)..<Int(t.offset + t.length)]))
        }
    }

    private mutating func insertSlot(_ position: Int) {
        if records.count * 2 > slots.count { rehash(capacity: max(16, records.count * 4)); return }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash(ofRecord: position)) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(position)
    }

    /// The slot that holds `position`.
    private func slot(of position: Int) -> Int {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash(ofRecord: position)) & mask
        while Int(slots[slot]) != position { slot = (slot + 1) & mask }
        return slot
    }

    private mutating func replaceSlot(of position: Int, with newPosition: Int) {
        slots[slot(of: position)] = Int32(newPosition)
    }

    /// Empties `position`'s slot and moves back the entries after it that
    /// would no longer be found (deletion without tombstones).
    private mutating func removeSlot(of position: Int) {
        let mask = slots.count - 1
        var hole = slot(of: position)
        slots[hole] = -1
        var next = (hole + 1) & mask
        while slots[next] >= 0 {
            let home = Int(truncatingIfNeeded: hash(ofRecord: Int(slots[next]))) & mask
            // The entry at `next` may fill the hole if its home is not in (hole, next].
            let between = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next)
            if !between {
                slots[hole] = slots[next]
                slots[next] = -1
                hole = next
            }
            next = (next + 1) & mask
        }
    }

    private mutating func rehash(capacity: Int) {
        var size = 16
        while size < capacity { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        let mask = size - 1
        for i in records.indices {
            var slot = Int(truncatingIfNeeded: hash(ofRecord: i)) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(i)
        }
    }
}
