import Foundation
import Testing

@testable import VirtStorage

/// Each bad input gives one StorageError that names the element or attribute
/// and the bad value; nothing crashes and nothing half-built comes back.
@Suite("bad pool and volume XML")
struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var xml: String
        var code: StorageError.Code
        /// The error's element path must contain this.
        var element: String?
        /// The message must contain each of these.
        var mentions: [String]
        var testDescription: String { label }
    }

    static func dirPool(
        name: String = "p", uuid: String? = nil, target: String = "<target><path>/tmp/p</path></target>"
    )
        -> String
    {
        "<pool type='dir'><name>\(name)</name>\(uuid.map { "<uuid>\($0)</uuid>" } ?? "")\(target)</pool>"
    }

    static let poolCases: [Case] = [
        .init(
            label: "malformed XML", xml: "<pool type='dir'><name>p</nam></pool>", code: .xmlDetail, element: nil,
            mentions: [
                "(storage_pool_definition):1: Opening and ending tag mismatch: name line 1 and nam\n"
                    + "<pool type='dir'><name>p</nam></pool>\n------------------------------^"
            ]),
        .init(
            label: "empty document", xml: "", code: .xmlDetail, element: nil,
            mentions: ["(storage_pool_definition):1: Document is empty\n(null)\n^"]),
        .init(
            label: "wrong root element", xml: "<volume><name>v</name></volume>", code: .xmlError, element: "volume",
            mentions: ["expecting root element of 'pool', not 'volume'"]),
        .init(
            label: "unknown pool type", xml: "<pool type='floppy'><name>p</name></pool>", code: .xmlError,
            element: "pool/@type", mentions: ["'floppy'", "dir"]),
        .init(
            label: "missing pool type", xml: "<pool><name>p</name></pool>", code: .xmlError, element: "pool/@type",
            mentions: ["type"]),
        .init(
            label: "missing name", xml: "<pool type='dir'><target><path>/x</path></target></pool>", code: .xmlError,
            element: "name", mentions: ["name"]),
        .init(
            label: "missing target path", xml: "<pool type='dir'><name>p</name></pool>", code: .xmlError,
            element: "target/path", mentions: ["target path"]),
        .init(
            label: "netfs without host",
            xml:
                "<pool type='netfs'><name>n</name><source><dir path='/x'/></source><target><path>/mnt</path></target></pool>",
            code: .xmlError, element: "source/host", mentions: ["host"]),
        .init(
            label: "netfs without dir",
            xml:
                "<pool type='netfs'><name>n</name><source><host name='h'/></source><target><path>/mnt</path></target></pool>",
            code: .xmlError, element: "source/dir", mentions: ["source path"]),
        .init(
            label: "fs without device", xml: "<pool type='fs'><name>f</name><target><path>/mnt</path></target></pool>",
            code: .xmlError, element: "source/device", mentions: ["device"]),
        .init(
            label: "rbd without source name",
            xml: "<pool type='rbd'><name>c</name><source><host name='m'/></source></pool>", code: .xmlError,
            element: "source/name", mentions: ["name"]),
        .init(
            label: "iscsi-direct without initiator",
            xml:
                "<pool type='iscsi-direct'><name>i</name><source><host name='h'/><device path='iqn.x'/></source></pool>",
            code: .configUnsupported, element: "initiator", mentions: ["initiator IQN"]),
        .init(
            label: "bad UUID", xml: dirPool(uuid: "not-a-uuid"), code: .xmlError, element: "uuid",
            mentions: ["'not-a-uuid'"]),
        .init(
            label: "short UUID", xml: dirPool(uuid: "1c13165a-d0f4-3aee-b447"), code: .xmlError, element: "uuid",
            mentions: ["1c13165a-d0f4-3aee-b447"]),
        .init(
            label: "name with slash", xml: dirPool(name: "a/b"), code: .xmlError, element: "name",
            mentions: ["a/b", "'/'"]),
        .init(
            label: "name with newline", xml: dirPool(name: "a&#10;b"), code: .xmlError, element: "name",
            mentions: ["a\\nb", "newline"]),
        .init(
            label: "mode above 0777",
            xml: dirPool(target: "<target><path>/x</path><permissions><mode>01777</mode></permissions></target>"),
            code: .xmlError, element: "target/permissions/mode", mentions: ["'01777'", "0777"]),
        .init(
            label: "mode not octal",
            xml: dirPool(target: "<target><path>/x</path><permissions><mode>0789</mode></permissions></target>"),
            code: .xmlError, element: "target/permissions/mode", mentions: ["'0789'"]),
        .init(
            label: "owner not a number",
            xml: dirPool(target: "<target><path>/x</path><permissions><owner>root</owner></permissions></target>"),
            code: .xmlError, element: "target/permissions/owner", mentions: ["'root'"]),
        .init(
            label: "group too large",
            xml: dirPool(
                target: "<target><path>/x</path><permissions><group>4294967296</group></permissions></target>"),
            code: .xmlError, element: "target/permissions/group", mentions: ["4294967296"]),
        .init(
            label: "port out of range",
            xml: "<pool type='rbd'><name>c</name><source><name>rbd</name><host name='m' port='70000'/></source></pool>",
            code: .xmlError, element: "host/@port", mentions: ["'70000'", "65535"]),
        .init(
            label: "port not a number",
            xml: "<pool type='rbd'><name>c</name><source><name>rbd</name><host name='m' port='ceph'/></source></pool>",
            code: .xmlError, element: "host/@port", mentions: ["'ceph'"]),
        .init(
            label: "host without name",
            xml: "<pool type='rbd'><name>c</name><source><name>rbd</name><host port='6789'/></source></pool>",
            code: .xmlError, element: "source/host/@name", mentions: ["host name"]),
        .init(
            label: "unknown source format",
            xml:
                "<pool type='fs'><name>f</name><source><device path='/dev/x'/><format type='ntfs3'/></source><target><path>/m</path></target></pool>",
            code: .configUnsupported, element: "source/format/@type", mentions: ["type ntfs3", "ext4"]),
        .init(
            label: "bad part_separator",
            xml:
                "<pool type='disk'><name>d</name><source><device path='/dev/x' part_separator='maybe'/></source><target><path>/dev</path></target></pool>",
            code: .xmlError, element: "device/@part_separator", mentions: ["'maybe'"]),
        .init(
            label: "cow on a logical pool",
            xml:
                "<pool type='logical'><name>vg</name><features><cow state='yes'/></features><source><name>vg</name></source></pool>",
            code: .noSupport, element: "features/cow", mentions: ["cow"]),
        .init(
            label: "auth without type",
            xml:
                "<pool type='iscsi'><name>i</name><source><host name='h'/><device path='t'/><auth username='u'><secret usage='x'/></auth></source><target><path>/dev/disk/by-path</path></target></pool>",
            code: .configUnsupported, element: "source/auth/@type", mentions: ["auth type"]),
        .init(
            label: "auth with a bad secret uuid",
            xml:
                "<pool type='iscsi'><name>i</name><source><host name='h'/><device path='t'/><auth type='chap' username='u'><secret uuid='zz'/></auth></source><target><path>/dev/disk/by-path</path></target></pool>",
            code: .xmlError, element: "source/auth/secret/@uuid", mentions: ["'zz'"]),
        .init(
            label: "protocol version on cifs",
            xml:
                "<pool type='netfs'><name>n</name><source><host name='h'/><dir path='s'/><format type='cifs'/><protocol ver='3'/></source><target><path>/mnt</path></target></pool>",
            code: .configUnsupported, element: "source/protocol/@ver", mentions: ["cifs"]),
        .init(
            label: "fc_host with a malformed wwnn",
            xml:
                "<pool type='scsi'><name>s</name><source><adapter type='fc_host' wwnn='xyz' wwpn='10000000c9831b4b'/></source><target><path>/dev</path></target></pool>",
            code: .internalError, element: "adapter/@wwnn", mentions: ["Malformed wwn: xyz"]),
        .init(
            label: "scsi pool without adapter",
            xml: "<pool type='scsi'><name>s</name><target><path>/dev</path></target></pool>", code: .xmlError,
            element: "source/adapter", mentions: ["adapter"]),
        .init(
            label: "rbd option without value",
            xml:
                "<pool type='rbd' xmlns:rbd='http://libvirt.org/schemas/storagepool/rbd/1.0'><name>c</name><source><name>rbd</name><host name='m'/></source><rbd:config_opts><rbd:option name='x'/></rbd:config_opts></pool>",
            code: .xmlError, element: "rbd:option/@value", mentions: ["'x'"]),
        .init(
            label: "unknown refresh allocation",
            xml: dirPool(target: "<target><path>/x</path></target><refresh><volume allocation='half'/></refresh>"),
            code: .configUnsupported, element: "refresh/volume/@allocation", mentions: ["type half"]),
    ]

    static func check(_ c: Case, _ parse: () throws(StorageError) -> Void) {
        do {
            try parse()
            Issue.record("\(c.label): parsed without error")
        } catch {
            #expect(error.code == c.code, "\(c.label): \(error)")
            if let element = c.element {
                #expect(
                    error.element?.contains(element) == true, "\(c.label): element \(String(describing: error.element))"
                )
            }
            for m in c.mentions {
                #expect(error.description.contains(m), "\(c.label): '\(error.description)' lacks \(m)")
            }
            // A parser error is libvirt's three lines: the error, the line
            // of the document and a pointer; every other error is one line.
            let lines = error.description.split(separator: "\n", omittingEmptySubsequences: false).count
            #expect(lines == (error.code == .xmlDetail ? 3 : 1), "\(c.label): error spans \(lines) lines")
        }
    }

    @Test("bad pool XML", arguments: poolCases)
    func badPool(c: Case) {
        Self.check(c) { () throws(StorageError) in _ = try PoolXML.parse(c.xml) }
    }

    static func volume(_ body: String) -> String { "<volume><name>v</name>\(body)</volume>" }

    static let volumeCases: [Case] = [
        .init(
            label: "capacity overflow", xml: volume("<capacity unit='EiB'>9</capacity>"), code: .overflow,
            element: "capacity", mentions: ["9EiB"]),
        .init(
            label: "capacity overflow in bytes", xml: volume("<capacity>18446744073709551616</capacity>"),
            code: .xmlError, element: "capacity", mentions: ["18446744073709551616"]),
        .init(
            label: "unknown unit", xml: volume("<capacity unit='furlongs'>1</capacity>"), code: .invalidArgument,
            element: "unit", mentions: ["'furlongs'", "GiB"]),
        .init(
            label: "negative capacity", xml: volume("<capacity>-1</capacity>"), code: .xmlError, element: "capacity",
            mentions: ["'-1'"]),
        .init(
            label: "allocation not a number", xml: volume("<capacity>1</capacity><allocation>lots</allocation>"),
            code: .xmlError, element: "allocation", mentions: ["'lots'"]),
        .init(
            label: "missing capacity", xml: volume("<target><path>/x</path></target>"), code: .xmlError,
            element: "capacity", mentions: ["capacity"]),
        .init(
            label: "missing name", xml: "<volume><capacity>1</capacity></volume>", code: .xmlError, element: "name",
            mentions: ["name"]),
        .init(
            label: "unknown volume format",
            xml: volume("<capacity>1</capacity><target><format type='qcow3'/></target>"), code: .configUnsupported,
            element: "target/format/@type", mentions: ["type qcow3", "qcow2"]),
        .init(
            label: "format none refused for files",
            xml: volume("<capacity>1</capacity><target><format type='none'/></target>"), code: .configUnsupported,
            element: "target/format/@type", mentions: ["type none"]),
        .init(
            label: "unknown volume type", xml: "<volume type='tape'><name>v</name><capacity>1</capacity></volume>",
            code: .configUnsupported, element: "volume/@type", mentions: ["'tape'"]),
        .init(
            label: "bad compat", xml: volume("<capacity>1</capacity><target><compat>1.x</compat></target>"),
            code: .xmlError, element: "target/compat", mentions: ["'1.x'"]),
        .init(
            label: "unknown qcow2 feature",
            xml: volume("<capacity>1</capacity><target><features><turbo/></features></target>"),
            code: .configUnsupported, element: "target/features/turbo", mentions: ["turbo"]),
        .init(
            label: "unknown encryption format",
            xml: volume("<capacity>1</capacity><target><encryption format='rot13'/></target>"),
            code: .configUnsupported, element: "encryption/@format", mentions: ["type rot13"]),
        .init(
            label: "ivgen without cipher",
            xml: volume(
                "<capacity>1</capacity><target><encryption format='luks'><ivgen name='plain64'/></encryption></target>"),
            code: .xmlError, element: "encryption/ivgen", mentions: ["cipher is missing"]),
        .init(
            label: "secret with both uuid and usage",
            xml: volume(
                "<capacity>1</capacity><target><encryption format='luks'><secret type='passphrase' uuid='f52a81b2-424e-490c-823d-6bd4235bc572' usage='x'/></encryption></target>"
            ), code: .xmlError, element: "encryption/secret", mentions: ["uuid or usage"]),
        .init(
            label: "backing store mode above 0777",
            xml: volume(
                "<capacity>1</capacity><backingStore><path>/b</path><permissions><mode>1000</mode></permissions></backingStore>"
            ), code: .xmlError, element: "backingStore/permissions/mode", mentions: ["'1000'"]),
    ]

    @Test("bad volume XML", arguments: volumeCases)
    func badVolume(c: Case) {
        Self.check(c) { () throws(StorageError) in _ = try VolumeXML.parse(c.xml, poolType: .dir) }
    }

    @Test func unitsAcceptEveryLibvirtSpelling() throws {
        let table: [(String?, UInt64)] = [
            (nil, 1), ("", 1), ("b", 1), ("B", 1), ("byte", 1), ("bytes", 1), ("BYTES", 1),
            ("k", 1024), ("K", 1024), ("KiB", 1024), ("kib", 1024), ("KB", 1000), ("kb", 1000),
            ("M", 1 << 20), ("MiB", 1 << 20), ("MB", 1_000_000), ("G", 1 << 30), ("GB", 1_000_000_000),
            ("T", 1 << 40), ("TB", 1_000_000_000_000), ("P", 1 << 50), ("PB", 1_000_000_000_000_000),
            ("E", 1 << 60), ("EiB", 1 << 60), ("EB", 1_000_000_000_000_000_000),
        ]
        for (unit, scale) in table {
            #expect(try ByteCount.parse("3", unit: unit, element: "capacity") == 3 * scale, "unit \(unit ?? "nil")")
        }
        for bad in ["KiBB", "x", "Mi", "kbytes", "ZiB"] {
            #expect(throws: StorageError.self, "unit \(bad)") {
                try ByteCount.parse("1", unit: bad, element: "capacity")
            }
        }
        // The largest size libvirt accepts is 2^63-1 bytes.
        #expect(try ByteCount.parse("9223372036854775807", unit: "b", element: "capacity") == UInt64(Int64.max))
        #expect(throws: StorageError.self) { try ByteCount.parse("8", unit: "EiB", element: "capacity") }
        #expect(try ByteCount.parse("7", unit: "EiB", element: "capacity") == 7 << 60)
    }

    @Test func pathsAreSanitizedLikeLibvirt() {
        let table = [
            ("///var/////lib/libvirt/images//", "/var/lib/libvirt/images"), ("//host/share", "//host/share"),
            ("/", "/"), ("//", "//"), ("relative//dir/", "relative/dir"), ("gluster://h//v", "gluster://h//v"),
        ]
        for (input, expected) in table { #expect(PathSanitizer.sanitize(input) == expected, "\(input)") }
    }

    @Test func uuidsParseInLibvirtsForms() {
        #expect(StorageUUID.parse("1c13165a-d0f4-3aee-b447-30fb38789091") != nil)
        #expect(StorageUUID.parse("  1C13165AD0F43AEEB44730FB38789091 ") != nil)
        #expect(StorageUUID.parse("1c13165a-d0f4-3aee-b447-30fb3878909") == nil)
        #expect(StorageUUID.parse("1c13165a-d0f4-3aee-b447-30fb38789091x") == nil)
        #expect(
            StorageUUID.format(StorageUUID.parse("1C13165AD0F43AEEB44730FB38789091")!)
                == "1c13165a-d0f4-3aee-b447-30fb38789091")
    }

    /// A StorageError caught as `any Error` reads as libvirt's line, not as
    /// "The operation could not be completed".
    @Test func errorsReadAsThemselvesThroughAnyError() {
        let error: any Error = StorageError(.noSuchPool, "no storage pool with matching name 'x'")
        #expect(error.localizedDescription == "Storage pool not found: no storage pool with matching name 'x'")
        #expect("\(error)" == "Storage pool not found: no storage pool with matching name 'x'")
    }
}
