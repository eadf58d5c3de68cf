import Foundation
import Testing
import VirtStorageTestSupport

/// virt-storage's rbd commands on the live cluster: each prints only its own
/// lines (nothing from librados on stderr) and ends with status 0, its
/// cluster connection closed before the process exits.
@Suite(
    "virt-storage rbd commands on a live Ceph", .serialized,
    .enabled(if: CephCluster.current != nil, Comment(rawValue: CephCluster.reason)))
struct RBDCommandLineTests {
    @Test(arguments: ["v1", "v2"])
    func commandsPrintOnlyTheirOwnLines(messenger: String) throws {
        let cluster = CephCluster.current!
        let base = NSTemporaryDirectory() + "virtstorage-rbdcli-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        func run(_ args: [String]) throws -> Executables.Result {
            try Executables.run(Executables.virtStorage, args, environment: ["VIRT_STORAGE_ROOT": base + "/root"])
        }
        let uuid = UUID().uuidString.lowercased()
        try "<secret ephemeral='no' private='yes'><uuid>\(uuid)</uuid><usage type='ceph'><name>cli \(uuid)</name></usage></secret>"
            .write(toFile: base + "/secret.xml", atomically: true, encoding: .utf8)
        let image = "cli-\(messenger)-\(uuid.prefix(8))"
        let data = base + "/data"
        try Data((0..<1_048_576).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: URL(fileURLWithPath: data))
        // The monitor given as virsh users give it, HOST:PORT in the name,
        // on the port of each messenger version (neither is 3300 or 6789).
        let port = messenger == "v1" ? cluster.v1Port : cluster.v2Port
        let create = [
            "pool-create-as", "r", "rbd", "--source-host", "127.0.0.1:\(port)", "--source-name", "rbd",
            "--auth-type", "ceph", "--auth-username", "admin", "--secret-uuid", uuid,
        ]
        let steps: [[String]] = [
            ["secret-define", base + "/secret.xml"],
            ["secret-set-value", uuid, "--file", cluster.directory + "/client.admin.key"],
            create,
            ["vol-create-as", "r", image, "4M"],
            ["vol-upload", image, data, "--pool", "r"],
            ["vol-download", image, base + "/back", "--pool", "r", "--length", "1048576"],
            ["vol-info", image, "--pool", "r"],
            ["pool-refresh", "r"],
            ["vol-delete", image, "--pool", "r"],
            ["pool-destroy", "r"],
        ]
        for step in steps {
            let result = try run(step)
            #expect(result.status == 0, "\(step.joined(separator: " ")): \(result.stderr)")
            #expect(result.stderr == "", "\(step.joined(separator: " ")) wrote to stderr")
        }
        #expect(FileManager.default.contentsEqual(atPath: data, andPath: base + "/back"))
        // Asked for, librados' own lines come through the logger, on stderr.
        let debug = try run(create + ["--debug"])
        #expect(debug.status == 0)
        #expect(debug.stderr.contains("library=librados") && debug.stderr.contains("librados: init done"))
        let destroy = try run(["pool-destroy", "r"])
        #expect(destroy.stderr == "", "pool-destroy wrote: \(destroy.stderr)")
    }
}
