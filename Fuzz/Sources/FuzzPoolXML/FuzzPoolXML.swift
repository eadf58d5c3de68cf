import CFuzzer
import VirtStorage

/// Pool XML: parsing never crashes, and what parses formats to XML that parses
/// again to the same XML (libvirt's format is a fixed point).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPoolXML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let pool = try? PoolXML.parse(text) else { return 0 }
    let formatted = PoolXML.format(pool)
    do {
        let again = PoolXML.format(try PoolXML.parse(formatted))
        precondition(again == formatted, "pool XML is not a fixed point:\n\(formatted)\n---\n\(again)")
    } catch {
        preconditionFailure("formatted pool XML does not parse: \(error)\n\(formatted)")
    }
    return 0
}

/// The executable's entry point (SwiftPM's name for main in a debug build): runs libFuzzer.
@_cdecl("FuzzPoolXML_main")
func fuzzPoolXMLMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzPoolXML(data!, size) }
}
