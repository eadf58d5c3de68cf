zfs rollback tank/vol1@s1
