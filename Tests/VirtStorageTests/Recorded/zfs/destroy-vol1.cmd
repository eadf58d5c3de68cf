zfs destroy -r tank/vol1
