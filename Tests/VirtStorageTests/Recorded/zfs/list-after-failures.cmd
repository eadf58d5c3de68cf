zfs list -Hp -t all -r -o name tank/backup
