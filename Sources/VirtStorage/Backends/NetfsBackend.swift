import Foundation
import VirtStorageXML

/// Network filesystem pools: an NFS export, a CIFS share or a gluster volume
/// mounted on the target directory.
public struct NetfsBackend: MountedPoolBackend {
    public let runner: CommandRunning

    public init(runner: CommandRunning = SystemCommandRunner()) { self.runner = runner }

    public var type: PoolType { .netfs }

    /// Makes the mount point; there is nothing to format on the server's side.
    public func build(_ pool: PoolDefinition, mode: BuildMode) async throws(StorageError) {
        guard mode == .normal else {
            throw StorageError(
                .operationUnsupported,
                "netfs pools cannot be formatted: --overwrite and --no-overwrite apply to fs and disk pools")
        }
        try await buildDirectory(pool)
    }

    /// NFS exports (showmount) and gluster volumes (gluster --xml volume info)
    /// of the spec's one host; an error only when neither tool finds anything.
    public func findSources(_ spec: PoolSource?) async throws(StorageError) -> [PoolSource] {
        guard let spec else {
            throw StorageError(.invalidArgument, "hostname must be specified for netfs sources", element: "source/host")
        }
        guard spec.hosts.count == 1 else {
            throw StorageError(
                .configUnsupported, "Expected exactly 1 host for the storage pool", element: "source/host")
        }
        let host = spec.hosts[0].name
        // Both asked at once: against a host that does not answer, the timeouts do not add up.
        async let asked = attempt(Command("showmount", ["--no-headers", "--exports", host]))
        async let askedGluster = attempt(GlusterVolumeList.command(host: host))
        let (nfs, gluster) = await (asked, askedGluster)
        var found = nfs.status == 0 ? Self.parseExports(nfs.stdout, host: host) : []
        if gluster.status == 0 {
            found += try GlusterVolumeList.parse(gluster.stdout, host: host, as: .netfs)
        }
        if nfs.status != 0 && gluster.status != 0 {
            let why = nfs.stderr.split(separator: "\n").first.map(String.init) ?? "showmount failed"
            throw StorageError(
                .operationFailed, "no storage pools were found on host '\(host)'", value: host, hint: why)
        }
        return found
    }

    /// A tool that is missing or fails only means that kind of source is not there.
    private func attempt(_ command: Command) async -> CommandRunner.Output {
        do {
            return try await runner.capture(command)
        } catch {
            return CommandRunner.Output(status: 127, stderr: error.message)
        }
    }

    /// showmount lines are "<dir> <clients>"; the directory may hold spaces.
    static func parseExports(_ text: String, host: String) -> [PoolSource] {
        text.split(separator: "\n").compactMap { line -> PoolSource? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("/"), let split = trimmed.lastIndex(of: " ") else { return nil }
            let dir = trimmed[..<split].trimmingCharacters(in: .whitespaces)
            guard !dir.isEmpty, dir.last != "/" || dir == "/" else { return nil }
            var source = PoolSource()
            source.hosts = [SourceHost(name: host, port: nil)]
            source.dir = dir
            source.format = "nfs"
            return source
        }
    }
}
