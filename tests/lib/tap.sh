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
tap_done() {
    echo "$((n - bad - skipped)) passed, $bad failed, $skipped skipped ($1)"
    [ "$bad" -eq 0 ]
}
