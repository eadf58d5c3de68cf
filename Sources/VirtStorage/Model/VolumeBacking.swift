/// The backing image of a new copy-on-write volume (a qcow2 overlay): reads
/// of what the overlay has not written come from it.
public enum VolumeBacking: Sendable, Hashable {
    /// A volume of the same pool, by name; its format is the volume's own
    /// unless one is given.
    case volume(String, format: VolumeFormat? = nil)
    /// An image by path: absolute, or relative to the pool's target
    /// directory. No format means the pool type's default (raw for files),
    /// as a `<backingStore>` without `<format>`.
    case path(String, format: VolumeFormat? = nil)
}
