#ifndef VIRTSTORAGE_CPARTED_SHIM_H
#define VIRTSTORAGE_CPARTED_SHIM_H
#include <parted/parted.h>
#endif
