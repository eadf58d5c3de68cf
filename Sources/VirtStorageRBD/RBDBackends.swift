import VirtStorage

/// The backends this module adds to a host: rbd when built with the Ceph trait.
public enum RBDBackends {
    public static var all: [any StorageBackend] {
        #if Ceph
            [RBDBackend()]
        #else
            []
        #endif
    }
}
