#!/bin/sh
# Stops the libvirtd that libvirt-up.sh started, by its pid file only.
set -u
D=${LIBVIRT_RUN_DIR:-/tmp/virtstorage-libvirt}
PIDFILE=$D/libvirtd.pid
[ -s "$PIDFILE" ] || exit 0
PID=$(cat "$PIDFILE")
if ! kill -0 "$PID" 2>/dev/null || [ "$(cat /proc/"$PID"/comm 2>/dev/null)" != "libvirtd" ]; then
    rm -f "$PIDFILE"; exit 0
fi
kill -TERM "$PID"
i=0
while kill -0 "$PID" 2>/dev/null; do
    i=$((i+1))
    if [ $i -ge 300 ]; then kill -KILL "$PID"; sleep 0.5; break; fi
    sleep 0.1
done
rm -f "$PIDFILE"
echo "libvirtd $PID stopped"
