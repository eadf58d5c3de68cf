import VirtStorageXML

/// The `<sources>` document of storage pool discovery (virsh
/// find-storage-pool-sources), as libvirt's virStoragePoolSourceListFormat
/// writes it: each `<source>` with the pool type's rules.
public enum PoolSourcesXML {
    public static func format(_ sources: [PoolSource], type: PoolType) -> String {
        var w = XMLWriter()
        w.element("sources") { w in
            for source in sources { PoolSourceXML.write(source, rules: PoolTypeRules.of(type), to: &w) }
        }
        return w.text
    }
}
