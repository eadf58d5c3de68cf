import ArgumentParser
import Dispatch
import Foundation
import VirtStorage

/// virsh pool-event: waits for the pool events that any virt-storage process
/// (or program embedding the library) on the same directories announces.
struct PoolEvent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool-event", abstract: "Storage Pool Events",
        discussion: "List event types, or wait for storage pool events to occur")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("pool"), help: "filter by storage pool name or uuid") var pool: String?
    @Option(name: .customLong("event"), help: "which event type to wait for") var event: String?
    @Flag(name: .customLong("loop"), help: "loop until timeout or interrupt, rather than one-shot") var loop = false
    @Option(name: .customLong("timeout"), help: "timeout seconds") var timeout: String?
    @Flag(name: .customLong("list"), help: "list valid event types") var list = false
    @Flag(name: .customLong("timestamp"), help: "show timestamp for each printed event") var timestamp = false
    @Flag(name: .customLong("json"), help: "print each event as one line of JSON") var asJSON = false

    /// An event for --json: one object per line.
    struct EventJSON: Encodable {
        var event: String
        var pool: String
        var detail: String?
        var time: String?
    }

    /// virsh's event types, in its order.
    enum Kind: String, CaseIterable {
        case lifecycle, refresh
    }

    func run() async throws {
        if list {
            return global.emit(Kind.allCases.map { $0.rawValue + "\n" }.joined())
        }
        var received = 0
        try await global.perform { () throws in received = try await watch() }
        if received == 0 { throw ExitCode(1) }
    }

    /// Prints events until the first (or, with --loop, until the timeout or
    /// an interrupt); returns how many were printed.
    private func watch() async throws -> Int {
        guard let event else { throw CommandLineError("either --list or --event <type> is required") }
        guard let kind = Kind(rawValue: event) else {
            throw CommandLineError("unknown event type \(event)")
        }
        let seconds = try timeoutSeconds()
        var poolName: String?
        if let pool { poolName = try await global.openHost().pool(pool).name }
        let events = StorageHost.watchEvents(directories: global.directories)
        let (ends, finish) = AsyncStream<String>.makeStream()
        let timer = seconds.map { seconds in
            Task {
                try await Task.sleep(for: .seconds(seconds))
                finish.yield("event loop timed out\n")
            }
        }
        defer { timer?.cancel() }

        let counter = Task {
            var count = 0
            for await change in events {
                guard let line = Self.describe(change, kind: kind), poolName == nil || change.pool == poolName
                else { continue }
                if asJSON {
                    writeNow(Self.json(change, kind: kind, time: timestamp ? Self.now() : nil))
                } else {
                    writeNow((timestamp ? Self.now() + ": " : "") + line + "\n")
                }
                count += 1
                if !loop {
                    finish.yield("")
                    break
                }
            }
            return count
        }
        // Ctrl-C cancels the command's task (see Interrupt): the loop ends, as virsh's does.
        var ending = ""
        await withTaskCancellationHandler {
            for await reason in ends {
                ending = reason
                break
            }
        } onCancel: {
            finish.yield("event loop interrupted\n")
        }
        if Task.isCancelled { ending = "event loop interrupted\n" }
        counter.cancel()
        let count = await counter.value
        // JSON lines stay JSON lines: the summary is virsh's text only.
        if !asJSON { writeNow(ending + "events received: \(count)\n" + (global.quiet ? "" : "\n")) }
        return count
    }

    /// virsh's --timeout: a whole number of seconds above zero.
    private func timeoutSeconds() throws -> Int? {
        guard let timeout else { return nil }
        guard let seconds = Int(timeout), seconds > 0, seconds <= Int(Int32.max) / 1000 else {
            throw CommandLineError("Numeric value '\(timeout)' for <timeout> option is malformed or out of range")
        }
        return seconds
    }

    /// The line virsh prints for an event of the kind being waited for.
    static func describe(_ event: StorageEvent, kind: Kind) -> String? {
        guard case .pool(_, let change) = event, (kind == .refresh) == (change == .refreshed) else { return nil }
        return event.description
    }

    static func json(_ event: StorageEvent, kind: Kind, time: String?) -> String {
        var detail: String?
        if case .pool(_, let change) = event, kind == .lifecycle { detail = change.rawValue.capitalized }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let record = EventJSON(event: kind.rawValue, pool: event.pool, detail: detail, time: time)
        return String(decoding: (try? encoder.encode(record)) ?? Data(), as: UTF8.self) + "\n"
    }

    /// virTimeStringNowRaw: "2026-11-27 10:00:00.123+0000", in UTC.
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var tm = tm()
        var seconds = spec.tv_sec
        gmtime_r(&seconds, &tm)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d.%03d+0000", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
            tm.tm_hour, tm.tm_min, tm.tm_sec, spec.tv_nsec / 1_000_000)
    }
}
