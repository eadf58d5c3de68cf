import Foundation
import Testing

@testable import VirtStorage

/// Tools that take or give a stream while they run (btrfs send and
/// receive go through this): bytes arrive whole, a tool that fails says
/// why in libvirt's words, and one that stops reading early fails the
/// write with an error rather than killing the process with SIGPIPE.
@Suite("tools that take or give a stream")
struct StreamingCommandTests {
    @Test func bytesGoInAndComeOutWhole() async throws {
        var bytes = [UInt8](repeating: 0, count: 3 << 20)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 13) }
        let path = NSTemporaryDirectory() + "virtstorage-stream-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try StreamingCommand(Command("sh", ["-c", "cat > \"$0\"", path]), .input)
        for start in stride(from: 0, to: bytes.count, by: 1 << 20) {
            try await writer.write(Array(bytes[start..<start + (1 << 20)]))
        }
        try await writer.finish()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))

        let reader = try StreamingCommand(Command("cat", [path]), .output)
        var read: [UInt8] = []
        while let piece = try await reader.read() { read += piece }
        try await reader.finish()
        #expect(read == bytes)
    }

    @Test func aFailingToolSaysWhy() async throws {
        let tool = try StreamingCommand(Command("sh", ["-c", "cat >/dev/null; echo 'no space on target' >&2; exit 3"]), .input)
        try await tool.write([1, 2, 3])
        let error = await #expect(throws: StorageError.self) { try await tool.finish() }
        #expect(error?.message.contains("unexpected exit status 3: no space on target") == true, "\(String(describing: error))")
    }

    @Test func aToolThatStopsReadingFailsTheWrite() async throws {
        let tool = try StreamingCommand(Command("sh", ["-c", "head -c 10 >/dev/null; echo 'bad stream' >&2; exit 1"]), .input)
        let error = await #expect(throws: StorageError.self) {
            for _ in 0..<64 { try await tool.write([UInt8](repeating: 7, count: 1 << 20)) }
        }
        #expect(error?.message.contains("bad stream") == true, "\(String(describing: error))")
    }

    @Test func aDroppedToolIsStopped() async throws {
        var pid: String = ""
        do {
            let tool = try StreamingCommand(Command("sh", ["-c", "echo $$; exec sleep 30"]), .output)
            pid = String(decoding: try await tool.read() ?? [], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(!pid.isEmpty)
        #expect(kill(pid_t(pid) ?? 0, 0) != 0, "the tool is gone once its command is dropped")
    }
}
