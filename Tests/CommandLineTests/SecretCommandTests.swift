import Foundation
import Testing

/// secret-set-value and secret-get-value as virsh 9.0: the value from a file
/// or the command line (with virsh's warning), and a private secret's value
/// never printed.
@Suite("secret values through virt-storage")
struct SecretCommandTests {
    @Test func privateValuesStayPrivateAndValuesComeFromFiles() throws {
        let base = NSTemporaryDirectory() + "virtstorage-secrets-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let env = ["VIRT_STORAGE_ROOT": base + "/root"]
        func run(_ args: [String]) throws -> Executables.Result {
            try Executables.run(Executables.virtStorage, args, environment: env)
        }
        let open = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f"
        let hidden = "1b81f5b2-8403-7b23-c8d6-21ccc2f80d6f"
        for (uuid, isPrivate) in [(open, "no"), (hidden, "yes")] {
            try "<secret ephemeral='no' private='\(isPrivate)'><uuid>\(uuid)</uuid></secret>"
                .write(toFile: base + "/\(uuid).xml", atomically: true, encoding: .utf8)
            #expect(try run(["secret-define", base + "/\(uuid).xml"]).status == 0)
        }
        try "s3cret".write(toFile: base + "/plain", atomically: true, encoding: .utf8)
        try Data("s3cret".utf8).base64EncodedString().write(toFile: base + "/b64", atomically: true, encoding: .utf8)

        // From a file, raw with --plain or base64 without.
        #expect(try run(["secret-set-value", open, "--file", base + "/plain", "--plain"]).stdout == "Secret value set\n\n")
        #expect(try run(["secret-get-value", open]).stdout == Data("s3cret".utf8).base64EncodedString() + "\n\n")
        #expect(try run(["secret-set-value", open, "--file", base + "/b64"]).status == 0)
        #expect(try run(["secret-get-value", open, "--plain"]).stdout == "s3cret\n")
        // On the command line it works, with virsh's warning.
        let argument = try run(["secret-set-value", open, "--base64", Data("other".utf8).base64EncodedString()])
        #expect(argument.status == 0)
        #expect(argument.stderr == "error: Passing secret value as command-line argument is insecure!\n")
        // No value at all, or two ways at once: virsh's words.
        #expect(try run(["secret-set-value", open]).stderr == "error: Input secret value is missing\n")
        #expect(
            try run(["secret-set-value", open, "--file", base + "/b64", "--base64", "eA=="]).stderr
                == "error: Options --file and --base64 are mutually exclusive\n")

        // A private secret takes a value but never gives it back.
        #expect(try run(["secret-set-value", hidden, "--file", base + "/plain", "--plain"]).status == 0)
        let refused = try run(["secret-get-value", hidden])
        #expect(refused.status == 1)
        #expect(refused.stderr == "error: Invalid secret: secret is private\n")
        #expect(!refused.stdout.contains("s3cret") && !refused.stdout.contains(Data("s3cret".utf8).base64EncodedString()))
    }
}
