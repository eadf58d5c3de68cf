import Foundation

/// Runs programs for the command-line tests: our virt-storage (built next to
/// the test bundle) and, as the reference, libvirt's virsh.
enum Executables {
    struct Result: Equatable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The virt-storage binary of this build.
    static let virtStorage: URL = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // The runner may live inside the .xctest bundle on some toolchains.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("virt-storage")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("virt-storage")
    }()

    static let virsh = URL(fileURLWithPath: "/usr/bin/virsh")
    static var virshAvailable: Bool { FileManager.default.isExecutableFile(atPath: virsh.path) }

    static func run(_ program: URL, _ arguments: [String], environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// virsh on its built-in test driver: no daemon, one pool named default-pool.
    static func virshTest(_ arguments: [String]) throws -> Result {
        try run(virsh, ["-c", "test:///default"] + arguments)
    }
}
