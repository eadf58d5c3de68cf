import CFuzzer
import VirtStorage

/// Image headers: the probers (qcow, qcow2, qed, vmdk, vpc, vdi, bochs, cloop,
/// cow, LUKS, ...) read untrusted files on every pool refresh; no header may
/// crash them or make them read outside the bytes they were given.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImageHeader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let header = ImageFormatProbe.probe(header: Array(UnsafeBufferPointer(start: data, count: size)))
    precondition(!header.format.rawValue.isEmpty)
    return 0
}

/// The executable's entry point (SwiftPM's name for main in a debug build): runs libFuzzer.
@_cdecl("FuzzImageHeader_main")
func fuzzImageHeaderMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzImageHeader(data!, size) }
}
