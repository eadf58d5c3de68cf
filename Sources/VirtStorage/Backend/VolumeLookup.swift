/// What a backend found when asked for one volume by name
/// (``StorageBackend/lookupVolume(named:in:)``).
public enum VolumeLookup: Sendable, Equatable {
    /// The volume, as a refresh would report it.
    case found(VolumeDefinition)
    /// The pool has no volume of that name, as a refresh would find.
    case absent
    /// The backend cannot tell without listing the pool.
    case unknown
}
