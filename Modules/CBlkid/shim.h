#ifndef VIRTSTORAGE_CBLKID_SHIM_H
#define VIRTSTORAGE_CBLKID_SHIM_H
#include <blkid/blkid.h>
#endif
