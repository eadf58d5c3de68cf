/// Which of a running tool's standard streams the caller holds.
public enum StreamDirection: Sendable {
    /// The caller writes what the tool reads (`btrfs receive`, `zfs receive`).
    case input
    /// The caller reads what the tool writes (`btrfs send`, `zfs send`).
    case output
}

/// A tool that takes or gives a stream of bytes while it runs, started by
/// ``CommandRunning/start(_:_:)``: the caller writes or reads its end as
/// the tool goes, then ``finish()`` waits for the tool and throws its
/// failure in its own words.
public protocol StreamingTool: Sendable {
    /// Writes all of `bytes` to the tool (``StreamDirection/input``).
    func write(_ bytes: [UInt8]) async throws(StorageError)
    /// The next bytes the tool wrote (``StreamDirection/output``); nil once
    /// it closed its output.
    func read() async throws(StorageError) -> [UInt8]?
    /// Closes the caller's end, waits for the tool, and throws unless it
    /// exited with status 0.
    func finish() async throws(StorageError)
    /// Stops the tool at once and waits for it: what it was given is not to be used.
    func cancel() async
}

extension StreamingTool {
    /// Gives the tool every piece of a stream, then waits for it; the tool
    /// is stopped if a piece cannot be had or written. The last piece is
    /// held back until `pieces` has said the stream ended well (nil after
    /// its verified end), so that a tool which commits what it received at
    /// the end of its own stream (zfs receive, btrfs receive) never sees
    /// that end when the stream around it turns out cut short or corrupted.
    package func feed(_ pieces: nonisolated(nonsending) () async throws(StorageError) -> [UInt8]?)
        async throws(StorageError)
    {
        var held: [UInt8] = []
        do throws(StorageError) {
            while let bytes = try await pieces() {
                guard !bytes.isEmpty else { continue }
                if !held.isEmpty { try await write(held) }
                held = bytes
            }
            if !held.isEmpty { try await write(held) }
        } catch {
            await cancel()
            throw error
        }
        try await finish()
    }
}

/// A native stream read from a tool's output (`btrfs send`, `zfs send`);
/// its end is checked by the tool's exit status.
package struct ToolOutputSource: NativeStreamSource {
    package let tool: any StreamingTool

    package init(_ tool: any StreamingTool) { self.tool = tool }

    package func next() async throws(StorageError) -> [UInt8]? {
        if let bytes = try await tool.read() { return bytes }
        try await tool.finish()
        return nil
    }
}
