/// What one pool type offers in this build, as the capabilities document
/// (virsh pool-capabilities) and its JSON both report it: one description,
/// read from the pool type's rules, for both.
public struct PoolTypeCapabilities: Sendable, Equatable {
    public var type: PoolType
    /// Whether a backend for the type is registered.
    public var supported: Bool
    /// nil when the type has no source formats.
    public var defaultSourceFormat: String?
    /// Source formats libvirt 9.0 lists, in its order.
    public var sourceFormats: [String]
    /// Source formats VirtStorage accepts beyond libvirt's (extensions): the
    /// XML document leaves them out so that it stays libvirt's.
    public var extensionSourceFormats: [String]
    /// nil when the type's volumes have no format.
    public var defaultVolumeFormat: String?
    /// Volume formats as the document lists them (empty without a default).
    public var volumeFormats: [String]

    public init(_ type: PoolType, supported: Bool) {
        let rules = PoolTypeRules.of(type)
        self.type = type
        self.supported = supported
        defaultSourceFormat = rules.sourceFormats.isEmpty ? nil : rules.defaultSourceFormat
        sourceFormats = rules.sourceFormats.filter { !PoolTypeRules.extensionSourceFormats.contains($0) }
        extensionSourceFormats = rules.sourceFormats.filter { PoolTypeRules.extensionSourceFormats.contains($0) }
        defaultVolumeFormat = rules.defaultVolumeFormat
        volumeFormats = rules.defaultVolumeFormat == nil ? [] : rules.capabilityVolumeFormats
    }

    /// Whether the type is VirtStorage's own (``PoolTypeRules/Origin/virtStorage``).
    public var isExtension: Bool { PoolTypeRules.of(type).origin == .virtStorage }

    /// Every pool type libvirt knows, in libvirt's order; then, when asked,
    /// VirtStorage's own types (which libvirt's document never lists).
    public static func all(supported: Set<PoolType>, includingExtensions: Bool = false) -> [PoolTypeCapabilities] {
        (includingExtensions ? PoolType.allCases : PoolType.libvirtTypes).map {
            PoolTypeCapabilities($0, supported: supported.contains($0))
        }
    }
}
