zfs destroy -r tank/backup/vol3
