import VirtStorage

/// The backends this module adds to a host: iscsi-direct when built with the
/// ISCSI trait (CHAP passwords come from the host's secret store).
public enum ISCSIDirectBackends {
    public static var all: [any StorageBackend] {
        #if ISCSI
            [ISCSIDirectBackend()]
        #else
            []
        #endif
    }
}
