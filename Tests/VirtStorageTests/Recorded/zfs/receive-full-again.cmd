zfs receive -o volmode=dev tank/backup/vol1@s1 < full.stream
