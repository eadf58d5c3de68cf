import Foundation
import Synchronization
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// The iscsi backend against recorded iscsiadm output (ISCSIRecordedOutput)
/// and a sysfs fixture of an iSCSI session: this kernel has no iSCSI
/// initiator, so the tests check every iscsiadm command line exactly.
@Suite("iscsi pools with recorded iscsiadm output")
struct ISCSIPoolTests {
    typealias Output = CommandRunner.Output
    typealias Recorded = ISCSIRecordedOutput

    static let target = "iqn.2004-06.example:example1:iscsi.test"
    static let initiator = "iqn.2004-06.example:example1:initiator"
    static let portal = "10.20.30.40:3260,1"

    static func pool(
        host: String = "10.20.30.40", port: Int? = nil, target: String = target, initiator: String? = nil,
        auth: StorageAuth? = nil
    ) -> PoolDefinition {
        var source = PoolSource()
        source.hosts = [SourceHost(name: host, port: port)]
        source.devices = [SourceDevice(path: target)]
        source.initiatorIQN = initiator
        source.auth = auth
        var def = PoolDefinition(type: .iscsi, name: "iscsipool", source: source)
        def.target.path = "/dev/disk/by-path"
        return def
    }

    static func backend(
        _ runner: RecordedCommandRunner, root: String = "/nonexistent", secrets: (any SecretStore)? = nil
    )
        -> ISCSIBackend
    {
        ISCSIBackend(runner: runner, sysfsRoot: root, secrets: secrets) { "libvirt-iface-03020100" }
    }

    static func line(_ s: String) -> String { "iscsiadm " + s }

    /// iscsiadm as viriscsitest.c's mock plays it: `--mode iface` lists the
    /// libvirt interface once `--op new` made it.
    static func iscsiadm(sessions: Output = Recorded.noSessions, overrides: [String: Output] = [:])
        -> RecordedCommandRunner
    {
        let made = Mutex(false)
        return RecordedCommandRunner { command in
            let line = command.arguments.joined(separator: " ")
            if let output = overrides.first(where: { line.hasPrefix($0.key) })?.value { return output }
            switch line {
            case "--mode session": return sessions
            case "--mode iface":
                return Output(stdout: made.withLock { $0 } ? Recorded.ifaceWithInitiator : Recorded.ifaceDefault)
            case "--mode iface --interface libvirt-iface-03020100 --op new":
                made.withLock { $0 = true }
                return Output(stdout: Recorded.ifaceAdded)
            default:
                if line.hasPrefix("--mode discovery") { return Output(stdout: Recorded.sendtargets) }
                if line.hasSuffix("--login") || line.contains("--login --interface") {
                    return Output(stdout: Recorded.login)
                }
                return Output()
            }
        }
    }

    // MARK: parsing

    @Test("recordedIscsiadm: sessions, flash or not, give each target's session ID")
    func recordedIscsiadmSessions() {
        for text in [Recorded.sessions, Recorded.sessionsNonFlash] {
            let sessions = ISCSIAdm.sessions(text)
            #expect(sessions.map(\.id) == ["1", "2", "3", "5", "6", "7"])
            #expect(sessions.first { $0.target == "iqn.2009-04.example:example1:iscsi.seven" }?.id == "7")
            #expect(!sessions.contains { $0.target == "iqn.2009-04.example:example1:iscsi.eight" })
        }
        #expect(ISCSIAdm.sessions(Recorded.noSessions.stderr).isEmpty)
    }

    @Test("recordedIscsiadm: sendtargets lines give the target names; iface lines the interface of an IQN")
    func recordedIscsiadmTargetsAndIfaces() throws {
        #expect(
            ISCSIAdm.targets(Recorded.sendtargets) == [
                "iqn.2004-06.example:example1:iscsi.test", "iqn.2005-05.example:example1:iscsi.hello",
                "iqn.2006-04.example:example1:iscsi.world", "iqn.2007-04.example:example1:iscsi.foo",
                "iqn.2008-04.example:example1:iscsi.bar", "iqn.2009-04.example:example1:iscsi.seven",
            ])
        #expect(try ISCSIAdm.iface(for: Self.initiator, in: Recorded.ifaceDefault) == nil)
        #expect(try ISCSIAdm.iface(for: Self.initiator, in: Recorded.ifaceWithInitiator) == "libvirt-iface-03020100")
        #expect(throws: StorageError.self) { try ISCSIAdm.iface(for: Self.initiator, in: "default tcp,<empty>\n") }
    }

    @Test("portals: host:port,1, 3260 by default, IPv6 in brackets")
    func portals() {
        #expect(ISCSIAdm.portal(SourceHost(name: "10.20.30.40")) == "10.20.30.40:3260,1")
        #expect(ISCSIAdm.portal(SourceHost(name: "iscsi.example.com", port: 3261)) == "iscsi.example.com:3261,1")
        #expect(ISCSIAdm.portal(SourceHost(name: "fe80::1", port: 0)) == "[fe80::1]:3260,1")
    }

    // MARK: start, stop, check

    @Test("recordedIscsiadm: start makes the node record and logs in, as viriscsitest expects")
    func recordedIscsiadmStart() async throws {
        let runner = Self.iscsiadm()
        try await Self.backend(runner).start(Self.pool())
        #expect(
            runner.lines == [
                Self.line("--mode session"),
                Self.line("--mode node --portal \(Self.portal) --targetname \(Self.target) --op new"),
                Self.line("--mode node --portal \(Self.portal) --targetname \(Self.target) --login"),
            ])
    }

    @Test(
        "recordedIscsiadm: with an initiator IQN start makes its interface, discovers through it and logs in through it"
    )
    func recordedIscsiadmStartWithInitiator() async throws {
        let runner = Self.iscsiadm()
        try await Self.backend(runner).start(Self.pool(initiator: Self.initiator))
        #expect(
            runner.lines == [
                Self.line("--mode session"),
                Self.line("--mode node --portal \(Self.portal) --targetname \(Self.target) --op new"),
                Self.line("--mode iface"),
                Self.line("--mode iface --interface libvirt-iface-03020100 --op new"),
                Self.line(
                    "--mode iface --interface libvirt-iface-03020100 --op update --name iface.initiatorname --value \(Self.initiator)"
                ),
                Self.line("--mode iface"),
                Self.line(
                    "--mode discovery --type sendtargets --portal \(Self.portal) --interface libvirt-iface-03020100"),
                Self.line(
                    "--mode node --portal \(Self.portal) --targetname \(Self.target) --login --interface libvirt-iface-03020100"
                ),
            ])
        // A second start, the interface now there: straight to login through it.
        let again = Self.iscsiadm(overrides: ["--mode iface": Output(stdout: Recorded.ifaceWithInitiator)])
        try await Self.backend(again).start(Self.pool(initiator: Self.initiator))
        #expect(
            again.lines.suffix(2) == [
                Self.line("--mode iface"),
                Self.line(
                    "--mode node --portal \(Self.portal) --targetname \(Self.target) --login --interface libvirt-iface-03020100"
                ),
            ])
    }

    @Test("recordedIscsiadm: CHAP user and password from the secret store go into the node record before login")
    func recordedIscsiadmCHAP() async throws {
        let store = InMemorySecretStore()
        let def = SecretDefinition(usage: .iscsi(target: "iscsitarget"))
        try await store.define(def)
        try await store.setValue(Array("letmein".utf8), for: def.uuid)
        let auth = StorageAuth(type: .chap, username: "gooduser", secret: .usage("iscsitarget"))
        let runner = Self.iscsiadm()
        let backend = Self.backend(runner)
        // Without a store the pool cannot start, and says why.
        let error = await #expect(throws: StorageError.self) { try await backend.start(Self.pool(auth: auth)) }
        #expect(error?.message.contains("no secret store") == true)
        let chap = Self.iscsiadm()
        try await Self.backend(chap, secrets: store).start(Self.pool(auth: auth))
        let update = "--mode node --portal \(Self.portal) --target \(Self.target) --op update --name"
        #expect(
            chap.lines.dropFirst(2).prefix(3) == [
                Self.line("\(update) node.session.auth.authmethod --value CHAP"),
                Self.line("\(update) node.session.auth.username --value gooduser"),
                Self.line("\(update) node.session.auth.password --value letmein"),
            ])
        #expect(chap.lines.last == Self.line("--mode node --portal \(Self.portal) --targetname \(Self.target) --login"))
        let ceph = StorageAuth(type: .ceph, username: "admin", secret: .usage("iscsitarget"))
        await #expect(throws: StorageError.self) {
            try await Self.backend(Self.iscsiadm(), secrets: store).start(Self.pool(auth: ceph))
        }
    }

    @Test("recordedIscsiadm: a pool whose session exists starts without touching it; stop logs out")
    func recordedIscsiadmSessionExists() async throws {
        let runner = Self.iscsiadm(sessions: Output(stdout: Recorded.sessions))
        let backend = Self.backend(runner)
        #expect(try await backend.check(Self.pool()))
        try await backend.start(Self.pool())
        #expect(runner.lines == [Self.line("--mode session"), Self.line("--mode session")])
        try await backend.stop(Self.pool())
        #expect(
            runner.lines.last == Self.line("--mode node --portal \(Self.portal) --targetname \(Self.target) --logout"))
        // Without a session: inactive, and stop has nothing to do.
        let none = Self.iscsiadm()
        #expect(try await Self.backend(none).check(Self.pool()) == false)
        try await Self.backend(none).stop(Self.pool())
        #expect(none.lines == [Self.line("--mode session"), Self.line("--mode session")])
    }

    @Test("recordedIscsiadm: a pool needs exactly one host and one target")
    func recordedIscsiadmBadPools() async throws {
        var two = Self.pool()
        two.source.hosts.append(SourceHost(name: "10.20.30.41"))
        var noTarget = Self.pool()
        noTarget.source.devices = []
        for pool in [two, noTarget] {
            let runner = Self.iscsiadm()
            await #expect(throws: StorageError.self) { try await Self.backend(runner).start(pool) }
            #expect(runner.lines.isEmpty)
        }
    }

    // MARK: errors

    @Test("recordedIscsiadm: failures name the target, what iscsiadm's status means, and its message")
    func recordedIscsiadmErrors() async throws {
        let loginPrefix = "--mode node --portal \(Self.portal) --targetname \(Self.target) --login"
        var error = await #expect(throws: StorageError.self) {
            try await Self.backend(Self.iscsiadm(overrides: [loginPrefix: Recorded.loginTimedOut])).start(Self.pool())
        }
        #expect(error?.message.hasPrefix("cannot log in to iSCSI target '\(Self.target)' at \(Self.portal)") == true)
        #expect(error?.message.contains("status 8 (connection to the portal timed out") == true)
        #expect(error?.message.contains("initiator reported error (8 - connection timed out)") == true)

        error = await #expect(throws: StorageError.self) {
            try await Self.backend(Self.iscsiadm(overrides: [loginPrefix: Recorded.noRecords])).start(Self.pool())
        }
        #expect(error?.message.contains("status 21 (no records found: unknown target or portal)") == true)

        error = await #expect(throws: StorageError.self) {
            try await Self.backend(Self.iscsiadm(overrides: ["--mode discovery": Recorded.unreachable]))
                .findSources(Self.pool().source)
        }
        #expect(error?.message.hasPrefix("cannot discover the targets of iSCSI portal \(Self.portal)") == true)
        #expect(error?.message.contains("No route to host") == true)
        #expect(error?.message.contains("status 11 (iSCSI PDU timed out)") == true)

        error = await #expect(throws: StorageError.self) {
            try await Self.backend(Self.iscsiadm(overrides: ["--mode discovery": Recorded.authFailed]))
                .findSources(Self.pool().source)
        }
        #expect(error?.message.contains("CHAP authentication refused") == true)

        // The password is on iscsiadm's command line, as in libvirt, but never in a message.
        let store = InMemorySecretStore()
        let def = SecretDefinition(usage: .iscsi(target: "t"))
        try await store.define(def)
        try await store.setValue(Array("letmein".utf8), for: def.uuid)
        error = await #expect(throws: StorageError.self) {
            try await Self.backend(Self.iscsiadm(overrides: [loginPrefix: Recorded.loginTimedOut]), secrets: store)
                .start(Self.pool(auth: StorageAuth(type: .chap, username: "u", secret: .usage("t"))))
        }
        #expect(error?.description.contains("letmein") == false && error?.value?.contains("letmein") != true)
    }

    // MARK: refresh

    @Test("recordedIscsiadm and fixtureSysfs: refresh rescans the session and lists the LUNs of its SCSI host")
    func recordedIscsiadmRefresh() async throws {
        let f = SCSISysfsFixture.fixtureSysfsISCSISession()
        let runner = RecordedCommandRunner(keyed: [
            "iscsiadm --mode session -r": Output(),
            "iscsiadm --mode session": Output(stdout: Recorded.sessions),
            "/lib/udev/scsi_id": Output(stdout: SCSIIDRecordedOutput.serialLIO),
        ])
        // Session 2 is iscsi.hello on 10.20.30.41.
        let pool = Self.pool(host: "10.20.30.41", target: "iqn.2005-05.example:example1:iscsi.hello")
        let (sizes, volumes) = try await Self.backend(runner, root: f.root).refresh(pool)
        let path = "/dev/disk/by-path/" + SCSISysfsFixture.iscsiByPath
        #expect(
            runner.lines == [
                Self.line("--mode session"), Self.line("--mode session -r 2 -R"),
                "/lib/udev/scsi_id --replace-whitespace --whitelisted --device \(f.root)\(path)",
            ])
        #expect(volumes.map(\.name) == ["unit:0:0:0"])
        #expect(volumes.first?.target.path == path)
        #expect(volumes.first?.key == "36001405d27e5d898829468b90ce4ef8c")
        #expect(volumes.first?.type == .block)
        #expect(sizes.capacity == 2_097_152 * 512)

        let error = await #expect(throws: StorageError.self) {
            try await Self.backend(Self.iscsiadm(), root: f.root).refresh(pool)
        }
        #expect(error?.message.hasPrefix("cannot find iscsiadm session") == true)
    }

    // MARK: sources

    @Test("recordedIscsiadm: find-storage-pool-sources runs a SendTargets discovery that leaves no records")
    func recordedIscsiadmFindSources() async throws {
        let runner = Self.iscsiadm()
        var spec = PoolSource()
        spec.hosts = [SourceHost(name: "10.20.30.40")]
        let sources = try await Self.backend(runner).findSources(spec)
        #expect(
            runner.lines == [
                Self.line("--mode discovery --type sendtargets --portal \(Self.portal) --op nonpersistent")
            ])
        #expect(sources.count == 6)
        #expect(sources.allSatisfy { $0.hosts == [SourceHost(name: "10.20.30.40", port: 3260)] })
        #expect(
            PoolSourceListXML.format(Array(sources.prefix(2)), type: .iscsi) == """
                <sources>
                  <source>
                    <host name='10.20.30.40' port='3260'/>
                    <device path='iqn.2004-06.example:example1:iscsi.test'/>
                  </source>
                  <source>
                    <host name='10.20.30.40' port='3260'/>
                    <device path='iqn.2005-05.example:example1:iscsi.hello'/>
                  </source>
                </sources>

                """)

        // With an initiator IQN: through its interface, which must exist.
        spec.initiatorIQN = Self.initiator
        let withIface = Self.iscsiadm(overrides: ["--mode iface": Output(stdout: Recorded.ifaceWithInitiator)])
        let found = try await Self.backend(withIface).findSources(spec)
        #expect(
            withIface.lines == [
                Self.line("--mode iface"),
                Self.line(
                    "--mode discovery --type sendtargets --portal \(Self.portal) --op nonpersistent --interface libvirt-iface-03020100"
                ),
            ])
        #expect(found.allSatisfy { $0.initiatorIQN == Self.initiator })
        let error = await #expect(throws: StorageError.self) {
            try await Self.backend(Self.iscsiadm()).findSources(spec)
        }
        #expect(error?.message == "no iSCSI interface defined for IQN \(Self.initiator)")
        await #expect(throws: StorageError.self) { try await Self.backend(Self.iscsiadm()).findSources(nil) }
    }

    // MARK: through a host

    @Test(
        "recordedIscsiadm and fixtureSysfs: a StorageHost starts libvirt's pool-iscsi-auth.xml with CHAP from its secrets, lists the LUN, stops"
    )
    func recordedIscsiadmThroughHost() async throws {
        let f = SCSISysfsFixture.fixtureSysfsISCSISession()
        let loggedIn = Mutex(false)
        let runner = RecordedCommandRunner { command in
            switch command.line {
            case "iscsiadm --mode session":
                // viriscsitest.c's session line, with this pool's portal and target.
                return loggedIn.withLock { $0 }
                    ? Output(stdout: "tcp: [2] iscsi.example.com:3260,1 demo-target\n") : Recorded.noSessions
            case "iscsiadm --mode node --portal iscsi.example.com:3260,1 --targetname demo-target --login":
                loggedIn.withLock { $0 = true }
                return Output(stdout: Recorded.login)
            case "iscsiadm --mode node --portal iscsi.example.com:3260,1 --targetname demo-target --logout":
                loggedIn.withLock { $0 = false }
                return Output()
            default:
                return command.line.hasPrefix("/lib/udev/scsi_id") ? Output(stdout: SCSIIDRecordedOutput.serialLIO) : Output()
            }
        }
        let secrets = InMemorySecretStore()
        let secret = SecretDefinition(
            uuid: UUID(uuidString: "2ec115d7-3a88-3ceb-bc12-0ac909a6fd87")!, usage: .iscsi(target: "demo-target"))
        try await secrets.define(secret)
        try await secrets.setValue(Array("s3cret".utf8), for: secret.uuid)
        var registry = BackendRegistry.builtIn
        #expect(registry.registeredTypes.contains(.iscsi))
        registry.register(ISCSIBackend(runner: runner, sysfsRoot: f.root))
        let scratch = Scratch("iscsi-host")
        let host = try await StorageHost(
            directories: .root(scratch.sub("root")), backends: registry, secrets: secrets)
        try await host.define(xml: try Corpus.read("storagepoolxml2xmlin/pool-iscsi-auth.xml"))
        try await host.start("virtimages")
        #expect(
            runner.lines.contains(
                "iscsiadm --mode node --portal iscsi.example.com:3260,1 --target demo-target --op update --name node.session.auth.password --value s3cret"
            ))
        #expect(try await host.volumes(in: "virtimages").map(\.name) == ["unit:0:0:0"])
        #expect(try await host.volume(key: "36001405d27e5d898829468b90ce4ef8c").name == "unit:0:0:0")
        try await host.destroy("virtimages")
        #expect(
            runner.lines.last
                == "iscsiadm --mode node --portal iscsi.example.com:3260,1 --targetname demo-target --logout")
    }
}
