import Foundation
import Synchronization
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// The data path's system calls go through one layer (`SystemCalls`) that
/// tests watch and make fail: a full disk in the middle of an upload, an
/// interrupted read that is retried, and a hook that sees only its own paths.
@Suite("system calls of the data path, watched and failed")
struct SystemCallTests {
    /// A dir pool "p" with an 8 MiB raw volume, and a 6 MiB file of known bytes.
    static func setUp(_ label: String) async throws -> (Scratch, StorageHost, String, Data) {
        let (scratch, host, _) = try await DirVolumeTests.pool(label)
        try await host.createVolume(in: "p", xml: DirVolumeTests.volumeXML("v.img", "8388608"))
        var rng = SplitMix(seed: 7)
        let bytes = Data((0..<(6 << 20)).map { _ in UInt8(truncatingIfNeeded: rng.next() | 1) })
        let source = scratch.sub("source.bin")
        try bytes.write(to: URL(fileURLWithPath: source))
        return (scratch, host, source, bytes)
    }

    @Test func aFullDiskInTheMiddleOfAnUploadFailsWithItsErrno() async throws {
        let (scratch, host, source, _) = try await Self.setUp("syscall-enospc")
        let volume = scratch.sub("pool/v.img")
        let writes = Mutex(0)
        let error = await #expect(throws: StorageError.self) {
            try await SystemCalls.withHook(under: volume, { call in
                guard call.name == "pwrite" else { return nil }
                return writes.withLock { count in
                    count += 1
                    return count >= 3 ? ENOSPC : nil
                }
            }) {
                try await host.uploadVolume("v.img", in: "p", from: source)
            }
        }
        #expect(error?.errno == ENOSPC)
        #expect(error?.message == "cannot write to '\(volume)': No space left on device")
        #expect(writes.withLock { $0 } == 3, "two writes made, the third failed and nothing after it")
        // The volume is free again: the next upload, without the hook, goes through.
        try await host.uploadVolume("v.img", in: "p", from: source)
    }

    @Test func anInterruptedReadIsRetried() async throws {
        let (scratch, host, source, bytes) = try await Self.setUp("syscall-eintr")
        let reads = Mutex(0)
        try await SystemCalls.withHook(under: source, { call in
            guard call.name == "pread" else { return nil }
            return reads.withLock { count in
                count += 1
                return count <= 3 ? EINTR : nil
            }
        }) {
            try await host.uploadVolume("v.img", in: "p", from: source)
        }
        #expect(reads.withLock { $0 } > 3, "three interrupted reads, then the real ones")
        let written = try Data(contentsOf: URL(fileURLWithPath: scratch.sub("pool/v.img")))
        #expect(written.prefix(bytes.count) == bytes)
    }

    @Test func aHookSeesOnlyItsOwnPaths() async throws {
        let (scratch, host, source, _) = try await Self.setUp("syscall-scope")
        let seen = Mutex<[SystemCalls.Call]>([])
        try await SystemCalls.withHook(under: scratch.sub("elsewhere"), { call in
            seen.withLock { $0.append(call) }
            return EIO
        }) {
            try await host.uploadVolume("v.img", in: "p", from: source)
            let out = scratch.sub("out.bin")
            try await host.downloadVolume("v.img", in: "p", to: out)
            #expect(try Data(contentsOf: URL(fileURLWithPath: out)).count == 8 << 20)
        }
        #expect(seen.withLock { $0 }.isEmpty)
        // Watching the volume instead: the download's reads of it are seen.
        let calls = Mutex<[SystemCalls.Call]>([])
        let volume = scratch.sub("pool/v.img")
        try await SystemCalls.withHook(under: volume, { call in
            calls.withLock { $0.append(call) }
            return nil
        }) {
            try await host.downloadVolume("v.img", in: "p", to: scratch.sub("again.bin"))
        }
        #expect(calls.withLock { $0 }.contains(SystemCalls.Call(name: "open", path: volume)))
        #expect(calls.withLock { $0 }.contains { $0.name == "pread" && $0.path == volume })
    }

    /// A pool's config is replaced whole or not at all: a full disk while
    /// the new one is written leaves the old file as it was, and no temporary.
    @Test func aFailedConfigWriteLeavesTheOldConfig() async throws {
        let (scratch, host, _) = try await DirVolumeTests.pool("syscall-config")
        let config = scratch.sub("root/etc/storage/p.xml")
        let configDir = (config as NSString).deletingLastPathComponent
        let before = try String(contentsOfFile: config, encoding: .utf8)
        let redefined = before.replacingOccurrences(of: "</pool>", with: "<features><cow state='no'/></features></pool>")
        let error = await #expect(throws: StorageError.self) {
            try await SystemCalls.withHook(under: configDir, { $0.name == "pwrite" ? ENOSPC : nil }) {
                try await host.define(xml: redefined)
            }
        }
        #expect(error?.errno == ENOSPC, "\(String(describing: error))")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: configDir).filter { $0.contains(".new.") }.isEmpty)
    }

    /// A volume that cannot be given its size is not left behind.
    @Test func aVolumeThatCannotBeSizedIsNotLeftBehind() async throws {
        let (scratch, host, dir) = try await DirVolumeTests.pool("syscall-create")
        let error = await #expect(throws: StorageError.self) {
            try await SystemCalls.withHook(under: dir, { $0.name == "ftruncate" ? EFBIG : nil }) {
                try await host.createVolume(in: "p", xml: DirVolumeTests.volumeXML("big.img", "1073741824"))
            }
        }
        #expect(error?.message == "cannot extend file '\(dir)/big.img': File too large")
        #expect(!FileManager.default.fileExists(atPath: scratch.sub("pool/big.img")))
        #expect(try await host.volumes(in: "p").isEmpty)
    }

    /// A volume whose file cannot be removed stays, listed and whole, and the
    /// error says why in libvirt's words.
    @Test func aVolumeThatCannotBeUnlinkedStays() async throws {
        let (scratch, host, dir) = try await DirVolumeTests.pool("syscall-unlink")
        try await host.createVolume(in: "p", xml: DirVolumeTests.volumeXML("keep.img", "1048576"))
        let error = await #expect(throws: StorageError.self) {
            try await SystemCalls.withHook(under: dir, { $0.name == "unlink" ? EBUSY : nil }) {
                try await host.deleteVolume("keep.img", in: "p")
            }
        }
        #expect(error?.message == "cannot unlink file '\(dir)/keep.img': Device or resource busy")
        #expect(FileManager.default.fileExists(atPath: scratch.sub("pool/keep.img")))
        #expect(try await host.volumes(in: "p").map(\.name) == ["keep.img"])
    }

    /// A refresh lists the pool's directory once, and reads each file's
    /// status through the layer (a sparse raw file is not even opened).
    @Test func aRefreshIsSeenCallByCall() async throws {
        let (scratch, host, dir) = try await DirVolumeTests.pool("syscall-refresh")
        defer { withExtendedLifetime(scratch) {} }
        for name in ["a.img", "b.img", "c.img"] {
            try await host.createVolume(in: "p", xml: DirVolumeTests.volumeXML(name, "1048576", allocation: "0"))
        }
        let calls = Mutex<[SystemCalls.Call]>([])
        try await SystemCalls.withHook(under: dir, { call in
            calls.withLock { $0.append(call) }
            return nil
        }) {
            try await host.refresh("p")
        }
        let seen = calls.withLock { $0 }
        #expect(seen.filter { $0.name == "opendir" } == [SystemCalls.Call(name: "opendir", path: dir)])
        #expect(Set(seen.filter { $0.name == "stat" && $0.path.hasPrefix(dir + "/") }.map(\.path)) == Set(["a.img", "b.img", "c.img"].map { dir + "/" + $0 }))
        #expect(!seen.contains { $0.name == "open" && $0.path != dir }, "\(seen)")
    }

    /// A pool directory whose mode cannot be set fails the build with
    /// libvirt's words, and a later build goes through.
    @Test func aPoolDirectoryWhoseModeCannotBeSetFailsTheBuild() async throws {
        let scratch = Scratch("syscall-build")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        let dir = scratch.sub("pool")
        try await host.define(xml: "<pool type='dir'><name>p</name><target><path>\(dir)</path></target></pool>")
        let error = await #expect(throws: StorageError.self) {
            try await SystemCalls.withHook(under: dir, { $0.name == "chmod" ? EPERM : nil }) {
                try await host.build("p")
            }
        }
        #expect(error?.message == "cannot set mode of '\(dir)' to 0711: Operation not permitted")
        try await host.build("p")
        try await host.start("p")
        #expect(try await host.pool(named: "p").isActive)
    }
}
