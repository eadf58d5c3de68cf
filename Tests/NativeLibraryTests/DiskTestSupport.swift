import Foundation
import VirtStorageTestSupport

/// One row of `parted -m -s DEV unit B print`: number and byte extent (end exclusive).
struct PartedRow: Equatable {
    var number: Int
    var start: UInt64
    var end: UInt64
}

/// The partitions parted itself lists, and its label name.
func partedPrint(_ device: String) throws -> (label: String, rows: [PartedRow]) {
    let (_, out) = try Scratch.run("/usr/sbin/parted", ["-m", "-s", device, "unit", "B", "print"])
    var label = ""
    var rows: [PartedRow] = []
    for line in out.split(separator: "\n") {
        let fields = line.split(separator: ":", omittingEmptySubsequences: false)
        if fields.count >= 6, fields[0] == device || fields[0].hasPrefix("/") {
            label = String(fields[5])
        } else if fields.count >= 4, let n = Int(fields[0]),
            let s = UInt64(fields[1].dropLast()), let e = UInt64(fields[2].dropLast())
        {
            rows.append(PartedRow(number: n, start: s, end: e + 1))
        }
    }
    return (label, rows)
}

/// Reads `count` bytes of `path` at `offset`.
func readBytes(_ path: String, at offset: UInt64, count: Int) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: count)
    let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
    return Array(buffer.prefix(max(0, n)))
}

/// Writes `bytes` into `path` at `offset` and syncs.
func writeBytes(_ path: String, _ bytes: [UInt8], at offset: UInt64) {
    let fd = open(path, O_WRONLY)
    guard fd >= 0 else { return }
    defer { close(fd) }
    _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, bytes.count, off_t(offset)) }
    fsync(fd)
}
