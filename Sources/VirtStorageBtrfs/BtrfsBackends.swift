import VirtStorage

/// The backends this module adds to a host: btrfs when built with the Btrfs trait.
public enum BtrfsBackends {
    public static var all: [any StorageBackend] {
        #if Btrfs
            [BtrfsBackend()]
        #else
            []
        #endif
    }
}
