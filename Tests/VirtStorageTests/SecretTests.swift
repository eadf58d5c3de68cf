import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

@Suite("secrets and LUKS volumes")
struct SecretTests {
    @Test func secretXMLRoundTrips() throws {
        let xml = """
            <secret ephemeral='no' private='yes'>
              <uuid>f52a81b2-424e-490c-823d-6bd4235bc572</uuid>
              <description>LUKS passphrase</description>
              <usage type='volume'>
                <volume>/srv/images/secure.img</volume>
              </usage>
            </secret>

            """
        let def = try SecretXML.parse(xml)
        #expect(def.isPrivate && !def.ephemeral)
        #expect(def.usage == .volume(path: "/srv/images/secure.img"))
        #expect(SecretXML.format(def) == xml)
        for type in ["ceph", "iscsi", "tls", "vtpm"] {
            let inner = type == "iscsi" ? "target" : "name"
            let text = "<secret><usage type='\(type)'><\(inner)>x</\(inner)></usage></secret>"
            #expect(try SecretXML.parse(text).usage?.name == "x")
        }
        #expect(throws: StorageError.self) { try SecretXML.parse("<secret><usage type='volume'/></secret>") }
        #expect(throws: StorageError.self) { try SecretXML.parse("<secret><usage type='floppy'/></secret>") }
    }

    @Test func fileStoreKeepsValuesPrivateAndFindsByUsage() async throws {
        let scratch = Scratch("secrets")
        let store = try FileSecretStore(directory: scratch.sub("secrets"))
        let def = SecretDefinition(usage: .ceph(name: "client.admin"))
        try await store.define(def)
        try await store.setValue(Array("s3cr3t".utf8), for: def.uuid)
        #expect(try await store.value(for: .usage("client.admin")) == Array("s3cr3t".utf8))
        #expect(try await store.value(for: .uuid(StorageUUID.format(def.uuid))) == Array("s3cr3t".utf8))
        var st = stat()
        stat(scratch.sub("secrets/\(StorageUUID.format(def.uuid)).base64"), &st)
        #expect(st.st_mode & 0o777 == 0o600)
        // Two secrets for the same usage are refused; a reopened store still has the secret.
        await #expect(throws: StorageError.self) {
            try await store.define(SecretDefinition(usage: .ceph(name: "client.admin")))
        }
        let reopened = try FileSecretStore(directory: scratch.sub("secrets"))
        #expect(await reopened.definitions().map(\.uuid) == [def.uuid])
        try await reopened.undefine(def.uuid)
        await #expect(throws: StorageError.self) { try await reopened.value(for: .usage("client.admin")) }
    }

    @Test func luksVolumesAreCreatedWithTheirPassphrase() async throws {
        let scratch = Scratch("luks")
        let secrets = InMemorySecretStore()
        let secret = SecretDefinition(usage: .volume(path: scratch.sub("pool/secure.img")))
        try await secrets.define(secret)
        try await secrets.setValue(Array("correct horse".utf8), for: secret.uuid)
        let host = try await StorageHost(directories: .root(scratch.sub("root")), secrets: secrets)
        try await host.create(
            xml: "<pool type='dir'><name>l</name><target><path>\(scratch.sub("pool"))</path></target></pool>",
            build: .normal)
        let xml = """
            <volume><name>secure.img</name><capacity unit='M'>64</capacity>
              <target><format type='raw'/><encryption format='luks'>
                <secret type='passphrase' uuid='\(StorageUUID.format(secret.uuid))'/>
              </encryption></target></volume>
            """
        // qemu-img's argv is public (ps): it must name the passphrase's file, never the passphrase.
        let watcher = ProcessListWatcher(program: "qemu-img")
        watcher.start()
        let vol = try await host.createVolume(in: "l", xml: xml)
        let seen = watcher.stop()
        #expect(vol.definition.target.encryption?.format == "luks")
        // qemu-img derives the LUKS key for about two seconds: the watcher sees it run.
        #expect(seen.contains { $0.contains("secret,id=") && $0.contains("file=") }, "\(seen)")
        #expect(seen.allSatisfy { !$0.contains("correct horse") }, "\(seen)")
        #expect(!VolumeXML.format(vol.definition, poolType: .dir).contains("correct horse"))
        let (status, out) = try Scratch.run(
            DirVolumeTests.qemuImg, ["info", "--output=json", scratch.sub("pool/secure.img")])
        #expect(status == 0 && out.contains("\"format\": \"luks\""), "\(out)")
        // Nothing of the passphrase is left in temporary files.
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? []
        #expect(!leftovers.contains { $0.hasPrefix("virtstorage-secret-") })

        // Without a store the host says what is missing.
        let bare = try await StorageHost(directories: .root(scratch.sub("root2")))
        try await bare.create(
            xml: "<pool type='dir'><name>m</name><target><path>\(scratch.sub("pool2"))</path></target></pool>",
            build: .normal)
        let error = await #expect(throws: StorageError.self) { try await bare.createVolume(in: "m", xml: xml) }
        #expect(error?.message.contains("secret store") == true)
        #expect(!FileManager.default.fileExists(atPath: scratch.sub("pool2/secure.img")))
    }
}
