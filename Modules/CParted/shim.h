#ifndef VIRTSTORAGE_CPARTED_SHIM_H
#define VIRTSTORAGE_CPARTED_SHIM_H
#include <parted/parted.h>
#include "../vs_library_table.h"

/* The libparted entry points VirtStorage calls, opened from libparted.so.2 on first use. */
#define VS_PARTED_FUNCTIONS(X) \
    X(ped_alignment_destroy) X(ped_alignment_new) X(ped_constraint_destroy) X(ped_constraint_exact)                     \
    X(ped_constraint_new) X(ped_device_close) X(ped_device_destroy) X(ped_device_get) X(ped_device_open)                \
    X(ped_disk_add_partition) X(ped_disk_commit) X(ped_disk_commit_to_dev) X(ped_disk_delete_partition)                 \
    X(ped_disk_destroy) X(ped_disk_get_partition) X(ped_disk_new) X(ped_disk_new_fresh) X(ped_disk_next_partition)      \
    X(ped_disk_probe) X(ped_disk_set_partition_geom) X(ped_disk_type_get) X(ped_exception_set_handler)                  \
    X(ped_file_system_probe) X(ped_file_system_type_get) X(ped_geometry_destroy) X(ped_geometry_new)                    \
    X(ped_get_version) X(ped_partition_destroy) X(ped_partition_get_flag) X(ped_partition_is_busy)                      \
    X(ped_partition_is_flag_available) X(ped_partition_new) X(ped_partition_set_flag)

VS_LIBRARY_TABLE(vs_parted_api, VS_PARTED_FUNCTIONS)
#endif
