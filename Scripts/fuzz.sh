#!/bin/bash
# Fuzzes the pool XML parser, the volume XML parser and the image-header
# probers with libFuzzer and AddressSanitizer (Fuzz/, built into its own
# scratch path so that normal builds are unaffected).
#
#   Scripts/fuzz.sh [SECONDS]     total run time, split over the three targets (default 60)
#
# Seeds: libvirt 9.0's pool and volume XML from the conformance corpus, and
# the first 4 KiB of images qemu-img makes in every format it writes. The
# corpora grow in .build-fuzz/corpus; a crash stops the run, its input is saved
# in Fuzz/findings/ and the script fails (fix it, then move the input to
# Fuzz/regressions/<pool|volume|header>/ so FuzzRegressionTests replays it). Last line: FUZZ: executions per target.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TOTAL=${1:-60}
SCRATCH=.build-fuzz
CONFORMANCE=$(Scripts/conformance.sh)
LOCK=${VIRT_STORAGE_BUILD_LOCK:-/tmp/swift-build.lock}

mkdir -p "$SCRATCH"
echo "== building the fuzz targets (-sanitize=fuzzer,address)"
flock "$LOCK" swift build --package-path Fuzz --scratch-path "$SCRATCH" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >"$SCRATCH/fuzz-build.log" 2>&1 \
    || { tail -30 "$SCRATCH/fuzz-build.log"; echo "FUZZ: FAILED: build"; exit 1; }
BIN=$(swift build --package-path Fuzz --scratch-path "$SCRATCH" --show-bin-path)

corpus=$SCRATCH/corpus
mkdir -p "$corpus"/{pool,volume,header} Fuzz/findings
cp "$CONFORMANCE"/storagepoolxml2xmlin/*.xml "$CONFORMANCE"/storagepoolschemadata/*.xml "$corpus/pool/" 2>/dev/null || true
# Volume seeds: one byte choosing the pool type (0 = dir, the first), then the document.
for f in "$CONFORMANCE"/storagevolxml2xmlin/*.xml "$CONFORMANCE"/storagevolschemadata/*.xml; do
    { printf '\0'; cat "$f"; } >"$corpus/volume/$(basename "$f")"
done
# Inputs that once failed (Fuzz/regressions, replayed by FuzzRegressionTests) seed the runs too.
for dir in pool volume header; do cp Fuzz/regressions/$dir/* "$corpus/$dir/" 2>/dev/null || true; done
images=$(mktemp -d)
trap 'rm -rf "$images"' EXIT
for fmt in qcow2 qcow qed vmdk vpc vdi vhdx cloop raw; do
    qemu-img create -q -f "$fmt" "$images/$fmt.img" 16M >/dev/null 2>&1 || continue
    head -c 4096 "$images/$fmt.img" >"$corpus/header/$fmt"
done
qemu-img create -q -f qcow2 -b "$images/qcow2.img" -F qcow2 -o compat=1.1,lazy_refcounts=on "$images/overlay.img" >/dev/null 2>&1 \
    && head -c 4096 "$images/overlay.img" >"$corpus/header/qcow2-backed"
qemu-img create -q -f luks --object secret,id=s,data=x -o key-secret=s,iter-time=10 "$images/luks.img" 16M >/dev/null 2>&1 \
    && head -c 4096 "$images/luks.img" >"$corpus/header/luks"

per=$(( SECONDS_TOTAL / 3 > 0 ? SECONDS_TOTAL / 3 : 1 ))
summary=""
status=0
for target in pool:FuzzPoolXML volume:FuzzVolumeXML header:FuzzImageHeader; do
    dir=${target%%:*}; exe=${target#*:}
    echo "== $exe for ${per}s ($(ls "$corpus/$dir" | wc -l) inputs in the corpus)"
    log=$SCRATCH/$exe.log
    if ! "$BIN/$exe" "$corpus/$dir" -max_total_time="$per" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="Fuzz/findings/$exe-" >"$log" 2>&1; then
        grep -E 'ERROR|Fatal error|SUMMARY|artifact' "$log" | head -20
        status=1
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    summary="$summary $exe $runs executions,"
done
if [ $status -ne 0 ]; then echo "FUZZ: FAILED:${summary%,} (inputs in Fuzz/findings/)"; exit 1; fi
echo "FUZZ: OK:${summary%,} in ${SECONDS_TOTAL}s, no crash"
