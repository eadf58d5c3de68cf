#if Ceph
    import CRados
    import VirtStorage

    /// librados and librbd, opened when the first rbd pool connects (see
    /// `NativeLibrary`): a process without rbd pools never maps them.
    public enum RBDLibrary {
        static let loaded = NativeLibrary.load(
            "librbd.so.1", package: "librbd1", for: "rbd pools", resolve: vs_ceph_api_resolve)

        /// Opens the libraries unless they are open; throws why they cannot be.
        public static func load() throws(StorageError) { _ = try loaded.get() }

        public static var radosVersion: String {
            get throws(StorageError) {
                try load()
                return version(ceph.rados_version)
            }
        }
        public static var rbdVersion: String {
            get throws(StorageError) {
                try load()
                return version(ceph.rbd_version)
            }
        }

        private static func version(
            _ query: (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?) -> Void
        ) -> String {
            var major: Int32 = 0
            var minor: Int32 = 0
            var extra: Int32 = 0
            query(&major, &minor, &extra)
            return "\(major).\(minor).\(extra)"
        }
    }

    /// librados' and librbd's entry points. Every caller holds a cluster handle
    /// or was reached through `RBDLibrary.load()`, which succeeded first.
    let ceph = NativeLibrary.table(RBDLibrary.loaded, of: "librbd")
#endif
