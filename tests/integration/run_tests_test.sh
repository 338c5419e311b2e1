#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/run-tests.sh on a small ctest project of its own (passing, failing and skipped tests,
# exit 77 = SKIP_RETURN_CODE): the closing line "N passed, N failed, N skipped" for one and two
# build directories, the exit status, and ESEAL_REQUIRE_TESTDATA=1 turning a skip into a failed
# run that names the skipped test. Usage: run_tests_test.sh SOURCE_DIR. TAP.
set -u
S=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
unset ESEAL_REQUIRE_TESTDATA
# The toy project has no store: its runs leave out the PostgreSQL pass, but for the one below that counts it.
export ESEAL_PG_RUN=0
mk() { # mk DIR FAILING(0|1): two passing tests, two skipped ones, and a failing one when asked
    mkdir -p "$T/$1"
    {
        echo 'cmake_minimum_required(VERSION 3.20)'
        echo 'project(t NONE)'
        echo 'enable_testing()'
        echo 'add_test(NAME p1 COMMAND true)'
        echo 'add_test(NAME p2 COMMAND true)'
        echo "add_test(NAME vec_a COMMAND sh $T/skip.sh)"
        echo 'add_test(NAME vec_b COMMAND sh -c "exit 77")'
        echo 'set_tests_properties(vec_a vec_b PROPERTIES SKIP_RETURN_CODE 77)'
        [ "$2" = 1 ] && echo 'add_test(NAME f1 COMMAND false)'
        echo 'set_property(TEST p1 p2 vec_a vec_b PROPERTY LABELS unit)'
    } >"$T/$1/CMakeLists.txt"
    cmake -S "$T/$1" -B "$T/$1/b" >/dev/null 2>&1
}
printf 'echo "1..0 # SKIP no vectors"\nexit 77\n' >"$T/skip.sh"
mk ok 0
mk bad 1
"$S/scripts/run-tests.sh" "$T/ok/b" >"$T/out" 2>"$T/err"
rc=$?
[ "$(tail -1 "$T/out")" = "2 passed, 0 failed, 2 skipped" ] && ok "the last line counts passed, failed and skipped" ||
    notok "last line: $(tail -1 "$T/out")"
[ $rc -eq 0 ] && ok "skipped tests alone do not fail the run" || notok "exit $rc with only skips"
"$S/scripts/run-tests.sh" "$T/bad/b" "$T/ok/b" >"$T/out" 2>"$T/err"
rc=$?
[ "$(tail -1 "$T/out")" = "4 passed, 1 failed, 4 skipped" ] && ok "two builds (the second with -L unit|...): summed" ||
    notok "two builds: $(tail -1 "$T/out")"
[ $rc -ne 0 ] && ok "a failed test fails the run" || notok "exit 0 with a failure"
ESEAL_REQUIRE_TESTDATA=1 "$S/scripts/run-tests.sh" "$T/ok/b" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -ne 0 ] && ok "ESEAL_REQUIRE_TESTDATA=1: a skipped test fails the run" || notok "REQUIRE: exit 0"
[ "$(tail -1 "$T/out")" = "2 passed, 0 failed, 2 skipped" ] && ok "... and the last line is still the count" ||
    notok "REQUIRE last line: $(tail -1 "$T/out")"
grep -q "ESEAL_REQUIRE_TESTDATA=1 but 2 test(s) were skipped" "$T/err" && grep -q "vec_a" "$T/err" &&
    grep -q "vec_b" "$T/err" && ok "... and names the skipped tests" || notok "REQUIRE message: $(cat "$T/err")"
# The PostgreSQL pass (issue 22): the first build's suite again, with ESEAL_STORE naming a schema=auto
# location on a throw-away cluster; the last line counts both passes.
printf 'case "$ESEAL_STORE" in postgresql://*schema=auto) exit 0 ;; *) exit 1 ;; esac\n' >"$T/store.sh"
mkdir -p "$T/pg"
{
    echo 'cmake_minimum_required(VERSION 3.20)'
    echo 'project(t NONE)'
    echo 'enable_testing()'
    echo 'add_test(NAME p1 COMMAND true)'
    echo "add_test(NAME on_store COMMAND sh $T/on_store.sh)"
} >"$T/pg/CMakeLists.txt"
printf '[ -z "$ESEAL_STORE" ] || sh %s/store.sh\n' "$T" >"$T/on_store.sh"
cmake -S "$T/pg" -B "$T/pg/b" >/dev/null 2>&1
ESEAL_PG_RUN=1 "$S/scripts/run-tests.sh" "$T/pg/b" >"$T/out" 2>"$T/err"
rc=$?
[ "$(tail -1 "$T/out")" = "4 passed, 0 failed, 0 skipped" ] && [ $rc -eq 0 ] &&
    ok "ESEAL_PG_RUN=1: the suite twice, the second time on a PostgreSQL location with schema=auto" ||
    notok "PostgreSQL pass: $(tail -1 "$T/out") (exit $rc; $(tail -3 "$T/err"))"
grep -q "on postgresql://.*schema=auto" "$T/out" && ok "... and says on which store it runs" ||
    notok "no store named: $(grep run-tests "$T/out")"
tap_done run_tests_test
