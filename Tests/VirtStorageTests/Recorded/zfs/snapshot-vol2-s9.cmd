zfs snapshot tank/backup/vol2@s9
