import ArgumentParser
import Foundation
import VirtStorage

/// virsh's table layout: columns padded to their widest cell and three
/// spaces apart, a leading space, and a dashed rule under the header. Without
/// the header (virsh -q) the columns are as wide as their widest row.
struct Table {
    var header: [String]
    var rows: [[String]] = []

    func render(header withHeader: Bool = true) -> String {
        var widths = header.map { withHeader ? $0.count : 0 }
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        // One string, appended to in place: a table may have 100,000 rows.
        var out = ""
        out.reserveCapacity((widths.reduce(0, +) + 3 * widths.count + 1) * (rows.count + 2))
        func line(_ cells: [String]) {
            for (i, cell) in cells.enumerated() {
                out.append(" ")
                out.append(cell)
                if i < cells.count - 1 { out.append(String(repeating: " ", count: widths[i] - cell.count + 2)) }
            }
            out.append("\n")
        }
        if withHeader {
            line(header)
            out.append(String(repeating: "-", count: widths.reduce(0, +) + 3 * (widths.count - 1) + 3) + "\n")
        }
        for row in rows { line(row) }
        return out
    }
}

/// virsh's vshPrettyCapacity: "%.2f" in B, KiB, MiB, GiB, TiB, PiB or EiB.
func prettySize(_ bytes: UInt64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var limit = 1024.0
    let value = Double(bytes)
    for (i, unit) in units.enumerated() {
        if value < limit || i == units.count - 1 {
            // C's printf, as virsh's: Foundation's String(format:) costs a second per 100,000 volumes.
            var buffer = [CChar](repeating: 0, count: 64)
            let shown = i == 0 ? value : value / (limit / 1024)
            _ = withVaList([shown]) { vsnprintf(&buffer, buffer.count, "%.2f", $0) }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + " " + unit
        }
        limit *= 1024
    }
    return "\(bytes) B"
}

/// `%-15s %s` lines of pool-info and vol-info.
func field(_ label: String, _ value: String) -> String {
    label.padding(toLength: max(15, label.count), withPad: " ", startingAt: 0) + " " + value + "\n"
}

/// Writes to stdout at once, unbuffered: a pipe sees each line as it happens.
func writeNow(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }

/// The --json flag of verbs whose plain output is one value or a document:
/// with it they print the record of the pool, volume or secret instead.
struct JSONFlag: ParsableArguments {
    @Flag(name: .customLong("json"), help: "print as JSON") var enabled = false
}

/// JSON for --json, keys sorted so scripts and diffs are stable.
func jsonText<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = (try? encoder.encode(value)) ?? Data("null".utf8)
    return String(decoding: data, as: UTF8.self) + "\n"
}

/// A progress bar on stderr for long jobs, shown only on a terminal.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var lastPercent = -1

    init(_ label: String) { self.label = label }

    var handler: ProgressHandler? {
        guard enabled else { return nil }
        return { [self] done, total in self.update(done, total) }
    }

    private func update(_ done: UInt64, _ total: UInt64) {
        guard total > 0 else { return }
        let percent = Int(Double(done) / Double(total) * 100)
        lock.withLock {
            guard percent != lastPercent else { return }
            lastPercent = percent
            let filled = percent * 30 / 100
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: 30 - filled)
            FileHandle.standardError.write(
                Data("\r\(label) [\(bar)] \(percent)% \(prettySize(done))/\(prettySize(total))".utf8))
        }
    }

    func finish() {
        lock.withLock { if lastPercent >= 0 { FileHandle.standardError.write(Data("\n".utf8)) } }
    }
}
