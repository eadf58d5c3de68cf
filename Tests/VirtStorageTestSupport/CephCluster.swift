import Foundation

/// The Ceph cluster Scripts/ceph-up.sh started (Scripts/test.sh starts one
/// and exports VIRT_STORAGE_CEPH_CONF).
public struct CephCluster: Sendable {
    public let conf: String
    public let directory: String
    /// msgr v1 and v2 ports of the monitor on 127.0.0.1.
    public let v1Port: Int
    public let v2Port: Int
    /// The client.admin key, raw (as a libvirt secret value holds it).
    public let adminKey: [UInt8]

    public static let current: CephCluster? = configuration.flatMap(load)
    public static var reason: String {
        let why =
            current == nil
            ? (TestService.ceph.unavailable ?? "no Ceph cluster at \(configuration ?? "?"): run Scripts/ceph-up.sh")
            : "Ceph cluster at \(configuration ?? "?")"
        print("rbd backend tests: \(why)")
        return why
    }

    /// $VIRT_STORAGE_CEPH_CONF (Scripts/test.sh exports it), otherwise
    /// the cluster that TestService starts (or finds) with Scripts/ceph-up.sh.
    public static let configuration: String? = {
        if let conf = ProcessInfo.processInfo.environment["VIRT_STORAGE_CEPH_CONF"], !conf.isEmpty { return conf }
        return TestService.ceph.startOutput
    }()

    public static func load(_ conf: String) -> CephCluster? {
        guard let text = try? String(contentsOfFile: conf, encoding: .utf8) else { return nil }
        let directory = (conf as NSString).deletingLastPathComponent
        guard let keyText = try? String(contentsOfFile: directory + "/client.admin.key", encoding: .utf8),
            let key = Data(base64Encoded: keyText.trimmingCharacters(in: .whitespacesAndNewlines)),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("mon host") })
        else { return nil }
        func port(_ proto: String) -> Int? {
            guard let range = line.range(of: proto + ":127.0.0.1:") else { return nil }
            return Int(line[range.upperBound...].prefix(while: \.isNumber))
        }
        guard let v1 = port("v1"), let v2 = port("v2") else { return nil }
        return CephCluster(conf: conf, directory: directory, v1Port: v1, v2Port: v2, adminKey: Array(key))
    }

    /// Runs the rbd command line against the cluster (test setup only; the backend never does).
    @discardableResult
    public func rbd(_ args: String...) throws -> String {
        try Scratch.run("/usr/bin/rbd", ["-c", conf] + args).output
    }
}
