zfs list -Hp -t volume -o name,volsize,refreservation tank/backup/vol1
