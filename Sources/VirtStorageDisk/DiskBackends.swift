import VirtStorage

/// The backends this module adds to a host: disk when built with the Parted trait.
public enum DiskBackends {
    public static var all: [any StorageBackend] {
        #if Parted
            [DiskBackend()]
        #else
            []
        #endif
    }
}
