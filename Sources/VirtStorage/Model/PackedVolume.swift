import Glibc

/// A volume definition as a ``VolumeTable`` keeps it: fixed-width numbers,
/// its strings as places in the table's byte arena and its short, oft-repeated
/// words (formats, compat levels, labels) as places in the table's vocabulary.
/// It holds no reference, so that a table's records are written to and read
/// from its file as bytes. A definition with what does not fit here (a
/// backing store, encryption, extents) is kept whole beside the table and
/// only its name is packed (``Flags/whole``).
struct PackedVolume {
    /// Bytes of the table's string arena.
    struct Text {
        var offset: UInt32 = 0
        var length: UInt32 = 0
    }

    /// What is present, and how strings are derived.
    struct Flags: OptionSet {
        var rawValue: UInt32
        static let key = Flags(rawValue: 1 << 0)
        /// The key is the path (file pools): not stored twice.
        static let keyIsPath = Flags(rawValue: 1 << 1)
        static let path = Flags(rawValue: 1 << 2)
        /// The path is the table's prefix and the name: not stored.
        static let pathFromName = Flags(rawValue: 1 << 3)
        static let capacitySpecified = Flags(rawValue: 1 << 4)
        static let allocationSpecified = Flags(rawValue: 1 << 5)
        static let permissions = Flags(rawValue: 1 << 6)
        static let mode = Flags(rawValue: 1 << 7)
        static let owner = Flags(rawValue: 1 << 8)
        static let group = Flags(rawValue: 1 << 9)
        static let timestamps = Flags(rawValue: 1 << 10)
        static let atime = Flags(rawValue: 1 << 11)
        static let mtime = Flags(rawValue: 1 << 12)
        static let ctime = Flags(rawValue: 1 << 13)
        static let btime = Flags(rawValue: 1 << 14)
        static let noCopyOnWrite = Flags(rawValue: 1 << 15)
        static let clusterSize = Flags(rawValue: 1 << 16)
        static let features = Flags(rawValue: 1 << 17)
        /// The file's identity below is known: a refresh may keep the record
        /// while the file keeps it.
        static let identity = Flags(rawValue: 1 << 18)
        /// The definition is kept whole beside the table.
        static let whole = Flags(rawValue: 1 << 19)
    }

    /// The vocabulary's "no word".
    static let noWord = UInt16.max

    var name = Text()
    var path = Text()
    var key = Text()
    var capacity: UInt64 = 0
    var allocation: UInt64 = 0
    var physical: UInt64 = 0
    var clusterSize: UInt64 = 0
    /// atime, mtime, ctime, btime: seconds, then nanoseconds.
    var seconds: (Int64, Int64, Int64, Int64) = (0, 0, 0, 0)
    var nanoseconds: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    var mode: UInt32 = 0
    var owner: UInt32 = 0
    var group: UInt32 = 0
    var flags = Flags()
    var format = noWord
    var compat = noWord
    var label = noWord
    var type: UInt8 = 0
    var features: UInt8 = 0
    /// The file's device, inode and allocated blocks when it was described.
    var device: UInt64 = 0
    var inode: UInt64 = 0
    var blocks: Int64 = 0
}

extension PackedVolume {
    /// Whether `st` is the file this record described, unchanged: same
    /// device and inode, size, allocated blocks, modification and change
    /// times. Only its access time, owner, group and mode may differ, and a
    /// change of the last three changes its change time too.
    func describesUnchanged(_ st: stat) -> Bool {
        flags.contains(.identity) && device == UInt64(st.st_dev) && inode == UInt64(st.st_ino)
            && physical == UInt64(st.st_size) && blocks == Int64(st.st_blocks)
            && seconds.1 == Int64(st.st_mtim.tv_sec) && nanoseconds.1 == UInt32(st.st_mtim.tv_nsec)
            && seconds.2 == Int64(st.st_ctim.tv_sec) && nanoseconds.2 == UInt32(st.st_ctim.tv_nsec)
    }

    /// Nanoseconds since the epoch of the described file's last inode change.
    var changedAt: Int64 { seconds.2 &* 1_000_000_000 &+ Int64(nanoseconds.2) }

    /// What of an unchanged file's description can differ from the last
    /// refresh's: its access time, owner, group and mode.
    struct Observation: Sendable {
        var atime: (seconds: Int64, nanoseconds: UInt32)
        var mode: UInt32
        var owner: UInt32
        var group: UInt32

        init(_ st: stat) {
            atime = (Int64(st.st_atim.tv_sec), UInt32(st.st_atim.tv_nsec))
            mode = UInt32(st.st_mode & 0o777)
            owner = st.st_uid
            group = st.st_gid
        }
    }

    mutating func observe(_ o: Observation) {
        (seconds.0, nanoseconds.0) = o.atime
        mode = o.mode
        owner = o.owner
        group = o.group
    }
}
