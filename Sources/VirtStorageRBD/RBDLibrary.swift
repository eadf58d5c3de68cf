#if Ceph
    import CRados

    /// The librados and librbd linked into this process.
    public enum RBDLibrary {
        public static var radosVersion: String {
            var major: Int32 = 0
            var minor: Int32 = 0
            var extra: Int32 = 0
            rados_version(&major, &minor, &extra)
            return "\(major).\(minor).\(extra)"
        }

        public static var rbdVersion: String {
            var major: Int32 = 0
            var minor: Int32 = 0
            var extra: Int32 = 0
            rbd_version(&major, &minor, &extra)
            return "\(major).\(minor).\(extra)"
        }
    }
#endif
