zfs snapshot tank/vol1@s1
