import Foundation
import Testing

/// virsh reads an XML argument to its end, whatever it is: `vol-create P
/// /dev/stdin` with the document on a pipe works there, and here.
@Suite("XML files that are pipes")
struct XMLFileTests {
    @Test func aVolumeFromStandardInput() throws {
        let base = NSTemporaryDirectory() + "virtstorage-xml-stdin-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let env = ["VIRT_STORAGE_ROOT": base + "/root"]
        let made = try Executables.run(
            Executables.virtStorage, ["pool-create-as", "p", "dir", "--target", base + "/pool", "--build"], environment: env)
        #expect(made.status == 0, "\(made.stderr)")
        let process = Process()
        process.executableURL = Executables.virtStorage
        process.arguments = ["vol-create", "p", "/dev/stdin"]
        process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data("<volume><name>piped.img</name><capacity>4096</capacity></volume>".utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(said)")
        #expect(said == "Vol piped.img created from /dev/stdin\n\n")
        let info = try Executables.run(Executables.virtStorage, ["vol-info", "--pool", "p", "piped.img", "--bytes"], environment: env)
        #expect(info.stdout.contains("Capacity:       4096 bytes"))
    }
}
