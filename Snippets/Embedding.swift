// Embedding VirtStorage: a host, a pool and volumes from values, events,
// streams, errors and shutdown, then a second host that finds what the
// first one left. Scripts/test.sh builds and runs it; the DocC article
// "Embedding VirtStorage" shows it in slices.
import Foundation
import VirtStorage

// snippet.hide
let scratch = CommandLine.arguments.dropFirst().first ?? NSTemporaryDirectory() + "virtstorage-embedding-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: scratch) }
// snippet.show

// snippet.host
// One host per set of directories: pool definitions, autostart links and
// live state, in libvirt's layout under one root.
let directories = StorageHostDirectories.root(scratch + "/state")
let host = try await StorageHost(directories: directories)

// Subscribe before the work whose events you want; the stream ends when
// the host shuts down, and the loop with it.
let events = await host.events()
let eventLoop = Task {
    for await event in events { print(event) }
    print("event loop ended")
}
// snippet.end

// snippet.values
// A pool and its volumes are values; the host checks them against the
// pool type's rules, as it checks XML.
try await host.define(
    PoolDefinition(type: .dir, name: "images", target: PoolTarget(path: scratch + "/images")))
try await host.start("images", build: .normal)

let base = try await host.createVolume(
    VolumeDefinition(name: "base.qcow2", capacity: 3 << 30, format: .qcow2), in: "images")
// No capacity: an overlay takes its backing volume's.
let overlay = try await host.createVolume(
    VolumeDefinition(name: "vm1.qcow2", format: .qcow2), in: "images", backing: .volume(base.name))
print("\(overlay.name): \(overlay.capacity) bytes, \(overlay.format!), backed by \(base.path!)")
// snippet.end

// snippet.streams
// Volume data as async sequences: write chunks (holes stay holes), read them back.
try await host.createVolume(VolumeDefinition(name: "seed.raw", capacity: 1 << 20), in: "images")
let (chunks, input) = AsyncStream<VolumeChunk>.makeStream()
input.yield(.data(Array("cloud-init seed\n".utf8)))
input.yield(.hole(4096))
input.finish()
try await host.writeVolume("seed.raw", in: "images", from: chunks)
var head: [UInt8] = []
for try await chunk in try await host.readVolume("seed.raw", in: "images", length: 16) {
    if case .data(let bytes) = chunk { head += bytes }
}
print("seed.raw begins with: \(String(decoding: head, as: UTF8.self))", terminator: "")
// snippet.end

// snippet.errors
// Every failure is a StorageError. Through `any Error` it reads as
// libvirt's line; a closure that throws it says so in its type.
func showFailures(of host: StorageHost) async {
    do {
        try await host.createVolume(VolumeDefinition(name: "vm1.qcow2", capacity: 1 << 30), in: "images")
    } catch let error as any Error {
        print("expected failure: \(error.localizedDescription)")
    }
    let deleteMissing: () async throws(StorageError) -> Void = {
        try await host.deleteVolume("no-such.img", in: "images")
    }
    do {
        try await deleteMissing()
    } catch {
        // `error` is a StorageError here: no cast.
        print("expected failure: \(error.code), \(error.libvirtMessage)")
    }
}
await showFailures(of: host)
// snippet.end

// snippet.shutdown
// Shutdown lets running jobs finish, ends every event stream and closes
// native connections. Pools stay active for the next host.
await host.shutdown()
await eventLoop.value

let next = try await StorageHost(directories: directories)
let found = try await next.volume("vm1.qcow2", in: "images")
print("found again: \(found.name), \(found.capacity) bytes, pool active: \(try await next.pool(named: "images").isActive)")
// snippet.end

// snippet.hide
for name in ["seed.raw", "vm1.qcow2", "base.qcow2"] { try await next.deleteVolume(name, in: "images") }
try await next.destroy("images")
try await next.delete("images")
try await next.undefine("images")
await next.shutdown()
// snippet.show
