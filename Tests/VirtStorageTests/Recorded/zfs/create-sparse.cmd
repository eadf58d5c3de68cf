zfs create -o volmode=dev -s -o refreservation=1024K -V 10240K tank/new
