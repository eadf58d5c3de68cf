zfs send -i @s1 tank/vol1@s2
