#!/bin/bash
# The demo: builds virt-storage and shows the XML and commands it produces,
# side by side with what libvirt 9.0 produces for the same requests.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/bootstrap.sh >/dev/null
swift build --product virt-storage >/dev/null 2>&1 || swift build --product virt-storage
swift build --product DefineDirPool >/dev/null 2>&1 || swift build --product DefineDirPool
VS=.build/debug/virt-storage

run() { echo "\$ virt-storage $*"; "$VS" "$@"; }
run pool-define-as demo-images dir --target /var/lib/virtstorage/demo-images --print-xml
run pool-define-as demo-nfs netfs nfs.example.com /exports/images --source-format nfs --source-protocol-ver 4.1 --target /mnt/demo --print-xml
run vol-create-as demo-images vm1.qcow2 20G --format qcow2 --allocation 0 --print-xml

if command -v virsh >/dev/null 2>&1; then
    echo "# the same request through libvirt 9.0's virsh (test driver):"
    echo "\$ virsh vol-create-as default-pool vm1.qcow2 20G --format qcow2 --allocation 0 --print-xml"
    virsh -c test:///default vol-create-as default-pool vm1.qcow2 20G --format qcow2 --allocation 0 --print-xml
fi

echo "# an embedding program (Examples/DefineDirPool):"
.build/debug/DefineDirPool
