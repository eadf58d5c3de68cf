#ifndef VIRTSTORAGE_CRADOS_SHIM_H
#define VIRTSTORAGE_CRADOS_SHIM_H
#include <rados/librados.h>
#include <rbd/librbd.h>
#include "../vs_library_table.h"

/* The librados and librbd entry points VirtStorageRBD calls, opened from
 * librbd.so.1 (which brings librados.so.2) on first use. */
#define VS_CEPH_FUNCTIONS(X)                                                                                           \
    X(rados_version) X(rados_create) X(rados_conf_set) X(rados_connect) X(rados_shutdown) X(rados_ioctx_create)        \
    X(rados_ioctx_destroy) X(rados_ioctx_pool_stat) X(rados_cluster_stat) X(rados_buffer_free)                         \
    X(rados_aio_create_completion2) X(rados_aio_get_return_value) X(rados_aio_read) X(rados_aio_release)               \
    X(rados_aio_wait_for_complete) X(rados_aio_read_op_operate) X(rados_create_read_op) X(rados_read_op_exec)          \
    X(rados_release_read_op)                                                                                           \
    X(rbd_version) X(rbd_clone2) X(rbd_close) X(rbd_copy_with_progress3) X(rbd_create4) X(rbd_diff_iterate2)           \
    X(rbd_discard) X(rbd_flush) X(rbd_get_features) X(rbd_get_flags) X(rbd_get_old_format) X(rbd_get_stripe_count)    \
    X(rbd_get_stripe_unit) X(rbd_image_options_create) X(rbd_image_options_destroy) X(rbd_image_options_set_uint64)    \
    X(rbd_image_spec_list_cleanup) X(rbd_list2) X(rbd_open) X(rbd_open_read_only) X(rbd_read) X(rbd_remove)            \
    X(rbd_resize) X(rbd_snap_create) X(rbd_snap_is_protected) X(rbd_snap_list) X(rbd_snap_list_end)                    \
    X(rbd_snap_protect) X(rbd_snap_remove) X(rbd_snap_unprotect) X(rbd_stat) X(rbd_write) X(rbd_write_zeroes)        \
    X(rbd_snap_rollback) X(rbd_snap_get_timestamp) X(rbd_metadata_get) X(rbd_metadata_set) X(rbd_metadata_remove)

VS_LIBRARY_TABLE(vs_ceph_api, VS_CEPH_FUNCTIONS)
#endif
