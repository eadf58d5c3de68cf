import Foundation
import VirtStorageTestSupport

/// Pool and volume XML documents for the differential test, drawn from a
/// seed: mostly what an administrator writes, now and then a value libvirt
/// refuses, an element left out, an unknown one, or a document cut short.
/// `@D` stands for the side's directory, as in the scenarios' arguments.
enum GeneratedDocuments {
    /// A dir pool named `name` (or, now and then, not quite).
    static func pool(_ g: inout SplitMix, name: String) -> String {
        var lines: [String] = []
        lines.append(g.chance(90) ? "<pool type='\(g.chance(90) ? "dir" : g.pick(["bogus", "DIR", ""]))'>" : "<pool>")
        if g.chance(92) { lines.append("  <name>\(g.chance(85) ? name : g.pick(["", "a/b", " \(name)"]))</name>") }
        if g.chance(30) { lines.append("  <uuid>\(g.chance(70) ? uuid(&g) : g.pick(["not-a-uuid", "1234", ""]))</uuid>") }
        if g.chance(15) { lines.append("  <capacity unit='\(g.pick(["bytes", "XB", "G"]))'>\(g.pick(["0", "10", "x"]))</capacity>") }
        if g.chance(10) { lines.append("  <source>\n    <host name='h'/>\n  </source>") }
        if g.chance(92) {
            lines.append("  <target>")
            if g.chance(92) { lines.append("    <path>\(g.chance(85) ? "@D/pool" : g.pick(["rel", "", "@D/pool/"]))</path>") }
            if g.chance(30) { lines.append(permissions(&g, indent: "    ")) }
            lines.append("  </target>")
        }
        if g.chance(5) { lines.append("  <frobnicate/>") }
        lines.append("</pool>")
        return finished(&g, lines)
    }

    /// A volume named `name` (or, now and then, not quite); `backing` names
    /// another volume of the pool that may serve as its backing store.
    static func volume(_ g: inout SplitMix, name: String, backing: String) -> String {
        var lines: [String] = []
        lines.append(g.chance(75) ? "<volume>" : "<volume type='\(g.pick(["file", "block", "bogus", "dir"]))'>")
        if g.chance(92) { lines.append("  <name>\(g.chance(90) ? name : g.pick(["x/y", "", "."]))</name>") }
        if g.chance(90) {
            let unit = g.chance(50) ? "" : " unit='\(g.pick(["bytes", "M", "KiB", "G", "XB", ""]))'"
            let value = g.pick(["1048576", "1", "65537", "0", "-1", "abc", "18446744073709551615", "1.5", ""])
            lines.append("  <capacity\(unit)>\(value)</capacity>")
        }
        if g.chance(25) {
            let unit = g.chance(50) ? "" : " unit='\(g.pick(["bytes", "K", "M", "QB"]))'"
            lines.append("  <allocation\(unit)>\(g.pick(["0", "4096", "1", "x", "2"]))</allocation>")
        }
        if g.chance(80) {
            lines.append("  <target>")
            if g.chance(10) { lines.append("    <path>/elsewhere/\(name)</path>") }
            if g.chance(80) { lines.append("    <format type='\(g.pick(["raw", "qcow2", "qcow2", "vmdk", "bogus", ""]))'/>") }
            if g.chance(25) { lines.append(permissions(&g, indent: "    ")) }
            if g.chance(15) { lines.append("    <compat>\(g.pick(["1.1", "0.10", "2", "x"]))</compat>") }
            if g.chance(10) { lines.append("    <features>\n      <lazy_refcounts/>\n    </features>") }
            lines.append("  </target>")
        }
        if g.chance(15) {
            lines.append("  <backingStore>")
            if g.chance(90) { lines.append("    <path>\(g.chance(80) ? "@D/pool/\(backing)" : "@D/missing")</path>") }
            if g.chance(70) { lines.append("    <format type='\(g.pick(["raw", "qcow2", "bogus"]))'/>") }
            lines.append("  </backingStore>")
        }
        if g.chance(5) { lines.append("  <frobnicate/>") }
        lines.append("</volume>")
        return finished(&g, lines)
    }

    /// A `<permissions>` element with values right and wrong.
    static func permissions(_ g: inout SplitMix, indent: String) -> String {
        var lines = ["\(indent)<permissions>"]
        if g.chance(80) { lines.append("\(indent)  <mode>\(g.pick(["0755", "0700", "644", "abc", "0999", "77777"]))</mode>") }
        if g.chance(50) { lines.append("\(indent)  <owner>\(g.pick(["0", "107", "-1", "x", "4294967296"]))</owner>") }
        if g.chance(50) { lines.append("\(indent)  <group>\(g.pick(["0", "107", "-1", "y"]))</group>") }
        lines.append("\(indent)</permissions>")
        return lines.joined(separator: "\n")
    }

    /// A UUID from the seed, so that a replayed scenario defines the same one.
    static func uuid(_ g: inout SplitMix) -> String {
        let hex = String(format: "%016llx%016llx", g.next(), g.next())
        let c = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(c[$0]) }.joined(separator: "-")
    }

    /// The document, now and then cut short (libxml2's own message then).
    static func finished(_ g: inout SplitMix, _ lines: [String]) -> String {
        let text = lines.joined(separator: "\n") + "\n"
        guard g.chance(4) else { return text }
        return String(text.prefix(Int(g.next() % UInt64(text.count))))
    }
}
