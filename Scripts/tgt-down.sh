#!/bin/bash
# Stops the tgtd that Scripts/tgt-up.sh started, by its pid file only (never
# by name), and removes its state. Safe to run when nothing is running.
set -uo pipefail
S=${TGT_STATE:-/tmp/virtstorage-tgt}
[ -s "$S/tgtd.pid" ] || { rm -rf "$S"; echo "tgt-down: not running"; exit 0; }
PID=$(cat "$S/tgtd.pid")
CTRL=$(cat "$S/ctrl" 2>/dev/null || echo 17)

ours() { # the pid is still a tgtd on our control port (not a reused pid)
    [ -r "/proc/$PID/cmdline" ] && tr '\0' ' ' <"/proc/$PID/cmdline" | grep -q "^tgtd -f -C $CTRL "
}
if ours; then
    tgtadm -C "$CTRL" --op update --mode sys --name State -v offline >/dev/null 2>&1
    for tid in $(tgtadm -C "$CTRL" --lld iscsi --op show --mode target 2>/dev/null | sed -n 's/^Target \([0-9]*\):.*/\1/p'); do
        tgtadm -C "$CTRL" --lld iscsi --op delete --mode target --tid "$tid" --force >/dev/null 2>&1
    done
    tgtadm -C "$CTRL" --op delete --mode system >/dev/null 2>&1
    for _ in $(seq 100); do ours || break; sleep 0.1; done
    if ours; then kill -TERM "$PID"; sleep 1; fi
    if ours; then kill -KILL "$PID"; fi
    echo "tgt-down: tgtd pid $PID stopped"
else
    echo "tgt-down: pid $PID is not our tgtd (already gone)"
fi
rm -f "/var/run/tgtd/socket.$CTRL" "/var/run/tgtd/socket.$CTRL.lock"
rm -rf "$S"
