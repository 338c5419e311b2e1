#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs ctest in the normal build (all tests), then the whole suite again in the normal build on a
# PostgreSQL store (issue 22: a throw-away cluster on loopback, scripts/pg-cluster.sh; every instance a
# test makes lives in a schema of its own, ESEAL_STORE=...?schema=auto; ESEAL_PG_RUN=0 leaves this
# pass out), and, when given, the sanitizer build (unit, fuzz-replay, CLI integration and the OFD
# interop tests, label "sanitize"), then prints one line: "N passed, N failed, N skipped", counting
# every pass. A skipped test is one that exited with its
# SKIP_RETURN_CODE: the tests labelled `vectors` do when the third-party vectors are absent (a
# clone of the project alone). With ESEAL_REQUIRE_TESTDATA=1 (CI, which has them) a skipped test
# is an error: the run fails and names it.
set -u
build=$1
asan=${2:-}
passed=0
failed=0
skipped=0
status=0
skipped_names=()

run_ctest() {
    local dir=$1 label=$2 log
    log=$(mktemp)
    echo "run-tests: ctest in $dir${label:+ (-L $label)}${ESEAL_STORE:+ on $ESEAL_STORE}"
    if [ -n "$label" ]; then
        (cd "$dir" && ctest --output-on-failure -j2 -L "$label") 2>&1 | tee "$log"
    else
        (cd "$dir" && ctest --output-on-failure -j2) 2>&1 | tee "$log"
    fi
    local line total bad skip
    line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
    if [ -z "$line" ]; then
        echo "run-tests: no ctest summary in $dir" >&2
        failed=$((failed + 1))
        status=1
    else
        bad=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
        total=$(echo "$line" | sed -E 's/.* failed out of ([0-9]+).*/\1/')
        # ctest counts a skipped test among the passed ones; it lists it under
        # "The following tests did not run:" as "NN - name (Skipped)".
        skip=0
        while read -r name; do
            skip=$((skip + 1))
            skipped_names+=("$dir${ESEAL_STORE:+ (PostgreSQL)}: $name")
        done < <(sed -n '/^The following tests did not run:/,/^$/p' "$log" |
            sed -n -E 's/^[[:space:]]*[0-9]+ - (.*) \(Skipped\)$/\1/p')
        passed=$((passed + total - bad - skip))
        failed=$((failed + bad))
        skipped=$((skipped + skip))
        [ "$bad" -eq 0 ] || status=1
    fi
    rm -f "$log"
}

run_ctest "$build" ""
if [ "${ESEAL_PG_RUN:-1}" != 0 ]; then
    pgdir=$(mktemp -d)
    if url=$("$(dirname "$0")/pg-cluster.sh" start "$pgdir"); then
        ESEAL_STORE="$url?schema=auto" ESEAL_TEST_PG="$url" run_ctest "$build" ""
        "$(dirname "$0")/pg-cluster.sh" stop "$pgdir"
    else
        echo "run-tests: could not start a PostgreSQL cluster (scripts/pg-cluster.sh)" >&2
        failed=$((failed + 1))
        status=1
    fi
    rm -rf "$pgdir"
fi
if [ -n "$asan" ]; then
    run_ctest "$asan" "unit|fuzz|integration|sanitize"
fi
if [ "${ESEAL_REQUIRE_TESTDATA:-}" = 1 ] && [ "$skipped" -gt 0 ]; then
    echo "run-tests: ESEAL_REQUIRE_TESTDATA=1 but $skipped test(s) were skipped:" >&2
    printf '  %s\n' "${skipped_names[@]}" >&2
    status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
