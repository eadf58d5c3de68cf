#if Btrfs
    import CBtrfsUtil
    import VirtStorage

    /// libbtrfsutil, opened when the first btrfs pool needs it (see
    /// `NativeLibrary`): a process without btrfs pools never maps it.
    public enum BtrfsLibrary {
        static let loaded = NativeLibrary.load(
            "libbtrfsutil.so.1", package: "libbtrfsutil1", for: "btrfs pools", resolve: vs_btrfs_api_resolve)

        /// Opens the library unless it is open; throws why it cannot be.
        public static func load() throws(StorageError) { _ = try loaded.get() }
    }

    /// libbtrfsutil's entry points; every caller goes through `BtrfsSubvolumes`,
    /// which loads the library first.
    let btrfs = NativeLibrary.table(BtrfsLibrary.loaded, of: "libbtrfsutil")
#endif
