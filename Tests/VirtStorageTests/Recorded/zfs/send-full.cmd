zfs send tank/vol1@s1
