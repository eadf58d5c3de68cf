import CLibXML2

/// One-time global set-up of libxml2. Its parser and RelaxNG type library
/// initialise lazily and are not safe to initialise from two threads at once.
public enum LibXML2 {
    private static let once: Void = {
        xmlInitParser()
        _ = xmlRelaxNGInitTypes()
    }()

    static func initialize() { once }

    /// The libxml2 version linked at run time, e.g. "20914".
    public static var version: String {
        initialize()
        return __xmlParserVersion().pointee.map { String(cString: $0) } ?? "unknown"
    }
}
