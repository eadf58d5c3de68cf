import VirtStorageXML

/// The documents of storage pool discovery (virsh find-storage-pool-sources):
/// a `<source>` that says where to look, and the `<sources>` list found there.
public enum PoolSourceListXML {
    /// Reads the `<source>` search specification of a pool type.
    public static func parseSpec(_ text: String, type: PoolType) throws(StorageError) -> PoolSource {
        let root = try XMLReading.root(of: text, documentName: "(storage_source_specification)")
        guard root.name == "source" else {
            throw StorageError.xml(
                "expecting root element of 'source', not '\(root.name)'", element: root.name, line: root.line)
        }
        return try PoolSourceXML.read(root, rules: PoolTypeRules.of(type))
    }

    /// Writes the sources found, each with its pool type's rules, as libvirt does.
    public static func format(_ sources: [PoolSource], type: PoolType) -> String {
        var w = XMLWriter()
        w.element("sources") { w in
            for source in sources { PoolSourceXML.write(source, rules: PoolTypeRules.of(type), to: &w) }
        }
        return w.text
    }
}
