import ArgumentParser
import Foundation
import VirtStorage

/// virsh pool-edit: the pool's inactive XML in $VISUAL or $EDITOR (vi by
/// default), then checked and defined. The editor command is split on
/// spaces and run as argv with the file appended; no shell is involved.
struct PoolEdit: HostCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool-edit", abstract: "edit XML configuration for a storage pool")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolArgument

    func execute(_ host: StorageHost) async throws {
        let name = try await lookupPool(host, try pool.value()).name
        var original = try await host.xml(name, inactive: true)
        let file = try TemporaryXMLFile(name: name, text: original)
        defer { file.remove() }
        while true {
            try runEditor(on: file.path)
            let edited = try readFile(file.path)
            if edited == original {
                return global.extra("Pool \(name) XML configuration not changed.\n")
            }
            // Someone else may have redefined the pool while it was being edited.
            let current = try await host.xml(name, inactive: true)
            let failure: StorageError
            if current != original {
                original = current
                failure = StorageError(.operationInvalid, "The XML configuration was changed by another user.")
            } else {
                do throws(StorageError) {
                    try Self.validate(edited)
                    let defined = try await host.define(xml: edited)
                    return global.extra("Pool \(defined.name) XML configuration edited.\n")
                } catch {
                    failure = error
                }
            }
            guard Self.askToEditAgain(failure) else { throw failure }
        }
    }

    /// The schema check happens before anything is saved when libvirt's
    /// schemas are installed; the parser's own checks always do.
    static func validate(_ xml: String) throws(StorageError) {
        guard FileManager.default.fileExists(atPath: StorageSchemas.defaultDirectory + "/storagepool.rng") else {
            return
        }
        try StorageSchemas().validate(xml, as: .pool)
    }

    /// On a terminal, virsh's question; elsewhere the error ends the command.
    static func askToEditAgain(_ error: StorageError) -> Bool {
        guard isatty(STDIN_FILENO) == 1 else { return false }
        FileHandle.standardError.write(Data("error: \(error.libvirtMessage)\n".utf8))
        if let hint = error.hintLine { FileHandle.standardError.write(Data("\(hint.singleLine())\n".utf8)) }
        while true {
            writeNow("Failed. Try again? [y,n,?]: ")
            switch readLine()?.trimmingCharacters(in: .whitespaces).lowercased() {
            case "y": return true
            case "n", nil: return false
            default: writeNow("y - yes, start editor again\nn - no, throw away my changes\n")
            }
        }
    }

    private func runEditor(on path: String) throws(StorageError) {
        let env = ProcessInfo.processInfo.environment
        let editor = [env["VISUAL"], env["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty } ?? "vi"
        let argv = editor.split(separator: " ").map(String.init) + [path]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        do {
            try process.run()
        } catch {
            throw StorageError(.systemError, "cannot run editor '\(editor)': \(error.localizedDescription)")
        }
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw StorageError(
                .systemError, "\(editor) \(path): editor failed with status \(process.terminationStatus)")
        }
    }
}

/// The XML being edited, in a private file (mode 0600) removed afterwards.
struct TemporaryXMLFile {
    let path: String

    init(name: String, text: String) throws(StorageError) {
        var template = Array((NSTemporaryDirectory() + "/virtstorage-\(name)-XXXXXX.xml").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 4) }
        guard fd >= 0 else {
            throw StorageError(.systemError, "cannot create a temporary file: \(String(cString: strerror(errno)))")
        }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        SystemCalls.close(fd)
        guard written == bytes.count else {
            SystemCalls.removeIfPresent(path)
            throw StorageError(.systemError, "cannot write '\(path)'", path: path)
        }
    }

    func remove() { SystemCalls.removeIfPresent(path) }
}
