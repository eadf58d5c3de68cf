import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// Flips, truncates, deletes and duplicates bytes of every corpus input many
/// times. Every mutant must either parse into a definition whose XML reads
/// back identically, or fail with a StorageError; no crash, no hang.
@Suite("mutated corpus inputs")
struct MutationTests {
    static let interesting: [[UInt8]] = [
        Array("<".utf8), Array(">".utf8), Array("'".utf8), Array("/".utf8), Array("&".utf8), Array("\n".utf8),
        Array("0".utf8), Array("-1".utf8), Array("99999999999999999999".utf8), Array("G".utf8), Array("&#10;".utf8),
        Array("<x/>".utf8), Array("]]>".utf8), [0xFF], [0x00], Array("é".utf8),
    ]

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
        var bytes = input
        guard !bytes.isEmpty else { return bytes }
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            guard !bytes.isEmpty else { break }
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: bytes[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            case 1: bytes.removeSubrange(i...)
            case 2: bytes.removeSubrange(i..<min(bytes.count, i + Int.random(in: 1...16, using: &rng)))
            case 3:
                let end = min(bytes.count, i + Int.random(in: 1...40, using: &rng))
                bytes.insert(contentsOf: bytes[i..<end], at: end)
            case 4: bytes.insert(contentsOf: interesting.randomElement(using: &rng)!, at: i)
            default: bytes[i] = UInt8.random(in: 0x20...0x7E, using: &rng)
            }
        }
        return bytes
    }

    struct Outcome {
        var parsed = 0
        var rejected = 0
    }

    static func run(files: [String], perFile: Int, seed: UInt64, parse: (String) throws(StorageError) -> String)
        throws -> Outcome
    {
        var rng = SplitMix(seed: seed)
        var outcome = Outcome()
        for file in files {
            let original = Array(try Corpus.read(file).utf8)
            for _ in 0..<perFile {
                let text = String(decoding: mutate(original, &rng), as: UTF8.self)
                do throws(StorageError) {
                    let formatted = try parse(text)
                    // What we write must read back and write out identically.
                    let again = try parse(formatted)
                    #expect(again == formatted, "unstable output for a mutant of \(file):\n\(text)")
                    outcome.parsed += 1
                } catch {
                    outcome.rejected += 1
                }
            }
        }
        return outcome
    }

    @Test func poolMutants() throws {
        let files = try Corpus.files(in: "storagepoolxml2xmlin").map { "storagepoolxml2xmlin/\($0)" }
        let outcome = try Self.run(files: files, perFile: 400, seed: 0x5EED_0001) { text throws(StorageError) in
            PoolXML.format(try PoolXML.parse(text))
        }
        print(
            "pool mutation test: \(outcome.parsed + outcome.rejected) mutants of \(files.count) inputs, \(outcome.parsed) parsed, \(outcome.rejected) rejected"
        )
        #expect(outcome.parsed + outcome.rejected == files.count * 400)
        #expect(outcome.parsed > 0 && outcome.rejected > 0)
    }

    @Test func volumeMutants() throws {
        let files = try Corpus.files(in: "storagevolxml2xmlin").map { "storagevolxml2xmlin/\($0)" }
        let poolTypes: [PoolType] = [.dir, .logical, .disk, .gluster, .rbd]
        var outcome = Outcome()
        for (index, type) in poolTypes.enumerated() {
            let one = try Self.run(files: files, perFile: 100, seed: 0x5EED_0002 + UInt64(index)) {
                text throws(StorageError) in
                VolumeXML.format(try VolumeXML.parse(text, poolType: type, capacity: .optional), poolType: type)
            }
            outcome.parsed += one.parsed
            outcome.rejected += one.rejected
        }
        print(
            "volume mutation test: \(outcome.parsed + outcome.rejected) mutants of \(files.count) inputs, \(outcome.parsed) parsed, \(outcome.rejected) rejected"
        )
        #expect(outcome.parsed > 0 && outcome.rejected > 0)
    }
}
