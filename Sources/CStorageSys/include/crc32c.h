#ifndef VIRTSTORAGE_CRC32C_H
#define VIRTSTORAGE_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/* CRC-32C (Castagnoli, as iSCSI and ext4 use) of `length` bytes, continuing
 * `crc` (0 to start). The CPU's crc32 instruction where it has one (SSE 4.2),
 * a table otherwise; both give the same value. */
uint32_t vs_crc32c(uint32_t crc, const void *bytes, size_t length);
#endif
