@testable import VirtStorage

/// iscsiadm output recorded from real initiators: no kernel iSCSI initiator
/// runs here.
enum ISCSIRecordedOutput {
    typealias Output = CommandRunner.Output

    // libvirt 9.0.0 tests/viriscsitest.c, recorded from real iscsiadm runs.
    static let sessions = """
        tcp: [1] 10.20.30.40:3260,1 iqn.2004-06.example:example1:iscsi.test
        tcp: [2] 10.20.30.41:3260,1 iqn.2005-05.example:example1:iscsi.hello
        tcp: [3] 10.20.30.42:3260,1 iqn.2006-04.example:example1:iscsi.world
        tcp: [5] 10.20.30.43:3260,1 iqn.2007-04.example:example1:iscsi.foo
        tcp: [6] 10.20.30.44:3260,1 iqn.2008-04.example:example1:iscsi.bar
        tcp: [7] 10.20.30.45:3260,1 iqn.2009-04.example:example1:iscsi.seven

        """
    static let sessionsNonFlash = """
        tcp: [1] 10.20.30.40:3260,1 iqn.2004-06.example:example1:iscsi.test (non-flash)
        tcp: [2] 10.20.30.41:3260,1 iqn.2005-05.example:example1:iscsi.hello (non-flash)
        tcp: [3] 10.20.30.42:3260,1 iqn.2006-04.example:example1:iscsi.world (non-flash)
        tcp: [5] 10.20.30.43:3260,1 iqn.2007-04.example:example1:iscsi.foo (non-flash)
        tcp: [6] 10.20.30.44:3260,1 iqn.2008-04.example:example1:iscsi.bar (non-flash)
        tcp: [7] 10.20.30.45:3260,1 iqn.2009-04.example:example1:iscsi.seven (non-flash)

        """
    static let sendtargets = """
        10.20.30.40:3260,1 iqn.2004-06.example:example1:iscsi.test
        10.20.30.40:3260,1 iqn.2005-05.example:example1:iscsi.hello
        10.20.30.40:3260,1 iqn.2006-04.example:example1:iscsi.world
        10.20.30.40:3260,1 iqn.2007-04.example:example1:iscsi.foo
        10.20.30.40:3260,1 iqn.2008-04.example:example1:iscsi.bar
        10.20.30.40:3260,1 iqn.2009-04.example:example1:iscsi.seven

        """
    static let ifaceDefault = """
        default tcp,<empty>,<empty>,<empty>,<empty>
        iser iser,<empty>,<empty>,<empty>,<empty>

        """
    static let ifaceWithInitiator = """
        default tcp,<empty>,<empty>,<empty>,<empty>
        iser iser,<empty>,<empty>,<empty>,<empty>
        libvirt-iface-03020100 tcp,<empty>,<empty>,<empty>,iqn.2004-06.example:example1:initiator

        """
    /// viriscsitest.c's comments: what a real login and `--op new` print.
    static let login = """
        Logging in to [iface: default, target: iqn.2004-06.example:example1:iscsi.test, portal: 10.20.30.40:3260,1] (multiple)
        Login to [iface: default, target: iqn.2004-06.example:example1:iscsi.test, portal: 10.20.30.40:3260,1] successful.

        """
    static let ifaceAdded = "New interface libvirt-iface-03020100 added\n"

    // Failures, each recorded from a real run.
    /// `iscsiadm -m session` without sessions, exit status 21 (transcripts in
    /// "KVM Virtualization Cookbook" and open-iscsi users' notes).
    static let noSessions = Output(status: 21, stderr: "iscsiadm: No active sessions.\n")
    /// Discovery of an unreachable portal (Longhorn issue report), exit status 11.
    static let unreachable = Output(
        status: 11,
        stderr: """
            iscsiadm: cannot make connection to 10.52.0.55: No route to host
            iscsiadm: cannot make connection to 10.52.0.55: No route to host
            iscsiadm: connection login retries (reopen_max) 5 exceeded
            iscsiadm: Could not perform SendTargets discovery: iSCSI PDU timed out

            """)
    /// A login that timed out (Eucalyptus node log), exit status 8.
    static let loginTimedOut = Output(
        status: 8,
        stderr: """
            iscsiadm: Could not login to [iface: default, target: iqn.2009-06.com.eucalyptus.fluster:store50, portal: 192.168.14.12,3260]:
            iscsiadm: initiator reported error (8 - connection timed out)

            """)
    /// An unknown target: no node record (viriscsi.c's comment), exit status 21.
    static let noRecords = Output(status: 21, stderr: "iscsiadm: No records found\n")
    /// Discovery refused for CHAP (Ubuntu forums, a Synology target), exit status 24.
    static let authFailed = Output(
        status: 24,
        stderr:
            "iscsiadm: Could not perform SendTargets discovery: iSCSI login failed due to authorization failure\n")
}
