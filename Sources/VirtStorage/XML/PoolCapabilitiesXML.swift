import VirtStorageXML

/// The storage pool capabilities document (virsh pool-capabilities): every
/// pool type, whether this build supports it, and its formats.
public enum PoolCapabilitiesXML {
    public static func format(supported: Set<PoolType>) -> String {
        format(PoolTypeCapabilities.all(supported: supported))
    }

    public static func format(_ types: [PoolTypeCapabilities]) -> String {
        var w = XMLWriter()
        w.element("storagepoolCapabilities") { w in
            for entry in types {
                w.element("pool", [("type", entry.type.rawValue), ("supported", entry.supported ? "yes" : "no")]) {
                    w in
                    if let defaultFormat = entry.defaultSourceFormat {
                        options(&w, "poolOptions", "sourceFormatType", defaultFormat, entry.sourceFormats)
                    }
                    if let defaultFormat = entry.defaultVolumeFormat {
                        options(&w, "volOptions", "targetFormatType", defaultFormat, entry.volumeFormats)
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
    /// Every pool type libvirt knows and what this host offers of it (a registered backend, formats).
    public nonisolated var capabilities: [PoolTypeCapabilities] { capabilities(includingExtensions: false) }

    /// The pool types libvirt knows, then VirtStorage's own types when `includingExtensions`.
    public nonisolated func capabilities(includingExtensions: Bool) -> [PoolTypeCapabilities] {
        PoolTypeCapabilities.all(supported: Set(backends.registeredTypes), includingExtensions: includingExtensions)
    }

    /// Capabilities of this host as libvirt's document: the pool types libvirt
    /// knows, each supported when a backend is registered.
    public nonisolated var capabilitiesXML: String { PoolCapabilitiesXML.format(capabilities) }

    /// The same document with VirtStorage's own pool types after libvirt's
    /// (`virt-storage pool-capabilities --extensions`): no longer libvirt's document.
    public nonisolated func capabilitiesXML(includingExtensions: Bool) -> String {
        PoolCapabilitiesXML.format(capabilities(includingExtensions: includingExtensions))
    }
}
