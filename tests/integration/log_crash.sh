#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Crash test of the audit log: after a first signed checkpoint (round 0), a stream of appends (4 threads, the publisher signing every
# 20 ms) is killed with SIGKILL at random moments, ROUNDS times. After each kill:
#  - every entry whose append returned is in the log, at the index it was given;
#  - every checkpoint published so far is still in the store, byte for byte;
#  - `eseal log audit` passes: it re-derives the tree from the entries and checks that the
#    root of every stored checkpoint (and of HOME/log/checkpoint) is the root of that many
#    entries, so every checkpoint ever published is a prefix of one tree (consistent);
#  - a consistency proof from the first checkpoint to the last can be made.
# Usage: log_crash.sh ESEAL LOG_APPENDER [ROUNDS]
set -eu
ESEAL=$1
APPENDER=$2
ROUNDS=${3:-25}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export ESEAL_PASSPHRASE=crash-test-passphrase
H=$T/home
"$ESEAL" init --home "$H" >/dev/null
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

mkdir -p "$T/published"
# Round 0 is not killed at a random moment but once the first checkpoint is signed: opening the
# instance and unlocking the log key can take seconds on a loaded machine, and a kill before the
# first checkpoint would leave nothing published to check. From then on a checkpoint must always
# exist, so "no checkpoint" after any later kill is a real failure, not a slow start.
"$APPENDER" append "$H" 0 4 >>"$T/acks" 2>"$T/append.err" &
pid=$!
waited=0
until "$ESEAL" log checkpoint --home "$H" >"$T/published/0" 2>"$T/err"; do
    if [ "$waited" -ge 1200 ] || ! kill -0 "$pid" 2>/dev/null; then
        bad "round 0: no checkpoint after $((waited / 10)) s: $(cat "$T/err" "$T/append.err")"
        break
    fi
    sleep 0.1
    waited=$((waited + 1))
done
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
r=1
while [ "$r" -le "$ROUNDS" ]; do
    "$APPENDER" append "$H" "$r" 4 >>"$T/acks" 2>"$T/append.err" &
    pid=$!
    # A random moment between 0.15 and 1.2 s.
    ms=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 1050 + 150 ))
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [ -s "$T/append.err" ]; then bad "round $r: the appender failed: $(cat "$T/append.err")"; fi
    # What was published: the newest checkpoint now (kept to compare later).
    if "$ESEAL" log checkpoint --home "$H" >"$T/cp" 2>"$T/err"; then mv "$T/cp" "$T/published/$r"; ok; else bad "round $r: no checkpoint: $(cat "$T/err")"; fi
    if "$APPENDER" check "$H" "$T/acks" >"$T/check.out" 2>&1; then ok; else bad "round $r: $(cat "$T/check.out")"; fi
    if "$ESEAL" log audit --home "$H" >"$T/audit" 2>&1; then ok; else bad "round $r: audit: $(cat "$T/audit")"; fi
    # Every checkpoint published in earlier rounds is still the store's checkpoint of that size.
    for f in "$T"/published/*; do
        size=$(sed -n 2p "$f")
        if "$ESEAL" log checkpoint --home "$H" --size "$size" | cmp -s - "$f"; then :; else
            # A later checkpoint of the same size may carry more cosignatures, never another tree.
            bad "round $r: the checkpoint of size $size published in round $(basename "$f") changed"
        fi
    done
    ok
    r=$((r + 1))
done
acks=$(wc -l <"$T/acks")
first=$(sed -n 2p "$T/published/0")
last=$("$ESEAL" log checkpoint --home "$H" | sed -n 2p)
if [ -n "$first" ] && [ "$first" -gt 0 ] && [ "$last" -ge "$first" ] && "$ESEAL" log consistency "$first" "$last" --home "$H" >/dev/null; then ok; else bad "no consistency proof from $first to $last"; fi
echo "log_crash: $ROUNDS kills, $acks acknowledged appends, tree $last entries; $(cat "$T/audit")"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
