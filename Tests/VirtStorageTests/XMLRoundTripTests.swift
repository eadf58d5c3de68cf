import Foundation
import Testing

@testable import VirtStorage

@Suite("libvirt 9.0 XML round trips")
struct XMLRoundTripTests {
    @Test("pool XML round trip", arguments: Corpus.poolRoundTrips)
    func poolRoundTrip(name: String) throws {
        let input = try Corpus.read("storagepoolxml2xmlin/\(name).xml")
        let expected = try Corpus.read("storagepoolxml2xmlout/\(name).xml")
        let def = try PoolXML.parse(input)
        #expect(PoolXML.format(def) == expected)
        // What we write must read back to the same definition.
        #expect(try PoolXML.parse(PoolXML.format(def)) == def)
    }

    @Test("volume XML round trip", arguments: Corpus.volumeRoundTrips)
    func volumeRoundTrip(c: Corpus.VolumeCase) throws {
        let pool = try PoolXML.parse(try Corpus.read("storagepoolxml2xmlin/\(c.pool).xml"))
        let input = try Corpus.read("storagevolxml2xmlin/\(c.volume).xml")
        let expected = try Corpus.read("storagevolxml2xmlout/\(c.volume).xml")
        let vol = try VolumeXML.parse(input, poolType: pool.type, capacity: c.capacityOptional ? .optional : .required)
        #expect(VolumeXML.format(vol, poolType: pool.type) == expected)
    }

    /// Without the corpus every test that reads it fails; this one says how to get it.
    @Test func conformanceCorpusIsPresent() {
        #expect(Corpus.missing == nil, Comment(rawValue: Corpus.missing ?? ""))
    }

    @Test func cornerCounts() {
        #expect(Corpus.poolRoundTrips.count == 38)
        #expect(Corpus.volumeRoundTrips.count == 20)
    }
}
