import Foundation

/// The open-iscsi `iscsiadm` command lines libvirt's iscsi pools run, argument
/// for argument, and the parsing of their output.
public enum ISCSIAdm {
    static let program = "iscsiadm"
    static let defaultPort = 3260

    // MARK: command lines

    /// `iscsiadm --mode session`: the logged-in sessions.
    static let sessions = Command(program, ["--mode", "session"])
    /// `iscsiadm --mode iface`: the interfaces and their initiator IQNs.
    static let ifaces = Command(program, ["--mode", "iface"])

    static func ifaceNew(_ iface: String) -> Command {
        Command(program, ["--mode", "iface", "--interface", iface, "--op", "new"])
    }

    static func ifaceSetInitiator(_ iface: String, _ iqn: String) -> Command {
        Command(
            program,
            [
                "--mode", "iface", "--interface", iface, "--op", "update", "--name", "iface.initiatorname", "--value",
                iqn,
            ])
    }

    /// SendTargets discovery; `persist` false adds `--op nonpersistent`
    /// (find-storage-pool-sources leaves no node records behind).
    static func discovery(_ portal: String, iface: String?, persist: Bool) -> Command {
        Command(
            program,
            ["--mode", "discovery", "--type", "sendtargets", "--portal", portal]
                + (persist ? [] : ["--op", "nonpersistent"]) + (iface.map { ["--interface", $0] } ?? []))
    }

    /// A static node record for the target, which login needs.
    static func nodeNew(_ portal: String, _ target: String) -> Command {
        Command(program, ["--mode", "node", "--portal", portal, "--targetname", target, "--op", "new"])
    }

    /// Sets one setting of the target's node record (libvirt spells this one `--target`).
    static func nodeUpdate(_ portal: String, _ target: String, name: String, value: String) -> Command {
        Command(
            program,
            [
                "--mode", "node", "--portal", portal, "--target", target, "--op", "update", "--name", name, "--value",
                value,
            ])
    }

    static func login(_ portal: String, _ target: String, iface: String?) -> Command {
        node(portal, target, "--login", iface)
    }

    static func logout(_ portal: String, _ target: String, iface: String?) -> Command {
        node(portal, target, "--logout", iface)
    }

    private static func node(_ portal: String, _ target: String, _ action: String, _ iface: String?) -> Command {
        Command(
            program,
            ["--mode", "node", "--portal", portal, "--targetname", target, action]
                + (iface.map { ["--interface", $0] } ?? []))
    }

    /// Rescans the session's LUNs.
    static func rescan(_ session: String) -> Command {
        Command(program, ["--mode", "session", "-r", session, "-R"])
    }

    // MARK: names

    /// "host:port,1" (IPv6 hosts in brackets), the portal form libvirt passes;
    /// the port is 3260 when the pool names none.
    static func portal(_ host: SourceHost) -> String {
        let port = host.port.flatMap { $0 == 0 ? nil : $0 } ?? defaultPort
        let name = host.name.contains(":") ? "[\(host.name)]" : host.name
        return "\(name):\(port),1"
    }

    // MARK: output

    /// `--mode session` lines, "tcp: [ID] PORTAL TARGET [(non-flash)]":
    /// the session ID of each target, in order.
    static func sessions(_ output: String) -> [(id: String, target: String)] {
        output.split(separator: "\n").compactMap { line in
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.count >= 4, fields[0] == "tcp:", fields[1].hasPrefix("["), fields[1].hasSuffix("]"),
                fields[1].count > 2
            else { return nil }
            return (String(fields[1].dropFirst().dropLast()), String(fields[3]))
        }
    }

    /// SendTargets lines, "PORTAL TARGET": the target names.
    static func targets(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap { line in
            let fields = line.split(whereSeparator: \.isWhitespace)
            return fields.count == 2 ? String(fields[1]) : nil
        }
    }

    /// `--mode iface` lines, "NAME TRANSPORT,HWADDRESS,IPADDRESS,NETDEV,INITIATORNAME":
    /// the interface whose initiator name is `iqn`, if any.
    static func iface(for iqn: String, in output: String) throws(StorageError) -> String? {
        for line in output.split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else {
                throw StorageError(.internalError, "malformed output of \(program): \(line)", value: String(line))
            }
            let fields = line[line.index(after: space)...].split(
                separator: ",", maxSplits: 4, omittingEmptySubsequences: false)
            guard fields.count == 5 else {
                throw StorageError(.internalError, "malformed output of \(program): \(line)", value: String(line))
            }
            if fields[4] == iqn { return String(line[..<space]) }
        }
        return nil
    }

    // MARK: errors

    /// What iscsiadm's exit status means (open-iscsi's iscsi_err.h), for messages.
    static func meaning(_ status: Int32) -> String? {
        switch status {
        case 2: "session not found"
        case 4: "transport error"
        case 5: "login failed"
        case 6: "error accessing the iSCSI node database"
        case 7: "invalid argument"
        case 8: "connection to the portal timed out: is the portal reachable?"
        case 9: "internal iscsid failure"
        case 10: "logout failed"
        case 11: "iSCSI PDU timed out"
        case 12: "iSCSI transport module not loaded in the kernel or iscsid"
        case 13: "permission denied"
        case 15: "session already logged in"
        case 18: "a read or write to iscsid failed"
        case 19: "login refused by the target: is the target name right, and may this initiator log in?"
        case 20: "cannot connect to iscsid: is iscsid running?"
        case 21: "no records found: unknown target or portal"
        case 22: "cannot find the object in sysfs"
        case 23: "cannot find the host"
        case 24: "login failed: CHAP authentication refused"
        case 127: nil
        default: nil
        }
    }

    /// Runs `command`, throwing with iscsiadm's own message and what its
    /// exit status means unless it succeeds.
    static func run(_ command: Command, on runner: CommandRunning, _ what: String) async throws(StorageError)
        -> CommandRunner.Output
    {
        let output = try await runner.capture(command)
        guard output.status == 0 else { throw failure(output, what) }
        return output
    }

    static func failure(_ output: CommandRunner.Output, _ what: String) -> StorageError {
        var message = "\(what): \(program) exited with status \(output.status)"
        if let meaning = meaning(output.status) { message += " (\(meaning))" }
        if !output.message.isEmpty { message += ": \(output.message)" }
        return StorageError(.operationFailed, message)
    }
}
