#!/bin/bash
# Runs the test suite under AddressSanitizer and ThreadSanitizer, each built
# into its own scratch path (.build-asan, .build-tsan) so that normal builds
# are unaffected. Builds take the shared build lock.
#
#   Scripts/sanitize.sh [address|thread|both] [FILTER]
#
# Default: both sanitizers, every test. FILTER is passed to swift test --filter
# (Scripts/test.sh runs "address VirtStorageTests"). Services the tests need
# (libvirtd, glusterd, Ceph, tgtd) are the caller's to start, as for swift test.
# Last line: SANITIZE: what ran and how it ended.
set -uo pipefail
cd "$(dirname "$0")/.."
WHICH=${1:-both}
FILTER=${2:-}
LOCK=${VIRT_STORAGE_BUILD_LOCK:-/tmp/swift-build.lock}
LOG_DIR=${VIRT_STORAGE_LOG_DIR:-.build-logs}
mkdir -p "$LOG_DIR"
case "$WHICH" in address) list=address ;; thread) list=thread ;; both) list="address thread" ;;
    *) echo "usage: Scripts/sanitize.sh [address|thread|both] [FILTER]" >&2; exit 2 ;; esac

summary=""
status=0
for sanitizer in $list; do
    scratch=.build-${sanitizer:0:1}san
    log=$LOG_DIR/sanitize-$sanitizer
    started=$(date +%s)
    echo "== swift build --sanitize=$sanitizer ($scratch)"
    if ! flock "$LOCK" swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch" >"$log-build.log" 2>&1; then
        grep -E 'error:' "$log-build.log" | sort -u | head -20
        summary="$summary $sanitizer: build failed;"
        status=1
        continue
    fi
    built=$(date +%s)
    echo "== swift test --sanitize=$sanitizer ${FILTER:+--filter $FILTER}"
    # ASan stops at its first report; TSan goes on and every report is counted (the run then
    # fails). intercept_strchr=0: libparted reads past a getline buffer with strchr in its
    # load-time constructor (not our code; it aborts every run).
    # Wall-clock limits in the tests stretch by this much (TSan slows them tenfold and more).
    VIRT_STORAGE_TIME_FACTOR=$([ "$sanitizer" = thread ] && echo 10 || echo 3) \
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:intercept_strchr=0} \
    TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1} \
        swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" ${FILTER:+--filter "$FILTER"} \
        >"$log-test.log" 2>&1
    result=$?
    passed=$(grep -o 'Test run with [0-9]* tests' "$log-test.log" | grep -o '[0-9]*' || echo 0)
    reports=$(grep -c -E '^(==[0-9]+==ERROR: AddressSanitizer|WARNING: ThreadSanitizer)' "$log-test.log" | tr -d ' ')
    if [ "$result" -ne 0 ] || [ "$reports" -ne 0 ]; then
        grep -E -A12 '^(==[0-9]+==ERROR: AddressSanitizer|WARNING: ThreadSanitizer)' "$log-test.log" | head -60
        grep -E '^✘' "$log-test.log" | head -20
        status=1
    fi
    summary="$summary $sanitizer: $passed tests run, $reports reports, exit $result (build $((built - started))s, tests $(($(date +%s) - built))s);"
done
[ $status -eq 0 ] && echo "SANITIZE: OK:${summary%;}" || echo "SANITIZE: FAILED:${summary%;} (logs in $LOG_DIR/sanitize-*)"
exit $status
