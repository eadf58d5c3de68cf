import Foundation

/// A temporary directory removed when the test ends.
public final class Scratch: @unchecked Sendable {
    public let path: String

    public init(_ label: String = "test") {
        let template = NSTemporaryDirectory() + "virtstorage-\(label)-XXXXXX"
        var bytes = Array(template.utf8CString)
        path = bytes.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func sub(_ name: String) -> String { path + "/" + name }

    /// Runs a program (test setup and checks only), returning its status and
    /// its standard output and error together.
    @discardableResult
    public static func run(_ program: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
