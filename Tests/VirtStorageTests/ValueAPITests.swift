import Foundation
import Testing
import VirtStorageTestSupport

import VirtStorage

/// The library used as a Swift developer uses it, without XML: volumes from
/// values, backing by a volume of the pool, sizes and formats read off the
/// values the host gives back, errors read through `any Error`.
@Suite("values in and out: volumes without XML")
struct ValueAPITests {
    static func openPool(_ scratch: Scratch) async throws -> StorageHost {
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        try await host.define(PoolDefinition(type: .dir, name: "images", target: PoolTarget(path: scratch.sub("images"))))
        try await host.build("images")
        try await host.start("images")
        return host
    }

    @Test func volumesFromValuesAndOverlaysTakeTheirBackingSize() async throws {
        let scratch = Scratch("values")
        let host = try await Self.openPool(scratch)
        let pool = try await host.pool(named: "images")
        #expect(pool.path == scratch.sub("images") && pool.format == nil && pool.capacity > 0)
        let base = try await host.createVolume(
            VolumeDefinition(name: "base.qcow2", capacity: 3 << 30, format: .qcow2), in: "images")
        #expect(base.capacity == 3 << 30 && base.format == .qcow2 && base.type == .file)
        #expect(base.path == scratch.sub("images/base.qcow2"))
        #expect(base.allocation < 1 << 20, "a new qcow2 holds metadata only")

        // No capacity: the overlay is as large as the volume behind it.
        let overlay = try await host.createVolume(
            VolumeDefinition(name: "vm1.qcow2", format: "qcow2"), in: "images", backing: .volume("base.qcow2"))
        #expect(overlay.capacity == 3 << 30)
        #expect(overlay.definition.backingStore?.path == base.path)
        #expect(overlay.definition.backingStore?.format == .qcow2)
        let info = try Scratch.run("/usr/bin/qemu-img", ["info", "--output=json", overlay.path!]).output
        #expect(info.contains("\"virtual-size\": 3221225472") && info.contains("\"backing-filename\": \"\(base.path!)\""))
        #expect(try Scratch.run("/usr/bin/qemu-img", ["check", overlay.path!]).status == 0)

        // The same from XML without <capacity>, as libvirt 9.0 accepts it.
        let fromXML = try await host.createVolume(
            in: "images",
            xml: """
                <volume><name>vm2.qcow2</name><target><format type='qcow2'/></target>
                <backingStore><path>\(base.path!)</path><format type='qcow2'/></backingStore></volume>
                """)
        #expect(fromXML.capacity == 3 << 30)

        // create-from with a value: at least the source's size.
        let copy = try await host.createVolume(
            VolumeDefinition(name: "copy.raw", format: .raw), in: "images", from: base)
        #expect(copy.capacity == 3 << 30 && copy.format == .raw)

        // A new host on the same directories finds them all.
        await host.shutdown()
        let again = try await StorageHost(directories: .root(scratch.sub("root")))
        #expect(try await again.volumes(in: "images").map(\.name) == ["base.qcow2", "copy.raw", "vm1.qcow2", "vm2.qcow2"])
    }

    @Test func badValuesFailAsTheirXMLWould() async throws {
        let scratch = Scratch("values-bad")
        let host = try await Self.openPool(scratch)
        // No size and nothing to take it from.
        do {
            try await host.createVolume(VolumeDefinition(name: "a.raw"), in: "images")
            Issue.record("a volume without capacity was created")
        } catch {
            #expect(error.code == .invalidArgument && error.message == "volume 'a.raw' has no capacity")
        }
        // A format the pool type does not have: the XML's error, word for word.
        let valueError = await #expect(throws: StorageError.self) {
            try await host.createVolume(VolumeDefinition(name: "b", capacity: 1024, format: "bogus"), in: "images")
        }
        let xmlError = await #expect(throws: StorageError.self) {
            try await host.createVolume(
                in: "images",
                xml: "<volume><name>b</name><capacity>1024</capacity><target><format type='bogus'/></target></volume>")
        }
        #expect(valueError?.libvirtMessage == xmlError?.libvirtMessage)
        #expect(valueError?.libvirtMessage == "unsupported configuration: unknown volume format type bogus")
        // A backing volume that is not there.
        let missing = await #expect(throws: StorageError.self) {
            try await host.createVolume(
                VolumeDefinition(name: "c.qcow2", format: .qcow2), in: "images", backing: .volume("nope"))
        }
        #expect(missing?.code == .noSuchVolume)
        #expect(try await host.volumes(in: "images").isEmpty, "nothing was left behind")
    }

    @Test func errorsAndEventsReadAsThemselves() async throws {
        let scratch = Scratch("values-read")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        do {
            _ = try await host.pool(named: "nowhere")
            Issue.record("a pool that does not exist was found")
        } catch let error as any Error {
            // Through `any Error`, as a caller that does not know the type sees it.
            #expect(error.localizedDescription == "Storage pool not found: no storage pool with matching name 'nowhere'")
            #expect("\(error)" == error.localizedDescription)
        }
        #expect(
            StorageEvent.pool(name: "images", change: .started).description
                == "event 'lifecycle' for storage pool images: Started")
        #expect(StorageEvent.pool(name: "images", change: .refreshed).description == "event 'refresh' for storage pool images")
        #expect(
            "\(StorageEvent.volume(pool: "images", name: "a.img", change: .created))"
                == "event 'lifecycle' for storage volume a.img of pool images: Created")
    }
}

@Suite("host shutdown: streams end, work stops, the next host goes on")
struct HostShutdownTests {
    @Test func shutdownEndsEventStreamsAndRefusesNewWork() async throws {
        let scratch = Scratch("shutdown")
        let host = try await ValueAPITests.openPool(scratch)
        let events = await host.events()
        let listener = Task {
            var seen: [StorageEvent] = []
            for await event in events { seen.append(event) }
            return seen
        }
        try await host.createVolume(VolumeDefinition(name: "a.raw", capacity: 1 << 20), in: "images")
        await host.shutdown()
        // The loop ends by itself: nobody cancels the task.
        let seen = await listener.value
        #expect(seen == [.volume(pool: "images", name: "a.raw", change: .created)])
        // Lookups still answer; changes are refused; a stream asked for now is already over.
        #expect(try await host.volume("a.raw", in: "images").capacity == 1 << 20)
        let refused = await #expect(throws: StorageError.self) {
            try await host.createVolume(VolumeDefinition(name: "b.raw", capacity: 1 << 20), in: "images")
        }
        #expect(refused?.code == .operationInvalid && refused?.message == "the storage host is shut down")
        await #expect(throws: StorageError.self) { try await host.destroy("images") }
        var late = await host.events().makeAsyncIterator()
        #expect(await late.next() == nil)
        await host.shutdown()  // twice is fine

        // What names pools and volumes is its owner's to read.
        let root = scratch.sub("root")
        for file in FileManager.default.enumerator(atPath: root)!.compactMap({ $0 as? String }) {
            var st = stat()
            guard lstat(root + "/" + file, &st) == 0, st.st_mode & S_IFMT == S_IFREG,
                let text = try? String(contentsOfFile: root + "/" + file, encoding: .utf8), text.contains("images")
            else { continue }
            #expect(st.st_mode & 0o077 == 0, "\(file) is mode \(String(st.st_mode & 0o777, radix: 8))")
        }

        // The pool stayed active for the next host, with its volume.
        let next = try await StorageHost(directories: .root(scratch.sub("root")))
        #expect(try await next.pool(named: "images").isActive)
        #expect(try await next.volumes(in: "images").map(\.name) == ["a.raw"])
    }

    @Test func aReleasedHostEndsItsStreams() async throws {
        let scratch = Scratch("release")
        var host: StorageHost? = try await StorageHost(directories: .root(scratch.sub("root")))
        let events = await host!.events()
        let listener = Task {
            var count = 0
            for await _ in events { count += 1 }
            return count
        }
        host = nil
        #expect(await listener.value == 0)
    }
}
