zfs receive -o volmode=dev tank/backup/vol3@s1 < corrupt.stream
