#ifndef VIRTSTORAGE_CBTRFSUTIL_SHIM_H
#define VIRTSTORAGE_CBTRFSUTIL_SHIM_H
#include <btrfsutil.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "../vs_library_table.h"

/* The libbtrfsutil entry points VirtStorageBtrfs calls, opened from
 * libbtrfsutil.so.1 on first use. */
#define VS_BTRFS_FUNCTIONS(X)                                                                                          \
    X(btrfs_util_strerror) X(btrfs_util_is_subvolume) X(btrfs_util_subvolume_info) X(btrfs_util_create_subvolume)      \
    X(btrfs_util_create_snapshot) X(btrfs_util_delete_subvolume) X(btrfs_util_get_subvolume_read_only)

VS_LIBRARY_TABLE(vs_btrfs_api, VS_BTRFS_FUNCTIONS)

/* BTRFS_UTIL_CREATE_SNAPSHOT_READ_ONLY, a macro Swift cannot see. */
static const int vs_btrfs_snapshot_read_only = BTRFS_UTIL_CREATE_SNAPSHOT_READ_ONLY;

/* Whether path is on a btrfs filesystem (statfs, which Swift's Glibc lacks). */
static inline int vs_is_on_btrfs(const char *_Nonnull path) {
    struct statfs fs;
    return statfs(path, &fs) == 0 && fs.f_type == 0x9123683E;
}

/* One item of the quota tree (objectid 0, `type`, `offset`) of the filesystem
 * of the open descriptor `fd`, copied into `out` (at most `size` bytes):
 * 0, or -1 with errno (ENOENT: no such item, or quotas never enabled;
 * EPERM: the tree search needs CAP_SYS_ADMIN). libbtrfsutil has no qgroup reads. */
static inline int vs_btrfs_quota_item(int fd, uint8_t type, uint64_t offset, void *_Nonnull out, size_t size) {
    struct btrfs_ioctl_search_args args;
    memset(&args, 0, sizeof(args));
    args.key.tree_id = BTRFS_QUOTA_TREE_OBJECTID;
    args.key.min_type = args.key.max_type = type;
    args.key.min_offset = args.key.max_offset = offset;
    args.key.max_transid = UINT64_MAX;
    args.key.nr_items = 1;
    if (ioctl(fd, BTRFS_IOC_TREE_SEARCH, &args) < 0) return -1;
    if (args.key.nr_items == 0) {
        errno = ENOENT;
        return -1;
    }
    struct btrfs_ioctl_search_header header;
    memcpy(&header, args.buf, sizeof(header));
    if (header.type != type || header.offset != offset || header.len < size) {
        errno = ENOENT;
        return -1;
    }
    memcpy(out, args.buf + sizeof(header), size);
    return 0;
}

/* Whether quotas are on and their numbers whole (not being rescanned, not
 * inconsistent): 1, 0, or -1 with errno. */
static inline int vs_btrfs_quotas_consistent(int fd) {
    struct btrfs_qgroup_status_item status;
    if (vs_btrfs_quota_item(fd, BTRFS_QGROUP_STATUS_KEY, 0, &status, sizeof(status)) < 0)
        return errno == ENOENT ? 0 : -1;
    uint64_t flags = le64toh(status.flags);
    return (flags & BTRFS_QGROUP_STATUS_FLAG_ON) && !(flags & BTRFS_QGROUP_STATUS_FLAG_RESCAN)
        && !(flags & BTRFS_QGROUP_STATUS_FLAG_INCONSISTENT);
}

/* The bytes the level-0 qgroup of subvolume `id` refers to and holds alone,
 * as of the last committed transaction: 0, or -1 with errno. */
static inline int vs_btrfs_qgroup_usage(int fd, uint64_t id, uint64_t *_Nonnull referenced, uint64_t *_Nonnull exclusive) {
    struct btrfs_qgroup_info_item info;
    if (vs_btrfs_quota_item(fd, BTRFS_QGROUP_INFO_KEY, id, &info, sizeof(info)) < 0) return -1;
    *referenced = le64toh(info.rfer);
    *exclusive = le64toh(info.excl);
    return 0;
}
#endif
