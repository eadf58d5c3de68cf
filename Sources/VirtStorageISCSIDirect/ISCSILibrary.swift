#if ISCSI
    import CISCSI
    import VirtStorage

    /// libiscsi, opened when the first iscsi-direct pool or source discovery
    /// needs it (see `NativeLibrary`): a process without them never maps it.
    public enum ISCSILibrary {
        static let loaded = NativeLibrary.load(
            "libiscsi.so.7", package: "libiscsi7", for: "iscsi-direct pools", resolve: vs_iscsi_api_resolve)

        /// Opens the library unless it is open; throws why it cannot be.
        public static func load() throws(StorageError) { _ = try loaded.get() }

        /// The API version libiscsi's headers declare (LIBISCSI_API_VERSION).
        public static var apiVersion: Int { Int(LIBISCSI_API_VERSION) }

        /// Creates and destroys a libiscsi context for `initiator`; true on success.
        public static func canCreateContext(initiator: String) throws(StorageError) -> Bool {
            try load()
            guard let context = libiscsi.iscsi_create_context(initiator) else { return false }
            _ = libiscsi.iscsi_destroy_context(context)
            return true
        }
    }

    /// libiscsi's entry points. Every caller holds an iSCSI context or was
    /// reached through `ISCSILibrary.load()`, which succeeded first.
    let libiscsi = NativeLibrary.table(ISCSILibrary.loaded, of: "libiscsi")
#endif
