#if Gluster
    import Foundation
    import Testing
    import VirtStorageTestSupport
    import VirtStorage
    import VirtStorageGluster

    struct TestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// A FUSE mount of a gluster volume, to write files the backend did not write.
    final class GlusterMount {
        let path: String
        private let scratch: Scratch

        init(_ server: GlusterServer, volume: String? = nil) async throws {
            scratch = Scratch("gluster-mnt")
            path = scratch.sub("mnt")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            // The library's runner, not Foundation's Process: the glusterfs
            // daemon that mount starts keeps every descriptor it inherits.
            let mounted = try await SystemCommandRunner().capture(
                Command("mount", ["-t", "glusterfs", "\(server.host):/\(volume ?? server.volume)", path]))
            guard mounted.status == 0 else { throw TestFailure("mount of gluster volume failed: \(mounted.message)") }
        }

        func unmount() {
            _ = try? Scratch.run("/usr/bin/umount", [path])
        }

        deinit { unmount() }
    }

    /// A host with one gluster pool on its own new directory of the test
    /// volume (made through a FUSE mount), so tests share the volume.
    struct GlusterFixture {
        let scratch: Scratch
        let host: StorageHost
        let pool: String
        /// The pool's directory in the gluster volume, "/vs-LABEL-N".
        let dir: String
        let mount: GlusterMount
        let server: GlusterServer

        static func make(
            _ server: GlusterServer, label: String, timeout: Int = 10, alongside: [any StorageBackend] = []
        ) async throws -> GlusterFixture {
            let scratch = Scratch("gluster-\(label)")
            let mount = try await GlusterMount(server)
            let dir = "/vs-\(label)-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: mount.path + dir, withIntermediateDirectories: false)
            let host = try await StorageHost(
                directories: .root(scratch.sub("root")),
                backends: BackendRegistry([GlusterBackend(timeout: timeout)] + alongside))
            let pool = "gl-\(label)"
            try await host.define(
                xml: """
                    <pool type='gluster'><name>\(pool)</name>
                    <source><host name='\(server.host)'/><dir path='\(dir)'/><name>\(server.volume)</name></source></pool>
                    """)
            try await host.start(pool)
            return GlusterFixture(scratch: scratch, host: host, pool: pool, dir: dir, mount: mount, server: server)
        }

        /// Runs `body` on a new fixture and removes the pool's directory afterwards, also when `body` fails.
        static func with(
            _ server: GlusterServer, label: String, alongside: [any StorageBackend] = [],
            _ body: (GlusterFixture) async throws -> Void
        ) async throws {
            let f = try await make(server, label: label, alongside: alongside)
            do {
                try await body(f)
            } catch {
                await f.cleanup()
                throw error
            }
            await f.cleanup()
        }

        /// Where the FUSE mount shows a volume of the pool.
        func mounted(_ name: String) -> String { mount.path + dir + "/" + name }

        func uri(_ name: String) -> String { "gluster://\(server.host)/\(server.volume)\(dir)/\(name)" }

        func volume(_ name: String) async throws -> VolumeDefinition {
            try await host.volume(name, in: pool).definition
        }

        func cleanup() async {
            try? await host.destroy(pool)
            try? FileManager.default.removeItem(atPath: mount.path + dir)
            mount.unmount()
        }
    }

    func glusterPattern(_ count: Int, seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 13) ^ seed }
    }

    /// `qemu-img info` of a gluster:// URI, read by qemu's own gluster driver.
    func qemuInfo(_ uri: String) throws -> String {
        let result = try Scratch.run("/usr/bin/qemu-img", ["info", "--output=human", uri])
        guard result.status == 0 else { throw TestFailure("qemu-img info \(uri): \(result.output)") }
        return result.output
    }

    @Suite("gluster backend on a live glusterd", .serialized, .timeLimit(.minutes(5)))
    struct GlusterBackendTests {
        @Test func refreshSeesFilesWrittenThroughFuse() async throws {
            let server = try #require(GlusterServer.current, Comment(rawValue: GlusterServer.missing))
            try await GlusterFixture.with(server, label: "refresh") { f in
                // A sparse raw file with 1 MiB of data, a qcow2 image, a directory, a dangling link.
                let raw = f.mounted("disk.raw")
                #expect(FileManager.default.createFile(atPath: raw, contents: Data(glusterPattern(1 << 20, seed: 1))))
                #expect(truncate(raw, 8 << 20) == 0)
                let made = try Scratch.run(
                    "/usr/bin/qemu-img",
                    ["create", "-q", "-f", "qcow2", "-o", "compat=1.1,lazy_refcounts=on", f.mounted("v3.qcow2"), "64M"])
                #expect(made.status == 0, "\(made.output)")
                try FileManager.default.createDirectory(atPath: f.mounted("sub"), withIntermediateDirectories: false)
                try FileManager.default.createSymbolicLink(
                    atPath: f.mounted("dangling"), withDestinationPath: "nowhere")

                try await f.host.refresh(f.pool)
                let names = try await f.host.volumes(in: f.pool).map(\.name).sorted()
                #expect(names == ["disk.raw", "sub", "v3.qcow2"])

                let disk = try await f.volume("disk.raw")
                #expect(disk.type == .network)
                #expect(disk.key == f.uri("disk.raw"))
                #expect(disk.target.path == f.uri("disk.raw"))
                #expect(disk.target.format == "raw")
                #expect(disk.capacity == 8 << 20)
                #expect(disk.allocation >= 1 << 20 && disk.allocation < 8 << 20, "sparse: \(disk.allocation)")
                #expect(disk.target.permissions?.mode != nil)

                let image = try await f.volume("v3.qcow2")
                #expect(image.target.format == "qcow2")
                #expect(image.capacity == 64 << 20)
                #expect(image.target.compat == "1.1")
                #expect(image.target.features == [.lazyRefcounts])

                let sub = try await f.volume("sub")
                #expect(sub.type == .netdir)
                #expect(sub.target.format == "dir")

                let xml = VolumeXML.format(disk, poolType: .gluster)
                #expect(xml.hasPrefix("<volume type='network'>"), "\(xml)")
                #expect(xml.contains("<path>\(f.uri("disk.raw"))</path>"), "\(xml)")

                let info = try await f.host.pool(f.pool)
                #expect(info.capacity > 0 && info.available > 0 && info.available <= info.capacity)
            }
        }

        @Test func createWriteCloneResizeWipeDelete() async throws {
            let server = try #require(GlusterServer.current, Comment(rawValue: GlusterServer.missing))
            try await GlusterFixture.with(server, label: "life") { f in

                // raw, sparse
                let thin = try await f.host.createVolume(
                    in: f.pool, xml: "<volume><name>thin.raw</name><capacity unit='MiB'>16</capacity></volume>")
                #expect(thin.definition.key == f.uri("thin.raw"))
                #expect(thin.definition.capacity == 16 << 20)
                #expect(thin.definition.allocation <= 64 << 10, "sparse without <allocation>")
                let thinInfo = try qemuInfo(f.uri("thin.raw"))
                #expect(thinInfo.contains("file format: raw"), "\(thinInfo)")
                #expect(thinInfo.contains("virtual size: 16 MiB"), "\(thinInfo)")

                // raw, allocated
                let thick = try await f.host.createVolume(
                    in: f.pool,
                    xml:
                        "<volume><name>thick.raw</name><capacity unit='MiB'>8</capacity><allocation unit='MiB'>8</allocation></volume>"
                )
                #expect(thick.definition.allocation >= 8 << 20, "allocated: \(thick.definition.allocation)")

                // qcow2, written natively; qemu reads it over gluster
                let qcow = try await f.host.createVolume(
                    in: f.pool,
                    xml:
                        "<volume><name>new.qcow2</name><capacity unit='GiB'>2</capacity><target><format type='qcow2'/><compat>1.1</compat></target></volume>"
                )
                #expect(qcow.definition.target.format == "qcow2")
                #expect(qcow.definition.capacity == 2 << 30)
                let qcowInfo = try qemuInfo(f.uri("new.qcow2"))
                #expect(qcowInfo.contains("file format: qcow2"), "\(qcowInfo)")
                #expect(qcowInfo.contains("virtual size: 2 GiB"), "\(qcowInfo)")
                let check = try Scratch.run("/usr/bin/qemu-img", ["check", f.mounted("new.qcow2")])
                #expect(check.status == 0, "\(check.output)")

                await #expect(throws: StorageError.self) {
                    try await f.host.createVolume(
                        in: f.pool, xml: "<volume><name>thin.raw</name><capacity unit='MiB'>1</capacity></volume>")
                }

                // upload at an offset, download the same range
                let data = glusterPattern(5 << 20 + 77, seed: 9)
                let input = f.scratch.sub("in.img")
                let output = f.scratch.sub("out.img")
                #expect(FileManager.default.createFile(atPath: input, contents: Data(data)))
                try await f.host.uploadVolume("thin.raw", in: f.pool, from: input, offset: 3 << 20)
                try await f.host.downloadVolume(
                    "thin.raw", in: f.pool, to: output, offset: 3 << 20, length: UInt64(data.count))
                #expect(FileManager.default.contents(atPath: output) == Data(data))
                // the FUSE mount sees the same bytes
                let seen = try #require(FileManager.default.contents(atPath: f.mounted("thin.raw")))
                #expect(seen.count == 16 << 20)
                #expect(seen[(3 << 20)..<((3 << 20) + data.count)] == Data(data))
                #expect(seen[0..<(3 << 20)] == Data(count: 3 << 20))

                // clone: same bytes, sparse where the source has zeros
                let copy = try await f.host.cloneVolume("thin.raw", in: f.pool, newName: "copy.raw")
                #expect(copy.definition.capacity == 16 << 20)
                #expect(copy.definition.allocation < 6 << 20, "zeros stay holes: \(copy.definition.allocation)")
                #expect(FileManager.default.contents(atPath: f.mounted("copy.raw")) == seen)
                let qcowCopy = try await f.host.cloneVolume("new.qcow2", in: f.pool, newName: "copy.qcow2")
                #expect(qcowCopy.definition.target.format == "qcow2")
                #expect(qcowCopy.definition.capacity == 2 << 30)

                // resize: grow, shrink (as the host allows)
                try await f.host.resizeVolume("copy.raw", in: f.pool, capacity: 32 << 20)
                #expect(try await f.volume("copy.raw").capacity == 32 << 20)
                await #expect(throws: StorageError.self, "not below the data") {
                    try await f.host.resizeVolume("copy.raw", in: f.pool, capacity: 4 << 20, options: .shrink)
                }
                try await f.host.resizeVolume("copy.raw", in: f.pool, capacity: 12 << 20, options: .shrink)
                #expect(try await f.volume("copy.raw").capacity == 12 << 20)
                await #expect(throws: StorageError.self) {
                    try await f.host.resizeVolume("new.qcow2", in: f.pool, capacity: 4 << 30)
                }

                // wipe: zeros everywhere, the size kept
                try await f.host.wipeVolume("thin.raw", in: f.pool, algorithm: .zero)
                try await f.host.downloadVolume("thin.raw", in: f.pool, to: output)
                #expect(FileManager.default.contents(atPath: output) == Data(count: 16 << 20))
                try await f.host.uploadVolume("copy.raw", in: f.pool, from: input, length: 1 << 20)
                try await f.host.wipeVolume("copy.raw", in: f.pool, algorithm: .dod)
                try await f.host.downloadVolume("copy.raw", in: f.pool, to: output)
                #expect(FileManager.default.contents(atPath: output) == Data(repeating: 0xFF, count: 12 << 20))

                // delete: gone from the pool and from the volume
                for name in ["thin.raw", "thick.raw", "new.qcow2", "copy.raw", "copy.qcow2"] {
                    try await f.host.deleteVolume(name, in: f.pool)
                    #expect(!FileManager.default.fileExists(atPath: f.mounted(name)), "\(name)")
                }
                try await f.host.refresh(f.pool)
                #expect(try await f.host.volumes(in: f.pool).isEmpty)
            }
        }

        /// Starts a pool from `xml` on a host of its own; returns the error and the seconds it took.
        func failedStart(_ xml: String, timeout: Int = 3) async throws -> (StorageError?, Double) {
            let scratch = Scratch("gluster-err")
            let host = try await StorageHost(
                directories: .root(scratch.sub("root")), backends: BackendRegistry([GlusterBackend(timeout: timeout)]))
            let pool = try await host.define(xml: xml)
            let clock = ContinuousClock()
            let started = clock.now
            let error = await #expect(throws: StorageError.self) { try await host.start(pool.name) }
            let elapsed = clock.now - started
            return (error, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }

        @Test func clearErrorsWithoutHanging() async throws {
            let server = try #require(GlusterServer.current, Comment(rawValue: GlusterServer.missing))
            let (unknown, t1) = try await failedStart(
                "<pool type='gluster'><name>u</name><source><host name='\(server.host)'/><name>nosuchvol</name></source></pool>"
            )
            #expect(
                unknown?.message.contains("has no gluster volume 'nosuchvol'") == true, "\(String(describing: unknown))"
            )
            #expect(t1 < 5)

            let (missingDir, t2) = try await failedStart(
                "<pool type='gluster'><name>d</name><source><host name='\(server.host)'/><dir path='/no/such/dir'/><name>\(server.volume)</name></source></pool>"
            )
            #expect(
                missingDir?.message.contains("directory '/no/such/dir/' does not exist in gluster volume") == true,
                "\(String(describing: missingDir))")
            #expect(t2 < 5)

            let (refused, t3) = try await failedStart(
                "<pool type='gluster'><name>r</name><source><host name='127.0.0.1' port='1'/><name>\(server.volume)</name></source></pool>"
            )
            #expect(refused?.message.contains("no glusterd answers on host '127.0.0.1' port 1") == true)
            #expect(t3 < 5)

            let (unresolved, t5) = try await failedStart(
                "<pool type='gluster'><name>n</name><source><host name='no-such-host.invalid'/><name>\(server.volume)</name></source></pool>"
            )
            #expect(unresolved?.message.contains("host name 'no-such-host.invalid' does not resolve") == true)
            #expect(t5 < 5)

            // A server that accepts the connection and never answers: the watchdog gives up.
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(listener) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            #expect(listen(listener, 8) == 0)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
            }
            let port = Int(UInt16(bigEndian: address.sin_port))
            let (silent, t4) = try await failedStart(
                "<pool type='gluster'><name>s</name><source><host name='127.0.0.1' port='\(port)'/><name>\(server.volume)</name></source></pool>",
                timeout: 2)
            #expect(
                silent?.message.contains("no answer from the gluster server within 2 s") == true,
                "\(String(describing: silent))")
            #expect(t4 >= 2 && t4 < 6, "\(t4) s")
        }

        /// The brick process of a volume of the private glusterd, from its pid file.
        func brickPid(_ server: GlusterServer, volume: String) -> Int32? {
            let dir = server.state + "/run/vols/" + volume
            guard
                let file = try? FileManager.default.contentsOfDirectory(atPath: dir).first(where: {
                    $0.hasSuffix(".pid")
                }),
                let text = try? String(contentsOfFile: dir + "/" + file, encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("glusterfsd") == true
            else { return nil }
            return pid
        }

        @Test func brickStoppedMidwayFailsClearlyAndPoolRecovers() async throws {
            let server = try #require(GlusterServer.current, Comment(rawValue: GlusterServer.missing))
            // A volume of its own: stopping the shared volume's brick would disturb other tests.
            let volume = "vsfault\(UInt16.random(in: 0...UInt16.max))"
            let brick = server.state + "/brick/" + volume
            try FileManager.default.createDirectory(atPath: brick, withIntermediateDirectories: true)
            try server.gluster("volume", "create", volume, "\(server.host):\(brick)", "force")
            defer {
                _ = try? server.gluster("volume", "stop", volume, "force")
                _ = try? server.gluster("volume", "delete", volume)
                try? FileManager.default.removeItem(atPath: brick)
            }
            try server.gluster("volume", "start", volume)

            let scratch = Scratch("gluster-fault")
            let host = try await StorageHost(
                directories: .root(scratch.sub("root")), backends: BackendRegistry([GlusterBackend(timeout: 5)]))
            try await host.define(
                xml:
                    "<pool type='gluster'><name>fault</name><source><host name='\(server.host)'/><name>\(volume)</name></source></pool>"
            )
            // The brick may take a moment to listen after volume start.
            var started = false
            for _ in 0..<50 where !started {
                started = (try? await host.start("fault")) != nil
                if !started { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(started)
            try await host.createVolume(
                in: "fault", xml: "<volume><name>d.raw</name><capacity unit='MiB'>8</capacity></volume>")
            let data = glusterPattern(3 << 20, seed: 5)
            let input = scratch.sub("in")
            let output = scratch.sub("out")
            #expect(FileManager.default.createFile(atPath: input, contents: Data(data)))
            try await host.uploadVolume("d.raw", in: "fault", from: input)

            let pid = try #require(brickPid(server, volume: volume))
            #expect(kill(pid, SIGKILL) == 0)
            while kill(pid, 0) == 0 { try await Task.sleep(for: .milliseconds(50)) }

            let clock = ContinuousClock()
            let before = clock.now
            let error = await #expect(throws: StorageError.self) {
                try await host.downloadVolume("d.raw", in: "fault", to: output)
            }
            #expect(clock.now - before < .seconds(8), "fails within the 5 s timeout (plus slack)")
            #expect(error?.message.contains(volume) == true, "\(String(describing: error))")

            try server.gluster("volume", "start", volume, "force")
            var recovered = false
            for _ in 0..<60 where !recovered {
                recovered =
                    (try? await host.downloadVolume("d.raw", in: "fault", to: output, length: UInt64(data.count)))
                    != nil
                if !recovered { try await Task.sleep(for: .milliseconds(500)) }
            }
            #expect(recovered, "the pool works again once the brick is back")
            #expect(FileManager.default.contents(atPath: output) == Data(data))
            try await host.refresh("fault")
            #expect(try await host.volumes(in: "fault").map(\.name) == ["d.raw"])
            try await host.destroy("fault")
            // The stopped pool's connection winds down (glfs_fini, about 10 s)
            // on a thread of its own; stopping and deleting the volume under
            // it can make libgfapi's timer thread use freed memory and abort
            // the test process (RELIABILITY.md). Wait until it has finished.
            GlusterBackend.waitUntilConnectionsClosed()
        }
    }
#endif
