import VirtStorage

/// The backends this module adds to a host: iscsi-direct when built with the
/// ISCSI trait.
public enum ISCSIDirectBackends {
    /// Without a secret store: pools with CHAP <auth> fail with a clear error.
    public static var all: [any StorageBackend] { all(secrets: nil) }

    /// With the host's secret store, where CHAP passwords are looked up.
    public static func all(secrets: (any SecretStore)?) -> [any StorageBackend] {
        #if ISCSI
            [ISCSIDirectBackend(secrets: secrets)]
        #else
            []
        #endif
    }
}
