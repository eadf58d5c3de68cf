import ArgumentParser
import Foundation
import VirtStorage

/// Volume snapshots: VirtStorage extensions (virsh has no volume
/// snapshots), shaped as virsh's vol-* verbs: the volume by name, key or
/// path, `--pool` to name its pool.
/// The volume and the snapshot name a verb is given, read as virsh reads
/// a vol-* verb's: the volume's lookup first.
func snapshotArguments(_ host: StorageHost, _ vol: VolumeArgument, _ snapshot: String?) async throws
    -> (StorageVolume, String)
{
    let volume = try await VolumeArgument.lookup(host, vol.values())
    return (volume, try OptionValues.require(OptionValues.collect(["snapshot": snapshot]), "snapshot"))
}

struct VolSnapshotCreate: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "vol-snapshot-create", abstract: "(VirtStorage extension) take a snapshot of a vol")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var vol: VolumeArgument
    @Option(name: .customLong("snapshot"), help: "snapshot name") var snapshot: String?
    @Option(name: .customLong("description"), help: "what the snapshot is for (rbd keeps it)") var text: String?

    func execute(_ host: StorageHost) async throws {
        let (v, name) = try await snapshotArguments(host, vol, snapshot)
        try await step("Failed to create snapshot \(name) of vol \(v.name)") {
            try await host.createSnapshot(name, of: v.name, in: v.pool, description: text)
        }
        global.extra("Snapshot \(name) of vol \(v.name) created\n")
    }
}

struct VolSnapshotList: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "vol-snapshot-list", abstract: "(VirtStorage extension) list the snapshots of a vol")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var vol: VolumeArgument
    @Flag(name: .customLong("json"), help: "print as JSON") var asJSON = false

    /// One snapshot in `--json`: the creation time in ISO 8601.
    struct SnapshotJSON: Encodable {
        var name: String
        var description: String?
        var created: String?
        var size: UInt64?
    }

    func execute(_ host: StorageHost) async throws {
        let v = try await VolumeArgument.lookup(host, vol.values())
        let snapshots = try await step("Failed to list the snapshots of vol \(v.name)") {
            try await host.snapshots(of: v.name, in: v.pool)
        }
        let iso = ISO8601DateFormatter()
        if asJSON {
            return global.emit(
                jsonText(
                    snapshots.map {
                        SnapshotJSON(
                            name: $0.name, description: $0.description, created: $0.created.map(iso.string),
                            size: $0.size)
                    }))
        }
        // virsh snapshot-list's time layout.
        let time = DateFormatter()
        time.locale = Locale(identifier: "en_US_POSIX")
        time.dateFormat = "yyyy-MM-dd HH:mm:ss Z"
        var table = Table(header: ["Name", "Creation Time", "Description"])
        table.rows = snapshots.map { [$0.name, $0.created.map(time.string) ?? "", $0.description ?? ""] }
        global.emit(table)
    }
}

struct VolSnapshotRevert: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "vol-snapshot-revert",
        abstract: "(VirtStorage extension) bring a vol's data back to one of its snapshots")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var vol: VolumeArgument
    @Option(name: .customLong("snapshot"), help: "snapshot name") var snapshot: String?

    func execute(_ host: StorageHost) async throws {
        let (v, name) = try await snapshotArguments(host, vol, snapshot)
        try await step("Failed to revert vol \(v.name) to snapshot \(name)") {
            try await host.revertSnapshot(name, of: v.name, in: v.pool)
        }
        global.extra("Vol \(v.name) reverted to snapshot \(name)\n")
    }
}

struct VolSnapshotDelete: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "vol-snapshot-delete", abstract: "(VirtStorage extension) delete a snapshot of a vol")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var vol: VolumeArgument
    @Option(name: .customLong("snapshot"), help: "snapshot name") var snapshot: String?

    func execute(_ host: StorageHost) async throws {
        let (v, name) = try await snapshotArguments(host, vol, snapshot)
        try await step("Failed to delete snapshot \(name) of vol \(v.name)") {
            try await host.deleteSnapshot(name, of: v.name, in: v.pool)
        }
        global.extra("Snapshot \(name) of vol \(v.name) deleted\n")
    }
}
