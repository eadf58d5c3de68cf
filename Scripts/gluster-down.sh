#!/bin/bash
# Stops what Scripts/gluster-up.sh started: the volume, the brick and glusterd,
# found by their pid files (never by name), then removes the state.
set -uo pipefail
S=${GLUSTER_STATE:-/tmp/virtstorage-gluster}
VOL=${GLUSTER_VOLUME:-gv0}
G=(gluster "--glusterd-sock=$S/glusterd.socket" --mode=script "--log-file=$S/log/cli.log")
[ -d "$S" ] || exit 0

# A pid counts only if it still runs the program we started (pids are reused).
ours() { [ -n "$1" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && echo "$1"; }
wait_gone() {
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null
}
glusterd_pid=$(ours "$(cat "$S/glusterd.pid" 2>/dev/null)" glusterd)
brick_pidfile=$(ls "$S"/run/vols/"$VOL"/*.pid 2>/dev/null | head -1)
brick_pid=$([ -n "$brick_pidfile" ] && ours "$(cat "$brick_pidfile")" glusterfsd)
brick_socket=""
brick_log=""
if [ -n "$brick_pid" ]; then
    args=$(tr '\0' '\n' <"/proc/$brick_pid/cmdline")
    brick_socket=$(grep -A1 -x -- -S <<<"$args" | tail -1)
    brick_log=$(grep -A1 -x -- -l <<<"$args" | tail -1)
fi
if [ -n "$glusterd_pid" ]; then
    "${G[@]}" volume stop "$VOL" force >/dev/null 2>&1
    "${G[@]}" volume delete "$VOL" >/dev/null 2>&1
fi
[ -n "$brick_pid" ] && wait_gone "$brick_pid"
[ -n "$glusterd_pid" ] && kill -TERM "$glusterd_pid" 2>/dev/null && wait_gone "$glusterd_pid"
case "$brick_socket" in /var/run/gluster/*.socket | /run/gluster/*.socket) rm -f "$brick_socket" ;; esac
case "$brick_log" in /var/log/glusterfs/bricks/*.log) rm -f "$brick_log" ;; esac
if [ -f "$S/created" ]; then
    while read -r p; do
        case "$p" in /var/lib/glusterd/* | /var/run/gluster/* | /var/log/glusterfs/*) rm -rf "$p" ;; esac
    done <"$S/created"
fi
# The brick keeps trusted.* attributes that forbid reuse: remove it all.
rm -rf "$S"
echo "gluster-down: stopped (glusterd ${glusterd_pid:-not running}, brick ${brick_pid:-not running})"
