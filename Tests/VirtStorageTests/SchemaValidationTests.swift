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
}
