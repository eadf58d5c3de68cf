import Foundation

/// A temporary directory removed when the test ends (this target's own,
/// minimal counterpart of VirtStorageTests' Scratch).
final class DiskScratch: @unchecked Sendable {
    let path: String

    init(_ label: String) {
        let template = NSTemporaryDirectory() + "virtstorage-\(label)-XXXXXX"
        var bytes = Array(template.utf8CString)
        path = bytes.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func sub(_ name: String) -> String { path + "/" + name }
}

/// Runs a program, returning its status and its output (stdout and stderr).
@discardableResult
func runProgram(_ program: String, _ args: [String]) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: program)
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A sparse image attached to a loop device; detached in deinit, also when a
/// test fails (the kernel's partition nodes go with it). Anything mounted
/// below `mounts` is unmounted first.
final class DiskLoop: @unchecked Sendable {
    let image: String
    let device: String
    var mounts: [String] = []

    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/losetup")
            && FileManager.default.fileExists(atPath: "/dev/loop-control")
    }

    init(_ label: String, sizeMiB: Int, in scratch: DiskScratch) throws {
        image = scratch.sub("\(label).img")
        try runProgram("/usr/bin/truncate", ["-s", "\(sizeMiB)M", image])
        let (status, out) = try runProgram("/usr/sbin/losetup", ["-f", "--show", image])
        guard status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["losetup": out]) }
        device = out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit {
        for mount in mounts.reversed() { _ = try? runProgram("/usr/bin/umount", [mount]) }
        _ = try? runProgram("/usr/sbin/losetup", ["-d", device])
    }
}

/// One row of `parted -m -s DEV unit B print`: number and byte extent (end exclusive).
struct PartedRow: Equatable {
    var number: Int
    var start: UInt64
    var end: UInt64
}

/// The partitions parted itself lists, and its label name.
func partedPrint(_ device: String) throws -> (label: String, rows: [PartedRow]) {
    let (_, out) = try runProgram("/usr/sbin/parted", ["-m", "-s", device, "unit", "B", "print"])
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
