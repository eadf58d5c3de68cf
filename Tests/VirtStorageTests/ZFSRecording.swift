import Foundation

@testable import VirtStorage

/// Real OpenZFS output, recorded in a Debian 12 guest with Debian's zfs-dkms
/// 2.1.11 by `Scripts/zfs-vm/record.sh` (this machine's kernel has no
/// ZFS): for each step NAME, the command line (Recorded/zfs/NAME.cmd), its
/// standard output (NAME.out, binary for a send stream), standard error
/// (NAME.err) and exit status (NAME.status). An empty output has no file;
/// a step without its command line or status, or a stream file that is
/// missing, stops the tests (a typo must not read as an empty answer).
/// NAME.in is what a receiving step was given on its standard input.
enum ZFSRecording {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Recorded/zfs")

    static func bytes(_ file: String, required: Bool = false) -> [UInt8] {
        let url = folder.appendingPathComponent(file)
        guard let data = try? Data(contentsOf: url) else {
            precondition(!required, "no recording \(url.path)")
            return []
        }
        return [UInt8](data)
    }

    static func text(_ file: String, required: Bool = false) -> String {
        String(decoding: bytes(file, required: required), as: UTF8.self)
    }

    /// A send stream (NAME.out) or a stream given to a receive (NAME.in).
    static func stream(_ file: String) -> [UInt8] { bytes(file, required: true) }

    /// What step `name` printed and its exit status.
    static func output(_ name: String) -> CommandRunner.Output {
        let status = text(name + ".status", required: true).trimmingCharacters(in: .whitespacesAndNewlines)
        return CommandRunner.Output(status: Int32(status)!, stdout: text(name + ".out"), stderr: text(name + ".err"))
    }

    /// The command line step `name` ran, as "program arg arg" (without the
    /// file given on its standard input, or the `env` that set its locale).
    static func line(_ name: String) -> String {
        var line = text(name + ".cmd", required: true).trimmingCharacters(in: .whitespacesAndNewlines)
        if let input = line.range(of: " < ") { line = String(line[..<input.lowerBound]) }
        if line.hasPrefix("env LC_ALL=C ") { line = String(line.dropFirst("env LC_ALL=C ".count)) }
        return line
    }
}
