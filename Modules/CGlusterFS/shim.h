#ifndef VIRTSTORAGE_CGLUSTERFS_SHIM_H
#define VIRTSTORAGE_CGLUSTERFS_SHIM_H
/* glfs.h defines _GNU_SOURCE and _FILE_OFFSET_BITS before including libc
 * headers; including them here first, in the default configuration, keeps
 * their definitions identical to the other C modules' (no ODR clash).
 * glusterfs-api.pc is unparsable for SwiftPM, hence no pkgConfig. */
#include <sys/types.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/statvfs.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>
#include <glusterfs/api/glfs.h>
#include "../vs_library_table.h"

/* The libgfapi entry points VirtStorage calls, opened from libgfapi.so.0 on first use. */
#define VS_GFAPI_FUNCTIONS(X) \
    X(glfs_close) X(glfs_closedir) X(glfs_creat) X(glfs_discard) X(glfs_fallocate) X(glfs_fchown) X(glfs_fini)          \
    X(glfs_fstat) X(glfs_fsync) X(glfs_ftruncate) X(glfs_init) X(glfs_new) X(glfs_open) X(glfs_opendir)                 \
    X(glfs_pread) X(glfs_pwrite) X(glfs_readdirplus) X(glfs_rmdir) X(glfs_set_logging) X(glfs_set_volfile_server)       \
    X(glfs_set_xlator_option) X(glfs_stat) X(glfs_statvfs) X(glfs_unlink)

VS_LIBRARY_TABLE(vs_gfapi_api, VS_GFAPI_FUNCTIONS)
#endif
