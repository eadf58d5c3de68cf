zfs list -Hp -t volume -r -o name,volsize,refreservation tank/backup
