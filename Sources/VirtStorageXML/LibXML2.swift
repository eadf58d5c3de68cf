import CLibXML2

/// One-time global set-up of libxml2. Its parser, its XML Schema datatypes
/// and its RelaxNG type library initialise lazily and are not safe to
/// initialise from two threads at once. The datatypes are set up on first
/// use by the RelaxNG compiler: two schemas compiled at once could each
/// start it, and one then failed with "type 'positiveInteger' is not
/// exported by type library".
public enum LibXML2 {
    private static let once: Void = {
        xmlInitParser()
        xmlSchemaInitTypes()
        _ = xmlRelaxNGInitTypes()
    }()

    static func initialize() { once }

    /// The libxml2 version linked at run time, e.g. "20914".
    public static var version: String {
        initialize()
        return __xmlParserVersion().pointee.map { String(cString: $0) } ?? "unknown"
    }
}
