#!/bin/bash
# Stops the cluster Scripts/ceph-up.sh started in DIR and removes DIR.
# Daemons are found through their pid files only, and a pid is signalled only
# if that process was started with DIR's ceph.conf. The OSD goes first: an OSD
# whose monitor is gone waits 5 s for an acknowledgement that never comes.
#
#   Scripts/ceph-down.sh [DIR]    DIR defaults to $VIRT_STORAGE_CEPH_DIR or /tmp/virtstorage-ceph
# VIRT_STORAGE_CEPH_GRACE: seconds a daemon gets to stop after SIGTERM before
# SIGKILL (default 10; daemons started with SIGTERM blocked never react to it).
set -uo pipefail
GRACE=${VIRT_STORAGE_CEPH_GRACE:-10}

DIR=${1:-${VIRT_STORAGE_CEPH_DIR:-/tmp/virtstorage-ceph}}
[ -d "$DIR" ] || exit 0
[ -f "$DIR/.virtstorage-ceph" ] || { echo "ceph-down: $DIR was not made by ceph-up.sh; leaving it alone" >&2; exit 1; }

# Alive and not a zombie waiting to be reaped.
alive() { local state; state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ "$state" != Z ]; }

stop() {  # stop PIDFILE
    local pidfile=$1 pid
    [ -s "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$DIR/ceph.conf" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    kill -CONT "$pid" 2>/dev/null   # a stopped (SIGSTOP) daemon cannot act on TERM
    for _ in $(seq $((GRACE * 10))); do alive "$pid" || return 0; sleep 0.1; done
    echo "ceph-down: pid $pid did not stop in $GRACE s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null
    for _ in $(seq 50); do alive "$pid" || return 0; sleep 0.1; done
}

stop "$DIR/run/osd.0.pid"
stop "$DIR/run/mon.a.pid"
rm -rf -- "$DIR"
echo "ceph-down: stopped the cluster in $DIR" >&2
