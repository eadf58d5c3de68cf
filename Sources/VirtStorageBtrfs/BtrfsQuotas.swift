#if Btrfs
    import CBtrfsUtil
    import Foundation
    import VirtStorage

    /// The quota groups of a btrfs filesystem (`btrfs quota enable`), read
    /// from its quota tree: each subvolume's level-0 qgroup counts the bytes
    /// on disk it refers to (compressed extents at their compressed size, its
    /// own metadata included) and those it alone holds, as of the last
    /// committed transaction. Without quotas, while they are rescanned, or
    /// when btrfs marks them inconsistent, there are no numbers.
    enum BtrfsQuotas {
        struct Usage: Equatable {
            var referenced: UInt64
            var exclusive: UInt64
        }

        /// Whether the filesystem of the open descriptor has whole quota numbers.
        static func areConsistent(on fd: Int32) -> Bool { vs_btrfs_quotas_consistent(fd) == 1 }

        /// The usage of the subvolume at `path`, read through `fd` (any open
        /// directory of the filesystem); nil where there is none to read.
        static func usage(of path: String, on fd: Int32) -> Usage? {
            guard let info = try? BtrfsSubvolumes.info(path) else { return nil }
            return usage(ofSubvolume: info.id, on: fd)
        }

        /// The usage of the subvolume whose id is `id`.
        static func usage(ofSubvolume id: UInt64, on fd: Int32) -> Usage? {
            var usage = Usage(referenced: 0, exclusive: 0)
            guard vs_btrfs_qgroup_usage(fd, id, &usage.referenced, &usage.exclusive) == 0 else { return nil }
            return usage
        }

        /// Runs `body` with a descriptor of `directory` when its filesystem
        /// has whole quota numbers; nil otherwise.
        static func whenConsistent<T>(_ directory: String, _ body: (Int32) -> T) -> T? {
            guard let fd = try? SystemCalls.open(directory, O_RDONLY | O_DIRECTORY, "cannot open '\(directory)'")
            else { return nil }
            defer { SystemCalls.close(fd) }
            return areConsistent(on: fd) ? body(fd) : nil
        }
    }
#endif
