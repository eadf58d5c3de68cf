#!/bin/sh
# Installs every Debian package that building, testing and the demo need,
# then fetches libvirt 9.0.0's conformance data (Scripts/conformance.sh) into
# .build/conformance. Idempotent: when everything is present it only asks dpkg
# and finds the cache complete.
set -eu

PACKAGES="
pkg-config libxml2-dev libblkid-dev librbd-dev librados-dev libglusterfs-dev libparted-dev
libdevmapper-dev libiscsi-dev libbtrfsutil-dev
qemu-utils parted lvm2 e2fsprogs xfsprogs btrfs-progs
tgt libiscsi-bin
ceph-mon ceph-osd ceph-common iproute2
glusterfs-server glusterfs-client
dpkg-dev xz-utils
libvirt-clients libvirt-daemon libvirt-daemon-driver-storage-rbd libvirt-daemon-driver-storage-gluster qemu-block-extra bc
"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing="$missing $p"
    fi
done

conformance() { "$(dirname "$0")/conformance.sh" >/dev/null; }

if [ -z "$missing" ]; then
    echo "bootstrap: all $(echo $PACKAGES | wc -w) packages present"
    conformance
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "bootstrap: need root (or sudo) to install:$missing" >&2; exit 1; }
    SUDO=sudo
fi
echo "bootstrap: installing$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "bootstrap: done"
conformance
