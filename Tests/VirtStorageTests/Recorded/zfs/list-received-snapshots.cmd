zfs list -Hp -t snapshot -d 1 -s createtxg -o name,used,referenced,creation tank/backup/vol1
