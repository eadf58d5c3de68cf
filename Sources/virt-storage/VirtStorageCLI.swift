import ArgumentParser
import Foundation
import VirtStorage

@main
struct VirtStorageCLI: AsyncParsableCommand {
    /// virsh takes its global options before the command (`virsh -q pool-list`);
    /// they are moved after the verb, where every verb accepts them. The
    /// verb's arguments are read as virsh reads them (``VirshCommandLine``)
    /// and handed on with every option named.
    static func main() async {
        var args = Array(CommandLine.arguments.dropFirst())
        var globals: [String] = []
        while let first = args.first {
            if first == "-q" || first == "--quiet" {
                args.removeFirst()
                globals.append("--quiet")
            } else if first == "--root", args.count > 1 {
                globals += args.prefix(2)
                args.removeFirst(2)
            } else if first.hasPrefix("--root=") {
                globals.append(args.removeFirst())
            } else {
                break
            }
        }
        if let verb = args.first, !verb.hasPrefix("-"), verb != "help" {
            do throws(VirshUsageError) {
                guard let line = VirshCommandLine(verb: verb) else {
                    throw VirshUsageError(message: "unknown command: '\(verb)'")
                }
                let read = try line.normalize(globals + args.dropFirst())
                args = [verb] + read.arguments
                if let deferred = read.deferred { DeferredMistake.set(CommandLineError(deferred.message)) }
            } catch {
                if error.inVerb && !globals.contains("--quiet") { print() }
                if !error.message.isEmpty { FileHandle.standardError.write(Data("error: \(error.message)\n".utf8)) }
                Foundation.exit(1)
            }
        } else if !args.isEmpty && !globals.isEmpty {
            args.insert(contentsOf: globals, at: 1)
        }
        let arguments = args
        let command = Task { await main(arguments) }
        let interrupt = Interrupt(cancelling: command)
        await command.value
        interrupt.cancel()
    }

    static let configuration = CommandConfiguration(
        commandName: "virt-storage",
        abstract: "Manage storage pools and volumes the way virsh does, without a daemon.",
        discussion: """
            Verbs and arguments follow virsh's pool-* and vol-* commands. As in virsh, \
            values may be given by option name or by position.
            """,
        version: VirtStorageVersion.string,
        subcommands: [
            FindPoolSources.self, FindPoolSourcesAs.self,
            PoolAutostart.self, PoolBuild.self, PoolCapabilities.self, PoolCreate.self, PoolCreateAs.self,
            PoolDefine.self, PoolDefineAs.self, PoolDelete.self, PoolDestroy.self, PoolDumpXML.self, PoolEdit.self,
            PoolEvent.self, PoolInfo.self,
            PoolList.self, PoolName.self, PoolRefresh.self, PoolStart.self, PoolUndefine.self, PoolUUID.self,
            VolClone.self, VolCreate.self, VolCreateAs.self, VolCreateFrom.self, VolDelete.self, VolDownload.self,
            VolDumpXML.self, VolInfo.self, VolKey.self, VolList.self, VolName.self, VolPath.self, VolPool.self,
            VolResize.self, VolUpload.self, VolWipe.self,
            VolSnapshotCreate.self, VolSnapshotList.self, VolSnapshotRevert.self, VolSnapshotDelete.self,
            VolExport.self, VolImport.self,
            SecretDefine.self, SecretDumpXML.self, SecretGetValue.self, SecretList.self, SecretSetValue.self,
            SecretUndefine.self,
        ]
    )
}

/// Errors reach the user on stderr as virsh prints them: the step that failed
/// ("error: Failed to start pool p"), then the error itself on one line, with
/// exit status 1; stdout gets virsh's blank line unless quiet. A mistake on
/// the command line (``CommandLineError``) is its message alone.
func fail(_ error: any Error, _ global: GlobalOptions) -> ExitCode {
    if !global.quiet { print() }
    if let mistake = error as? CommandLineError {
        // A verb that fails without a word (virsh's quiet option reads).
        guard !mistake.message.isEmpty else { return ExitCode(1) }
        FileHandle.standardError.write(Data("error: \(mistake.message.singleLine())\n".utf8))
        if let hint = mistake.hint { FileHandle.standardError.write(Data("hint: \(hint.singleLine())\n".utf8)) }
        return ExitCode(1)
    }
    let failure = error as? StepFailure
    if let failure { FileHandle.standardError.write(Data("error: \(failure.step.singleLine())\n".utf8)) }
    let error = failure?.error ?? error as? StorageError ?? StorageError(.internalError, "\(error)")
    // libvirt's message as it is, newlines included (a parser error's
    // pointer lines, a tool's output), as virsh prints it.
    FileHandle.standardError.write(Data("error: \(error.libvirtMessage)\n".utf8))
    // What virsh does not say goes on a line of its own, after virsh's lines.
    if let hint = error.hintLine { FileHandle.standardError.write(Data("\(hint.singleLine())\n".utf8)) }
    return ExitCode(1)
}

/// A mistake on the command line, printed as virsh prints its own: the
/// message alone, without an error-code prefix or the step that failed
/// (an empty message: the verb fails without a word, as virsh's quiet reads).
struct CommandLineError: Error {
    let message: String
    var hint: String?

    init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
}

extension String {
    func singleLine() -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: " ")
    }
}
