#!/bin/bash
# Workload (k) of Benchmarks/run.sh: how a dir pool's commands scale with its
# size, through the CLI, each command a process, as a user runs them. For
# N = 1,000, 10,000, 100,000 files (libvirt 9.0 beside, through virsh) and
# 1,000,000 (VirtStorage alone): the first refresh without a saved table,
# a refresh with nothing changed, vol-list, vol-path, peak memory, and a
# refresh after 100 files changed (all 100 must show). Prints a table, writes
# Benchmarks/results/scaling.dat and draws Benchmarks/results/scaling.png
# (gnuplot). One qcow2 image in 100 files, the rest sparse 1 MiB raw files.
#
# Run by run.sh, which exports CLI (release virt-storage), BENCH
# (virt-storage-bench), V (virsh on libvirtd's system storage driver) and
# LPID (libvirtd's pid). SCALING_SIZES overrides the sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CLI:?run through Benchmarks/run.sh}" "${BENCH:?}" "${V:?}" "${LPID:?}"
SIZES=${SCALING_SIZES:-"1000 10000 100000 1000000"}
LIBVIRT_MAX=100000
OUT=Benchmarks/results
mkdir -p "$OUT"
command -v gnuplot >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null

# Its own ext4 with inodes for a million files and more (the default gives
# one per 16 KiB), made whole by mkfs rather than in the background.
K=$(mktemp -d /var/tmp/virtstorage-scaling.XXXXXX)
truncate -s 24G "$K.img"
mkfs.ext4 -q -F -N 2500000 -E lazy_itable_init=0,lazy_journal_init=0 "$K.img"
LOOPK=$(losetup -f --show "$K.img")
mount "$LOOPK" "$K"
R="--root=$K/root"
cleanup_scaling() {
    for n in $SIZES; do
        $V pool-destroy "scale$n" >/dev/null 2>&1 || true
        $V pool-undefine "scale$n" >/dev/null 2>&1 || true
    done
    umount "$K" 2>/dev/null || true
    losetup -d "$LOOPK" 2>/dev/null || true
    rm -rf "$K" "$K.img"
}
trap cleanup_scaling EXIT

# "seconds peak-KiB" of one command (its output discarded); the best of $1 runs,
# each after $PREP (a command run first, untimed) if set.
timed() {
    local runs=$1 best_s="" best_m="" out
    shift
    for _ in $(seq "$runs"); do
        [ -z "${PREP:-}" ] || eval "$PREP"
        # Wall time from date (time's %e has 10 ms steps), peak memory from time.
        local s e
        s=$(date +%s.%N)
        /usr/bin/time -o "$K/time" -f "%M" "$@" >/dev/null 2>&1 || true
        e=$(date +%s.%N)
        out="$(echo "$e - $s" | bc -l) $(tail -1 "$K/time")"
        best_s=$(printf '%s\n' "${out% *}" ${best_s:+"$best_s"} | sort -g | head -1)
        best_m=$(printf '%s\n' "${out#* }" ${best_m:+"$best_m"} | sort -g | head -1)
    done
    echo "$best_s $best_m"
}
# Seconds of one run of a command (no /usr/bin/time: libvirt's work is in libvirtd).
once() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
best_of() { local runs=$1 b=""; shift; for _ in $(seq "$runs"); do b=$(printf '%s\n' "$(once "$@")" ${b:+"$b"} | sort -g | head -1); done; echo "$b"; }

echo "# N cold_s cold_kib unchanged_s unchanged_kib list_s list_kib path_s changed100_s libvirt_refresh_s libvirt_list_s libvirt_path_s libvirtd_kib" >"$OUT/scaling.dat"
printf '%-9s %-22s %-22s %-22s %8s %8s | %9s %9s %8s %12s\n' "N" "refresh, no table" "refresh, unchanged" \
    "vol-list" "vol-path" "100 chg" "libvirt rf" "vol-list" "vol-path" "libvirtd"
for N in $SIZES; do
    DIR="$K/f$N"
    "$BENCH" prepare "$DIR" "$N" 100 >/dev/null
    sync
    # Files changed within the settling time of a refresh are read again by
    # the next: the measured refreshes come after it, as on a pool at rest.
    sleep 2.5
    $CLI pool-create-as "s$N" dir --target "$DIR" $R >/dev/null
    TABLE="$K/root/run/storage/s$N.volumes"
    runs=3; [ "$N" -lt 1000000 ] || runs=2
    COLD=$(PREP="rm -f '$TABLE'" timed $runs $CLI pool-refresh "s$N" $R)
    UNCHANGED=$(timed $runs $CLI pool-refresh "s$N" $R)
    LIST=$(timed $runs $CLI vol-list "s$N" $R)
    PATH_S=$(best_of 5 $CLI vol-path --pool "s$N" r5.img $R)
    # 100 files grow by 1 MiB: one refresh, then the listing shows all 100.
    for i in $(seq 0 99); do truncate -s 2M "$DIR/r$i.img"; done
    CHANGED=$(once $CLI pool-refresh "s$N" $R)
    SHOWN=$($CLI vol-list "s$N" --details $R | grep -c ' 2\.00 MiB ' || true)
    [ "$SHOWN" -eq 100 ] || { echo "after 100 changes the listing of $N files shows $SHOWN" >&2; exit 1; }
    $CLI pool-destroy "s$N" $R >/dev/null
    LR=-; LL=-; LP=-; LM=-
    if [ "$N" -le "$LIBVIRT_MAX" ]; then
        $V pool-define-as "scale$N" dir --target "$DIR" >/dev/null
        $V pool-start "scale$N" >/dev/null   # libvirt reads the pool when it starts
        lruns=3; [ "$N" -lt "$LIBVIRT_MAX" ] || lruns=1
        LR=$(best_of $lruns $V pool-refresh "scale$N")
        if [ "$N" -le 16384 ]; then LL=$(best_of $lruns $V vol-list "scale$N"); else LL=refused; fi
        LP=$(best_of 5 $V vol-path --pool "scale$N" r5.img)
        LM=$(awk '/^VmHWM/{print $2}' /proc/"$LPID"/status)
        $V pool-destroy "scale$N" >/dev/null; $V pool-undefine "scale$N" >/dev/null
    fi
    f() { [[ "$1" =~ ^[0-9.]+$ ]] && printf '%.4f' "$1" || printf '%s' "$1"; }   # seconds, 4 decimals
    printf '%-9s %8s s %7s KiB %8s s %7s KiB %8s s %7s KiB %8s %8s | %9s %9s %8s %8s KiB\n' "$N" \
        "$(f "${COLD% *}")" "${COLD#* }" "$(f "${UNCHANGED% *}")" "${UNCHANGED#* }" "$(f "${LIST% *}")" "${LIST#* }" \
        "$(f "$PATH_S")" "$(f "$CHANGED")" "$(f "$LR")" "$(f "$LL")" "$(f "$LP")" "$LM"
    echo "$N $COLD $UNCHANGED $LIST $PATH_S $CHANGED $LR $LL $LP $LM" >>"$OUT/scaling.dat"
    rm -rf "$DIR"
done

gnuplot -e "data='$OUT/scaling.dat'; out='$OUT/scaling.png'" Benchmarks/scaling.gp
echo "(k) written: $OUT/scaling.dat, $OUT/scaling.png"
