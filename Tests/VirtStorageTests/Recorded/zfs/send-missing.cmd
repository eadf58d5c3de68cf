zfs send tank/vol1@nope
