import ArgumentParser
import Foundation
import VirtStorage

/// Volume streams: VirtStorage extensions (virsh has no export or import).
/// `-` as the file is standard output or input; then nothing else is
/// printed on standard output, so the stream can be piped.

struct VolExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vol-export",
        abstract: "(VirtStorage extension) write a vol as a VirtStorage volume stream to a file, or - for stdout")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var vol: VolumeArgument
    @Option(name: .customLong("file"), help: "the stream's new file, or - for standard output") var file: String?
    @Option(name: .customLong("snapshot"), help: "the vol as it was at this snapshot (rbd, btrfs, qcow2; zfs with --format zfs-send)")
    var snapshot: String?
    @Option(
        name: .customLong("base"),
        help: "only what changed from this snapshot to --snapshot: an incremental stream (rbd, qcow2, btrfs-send, zfs-send)")
    var base: String?
    @Option(
        name: .customLong("format"),
        help:
            "raw: a qcow2 vol's guest bytes instead of its image; qcow2: a raw vol as a qcow2 image; btrfs-send, zfs-send: the pool type's own stream (btrfs, zfs; at --snapshot)")
    var format: String?

    func run() async throws {
        var options = global
        // The stream is the only thing on standard output.
        if file == "-" { options.quiet = true }
        try await options.perform {
            let host = try await options.openHost()
            let v = try await VolumeArgument.lookup(host, vol.values())
            let target = try OptionValues.require(OptionValues.collect(["file": file]), "file")
            let bar = ProgressBar("export")
            if target == "-" {
                try await step("Failed to export vol \(v.name)") {
                    let stream = try await host.exportVolume(
                        v.name, in: v.pool, snapshot: snapshot, base: base, format: format, progress: bar.handler)
                    try await StreamFile(borrowing: STDOUT_FILENO, name: "standard output").write(stream)
                }
                bar.finish()
                return
            }
            let header = try await step("Failed to export vol \(v.name)") {
                try await host.exportVolume(
                    v.name, in: v.pool, snapshot: snapshot, base: base, format: format, to: target,
                    progress: bar.handler)
            }
            bar.finish()
            let what = header.base.map { "changes from \($0) to \(header.snapshot ?? "")" } ?? header.snapshot.map { "at \($0)" }
            let size = header.isNative ? "" : ", \(header.size) bytes"
            options.extra(
                "Vol \(v.name) exported to \(target) (\(header.format)\(size)\(what.map { ", " + $0 } ?? ""))\n")
        }
    }
}

struct VolImport: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "vol-import",
        abstract: "(VirtStorage extension) create a vol from a VirtStorage volume stream in a file, or - for stdin")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("pool"), help: "pool name or uuid") var pool: String?
    @Option(name: .customLong("name"), help: "name of the new vol") var name: String?
    @Option(name: .customLong("file"), help: "the stream's file, or - for standard input") var file: String?

    func execute(_ host: StorageHost) async throws {
        let values = OptionValues.collect(["pool": pool, "name": name, "file": file])
        let target = try await lookupPool(host, try OptionValues.require(values, "pool"))
        let volume = try OptionValues.require(values, "name")
        let source = try OptionValues.require(values, "file")
        let bar = ProgressBar("import")
        try await step("Failed to import vol \(volume)") {
            if source == "-" {
                let input = StreamFile(borrowing: STDIN_FILENO, name: "standard input")
                try await host.importVolume(volume, into: target.name, from: input.pieces, progress: bar.handler)
            } else {
                try await host.importVolume(volume, into: target.name, fromFile: source, progress: bar.handler)
            }
        }
        bar.finish()
        global.extra("Vol \(volume) imported into pool \(target.name)\n")
    }
}
