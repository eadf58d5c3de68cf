zfs receive -F tank/backup/vol2@s2 < incr.stream
