#ifndef VIRTSTORAGE_CISCSI_SHIM_H
#define VIRTSTORAGE_CISCSI_SHIM_H
#include <stdint.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#endif
