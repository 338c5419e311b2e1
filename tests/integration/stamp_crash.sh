#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Crash test of the two-phase stamp (prepare, authorise, record, publish; docs/audit-log.md).
#  1. A stamping process is stopped inside prepare and between each pair of phases (the test
#     program's internal phase hook: stamp_crasher pauses there) and killed with SIGKILL; killed
#     inside prepare it leaves no file at all (the temporary file is unnamed until its publication),
#     also when it stamps in place. Killed after the publication (before the commit that erases
#     the mark) with the output then changed: the recovery reports it (stamp.failed), never marks
#     it published (in a folder of its own: the oracle below would rightly refuse that output).
#  2. `eseal stamp --batch` (the real program, no hook) is killed at random moments, ROUNDS times.
# After each kill the oracle (stamp_crasher check) holds: every output in the folder is the
# doc-after of a stamp entry (never a published stamp without its entry); every stamp entry has
# its published file, a "stamp.failed" entry, or a publication still pending with its temporary
# (its temporary file, if it was named yet). After the next stamp (which settles what a crash
# left) the last case is gone and no temporary file is left: strict.
# Usage: stamp_crash.sh ESEAL STAMP_CRASHER RESOURCES [ROUNDS]
set -u
E=$1
C=$2
R=$3
ROUNDS=${4:-6}
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_PASSPHRASE=stamp-crash-passphrase
H=$T/home
export ESEAL_HOME=$H
unset ESEAL_PASS_FILE || true
"$E" init >/dev/null 2>"$T/err" || { notok "init: $(cat "$T/err")"; tap_done stamp_crash; exit 1; }
ORG=$("$E" cert issue --org "Crash Test Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>"$T/err")
SEAL=$("$E" seal make --cert "$ORG" --type contract --name "Crash Test Ltd" 2>>"$T/err")
[ -n "$SEAL" ] && ok "a seal to stamp with" || { notok "seal: $(cat "$T/err")"; tap_done stamp_crash; exit 1; }
mkdir -p "$T/in"
python3 "$R/mkpdf.py" "$T/in/base.pdf" 1
fresh=0
# A stamp by the real program: it settles what a crash left before it stamps.
settle() {
    fresh=$((fresh + 1))
    cp "$T/in/base.pdf" "$T/in/fresh$fresh.pdf"
    "$E" stamp "$T/in/fresh$fresh.pdf" -o "$1/fresh$fresh.pdf" --seal "$SEAL" >"$T/settle.out" 2>&1
}
# The number of stamp entries in the log.
stamps() { "$C" check "$H" "$O" | tail -1 | cut -d' ' -f1; }

# Every output goes to one folder: the oracle pairs the files there with every stamp entry.
O=$T/out
mkdir -p "$O"
# 1. Stopped and killed inside prepare, between each pair of phases and after the publication.
for phase in preparing prepared authorised recorded published; do
    before=$(stamps)
    cp "$T/in/base.pdf" "$T/in/$phase.pdf"
    cp "$T/in/$phase.pdf" "$T/in/$phase.orig"
    "$C" stamp "$H" "$SEAL" "$O" "$phase" "$T/in/$phase.pdf" >"$T/paused" 2>"$T/crasher.err" &
    pid=$!
    waited=0
    until grep -q "paused $phase" "$T/paused" 2>/dev/null; do
        if [ "$waited" -ge 600 ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.1
        waited=$((waited + 1))
    done
    if grep -q "paused $phase" "$T/paused"; then ok "$phase: the stamp stopped there"; else
        notok "$phase: the stamp did not stop there: $(cat "$T/crasher.err")"
    fi
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    cmp -s "$T/in/$phase.pdf" "$T/in/$phase.orig" && ok "$phase: killed: the input is untouched" ||
        notok "$phase: killed: the input changed"
    if "$C" check "$H" "$O" >"$T/check" 2>&1; then ok "$phase: killed: $(tail -1 "$T/check")"; else
        notok "$phase: killed: $(cat "$T/check")"
    fi
    published=$(find "$O" -name "$phase.pdf" | wc -l)
    case $phase in
    preparing | prepared | authorised)
        [ "$published" -eq 0 ] && has "$T/check" "^$before stamp entries" "$phase: killed: nothing published, nothing recorded" ||
            notok "$phase: killed: published $published" ;;
    recorded)
        [ "$published" -eq 0 ] && has "$T/check" "1 pending" "recorded: killed: recorded, not published, pending" ||
            notok "recorded: killed: published $published" ;;
    published)
        [ "$published" -eq 1 ] && ok "published: killed: published (and recorded: the oracle above)" ||
            notok "published: killed: published $published" ;;
    esac
    if [ "$phase" = preparing ]; then
        has "$T/check" ", 0 temporary$" "preparing: killed: no temporary file left beside the output"
    fi
    if settle "$O"; then ok "$phase: the next stamp succeeds"; else notok "$phase: the next stamp: $(cat "$T/settle.out")"; fi
    if "$C" check "$H" "$O" strict >"$T/check" 2>&1; then ok "$phase: settled: $(tail -1 "$T/check")"; else
        notok "$phase: settled: $(cat "$T/check")"
    fi
    if [ "$phase" = recorded ]; then
        has "$T/check" "1 recorded as failed" "recorded: settled: the unpublished stamp has its stamp.failed entry"
        n_tmp=$(find "$O" -name 'recorded.pdf.tmp-*' | wc -l)
        [ "$n_tmp" -eq 0 ] && ok "recorded: settled: its temporary file is gone" || notok "recorded: settled: $n_tmp temporary files"
        last=$(($("$E" log checkpoint | sed -n 2p) - 1))
        "$E" log show "$((last - 1))" >"$T/failed" 2>&1
        has "$T/failed" "^type stamp.failed" "recorded: settled: the entry before the next stamp is stamp.failed"
        has "$T/failed" "stopped before it renamed" "recorded: settled: stamp.failed says why"
    fi
done

# 1b. Killed inside prepare while stamping in place: the folder holds the input, as it was, and nothing else.
mkdir -p "$T/inplace"
cp "$T/in/base.pdf" "$T/inplace/doc.pdf"
"$C" stamp "$H" "$SEAL" "$T/inplace" preparing "$T/inplace/doc.pdf" >"$T/paused" 2>"$T/crasher.err" &
pid=$!
waited=0
until grep -q "paused preparing" "$T/paused" 2>/dev/null; do
    if [ "$waited" -ge 600 ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
    waited=$((waited + 1))
done
grep -q "paused preparing" "$T/paused" && ok "in place: the stamp stopped inside prepare" ||
    notok "in place: the stamp did not stop inside prepare: $(cat "$T/crasher.err")"
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
left=$(ls -A "$T/inplace" | tr '\n' ' ')
[ "$left" = "doc.pdf " ] && ok "in place: killed inside prepare: the folder holds the input alone" ||
    notok "in place: killed inside prepare: the folder holds: $left"
cmp -s "$T/inplace/doc.pdf" "$T/in/base.pdf" && ok "in place: killed inside prepare: the input is untouched" ||
    notok "in place: killed inside prepare: the input changed"

# 1c. Killed after the rename, before the commit that erases the mark (it rides on the receipts'
#     commit, issue 18): the next stamp's recovery checks the output's digest. Intact, it is found
#     published (the "published" phase above); changed since, it is never marked published: its
#     stamp.failed entry says the output does not have the recorded SHA-256.
mkdir -p "$T/changed"
cp "$T/in/base.pdf" "$T/in/changed.pdf"
"$C" stamp "$H" "$SEAL" "$T/changed" published "$T/in/changed.pdf" >"$T/paused" 2>"$T/crasher.err" &
pid=$!
waited=0
until grep -q "paused published" "$T/paused" 2>/dev/null; do
    if [ "$waited" -ge 600 ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
    waited=$((waited + 1))
done
grep -q "paused published" "$T/paused" && ok "changed: the stamp stopped after its publication" ||
    notok "changed: the stamp did not stop after its publication: $(cat "$T/crasher.err")"
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
[ -f "$T/changed/changed.pdf" ] && ok "changed: killed: the output is in place" || notok "changed: killed: no output"
printf '%% changed after the crash\n' >>"$T/changed/changed.pdf"
before=$(stamps)
if settle "$O"; then ok "changed: the next stamp succeeds"; else notok "changed: the next stamp: $(cat "$T/settle.out")"; fi
last=$(($("$E" log checkpoint | sed -n 2p) - 1))
"$E" log show "$((last - 1))" >"$T/failed" 2>&1
has "$T/failed" "^type stamp.failed" "changed: settled: the entry before the next stamp is stamp.failed"
has "$T/failed" "does not have the recorded SHA-256" "changed: settled: stamp.failed says the output is not the recorded one"
[ "$(stamps)" -eq $((before + 1)) ] && ok "changed: settled: one stamp entry more (the next stamp's)" ||
    notok "changed: settled: $(stamps) stamp entries after $before"

# 2. The real program killed at random moments during a batch.
for r in $(seq 1 "$ROUNDS"); do
    : >"$T/list"
    for i in $(seq 1 30); do
        cp "$T/in/base.pdf" "$T/in/r$r-$i.pdf"
        echo "$T/in/r$r-$i.pdf" >>"$T/list"
    done
    "$E" stamp --batch "$T/list" -O "$O" --seal "$SEAL" -j 2 >"$T/batch.out" 2>&1 &
    pid=$!
    # A random moment between 0.6 and 2.4 s (the program needs most of a second to start, then
    # stamps a few dozen documents a second).
    ms=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 1800 + 600 ))
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    done_here=$(find "$O" -name "r$r-*.pdf" ! -name '*.tmp-*' | wc -l)
    if "$C" check "$H" "$O" >"$T/check" 2>&1; then ok "random kill $r after $ms ms ($done_here of 30 published): $(tail -1 "$T/check")"; else
        notok "random kill $r after $ms ms: $(cat "$T/check")"
    fi
done
if settle "$O"; then ok "random: the next stamp succeeds"; else notok "random: the next stamp: $(cat "$T/settle.out")"; fi
if "$C" check "$H" "$O" strict >"$T/check" 2>&1; then ok "random: settled: $(tail -1 "$T/check")"; else
    notok "random: settled: $(cat "$T/check")"
fi
if "$E" log audit >"$T/audit" 2>&1; then ok "the log audits after every kill"; else notok "log audit: $(cat "$T/audit")"; fi
tap_done stamp_crash
