import Testing
import VirtStorageTestSupport

@testable import VirtStorage

@Suite("pool capabilities XML")
struct PoolCapabilitiesTests {
    @Test func everyBackendRegisteredMatchesLibvirt() throws {
        let expected = try Corpus.read("storagepoolcapsschemadata/poolcaps-full.xml")
        #expect(PoolCapabilitiesXML.format(supported: Set(PoolType.allCases)) == expected)
    }

    @Test func onlyFSRegisteredMatchesLibvirt() throws {
        let expected = try Corpus.read("storagepoolcapsschemadata/poolcaps-fs.xml")
        #expect(PoolCapabilitiesXML.format(supported: [.fs]) == expected)
    }

    @Test func hostReportsItsBackends() async throws {
        let scratch = Scratch("caps")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        #expect(host.capabilitiesXML.contains("<pool type='dir' supported='yes'>"))
        #expect(host.capabilitiesXML.contains("<pool type='logical' supported='yes'>"))
        #expect(host.capabilitiesXML.contains("<pool type='zfs' supported='yes'>"))
        #expect(host.capabilitiesXML.contains("<pool type='sheepdog' supported='yes'>"))
        #expect(host.capabilitiesXML.contains("<pool type='mpath' supported='no'>"))
        #expect(throws: Never.self) {
            try StorageSchemas(directory: Corpus.url("schemas").path).validate(
                host.capabilitiesXML, as: .poolCapabilities)
        }
    }
}
