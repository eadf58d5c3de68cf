#ifndef VIRTSTORAGE_STORAGE_SYS_H
#define VIRTSTORAGE_STORAGE_SYS_H
#include <stdint.h>
#include <sys/types.h>
#include <spawn.h>
#include "crc32c.h"

/* Linux calls that glibc declares only under _GNU_SOURCE, which Swift's
 * Glibc module does not define. Each returns -1 with errno set on failure. */
int vs_fallocate(int fd, int mode, int64_t offset, int64_t length);
int vs_punch_hole(int fd, int64_t offset, int64_t length);
int64_t vs_seek_data(int fd, int64_t offset);
int64_t vs_seek_hole(int fd, int64_t offset);
/* Shares the extents of src with dst (reflink); xfs and btrfs. */
int vs_ficlone(int dst, int src);
/* Size of a block device in bytes. */
int vs_block_device_size(int fd, uint64_t *size);
/* Sets or clears the no-copy-on-write attribute (btrfs), like chattr +C/-C. */
int vs_set_nocow(int fd, int nocow);
/* Copies length bytes between files inside the kernel; returns bytes copied or -1. */
int64_t vs_send_file(int in, int64_t in_offset, int out, int64_t out_offset, int64_t length);
int64_t vs_copy_file_range(int in, int64_t in_offset, int out, int64_t out_offset, int64_t length);
/* Whether another open file description holds a lock on the bytes QEMU locks
 * in an image it has open (100 to 299: the permissions it holds and those it
 * does not share), as a VM or qemu-img does: 1, 0, or -1 with errno. */
int vs_qemu_image_in_use(int fd);
/* Returns free heap memory to the system (glibc malloc_trim). */
int vs_malloc_trim(void);
/// pipe2(O_CLOEXEC): no other child inherits the pipe between creation and spawn.
int vs_pipe_cloexec(int fds[2]);
/// Closes every descriptor from `fd` up in the spawned child, as libvirt does:
/// a daemon a tool leaves behind (mount.glusterfs) must not hold our files open.
int vs_spawn_close_from(posix_spawn_file_actions_t *actions, int fd);
/* The device, inode and size of the file at path (statx asking for nothing
 * more). A stat that asks for the times makes the kernel (6.13 and later,
 * multigrain timestamps) give the file's next change a fine-grained time,
 * which costs an inode update on every write after it. */
int vs_identity(const char *path, uint64_t *device, uint64_t *inode, int64_t *size);
/* Discards a byte range of a block device. */
int vs_block_discard(int fd, uint64_t offset, uint64_t length);
#endif
