import Foundation
import Testing

@testable import VirtStorage

@Suite("RelaxNG validation against libvirt's schemas")
struct SchemaValidationTests {
    static let schemas = StorageSchemas(directory: Corpus.url("schemas").path)

    static let poolDirs = ["storagepoolxml2xmlin", "storagepoolxml2xmlout", "storagepoolschemadata"]
    static let volumeDirs = ["storagevolxml2xmlin", "storagevolxml2xmlout", "storagevolschemadata"]

    static func cases(_ dirs: [String]) -> [String] {
        dirs.flatMap { dir in ((try? Corpus.files(in: dir)) ?? []).map { "\(dir)/\($0)" } }
    }

    static func check(_ file: String, as kind: StorageSchemas.Kind) throws {
        let text = try Corpus.read(file)
        if file.hasSuffix("-invalid.xml") {
            let error = #expect(throws: StorageError.self, "\(file) must not validate") {
                try schemas.validate(text, as: kind)
            }
            #expect(error?.code == .xmlInvalidSchema)
        } else {
            #expect(throws: Never.self, "\(file)") { try schemas.validate(text, as: kind) }
        }
    }

    @Test("pool documents", arguments: cases(poolDirs))
    func pool(file: String) throws { try Self.check(file, as: .pool) }

    @Test("volume documents", arguments: cases(volumeDirs))
    func volume(file: String) throws { try Self.check(file, as: .volume) }

    @Test("pool capabilities documents", arguments: cases(["storagepoolcapsschemadata"]))
    func capabilities(file: String) throws { try Self.check(file, as: .poolCapabilities) }

    @Test func corpusHasInvalidCases() {
        let all = Self.cases(Self.poolDirs) + Self.cases(Self.volumeDirs)
        #expect(all.count >= 100)
        #expect(all.contains { $0.hasSuffix("-invalid.xml") })
    }

    @Test func missingSchemaDirectoryIsAClearError() {
        let error = #expect(throws: StorageError.self) {
            try StorageSchemas(directory: "/nonexistent/schemas").validate("<pool/>", as: .pool)
        }
        #expect(error?.message.contains("/nonexistent/schemas/storagepool.rng") == true)
    }

    @Test func invalidDocumentNamesTheProblem() {
        let error = #expect(throws: StorageError.self) {
            try Self.schemas.validate("<pool type='dir'><name>x</name><bogus/></pool>", as: .pool)
        }
        // libvirt's words: the schema, then each complaint on a line of its own.
        let lines = error?.message.split(separator: "\n").map(String.init) ?? []
        #expect(lines.first == "Unable to validate doc against \(Corpus.url("schemas").path)/storagepool.rng")
        #expect(lines.count >= 2)
        #expect(error?.libvirtMessage.hasPrefix("XML document failed to validate against schema: ") == true)
    }

    /// A logical pool that names a thin pool: VirtStorage's schema takes it,
    /// and it round-trips with the element and its namespace as given.
    @Test func logicalPoolWithAThinPool() throws {
        let text = """
            <pool type='logical' xmlns:vs='\(VirtStoragePoolSchema.namespaceURI)'>
              <name>thin</name>
              <uuid>1c13165a-d0f4-3aee-b447-30fb38789091</uuid>
              <capacity unit='bytes'>0</capacity>
              <allocation unit='bytes'>0</allocation>
              <available unit='bytes'>0</available>
              <source>
                <name>vg0</name>
                <format type='lvm2'/>
              </source>
              <target>
                <path>/dev/vg0</path>
              </target>
              <vs:thinpool name='data'/>
            </pool>

            """
        try Self.schemas.validate(text, as: .pool)
        let pool = try PoolXML.parse(text)
        #expect(pool.thinPool == "data")
        #expect(PoolXML.format(pool) == text)
        var plain = pool
        plain.thinPool = nil
        #expect(!PoolXML.format(plain).contains("vs"))

        let bad = text.replacingOccurrences(of: "name='data'", with: "name='-x'")
        #expect(throws: StorageError.self) { try Self.schemas.validate(bad, as: .pool) }
        let badName = #expect(throws: StorageError.self) { try PoolXML.parse(bad) }
        #expect(badName?.message == "invalid thin pool name '-x'")
        let twice = text.replacingOccurrences(of: "<vs:thinpool name='data'/>", with: "<vs:thinpool name='a'/><vs:thinpool name='b'/>")
        #expect(throws: StorageError.self) { try Self.schemas.validate(twice, as: .pool) }
        #expect(throws: StorageError.self) { try PoolXML.parse(twice) }
        let dir = """
            <pool type='dir' xmlns:vs='\(VirtStoragePoolSchema.namespaceURI)'><name>d</name><target><path>/tmp/d</path></target><vs:thinpool name='data'/></pool>
            """
        #expect(throws: StorageError.self) { try Self.schemas.validate(dir, as: .pool) }
        let misplaced = #expect(throws: StorageError.self) { try PoolXML.parse(dir) }
        #expect(misplaced?.message == "<vs:thinpool> belongs to logical pools, not to a dir pool")
    }
}
