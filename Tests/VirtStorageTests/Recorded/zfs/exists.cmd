zfs list -H -o name tank
