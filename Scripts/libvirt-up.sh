#!/bin/sh
# Starts Debian 12's libvirtd 9.0 as a storage-only daemon (no systemd), the
# reference the benchmarks and side-by-side tests compare against. Only the
# storage and secret drivers are loaded: the QEMU driver would need users that
# libvirt-daemon-system creates. Use `virsh -c storage:///system` for pools and
# `virsh -c secret:///system` for secrets (same daemon, so an rbd pool's
# <auth><secret uuid=.../></auth> finds a secret defined there). The storage
# driver loads its backends (fs, logical, iscsi, rbd, ...) as modules from
# LIBVIRT_STORAGE_BACKEND_DIR, the installed directory: rbd pools need
# libvirt-daemon-driver-storage-rbd, gluster pools
# libvirt-daemon-driver-storage-gluster (Scripts/bootstrap.sh installs both;
# a libvirtd started before they were installed must be restarted).
set -eu
D=${LIBVIRT_RUN_DIR:-/tmp/virtstorage-libvirt}
PIDFILE=$D/libvirtd.pid
if [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    echo "libvirtd already running, pid $(cat "$PIDFILE")"; exit 0
fi
if virsh -q -c storage:///system uri >/dev/null 2>&1; then
    echo "another libvirtd already answers on storage:///system; not starting a second one" >&2; exit 1
fi
command -v libvirtd >/dev/null 2>&1 || [ -x /usr/sbin/libvirtd ] || {
    echo "libvirtd is not installed (apt-get install libvirt-daemon libvirt-clients)" >&2; exit 1; }
mkdir -p /run/libvirt /var/lib/libvirt /var/cache/libvirt "$D/drivers"
cat >"$D/libvirtd.conf" <<CONF
unix_sock_group = "root"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0770"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_filters = ""
log_outputs = "3:file:$D/libvirtd.log"
CONF
for m in storage secret; do
    ln -sf "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_$m.so" "$D/drivers/"
done
LIBVIRT_DRIVER_DIR=$D/drivers LIBVIRT_STORAGE_BACKEND_DIR=/usr/lib/x86_64-linux-gnu/libvirt/storage-backend \
    /usr/sbin/libvirtd --daemon --config "$D/libvirtd.conf" --pid-file "$PIDFILE"
i=0
until virsh -q -c storage:///system uri >/dev/null 2>&1; do
    i=$((i+1)); [ $i -ge 100 ] && { echo "libvirtd did not come up; see $D/libvirtd.log" >&2; exit 1; }
    sleep 0.1
done
echo "libvirtd up, pid $(cat "$PIDFILE")"
