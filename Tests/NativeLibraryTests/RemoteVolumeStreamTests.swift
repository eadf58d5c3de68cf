import Foundation
import Testing
import VirtStorage
import VirtStorageTestSupport

/// The library's streams on volumes that are not local files, through their
/// backends' libraries (librbd, libgfapi) on the live services: what is
/// written is read back, holes included, and a local file named like the
/// volume is never touched.
enum RemoteVolumeStreams {
    /// 3 MiB: a MiB of pattern, a MiB hole, 4 KiB of pattern at the end.
    static let size: UInt64 = 3 << 20
    static let head = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 7) }
    static let tail = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 5 &+ 1) }

    static func chunks() -> AsyncStream<VolumeChunk> {
        let (stream, input) = AsyncStream<VolumeChunk>.makeStream()
        input.yield(.data(head))
        input.yield(.hole(1 << 20))
        input.yield(.hole((1 << 20) - UInt64(tail.count)))
        input.yield(.data(tail))
        input.finish()
        return stream
    }

    /// Writes the chunks into `volume`, reads it back whole and sparse, and
    /// checks the bytes; `localTwin` is a path (relative to the current
    /// directory) that must stay as it was.
    static func roundTrip(_ host: StorageHost, volume: String, pool: String, localTwin: String?) async throws {
        var twinCreated: [String] = []
        if let localTwin {
            // Made here if absent, so that a backend opening the volume's
            // name as a local file would find it.
            let dir = (localTwin as NSString).deletingLastPathComponent
            if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                twinCreated.append(dir)
            }
            try Data("local file, not the volume".utf8).write(to: URL(fileURLWithPath: localTwin))
            twinCreated.insert(localTwin, at: 0)
        }
        defer { for path in twinCreated { try? FileManager.default.removeItem(atPath: path) } }

        try await host.writeVolume(volume, in: pool, from: chunks())
        var whole: [UInt8] = []
        for try await chunk in try await host.readVolume(volume, in: pool) {
            guard case .data(let bytes) = chunk else {
                Issue.record("a dense read gave \(chunk)")
                return
            }
            whole += bytes
        }
        var expected = head + [UInt8](repeating: 0, count: Int(size) - head.count - tail.count) + tail
        #expect(whole.count == expected.count && whole == expected)

        // Sparse: the zeros come as holes, and the chunks add up to the volume.
        var holes: UInt64 = 0
        var total: UInt64 = 0
        var rebuilt: [UInt8] = []
        for try await chunk in try await host.readVolume(volume, in: pool, sparse: true) {
            total += chunk.count
            switch chunk {
            case .data(let bytes): rebuilt += bytes
            case .hole(let length):
                holes += length
                rebuilt += [UInt8](repeating: 0, count: Int(length))
            }
        }
        #expect(total == size && holes >= 1 << 20 && rebuilt == expected)

        // A stream at an offset, and one past the end refused before writing.
        try await host.writeVolume(volume, in: pool, offset: 10, from: { () -> AsyncStream<VolumeChunk> in
            let (stream, input) = AsyncStream<VolumeChunk>.makeStream()
            input.yield(.data([1, 2, 3]))
            input.finish()
            return stream
        }())
        expected.replaceSubrange(10..<13, with: [1, 2, 3])
        var first: [UInt8] = []
        for try await chunk in try await host.readVolume(volume, in: pool, length: 16) {
            if case .data(let bytes) = chunk { first += bytes }
        }
        #expect(first == Array(expected[0..<16]))
        await #expect(throws: StorageError.self) {
            try await host.writeVolume(volume, in: pool, offset: size - 2, length: 4, from: chunks())
        }
        if let localTwin {
            #expect(try String(contentsOfFile: localTwin, encoding: .utf8) == "local file, not the volume")
        }
    }
}

#if Ceph
    import VirtStorageRBD

    @Suite(
        "streams on a live rbd image", .serialized,
        .enabled(if: CephCluster.current != nil, Comment(rawValue: CephCluster.reason)))
    struct RBDVolumeStreamTests {
        @Test func writeAndReadAnImage() async throws {
            try await RBDFixture.with(CephCluster.current!, label: "stream") { f in
                let volume = f.prefix + "s"
                try await f.host.createVolume(
                    VolumeDefinition(name: volume, capacity: RemoteVolumeStreams.size), in: f.pool)
                // The volume's path is "rbd/NAME": a file of that name in the
                // current directory stays as it is.
                let path = try #require(try await f.host.volume(volume, in: f.pool).path)
                #expect(path == "rbd/\(volume)")
                try await RemoteVolumeStreams.roundTrip(f.host, volume: volume, pool: f.pool, localTwin: path)
            }
        }
    }
#endif

#if Gluster
    extension GlusterBackendTests {
        @Test func streamsReadAndWriteThroughLibgfapi() async throws {
            let server = try #require(GlusterServer.current, Comment(rawValue: GlusterServer.missing))
            try await GlusterFixture.with(server, label: "stream") { f in
                try await f.host.createVolume(VolumeDefinition(name: "s.raw", capacity: RemoteVolumeStreams.size), in: f.pool)
                try await RemoteVolumeStreams.roundTrip(f.host, volume: "s.raw", pool: f.pool, localTwin: nil)
                // The FUSE mount sees what libgfapi wrote.
                let mounted = try Data(contentsOf: URL(fileURLWithPath: f.mounted("s.raw")))
                #expect(mounted.count == Int(RemoteVolumeStreams.size))
                #expect(Array(mounted.suffix(RemoteVolumeStreams.tail.count)) == RemoteVolumeStreams.tail)
            }
        }
    }
#endif

/// vol-create-from between a dir pool and a pool reached over the network,
/// both ways, bytes compared: into the remote pool its backend reads the
/// local file itself; out of it, the bytes go through the two backends'
/// VolumeData, holes staying holes; between a qcow2 file and the remote
/// pool's raw data, through a converted stage.
enum CrossPoolCopy {
    /// `converting`: also a qcow2 file to and from the remote pool. The
    /// gluster suite leaves that to its CLI test, in a process of its own:
    /// every libgfapi connection this process opens adds timer threads that
    /// may outlive it (RELIABILITY.md).
    static func bothWays(
        _ host: StorageHost, remotePool: String, prefix: String, scratch: String, converting: Bool = true
    ) async throws {
        let dir = scratch + "/images"
        try await host.define(PoolDefinition(type: .dir, name: "local", target: PoolTarget(path: dir)))
        try await host.start("local", build: .normal)
        // A raw file: data, a 2 MiB hole, data at the end.
        let seed = dir + "/seed.raw"
        let fd = open(seed, O_CREAT | O_WRONLY, 0o600)
        _ = RemoteVolumeStreams.head.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        _ = RemoteVolumeStreams.tail.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(3 << 20)) }
        close(fd)
        try await host.refresh("local")
        let local = try await host.volume("seed.raw", in: "local")

        let remote = try await host.createVolume(
            VolumeDefinition(name: prefix + "copy"), in: remotePool, from: local)
        #expect(remote.capacity == local.capacity)
        let back = try await host.createVolume(
            VolumeDefinition(name: "back.raw", format: .raw), in: "local", from: remote)
        #expect(back.capacity == local.capacity)
        #expect(FileManager.default.contentsEqual(atPath: seed, andPath: back.path!))
        var st = stat()
        #expect(stat(back.path!, &st) == 0 && UInt64(st.st_blocks) * 512 < 3 << 20, "the hole stayed a hole")

        guard converting else {
            try await host.deleteVolume(remote.name, in: remotePool)
            return
        }
        // Into a qcow2 file: the raw bytes go through a stage of the dir
        // pool, which qemu-img converts; the image holds the seed's bytes.
        let image = try await host.createVolume(
            VolumeDefinition(name: "back.qcow2", format: .qcow2), in: "local", from: remote)
        #expect(image.format == .qcow2)
        #expect(try Scratch.run("/usr/bin/qemu-img", ["compare", "-f", "raw", "-F", "qcow2", seed, image.path!]).0 == 0)
        #expect(try Scratch.run("/usr/bin/qemu-img", ["check", image.path!]).0 == 0)
        // And out of it into the remote pool: converted into a raw stage first.
        let fromImage = try await host.createVolume(VolumeDefinition(name: prefix + "fromq"), in: remotePool, from: image)
        let again = try await host.createVolume(
            VolumeDefinition(name: "again.raw", format: .raw), in: "local", from: fromImage)
        #expect(FileManager.default.contentsEqual(atPath: seed, andPath: again.path!))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("virtstorage-stage-") }
        #expect(left.isEmpty, "no stage is left: \(left)")
        try await host.deleteVolume(fromImage.name, in: remotePool)
        try await host.deleteVolume(remote.name, in: remotePool)
    }
}

#if Ceph
    extension RBDVolumeStreamTests {
        @Test func createFromBetweenADirPoolAndRBD() async throws {
            try await RBDFixture.with(CephCluster.current!, label: "cross", alongside: [DirBackend()]) { f in
                try await CrossPoolCopy.bothWays(f.host, remotePool: f.pool, prefix: f.prefix, scratch: f.directory)
            }
        }
    }
#endif

#if Gluster
    extension GlusterBackendTests {
        @Test func createFromBetweenADirPoolAndGluster() async throws {
            let server = try #require(GlusterServer.current, Comment(rawValue: GlusterServer.missing))
            try await GlusterFixture.with(server, label: "cross", alongside: [DirBackend()]) { f in
                try await CrossPoolCopy.bothWays(
                    f.host, remotePool: f.pool, prefix: "", scratch: f.scratch.path, converting: false)
            }
        }
    }
#endif
