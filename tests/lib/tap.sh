# SPDX-License-Identifier: Apache-2.0
# Sourced by the shell test scripts: a scratch directory $T removed on exit, TAP
# output with counters (ok / notok / skip: "ok N # SKIP why", for a part that cannot run here),
# and tap_done NAME for the summary line and the exit status (non-zero when anything failed).
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
bad=0
skipped=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n # SKIP $1"; }
# expect CODE DESCRIPTION -- command...: runs the command (stdout in $T/out, stderr in $T/err),
# ok when it exits CODE, else not ok with both streams shown.
expect() {
    local want=$1 desc=$2
    shift 3
    "$@" >"$T/out" 2>"$T/err"
    local got=$?
    if [ "$got" -eq "$want" ]; then ok "$desc"; else
        notok "$desc (exit $got, wanted $want)"
        sed 's/^/#   /' "$T/out" "$T/err" | head -20
    fi
}
# has FILE PATTERN DESCRIPTION: ok when FILE holds PATTERN (grep), else not ok with the file shown.
has() {
    if grep -q -- "$2" "$1"; then ok "$3"; else
        notok "$3 (no '$2')"
        sed 's/^/#   /' "$1" | head -20
    fi
}
tap_done() {
    echo "$((n - bad - skipped)) passed, $bad failed, $skipped skipped ($1)"
    [ "$bad" -eq 0 ]
}
