#define _GNU_SOURCE
#include "storage_sys.h"
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <malloc.h>
#include <unistd.h>
#include <spawn.h>
#include <sys/sendfile.h>

int vs_fallocate(int fd, int mode, int64_t offset, int64_t length) {
    return fallocate(fd, mode, offset, length);
}

int vs_punch_hole(int fd, int64_t offset, int64_t length) {
    return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
}

int64_t vs_seek_data(int fd, int64_t offset) { return lseek(fd, offset, SEEK_DATA); }

int64_t vs_seek_hole(int fd, int64_t offset) { return lseek(fd, offset, SEEK_HOLE); }

int vs_ficlone(int dst, int src) { return ioctl(dst, FICLONE, src); }

int vs_block_device_size(int fd, uint64_t *size) { return ioctl(fd, BLKGETSIZE64, size); }

int vs_block_discard(int fd, uint64_t offset, uint64_t length) {
    uint64_t range[2] = {offset, length};
    return ioctl(fd, BLKDISCARD, range);
}

int vs_set_nocow(int fd, int nocow) {
    int flags = 0;
    if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0) return -1;
    flags = nocow ? (flags | FS_NOCOW_FL) : (flags & ~FS_NOCOW_FL);
    return ioctl(fd, FS_IOC_SETFLAGS, &flags);
}

/* sendfile(2) into a file at out_offset (the output's position is moved
   there first): a copy in the kernel between filesystems, where
   copy_file_range refuses with EXDEV. */
int64_t vs_send_file(int in, int64_t in_offset, int out, int64_t out_offset, int64_t length) {
    off_t in_off = (off_t)in_offset;
    if (lseek(out, (off_t)out_offset, SEEK_SET) < 0) return -1;
    return sendfile(out, in, &in_off, (size_t)length);
}

int64_t vs_copy_file_range(int in, int64_t in_offset, int out, int64_t out_offset, int64_t length) {
    loff_t in_off = in_offset, out_off = out_offset;
    return copy_file_range(in, &in_off, out, &out_off, (size_t)length, 0);
}

int vs_malloc_trim(void) { return malloc_trim(0); }

int vs_qemu_image_in_use(int fd) {
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 200, .l_pid = 0};
    if (fcntl(fd, F_OFD_GETLK, &lock) < 0) return -1;
    return lock.l_type != F_UNLCK;
}

int vs_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int vs_spawn_close_from(posix_spawn_file_actions_t *actions, int fd) {
    return posix_spawn_file_actions_addclosefrom_np(actions, fd);
}

int vs_identity(const char *path, uint64_t *device, uint64_t *inode, int64_t *size) {
    struct statx sx;
    if (statx(AT_FDCWD, path, 0, STATX_INO | STATX_SIZE, &sx) != 0) return -1;
    *device = makedev(sx.stx_dev_major, sx.stx_dev_minor);
    *inode = sx.stx_ino;
    *size = (int64_t)sx.stx_size;
    return 0;
}
