zfs clone -o volmode=dev tank/vol1@s1 tank/clone1
