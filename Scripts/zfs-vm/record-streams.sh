#!/bin/sh
# Runs inside the ZFS guest (Scripts/zfs-vm/run.sh): drives real OpenZFS
# through the send/receive cycle that ZFSBackend's native streams run, and
# keeps each command's output, standard error and exit status, and the send
# streams themselves, under $OUT for the recorded tests.
OUT=${OUT:-/share/out}
rm -rf "$OUT"; mkdir -p "$OUT"
n=0
# rec NAME CMD...: runs CMD, keeps NAME.cmd, NAME.out, NAME.err, NAME.status.
rec() {
  name=$1; shift
  echo "$*" > "$OUT/$name.cmd"
  "$@" > "$OUT/$name.out" 2> "$OUT/$name.err"
  echo $? > "$OUT/$name.status"
}
# recin NAME FILE CMD...: the same with FILE on standard input.
recin() {
  name=$1; file=$2; shift 2
  echo "$* < $(basename "$file")" > "$OUT/$name.cmd"
  "$@" < "$file" > "$OUT/$name.out" 2> "$OUT/$name.err"
  echo $? > "$OUT/$name.status"
}
digest() { sha256sum "$1" | cut -d' ' -f1; }

zgenhostid -f 0x00bab10c
zfs version > "$OUT/version.out" 2>&1
zpool create -f tank /dev/vdb
zfs set snapdev=visible tank
rec get-usage env LC_ALL=C zfs get
rec create-vol1 zfs create -o volmode=dev -V 65536K tank/vol1
udevadm settle
# Guest data: 128 KiB at 0 and 64 KiB at 1 MiB before s1, 64 KiB at 2 MiB before s2.
dd if=/dev/urandom of=/dev/zvol/tank/vol1 bs=64K count=2 conv=fsync 2>/dev/null
dd if=/dev/urandom of=/dev/zvol/tank/vol1 bs=64K count=1 seek=16 conv=fsync 2>/dev/null
rec snapshot-s1 zfs snapshot tank/vol1@s1
dd if=/dev/urandom of=/dev/zvol/tank/vol1 bs=64K count=1 seek=32 conv=fsync 2>/dev/null
rec snapshot-s2 zfs snapshot tank/vol1@s2
udevadm settle
digest /dev/zvol/tank/vol1@s1 > "$OUT/s1.sha256"
digest /dev/zvol/tank/vol1@s2 > "$OUT/s2.sha256"
rec list-volumes zfs list -Hp -t volume -r -o name,volsize,refreservation tank
rec list-snapshots zfs list -Hp -t snapshot -d 1 -s createtxg -o name,used,referenced,creation tank/vol1
rec send-full zfs send tank/vol1@s1
cp "$OUT/send-full.out" /tmp/full.stream
rec send-increment zfs send -i @s1 tank/vol1@s2
cp "$OUT/send-increment.out" /tmp/incr.stream
rec send-missing zfs send tank/vol1@nope
rec send-backwards zfs send -i @s2 tank/vol1@s1

# A second pool: a dataset of the same zpool, as <source><name>tank/backup</name>.
rec create-backup zfs create -o mountpoint=none tank/backup
rec exists-backup zfs list -H -o name tank/backup
rec list-backup-empty zfs list -Hp -t volume -r -o name,volsize,refreservation tank/backup
rec list-backup-vol1-missing zfs list -Hp -t volume -o name,volsize,refreservation tank/backup/vol1
recin receive-full /tmp/full.stream zfs receive -o volmode=dev tank/backup/vol1@s1
udevadm settle
digest /dev/zvol/tank/backup/vol1 > "$OUT/received-s1.sha256"
rec list-received zfs list -Hp -t volume -r -o name,volsize,refreservation tank/backup
rec list-received-one zfs list -Hp -t volume -o name,volsize,refreservation tank/backup/vol1
rec list-received-snapshots zfs list -Hp -t snapshot -d 1 -s createtxg -o name,used,referenced,creation tank/backup/vol1
recin receive-full-again /tmp/full.stream zfs receive -o volmode=dev tank/backup/vol1@s1
# Written after s1 on the receiving side: -F rolls it back before the increment.
dd if=/dev/urandom of=/dev/zvol/tank/backup/vol1 bs=64K count=1 seek=48 conv=fsync 2>/dev/null
recin receive-increment-modified /tmp/incr.stream zfs receive tank/backup/vol1@s2
recin receive-increment /tmp/incr.stream zfs receive -F tank/backup/vol1@s2
udevadm settle
digest /dev/zvol/tank/backup/vol1 > "$OUT/received-s2.sha256"
rec list-received-increment-snapshots zfs list -Hp -t snapshot -d 1 -s createtxg -o name,used,referenced,creation tank/backup/vol1
recin receive-increment-again /tmp/incr.stream zfs receive -F tank/backup/vol1@s2
recin receive-increment-nobase /tmp/incr.stream zfs receive -F tank/backup/vol9@s2
# A volume whose newest snapshot is not the stream's base.
rec create-vol2 zfs create -V 65536K tank/backup/vol2
recin receive-full-vol2 /tmp/full.stream zfs receive -F tank/backup/vol2@s1
zfs destroy -r tank/backup/vol2
recin receive-full-vol2b /tmp/full.stream zfs receive tank/backup/vol2@s1
rec snapshot-vol2-s9 zfs snapshot tank/backup/vol2@s9
# zfs receive -F destroys the snapshots newer than the base: the backend
# refuses such a volume after reading this list.
rec list-vol2-newer zfs list -Hp -t snapshot -d 1 -s createtxg -o name,used,referenced,creation tank/backup/vol2
recin receive-increment-newer /tmp/incr.stream zfs receive -F tank/backup/vol2@s2
rec list-vol2-snapshots zfs list -Hp -t snapshot -d 1 -s createtxg -o name,used,referenced,creation tank/backup/vol2
# Streams cut short and corrupted: nothing is left behind.
size=$(stat -c %s /tmp/full.stream)
head -c $((size / 2)) /tmp/full.stream > /tmp/truncated.stream
recin receive-truncated /tmp/truncated.stream zfs receive -o volmode=dev tank/backup/vol3@s1
cp /tmp/full.stream /tmp/corrupt.stream
printf '\377\377\377\377' | dd of=/tmp/corrupt.stream bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
recin receive-corrupted /tmp/corrupt.stream zfs receive -o volmode=dev tank/backup/vol3@s1
head -c 1000 /dev/urandom > /tmp/garbage.stream
recin receive-garbage /tmp/garbage.stream zfs receive -o volmode=dev tank/backup/vol3@s1
# The streams given to those receives, for the tests to give them again.
cp /tmp/truncated.stream "$OUT/receive-truncated.in"
cp /tmp/corrupt.stream "$OUT/receive-corrupted.in"
cp /tmp/garbage.stream "$OUT/receive-garbage.in"
rec list-after-failures zfs list -Hp -t all -r -o name tank/backup
rec list-vol3-missing zfs list -Hp -t volume -o name,volsize,refreservation tank/backup/vol3
rec destroy-vol3-missing zfs destroy -r tank/backup/vol3

# The pool and volume commands of ZFSBackend, for the other recorded tests.
rec pool-properties zpool get -Hp health,size,free,allocated tank
rec exists zfs list -H -o name tank
rec exists-missing zfs list -H -o name tank/missing
rec list-one zfs list -Hp -t volume -o name,volsize,refreservation tank/vol1
rec list-one-missing zfs list -Hp -t volume -o name,volsize,refreservation tank/missing
rec create-sparse zfs create -o volmode=dev -s -o refreservation=1024K -V 10240K tank/new
rec list-sparse zfs list -Hp -t volume -o name,volsize,refreservation tank/new
rec rollback-older zfs rollback tank/vol1@s1
rec clone-s1 zfs clone -o volmode=dev tank/vol1@s1 tank/clone1
rec list-clone zfs list -Hp -t volume -o name,volsize,refreservation tank/clone1
rec destroy-cloned-snapshot zfs destroy tank/vol1@s1
rec destroy-missing zfs destroy -r tank/missing
rec resize zfs set volsize=131072K tank/vol1
rec list-all-volumes zfs list -Hp -t volume -r -o name,volsize,refreservation tank
rec destroy-clone zfs destroy -r tank/clone1
rec destroy-vol1 zfs destroy -r tank/vol1
zpool export tank
