import Foundation
import Testing
import VirtStorageTestSupport

/// A scratch directory with a root of its own, and a runner of
/// virt-storage on that root, for tests of the command line.
struct CommandPlace {
    let base = NSTemporaryDirectory() + "virtstorage-cli-\(UUID().uuidString.prefix(8))"

    init() throws { try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true) }

    func run(_ args: [String]) throws -> Executables.Result {
        try Executables.run(Executables.virtStorage, args, environment: ["VIRT_STORAGE_ROOT": base + "/root"])
    }

    /// Runs a step that must succeed; returns its stdout.
    @discardableResult
    func ok(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(args)
        #expect(result.status == 0, "\(args.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Runs a step that must fail; returns its stderr.
    func refused(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(args)
        #expect(result.status == 1, "\(args.joined(separator: " ")) was not refused", sourceLocation: sourceLocation)
        return result.stderr
    }

    /// Defines the cluster's admin key as a secret and creates the rbd pool
    /// `name` on the live cluster's pool "rbd"; returns the secret's uuid.
    @discardableResult
    func createRBDPool(_ name: String, on cluster: CephCluster, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> String
    {
        let uuid = UUID().uuidString.lowercased()
        try "<secret ephemeral='no' private='yes'><uuid>\(uuid)</uuid><usage type='ceph'><name>cli \(uuid)</name></usage></secret>"
            .write(toFile: base + "/secret.xml", atomically: true, encoding: .utf8)
        try ok(["secret-define", base + "/secret.xml"], sourceLocation: sourceLocation)
        try ok(["secret-set-value", uuid, "--file", cluster.directory + "/client.admin.key"], sourceLocation: sourceLocation)
        try ok(
            [
                "pool-create-as", name, "rbd", "--source-host", "127.0.0.1:\(cluster.v2Port)", "--source-name", "rbd",
                "--auth-type", "ceph", "--auth-username", "admin", "--secret-uuid", uuid,
            ], sourceLocation: sourceLocation)
        return uuid
    }
}
