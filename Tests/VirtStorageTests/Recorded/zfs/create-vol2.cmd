zfs create -V 65536K tank/backup/vol2
