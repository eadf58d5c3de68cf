#if ISCSI
    import CISCSI

    /// The libiscsi linked into this process.
    public enum ISCSILibrary {
        /// The API version libiscsi's headers declare (LIBISCSI_API_VERSION).
        public static var apiVersion: Int { Int(LIBISCSI_API_VERSION) }

        /// Creates and destroys a libiscsi context for `initiator`; true on success.
        public static func canCreateContext(initiator: String) -> Bool {
            guard let context = iscsi_create_context(initiator) else { return false }
            iscsi_destroy_context(context)
            return true
        }
    }
#endif
