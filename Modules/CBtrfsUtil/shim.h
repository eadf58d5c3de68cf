#ifndef VIRTSTORAGE_CBTRFSUTIL_SHIM_H
#define VIRTSTORAGE_CBTRFSUTIL_SHIM_H
#include <btrfsutil.h>
#include <sys/vfs.h>
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
#endif
