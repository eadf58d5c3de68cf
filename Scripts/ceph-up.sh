#!/bin/bash
# Starts a throwaway one-node Ceph cluster (one monitor, one memstore OSD, a
# pool named "rbd") for the rbd backend's tests. Everything lives in one run
# directory under /tmp and listens on 127.0.0.1 only; nothing in /etc/ceph is
# read or written. Idempotent: when the cluster in that directory already
# answers, it only prints where it is.
#
#   Scripts/ceph-up.sh [DIR]      DIR defaults to $VIRT_STORAGE_CEPH_DIR or /tmp/virtstorage-ceph
#
# stdout: one line, the path of the cluster's ceph.conf (export it as
# VIRT_STORAGE_CEPH_CONF for the tests). The client.admin key, base64, is in
# DIR/client.admin.key and in the keyring DIR/ceph.client.admin.keyring.
# Stop it with Scripts/ceph-down.sh [DIR].
set -euo pipefail

DIR=${1:-${VIRT_STORAGE_CEPH_DIR:-/tmp/virtstorage-ceph}}
case "$DIR" in /tmp/*) ;; *) echo "ceph-up: the run directory must be under /tmp: $DIR" >&2; exit 1 ;; esac
CONF=$DIR/ceph.conf
KEYRING=$DIR/ceph.client.admin.keyring
say() { echo "ceph-up: $*" >&2; }

for tool in ceph-mon ceph-osd ceph-authtool monmaptool ceph rbd ss; do
    command -v "$tool" >/dev/null 2>&1 || { say "$tool is missing (Scripts/bootstrap.sh installs it)"; exit 1; }
done

# Already up? Then only say where it is.
if [ -f "$DIR/.virtstorage-ceph" ] && [ -s "$DIR/run/mon.a.pid" ] && kill -0 "$(cat "$DIR/run/mon.a.pid")" 2>/dev/null \
    && timeout 10 rbd -c "$CONF" ls rbd >/dev/null 2>&1; then
    say "already running in $DIR (admin key: $DIR/client.admin.key)"
    echo "$CONF"
    exit 0
fi
if [ -e "$DIR" ]; then
    [ -f "$DIR/.virtstorage-ceph" ] || { say "$DIR exists and is not ours; refusing to touch it"; exit 1; }
    say "$DIR holds a cluster that does not answer; stopping what is left of it"
    "$(dirname "$0")/ceph-down.sh" "$DIR"
fi

started=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - started) / 1000000 )) ms"; }

# Three free ports on 127.0.0.1: monitor msgr2, monitor msgr1, and the start
# of a small range for the OSD (so it never meets another cluster's 6800-7300).
taken=" "
pick_port() {
    local port
    for _ in $(seq 200); do
        port=$(( 20000 + RANDOM % 30000 ))
        [[ "$taken" == *" $port "* ]] && continue
        [ -z "$(ss -Htan "( sport = :$port )")" ] || continue
        taken="$taken$port "
        echo "$port"
        return 0
    done
    say "no free port found"
    return 1
}
MON2=$(pick_port); MON1=$(pick_port); OSDPORT=$(pick_port)

mkdir -p "$DIR"/{run,log,mon/ceph-a,osd/ceph-0}
touch "$DIR/.virtstorage-ceph"
trap 'status=$?; [ $status -eq 0 ] || say "failed (status $status); logs in $DIR/log; clean up with Scripts/ceph-down.sh $DIR"' EXIT

FSID=$(cat /proc/sys/kernel/random/uuid)
MONADDR="[v2:127.0.0.1:$MON2,v1:127.0.0.1:$MON1]"
cat >"$CONF" <<EOF
# Written by VirtStorage's Scripts/ceph-up.sh: a test cluster, data in RAM.
[global]
fsid = $FSID
mon host = $MONADDR
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
ms bind port min = $OSDPORT
ms bind port max = $(( OSDPORT + 20 ))
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
mon warn on insecure global id reclaim = false
mon warn on insecure global id reclaim allowed = false
run dir = $DIR/run
crash dir = $DIR/log
mon data = $DIR/mon/\$cluster-\$id
osd data = $DIR/osd/\$cluster-\$id
log file = $DIR/log/\$name.log
pid file = $DIR/run/\$name.pid
# one OSD: one copy, no host-level placement, few placement groups
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1
# no manager daemon: keep the cluster healthy without one
mon mgr mkfs grace = 3600
# commit map changes in a tenth of a second instead of one
paxos propose interval = 0.1
paxos min wait = 0.01
osd objectstore = memstore
memstore device bytes = ${VIRT_STORAGE_CEPH_BYTES:-$((4 << 30))}
[client]
keyring = $KEYRING
log file = /dev/null
EOF

ceph-authtool --create-keyring "$DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool --create-keyring "$KEYRING" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$DIR/mon.keyring" --import-keyring "$KEYRING" >/dev/null
ceph-authtool "$KEYRING" -n client.admin --print-key >"$DIR/client.admin.key"
chmod 600 "$DIR/client.admin.key" "$KEYRING" "$DIR/mon.keyring"
monmaptool --create --fsid "$FSID" --addv a "$MONADDR" "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" -i a --mkfs --monmap "$DIR/monmap" --keyring "$DIR/mon.keyring" >"$DIR/log/mon-mkfs.out" 2>&1
ceph-mon -c "$CONF" -i a >>"$DIR/log/mon.stdout" 2>>"$DIR/log/mon.stderr" </dev/null     # daemonizes; pid in run/mon.a.pid

CEPH="timeout 20 ceph -c $CONF"
wait_for() {  # wait_for WHAT COMMAND...: up to 30 s
    local what=$1; shift
    for _ in $(seq 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    say "$what did not come up"
    return 1
}
wait_for "the monitor" $CEPH health
say "monitor up on 127.0.0.1:$MON2 after $(elapsed)"

OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_KEY=$(ceph-authtool --gen-print-key)
echo "{\"cephx_secret\": \"$OSD_KEY\"}" >"$DIR/osd.json"
OSD_ID=$($CEPH osd new "$OSD_UUID" -i "$DIR/osd.json")
rm -f "$DIR/osd.json"
[ "$OSD_ID" = 0 ] || { say "expected OSD id 0, got '$OSD_ID'"; exit 1; }
ceph-authtool --create-keyring "$DIR/osd/ceph-0/keyring" -n osd.0 --add-key "$OSD_KEY" >/dev/null
ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$OSD_UUID" >"$DIR/log/osd-mkfs.out" 2>&1
ceph-osd -c "$CONF" -i 0 >>"$DIR/log/osd.stdout" 2>>"$DIR/log/osd.stderr" </dev/null     # daemonizes; pid in run/osd.0.pid
osd_up() { $CEPH osd stat 2>/dev/null | grep -q '1 up'; }
wait_for "osd.0" osd_up
say "osd.0 up after $(elapsed)"

$CEPH osd pool create rbd 8 8 >/dev/null 2>&1
timeout 60 rbd -c "$CONF" pool init rbd
wait_for "pool rbd" timeout 10 rbd -c "$CONF" ls rbd
say "ready after $(elapsed): conf $CONF, admin key in $DIR/client.admin.key"
echo "$CONF"
