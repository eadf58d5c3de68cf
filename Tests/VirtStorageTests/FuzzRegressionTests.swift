import Foundation
import Testing

@testable import VirtStorage

/// Inputs Scripts/fuzz.sh once failed on, kept in Fuzz/regressions/ in the
/// fuzzers' own format, replayed with the fuzzers' properties: parsing never
/// crashes, and parsed XML formats to a fixed point.
@Suite("fuzz findings stay fixed")
struct FuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/regressions")

    static func inputs(_ kind: String) throws -> [[UInt8]] {
        let dir = directory.appendingPathComponent(kind)
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().map {
            Array(try Data(contentsOf: dir.appendingPathComponent($0)))
        }
    }

    @Test func volumeInputsFormatToAFixedPoint() throws {
        let inputs = try Self.inputs("volume")
        #expect(!inputs.isEmpty)
        for input in inputs {
            // The fuzzer's format: one byte choosing the pool type, then the document.
            let type = PoolType.allCases[Int(input[0]) % PoolType.allCases.count]
            let text = String(decoding: input.dropFirst(), as: UTF8.self)
            guard let volume = try? VolumeXML.parse(text, poolType: type) else { continue }
            let formatted = VolumeXML.format(volume, poolType: type)
            let again = try VolumeXML.parse(formatted, poolType: type)
            #expect(VolumeXML.format(again, poolType: type) == formatted)
        }
    }

    /// The first finding: a group ID from 2^31 up is written as a negative
    /// number (libvirt's "%d"), which the parser refused.
    @Test func idsFromTwoToTheThirtyFirstUpReadBackFromTheirNegativeForm() throws {
        var volume = try VolumeXML.parse(
            "<volume><name>v</name><capacity>1</capacity></volume>", poolType: .dir)
        volume.target.permissions = Permissions(mode: 0o600, owner: 2_147_483_648, group: 4_294_934_590)
        let xml = VolumeXML.format(volume, poolType: .dir)
        #expect(xml.contains("<owner>-2147483648</owner>") && xml.contains("<group>-32706</group>"))
        let back = try VolumeXML.parse(xml, poolType: .dir).target.permissions
        #expect(back?.owner == 2_147_483_648 && back?.group == 4_294_934_590)
        // -1 and its unsigned twin still mean "unset"; below Int32.min is still refused.
        let unset = try VolumeXML.parse(
            "<volume><name>v</name><capacity>1</capacity><target><permissions><owner>-1</owner><group>4294967295</group></permissions></target></volume>",
            poolType: .dir)
        #expect(unset.target.permissions?.owner == nil && unset.target.permissions?.group == nil)
        #expect(throws: StorageError.self) {
            try VolumeXML.parse(
                "<volume><name>v</name><capacity>1</capacity><target><permissions><owner>-2147483649</owner></permissions></target></volume>",
                poolType: .dir)
        }
    }
}
