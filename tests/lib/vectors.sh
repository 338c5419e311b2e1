# SPDX-License-Identifier: Apache-2.0
# Sourced (after tap.sh) by the shell tests that read third-party test vectors: the sets of
# shared/testdata (ofd-samples, tlog-vectors), files made by others and kept outside the
# repository, each with a SOURCES.md saying where every file comes from. tests/CMakeLists.txt
# decides once where they are and passes that directory as an argument (empty: none).
#   vectors_dir SET ROOT     prints ROOT/SET when it holds SOURCES.md, nothing otherwise
#   vectors_skip SET ROOT D  the part D needs SET and it is missing: one "ok N # SKIP" line
#                            (a failure when ESEAL_REQUIRE_TESTDATA=1, as in CI)
#   vectors_only SET ROOT    the whole script needs SET: without it, one "1..0 # SKIP" line
#                            and exit 77 (ctest's SKIP_RETURN_CODE), or exit 1 when required
# Run by hand without a ROOT argument, ROOT is $ESEAL_TESTDATA, else ../shared/testdata beside
# the source tree.
VECTORS_DEFAULT_ROOT=${ESEAL_TESTDATA-$(dirname "$0")/../../../shared/testdata}

vectors_dir() {
    [ -n "$2" ] && [ -f "$2/$1/SOURCES.md" ] && (cd "$2/$1" && pwd)
}

vectors_missing() { # the one line: what is missing and where such vectors come from
    echo "third-party vectors $1 not found in ${2:-\$ESEAL_TESTDATA or ../shared/testdata}" \
        "(third-party files kept outside the repository, see $1/SOURCES.md of shared/testdata;" \
        "set ESEAL_TESTDATA to that directory)"
}

vectors_required() { [ "${ESEAL_REQUIRE_TESTDATA:-}" = 1 ]; }

vectors_skip() {
    if vectors_required; then
        notok "$3: ESEAL_REQUIRE_TESTDATA=1 but $(vectors_missing "$1" "$2")"
    else
        skip "$3: $(vectors_missing "$1" "$2")"
    fi
}

vectors_only() {
    [ -n "$(vectors_dir "$1" "$2")" ] && return 0
    if vectors_required; then
        echo "not ok 1 - ESEAL_REQUIRE_TESTDATA=1 but $(vectors_missing "$1" "$2")"
        exit 1
    fi
    echo "1..0 # SKIP $(vectors_missing "$1" "$2")"
    exit 77
}
