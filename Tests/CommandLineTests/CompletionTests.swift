import Foundation
import Testing

/// Shell completion scripts come from the argument parser and know every verb.
@Suite("shell completion scripts")
struct CompletionTests {
    @Test("a completion script for each shell names every verb", arguments: ["bash", "zsh", "fish"])
    func completionScript(shell: String) throws {
        let result = try Executables.run(Executables.virtStorage, ["--generate-completion-script", shell])
        #expect(result.status == 0, "\(result.stderr)")
        let verbs = [
            "find-storage-pool-sources-as", "pool-build", "pool-define-as", "pool-list", "vol-create-as", "vol-upload",
            "vol-wipe", "secret-set-value",
        ]
        for verb in verbs { #expect(result.stdout.contains(verb), "\(shell) script lacks \(verb)") }
    }
}
