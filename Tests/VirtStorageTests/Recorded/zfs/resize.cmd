zfs set volsize=131072K tank/vol1
