#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The fsyncs of one CLI stamp (issue #18), counted with strace, not timed: a PDF stamp at B-B with
# the default embedded store (SQLite) must make at most ESEAL_FSYNC_MAX sync calls (fsync,
# fdatasync, sync_file_range, syncfs, sync, msync) and must still make the ones durability needs:
# the stamped document before its rename, its directory after it, and a commit of the store's WAL
# (the audit entry). docs/performance.md lists where each comes from. The 8 of today, in order:
#   1 the output (its temporary file)           5 the store: the checkpoint (log writer)
#   2 the store: the audit entry (log writer)   6 HOME/log/ temporary file (outside checkpoint)
#   3 HOME: SQLite's first-WAL-sync dir sync    7 HOME/log (its directory)
#   4 the output's directory                    8 the store: receipt + marks erased (log writer)
# Each removed sync coming back fails a check of its own besides the total:
#   B  the instance TSA's serial counter commit   -> a 4th WAL sync, on a second connection
#   C  a second connection writing the store      -> HOME synced twice, the WAL on two descriptors
#   D  the publication marks erased on their own  -> a 4th WAL sync
#   A  (before) the recovery hint on every stamp  -> a 4th WAL sync
#   the close-time checkpoint (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE) -> a sync of eseal.db itself
# Skipped (77) without strace or where it cannot trace.
# Usage: fsync_count.sh /path/to/eseal
set -u
E=$1
MAX=${ESEAL_FSYNC_MAX:-8}
MAX_WAL=${ESEAL_FSYNC_MAX_WAL:-3}
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/store.sh
. "$(dirname "$0")/../lib/store.sh"
R=$(dirname "$0")/../resources
if ! command -v strace >/dev/null; then
    echo "1..0 # SKIP strace is missing (scripts/deps.sh installs it)"
    exit 77
fi
if ! strace -f -o /dev/null true 2>/dev/null; then
    echo "1..0 # SKIP strace cannot trace here (ptrace not permitted)"
    exit 77
fi
export ESEAL_PASSPHRASE=fsync-pass-1
export ESEAL_HOME=$T/home
unset ESEAL_PASS_FILE || true

expect 0 "init" -- "$E" init
id=$("$E" cert issue --org "Fsync Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>"$T/err")
[ -n "$id" ] && ok "a certificate" || notok "a certificate: $(cat "$T/err")"
seal=$("$E" seal make --cert "$id" --name "Fsync Seal" 2>"$T/err")
[ -n "$seal" ] && ok "a seal" || notok "a seal: $(cat "$T/err")"
mkdir "$T/d"
python3 "$R/mkpdf.py" "$T/d/in.pdf" 3
# The first stamp of the instance, then the one counted: what every later stamp pays.
expect 0 "a first stamp" -- "$E" stamp "$T/d/in.pdf" -o "$T/d/s1.pdf" --seal "$seal" --page 1 --level B-B
# LeakSanitizer cannot run under ptrace (the sanitizer build of `make test`): leaks are the other
# tests' business, the syncs this one's.
expect 0 "the stamp counted, under strace" -- env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -y -o "$T/trace" \
    -e trace=fsync,fdatasync,sync_file_range,syncfs,sync,msync \
    "$E" stamp "$T/d/in.pdf" -o "$T/d/s2.pdf" --seal "$seal" --page 1 --level B-B
grep -E '^[0-9]+ +(fsync|fdatasync|sync_file_range|syncfs|sync|msync)\(' "$T/trace" >"$T/syncs"
count=$(wc -l <"$T/syncs")
sed "s|$T|T|g; s/^/#   /" "$T/syncs"
[ "$count" -le "$MAX" ] && ok "$count sync calls, at most $MAX" || notok "$count sync calls, more than $MAX"
# what durability needs is still there (the fd paths strace -y prints)
grep -Eq "fsync\([0-9]+<$T/d/[^>]*>" "$T/syncs" && ok "the document is synced before its rename" ||
    notok "no sync of the document (a file in $T/d)"
grep -Eq "sync\([0-9]+<$T/d>\)" "$T/syncs" && ok "its directory is synced after the rename" ||
    notok "no sync of the output's directory"
if store_is_pg "$ESEAL_HOME"; then
    # The counts below are SQLite's (its WAL, eseal.db, HOME's directory sync); on PostgreSQL the
    # commit is durable on the server, in another process: what this process must not do is sync a
    # SQLite file.
    for what in "the store's WAL synced" "WAL syncs at most $MAX_WAL" "the WAL synced through one connection" \
        "HOME synced at most once" "eseal.db itself not synced"; do
        skip "$what: SQLite's files; the instance's store is on PostgreSQL"
    done
    grep -Eq "sync\([0-9]+<$ESEAL_HOME/eseal\.db" "$T/syncs" && notok "a PostgreSQL instance synced an eseal.db file" ||
        ok "no eseal.db file synced (the store is on PostgreSQL)"
else
    grep -Eq "sync\([0-9]+<$ESEAL_HOME/eseal.db-wal>\)" "$T/syncs" && ok "the store's WAL is synced (a durable commit)" ||
        notok "no sync of eseal.db-wal"
    # What issue 18 removed stays removed (the list above).
    wal=$(grep -Ec "sync\([0-9]+<$ESEAL_HOME/eseal.db-wal>\)" "$T/syncs")
    [ "$wal" -le "$MAX_WAL" ] && ok "$wal WAL syncs, at most $MAX_WAL (entry, checkpoint, receipt with the marks: no counter, no lone erase)" ||
        notok "$wal WAL syncs, more than $MAX_WAL (a counter commit (B), a lone mark erase (D) or the recovery hint came back?)"
    wal_fds=$(grep -Eo "sync\([0-9]+<$ESEAL_HOME/eseal.db-wal>\)" "$T/syncs" | sort -u | wc -l)
    [ "$wal_fds" -le 1 ] && ok "the WAL is synced through one connection" ||
        notok "the WAL is synced through $wal_fds connections (C: the stamp's writes belong on the log writer's)"
    home=$(grep -Ec "sync\([0-9]+<$ESEAL_HOME>\)" "$T/syncs")
    [ "$home" -le 1 ] && ok "HOME synced $home time(s), at most once (SQLite's directory sync, one connection)" ||
        notok "HOME synced $home times (C: a second connection's first WAL sync)"
    grep -Eq "sync\([0-9]+<$ESEAL_HOME/eseal.db>\)" "$T/syncs" && notok "eseal.db itself synced (a checkpoint on close?)" ||
        ok "eseal.db itself not synced (no checkpoint on close)"
fi
expect 0 "the stamped document verifies" -- "$E" verify "$T/d/s2.pdf"
# A batch of N: per document its output, its entry's commit and its folder (each reported as soon as
# it is durable), then once HOME (SQLite), the folder again (sync_output_dirs), the checkpoint (WAL,
# file, HOME/log) and ONE commit with every receipt and erased mark: 3N + 6 at most, N + 2 WAL
# syncs at most (a receipt commit per document, as before issue 18's second round, gives 2N + 2).
N=10
: >"$T/list"
for i in $(seq 1 $N); do
    cp "$T/d/in.pdf" "$T/d/b$i.pdf"
    echo "$T/d/b$i.pdf" >>"$T/list"
done
mkdir "$T/o"
expect 0 "a batch of $N, under strace" -- env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -y -o "$T/btrace" \
    -e trace=fsync,fdatasync,sync_file_range,syncfs,sync,msync \
    "$E" stamp --batch "$T/list" -O "$T/o" --seal "$seal" --page 1 --level B-B -j 2
grep -E '(fsync|fdatasync|sync_file_range|syncfs|sync|msync)\(' "$T/btrace" >"$T/bsyncs"
bcount=$(wc -l <"$T/bsyncs")
bwal=$(grep -Ec "sync\([0-9]+<$ESEAL_HOME/eseal.db-wal>" "$T/bsyncs")
[ "$bcount" -le $((3 * N + 6)) ] && ok "batch: $bcount sync calls, at most $((3 * N + 6))" ||
    notok "batch: $bcount sync calls, more than $((3 * N + 6))"
if store_is_pg "$ESEAL_HOME"; then
    skip "batch: WAL syncs at most $((N + 2)): SQLite's WAL; the instance's store is on PostgreSQL"
else
    [ "$bwal" -le $((N + 2)) ] && ok "batch: $bwal WAL syncs, at most $((N + 2)) (the receipts in one commit)" ||
        notok "batch: $bwal WAL syncs, more than $((N + 2)) (a commit per receipt?)"
fi
[ "$(find "$T/o" -name 'b*.pdf' | wc -l)" -eq "$N" ] && ok "batch: $N outputs" || notok "batch: outputs missing"
tap_done "fsync_count"
