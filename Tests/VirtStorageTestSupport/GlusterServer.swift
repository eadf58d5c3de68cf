import Foundation

/// The glusterd Scripts/gluster-up.sh started (Scripts/test.sh starts it):
/// one single-brick volume on this host, its state in GLUSTER_STATE.
public struct GlusterServer: Sendable {
    public let state: String
    public let volume: String
    public let host: String

    public static let current: GlusterServer? = find()
    public static let missing =
        TestService.gluster.unavailable
        ?? "no glusterd from Scripts/gluster-up.sh (pid file in GLUSTER_STATE, default /tmp/virtstorage-gluster)"

    static func find() -> GlusterServer? {
        let env = ProcessInfo.processInfo.environment
        let state = env["GLUSTER_STATE"] ?? "/tmp/virtstorage-gluster"
        guard TestService.gluster.available, let text = try? String(contentsOfFile: state + "/glusterd.pid", encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, 0) == 0
        else { return nil }
        return GlusterServer(
            state: state, volume: env["GLUSTER_VOLUME"] ?? "gv0",
            host: env["GLUSTER_HOST"] ?? ProcessInfo.processInfo.hostName)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The gluster CLI against the private glusterd (test setup only).
    @discardableResult
    public func gluster(_ args: String...) throws -> String {
        let result = try Scratch.run(
            "/usr/sbin/gluster",
            ["--glusterd-sock=\(state)/glusterd.socket", "--mode=script", "--log-file=\(state)/log/cli.log"] + args)
        guard result.status == 0 else {
            throw Failure(description: "gluster \(args.joined(separator: " ")): \(result.output)")
        }
        return result.output
    }
}
