import CStorageSys
import Foundation

/// A pool's ``VolumeTable`` saved in the host's state directory, so that the
/// next process's refresh knows what the last one found: one header, then
/// the table's arrays as they are in memory (read back without parsing), and
/// the few definitions kept whole as JSON. The file is replaced whole (a
/// killed writer leaves the last whole one) and carries a checksum of all it
/// holds; a file that fails it, or was written by another build's layout, is
/// not read. It is a cache: a refresh checks every file against it.
enum VolumeTableFile {
    /// "VSVOLTB" and the layout's version.
    private static let magic: UInt64 = 0x0142_544c_4f56_5356
    private static let fields = 12

    private struct Layout {
        var prefix = 0
        var words = 0
        var records = 0
        var strings = 0
        var slots = 0
        var whole = 0
        var total: Int { prefix + words + records + strings + slots + whole }
    }

    /// Saves `table` at `path`, replacing what was there.
    static func write(_ table: VolumeTable, to path: String) throws(StorageError) {
        let prefix = Array(table.pathPrefix.utf8)
        // Each word ends in a NUL: a word may be empty.
        let words = Array(table.words.map { $0 + "\0" }.joined().utf8)
        let whole: [UInt8]
        do {
            whole = table.whole.isEmpty ? [] : Array(try JSONEncoder().encode(Array(table.whole.values)))
        } catch {
            throw StorageError(.internalError, "cannot encode the volume table: \(error)")
        }
        let stride = MemoryLayout<PackedVolume>.stride
        let layout = Layout(
            prefix: prefix.count, words: words.count, records: table.records.count * stride,
            strings: table.strings.count, slots: table.slots.count * 4, whole: whole.count)
        var crc: UInt32 = 0
        prefix.withUnsafeBytes { crc = CRC32C.checksum($0, continuing: crc) }
        words.withUnsafeBytes { crc = CRC32C.checksum($0, continuing: crc) }
        table.records.withUnsafeBytes { crc = CRC32C.checksum($0, continuing: crc) }
        table.strings.withUnsafeBytes { crc = CRC32C.checksum($0, continuing: crc) }
        table.slots.withUnsafeBytes { crc = CRC32C.checksum($0, continuing: crc) }
        whole.withUnsafeBytes { crc = CRC32C.checksum($0, continuing: crc) }
        var header: [UInt64] = [
            magic, UInt64(stride), UInt64(table.records.count), UInt64(table.slots.count),
            UInt64(layout.prefix), UInt64(layout.words), UInt64(layout.strings), UInt64(layout.whole),
            UInt64(bitPattern: table.observedAt ?? 0), table.observedAt == nil ? 0 : 1, UInt64(crc), 0,
        ]
        header[fields - 1] = UInt64(header.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<(fields - 1) * 8])) })
        try PoolFiles.atomicWrite(to: path, sync: false) { (fd, temp) throws(StorageError) in
            var offset: UInt64 = 0
            func put<T>(_ array: [T]) throws(StorageError) {
                let written = array.withUnsafeBytes { bytes -> Result<Int, StorageError> in
                    guard bytes.count > 0 else { return .success(0) }
                    do throws(StorageError) {
                        try FileVolumes.writeAll(fd: fd, bytes, at: offset, path: temp)
                        return .success(bytes.count)
                    } catch {
                        return .failure(error)
                    }
                }
                offset += UInt64(try written.get())
            }
            try put(header)
            try put(prefix)
            try put(words)
            try put(table.records)
            try put(table.strings)
            try put(table.slots)
            try put(whole)
        }
    }

    /// The table saved at `path`; nil where there is none, or none whole.
    static func read(_ path: String) -> VolumeTable? {
        guard let fd = try? SystemCalls.open(path, O_RDONLY, "cannot open '\(path)'") else { return nil }
        defer { SystemCalls.close(fd) }
        guard let st = try? SystemCalls.fstat(fd, path: path, "cannot stat '\(path)'") else { return nil }
        let headerSize = fields * 8
        guard st.st_size >= headerSize,
            let headerBytes = try? SystemCalls.read(fd, count: headerSize, at: 0, path: path, "cannot read '\(path)'"),
            headerBytes.count == headerSize
        else { return nil }
        let header = headerBytes.withUnsafeBytes { raw in (0..<fields).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self) } }
        let headerCRC = headerBytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<(fields - 1) * 8])) }
        let stride = MemoryLayout<PackedVolume>.stride
        guard header[0] == magic, header[1] == UInt64(stride), header[fields - 1] == UInt64(headerCRC),
            header[2] < UInt64(Int32.max), header[3] < UInt64(Int32.max), header[3] & (header[3] &- 1) == 0
        else { return nil }
        let count = Int(header[2])
        let slotCount = Int(header[3])
        let layout = Layout(
            prefix: Int(header[4]), words: Int(header[5]), records: count * stride, strings: Int(header[6]),
            slots: slotCount * 4, whole: Int(header[7]))
        guard layout.total + headerSize == Int(st.st_size) else { return nil }

        var offset = UInt64(headerSize)
        var crc: UInt32 = 0
        var failed = false
        func take<T>(_ n: Int, as: T.Type) -> [T] {
            let bytes = n * MemoryLayout<T>.stride
            guard !failed, bytes > 0 else { return [] }
            let array = [T](unsafeUninitializedCapacity: n) { buffer, done in
                let raw = UnsafeMutableRawPointer(buffer.baseAddress!)
                var got = 0
                while got < bytes {
                    guard let r = try? SystemCalls.pread(fd, raw + got, bytes - got, at: offset + UInt64(got), path: path, "cannot read '\(path)'"), r > 0 else { break }
                    got += r
                }
                if got < bytes {
                    // Zero what was not read, so the array holds values; it is dropped below.
                    memset(raw + got, 0, bytes - got)
                    failed = true
                }
                crc = CRC32C.checksum(UnsafeRawBufferPointer(start: raw, count: bytes), continuing: crc)
                done = n
            }
            offset += UInt64(bytes)
            return array
        }
        let prefix = take(layout.prefix, as: UInt8.self)
        let words = take(layout.words, as: UInt8.self)
        let records = take(count, as: PackedVolume.self)
        let strings = take(layout.strings, as: UInt8.self)
        let slots = take(slotCount, as: Int32.self)
        let whole = take(layout.whole, as: UInt8.self)
        guard !failed, UInt64(crc) == header[10] else { return nil }

        var table = VolumeTable(pathPrefix: String(decoding: prefix, as: UTF8.self))
        table.records = records
        table.strings = strings
        table.slots = slots
        table.words = words.split(separator: 0, omittingEmptySubsequences: false).dropLast().map {
            String(decoding: $0, as: UTF8.self)
        }
        table.indexWords()
        if !whole.isEmpty {
            guard let volumes = try? JSONDecoder().decode([VolumeDefinition].self, from: Data(whole)) else { return nil }
            for volume in volumes { table.whole[volume.name] = volume }
        }
        table.observedAt = header[9] == 1 ? Int64(bitPattern: header[8]) : nil
        table.isModified = false
        guard table.isConsistent else { return nil }
        return table
    }
}
