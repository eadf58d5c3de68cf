zfs receive -F tank/backup/vol1@s2 < incr.stream
