#!/usr/bin/env bash
# Runs ctest in the normal build (all tests) and, when given, the sanitizer build
# (unit, fuzz-replay, CLI integration and the OFD interop tests, label "sanitize"), then prints one line: "N passed, N failed".
set -u
build=$1
asan=${2:-}
passed=0
failed=0
status=0

run_ctest() {
    local dir=$1 label=$2 log
    log=$(mktemp)
    if [ -n "$label" ]; then
        (cd "$dir" && ctest --output-on-failure -j2 -L "$label") 2>&1 | tee "$log"
    else
        (cd "$dir" && ctest --output-on-failure -j2) 2>&1 | tee "$log"
    fi
    local line total bad
    line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
    if [ -z "$line" ]; then
        echo "run-tests: no ctest summary in $dir" >&2
        failed=$((failed + 1))
        status=1
    else
        bad=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
        total=$(echo "$line" | sed -E 's/.* failed out of ([0-9]+).*/\1/')
        passed=$((passed + total - bad))
        failed=$((failed + bad))
        [ "$bad" -eq 0 ] || status=1
    fi
    rm -f "$log"
}

run_ctest "$build" ""
if [ -n "$asan" ]; then
    run_ctest "$asan" "unit|fuzz|integration|sanitize"
fi
echo "$passed passed, $failed failed"
exit $status
