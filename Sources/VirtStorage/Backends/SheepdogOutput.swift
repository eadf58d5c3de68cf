/// Parsers of the raw (`-r`) output of sheepdog's `dog` tool: fields
/// separated by one space, sizes in bytes, a space or backslash inside a
/// name escaped with a backslash.
enum SheepdogOutput {
    /// `dog node info -r`: one line per node ("ID SIZE USED USE%") and a
    /// "Total SIZE USED ..." line, whose first two numbers are the cluster's
    /// capacity and allocation (libvirt's reading). Older dogs print
    /// "Total SIZE USED USE% VDISIZE", newer ones "Total SIZE USED AVAIL USE%
    /// VDISIZE"; the available space is capacity minus allocation in both.
    static func nodeInfo(_ output: String) throws(StorageError) -> PoolSizes {
        for line in output.split(separator: "\n", omittingEmptySubsequences: true) {
            guard line.hasPrefix("Total ") else { continue }
            let fields = line.dropFirst(6).split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count >= 2, let capacity = UInt64(fields[0]), let allocation = UInt64(fields[1]) else {
                throw StorageError(
                    .internalError, "cannot parse the Total line of 'dog node info -r': '\(line)'", value: String(line))
            }
            return PoolSizes(
                capacity: capacity, allocation: allocation,
                available: capacity >= allocation ? capacity - allocation : 0)
        }
        throw StorageError(
            .internalError,
            "'dog node info -r' printed no Total line: '\(output.split(separator: "\n").joined(separator: " "))'")
    }

    /// One line of `dog vdi list -r`.
    struct VDI: Equatable, Sendable {
        /// `=` a current VDI, `s` a snapshot, `c` a clone (a current VDI made from a snapshot).
        var kind: Character
        var name: String
        var snapshotID: UInt64
        /// The virtual size (the volume's capacity).
        var size: UInt64
        /// The bytes its own objects take (the volume's allocation).
        var used: UInt64

        /// Current VDIs (and clones) are volumes; snapshots are not.
        var isVolume: Bool { kind == "=" || kind == "c" }
    }

    /// Every line of `dog vdi list -r` (or `dog vdi list NAME -r`); the
    /// fields after the used size (shared size, creation time, VDI id,
    /// redundancy, tag) are not read. Empty lines are skipped; a line with
    /// fewer than five fields or a non-number where one is due is an error.
    static func vdiList(_ output: String) throws(StorageError) -> [VDI] {
        var vdis: [VDI] = []
        for line in output.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = splitEscaped(line)
            guard fields.count >= 5, fields[0].count == 1, let kind = fields[0].first,
                let id = UInt64(fields[2]), let size = UInt64(fields[3]), let used = UInt64(fields[4])
            else {
                throw StorageError(
                    .internalError, "cannot parse a line of 'dog vdi list -r': '\(line)'", value: String(line))
            }
            vdis.append(VDI(kind: kind, name: fields[1], snapshotID: id, size: size, used: used))
        }
        return vdis
    }

    /// Splits on spaces that are not escaped, and drops the escaping backslashes.
    static func splitEscaped(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for ch in line {
            if escaped {
                current.append(ch)
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else if ch == " " {
                fields.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        fields.append(current)
        return fields
    }
}
