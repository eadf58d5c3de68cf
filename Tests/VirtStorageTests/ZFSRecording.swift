import Foundation

@testable import VirtStorage

/// Real OpenZFS output, recorded in a Debian 12 guest with Debian's zfs-dkms
/// 2.1.11 by `Scripts/zfs-vm/record-streams.sh` (this machine's kernel has no
/// ZFS): for each step NAME, the command line (Recorded/zfs/NAME.cmd), its
/// standard output (NAME.out, binary for a send stream), standard error
/// (NAME.err) and exit status (NAME.status). An empty output has no file.
enum ZFSRecording {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Recorded/zfs")

    static func bytes(_ file: String) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: folder.appendingPathComponent(file)))) ?? []
    }

    static func text(_ file: String) -> String { String(decoding: bytes(file), as: UTF8.self) }

    /// What step `name` printed and its exit status.
    static func output(_ name: String) -> CommandRunner.Output {
        CommandRunner.Output(
            status: Int32(text(name + ".status").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1,
            stdout: text(name + ".out"), stderr: text(name + ".err"))
    }

    /// The command line step `name` ran, as "program arg arg" (without the
    /// file given on its standard input, or the `env` that set its locale).
    static func line(_ name: String) -> String {
        var line = text(name + ".cmd").trimmingCharacters(in: .whitespacesAndNewlines)
        if let input = line.range(of: " < ") { line = String(line[..<input.lowerBound]) }
        if line.hasPrefix("env LC_ALL=C ") { line = String(line.dropFirst("env LC_ALL=C ".count)) }
        return line
    }
}
