#!/bin/bash
# The one test command: installs what the tests need, builds everything
# (warnings are errors), proves the native backends are optional, runs every
# test and prints a summary line. Exit status 0 only if all of it passed.
set -uo pipefail
cd "$(dirname "$0")/.."
LOG_DIR=${VIRT_STORAGE_LOG_DIR:-.build-logs}
mkdir -p "$LOG_DIR"
start=$(date +%s)
fail() { echo "SUMMARY: FAILED: $*"; exit 1; }

Scripts/bootstrap.sh || fail "bootstrap"

echo "== swift build (all traits)"
swift build --build-tests 2>&1 | tee "$LOG_DIR/build.log" | grep -E 'error|warning:|Compiling|Build complete' | grep -v '^\[' || true
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "swift build"
if grep -q 'warning:' "$LOG_DIR/build.log"; then grep 'warning:' "$LOG_DIR/build.log" | sort -u; fail "build warnings"; fi

echo "== swift build --disable-default-traits (libxml2 only)"
swift build --disable-default-traits --scratch-path .build-notraits --product virt-storage > "$LOG_DIR/build-notraits.log" 2>&1 \
    || { tail -20 "$LOG_DIR/build-notraits.log"; fail "build without native traits"; }
if grep -q 'warning:' "$LOG_DIR/build-notraits.log"; then fail "warnings in the build without traits"; fi
linked=$(ldd .build-notraits/debug/virt-storage | grep -E -c 'librbd|librados|libgfapi|libparted|libdevmapper|libiscsi|libbtrfsutil' || true)
[ "$linked" -eq 0 ] || fail "virt-storage without traits still links $linked native libraries"
echo "virt-storage without traits links none of librbd, librados, libgfapi, libparted, libdevmapper, libiscsi, libbtrfsutil"
# With the traits on, the backends open their libraries at run time (dlopen): none is linked either.
needed=$(readelf -d .build/debug/virt-storage | grep NEEDED | grep -E -c 'librbd|librados|libgfapi|libparted|libdevmapper|libiscsi|libbtrfsutil' || true)
[ "$needed" -eq 0 ] || fail "virt-storage links $needed native libraries instead of opening them on first use"

echo "== documentation"
Scripts/docs.sh >"$LOG_DIR/docs.log" 2>&1 || { cat "$LOG_DIR/docs.log"; fail "documentation"; }

echo "== example programs"
.build/debug/DefineDirPool > "$LOG_DIR/example.log" 2>&1 || { cat "$LOG_DIR/example.log"; fail "example DefineDirPool"; }
.build/debug/WatchEvents > "$LOG_DIR/example-events.log" 2>&1 || { cat "$LOG_DIR/example-events.log"; fail "example WatchEvents"; }
grep -q "^event: event 'lifecycle' for storage volume a.img of pool demo: Created$" "$LOG_DIR/example-events.log" \
    || { cat "$LOG_DIR/example-events.log"; fail "example WatchEvents saw no volume event"; }
# The embedding guide's program (Snippets/Embedding.swift, shown in DocC):
# its event loop must end at shutdown and a second host must find the volume.
.build/debug/Embedding > "$LOG_DIR/example-embedding.log" 2>&1 \
    && grep -q "^event loop ended$" "$LOG_DIR/example-embedding.log" \
    && grep -q "^found again: vm1.qcow2, 3221225472 bytes, pool active: true$" "$LOG_DIR/example-embedding.log" \
    || { cat "$LOG_DIR/example-embedding.log"; fail "embedding guide program (Snippets/Embedding.swift)"; }
truncate -s 8M "$LOG_DIR/upload-src.img" && printf 'data' | dd of="$LOG_DIR/upload-src.img" bs=1 seek=4194304 conv=notrunc status=none
.build/debug/UploadWithProgress "$LOG_DIR/upload-src.img" > "$LOG_DIR/example-upload.log" 2>&1 \
    || { cat "$LOG_DIR/example-upload.log"; fail "example UploadWithProgress"; }
.build/debug/ListPools "$LOG_DIR/no-such-root" > "$LOG_DIR/example-list.log" 2>&1 || { cat "$LOG_DIR/example-list.log"; fail "example ListPools"; }

# Services the tests run against; each is stopped by its pid file at exit.
stop_services() {
    Scripts/ceph-down.sh >/dev/null
    Scripts/gluster-down.sh >/dev/null
    Scripts/libvirt-down.sh >/dev/null
    Scripts/tgt-down.sh >/dev/null
}
trap stop_services EXIT
# Services that a plain `swift test` started are this script's from here on:
# no test process's stopper (Tests/VirtStorageTestSupport/TestServices.swift)
# stops them once their markers are gone.
mkdir -p /tmp/virtstorage-test-services
( flock 9; rm -f /tmp/virtstorage-test-services/*.started-by-tests ) 9>>/tmp/virtstorage-test-services/lock
echo "== libvirtd 9.0 (storage driver) for the side-by-side tests"
Scripts/libvirt-up.sh || fail "libvirtd did not start"
echo "== glusterd with one volume for the netfs (and gluster) tests"
Scripts/gluster-up.sh || fail "glusterd did not start"
echo "== Ceph (one monitor, one memstore OSD) for the rbd tests"
VIRT_STORAGE_CEPH_CONF=$(Scripts/ceph-up.sh) || fail "Ceph did not start (Scripts/ceph-up.sh)"
export VIRT_STORAGE_CEPH_CONF
echo "== example RBDPool on that cluster"
MON=$(sed -n 's/.*v2:\(127\.0\.0\.1:[0-9]*\).*/\1/p' "$VIRT_STORAGE_CEPH_CONF" | head -1)
.build/debug/RBDPool "$MON" "$(dirname "$VIRT_STORAGE_CEPH_CONF")/client.admin.key" > "$LOG_DIR/example-rbd.log" 2>&1 \
    && grep -q "^deleted virtstorage-example-" "$LOG_DIR/example-rbd.log" \
    || { cat "$LOG_DIR/example-rbd.log"; fail "example RBDPool"; }
echo "== tgtd with three targets on 127.0.0.1 for the iscsi-direct tests"
Scripts/tgt-up.sh || fail "tgtd did not start"

# The gluster brick fault test leaves libgfapi reconnect timers behind that
# can crash a busy test process later (RELIABILITY.md): it runs alone below.
fault_test=brickStoppedMidwayFailsClearlyAndPoolRecovers
echo "== swift test"
swift test --skip "$fault_test" 2>&1 | tee "$LOG_DIR/test.log" | grep -E '^(✔|✘|➜|⚠)|error:|passed after|failed after' | grep -v 'Test case passing' || true
status=${PIPESTATUS[0]}

echo "== the gluster brick fault test, in a process of its own"
swift test --skip-build --filter "$fault_test" >"$LOG_DIR/gluster-fault.log" 2>&1
fault_status=$?
grep -E "^(✔|✘) Test $fault_test" "$LOG_DIR/gluster-fault.log"
[ "$fault_status" -eq 0 ] && grep -q "^✔ Test $fault_test() passed" "$LOG_DIR/gluster-fault.log" \
    || fail "the gluster brick fault test (see $LOG_DIR/gluster-fault.log)"

# The differential test at CI's size, in a process of its own: a long test
# process outlives libgfapi's background threads, which may then crash it
# (RELIABILITY.md, "libgfapi's glfs_fini").
echo "== virt-storage beside virsh, 300 generated scenarios"
VIRT_STORAGE_DIFF_SCENARIOS=300 swift test --skip-build --filter DifferentialTests >"$LOG_DIR/differential.log" 2>&1
diff_status=$?
grep -E 'differential:|✘' "$LOG_DIR/differential.log" | head -20
[ "$diff_status" -eq 0 ] || fail "differential test (see $LOG_DIR/differential.log)"
differential=$(grep -o 'differential: [0-9]* steps compared' "$LOG_DIR/differential.log" | grep -o '[0-9]*')

passed=$(( $(grep '^✔ Test ' "$LOG_DIR/test.log" | grep -vc '^✔ Test run' || true) + 1 ))
failed=$(grep -E '^✘ Test .* failed after' "$LOG_DIR/test.log" | grep -vc '^✘ Test run' || true)
skipped=$(grep -c 'skipped' "$LOG_DIR/test.log" || true)
count() { grep -o "\"$1\" with [0-9]* test cases passed" "$LOG_DIR/test.log" | grep -o '[0-9]* test cases' | cut -d' ' -f1; }
mutants=$(grep -o '^[a-z]* mutation test: [0-9]* mutants' "$LOG_DIR/test.log" | awk '{s+=$4} END {print s+0}')
elapsed=$(( $(date +%s) - start ))
details="pool round trips $(count 'pool XML round trip')/38, volume round trips $(count 'volume XML round trip')/20,"
details="$details pool start commands $(count 'pool start command')/33, qemu-img commands $(count 'qemu-img command')/27,"
details="$details schema files $(( $(count 'pool documents') + $(count 'volume documents') + $(count 'pool capabilities documents') )),"
details="$details bad inputs $(( $(count 'bad pool XML') + $(count 'bad volume XML') )), mutants $mutants,"
details="$details differential steps ${differential:-0}"
# A test process that crashed prints no run summary, and swift test's own
# status has been seen 0 then: the summary line is required.
grep -qE '^(✔|✘) Test run with [0-9]+ tests' "$LOG_DIR/test.log" \
    || { grep -E 'Program crashed|crashed:|exited with unexpected signal' "$LOG_DIR/test.log" | head -5
         fail "the test process ended without its summary: it crashed ($passed tests had passed; see $LOG_DIR/test.log)"; }
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] || fail "$failed tests failed ($details)"
[ "$skipped" -eq 0 ] || { grep 'skipped' "$LOG_DIR/test.log"; fail "$skipped tests skipped: every test must run here"; }

# Reliability (RELIABILITY.md): a short fuzz run and the unit tests under
# AddressSanitizer, each built into its own scratch path under the build lock.
echo "== fuzzing, ${VIRT_STORAGE_FUZZ_SECONDS:-60} s (Scripts/fuzz.sh)"
Scripts/fuzz.sh "${VIRT_STORAGE_FUZZ_SECONDS:-60}" >"$LOG_DIR/fuzz.log" 2>&1 || { grep -v 'ld.gold: warning' "$LOG_DIR/fuzz.log" | tail -20; fail "fuzzing"; }
fuzz=$(grep '^FUZZ:' "$LOG_DIR/fuzz.log" | sed 's/^FUZZ: OK: //; s/ in [0-9]*s, no crash//')
echo "$fuzz"
echo "== unit tests under AddressSanitizer (Scripts/sanitize.sh address VirtStorageTests)"
VIRT_STORAGE_LOG_DIR="$LOG_DIR" Scripts/sanitize.sh address VirtStorageTests >"$LOG_DIR/sanitize.log" 2>&1 || { tail -40 "$LOG_DIR/sanitize.log"; fail "tests under AddressSanitizer"; }
asan=$(grep '^SANITIZE:' "$LOG_DIR/sanitize.log" | grep -o 'address: [0-9]* tests run, 0 reports')
echo "$asan"
details="$details; fuzz:$fuzz; $asan"
elapsed=$(( $(date +%s) - start ))
echo "SUMMARY: OK: $passed tests passed, 0 failed, 0 skipped; $details; ${elapsed}s"
