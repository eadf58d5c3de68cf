#if Gluster
    import CGlusterFS
    import VirtStorage

    /// libgfapi, opened when the first gluster pool connects (see
    /// `NativeLibrary`): a process without gluster pools never maps it.
    public enum GlusterLibrary {
        static let loaded = NativeLibrary.load(
            "libgfapi.so.0", package: "libgfapi0", for: "gluster pools", resolve: vs_gfapi_api_resolve)

        /// Opens the library unless it is open; throws why it cannot be.
        public static func load() throws(StorageError) { _ = try loaded.get() }

        /// Creates and frees a gfapi handle for `volume` without connecting,
        /// which proves the library loads and works. True on success.
        public static func canCreateHandle(volume: String) throws(StorageError) -> Bool {
            try load()
            guard let fs = gfapi.glfs_new(volume) else { return false }
            _ = gfapi.glfs_fini(fs)
            return true
        }
    }

    /// libgfapi's entry points. Every caller holds a glfs handle or was
    /// reached through `GlusterLibrary.load()`, which succeeded first.
    let gfapi = NativeLibrary.table(GlusterLibrary.loaded, of: "libgfapi")
#endif
