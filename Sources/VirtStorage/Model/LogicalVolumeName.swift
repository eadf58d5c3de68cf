/// What lvm2 takes as the name of a logical volume: letters, digits and
/// `+_.-`, not beginning with `-`, not `.` or `..`, at most 127 bytes, and
/// none of the suffixes lvm keeps for its own hidden volumes.
enum LogicalVolumeName {
    static let reserved = [
        "_cdata", "_cmeta", "_corig", "_cpool", "_cvol", "_iorig", "_mimage", "_mlog", "_pmspare", "_rimage",
        "_rmeta", "_tdata", "_tmeta", "_vdata", "_vorigin", "_wcorig",
    ]

    static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        func allowed(_ b: UInt8) -> Bool {
            (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || (0x30...0x39).contains(b)
                || Array("+_.-".utf8).contains(b)
        }
        guard let first = bytes.first, first != UInt8(ascii: "-"), bytes.count <= 127, bytes.allSatisfy(allowed)
        else { return false }
        return name != "." && name != ".." && !reserved.contains { name.contains($0) }
    }
}
