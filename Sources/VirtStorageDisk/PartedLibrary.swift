#if Parted
    import CParted
    import VirtStorage

    /// libparted, opened when the first disk pool needs it (see
    /// `NativeLibrary`): a process without disk pools never maps it.
    public enum PartedLibrary {
        static let loaded = NativeLibrary.load(
            "libparted.so.2", package: "libparted2", for: "disk pools", resolve: vs_parted_api_resolve)

        /// Opens the library unless it is open; throws why it cannot be.
        public static func load() throws(StorageError) { _ = try loaded.get() }

        public static var version: String {
            get throws(StorageError) {
                try load()
                return parted.ped_get_version().map { String(cString: $0) } ?? "unknown"
            }
        }
    }

    /// libparted's entry points, called only on `PartedThread`, which loads
    /// the library before its first job.
    let parted = NativeLibrary.table(PartedLibrary.loaded, of: "libparted")
#endif
