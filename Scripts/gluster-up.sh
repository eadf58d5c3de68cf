#!/bin/bash
# Starts a private glusterd (no systemd) serving one single-brick volume on
# this host, loopback only, for the netfs and gluster pool tests. Its state
# lives in $GLUSTER_STATE; Scripts/gluster-down.sh stops it by pid file.
# Prints the host and volume to use (the brick host must be a name that
# resolves to 127.x: the gluster CLI refuses "localhost" and "127.0.0.1").
set -euo pipefail
S=${GLUSTER_STATE:-/tmp/virtstorage-gluster}
VOL=${GLUSTER_VOLUME:-gv0}
HOST=${GLUSTER_HOST:-$(hostname)}
G=(gluster "--glusterd-sock=$S/glusterd.socket" --mode=script "--log-file=$S/log/cli.log")

addr=$(getent ahostsv4 "$HOST" | awk 'NR==1 {print $1}')
case "$addr" in 127.*) ;; *) echo "gluster-up: $HOST resolves to '$addr', not loopback: refusing" >&2; exit 1 ;; esac
if [ -s "$S/glusterd.pid" ] && kill -0 "$(cat "$S/glusterd.pid")" 2>/dev/null; then
    echo "gluster-up: glusterd already running (pid $(cat "$S/glusterd.pid")), volume $VOL on $HOST"; exit 0
fi
if ss -ltnH 'sport = :24007' | grep -q .; then echo "gluster-up: port 24007 is taken by another glusterd" >&2; exit 1; fi

mkdir -p "$S"/{lib,run,log} "$S/brick/$VOL"
# glusterd also writes a few fixed system paths; remember those it creates.
: >"$S/created"
for p in /var/lib/glusterd/geo-replication /var/lib/glusterd/ss_brick /var/run/gluster/snaps \
    /var/log/glusterfs/{bricks,cmd_history.log,geo-replication,geo-replication-secondaries,gfproxy,snaps}; do
    [ -e "$p" ] || echo "$p" >>"$S/created"
done
cat >"$S/glusterd.vol" <<VOLFILE
volume management
    type mgmt/glusterd
    option working-directory $S/lib
    option run-directory $S/run
    option glusterd-sockfile $S/glusterd.socket
    option transport-type socket
    option transport.socket.bind-address 127.0.0.1
    option transport.socket.listen-port 24007
    option transport.address-family inet
    option ping-timeout 0
    option event-threads 1
end-volume
VOLFILE
glusterd -f "$S/glusterd.vol" -p "$S/glusterd.pid" -l "$S/log/glusterd.log"
for _ in $(seq 300); do "${G[@]}" volume list >/dev/null 2>&1 && break; sleep 0.1; done
"${G[@]}" volume list >/dev/null 2>&1 || { echo "gluster-up: glusterd does not answer, see $S/log/glusterd.log" >&2; exit 1; }
"${G[@]}" volume info "$VOL" >/dev/null 2>&1 || "${G[@]}" volume create "$VOL" "$HOST:$S/brick/$VOL" force >/dev/null
"${G[@]}" volume info "$VOL" | grep -q '^Status: Started' || "${G[@]}" volume start "$VOL" >/dev/null
# Ready when the brick is online and listening.
online=""
for _ in $(seq 300); do
    status=$("${G[@]}" volume status "$VOL" detail 2>/dev/null || true)
    port=$(awk -F: '/^TCP Port/ {gsub(/ /, "", $2); print $2}' <<<"$status")
    online=$(awk -F: '/^Online/ {gsub(/ /, "", $2); print $2}' <<<"$status")
    if [ "$online" = Y ] && [ -n "$port" ] && [ "$port" != N/A ] && ss -ltnH "sport = :$port" | grep -q .; then break; fi
    sleep 0.1
done
[ "$online" = Y ] || { echo "gluster-up: the brick of $VOL did not come online" >&2; exit 1; }
echo "gluster-up: volume $VOL on $HOST (glusterd pid $(cat "$S/glusterd.pid"), brick port $port)"
