zfs destroy -r tank/clone1
