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
#endif
