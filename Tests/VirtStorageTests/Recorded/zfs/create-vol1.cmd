zfs create -o volmode=dev -V 65536K tank/vol1
