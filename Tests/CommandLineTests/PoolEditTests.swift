import Foundation
import Testing

/// pool-edit runs $EDITOR on the pool's inactive XML and defines the result
/// only when it is valid; the editors here are sed and true, run as argv.
// Serialized: both tests make temporary copies in one directory, which the second checks for leftovers.
@Suite("pool-edit through $EDITOR", .serialized)
struct PoolEditTests {
    struct Host {
        let base = NSTemporaryDirectory() + "virtstorage-edit-\(UUID().uuidString.prefix(8))"
        func run(_ args: [String], editor: String? = nil) throws -> Executables.Result {
            var env = ["VIRT_STORAGE_ROOT": base + "/root", "VISUAL": ""]
            if let editor { env["EDITOR"] = editor }
            return try Executables.run(Executables.virtStorage, args, environment: env)
        }
        var config: String { base + "/root/etc/storage/ed.xml" }
    }

    @Test func anEditIsDefinedAndAnUnchangedFileIsReported() throws {
        let host = Host()
        defer { try? FileManager.default.removeItem(atPath: host.base) }
        #expect(try host.run(["pool-define-as", "ed", "dir", "--target", host.base + "/old"]).status == 0)

        let unchanged = try host.run(["pool-edit", "ed"], editor: "true")
        #expect(unchanged.status == 0)
        #expect(unchanged.stdout == "Pool ed XML configuration not changed.\n\n")

        let edited = try host.run(["pool-edit", "ed"], editor: "sed -i -e s|/old<|/new<|")
        #expect(edited.status == 0, "\(edited.stderr)")
        #expect(edited.stdout == "Pool ed XML configuration edited.\n\n")
        #expect(try String(contentsOfFile: host.config, encoding: .utf8).contains("<path>\(host.base)/new</path>"))
    }

    @Test func anInvalidEditIsRefusedAndTheConfigKept() throws {
        let host = Host()
        defer { try? FileManager.default.removeItem(atPath: host.base) }
        #expect(try host.run(["pool-define-as", "ed", "dir", "--target", host.base + "/old"]).status == 0)
        let before = try String(contentsOfFile: host.config, encoding: .utf8)
        // libvirt's errors: the schema's complaints, or the parser's with the
        // line and a pointer.
        let schema = "error: XML document failed to validate against schema: Unable to validate doc against "
        for (editor, error) in [
            ("sed -i -e s|<target>|<target><bogus/>|", schema), ("sed -i -e s|</pool>||", "error: (storage_pool_definition):"),
            ("sed -i -e s|'dir'|'nope'|", schema),
        ] {
            let result = try host.run(["pool-edit", "ed"], editor: editor)
            #expect(result.status == 1, "\(editor)")
            #expect(result.stderr.hasPrefix(error), "\(editor): \(result.stderr)")
            #expect(try String(contentsOfFile: host.config, encoding: .utf8) == before)
        }
        let failing = try host.run(["pool-edit", "ed"], editor: "false")
        #expect(failing.status == 1 && failing.stderr.contains("editor failed"))
        // No temporary copies are left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
            .filter { $0.hasPrefix("virtstorage-ed-") }
        #expect(leftovers.isEmpty)
    }
}
