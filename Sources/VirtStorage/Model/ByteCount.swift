/// Sizes with libvirt's units: b, byte, bytes; K/KiB..E/EiB as powers of 1024;
/// KB..EB as powers of 1000; any letter case.
public enum ByteCount {
    /// `bytes` in KiB, rounded up, as libvirt hands sizes to qemu-img, lvcreate and zfs.
    public static func kibibytesRoundedUp(_ bytes: UInt64) -> UInt64 { bytes / 1024 + (bytes % 1024 == 0 ? 0 : 1) }

    /// The multiplier of `unit`; nil unit or "" means `defaultScale`.
    public static func multiplier(of unit: String?, defaultScale: UInt64 = 1) throws(StorageError) -> UInt64 {
        guard let unit, !unit.isEmpty else { return defaultScale }
        let lower = unit.lowercased()
        if lower == "b" || lower == "byte" || lower == "bytes" { return 1 }
        let chars = Array(lower)
        let base: UInt64
        if chars.count == 1 || String(chars.dropFirst()) == "ib" {
            base = 1024
        } else if chars.count == 2 && chars[1] == "b" {
            base = 1000
        } else {
            throw unknownUnit(unit)
        }
        let exponent: Int
        switch chars[0] {
        case "k": exponent = 1
        case "m": exponent = 2
        case "g": exponent = 3
        case "t": exponent = 4
        case "p": exponent = 5
        case "e": exponent = 6
        default: throw unknownUnit(unit)
        }
        var scale: UInt64 = 1
        for _ in 0..<exponent { scale *= base }
        return scale
    }

    /// Parses `value` (decimal digits) scaled by `unit`, refusing results above `limit`.
    /// `element` names the XML element; `malformed` is libvirt's message for a
    /// value that is not a number (virStorageSize's, for capacity and allocation).
    public static func parse(
        _ value: String, unit: String?, element: String, limit: UInt64 = UInt64(Int64.max),
        malformed: String = "malformed capacity element"
    ) throws(StorageError) -> UInt64 {
        guard let number = CNumber.parseUnsigned(value) else {
            throw StorageError(
                .xmlError, malformed, element: element, value: value,
                hint: "<\(element)> '\(value)' is not a non-negative decimal number of units")
        }
        let scale = try multiplier(of: unit)
        if number != 0 && number > limit / scale {
            // virScaleInteger's words: the number as read, and the unit.
            throw StorageError(
                .overflow, "value too large: \(number)\(unit ?? "")", element: element, value: value + (unit ?? ""),
                hint: "<\(element)> is at most \(limit) bytes")
        }
        return number * scale
    }

    static func unknownUnit(_ unit: String) -> StorageError {
        StorageError(
            .invalidArgument, "unknown suffix '\(unit)'", element: "unit", value: unit,
            hint: "use b, bytes, KB, MB, GB, TB, PB, EB (powers of 1000) or K, KiB, M, MiB, G, GiB, T, TiB, P, PiB, E, EiB (powers of 1024)")
    }
}
