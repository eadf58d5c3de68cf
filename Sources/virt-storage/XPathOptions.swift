import ArgumentParser
import VirtStorage
import VirtStorageXML

/// --xpath and --wrap of the *-dumpxml verbs: print only the nodes an XPath
/// expression selects, one a line, or all of them inside `<nodes>`.
struct XPathOptions: ParsableArguments {
    @Option(name: .customLong("xpath"), help: "xpath expression to filter the XML document") var xpath: String?
    @Flag(name: .customLong("wrap"), help: "wrap xpath results in an common root element") var wrap = false

    func render(_ xml: String) throws(StorageError) -> String {
        guard let xpath else { return xml }
        do {
            return try XPathQuery.select(xpath, in: xml, wrap: wrap).map { $0 + "\n" }.joined()
        } catch {
            throw StorageError(.xmlError, error.message)
        }
    }
}
