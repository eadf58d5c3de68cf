zfs send -i @s2 tank/vol1@s1
