zfs create -o mountpoint=none tank/backup
