import ArgumentParser
import Foundation
import Logging
import Synchronization
import VirtStorage
import VirtStorageBtrfs
import VirtStorageDisk
import VirtStorageGluster
import VirtStorageISCSIDirect
import VirtStorageMultipath
import VirtStorageRBD

/// Options every verb takes.
struct GlobalOptions: ParsableArguments {
    @Flag(
        name: [.short, .customLong("quiet")],
        help: "quiet mode: no informational lines, list headers or blank line after a command's output")
    var quiet = false

    @Option(
        name: .customLong("root"),
        help: ArgumentHelp(
            "keep config, autostart and state under DIR (also VIRT_STORAGE_ROOT)", valueName: "DIR"))
    var root: String?

    @Flag(
        name: .customLong("debug"),
        help: "(VirtStorage extension) log on stderr what the library and its C libraries (librados, libgfapi, libiscsi) do")
    var debug = false

    /// Quiet unless --debug: then every line at debug level and up, on stderr.
    var logger: Logger {
        guard debug else { return StorageHost.silentLogger }
        var logger = Logger(label: "virt-storage") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .debug
        return logger
    }

    /// Prints a command's output; like virsh, a blank line follows unless quiet.
    func emit(_ text: String) {
        print(text, terminator: "")
        if !quiet { print() }
    }

    /// Prints an informational line ("Pool p started"): as virsh's
    /// vshPrintExtra, nothing at all in quiet mode.
    func extra(_ text: String) {
        if !quiet { emit(text) }
    }

    /// Prints a list: as virsh's tables, without the header in quiet mode.
    func emit(_ table: Table) {
        emit(table.render(header: !quiet))
    }

    var directories: StorageHostDirectories {
        if let root { return .root(root) }
        if let env = ProcessInfo.processInfo.environment["VIRT_STORAGE_ROOT"], !env.isEmpty { return .root(env) }
        return .default
    }

    /// Runs a verb's work; a StorageError becomes virsh's one-line error and
    /// exit status 1. The hosts the work opened are shut down before the
    /// process ends, so that native libraries close their connections while
    /// the process is still whole.
    func perform(_ work: () async throws -> Void) async throws {
        let failure: (any Error)?
        do {
            try await work()
            failure = nil
        } catch {
            failure = error
        }
        for host in OpenedHosts.all.withLock({ hosts in defer { hosts = [] }; return hosts }) {
            await host.shutdown()
        }
        if let failure { throw fail(failure, self) }
    }

    func openSecrets() throws(StorageError) -> FileSecretStore {
        try FileSecretStore(directory: directories.secrets)
    }

    func openHost() async throws(StorageError) -> StorageHost {
        let secrets = try openSecrets()
        let host = try await StorageHost(
            directories: directories, backends: Backends.registry, schemas: StorageSchemas(), secrets: secrets,
            logger: logger)
        OpenedHosts.all.withLock { $0.append(host) }
        for line in await host.interruptedJobs {
            FileHandle.standardError.write(Data("warning: \(line)\n".utf8))
        }
        return host
    }
}

/// The hosts this process opened, for ``GlobalOptions/perform(_:)`` to shut down.
enum OpenedHosts {
    static let all = Mutex<[StorageHost]>([])
}

/// A verb that works on a storage host; errors become one line on stderr.
protocol HostCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    func execute(_ host: StorageHost) async throws
}

extension HostCommand {
    func run() async throws {
        try await global.perform { try await execute(try await global.openHost()) }
    }
}

/// The backends this executable offers (the host hands each its secret store).
enum Backends {
    static var registry: BackendRegistry {
        var registry = BackendRegistry.builtIn
        for backend in RBDBackends.all + GlusterBackends.all + DiskBackends.all + ISCSIDirectBackends.all
            + MultipathBackends.all + BtrfsBackends.all
        {
            registry.register(backend)
        }
        return registry
    }
}

/// A `<pool>` argument (by position or as --pool: VirshCommandLine names it).
struct PoolArgument: ParsableArguments {
    @Option(name: .customLong("pool"), help: "pool name or uuid") var named: String?

    func value() throws -> String {
        guard let value = named else {
            throw StorageError(.invalidArgument, "command requires the <pool> option", element: "--pool")
        }
        return value
    }
}

/// A `<vol> [--pool]` pair: a name within the pool, else a key or a path.
struct VolumeArgument: ParsableArguments {
    @Option(name: .customLong("vol"), help: "vol name, key or path") var vol: String?
    @Option(name: .customLong("pool"), help: "pool name or uuid") var pool: String?

    func values() -> [String: String] {
        OptionValues.collect(["vol": vol, "pool": pool])
    }

    /// `poolOption` names the option that would have helped (virsh's hint),
    /// nil for the verbs that have none (vol-name, vol-pool).
    static func lookup(_ host: StorageHost, _ values: [String: String], poolOption: String? = "pool")
        async throws -> StorageVolume
    {
        let vol = try OptionValues.require(values, "vol")
        let volume: StorageVolume
        if let pool = values["pool"] {
            let found = try await lookupPool(host, pool, last: false)
            guard found.isActive else { throw CommandLineError("pool '\(pool)' is not active") }
            volume = try await step("failed to get vol '\(vol)'") { try await host.volume(vol, in: found.name) }
        } else {
            let label = "failed to get vol '\(vol)'" + (poolOption.map { ", specifying --\($0) might help" } ?? "")
            volume = try await step(label) { try await host.volume(keyOrPath: vol) }
        }
        try DeferredMistake.lookupDone()
        return volume
    }
}

/// Reads a file named on the command line.
/// A file read to its end, as virsh reads an XML file: a pipe or
/// /dev/stdin too, whose size is not known before it ends.
func readFile(_ path: String) throws(StorageError) -> String {
    let fd = try SystemCalls.open(path, O_RDONLY, "Failed to open file '\(path)'")
    defer { SystemCalls.close(fd) }
    var bytes: [UInt8] = []
    while true {
        let piece = try SystemCalls.readSome(fd, count: 65536, path: path, "Failed to read file '\(path)'")
        if piece.isEmpty { break }
        bytes += piece
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// virsh's --build / --overwrite / --no-overwrite flags.
struct BuildFlags: ParsableArguments {
    @Flag(name: .customLong("build"), help: "build the pool as normal") var build = false
    @Flag(name: .customLong("overwrite"), help: "build the pool without checking for existing data") var overwrite =
        false
    @Flag(name: .customLong("no-overwrite"), help: "build the pool only if it holds no data yet") var noOverwrite =
        false

    func mode(requireBuild: Bool) throws -> BuildMode? {
        // virsh's own check (VSH_EXCLUSIVE_OPTIONS_EXPR): its words, no prefix.
        if overwrite && noOverwrite {
            throw CommandLineError("Options --overwrite and --no-overwrite are mutually exclusive")
        }
        // As libvirt: --overwrite or --no-overwrite builds the pool without --build.
        if requireBuild && !build && !overwrite && !noOverwrite { return nil }
        return overwrite ? .overwrite : noOverwrite ? .noOverwrite : .normal
    }
}
