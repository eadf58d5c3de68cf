#ifndef VIRTSTORAGE_CRADOS_SHIM_H
#define VIRTSTORAGE_CRADOS_SHIM_H
#include <rados/librados.h>
#include <rbd/librbd.h>
#endif
