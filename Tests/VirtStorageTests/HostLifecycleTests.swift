import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

@Suite("storage host: dir pool lifecycle and persistence on real files")
struct HostLifecycleTests {
    static func dirPoolXML(_ name: String, _ path: String, uuid: String? = nil) -> String {
        "<pool type='dir'><name>\(name)</name>\(uuid.map { "<uuid>\($0)</uuid>" } ?? "")<target><path>\(path)</path></target></pool>"
    }

    @Test func defineBuildStartRefreshStopUndefine() async throws {
        let scratch = Scratch("life")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        var events = await host.events().makeAsyncIterator()
        let images = scratch.sub("images")
        try await host.define(xml: Self.dirPoolXML("images", images))
        #expect(FileManager.default.fileExists(atPath: scratch.sub("root/etc/storage/images.xml")))
        #expect(await events.next() == .pool(name: "images", change: .defined))

        // Not built yet: start fails and the pool stays inactive.
        await #expect(throws: StorageError.self) { try await host.start("images") }
        #expect(try await host.pool(named: "images").state == .inactive)

        try await host.build("images")
        #expect(await events.next() == .pool(name: "images", change: .created))
        var st = stat()
        #expect(stat(images, &st) == 0 && st.st_mode & 0o777 == 0o711)
        try await host.start("images")
        #expect(await events.next() == .pool(name: "images", change: .started))
        let pool = try await host.pool(named: "images")
        #expect(pool.isActive && pool.isPersistent && pool.capacity > 0)
        #expect(FileManager.default.fileExists(atPath: scratch.sub("root/run/storage/images.xml")))
        let live = try await host.xml("images")
        #expect(live.contains("<mode>0711</mode>"))

        // A file appearing behind our back is found by refresh.
        _ = FileManager.default.createFile(atPath: images + "/foreign.img", contents: Data(count: 4096))
        try await host.refresh("images")
        #expect(try await host.volumes(in: "images").map(\.name) == ["foreign.img"])

        await #expect(throws: StorageError.self) { try await host.undefine("images") }
        await #expect(throws: StorageError.self) { try await host.delete("images") }
        try await host.destroy("images")
        #expect(!FileManager.default.fileExists(atPath: scratch.sub("root/run/storage/images.xml")))
        try await host.undefine("images")
        #expect(await host.pools().isEmpty)
        #expect(FileManager.default.fileExists(atPath: images + "/foreign.img"), "destroy and undefine keep data")
    }

    @Test func restartKeepsActivePoolsAndAutostartRunsOncePerBoot() async throws {
        let scratch = Scratch("restart")
        let dirs = StorageHostDirectories.root(scratch.sub("root"))
        do {
            let host = try await StorageHost(directories: dirs)
            try await host.define(xml: Self.dirPoolXML("a", scratch.sub("a")))
            try await host.define(xml: Self.dirPoolXML("b", scratch.sub("b")))
            try await host.build("a")
            try await host.build("b")
            try await host.start("a")
            try await host.setAutostart("b", true)
            _ = try await host.createVolume(
                in: "a", xml: "<volume><name>v.img</name><capacity unit='M'>1</capacity></volume>")
        }
        // A new host on the same directories (same boot): a is still active
        // with its volume; autostart already ran for this boot, so b is not started.
        let again = try await StorageHost(directories: dirs)
        #expect(try await again.pool(named: "a").isActive)
        #expect(try await again.volumes(in: "a").map(\.name) == ["v.img"])
        #expect(try await again.pool(named: "b").state == .inactive)
        #expect(try await again.pool(named: "b").autostart)
        // A reboot empties the state directory (it lives in /run): a comes
        // back inactive, b is autostarted.
        try FileManager.default.removeItem(atPath: dirs.state)
        let rebooted = try await StorageHost(directories: dirs)
        #expect(try await rebooted.pool(named: "a").state == .inactive)
        #expect(try await rebooted.pool(named: "b").isActive)
        // A pool whose storage vanished while we were away: opening a host
        // checks nothing (it reads the state the last process left), and the
        // first call that needs the pool's volumes finds it gone and leaves it
        // inactive, for this host and the next.
        try await rebooted.start("a")
        try FileManager.default.removeItem(atPath: scratch.sub("a/v.img"))
        try FileManager.default.removeItem(atPath: scratch.sub("a"))
        let fourth = try await StorageHost(directories: dirs)
        #expect(try await fourth.pool(named: "a").isActive)
        let gone = await #expect(throws: StorageError.self) { try await fourth.volumes(in: "a") }
        #expect(gone?.message == "storage pool 'a' is not active")
        #expect(try await fourth.pool(named: "a").state == .inactive)
        #expect(try await StorageHost(directories: dirs).pool(named: "a").state == .inactive)
    }

    @Test func duplicatesAreRefusedAsLibvirtDoes() async throws {
        let scratch = Scratch("dup")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        let uuid = "1c13165a-d0f4-3aee-b447-30fb38789091"
        try await host.define(xml: Self.dirPoolXML("one", scratch.sub("one"), uuid: uuid))
        // Same UUID, other name.
        await #expect(throws: StorageError.self) {
            try await host.define(xml: Self.dirPoolXML("two", scratch.sub("two"), uuid: uuid))
        }
        // Same name, other UUID.
        await #expect(throws: StorageError.self) {
            try await host.define(
                xml: Self.dirPoolXML("one", scratch.sub("one"), uuid: "2ec115d7-3a88-3ceb-bc12-0ac909a6fd87"))
        }
        // Same target directory.
        let error = await #expect(throws: StorageError.self) {
            try await host.define(xml: Self.dirPoolXML("three", scratch.sub("one")))
        }
        #expect(error?.message.contains("'one'") == true)
        // Redefining with the same UUID is allowed.
        try await host.define(xml: Self.dirPoolXML("one", scratch.sub("one-moved"), uuid: uuid))
        #expect(try await host.xml("one").contains("one-moved"))
    }

    @Test func redefiningAnActivePoolTakesEffectWhenItStops() async throws {
        let scratch = Scratch("redefine")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        let uuid = "1c13165a-d0f4-3aee-b447-30fb38789091"
        try await host.define(xml: Self.dirPoolXML("p", scratch.sub("p"), uuid: uuid))
        try await host.start("p", build: .normal)
        let xml =
            "<pool type='dir'><name>p</name><uuid>\(uuid)</uuid><target><path>\(scratch.sub("p"))</path><permissions><mode>0700</mode></permissions></target></pool>"
        try await host.define(xml: xml)
        #expect(!(try await host.xml("p")).contains("<mode>0700</mode>"))
        #expect(try await host.xml("p", inactive: true).contains("<mode>0700</mode>"))
        try await host.destroy("p")
        #expect(try await host.xml("p").contains("<mode>0700</mode>"))
    }

    @Test func transientPoolsVanishWhenStopped() async throws {
        let scratch = Scratch("transient")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        let pool = try await host.create(xml: Self.dirPoolXML("t", scratch.sub("t")), build: .normal)
        #expect(pool.isActive && !pool.isPersistent)
        await #expect(throws: StorageError.self) { try await host.setAutostart("t", true) }
        try await host.destroy("t")
        await #expect(throws: StorageError.self) { try await host.pool(named: "t") }
    }

    @Test func listingFilters() async throws {
        let scratch = Scratch("filters")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        try await host.define(xml: Self.dirPoolXML("inactive", scratch.sub("i")))
        try await host.define(xml: Self.dirPoolXML("active", scratch.sub("a")))
        try await host.start("active", build: .normal)
        try await host.create(xml: Self.dirPoolXML("transient", scratch.sub("t")), build: .normal)
        #expect(await host.pools(PoolFilter(active: true)).map(\.name) == ["active", "transient"])
        #expect(await host.pools(PoolFilter(active: false)).map(\.name) == ["inactive"])
        #expect(await host.pools(PoolFilter(persistent: false)).map(\.name) == ["transient"])
        #expect(await host.pools(PoolFilter(types: [.logical])).isEmpty)
        #expect(try await host.pool(targetPath: scratch.sub("a") + "/").name == "active")
    }

    @Test func configWritesAreAtomic() throws {
        let scratch = Scratch("atomic")
        let path = scratch.sub("p.xml")
        try PoolFiles.atomicWrite("old", to: path)
        try PoolFiles.atomicWrite("new", to: path)
        #expect(PoolFiles.read(path) == "new")
        // A leftover temporary from a killed writer is not mistaken for a pool.
        _ = FileManager.default.createFile(atPath: path + ".new.12345", contents: Data("<pool".utf8))
        #expect(PoolFiles.xmlNames(in: scratch.path) == ["p"])
    }
}
