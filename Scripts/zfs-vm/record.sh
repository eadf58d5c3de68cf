#!/bin/bash
# Records the real zfs output that the zfs tests play back: runs
# record-streams.sh in the ZFS guest (run.sh) and puts what it kept into
# Tests/VirtStorageTests/Recorded/zfs, empty outputs left out. Run as root.
# Creation times and sizes differ from one recording to the next: the zfs
# tests that name them (ZFSPoolTests) follow the recording in the checkout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
recorded="$here/../../Tests/VirtStorageTests/Recorded/zfs"
share=/var/tmp/virtstorage-zfsvm/record
"$here/run.sh" "$here/record-streams.sh" "$share"
grep -q '^job rc=0$' "$share/job.log" || { echo "record-streams.sh failed: $share/job.log" >&2; exit 1; }
rm -rf "$recorded"
mkdir -p "$recorded"
cp "$share/out/"* "$recorded/"
find "$recorded" -size 0 -delete
echo "recorded $(ls "$recorded" | wc -l) files into $recorded"
