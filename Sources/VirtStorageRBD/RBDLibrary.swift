#if Ceph
    import CRados

    /// The librados and librbd linked into this process.
    public enum RBDLibrary {
        public static var radosVersion: String { version(rados_version) }
        public static var rbdVersion: String { version(rbd_version) }

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
#endif
