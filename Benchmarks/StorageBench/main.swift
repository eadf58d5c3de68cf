// The VirtStorage side of Benchmarks/run.sh: each workload runs in process
// through the library, as an embedder would use it, and prints
// "key=value" lines (seconds, bytes) for the script to compare with libvirt.
import Foundation
import VirtStorage

#if Ceph
    import VirtStorageRBD
#endif

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func peakRSSKiB() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
}

func pool(_ work: String, _ target: String) async throws -> StorageHost {
    let host = try await StorageHost(directories: .root(work + "/root"))
    try await host.define(xml: "<pool type='dir'><name>bench</name><target><path>\(target)</path></target></pool>")
    try await host.start("bench", build: .normal)
    return host
}

func report(_ key: String, _ value: Double) { print("\(key)=\(String(format: "%.4f", value))") }

/// One workload. It runs off the main actor, as an embedder's tasks do:
/// top-level code runs on the main thread, and every call into the host
/// would then add a hop between the main thread and the cooperative pool
/// that belongs to this harness, not to the library.
nonisolated func runWorkload(_ args: [String]) async throws {
    let work = args[2]
    switch args[1] {
    case "create":
        let count = Int(args.count > 3 ? args[3] : "2000") ?? 2000
        let host = try await pool(work, work + "/pool")
        let start = now()
        for i in 0..<count {
            try await host.createVolume(
                in: "bench",
                xml:
                    "<volume><name>a\(i).img</name><capacity unit='M'>1</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>"
            )
        }
        report("create", now() - start)
    case "prepare":
        // 9000 sparse 1 MiB raw files and 1000 1 GiB qcow2 images (of 10000; nine
        // in ten raw for another count, or one qcow2 image in QCOW2_EVERY).
        let dir = work
        let total = Int(args.count > 3 ? args[3] : "10000") ?? 10000
        let every = Int(args.count > 4 ? args[4] : "10") ?? 10
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let qcow2 = try QCow2Writer(capacity: 1 << 30).bytes()
        for i in 0..<(total - total / every) {
            let fd = open(dir + "/r\(i).img", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            ftruncate(fd, 1 << 20)
            close(fd)
        }
        for i in 0..<(total / every) {
            _ = FileManager.default.createFile(atPath: dir + "/q\(i).qcow2", contents: Data(qcow2))
        }
    case "reflink":
        // A copy of SOURCE into a second pool of the same btrfs (or xfs), sharing its extents: best of three.
        let source = args[3]
        let host = try await StorageHost(directories: .root(work + "/root"))
        for (name, path) in [("from", (source as NSString).deletingLastPathComponent), ("to", work + "/to")] {
            try await host.define(xml: "<pool type='dir'><name>\(name)</name><target><path>\(path)</path></target></pool>")
            try await host.start(name, build: .normal)
        }
        let original = try await host.volume((source as NSString).lastPathComponent, in: "from")
        var best = Double.infinity
        for _ in 0..<3 {
            let start = now()
            let copy = try await host.createVolume(
                VolumeDefinition(name: "copy.img", format: .raw), in: "to", from: original, reflink: true)
            best = min(best, now() - start)
            try await host.deleteVolume(copy.name, in: "to")
        }
        report("reflink", best)
    case "refresh":
        let target = args[3]
        let verbose = ProcessInfo.processInfo.environment["BENCH_VERBOSE"] != nil
        func stage(_ name: String) {
            guard verbose else { return }
            let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            print("\(name): \(rss)")
        }
        stage("before host")
        var host = try await pool(work, target)
        stage("after start")
        // (b) a full refresh, as a host that has not read the pool yet makes
        // it (libvirt's refresh reads every file every time); then the same
        // host's next one, which reads only what changed (nothing here).
        var best = Double.infinity
        var bestUnchanged = Double.infinity
        for _ in 0..<3 {
            host = try await StorageHost(directories: .root(work + "/root"))
            var start = now()
            try await host.refresh("bench")
            best = min(best, now() - start)
            start = now()
            try await host.refresh("bench")
            bestUnchanged = min(bestUnchanged, now() - start)
        }
        stage("after refreshes")
        report("refresh", best)
        report("refresh_unchanged", bestUnchanged)
        // (c) what vol-list --details needs: every volume with its details, as text.
        var bestList = Double.infinity
        var lines = 0
        for _ in 0..<3 {
            let start = now()
            let volumes = try await host.volumes(in: "bench")
            var out = ""
            out.reserveCapacity(volumes.count * 100)
            for v in volumes {
                out +=
                    " \(v.name)   \(v.path ?? "")   \(v.definition.type.rawValue)   \(v.definition.capacity)   \(v.definition.allocation)\n"
            }
            lines = out.utf8.count
            bestList = min(bestList, now() - start)
        }
        stage("after listing")
        report("list", bestList)
        print("volumes=\(try await host.volumes(in: "bench").count) listbytes=\(lines)")
        print("peak_rss_kib=\(peakRSSKiB())")
    case "qcow2":
        let host = try await pool(work, work + "/pool")
        let start = now()
        try await host.createVolume(
            in: "bench",
            xml:
                "<volume><name>big.qcow2</name><capacity unit='G'>10</capacity><target><format type='qcow2'/></target></volume>"
        )
        report("qcow2", now() - start)
    case "wipe":
        let host = try await pool(work, work + "/pool")
        try await host.createVolume(
            in: "bench",
            xml:
                "<volume><name>w.img</name><capacity unit='M'>256</capacity><target><format type='raw'/></target></volume>"
        )
        let start = now()
        try await host.wipeVolume("w.img", in: "bench", algorithm: .zero)
        report("wipe", now() - start)
    case "stream":
        let source = args[3]
        let host = try await pool(work, work + "/pool")
        try await host.createVolume(
            in: "bench",
            xml:
                "<volume><name>s.img</name><capacity unit='G'>1</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>"
        )
        var start = now()
        try await host.uploadVolume("s.img", in: "bench", from: source, sparse: true)
        report("upload", now() - start)
        start = now()
        try await host.downloadVolume("s.img", in: "bench", to: work + "/down.img", sparse: true)
        report("download", now() - start)
    #if Ceph
        case "rbd":
            // rbd WORKDIR MONITOR(host:port) KEY(base64) COUNT: makes COUNT 1 GiB images
            // (librbd's default features: fast-diff) unless there are, then refreshes 3 times.
            let parts = args[3].split(separator: ":")
            let key = Data(base64Encoded: args[4]).map { Array($0) } ?? []
            let count = Int(args.count > 5 ? args[5] : "1000") ?? 1000
            let secrets = InMemorySecretStore()
            let secret = SecretDefinition(usage: .ceph(name: "bench"))
            try await secrets.define(secret)
            try await secrets.setValue(key, for: secret.uuid)
            let host = try await StorageHost(
                directories: .root(work + "/root"), backends: BackendRegistry(RBDBackends.all), secrets: secrets)
            try await host.define(
                xml: """
                    <pool type='rbd'><name>rbdbench</name><source><name>rbd</name>
                    <host name='\(parts[0])' port='\(parts[1])'/>
                    <auth type='ceph' username='admin'><secret usage='bench'/></auth></source></pool>
                    """)
            var start = now()
            try await host.start("rbdbench")
            report("rbd_start", now() - start)
            let existing = Set(try await host.volumes(in: "rbdbench").map(\.name))
            start = now()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for i in stride(from: worker, to: count, by: 8) where !existing.contains("bench-\(i)") {
                            try await host.createVolume(
                                in: "rbdbench",
                                xml: "<volume><name>bench-\(i)</name><capacity unit='G'>1</capacity></volume>")
                        }
                    }
                }
                try await group.waitForAll()
            }
            report("rbd_create", now() - start)
            var best = Double.infinity
            for _ in 0..<3 {
                start = now()
                try await host.refresh("rbdbench")
                best = min(best, now() - start)
            }
            report("rbd_refresh", best)
            print("rbd_volumes=\(try await host.volumes(in: "rbdbench").count)")
    #endif
    default:
        print("unknown workload \(args[1])")
        exit(2)
    }
}

let args = CommandLine.arguments
guard args.count >= 3 else {
    print("usage: virt-storage-bench create|prepare|refresh|reflink|qcow2|wipe|stream|rbd WORKDIR [ARGS]")
    exit(2)
}
do {
    try await runWorkload(args)
} catch {
    print("error: \(error)")
    exit(1)
}
