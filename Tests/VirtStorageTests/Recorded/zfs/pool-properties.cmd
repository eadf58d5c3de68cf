zpool get -Hp health,size,free,allocated tank
