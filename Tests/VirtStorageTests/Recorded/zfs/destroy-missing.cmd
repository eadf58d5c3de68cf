zfs destroy -r tank/missing
