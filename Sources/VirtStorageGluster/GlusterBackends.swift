import VirtStorage

/// The backends this module adds to a host: gluster when built with the Gluster trait.
public enum GlusterBackends {
    public static var all: [any StorageBackend] {
        #if Gluster
            [GlusterBackend()]
        #else
            []
        #endif
    }
}
