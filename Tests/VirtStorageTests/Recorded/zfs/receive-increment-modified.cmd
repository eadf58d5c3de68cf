zfs receive tank/backup/vol1@s2 < incr.stream
