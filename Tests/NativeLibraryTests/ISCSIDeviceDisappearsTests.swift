#if ISCSI
    import Foundation
    import Testing
    import VirtStorage
    import VirtStorageISCSIDirect
    import VirtStorageTestSupport

    /// A device that disappears under an active pool: LUNs, then the whole
    /// target, removed from the live tgtd while the pool is in use. Each step
    /// fails with a clear error at once or lists what is left; the data of the
    /// devices that stay is untouched.
    @Suite(
        "iscsi-direct: devices that disappear from a live tgtd", .serialized,
        .enabled(if: TGT.running, Comment(rawValue: TestService.tgt.unavailable ?? "tgtd of Scripts/tgt-up.sh")))
    struct ISCSIDeviceDisappearsTests {
        static let tid = 9
        static var target: String { TGT.base + ":vanishing" }

        func tgtadm(_ args: [String]) throws -> (status: Int32, output: String) {
            let ctrl =
                (try? String(contentsOfFile: TGT.state + "/ctrl", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "17"
            return try Scratch.run("/usr/sbin/tgtadm", ["-C", ctrl, "--lld", "iscsi"] + args)
        }

        @Test func lunsThenTheTargetRemovedWhileThePoolIsActive() async throws {
            let scratch = Scratch("vanish")
            let lun1 = scratch.sub("lun1.img")
            let lun2 = scratch.sub("lun2.img")
            // LUN 1 carries a pattern that must survive everything below.
            let pattern = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 | 1) })
            try pattern.write(to: URL(fileURLWithPath: lun1))
            _ = try Scratch.run("/usr/bin/truncate", ["-s", "16M", lun1, lun2])
            _ = try tgtadm(["--op", "delete", "--mode", "target", "--tid", "\(Self.tid)", "--force"])
            for args in [
                ["--op", "new", "--mode", "target", "--tid", "\(Self.tid)", "-T", Self.target],
                ["--op", "new", "--mode", "logicalunit", "--tid", "\(Self.tid)", "--lun", "1", "-b", lun1],
                ["--op", "new", "--mode", "logicalunit", "--tid", "\(Self.tid)", "--lun", "2", "-b", lun2],
                ["--op", "bind", "--mode", "target", "--tid", "\(Self.tid)", "-I", "127.0.0.1"],
            ] {
                let result = try tgtadm(args)
                try #require(result.status == 0, "tgtadm \(args): \(result.output)")
            }
            defer { _ = try? tgtadm(["--op", "delete", "--mode", "target", "--tid", "\(Self.tid)", "--force"]) }

            var registry = BackendRegistry.builtIn
            registry.register(ISCSIDirectBackend(timeout: 5))
            let host = try await StorageHost(directories: .root(scratch.sub("root")), backends: registry)
            try await host.create(
                xml: """
                    <pool type='iscsi-direct'><name>vanishing</name>
                    <source><host name='\(TGT.host)' port='\(TGT.port)'/><device path='\(Self.target)'/>
                    <initiator><iqn name='iqn.2026-01.org.virtstorage:tests'/></initiator></source></pool>
                    """)
            #expect(try await host.volumes(in: "vanishing").map(\.name) == ["unit:0:0:0", "unit:0:0:1", "unit:0:0:2"])

            // LUN 2 goes away: reading it fails clearly and quickly, a refresh lists what is left.
            let gone = try tgtadm(["--op", "delete", "--mode", "logicalunit", "--tid", "\(Self.tid)", "--lun", "2"])
            try #require(gone.status == 0, "\(gone.output)")
            let started = ContinuousClock.now
            let readGone = await #expect(throws: StorageError.self) {
                try await host.downloadVolume("unit:0:0:2", in: "vanishing", to: scratch.sub("out2"))
            }
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(readGone?.message.isEmpty == false && readGone?.message.contains("\n") == false)
            try await host.refresh("vanishing")
            #expect(try await host.volumes(in: "vanishing").map(\.name) == ["unit:0:0:0", "unit:0:0:1"])
            try await host.downloadVolume("unit:0:0:1", in: "vanishing", to: scratch.sub("out1"), length: 1 << 20)
            #expect(FileManager.default.contents(atPath: scratch.sub("out1")) == pattern)

            // The whole target goes away: refresh fails within the timeout and,
            // as in libvirt, the pool that cannot be refreshed is stopped.
            let removed = try tgtadm(["--op", "delete", "--mode", "target", "--tid", "\(Self.tid)", "--force"])
            try #require(removed.status == 0, "\(removed.output)")
            let refreshStarted = ContinuousClock.now
            let refreshError = await #expect(throws: StorageError.self) { try await host.refresh("vanishing") }
            #expect(ContinuousClock.now - refreshStarted < .seconds(30))
            #expect(refreshError?.message.contains(Self.target) == true, "\(String(describing: refreshError))")
            #expect((try? await host.pool(named: "vanishing")) == nil, "a transient pool that failed is gone")
            // Nothing that existed before was lost.
            #expect(FileManager.default.contents(atPath: lun1)?.prefix(1 << 20) == pattern)
        }
    }
#endif
