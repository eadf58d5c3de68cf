zfs receive -F tank/backup/vol9@s2 < incr.stream
