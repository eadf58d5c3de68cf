/// The order virsh lists pools and volumes in: names compared as C's
/// strcasecmp does (ASCII letters without their case, other bytes as they
/// are), and names that differ only in case by their bytes ("B" before "b").
enum VirshNameOrder {
    static func precedes(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { x in b.withUTF8 { y in precedes(x, y) } }
    }

    static func precedes(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        var firstByteDifference = 0
        for i in 0..<min(x.count, y.count) {
            let c = x[i]
            let d = y[i]
            if c == d { continue }
            let (lc, ld) = (lowercased(c), lowercased(d))
            if lc != ld { return lc < ld }
            if firstByteDifference == 0 { firstByteDifference = c < d ? -1 : 1 }
        }
        if x.count != y.count { return x.count < y.count }
        return firstByteDifference < 0
    }

    private static func lowercased(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
}
