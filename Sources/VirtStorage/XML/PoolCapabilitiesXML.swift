import VirtStorageXML

/// The storage pool capabilities document (virsh pool-capabilities): every
/// pool type, whether this build supports it, and its formats.
public enum PoolCapabilitiesXML {
    public static func format(supported: Set<PoolType>) -> String {
        var w = XMLWriter()
        w.element("storagepoolCapabilities") { w in
            for type in PoolType.allCases {
                let rules = PoolTypeRules.of(type)
                w.element("pool", [("type", type.rawValue), ("supported", supported.contains(type) ? "yes" : "no")]) {
                    w in
                    if let defaultFormat = rules.defaultSourceFormat, !rules.sourceFormats.isEmpty {
                        options(
                            &w, "poolOptions", "sourceFormatType", defaultFormat,
                            rules.sourceFormats.filter { !PoolTypeRules.extensionSourceFormats.contains($0) })
                    }
                    if let defaultFormat = rules.defaultVolumeFormat {
                        options(&w, "volOptions", "targetFormatType", defaultFormat, rules.capabilityVolumeFormats)
                    }
                }
            }
        }
        return w.text
    }

    private static func options(
        _ w: inout XMLWriter, _ element: String, _ enumName: String, _ defaultFormat: String, _ values: [String]
    ) {
        w.element(element) { w in
            w.empty("defaultFormat", [("type", defaultFormat)])
            w.element("enum", [("name", enumName)]) { w in
                for value in values { w.text("value", value) }
            }
        }
    }
}

extension StorageHost {
    /// Capabilities of this host: the pool types with a registered backend.
    public nonisolated var capabilitiesXML: String {
        PoolCapabilitiesXML.format(supported: Set(backends.registeredTypes))
    }
}
