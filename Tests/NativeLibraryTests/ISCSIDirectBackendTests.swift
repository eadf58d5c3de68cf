#if ISCSI
    import Foundation
    import Synchronization
    import Testing
    import VirtStorage
    import VirtStorageTestSupport
    import VirtStorageISCSIDirect

    /// The tgtd that Scripts/tgt-up.sh starts, and what it serves.
    enum TGT {
        static let state = "/tmp/virtstorage-tgt"

        static var running: Bool {
            guard TestService.tgt.available,
                let text = try? String(contentsOfFile: state + "/tgtd.pid", encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            else { return false }
            return kill(pid, 0) == 0 && FileManager.default.fileExists(atPath: state + "/env")
        }

        static let env: [String: String] = {
            let text = (try? String(contentsOfFile: state + "/env", encoding: .utf8)) ?? ""
            var values: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
            }
            return values
        }()

        static var portal: String { env["TGT_PORTAL"] ?? "127.0.0.1:3260" }
        static var host: String { String(portal.split(separator: ":")[0]) }
        static var port: Int { Int(portal.split(separator: ":")[1]) ?? 3260 }
        static var base: String { env["TGT_IQN_BASE"] ?? "" }
    }

    @Suite(
        "iscsi-direct backend (libiscsi against tgtd)", .serialized,
        .enabled(if: TGT.running, Comment(rawValue: TestService.tgt.unavailable ?? "tgtd of Scripts/tgt-up.sh")))
    struct ISCSIDirectBackendTests {
        static let initiator = "iqn.2026-01.org.virtstorage:tests"
        static let mib: UInt64 = 1 << 20

        func pool(
            _ target: String, initiator: String = Self.initiator, auth: String = "", host: String = TGT.host,
            port: Int = TGT.port
        ) throws -> PoolDefinition {
            try PoolXML.parse(
                """
                <pool type='iscsi-direct'><name>direct</name>
                <source><host name='\(host)' port='\(port)'/><device path='\(target)'/>\(auth)
                <initiator><iqn name='\(initiator)'/></initiator></source></pool>
                """)
        }

        /// A secret store holding `value` under usage "vstest", and the <auth> naming it.
        func chap(user: String, value: String) async throws -> (InMemorySecretStore, String) {
            let store = InMemorySecretStore()
            let def = SecretDefinition(usage: .iscsi(target: "vstest"))
            try await store.define(def)
            try await store.setValue(Array(value.utf8), for: def.uuid)
            return (store, "<auth type='chap' username='\(user)'><secret usage='vstest'/></auth>")
        }

        func failure(_ body: () async throws(StorageError) -> Void) async -> StorageError? {
            do throws(StorageError) {
                try await body()
                return nil
            } catch {
                return error
            }
        }

        // MARK: refresh

        @Test func refreshListsLUNsWithCapacity() async throws {
            let backend = ISCSIDirectBackend()
            let target = TGT.base + ":plain"
            let (sizes, vols) = try await backend.refresh(try pool(target))
            #expect(vols.map(\.name) == ["unit:0:0:0", "unit:0:0:1", "unit:0:0:2"])
            let byName = Dictionary(uniqueKeysWithValues: vols.map { ($0.name, $0) })
            #expect(byName["unit:0:0:1"]?.capacity == 32 * Self.mib)
            #expect(byName["unit:0:0:2"]?.capacity == 48 * Self.mib)
            #expect(byName["unit:0:0:0"]?.capacity == 0, "LUN 0 is tgtd's controller, not a disk")
            let lun1 = try #require(byName["unit:0:0:1"])
            #expect(lun1.key == "ip-\(TGT.portal)-iscsi-\(target)-lun-1")
            #expect(lun1.target.path == lun1.key)
            #expect(lun1.type == .network)
            #expect(lun1.allocation == lun1.capacity)
            #expect(sizes.capacity == 80 * Self.mib && sizes.allocation == 80 * Self.mib && sizes.available == 0)
        }

        @Test func hostStartsPoolAndShowsVolumeXML() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iscsi-host-\(UUID())").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var registry = BackendRegistry.builtIn
            registry.register(ISCSIDirectBackend())
            let host = try await StorageHost(directories: .root(dir), backends: registry)
            let def = try pool(TGT.base + ":plain")
            _ = try await host.define(def)
            try await host.start("direct")
            let names = try await host.volumes(in: "direct").map(\.name)
            #expect(names.sorted() == ["unit:0:0:0", "unit:0:0:1", "unit:0:0:2"])
            #expect(try await host.pool("direct").capacity == 80 * Self.mib)
            let xml = try await host.volume("unit:0:0:2", in: "direct").xml
            #expect(xml.contains("<volume type='network'>"), "\(xml)")
            #expect(xml.contains("<capacity unit='bytes'>\(48 * Self.mib)</capacity>"), "\(xml)")
            #expect(xml.contains("<path>ip-\(TGT.portal)-iscsi-\(TGT.base):plain-lun-2</path>"), "\(xml)")
            try await host.destroy("direct")
        }

        // MARK: errors

        @Test func unreachablePortalFailsFast() async throws {
            let backend = ISCSIDirectBackend(timeout: 5)
            let started = Date()
            let error = await failure { () throws(StorageError) in
                _ = try await backend.refresh(try! pool(TGT.base + ":plain", port: 9))
            }
            #expect(
                error?.message.contains("cannot reach iSCSI portal 127.0.0.1:9") == true, "\(String(describing: error))"
            )
            #expect(Date().timeIntervalSince(started) < 10)
        }

        /// A portal that accepts TCP but never answers iSCSI: the timeout ends the wait.
        @Test func silentPortalTimesOut() async throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            try #require(fd >= 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
                }
            }
            try #require(bound && listen(fd, 4) == 0)
            let port = Int(UInt16(bigEndian: addr.sin_port))
            let started = Date()
            let error = await failure { () throws(StorageError) in
                try await ISCSIDirectBackend(timeout: 2).start(try! pool(TGT.base + ":plain", port: port))
            }
            let elapsed = Date().timeIntervalSince(started)
            #expect(error?.message.contains("did not answer within 2 s") == true, "\(String(describing: error))")
            // Bounded, not hung: loose because the whole suite shares two cores.
            #expect(elapsed >= 1 && elapsed < 30, "took \(elapsed) s: \(String(describing: error))")

            var spec = PoolSource()
            spec.hosts = [SourceHost(name: "127.0.0.1", port: port)]
            spec.initiatorIQN = Self.initiator
            let discovery = await failure { () throws(StorageError) in
                _ = try await ISCSIDirectBackend(timeout: 2).findSources(spec)
            }
            #expect(
                discovery?.message.contains("did not answer within 2 s") == true, "\(String(describing: discovery))")
        }

        @Test func missingTargetOrRefusedInitiator() async throws {
            let backend = ISCSIDirectBackend()
            for target in [TGT.base + ":acl", TGT.base + ":no-such-target"] {
                let error = await failure { () throws(StorageError) in try await backend.start(try! pool(target)) }
                #expect(error?.message.contains("refuses this initiator") == true, "\(String(describing: error))")
                #expect(error?.message.contains(Self.initiator) == true)
            }
            // The initiator the access list names gets in.
            let (_, vols) = try await backend.refresh(try pool(TGT.base + ":acl", initiator: TGT.base + ":allowed"))
            #expect(vols.first { $0.name == "unit:0:0:1" }?.capacity == 16 * Self.mib)
        }

        // MARK: CHAP

        @Test func chapFromSecretStore() async throws {
            let target = TGT.base + ":chap"
            let user = try #require(TGT.env["TGT_CHAP_USER"])
            let (store, auth) = try await chap(user: user, value: try #require(TGT.env["TGT_CHAP_PASS"]))
            let (_, vols) = try await ISCSIDirectBackend(secrets: store).refresh(try pool(target, auth: auth))
            #expect(vols.first { $0.name == "unit:0:0:1" }?.capacity == 16 * Self.mib)
        }

        @Test func chapErrorsSayWhatIsWrong() async throws {
            let target = TGT.base + ":chap"
            let user = try #require(TGT.env["TGT_CHAP_USER"])
            let wrong = "not-the-secret-42"
            let (store, auth) = try await chap(user: user, value: wrong)
            let error = await failure { () throws(StorageError) in
                try await ISCSIDirectBackend(secrets: store).start(try! pool(target, auth: auth))
            }
            #expect(error?.message.contains("rejected CHAP user '\(user)'") == true, "\(String(describing: error))")
            #expect(error?.message.contains(wrong) == false, "never the secret value")

            let none = await failure { () throws(StorageError) in
                try await ISCSIDirectBackend().start(try! pool(target))
            }
            #expect(none?.message.contains("requires CHAP authentication") == true, "\(String(describing: none))")

            let noStore = await failure { () throws(StorageError) in
                try await ISCSIDirectBackend().start(try! pool(target, auth: auth))
            }
            #expect(noStore?.message.contains("no secret store") == true, "\(String(describing: noStore))")
        }

        @Test func mutualCHAP() async throws {
            let target = TGT.base + ":chap"
            let (store, auth) = try await chap(
                user: try #require(TGT.env["TGT_CHAP_USER"]), value: try #require(TGT.env["TGT_CHAP_PASS"]))
            for (value, works) in [(try #require(TGT.env["TGT_OUT_PASS"]), true), ("wrong-target-secret", false)] {
                let def = SecretDefinition(usage: .iscsi(target: "vstest-target-\(works)"))
                try await store.define(def)
                try await store.setValue(Array(value.utf8), for: def.uuid)
                let targetAuth = StorageAuth(
                    type: .chap, username: try #require(TGT.env["TGT_OUT_USER"]),
                    secret: .usage("vstest-target-\(works)"))
                let backend = ISCSIDirectBackend(secrets: store, targetCredentials: [target: targetAuth])
                let error = await failure { () throws(StorageError) in
                    try await backend.start(try! pool(target, auth: auth))
                }
                if works {
                    #expect(error == nil, "\(String(describing: error))")
                } else {
                    #expect(error?.message.contains("mutual CHAP failed") == true, "\(String(describing: error))")
                }
            }
        }

        // MARK: discovery

        @Test func findSourcesBySendTargets() async throws {
            let backend = ISCSIDirectBackend()
            var spec = PoolSource()
            spec.hosts = [SourceHost(name: TGT.host, port: TGT.port)]
            spec.initiatorIQN = Self.initiator
            let found = try await backend.findSources(spec)
            let names = Set(found.map { $0.devices.first?.path ?? "" })
            #expect(names.contains(TGT.base + ":plain") && names.contains(TGT.base + ":chap"), "\(names)")
            #expect(!names.contains(TGT.base + ":acl"), "the access list hides it from other initiators")
            #expect(found.allSatisfy { $0.initiatorIQN == Self.initiator && $0.hosts == spec.hosts })

            spec.initiatorIQN = TGT.base + ":allowed"
            let allowed = Set(try await backend.findSources(spec).map { $0.devices.first?.path ?? "" })
            #expect(allowed.contains(TGT.base + ":acl"), "\(allowed)")

            spec.initiatorIQN = nil
            let noIQN = await failure { () throws(StorageError) in _ = try await backend.findSources(spec) }
            #expect(noIQN?.message == "missing initiator IQN")
        }

        @Test func findSourcesThroughHost() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iscsi-find-\(UUID())").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var registry = BackendRegistry.builtIn
            registry.register(ISCSIDirectBackend())
            let host = try await StorageHost(directories: .root(dir), backends: registry)
            let xml = try await host.findPoolSources(
                type: .iscsiDirect,
                spec:
                    "<source><host name='\(TGT.host)' port='\(TGT.port)'/><initiator><iqn name='\(Self.initiator)'/></initiator></source>"
            )
            #expect(xml.contains("<device path='\(TGT.base):plain'/>"), "\(xml)")
            #expect(xml.contains("<iqn name='\(Self.initiator)'/>"), "\(xml)")
        }

        // MARK: data

        func backing(_ name: String) throws -> Data {
            try Data(contentsOf: URL(fileURLWithPath: TGT.state + "/" + name))
        }

        /// The host's stream API reaches a LUN through its `VolumeData`: bytes
        /// written at an offset inside a block come back through a read, and
        /// are on the target's backing file.
        @Test func streamsThroughTheHost() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iscsi-stream-\(UUID())").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var registry = BackendRegistry.builtIn
            registry.register(ISCSIDirectBackend())
            let host = try await StorageHost(directories: .root(dir), backends: registry)
            try await host.create(xml: PoolXML.format(try pool(TGT.base + ":plain")))
            let offset = 6 * Self.mib + 777
            let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
            let chunks = AsyncStream<VolumeChunk> { continuation in
                continuation.yield(.data(Array(bytes[..<40_000])))
                continuation.yield(.data(Array(bytes[40_000...])))
                continuation.finish()
            }
            try await host.writeVolume("unit:0:0:2", in: "direct", offset: offset, from: chunks)
            var read: [UInt8] = []
            for try await chunk in try await host.readVolume(
                "unit:0:0:2", in: "direct", offset: offset, length: UInt64(bytes.count))
            {
                guard case .data(let part) = chunk else {
                    Issue.record("a dense read gave \(chunk)")
                    return
                }
                read += part
            }
            #expect(read == bytes)
            #expect(try backing("plain-2.img")[Int(offset)..<Int(offset) + bytes.count] == Data(bytes))
            try await host.destroy("direct")
        }

        @Test func uploadDownloadAndWipe() async throws {
            let backend = ISCSIDirectBackend()
            let def = try pool(TGT.base + ":plain")
            let (_, vols) = try await backend.refresh(def)
            let lun2 = try #require(vols.first { $0.name == "unit:0:0:2" })
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iscsi-data-\(UUID())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }

            // Unaligned offset and length, more than one chunk.
            let bytes = (0..<(1_500_000)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let source = dir.appendingPathComponent("in.bin")
            try Data(bytes).write(to: source)
            let offset: UInt64 = 4 * Self.mib + 1000
            try await backend.uploadVolume(
                lun2, from: source.path, offset: offset, length: nil, sparse: false, in: def, progress: nil)
            let file = try backing("plain-2.img")
            #expect(file[Int(offset)..<Int(offset) + bytes.count] == Data(bytes))
            #expect(file[Int(offset) - 1000..<Int(offset)].allSatisfy { $0 == 0 }, "bytes before untouched")

            let out = dir.appendingPathComponent("out.bin")
            try await backend.downloadVolume(
                lun2, to: out.path, offset: offset + 10, length: 600_000, sparse: false, in: def, progress: nil)
            #expect(try Data(contentsOf: out) == Data(bytes[10..<600_010]))

            // A length past the end stops at the end, as in every pool type.
            try await backend.downloadVolume(
                lun2, to: out.path, offset: 48 * Self.mib - 10, length: 20, sparse: false, in: def, progress: nil)
            #expect(try Data(contentsOf: out).count == 10)
            let tooLong = await failure { () throws(StorageError) in
                try await backend.uploadVolume(
                    lun2, from: source.path, offset: 48 * Self.mib - 10, length: nil, sparse: false, in: def,
                    progress: nil)
            }
            #expect(tooLong?.message.contains("does not fit") == true, "\(String(describing: tooLong))")

            let done = Mutex<UInt64>(0)
            try await backend.wipeVolume(lun2, algorithm: .zero, in: def) { d, _ in done.withLock { $0 = d } }
            #expect(done.withLock { $0 } == 48 * Self.mib)
            #expect(try backing("plain-2.img").allSatisfy { $0 == 0 })

            let other = await failure { () throws(StorageError) in
                try await backend.wipeVolume(lun2, algorithm: .nnsa, in: def, progress: nil)
            }
            #expect(other?.code == .invalidArgument)
        }
    }
#endif
