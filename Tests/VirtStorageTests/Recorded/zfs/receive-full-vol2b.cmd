zfs receive tank/backup/vol2@s1 < full.stream
