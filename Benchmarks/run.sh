#!/bin/bash
# Runs the same storage workloads through libvirt 9.0 (libvirtd's storage
# driver, driven by virsh) and through VirtStorage (in process, release
# build), in one run, and prints each time and the ratio VirtStorage/libvirt.
# Installs libvirt-daemon and libvirt-clients when missing; needs root.
#
#   Benchmarks/run.sh [WORKLOADS]   WORKLOADS: letters of the workloads to run,
#                                   default abcdefghijkl (g, i: a one-node Ceph;
#                                   k: the scaling run, Benchmarks/scaling.sh)
# SWIFT_BUILD_LOCK: a file to flock(1) around `swift build` (shared machines).
# G_IMAGES: the rbd images of (g), 1000 by default.
# VIRT_STORAGE_BENCH: an already built release virt-storage-bench; no build then.
set -euo pipefail
cd "$(dirname "$0")/.."
ONLY=${1:-abcdefghijkl}
want() { [[ "$ONLY" == *"$1"* ]]; }
[ "$(id -u)" -eq 0 ] || { echo "benchmarks need root (libvirtd's system storage driver)" >&2; exit 1; }
for p in libvirt-daemon libvirt-clients libvirt-daemon-driver-storage-rbd qemu-utils; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || MISSING="${MISSING:-} $p"
done
if [ -n "${MISSING:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $MISSING >/dev/null
fi
if [ -n "${VIRT_STORAGE_BENCH:-}" ]; then
    BENCH=$VIRT_STORAGE_BENCH
else
    LOCK=(); [ -z "${SWIFT_BUILD_LOCK:-}" ] || LOCK=(flock "$SWIFT_BUILD_LOCK")
    "${LOCK[@]}" swift build -c release --product virt-storage-bench >/dev/null
    BENCH=$(swift build -c release --show-bin-path)/virt-storage-bench   # prints a path, builds nothing
fi
# (h) to (l) time commands, as a user runs them: virt-storage against virsh, rbd, cp, qemu-img.
# Built as the README installs it: a static Swift runtime starts each command in half the time.
if want h || want i || want j || want k || want l; then
    "${LOCK[@]}" swift build -c release --product virt-storage --static-swift-stdlib >/dev/null
    CLI=$(swift build -c release --show-bin-path)/virt-storage
fi

# A fresh ext4 on a loop device, so that neither side inherits the state of
# a filesystem that has seen thousands of deletions (ext4 then spends its
# time looking for inodes to reuse, which swamps what is being measured).
# Its inode tables and journal are zeroed by mkfs, not by the kernel's
# ext4lazyinit thread in the background while the workloads run.
W=$(mktemp -d /var/tmp/virtstorage-bench.XXXXXX)
IMG="$W.img"
truncate -s 8G "$IMG"
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$IMG"
LOOP=$(losetup -f --show "$IMG")
mount "$LOOP" "$W"
V="virsh -q -c storage:///system"
VS="virsh -q -c secret:///system"
CEPH_DIR=/tmp/virtstorage-bench-ceph-$$
SECRET_UUID=""
W2=""; W3=""
cleanup() {
    for m in "$W2" "$W3"; do
        [ -n "$m" ] || continue
        umount "$m" 2>/dev/null || true
        losetup -d "$(cat "$m.loop" 2>/dev/null)" 2>/dev/null || true
        rm -rf "$m" "$m.img" "$m.loop"
    done
    for p in bencha benchb benchd benchg benchj1 benchj2; do $V pool-destroy $p >/dev/null 2>&1 || true; $V pool-undefine $p >/dev/null 2>&1 || true; done
    [ -z "$SECRET_UUID" ] || $VS secret-undefine "$SECRET_UUID" >/dev/null 2>&1 || true
    Scripts/libvirt-down.sh >/dev/null || true
    Scripts/ceph-down.sh "$CEPH_DIR" 2>/dev/null || true
    umount "$W" 2>/dev/null || true
    losetup -d "$LOOP" 2>/dev/null || true
    rm -rf "$W" "$IMG"
}
trap cleanup EXIT
Scripts/libvirt-up.sh >/dev/null
LPID=$(cat "${LIBVIRT_RUN_DIR:-/tmp/virtstorage-libvirt}/libvirtd.pid")

t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
best() { printf '%s\n' "$@" | sort -g | head -1; }
vpool() { $V pool-define-as "$1" dir --target "$2" >/dev/null; $V pool-build "$1" >/dev/null; $V pool-start "$1" >/dev/null; }
vunpool() { $V pool-destroy "$1" >/dev/null; $V pool-undefine "$1" >/dev/null; }
declare -A L O

if want a; then
echo "workload (a): create 2000 sparse 1 MiB raw volumes"
for i in $(seq 1 2000); do echo "vol-create-as bencha a$i.img 1M --allocation 0 --format raw"; done > "$W/cmds-a"
vpool bencha "$W/la"
sync; L[a]=$(t sh -c "$V < '$W/cmds-a'")
vunpool bencha
sync; O[a]=$("$BENCH" create "$W/oa" 2000 | sed -n 's/^create=//p')
fi

if want b || want c || want h; then
echo "workload (b)/(c): refresh and list a pool of 10000 files (9000 raw, 1000 qcow2)"
"$BENCH" prepare "$W/files"
vpool benchb "$W/files"        # the first scan warms the page cache for both sides
r1=$(t $V pool-refresh benchb); r2=$(t $V pool-refresh benchb); r3=$(t $V pool-refresh benchb)
L[b]=$(best "$r1" "$r2" "$r3")
c1=$(t $V vol-list benchb --details); c2=$(t $V vol-list benchb --details); c3=$(t $V vol-list benchb --details)
L[c]=$(best "$c1" "$c2" "$c3")
LRSS=$(awk '/^VmHWM/{print $2}' /proc/"$LPID"/status)   # peak, as ours
OUT=$("$BENCH" refresh "$W/ob" "$W/files")
O[b]=$(echo "$OUT" | sed -n 's/^refresh=//p'); O[c]=$(echo "$OUT" | sed -n 's/^list=//p')
B_UNCHANGED=$(echo "$OUT" | sed -n 's/^refresh_unchanged=//p')
ORSS=$(echo "$OUT" | sed -n 's/^peak_rss_kib=//p')
if want h; then
    echo "workload (h): commands that name one volume (vol-info, vol-path, vol-create-as + vol-delete) in that pool"
    # A command is one process on each side: virsh asks libvirtd, which keeps
    # the pool's volumes in memory; virt-storage reads the one file it names.
    ROOT_H="$W/root-h"
    $CLI pool-create-as benchh dir --target "$W/files" --root="$ROOT_H" >/dev/null
    one() { # best of 5 runs of: $1 vol-info, vol-path, vol-create-as and vol-delete (with $2 as trailing options)
        local best_run="" s e run
        for i in 1 2 3 4 5; do
            s=$(date +%s.%N)
            $1 vol-info --pool "$3" r5000.img $2 >/dev/null
            $1 vol-path --pool "$3" r5000.img $2 >/dev/null
            $1 vol-create-as "$3" h.img 1M --allocation 0 $2 >/dev/null
            $1 vol-delete --pool "$3" h.img $2 >/dev/null
            e=$(date +%s.%N); run=$(echo "($e - $s) / 4" | bc -l)
            best_run=$(best $run ${best_run:-$run})
        done
        echo "$best_run"
    }
    L[h]=$(one "$V" "" benchb)
    O[h]=$(one "$CLI" "--root=$ROOT_H" benchh)
    # The same on 100,000 files, VirtStorage alone (libvirt refuses to list that many volumes).
    "$BENCH" prepare "$W/files100k" 100000 >/dev/null
    $CLI pool-create-as benchk dir --target "$W/files100k" --root="$ROOT_H" >/dev/null
    H100K=$(one "$CLI" "--root=$ROOT_H" benchk)
    # Listing commands on the 100,000 files, each a process: time and peak memory (best of three).
    k_run() { local best_s="" best_m="" out; for i in 1 2 3; do
        out=$( { /usr/bin/time -f "%e %M" "$CLI" "$@" --root="$ROOT_H" >/dev/null; } 2>&1 | tail -1)
        best_s=$(best ${out% *} ${best_s:-${out% *}}); best_m=$(best ${out#* } ${best_m:-${out#* }})
    done; echo "$best_s $best_m"; }
    K_REFRESH=$(k_run pool-refresh benchk); K_LIST=$(k_run vol-list benchk); K_DETAILS=$(k_run vol-list benchk --details)
    $CLI pool-destroy benchk --root="$ROOT_H" >/dev/null; $CLI pool-destroy benchh --root="$ROOT_H" >/dev/null
    rm -rf "$W/files100k"
fi
vunpool benchb
fi

if want d || want e || want f; then
echo "workload (d): create a 10 GiB qcow2"
vpool benchd "$W/ld"
d=(); for i in 1 2 3; do d+=("$(t $V vol-create-as benchd big.qcow2 10G --format qcow2)"); $V vol-delete --pool benchd big.qcow2 >/dev/null; done
L[d]=$(best "${d[@]}")
od=(); for i in 1 2 3; do od+=("$("$BENCH" qcow2 "$W/od$i" | sed -n 's/^qcow2=//p')"); done
O[d]=$(best "${od[@]}")

echo "workload (e): zero-wipe a 256 MiB fully allocated raw volume"
e=(); for i in 1 2 3; do
    $V vol-create-as benchd w.img 256M --format raw >/dev/null
    sync; e+=("$(t $V vol-wipe --pool benchd w.img --algorithm zero)"); $V vol-delete --pool benchd w.img >/dev/null
done
L[e]=$(best "${e[@]}")
oe=(); for i in 1 2 3; do oe+=("$("$BENCH" wipe "$W/oe$i" | sed -n 's/^wipe=//p')"); rm -rf "$W/oe$i"; done
O[e]=$(best "${oe[@]}")

echo "workload (f): upload and download a 1 GiB sparse image with 10% data"
SRC="$W/src.img"
truncate -s 1G "$SRC"
for i in $(seq 0 9); do dd if=/dev/urandom of="$SRC" bs=1M count=10 seek=$((i * 100 + 7)) conv=notrunc status=none; done
f=(); of=()
for i in 1 2 3; do
    $V vol-create-as benchd s$i.img 1G --allocation 0 --format raw >/dev/null
    # Dirty pages of one side must not be written back on the other side's clock.
    sync
    up=$(t $V vol-upload --pool benchd s$i.img "$SRC" --sparse)
    sync
    down=$(t $V vol-download --pool benchd s$i.img "$W/ldown$i.img" --sparse)
    f+=("$(echo "$up + $down" | bc -l)")
    cmp -s "$SRC" "$W/ldown$i.img" || echo "warning: libvirt's download differs from the source"
    sync
    OUT=$("$BENCH" stream "$W/of$i" "$SRC")
    of+=("$(echo "$(echo "$OUT" | sed -n 's/^upload=//p') + $(echo "$OUT" | sed -n 's/^download=//p')" | bc -l)")
    cmp -s "$SRC" "$W/of$i/down.img" || { echo "VirtStorage's download differs from the source" >&2; exit 1; }
    rm -rf "$W/of$i" "$W/ldown$i.img"
done
L[f]=$(best "${f[@]}")
O[f]=$(best "${of[@]}")
vunpool benchd
fi

if want g; then
G_IMAGES=${G_IMAGES:-1000}
echo "workload (g): refresh an rbd pool of $G_IMAGES 1 GiB images (a one-node Ceph from Scripts/ceph-up.sh)"
# Our side makes the images (if missing) and refreshes; then libvirtd's rbd
# backend (libvirt-daemon-driver-storage-rbd) refreshes a pool on the same
# Ceph pool, with the client.admin key in a ceph secret of the same daemon.
if CEPH_CONF=$(Scripts/ceph-up.sh "$CEPH_DIR" 2>/dev/null); then
    # The monitor's msgr v2 address: librados takes host:port as v2 there.
    MON=$(sed -n 's/^mon host = \[v2:\([0-9.]*:[0-9]*\),.*/\1/p' "$CEPH_CONF")
    RBD_OUT=$("$BENCH" rbd "$W/og" "$MON" "$(cat "$CEPH_DIR/client.admin.key")" "$G_IMAGES" 2>/dev/null || true)
    O[g]=$(echo "$RBD_OUT" | sed -n 's/^rbd_refresh=//p')
    G_OURS=$(echo "$RBD_OUT" | sed -n 's/^rbd_volumes=//p')
    SECRET_UUID=$(cat /proc/sys/kernel/random/uuid)
    cat >"$W/secret.xml" <<XML
<secret ephemeral='no' private='yes'><uuid>$SECRET_UUID</uuid><usage type='ceph'><name>client.admin benchg</name></usage></secret>
XML
    $VS secret-define "$W/secret.xml" >/dev/null
    $VS secret-set-value "$SECRET_UUID" --file "$CEPH_DIR/client.admin.key" >/dev/null   # base64, as virsh expects
    cat >"$W/benchg.xml" <<XML
<pool type='rbd'><name>benchg</name><source><name>rbd</name>
<host name='${MON%:*}' port='${MON##*:}'/>
<auth type='ceph' username='admin'><secret uuid='$SECRET_UUID'/></auth></source></pool>
XML
    $V pool-define "$W/benchg.xml" >/dev/null
    $V pool-start benchg >/dev/null      # starting refreshes once: connections and caches are warm for both sides
    g=(); for i in 1 2 3; do g+=("$(t $V pool-refresh benchg)"); done
    L[g]=$(best "${g[@]}")
    G_LIBVIRT=$($V vol-list benchg | grep -c .)
    vunpool benchg
    $VS secret-undefine "$SECRET_UUID" >/dev/null; SECRET_UUID=""
    Scripts/ceph-down.sh "$CEPH_DIR" 2>/dev/null || true
    [ "${G_OURS:-0}" = "$G_LIBVIRT" ] || echo "warning: VirtStorage saw ${G_OURS:-0} images, libvirt $G_LIBVIRT"
fi
fi
if want i; then
echo "workload (i): a 1 GiB raw file with 10% data into rbd, then the changes after 4 MiB are rewritten (against the rbd tool)"
if CEPH_CONF=$(Scripts/ceph-up.sh "$CEPH_DIR" 2>/dev/null); then
    MON=$(sed -n 's/^mon host = \[v2:\([0-9.]*:[0-9]*\),.*/\1/p' "$CEPH_CONF")
    RBD=(rbd -c "$CEPH_CONF" --id admin --keyfile "$CEPH_DIR/client.admin.key" --no-progress)
    ROOT_I="$W/root-i"; IDIR="$W/i-dir"
    SECRET_I=$(cat /proc/sys/kernel/random/uuid)
    echo "<secret ephemeral='no' private='yes'><uuid>$SECRET_I</uuid><usage type='ceph'><name>bench-i</name></usage></secret>" >"$W/secret-i.xml"
    $CLI secret-define "$W/secret-i.xml" --root="$ROOT_I" >/dev/null
    $CLI secret-set-value "$SECRET_I" --file "$CEPH_DIR/client.admin.key" --root="$ROOT_I" >/dev/null
    $CLI pool-create-as benchi rbd --source-host "$MON" --source-name rbd --auth-type ceph --auth-username admin \
        --secret-uuid "$SECRET_I" --root="$ROOT_I" >/dev/null
    $CLI pool-create-as benchid dir --target "$IDIR" --build --root="$ROOT_I" >/dev/null
    truncate -s 1G "$IDIR/src.img"
    for i in $(seq 0 9); do dd if=/dev/urandom of="$IDIR/src.img" bs=1M count=10 seek=$((i * 100 + 3)) conv=notrunc status=none; done
    echo "<volume><name>ours</name><capacity>1073741824</capacity></volume>" >"$W/ours.xml"
    sync
    I_RBD=$(t "${RBD[@]}" import --image-format 2 "$IDIR/src.img" rbd/theirs)
    I_OURS=$(t $CLI vol-create-from benchi "$W/ours.xml" src.img --inputpool benchid --root="$ROOT_I")
    # And back out into files: rbd export against create-from into the dir pool.
    sync
    E_RBD=$(t "${RBD[@]}" export rbd/theirs "$W/theirs.raw")
    echo "<volume><name>back.img</name><capacity>1073741824</capacity><target><format type='raw'/></target></volume>" >"$W/back.xml"
    E_OURS=$(t $CLI vol-create-from benchid "$W/back.xml" ours --inputpool benchi --root="$ROOT_I")
    cmp -s "$IDIR/src.img" "$IDIR/back.img" || { echo "the image VirtStorage copied back differs from the source" >&2; exit 1; }
    rm -f "$W/theirs.raw"
    # 4 MiB rewritten in both images between two snapshots.
    dd if=/dev/urandom of="$W/change" bs=1M count=4 status=none
    for img in ours theirs; do
        $CLI vol-snapshot-create "$img" s1 --pool benchi --root="$ROOT_I" >/dev/null
        $CLI vol-upload "$img" "$W/change" --pool benchi --offset $((512 << 20)) --root="$ROOT_I" >/dev/null
        $CLI vol-snapshot-create "$img" s2 --pool benchi --root="$ROOT_I" >/dev/null
    done
    D_RBD=$(t "${RBD[@]}" export-diff --from-snap s1 rbd/theirs@s2 "$W/theirs.diff")
    D_OURS=$(t $CLI vol-export ours "$W/ours.vs" --pool benchi --snapshot s2 --base s1 --root="$ROOT_I")
    D_RBD_SIZE=$(stat -c %s "$W/theirs.diff"); D_OURS_SIZE=$(stat -c %s "$W/ours.vs")
    # Within the cluster: create-from is a copy-on-write clone, against rbd cp's copy.
    echo "<volume><name>ours-copy</name><capacity>1073741824</capacity></volume>" >"$W/ours-copy.xml"
    C_RBD=$(t "${RBD[@]}" cp rbd/theirs rbd/theirs-copy)
    C_OURS=$(t $CLI vol-create-from benchi "$W/ours-copy.xml" ours --inputpool benchi --root="$ROOT_I")
    $CLI vol-download ours-copy "$W/ours-copy.raw" --pool benchi --root="$ROOT_I" >/dev/null
    "${RBD[@]}" export rbd/ours "$W/ours.raw" >/dev/null; cmp -s "$W/ours.raw" "$W/ours-copy.raw" || { echo "the rbd clone differs from the source" >&2; exit 1; }
    rm -f "$W/ours-copy.raw" "$W/ours.raw"
    $CLI vol-delete ours-copy --pool benchi --root="$ROOT_I" >/dev/null
    "${RBD[@]}" rm rbd/theirs-copy >/dev/null 2>&1
    for img in ours theirs; do $CLI vol-delete "$img" --pool benchi --delete-snapshots --root="$ROOT_I" >/dev/null; done
    $CLI pool-destroy benchi --root="$ROOT_I" >/dev/null
    Scripts/ceph-down.sh "$CEPH_DIR" 2>/dev/null || true
fi
fi
if want j; then
echo "workload (j): copy a 4 GiB sparse raw with 10% data between dir pools on two filesystems, and reflink"
# A filesystem of its own for the target ($1: ext4 or btrfs); prints its mount point.
second_fs() {
    local m; m=$(mktemp -d /var/tmp/virtstorage-bench-fs.XXXXXX)
    truncate -s 8G "$m.img"
    if [ "$1" = btrfs ]; then mkfs.btrfs -q -f "$m.img" >/dev/null; else mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$m.img"; fi
    losetup -f --show "$m.img" >"$m.loop"
    mount "$(cat "$m.loop")" "$m"
    echo "$m"
}
W2=$(second_fs ext4)
ROOT_J="$W/root-j"; JSRC="$W/j-src"; JDST="$W2/j-dst"
$CLI pool-create-as jsrc dir --target "$JSRC" --build --root="$ROOT_J" >/dev/null
$CLI pool-create-as jdst dir --target "$JDST" --build --root="$ROOT_J" >/dev/null
truncate -s 4G "$JSRC/src.img"
for i in $(seq 0 9); do dd if=/dev/urandom of="$JSRC/src.img" bs=1M count=41 seek=$((i * 409 + 5)) conv=notrunc status=none; done
$CLI pool-refresh jsrc --root="$ROOT_J" >/dev/null
echo "<volume><name>copy.img</name><capacity unit='G'>4</capacity><target><format type='raw'/></target></volume>" >"$W/j-raw.xml"
echo "<volume><name>copy.qcow2</name><capacity unit='G'>4</capacity><target><format type='qcow2'/></target></volume>" >"$W/j-qcow2.xml"
cat "$JSRC/src.img" >/dev/null   # the source in the page cache for every side
jc=(); jo=(); jl=(); jq=(); jlq=()
vpool benchj1 "$JSRC"; vpool benchj2 "$W2/j-libvirt"
for i in 1 2 3; do
    sync; jc+=("$(t cp --sparse=always "$JSRC/src.img" "$W2/cp.img")"); rm -f "$W2/cp.img"
    sync; jo+=("$(t $CLI vol-create-from jdst "$W/j-raw.xml" src.img --inputpool jsrc --root="$ROOT_J")")
    cmp -s "$JSRC/src.img" "$JDST/copy.img" || { echo "VirtStorage's copy differs from the source" >&2; exit 1; }
    $CLI vol-delete --pool jdst copy.img --root="$ROOT_J" >/dev/null
    sync; jl+=("$(t $V vol-create-from benchj2 "$W/j-raw.xml" src.img --inputpool benchj1)")
    $V vol-delete --pool benchj2 copy.img >/dev/null
    sync; jq+=("$(t $CLI vol-create-from jdst "$W/j-qcow2.xml" src.img --inputpool jsrc --root="$ROOT_J")")
    $CLI vol-delete --pool jdst copy.qcow2 --root="$ROOT_J" >/dev/null
    sync; jlq+=("$(t $V vol-create-from benchj2 "$W/j-qcow2.xml" src.img --inputpool benchj1)")
    $V vol-delete --pool benchj2 copy.qcow2 >/dev/null
done
J_CP=$(best "${jc[@]}"); J_OURS=$(best "${jo[@]}"); J_LIBVIRT=$(best "${jl[@]}")
J_QCOW2=$(best "${jq[@]}"); J_LIBVIRT_QCOW2=$(best "${jlq[@]}")
vunpool benchj1; vunpool benchj2
# Reflink: two dir pools on one btrfs; the copy shares the extents.
W3=$(second_fs btrfs)
$CLI pool-create-as jr1 dir --target "$W3/a" --build --root="$ROOT_J" >/dev/null
$CLI pool-create-as jr2 dir --target "$W3/b" --build --root="$ROOT_J" >/dev/null
cp --sparse=always "$JSRC/src.img" "$W3/a/src.img"; sync
$CLI pool-refresh jr1 --root="$ROOT_J" >/dev/null
jr=(); jrc=()
for i in 1 2 3; do
    jrc+=("$(t cp --reflink=always "$W3/a/src.img" "$W3/cp.img")"); rm -f "$W3/cp.img"
    jr+=("$(t $CLI vol-create-from jr2 "$W/j-raw.xml" src.img --inputpool jr1 --reflink --root="$ROOT_J")")
    $CLI vol-delete --pool jr2 copy.img --root="$ROOT_J" >/dev/null
done
J_REFLINK=$(best "${jr[@]}"); J_REFLINK_CP=$(best "${jrc[@]}")
J_REFLINK_CALL=$("$BENCH" reflink "$W3/bench" "$W3/a/src.img" | sed -n 's/^reflink=//p')
for p in jsrc jdst jr1 jr2; do $CLI pool-destroy $p --root="$ROOT_J" >/dev/null; done
fi

if want l; then
echo "workload (l): the changes between two internal snapshots of a 1 GiB qcow2 after 4 MiB were rewritten"
ROOT_L="$W/root-l"; LDIR="$W/l-dir"
$CLI pool-create-as benchl dir --target "$LDIR" --build --root="$ROOT_L" >/dev/null
$CLI vol-create-as benchl q.qcow2 1G --format qcow2 --root="$ROOT_L" >/dev/null
for i in $(seq 0 9); do qemu-io -f qcow2 -c "write -P $((i + 1)) $((i * 100 + 3))M 10M" "$LDIR/q.qcow2" >/dev/null; done
$CLI vol-snapshot-create q.qcow2 s1 --pool benchl --root="$ROOT_L" >/dev/null
qemu-io -f qcow2 -c "write -P 119 512M 4M" "$LDIR/q.qcow2" >/dev/null
$CLI vol-snapshot-create q.qcow2 s2 --pool benchl --root="$ROOT_L" >/dev/null
sync
# Without increments, a backup of s2 is the whole snapshot converted.
L_FULL=$(t qemu-img convert -O raw -l snapshot.name=s2 "$LDIR/q.qcow2" "$W/l-full.raw")
L_OURS=$(t $CLI vol-export q.qcow2 "$W/l.vs" --pool benchl --snapshot s2 --base s1 --root="$ROOT_L")
L_SIZE=$(stat -c %s "$W/l.vs"); L_FULL_SIZE=$(du -B1 "$W/l-full.raw" | cut -f1)
rm -f "$W/l-full.raw" "$W/l.vs"
$CLI pool-destroy benchl --root="$ROOT_L" >/dev/null
fi
echo
printf '%-52s %12s %12s %8s %8s\n' "workload" "libvirt s" "VirtStor s" "ratio" "target"
declare -A NAME=([a]="(a) create 2000 sparse raw volumes" [b]="(b) refresh 10000 files" \
    [c]="(c) list 10000 volumes with details" [d]="(d) create a 10 GiB qcow2" \
    [e]="(e) zero-wipe 256 MiB allocated raw" [f]="(f) upload+download 1 GiB, 10% data, sparse" \
    [g]="(g) refresh an rbd pool of ${G_LIBVIRT:-1000} images" [h]="(h) one command naming a volume, 10000 files")
declare -A TARGET=([a]=0.05 [b]=0.25 [c]=0.02 [d]=0.1 [e]=0.5 [f]=0.5 [g]=0.0667 [h]=1)
for k in a b c d e f g h; do
    want $k || continue
    if [ -z "${O[$k]:-}" ] || [ -z "${L[$k]:-}" ]; then
        [ $k = g ] && echo "(g) rbd refresh: no Ceph cluster could be started (Scripts/ceph-up.sh), or a side failed"
        continue
    fi
    ratio=$(echo "${O[$k]} / ${L[$k]}" | bc -l)
    printf '%-52s %12.4f %12.4f %8.4f %8s\n' "${NAME[$k]}" "${L[$k]}" "${O[$k]}" "$ratio" "<= ${TARGET[$k]}"
done
if want b; then
    printf '%-52s %12.4f %12.4f %8.4f\n' "(b) the next refresh of the same host, nothing changed" "${L[b]}" "$B_UNCHANGED" \
        "$(echo "$B_UNCHANGED / ${L[b]}" | bc -l)"
    printf '%-52s %9s KiB %9s KiB %8.4f\n' "peak memory with 10000 volumes" "$LRSS" "$ORSS" "$(echo "$ORSS / $LRSS" | bc -l)"
fi
if want h && [ -n "${H100K:-}" ]; then
    printf '%-52s %12s %12.4f %8s %8s\n' "(h) the same, 100000 files (VirtStorage alone)" "-" "$H100K" "" "<= 0.025 s"
    for row in "pool-refresh:$K_REFRESH:1 s, 64 MB" "vol-list:$K_LIST:0.4 s" "vol-list --details:$K_DETAILS:-"; do
        IFS=: read -r what took target <<<"$row"
        printf '%-52s %12s %12s %8s %8s\n' "(h) $what, 100000 files: s, peak KiB" "-" "${took% *}" "${took#* }" "$target"
    done
fi
if want i && [ -n "${I_OURS:-}" ]; then
    printf '%-52s %12s %12s %8s %8s\n' "" "rbd tool s" "VirtStor s" "ratio" "target"
    printf '%-52s %12.4f %12.4f %8.4f %8s\n' "(i) 1 GiB raw, 10% data, dir -> rbd (rbd import)" "$I_RBD" "$I_OURS" \
        "$(echo "$I_OURS / $I_RBD" | bc -l)" "<= 1.1"
    printf '%-52s %12.4f %12.4f %8.4f %8s\n' "(i) the same rbd -> dir raw (rbd export)" "$E_RBD" "$E_OURS" \
        "$(echo "$E_OURS / $E_RBD" | bc -l)" "<= 1.1"
    printf '%-52s %12.4f %12.4f %8.4f %8s\n' "(i) rbd -> rbd in one pool (rbd cp)" "$C_RBD" "$C_OURS" \
        "$(echo "$C_OURS / $C_RBD" | bc -l)" "-"
    printf '%-52s %12.4f %12.4f %8.4f %8s\n' "(i) changes s1..s2, 4 MiB of 1 GiB (rbd export-diff)" "$D_RBD" "$D_OURS" \
        "$(echo "$D_OURS / $D_RBD" | bc -l)" "<= 0.5 s"
    printf '%-52s %12s %12s %8s %8s\n' "(i) its size in bytes" "$D_RBD_SIZE" "$D_OURS_SIZE" "" "< 6 MiB"
fi
if want j && [ -n "${J_OURS:-}" ]; then
    printf '%-52s %12s %12s %8s %8s\n' "" "cp s" "VirtStor s" "ratio" "target"
    printf '%-52s %12.4f %12.4f %8.4f %8s\n' "(j) 4 GiB raw, 10% data, dir -> dir, another fs" "$J_CP" "$J_OURS" \
        "$(echo "$J_OURS / $J_CP" | bc -l)" "<= 1.1"
    printf '%-52s %12.4f %12.4f %8.4f %8s\n' "(j) the same, one btrfs, --reflink (cp --reflink)" "$J_REFLINK_CP" "$J_REFLINK" \
        "$(echo "$J_REFLINK / $J_REFLINK_CP" | bc -l)" ""
    printf '%-52s %12s %12.4f %8s %8s\n' "(j) the reflink copy as a library call" "-" "$J_REFLINK_CALL" "" "< 0.01 s"
    printf '%-52s %12s %12s %8s\n' "" "libvirt s" "VirtStor s" "ratio"
    printf '%-52s %12.4f %12.4f %8.4f\n' "(j) vol-create-from dir -> dir raw" "$J_LIBVIRT" "$J_OURS" \
        "$(echo "$J_OURS / $J_LIBVIRT" | bc -l)"
    printf '%-52s %12.4f %12.4f %8.4f\n' "(j) vol-create-from dir -> dir qcow2" "$J_LIBVIRT_QCOW2" "$J_QCOW2" \
        "$(echo "$J_QCOW2 / $J_LIBVIRT_QCOW2" | bc -l)"
fi
if want g && [ -n "${O[g]:-}" ]; then
    echo "(g) also: VirtStorage <= 0.5 s: $(echo "${O[g]} <= 0.5" | bc -l | sed 's/1/yes/;s/0/no/')"
fi
if want l && [ -n "${L_OURS:-}" ]; then
    printf '%-52s %12s %12s %8s %8s\n' "" "convert s" "VirtStor s" "ratio" "target"
    printf '%-52s %12.4f %12.4f %8.4f %8s\n' "(l) qcow2 s1..s2, 4 MiB of 1 GiB (convert s2 whole)" "$L_FULL" "$L_OURS" \
        "$(echo "$L_OURS / $L_FULL" | bc -l)" "-"
    printf '%-52s %12s %12s %8s %8s\n' "(l) bytes written (allocated; the stream)" "$L_FULL_SIZE" "$L_SIZE" "" ""
fi
if want k; then
    echo
    echo "workload (k): scaling of a dir pool, each command a process"
    CLI=$CLI BENCH=$BENCH V=$V LPID=$LPID Benchmarks/scaling.sh
fi
