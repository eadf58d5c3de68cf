zfs receive -F tank/backup/vol2@s1 < full.stream
