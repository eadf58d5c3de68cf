#!/bin/sh
# Runs inside the ZFS guest (Scripts/zfs-vm/run.sh): virt-storage's debug
# build against a real zpool, with bytes compared. Ends with "ok" or the
# first failing step. Build it first: swift build --product virt-storage.
set -u
repo=$(sed -n 's/.*vs.repo=\([^ ]*\).*/\1/p' /proc/cmdline)
vs() { "$repo/.build/debug/virt-storage" -q --root=/tmp/vsroot "$@"; }
t=/tmp/vs; mkdir -p $t
step() { echo "+ $*"; }
ok() { step "$@"; "$@" || { echo "FAILED: $*"; exit 1; }; }
refused() {
  want=$1; shift; step "$@ (refused: $want)"
  if "$@" > $t/said 2>&1; then echo "FAILED: accepted: $*"; exit 1; fi
  grep -q -- "$want" $t/said || { echo "FAILED: said:"; cat $t/said; exit 1; }
  cat $t/said
}
same() { cmp "$1" "$2" || { echo "FAILED: $1 and $2 differ"; exit 1; }; echo "  same: $1 $2"; }

zgenhostid -f 0x00bab10c
ok zpool create -f tank /dev/vdb
ok vs pool-define-as zp zfs --source-name tank
ok vs pool-start zp
ok vs vol-create-as zp v 32M
head -c 3145728 /dev/urandom > $t/original
head -c 262144 /dev/urandom > $t/patch
ok vs vol-upload --pool zp v $t/original
ok vs vol-snapshot-create --pool zp v s1
ok vs vol-upload --pool zp v $t/patch --offset 1048576
ok vs vol-snapshot-create --pool zp v s2
ok vs vol-snapshot-list --pool zp v
ok vs vol-download --pool zp v $t/now
cp $t/original $t/expected-s1; truncate -s 32M $t/expected-s1
cp $t/expected-s1 $t/expected-s2
dd if=$t/patch of=$t/expected-s2 bs=1M seek=1 conv=notrunc 2>/dev/null
same $t/now $t/expected-s2

# A second pool: a dataset of the same zpool, built by virt-storage.
ok vs pool-define-as bk zfs --source-name tank/backup
ok vs pool-build bk
ok vs pool-start bk
ok vs vol-export --pool zp v $t/full.vs --snapshot s1 --format zfs-send
ok vs vol-import bk w $t/full.vs
ok vs vol-download --pool bk w $t/w-s1
same $t/w-s1 $t/expected-s1
ok vs vol-export --pool zp v $t/inc.vs --snapshot s2 --base s1 --format zfs-send
ls -l $t/full.vs $t/inc.vs
ok vs vol-import bk w $t/inc.vs
ok vs vol-download --pool bk w $t/w-s2
same $t/w-s2 $t/expected-s2
ok vs vol-snapshot-list --pool bk w
ok zfs list -t all -r tank/backup

# Mistakes: one error each, nothing left behind.
refused "already has snapshot 's2'" vs vol-import bk w $t/inc.vs
refused "not found" vs vol-import bk x $t/inc.vs
refused "exists already" vs vol-import bk w $t/full.vs
size=$(stat -c %s $t/full.vs)
head -c $((size / 2)) $t/full.vs > $t/cut.vs
refused "truncated" vs vol-import bk cut $t/cut.vs
cp $t/full.vs $t/bad.vs
printf '\377\377\377\377' | dd of=$t/bad.vs bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
refused "corrupted" vs vol-import bk bad $t/bad.vs
ok zfs list -t all -r tank/backup
# An increment onto a volume whose newest snapshot is not the base would
# lose the newer ones (zfs receive -F destroys them): refused.
ok vs vol-export --pool zp v $t/full2.vs --snapshot s1 --format zfs-send
ok vs vol-import bk y $t/full2.vs
ok vs vol-snapshot-create --pool bk y later
refused "later" vs vol-import bk y $t/inc.vs
ok vs vol-snapshot-list --pool bk y
# The raw stream of a zvol at a snapshot goes through a clone of it.
refused "vol-clone --snapshot s1" vs vol-export --pool zp v $t/raw.vs --snapshot s1
ok vs vol-clone --pool zp v c1 --snapshot s1
ok vs vol-export --pool zp c1 $t/raw.vs
ok vs vol-import bk r $t/raw.vs
ok vs vol-download --pool bk r $t/r
same $t/r $t/expected-s1
ok vs vol-list bk --details
echo ok
