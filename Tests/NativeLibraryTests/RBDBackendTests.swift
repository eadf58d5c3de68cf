#if Ceph
    import Foundation
    import Testing
    import VirtStorageTestSupport
    import VirtStorage
    import VirtStorageRBD

    /// A host with one rbd pool on the test cluster, its definitions in a scratch directory.
    struct RBDFixture {
        let directory: String
        let host: StorageHost
        let store: InMemorySecretStore
        let pool: String
        /// Volume names of this test start with it, so tests share the RADOS pool.
        let prefix: String

        static func make(
            _ cluster: CephCluster, label: String, key: [UInt8]? = nil, port: Int? = nil,
            options: [String: String] = [:],
            timeout: Int = 10, hostsBefore: [String] = [], alongside: [any StorageBackend] = []
        ) async throws -> RBDFixture {
            let template = NSTemporaryDirectory() + "virtstorage-rbd-\(label)-XXXXXX"
            var bytes = Array(template.utf8CString)
            let directory = bytes.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
            let store = InMemorySecretStore()
            let secret = SecretDefinition(usage: .ceph(name: "client.admin \(label)"))
            try await store.define(secret)
            try await store.setValue(key ?? cluster.adminKey, for: secret.uuid)
            let host = try await StorageHost(
                directories: .root(directory), backends: BackendRegistry([RBDBackend(timeout: timeout)] + alongside),
                secrets: store)
            let pool = "ceph-\(label)"
            let optionXML =
                options.isEmpty
                ? ""
                : "<rbd:config_opts>"
                    + options.sorted { $0.key < $1.key }.map { "<rbd:option name='\($0.key)' value='\($0.value)'/>" }
                    .joined() + "</rbd:config_opts>"
            let xml = """
                <pool type='rbd' xmlns:rbd='http://libvirt.org/schemas/storagepool/rbd/1.0'>
                  <name>\(pool)</name>
                  <source>
                    <name>rbd</name>
                    \(hostsBefore.joined())<host name='127.0.0.1' port='\(port ?? cluster.v2Port)'/>
                    <auth type='ceph' username='admin'><secret usage='client.admin \(label)'/></auth>
                  </source>
                  \(optionXML)
                </pool>
                """
            try await host.define(xml: xml)
            let prefix = "vs-\(label)-\(UInt32.random(in: 0...UInt32.max))-"
            return RBDFixture(directory: directory, host: host, store: store, pool: pool, prefix: prefix)
        }

        /// Runs `body` on a new fixture whose pool is started, and cleans up
        /// afterwards, also when `body` fails.
        static func with(
            _ cluster: CephCluster, label: String, alongside: [any StorageBackend] = [],
            _ body: (RBDFixture) async throws -> Void
        ) async throws {
            let f = try await make(cluster, label: label, alongside: alongside)
            do {
                try await f.host.start(f.pool)
                try await body(f)
            } catch {
                await f.cleanup()
                throw error
            }
            await f.cleanup()
        }

        func volumeXML(_ name: String, mib: Int) -> String {
            "<volume><name>\(prefix)\(name)</name><capacity unit='MiB'>\(mib)</capacity></volume>"
        }

        func cleanup() async {
            if let volumes = try? await host.volumes(in: pool) {
                for volume in volumes where volume.name.hasPrefix(prefix) {
                    try? await host.deleteVolume(volume.name, in: pool, withSnapshots: true)
                }
            }
            try? await host.destroy(pool)
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    func pattern(_ count: Int, seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) ^ seed }
    }

    @Suite(
        "rbd backend on a live Ceph", .serialized,
        .enabled(if: CephCluster.current != nil, Comment(rawValue: CephCluster.reason)))
    struct RBDBackendTests {
        let cluster = CephCluster.current!

        @Test func volumeLifecycle() async throws {
            let f = try await RBDFixture.make(cluster, label: "life")
            try await f.host.start(f.pool)
            let created = try await f.host.createVolume(in: f.pool, xml: f.volumeXML("a", mib: 16))
            #expect(created.definition.key == "rbd/\(f.prefix)a")
            #expect(created.definition.target.path == "rbd/\(f.prefix)a")
            #expect(created.definition.type == .network)
            #expect(created.definition.capacity == 16 << 20)
            #expect(created.definition.allocation == 0, "thin by default")

            try await f.host.refresh(f.pool)
            let listed = try await f.host.volume(f.prefix + "a", in: f.pool)
            #expect(listed.definition.capacity == 16 << 20)
            #expect(try await f.host.volume(key: "rbd/\(f.prefix)a").name == f.prefix + "a")
            let xml = VolumeXML.format(listed.definition, poolType: .rbd)
            #expect(xml.contains("<key>rbd/\(f.prefix)a</key>"), "\(xml)")
            #expect(xml.contains("<volume type='network'>"), "\(xml)")

            try await f.host.resizeVolume(f.prefix + "a", in: f.pool, capacity: 32 << 20)
            #expect(try await f.host.volume(f.prefix + "a", in: f.pool).definition.capacity == 32 << 20)

            // upload and download round trip, at an offset
            let data = pattern(5 << 20 + 123, seed: 7)
            let input = f.directory + "/in.img"
            let output = f.directory + "/out.img"
            _ = FileManager.default.createFile(atPath: input, contents: Data(data))
            try await f.host.uploadVolume(f.prefix + "a", in: f.pool, from: input, offset: 1 << 20)
            try await f.host.downloadVolume(
                f.prefix + "a", in: f.pool, to: output, offset: 1 << 20, length: UInt64(data.count))
            #expect(FileManager.default.contents(atPath: output) == Data(data))

            // allocation: fast refresh (object map) agrees with librbd's diff (volume reread)
            let reread = try await f.host.volume(f.prefix + "a", in: f.pool).definition.allocation
            try await f.host.refresh(f.pool)
            let refreshed = try await f.host.volume(f.prefix + "a", in: f.pool).definition.allocation
            #expect(reread == refreshed)
            #expect(refreshed == 8 << 20, "objects 0 and 1 of 4 MiB are written")

            // sparse download keeps the zeros as holes, same bytes
            try await f.host.downloadVolume(f.prefix + "a", in: f.pool, to: output, sparse: true)
            let whole = try #require(FileManager.default.contents(atPath: output))
            #expect(whole.count == 32 << 20)
            #expect(whole[(1 << 20)..<((1 << 20) + data.count)] == Data(data))

            // wipe: zero, then trim
            try await f.host.wipeVolume(f.prefix + "a", in: f.pool, algorithm: .zero)
            try await f.host.downloadVolume(f.prefix + "a", in: f.pool, to: output, length: 8 << 20)
            #expect(FileManager.default.contents(atPath: output) == Data(count: 8 << 20))
            try await f.host.wipeVolume(f.prefix + "a", in: f.pool, algorithm: .trim)
            #expect(try await f.host.volume(f.prefix + "a", in: f.pool).definition.allocation == 0)

            try await f.host.deleteVolume(f.prefix + "a", in: f.pool)
            await #expect(throws: StorageError.self) { try await f.host.volume(f.prefix + "a", in: f.pool) }
            await f.cleanup()
        }

        @Test func cloneAndDeleteWithSnapshots() async throws {
            let f = try await RBDFixture.make(cluster, label: "clone")
            try await f.host.start(f.pool)
            try await f.host.createVolume(in: f.pool, xml: f.volumeXML("base", mib: 8))
            let data = pattern(3 << 20, seed: 42)
            let file = f.directory + "/base.img"
            _ = FileManager.default.createFile(atPath: file, contents: Data(data))
            try await f.host.uploadVolume(f.prefix + "base", in: f.pool, from: file)

            // copy-on-write clone from a snapshot (layering)
            let clone = try await f.host.cloneVolume(f.prefix + "base", in: f.pool, newName: f.prefix + "clone")
            #expect(clone.definition.capacity == 8 << 20)
            let out = f.directory + "/out.img"
            try await f.host.downloadVolume(f.prefix + "clone", in: f.pool, to: out, length: UInt64(data.count))
            #expect(FileManager.default.contents(atPath: out) == Data(data))
            #expect(try cluster.rbd("info", "rbd/\(f.prefix)clone").contains("parent: rbd/\(f.prefix)base@libvirt-"))

            // a second clone reuses the unchanged snapshot
            try await f.host.cloneVolume(f.prefix + "base", in: f.pool, newName: f.prefix + "clone2")
            #expect(try cluster.rbd("snap", "ls", "rbd/\(f.prefix)base").split(separator: "\n").count == 2)

            // the source has snapshots: a plain delete refuses, and so does one
            // with snapshots while clones depend on them; nothing is lost
            let plain = await #expect(throws: StorageError.self) {
                try await f.host.deleteVolume(f.prefix + "base", in: f.pool)
            }
            #expect(plain?.message.contains("has snapshots") == true, "\(String(describing: plain))")
            let busy = await #expect(throws: StorageError.self) {
                try await f.host.deleteVolume(f.prefix + "base", in: f.pool, withSnapshots: true)
            }
            #expect(busy?.message.contains("clones depend on") == true, "\(String(describing: busy))")
            try await f.host.downloadVolume(f.prefix + "clone", in: f.pool, to: out, length: UInt64(data.count))
            #expect(FileManager.default.contents(atPath: out) == Data(data))

            // refresh counts a clone's allocation with its parent's, as librbd does
            let cloneRead = try await f.host.volume(f.prefix + "clone", in: f.pool).definition.allocation
            try await f.host.refresh(f.pool)
            #expect(try await f.host.volume(f.prefix + "clone", in: f.pool).definition.allocation == cloneRead)

            try await f.host.deleteVolume(f.prefix + "clone", in: f.pool)
            try await f.host.deleteVolume(f.prefix + "clone2", in: f.pool)
            try await f.host.deleteVolume(f.prefix + "base", in: f.pool, withSnapshots: true)
            #expect(!(try cluster.rbd("ls", "rbd").contains(f.prefix + "base")))
            await f.cleanup()
        }

        @Test func fullCopyWithoutLayering() async throws {
            // The pool's config_opts reach librados: images made without features, so clones are full copies.
            let f = try await RBDFixture.make(cluster, label: "copy", options: ["rbd_default_features": "0"])
            try await f.host.start(f.pool)
            try await f.host.createVolume(in: f.pool, xml: f.volumeXML("plain", mib: 8))
            #expect(try cluster.rbd("info", "rbd/\(f.prefix)plain").contains("features: \n"))
            let data = pattern(1 << 20, seed: 3)
            let file = f.directory + "/plain.img"
            _ = FileManager.default.createFile(atPath: file, contents: Data(data))
            try await f.host.uploadVolume(f.prefix + "plain", in: f.pool, from: file, offset: 4 << 20)
            try await f.host.createVolume(
                in: f.pool, xml: f.volumeXML("copy", mib: 12),
                from: try await f.host.volume(f.prefix + "plain", in: f.pool))
            #expect(try await f.host.volume(f.prefix + "copy", in: f.pool).definition.capacity == 12 << 20)
            // independent of its source: the source goes, the copy keeps the data
            try await f.host.deleteVolume(f.prefix + "plain", in: f.pool)
            let out = f.directory + "/out.img"
            try await f.host.downloadVolume(f.prefix + "copy", in: f.pool, to: out, offset: 4 << 20, length: 1 << 20)
            #expect(FileManager.default.contents(atPath: out) == Data(data))
            await f.cleanup()
        }

        @Test func missingImageAndBadNames() async throws {
            let f = try await RBDFixture.make(cluster, label: "names")
            try await f.host.start(f.pool)
            try await f.host.createVolume(in: f.pool, xml: f.volumeXML("gone", mib: 4))
            try cluster.rbd("rm", "--no-progress", "rbd/\(f.prefix)gone")
            let missing = await #expect(throws: StorageError.self) {
                try await f.host.resizeVolume(f.prefix + "gone", in: f.pool, capacity: 8 << 20)
            }
            #expect(missing?.code == .noSuchVolume, "\(String(describing: missing))")
            let unknown = await #expect(throws: StorageError.self) {
                try await f.host.volume("no-such-\(f.prefix)", in: f.pool)
            }
            #expect(unknown?.code == .noSuchVolume)
            try await f.host.refresh(f.pool)
            await #expect(throws: StorageError.self) { try await f.host.volume(f.prefix + "gone", in: f.pool) }

            for bad in ["\(f.prefix)a@b", "\(f.prefix)tab\there"] {
                let error = await #expect(throws: StorageError.self) {
                    try await f.host.createVolume(
                        in: f.pool,
                        xml: "<volume><name>\(bad)</name><capacity unit='MiB'>1</capacity></volume>")
                }
                #expect(error?.code == .invalidArgument, "\(String(describing: error))")
                #expect(error?.message.contains("cannot be an RBD image name") == true, "\(String(describing: error))")
            }
            #expect(!(try cluster.rbd("ls", "rbd").contains("\(f.prefix)a@b")))
            let qcow = await #expect(throws: StorageError.self) {
                try await f.host.createVolume(
                    in: f.pool,
                    xml:
                        "<volume><name>\(f.prefix)q</name><capacity>1048576</capacity><target><format type='qcow2'/></target></volume>"
                )
            }
            #expect(qcow?.message == "only RAW volumes are supported by this storage pool")
            await f.cleanup()
        }

        @Test func wrongKeyFailsWithinTheTimeout() async throws {
            var key = cluster.adminKey
            key[key.count - 1] ^= 0x5a
            let f = try await RBDFixture.make(cluster, label: "badkey", key: key, timeout: 10)
            let started = ContinuousClock.now
            let error = await #expect(throws: StorageError.self) { try await f.host.start(f.pool) }
            #expect(ContinuousClock.now - started < .seconds(14))
            #expect(
                error?.message.contains("refused the cephx credentials of user 'admin'") == true,
                "\(String(describing: error))")
            let base64 = Data(key).base64EncodedString()
            #expect(error?.message.contains(base64) == false)
            #expect(try await f.host.pool(named: f.pool).state == .inactive)
            await f.cleanup()
        }

        @Test func deadMonitorFailsWithinTheTimeout() async throws {
            // Nothing listens on this port; client_mount_timeout from the pool's config_opts.
            var sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, length) }
            }
            _ = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &length) }
            }
            let port = Int(UInt16(bigEndian: addr.sin_port))
            close(sock)
            sock = -1
            let f = try await RBDFixture.make(
                cluster, label: "dead", port: port, options: ["client_mount_timeout": "3"], timeout: 30)
            let started = ContinuousClock.now
            let error = await #expect(throws: StorageError.self) { try await f.host.start(f.pool) }
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .seconds(8), "\(elapsed)")
            #expect(error?.message.contains("failed to connect to the RADOS monitor on: 127.0.0.1:\(port)") == true)
            await f.cleanup()
        }

        @Test func severalMonitorsTheDeadOnesPassedOver() async throws {
            // As libvirt, every <host> goes to librados: the IPv4 and IPv6 ones where
            // nothing listens (port 1) are passed over for the live monitor.
            let f = try await RBDFixture.make(
                cluster, label: "multimon", options: ["client_mount_timeout": "10"],
                hostsBefore: ["<host name='127.0.0.1' port='1'/>", "<host name='[::1]' port='1'/>"])
            try await f.host.start(f.pool)
            try await f.host.createVolume(in: f.pool, xml: f.volumeXML("m", mib: 4))
            #expect(try await f.host.volumes(in: f.pool).contains { $0.name == f.prefix + "m" })
            await f.cleanup()
        }

        @Test func monitorStoppedDuringUse() async throws {
            // A cluster of its own, so stopping its monitor harms no other test.
            let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Scripts").path
            let directory = "/tmp/virtstorage-ceph-fault-\(getpid())"
            // posix_spawn and waitpid: the script's daemons outlive it, which Foundation's Process does not expect.
            func script(_ name: String, _ env: [String] = []) -> Int32 {
                var pid: pid_t = 0
                let argv = [scripts + "/" + name, directory]
                let cArgs = argv.map { strdup($0) } + [nil]
                let cEnv = (env + ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]).map { strdup($0) } + [nil]
                defer { (cArgs + cEnv).forEach { free($0) } }
                var actions = posix_spawn_file_actions_t()
                posix_spawn_file_actions_init(&actions)
                posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
                posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
                defer { posix_spawn_file_actions_destroy(&actions) }
                guard posix_spawn(&pid, argv[0], &actions, nil, cArgs, cEnv) == 0 else { return -1 }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                return status
            }
            _ = script("ceph-up.sh")
            let conf = directory + "/ceph.conf"
            defer { _ = script("ceph-down.sh", ["VIRT_STORAGE_CEPH_GRACE=1"]) }
            let fault = try #require(CephCluster.load(conf), "ceph-up.sh \(directory) failed")
            let f = try await RBDFixture.make(fault, label: "fault", timeout: 5)
            try await f.host.start(f.pool)
            for i in 0..<20 { try await f.host.createVolume(in: f.pool, xml: f.volumeXML("v\(i)", mib: 4)) }
            try await f.host.refresh(f.pool)
            #expect(try await f.host.volumes(in: f.pool).count == 20)

            let pid = try #require(
                Int32(
                    (try String(contentsOfFile: directory + "/run/mon.a.pid", encoding: .utf8))
                        .trimmingCharacters(in: .whitespacesAndNewlines)))
            kill(pid, SIGSTOP)  // the monitor hangs rather than closing its sockets
            defer { kill(pid, SIGCONT) }
            let started = ContinuousClock.now
            let error = await #expect(throws: StorageError.self) { try await f.host.refresh(f.pool) }
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .seconds(12), "\(elapsed)")
            #expect(error?.message.contains("within 5 s") == true, "\(String(describing: error))")
            // As libvirt, a pool that cannot be refreshed is stopped.
            #expect(try await f.host.pool(named: f.pool).state == .inactive)
            kill(pid, SIGCONT)
            // the images are all still there
            #expect(try fault.rbd("ls", "rbd").split(separator: "\n").count == 20)
            // With the monitor back, the pool starts again and lists every image.
            let restarted = ContinuousClock.now
            try await f.host.start(f.pool)
            #expect(try await f.host.volumes(in: f.pool).count == 20)
            #expect(ContinuousClock.now - restarted < .seconds(12))
            await f.cleanup()
        }
    }
#endif
