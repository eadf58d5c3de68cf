#if Btrfs
    import CBtrfsUtil
    import Foundation
    import VirtStorage

    /// The subvolume calls of btrfs pools, through libbtrfsutil: each loads
    /// the library, and a failure is libbtrfsutil's words and errno.
    enum BtrfsSubvolumes {
        /// What btrfs records of a subvolume: its id, when it was made, ...
        static func info(_ path: String) throws(StorageError) -> btrfs_util_subvolume_info {
            var info = btrfs_util_subvolume_info()
            try call("cannot read subvolume '\(path)'", path) { btrfs.btrfs_util_subvolume_info(path, 0, &info) }
            return info
        }

        /// When a subvolume was made, where the filesystem records it.
        static func creationTime(of info: btrfs_util_subvolume_info) -> Date {
            Date(timeIntervalSince1970: Double(info.otime.tv_sec) + Double(info.otime.tv_nsec) / 1e9)
        }

        /// Whether `path` is a subvolume (false for a plain directory or a file).
        static func isSubvolume(_ path: String) throws(StorageError) -> Bool {
            try BtrfsLibrary.load()
            return btrfs.btrfs_util_is_subvolume(path) == BTRFS_UTIL_OK
        }

        static func create(_ path: String) throws(StorageError) {
            try call("cannot create subvolume '\(path)'", path) { btrfs.btrfs_util_create_subvolume(path, 0, nil, nil) }
        }

        /// A snapshot of the subvolume `source` at `path`: read-only, or a writable copy (a clone).
        static func snapshot(_ source: String, at path: String, readOnly: Bool) throws(StorageError) {
            try call("cannot snapshot subvolume '\(source)' to '\(path)'", path) {
                btrfs.btrfs_util_create_snapshot(source, path, readOnly ? vs_btrfs_snapshot_read_only : 0, nil, nil)
            }
        }

        static func delete(_ path: String) throws(StorageError) {
            try call("cannot delete subvolume '\(path)'", path) { btrfs.btrfs_util_delete_subvolume(path, 0) }
        }

        /// Whether `path` is on a btrfs filesystem (statfs: no library needed).
        static func isOnBtrfs(_ path: String) -> Bool { vs_is_on_btrfs(path) != 0 }

        private static func call(
            _ what: String, _ path: String, _ body: () -> btrfs_util_error
        ) throws(StorageError) {
            try BtrfsLibrary.load()
            let result = body()
            guard result != BTRFS_UTIL_OK else { return }
            // libbtrfsutil leaves errno set by the failing system call.
            let code = errno
            let words = btrfs.btrfs_util_strerror(result).map { String(cString: $0) } ?? "error \(result.rawValue)"
            let reason = code != 0 ? "\(words): \(String(cString: strerror(code)))" : words
            throw StorageError(.systemError, "\(what): \(reason)", errno: code, path: path)
        }
    }
#endif
