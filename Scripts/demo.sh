#!/bin/bash
# The demo: a dir pool in a scratch directory, raw and qcow2 volumes, a listing
# with details, and a clean-up, all through virt-storage (no daemon).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/bootstrap.sh >/dev/null
swift build --product virt-storage >/dev/null 2>&1 || swift build --product virt-storage
VS="$PWD/.build/debug/virt-storage"

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/virtstorage-demo.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
export VIRT_STORAGE_ROOT="$SCRATCH/root"   # config, autostart and state live here, not in /etc

run() { echo "\$ virt-storage $*"; "$VS" "$@"; }
run pool-define-as demo dir --target "$SCRATCH/images"
run pool-build demo
run pool-start demo
run vol-create-as demo disk.raw 1G --allocation 0
run vol-create-as demo base.qcow2 10G --format qcow2
run vol-create-as demo vm1.qcow2 10G --format qcow2 --backing-vol base.qcow2 --backing-vol-format qcow2
run vol-list demo --details
run pool-info demo
run vol-dumpxml --pool demo vm1.qcow2
if command -v qemu-img >/dev/null 2>&1; then
    echo "\$ qemu-img info $SCRATCH/images/vm1.qcow2   # written natively, read by qemu"
    qemu-img info "$SCRATCH/images/vm1.qcow2"
    echo
fi
run pool-delete demo || true    # refused: the pool is active
for v in vm1.qcow2 base.qcow2 disk.raw; do run vol-delete --pool demo "$v"; done
run pool-destroy demo
run pool-delete demo
run pool-undefine demo
echo "demo finished; $SCRATCH removed"
