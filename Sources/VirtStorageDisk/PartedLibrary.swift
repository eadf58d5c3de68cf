#if Parted
    import CParted

    /// The libparted linked into this process.
    public enum PartedLibrary {
        public static var version: String {
            ped_get_version().map { String(cString: $0) } ?? "unknown"
        }
    }
#endif
