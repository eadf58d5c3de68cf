// Watches pool and volume events while it defines, starts and fills a
// scratch dir pool, then cleans up. Events arrive as an AsyncStream.
import Foundation
import VirtStorage

let scratch = NSTemporaryDirectory() + "virtstorage-events-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: scratch) }
do {
    let host = try await StorageHost(directories: .root(scratch + "/root"))
    let events = await host.events()
    let watcher = Task {
        var count = 0
        for await event in events {
            print("event: \(event)")
            count += 1
            if count == 6 { break }
        }
    }
    try await host.define(xml: "<pool type='dir'><name>demo</name><target><path>\(scratch)/pool</path></target></pool>")
    try await host.start("demo", build: .normal)
    try await host.createVolume(in: "demo", xml: "<volume><name>a.img</name><capacity unit='M'>16</capacity></volume>")
    try await host.deleteVolume("a.img", in: "demo")
    try await host.destroy("demo")
    try await host.undefine("demo")
    await watcher.value
} catch {
    print("error: \(error)")
    exit(1)
}
