import Foundation
import Glibc
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// Many tasks at once on one dir pool, through two hosts opened on the same
/// directories: creates, clones, resizes, deletes and refreshes interleave,
/// and every name two hosts race for is made once. At the end no volume is
/// lost, no file is orphaned, no name is doubled, and what each host lists
/// is what is on disk.
@Suite("concurrent volume operations on one pool")
struct ConcurrencyStressTests {
    static let workersPerHost = 6
    static let operationsPerWorker = 400
    static let namesPerWorker = 5
    static let racedNames = 60

    /// What one worker expects of the volumes it owns: name to capacity.
    typealias Model = [String: UInt64]

    struct Tally: Sendable {
        var operations = 0
        var refreshes = 0
        var refreshesRefused = 0
        var unexpected: [String] = []
    }

    static func volumeXML(_ name: String, _ capacity: UInt64, qcow2: Bool) -> String {
        "<volume><name>\(name)</name><capacity unit='bytes'>\(capacity)</capacity><allocation>0</allocation>"
            + "<target><format type='\(qcow2 ? "qcow2" : "raw")'/></target></volume>"
    }

    /// One worker: a random walk over its own names on `host`.
    static func work(_ host: StorageHost, worker: String, seed: UInt64) async -> (Model, Tally) {
        var model = Model()
        var tally = Tally()
        var rng = SplitMix(seed: seed)
        let names = (0..<namesPerWorker).map { "\(worker)-\($0)" }
        for _ in 0..<operationsPerWorker {
            let name = names[Int(rng.next() % UInt64(names.count))]
            let roll = rng.next() % 100
            tally.operations += 1
            do {
                if roll < 10 {
                    do throws(StorageError) {
                        try await host.refresh("p")
                        tally.refreshes += 1
                    } catch  where error.code == .operationInvalid {
                        tally.refreshesRefused += 1  // jobs were running: libvirt refuses too
                    }
                } else if model[name] == nil {
                    let qcow2 = name.hasSuffix("-\(namesPerWorker - 1)")
                    // Clones copy a raw volume; the last name of each worker is a natively written qcow2 image.
                    if roll < 40, !qcow2,
                        let source = model.keys.sorted().first(where: { !$0.hasSuffix("-\(namesPerWorker - 1)") })
                    {
                        try await host.cloneVolume(source, in: "p", newName: name)
                        model[name] = model[source]
                    } else {
                        let capacity = 65536 + (rng.next() % 16) * 4096
                        try await host.createVolume(in: "p", xml: volumeXML(name, capacity, qcow2: qcow2))
                        model[name] = capacity
                    }
                } else if roll < 55 && !name.hasSuffix("-\(namesPerWorker - 1)") {
                    let capacity = model[name]! + 4096
                    try await host.resizeVolume(name, in: "p", capacity: capacity)
                    model[name] = capacity
                } else {
                    try await host.deleteVolume(name, in: "p")
                    model[name] = nil
                }
            } catch {
                tally.unexpected.append("\(worker) \(name): \(error)")
            }
            // After every step the host lists exactly this worker's volumes: none
            // lost to a refresh that read the pool before a creation, none brought back
            // by one that read it before a deletion.
            for own in names {
                let listed = (try? await host.volume(own, in: "p")) != nil
                if listed != (model[own] != nil) {
                    tally.unexpected.append("\(worker): the host \(listed ? "lists deleted" : "lost") \(own)")
                }
            }
        }
        return (model, tally)
    }

    /// The capacity a file on disk has: its size for raw, the header's for qcow2.
    static func capacity(_ path: String) -> UInt64? {
        FileVolumes.describe(path: path, name: (path as NSString).lastPathComponent)?.capacity
    }

    // A hang fails the test; how long the work takes is the benchmarks' business, not a test's.
    @Test(.timeLimit(.minutes(10 * TimeFactor.value)))
    func thousandsOfOperationsFromTwoHostsKeepThePoolConsistent() async throws {
        let scratch = Scratch("stress")
        let directories = StorageHostDirectories.root(scratch.sub("root"))
        let dir = scratch.sub("pool")
        let first = try await StorageHost(directories: directories)
        try await first.define(xml: "<pool type='dir'><name>p</name><target><path>\(dir)</path></target></pool>")
        try await first.start("p", build: .normal)
        // The second host finds the pool active from the state directory.
        let second = try await StorageHost(directories: directories)
        #expect(try await second.pool(named: "p").state == .running)
        let hosts = [first, second]
        let seed = UInt64.random(in: 0...UInt64.max)
        let started = ContinuousClock.now

        // Each worker owns its names, so its model is exact; the hosts also race for shared names.
        let results = await withTaskGroup(of: (Int, Model, Tally).self) { group in
            for h in hosts.indices {
                for w in 0..<Self.workersPerHost {
                    let worker = "h\(h)w\(w)"
                    group.addTask { @Sendable in
                        let (model, tally) = await Self.work(
                            hosts[h], worker: worker, seed: seed &+ UInt64(h * 100 + w))
                        return (h, model, tally)
                    }
                }
                group.addTask { @Sendable in
                    var tally = Tally()
                    var won = Model()
                    for r in 0..<Self.racedNames {
                        tally.operations += 1
                        // Host 0 asks for 64 KiB, host 1 for 128 KiB: the file says who won.
                        let capacity: UInt64 = h == 0 ? 65536 : 131072
                        do throws(StorageError) {
                            try await hosts[h].createVolume(
                                in: "p", xml: Self.volumeXML("race-\(r)", capacity, qcow2: false))
                            won["race-\(r)"] = capacity
                        } catch where error.code == .volumeExists || error.message.hasSuffix("' already exists") {
                        } catch {
                            tally.unexpected.append("race-\(r) on host \(h): \(error)")
                        }
                    }
                    return (h, won, tally)
                }
            }
            var all: [(Int, Model, Tally)] = []
            for await result in group { all.append(result) }
            return all
        }
        let elapsed = ContinuousClock.now - started

        var expected = Model()
        var perHost: [Model] = [Model(), Model()]
        var operations = 0
        var refused = 0
        var refreshed = 0
        for (h, model, tally) in results {
            #expect(tally.unexpected.isEmpty, "seed \(seed): \(tally.unexpected.prefix(5))")
            operations += tally.operations
            refused += tally.refreshesRefused
            refreshed += tally.refreshes
            for (name, capacity) in model {
                #expect(expected[name] == nil, "seed \(seed): \(name) created by both hosts")
                expected[name] = capacity
                perHost[h][name] = capacity
            }
        }
        for r in 0..<Self.racedNames {
            #expect(expected["race-\(r)"] != nil, "seed \(seed): race-\(r) made by neither host")
        }

        // No lost volume: each host still lists, without a refresh, every volume it made and kept.
        for h in hosts.indices {
            let listed = Set(try await hosts[h].volumes(in: "p").map(\.name))
            let missing = Set(perHost[h].keys).subtracting(listed)
            #expect(missing.isEmpty, "seed \(seed): host \(h) lost \(missing.sorted().prefix(5))")
            for name in listed where perHost[h][name] == nil && expected[name] == nil {
                // A ghost is allowed only if it was on disk at a refresh and later deleted by the other host.
                #expect(!name.hasPrefix("h\(h)w"), "seed \(seed): host \(h) lists its deleted \(name)")
            }
        }
        // No orphan file and no lost one: the disk holds exactly the expected volumes, at their capacity.
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(
            Set(onDisk) == Set(expected.keys), "seed \(seed): disk \(Set(onDisk).symmetricDifference(expected.keys))")
        for (name, capacity) in expected {
            #expect(Self.capacity(dir + "/" + name) == capacity, "seed \(seed): \(name)")
        }
        // After a refresh each host lists exactly what is on disk, once each.
        for host in hosts {
            try await host.refresh("p")
            let names = try await host.volumes(in: "p").map(\.name)
            #expect(names.count == Set(names).count)
            #expect(Set(names) == Set(onDisk))
        }
        print(
            "concurrency stress: \(operations) operations from 2 hosts x \(Self.workersPerHost) workers + 2 racers in \(elapsed), \(refreshed) refreshes done and \(refused) refused while jobs ran, \(onDisk.count) volumes at the end (seed \(seed))"
        )
    }
}
