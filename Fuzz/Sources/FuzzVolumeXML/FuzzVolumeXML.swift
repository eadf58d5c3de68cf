import CFuzzer
import VirtStorage

/// Volume XML: the first byte picks the pool type (the rules differ by type),
/// the rest is the document. Parsing never crashes, and what parses formats to
/// XML that parses again to the same XML.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVolumeXML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let type = PoolType.allCases[Int(data[0]) % PoolType.allCases.count]
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    guard let volume = try? VolumeXML.parse(text, poolType: type) else { return 0 }
    let formatted = VolumeXML.format(volume, poolType: type)
    do {
        let again = VolumeXML.format(try VolumeXML.parse(formatted, poolType: type), poolType: type)
        precondition(again == formatted, "\(type) volume XML is not a fixed point:\n\(formatted)\n---\n\(again)")
    } catch {
        preconditionFailure("formatted \(type) volume XML does not parse: \(error)\n\(formatted)")
    }
    return 0
}

/// The executable's entry point (SwiftPM's name for main in a debug build): runs libFuzzer.
@_cdecl("FuzzVolumeXML_main")
func fuzzVolumeXMLMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzVolumeXML(data!, size) }
}
