zfs destroy tank/vol1@s1
