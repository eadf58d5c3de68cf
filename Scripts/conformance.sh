#!/bin/bash
# Fetches libvirt 9.0.0's conformance data (the test inputs and expected
# outputs of its storage tests, and its storage RelaxNG schemas) from Debian's
# `libvirt` 9.0.0 source package, and unpacks it into a cache inside the build
# directory. The machine's apt sources are left as they are: the deb-src lines
# are derived from them into a private source list, with a private state and
# cache directory. The files of the source package are checked against the
# checksums of its .dsc before anything is unpacked. A cache that is already
# complete is reused without asking apt anything.
#
#   Scripts/conformance.sh [DIR]    DIR defaults to $VIRT_STORAGE_CONFORMANCE or .build/conformance/libvirt-9.0.0
#
# stdout: one line, the corpus directory (what the tests read through
# VIRT_STORAGE_CONFORMANCE; without it they look in the default place).
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${1:-${VIRT_STORAGE_CONFORMANCE:-.build/conformance/libvirt-9.0.0}}
UPSTREAM=9.0.0
say() { echo "conformance: $*" >&2; }

# Test data directories of libvirt's tests/ that the corpus holds, and the schemas.
DATA_DIRS="storagepoolxml2xmlin storagepoolxml2xmlout storagevolxml2xmlin storagevolxml2xmlout
storagepoolxml2argvdata storagevolxml2argvdata storagepoolschemadata storagevolschemadata
storagepoolcapsschemadata virstoragetestdata virstorageutildata"
SCHEMAS="basictypes.rng storagecommon.rng storagepool.rng storagepoolcaps.rng storagevol.rng"

if [ -f "$DEST/.complete" ]; then
    say "cached in $DEST ($(cat "$DEST/.complete"))"
    echo "$DEST"
    exit 0
fi

for tool in apt-get dpkg-source sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || { say "$tool is missing (Scripts/bootstrap.sh installs it)"; exit 1; }
done

WORK=$(dirname "$DEST")/.fetch
rm -rf "$WORK"
mkdir -p "$WORK"/{lists/partial,cache/archives/partial,sources.list.d,download}
trap 'rm -rf "$WORK"' EXIT

# deb-src twins of the machine's deb sources, one-line and deb822 alike.
: >"$WORK/sources.list"
if [ -f /etc/apt/sources.list ]; then
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list >>"$WORK/sources.list"
fi
for f in /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >>"$WORK/sources.list"
done
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && sed 's/^Types:.*$/Types: deb-src/' "$f" >"$WORK/sources.list.d/$(basename "$f")"
done

OPTS=(-o "Dir::Etc::SourceList=$PWD/$WORK/sources.list" -o "Dir::Etc::SourceParts=$PWD/$WORK/sources.list.d"
    -o "Dir::State::Lists=$PWD/$WORK/lists" -o "Dir::Cache=$PWD/$WORK/cache" -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=root")
APT=(apt-get -q "${OPTS[@]}")
say "reading the source package index (private source list in $WORK)"
"${APT[@]}" update >"$WORK/update.log" 2>&1 || { cat "$WORK/update.log" >&2; say "apt-get update failed"; exit 1; }

# The newest Debian revision of upstream 9.0.0 that the sources offer.
version=$(apt-cache "${OPTS[@]}" showsrc libvirt 2>/dev/null | sed -n 's/^Version: //p' | { grep "^$UPSTREAM-" || true; } | sort -V | tail -1)
[ -n "$version" ] || { say "no libvirt $UPSTREAM source package in the configured Debian sources"; exit 1; }
say "downloading libvirt $version (source)"
(cd "$WORK/download" && "${APT[@]}" source --download-only "libvirt=$version" >"../source.log" 2>&1) \
    || { cat "$WORK/source.log" >&2; say "apt-get source failed"; exit 1; }

dsc=$(ls "$WORK"/download/libvirt_*.dsc)
# Every file the .dsc names must match its SHA-256 there.
awk '/^Checksums-Sha256:/ {on=1; next} /^[^ ]/ {on=0} on && NF==3 {print $1 "  " $3}' "$dsc" >"$WORK/download/SHA256SUMS"
[ -s "$WORK/download/SHA256SUMS" ] || { say "$dsc lists no SHA-256 checksums"; exit 1; }
(cd "$WORK/download" && sha256sum --quiet -c SHA256SUMS) || { say "checksum mismatch in $(basename "$dsc")"; exit 1; }
say "checksums of $(basename "$dsc") verified ($(wc -l <"$WORK/download/SHA256SUMS") files)"

dpkg-source -x "$dsc" "$WORK/tree" >"$WORK/unpack.log" 2>&1 || { cat "$WORK/unpack.log" >&2; exit 1; }

rm -rf "$DEST"
mkdir -p "$DEST/schemas"
for d in $DATA_DIRS; do
    [ -d "$WORK/tree/tests/$d" ] || { say "tests/$d is missing from the source package"; exit 1; }
    cp -a "$WORK/tree/tests/$d" "$DEST/$d"
done
for s in $SCHEMAS; do cp -a "$WORK/tree/src/conf/schemas/$s" "$DEST/schemas/"; done
for doc in formatstorage.rst formatstoragecaps.rst formatstorageencryption.rst storage.rst; do
    cp -a "$WORK/tree/docs/$doc" "$DEST/"
done
echo "libvirt $version" >"$DEST/.complete"
say "libvirt $version test data in $DEST"
echo "$DEST"
