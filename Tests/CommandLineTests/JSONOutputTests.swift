import Foundation
import Testing

/// `--json` on the verbs that print data: each prints one JSON document that
/// says the same as the plain output.
@Suite("--json on every verb that prints data")
struct JSONOutputTests {
    @Test func factsListsAndDocumentsAsJSON() throws {
        let base = NSTemporaryDirectory() + "virtstorage-json-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let env = ["VIRT_STORAGE_ROOT": base + "/root"]
        func run(_ args: [String]) throws -> Any {
            let result = try Executables.run(Executables.virtStorage, ["-q"] + args, environment: env)
            #expect(result.status == 0, "\(args): \(result.stderr)")
            return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        }
        func plain(_ args: [String]) throws -> String {
            try Executables.run(Executables.virtStorage, ["-q"] + args, environment: env).stdout
                .trimmingCharacters(in: .newlines)
        }
        _ = try plain(["pool-create-as", "js", "dir", "--target", base + "/pool", "--build"])
        _ = try plain(["vol-create-as", "js", "a.qcow2", "1M", "--format", "qcow2"])

        let uuid = try plain(["pool-uuid", "js"])
        for verb in [["pool-name", uuid], ["pool-uuid", "js"], ["pool-dumpxml", "js"], ["pool-info", "js"]] {
            let pool = try #require(try run(verb + ["--json"]) as? [String: Any])
            #expect(pool["name"] as? String == "js" && pool["uuid"] as? String == uuid, "\(verb)")
            #expect(pool["state"] as? String == "running")
        }
        let path = try plain(["vol-path", "--pool", "js", "a.qcow2"])
        // vol-name takes a key or path only, as in virsh (it has no --pool).
        for args in [
            ["vol-path", "--pool", "js", "a.qcow2"], ["vol-key", "--pool", "js", "a.qcow2"], ["vol-name", path],
            ["vol-dumpxml", "--pool", "js", "a.qcow2"], ["vol-info", "--pool", "js", "a.qcow2"],
        ] {
            let verb = args[0]
            let vol = try #require(try run(args + ["--json"]) as? [String: Any])
            #expect(vol["name"] as? String == "a.qcow2" && vol["path"] as? String == path, "\(verb)")
            #expect(vol["format"] as? String == "qcow2" && vol["capacity"] as? Int == 1 << 20)
        }
        let owner = try #require(try run(["vol-pool", path, "--json"]) as? [String: Any])
        #expect(owner["name"] as? String == "js")

        let caps = try #require(try run(["pool-capabilities", "--json"]) as? [[String: Any]])
        #expect(caps.count == 14)
        let dir = try #require(caps.first { $0["type"] as? String == "dir" })
        #expect(dir["supported"] as? Bool == true && dir["defaultVolumeFormat"] as? String == "raw")
        #expect((dir["volumeFormats"] as? [String])?.contains("qcow2") == true)
        // The JSON says what the XML says, type by type (btrfs, an extension, apart).
        let xml = try plain(["pool-capabilities"])
        for entry in caps {
            let type = try #require(entry["type"] as? String)
            let block = try #require(xml.components(separatedBy: "<pool type='\(type)'").dropFirst().first)
                .components(separatedBy: "</pool>")[0]
            let values = block.components(separatedBy: "<value>").dropFirst().map { $0.components(separatedBy: "<")[0] }
            let listed = (entry["sourceFormats"] as? [String] ?? []) + (entry["volumeFormats"] as? [String] ?? [])
            #expect(values == listed, "\(type)")
            #expect(block.contains("supported='\(entry["supported"] as? Bool == true ? "yes" : "no")'"))
        }
        let fs = try #require(caps.first { $0["type"] as? String == "fs" })
        #expect(fs["extensionSourceFormats"] as? [String] == ["btrfs"])

        try
            "<secret ephemeral='no' private='yes'><uuid>0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f</uuid><usage type='ceph'><name>client.admin</name></usage></secret>"
            .write(toFile: base + "/secret.xml", atomically: true, encoding: .utf8)
        _ = try plain(["secret-define", base + "/secret.xml"])
        let secrets = try #require(try run(["secret-list", "--json"]) as? [[String: Any]])
        #expect(secrets.count == 1 && secrets.first?["usage"] as? String == "client.admin")
        #expect(secrets.first?["usageType"] as? String == "ceph" && secrets.first?["private"] as? Bool == true)
        let secret = try #require(
            try run(["secret-dumpxml", "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f", "--json"]) as? [String: Any])
        #expect(secret["uuid"] as? String == "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f")
        _ = try plain(["pool-destroy", "js"])
    }

    @Test func poolEventPrintsOneJSONObjectPerEvent() throws {
        let base = NSTemporaryDirectory() + "virtstorage-json-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let env = ["VIRT_STORAGE_ROOT": base + "/root"]
        let watcher = try PoolEventTests.Watcher(
            Executables.virtStorage, ["pool-event", "--event", "lifecycle", "--loop", "--json", "--timestamp"],
            environment: env)
        Thread.sleep(forTimeInterval: 0.7)
        for args in [["pool-define-as", "ev", "dir", "--target", base + "/p"], ["pool-undefine", "ev"]] {
            #expect(try Executables.run(Executables.virtStorage, args, environment: env).status == 0)
        }
        Thread.sleep(forTimeInterval: 0.5)
        watcher.interrupt()
        let (status, output) = watcher.finish()
        let lines = output.split(separator: "\n").map(String.init)
        #expect(status == 0 && lines.count == 2, "\(output)")
        let events = lines.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }
        #expect(events.map { $0["detail"] } == ["Defined", "Undefined"])
        #expect(events.allSatisfy { $0["pool"] == "ev" && $0["event"] == "lifecycle" && $0["time"] != nil })
    }
}
