#!/bin/bash
# Starts a private tgtd (iSCSI target daemon, no systemd) on 127.0.0.1 for the
# iscsi-direct tests, with three targets:
#   $IQN_BASE:plain  two file-backed LUNs (LUN 1: 32 MiB, LUN 2: 48 MiB), any initiator on 127.0.0.1
#   $IQN_BASE:chap   one LUN (16 MiB), CHAP (vstest-user) and mutual CHAP (vstest-target)
#   $IQN_BASE:acl    one LUN (16 MiB), only the initiator $IQN_BASE:allowed may log in
# State (pid, log, backing files, CHAP values for the tests) lives in
# $TGT_STATE; Scripts/tgt-down.sh stops tgtd by its pid file. Idempotent: a
# running tgtd from this script is left as it is.
set -euo pipefail
S=${TGT_STATE:-/tmp/virtstorage-tgt}
CTRL=${TGT_CTRL:-17}
PORT=${TGT_PORT:-3260}
IQN_BASE=${TGT_IQN_BASE:-iqn.2026-01.org.virtstorage}
CHAP_USER=vstest-user CHAP_PASS=vstest-chap-secret
OUT_USER=vstest-target OUT_PASS=vstest-target-secret

if [ -s "$S/tgtd.pid" ] && kill -0 "$(cat "$S/tgtd.pid")" 2>/dev/null; then
    echo "tgt-up: tgtd already running (pid $(cat "$S/tgtd.pid")), portal 127.0.0.1:$(cat "$S/port")"; exit 0
fi
if ss -ltnH "sport = :$PORT" | grep -q .; then echo "tgt-up: port $PORT is already in use" >&2; exit 1; fi

mkdir -p "$S"
truncate -s 32M "$S/plain-1.img"
truncate -s 48M "$S/plain-2.img"
truncate -s 16M "$S/chap-1.img"
truncate -s 16M "$S/acl-1.img"
# An earlier tgtd on this control port may have left its socket behind.
rm -f "/var/run/tgtd/socket.$CTRL" "/var/run/tgtd/socket.$CTRL.lock"
# portal= makes tgtd listen on 127.0.0.1 only (not 0.0.0.0 and ::).
setsid tgtd -f -C "$CTRL" --iscsi portal="127.0.0.1:$PORT" </dev/null >"$S/tgtd.log" 2>&1 &
echo $! >"$S/tgtd.pid"
echo "$CTRL" >"$S/ctrl"
echo "$PORT" >"$S/port"

ready=""
for _ in $(seq 100); do
    if tgtadm -C "$CTRL" --op show --mode sys >/dev/null 2>&1 && ss -ltnH "sport = :$PORT" | grep -q .; then
        ready=1; break
    fi
    kill -0 "$(cat "$S/tgtd.pid")" 2>/dev/null || break
    sleep 0.1
done
[ -n "$ready" ] || { echo "tgt-up: tgtd did not start; log:" >&2; cat "$S/tgtd.log" >&2; exit 1; }

T=(tgtadm -C "$CTRL" --lld iscsi)
"${T[@]}" --op new --mode target --tid 1 -T "$IQN_BASE:plain"
"${T[@]}" --op new --mode logicalunit --tid 1 --lun 1 -b "$S/plain-1.img"
"${T[@]}" --op new --mode logicalunit --tid 1 --lun 2 -b "$S/plain-2.img"
"${T[@]}" --op bind --mode target --tid 1 -I 127.0.0.1

"${T[@]}" --op new --mode target --tid 2 -T "$IQN_BASE:chap"
"${T[@]}" --op new --mode logicalunit --tid 2 --lun 1 -b "$S/chap-1.img"
"${T[@]}" --op bind --mode target --tid 2 -I 127.0.0.1
"${T[@]}" --op new --mode account --user "$CHAP_USER" --password "$CHAP_PASS"
"${T[@]}" --op bind --mode account --tid 2 --user "$CHAP_USER"
"${T[@]}" --op new --mode account --user "$OUT_USER" --password "$OUT_PASS"
"${T[@]}" --op bind --mode account --tid 2 --user "$OUT_USER" --outgoing

"${T[@]}" --op new --mode target --tid 3 -T "$IQN_BASE:acl"
"${T[@]}" --op new --mode logicalunit --tid 3 --lun 1 -b "$S/acl-1.img"
"${T[@]}" --op bind --mode target --tid 3 -Q "$IQN_BASE:allowed"

# What the tests need to know (test-only credentials of this private target).
cat >"$S/env" <<ENV
TGT_PORTAL=127.0.0.1:$PORT
TGT_IQN_BASE=$IQN_BASE
TGT_CHAP_USER=$CHAP_USER
TGT_CHAP_PASS=$CHAP_PASS
TGT_OUT_USER=$OUT_USER
TGT_OUT_PASS=$OUT_PASS
ENV
echo "tgt-up: tgtd pid $(cat "$S/tgtd.pid"), portal 127.0.0.1:$PORT, targets $IQN_BASE:{plain,chap,acl}"
