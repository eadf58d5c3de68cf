/// A volume's format as volume XML spells it (`<format type='qcow2'/>`): an
/// image format in file pools, a partition type in disk pools.
///
/// The set is open, as libvirt's is per pool type: the constants name the
/// common ones, and a string literal makes any other
/// (`VolumeTarget(format: "vmdk")`). Which formats a pool type accepts is
/// in its rules (``PoolTypeRules/volumeFormats``); creating a volume in a
/// format its pool refuses fails with libvirt's message. It encodes as the
/// bare string.
public struct VolumeFormat: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { self.rawValue = name }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

    /// Plain bytes: what every pool with data can hold.
    public static let raw: VolumeFormat = "raw"
    /// QEMU's copy-on-write image: snapshots, backing files, encryption.
    public static let qcow2: VolumeFormat = "qcow2"
    public static let qed: VolumeFormat = "qed"
    public static let vmdk: VolumeFormat = "vmdk"
    public static let vdi: VolumeFormat = "vdi"
    public static let vpc: VolumeFormat = "vpc"
    public static let iso: VolumeFormat = "iso"
    /// A directory (dir and fs pools report subdirectories as such volumes).
    public static let dir: VolumeFormat = "dir"
    /// libvirt's "no format" (disk pools' partitions without a type, file
    /// formats' first entry).
    public static let none: VolumeFormat = "none"
}
