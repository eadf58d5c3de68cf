#ifndef VIRTSTORAGE_CISCSI_SHIM_H
#define VIRTSTORAGE_CISCSI_SHIM_H
#include <stdint.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include "../vs_library_table.h"

/* The libiscsi entry points VirtStorage calls, opened from libiscsi.so.7 on first use. */
#define VS_ISCSI_FUNCTIONS(X) \
    X(iscsi_connect_sync) X(iscsi_create_context) X(iscsi_destroy_context) X(iscsi_disconnect)                          \
    X(iscsi_discovery_sync) X(iscsi_free_discovery_data) X(iscsi_get_error) X(iscsi_inquiry_sync)                       \
    X(iscsi_login_sync) X(iscsi_logout_sync) X(iscsi_read16_sync) X(iscsi_readcapacity16_sync)                          \
    X(iscsi_reportluns_sync) X(iscsi_set_header_digest) X(iscsi_set_initiator_username_pwd)                             \
    X(iscsi_set_log_fn) X(iscsi_set_log_level) X(iscsi_set_session_type) X(iscsi_set_target_username_pwd) X(iscsi_set_targetname) X(iscsi_set_timeout)             \
    X(iscsi_testunitready_sync) X(iscsi_write16_sync) X(scsi_datain_getfullsize) X(scsi_datain_unmarshall)              \
    X(scsi_free_scsi_task) X(scsi_sense_ascq_str) X(scsi_sense_key_str)

VS_LIBRARY_TABLE(vs_iscsi_api, VS_ISCSI_FUNCTIONS)
#endif
