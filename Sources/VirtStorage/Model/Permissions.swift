/// Ownership and mode of a pool target or a volume (libvirt's <permissions>).
/// A nil field is "not set": libvirt leaves it to the default or the inherited value.
public struct Permissions: Sendable, Equatable, Hashable, Codable {
    /// Mode bits, at most 0o777.
    public var mode: UInt32?
    public var owner: UInt32?
    public var group: UInt32?
    /// Security label (SELinux context).
    public var label: String?

    public init(mode: UInt32? = nil, owner: UInt32? = nil, group: UInt32? = nil, label: String? = nil) {
        self.mode = mode
        self.owner = owner
        self.group = group
        self.label = label
    }

    /// True when no field is set; libvirt then writes no <permissions> element.
    public var isEmpty: Bool { mode == nil && owner == nil && group == nil && label == nil }
}
