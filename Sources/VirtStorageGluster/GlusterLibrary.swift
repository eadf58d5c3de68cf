#if Gluster
    import CGlusterFS

    /// The libgfapi linked into this process.
    public enum GlusterLibrary {
        /// Creates and frees a gfapi handle for `volume` without connecting,
        /// which proves the library loads and links. True on success.
        public static func canCreateHandle(volume: String) -> Bool {
            guard let fs = glfs_new(volume) else { return false }
            glfs_fini(fs)
            return true
        }
    }
#endif
