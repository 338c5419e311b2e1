#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The audit log checked by code eseal shares nothing with: Go's golang.org/x/mod/sumdb/note and
# sumdb/tlog (Debian's golang-golang-x-mod-dev) verify the exported checkpoint, rebuild the tree
# from the exported entry bundles, compare every hash tile, check eseal's consistency proofs
# (tlog.CheckTree) and the stamps' receipts (tlog.CheckRecord). Then the CLI: verify-receipt
# with --doc, wrong keys and documents; log serve over HTTP; tampering with a stored entry, a
# tile hash or a checkpoint is caught by `eseal log audit` and by receipts.
# Tessera's own test log (shared/testdata/tlog-vectors) is the Go verifier's control; without
# the vectors that one check is skipped.
# Usage: tlog_interop.sh ESEAL TESTDATA [LOG_APPENDER]
set -u
E=$1
VROOT=$2
APPENDER=${3:-}
R=$(cd "$(dirname "$0")/../resources" && pwd)
G=$(cd "$(dirname "$0")/goverify" && pwd)
T=$(mktemp -d)
SRV=""
WSRV=""
trap '[ -n "$SRV" ] && kill "$SRV" 2>/dev/null; [ -n "$WSRV" ] && kill "$WSRV" 2>/dev/null; rm -rf "$T"' EXIT
export ESEAL_HOME="$T/home" ESEAL_PASSPHRASE=tlog-interop-pass
pass=0
fail=0
skipped=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
notok() { fail=$((fail + 1)); echo "not ok - $1"; }
skip() { skipped=$((skipped + 1)); echo "ok # SKIP $1"; }
# shellcheck source=../lib/vectors.sh
. "$(dirname "$0")/../lib/vectors.sh"
# shellcheck source=../lib/store.sh
. "$(dirname "$0")/../lib/store.sh"
TD=$(vectors_dir tlog-vectors "$VROOT")
check() { d=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$d"; else notok "$d"; sed 's/^/#   /' "$T/out" | head -20; fi; }
refuse() { d=$1; shift; if "$@" >"$T/out" 2>&1; then notok "$d (accepted)"; sed 's/^/#   /' "$T/out" | head -5; else ok "$d"; fi; }
gov() { GOPATH=/usr/share/gocode GO111MODULE=off GOCACHE="$T/gocache" GOFLAGS= go run "$G/main.go" "$@"; }

"$E" init >/dev/null 2>&1 || { echo "not ok - init"; exit 1; }
python3 "$R/mkpdf.py" "$T/in.pdf" >/dev/null 2>&1 || notok "mkpdf"
python3 "$R/mkofd.py" "$T/in.ofd" >/dev/null 2>&1 || notok "mkofd"
id=$("$E" cert issue --org "Log Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>/dev/null)
seal=$("$E" seal make --cert "$id" --type contract --name "Log Seal" -o "$T/s.esl" 2>/dev/null)
[ -n "$seal" ] && ok "a seal" || notok "a seal"

check "stamp a PDF with --receipt" "$E" stamp "$T/in.pdf" -o "$T/s1.pdf" --seal "$seal" --receipt "$T/s1.receipt" \
    --client-ip 10.0.0.7 --device laptop-1 --approvals A-1,A-2
"$E" log checkpoint >"$T/old1"
size1=$(sed -n 2p "$T/old1")
check "stamp an OFD with --receipt" "$E" stamp "$T/in.ofd" -o "$T/s2.ofd" --seal "$seal" --receipt "$T/s2.receipt"
check "stamp at B-T with --receipt" "$E" stamp "$T/in.pdf" -o "$T/s3.pdf" --seal "$seal" --level B-T \
    --receipt "$T/s3.receipt"
check "a lifecycle change" "$E" seal suspend "$seal" --reason "audit interop"
check "log publish" "$E" log publish
"$E" log checkpoint >"$T/new"
size2=$(sed -n 2p "$T/new")
check "consistency proof $size1 -> $size2" sh -c "'$E' log consistency $size1 $size2 >'$T/p1'"
check "log export" "$E" log export "$T/x"
vkey=$("$E" log key)
case "$vkey" in *+*+*) ok "log key is name+id+base64";; *) notok "log key: $vkey";; esac

# The layout: C2SP tlog-tiles paths.
w=$((size2 % 256))
[ -f "$T/x/checkpoint" ] && [ -f "$T/x/tile/0/000.p/$w" ] && [ -f "$T/x/tile/entries/000.p/$w" ] \
    && ok "export: checkpoint, tile/0/000.p/$w, tile/entries/000.p/$w" || notok "export layout (size $size2)"
cmp -s "$T/x/checkpoint" "$T/new" && ok "the exported checkpoint is the newest" || notok "exported checkpoint"
# Every checkpoint size's partial tiles are there (size1's too).
w1=$((size1 % 256))
[ -f "$T/x/tile/0/000.p/$w1" ] && ok "the partial tile of the older checkpoint (width $w1)" || notok "older partial tile"

# Go's x/mod: the whole log, the older checkpoint and the receipts.
check "Go x/mod verifies checkpoint, tree, tiles, consistency and receipts" \
    gov -vkey "$vkey" -dir "$T/x" -old "$T/old1:$T/p1" -receipt "$T/s1.receipt" -receipt "$T/s2.receipt" \
    -receipt "$T/s3.receipt"
grep -q "checks passed" "$T/out" && sed -n 's/^/#   /p' "$T/out" | tail -8
if [ -n "$TD" ]; then
    check "Go x/mod reads Tessera's own test log the same way (the verifier's control)" \
        gov -vkey 'example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx' \
        -dir "$TD/tessera-log"
else
    vectors_skip tlog-vectors "$VROOT" "Go x/mod on Tessera's own test log (the verifier's control)"
fi
# A tampered export fails in Go too.
cp -r "$T/x" "$T/xt"
python3 -c "
import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[40]^=1; open(p,'wb').write(b)" "$T/xt/tile/entries/000.p/$w"
refuse "Go x/mod refuses an export with a changed entry" gov -vkey "$vkey" -dir "$T/xt"

# Receipts, offline, through eseal.
check "verify-receipt --doc (PDF)" "$E" log verify-receipt "$T/s1.receipt" --doc "$T/s1.pdf" --key "$vkey"
grep -q "the document is the one stamped" "$T/out" && ok "the PDF is the one stamped" || notok "doc match line"
check "verify-receipt --doc (OFD: SHA-256 and SM3)" "$E" log verify-receipt "$T/s2.receipt" --doc "$T/s2.ofd"
grep -q "SHA-256 and SM3" "$T/out" && ok "OFD matched with both hashes" || notok "OFD doc line"
refuse "verify-receipt refuses another document" "$E" log verify-receipt "$T/s1.receipt" --doc "$T/s3.pdf"
refuse "verify-receipt refuses the unstamped input" "$E" log verify-receipt "$T/s1.receipt" --doc "$T/in.pdf"
other="$(echo "$vkey" | cut -d+ -f1)+00000000+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx"
refuse "verify-receipt refuses another key" "$E" log verify-receipt "$T/s1.receipt" --key "$other"
refuse "verify-receipt refuses a witness quorum nobody met" "$E" log verify-receipt "$T/s1.receipt" \
    --witness "w.example+4a5b6c7d+BKM2ahyRtHkuTpyHgB9NJiGAz+V2FxXMBAv2CRpS9WvB" --quorum 1
serial=$(grep -o 'stamp ST[0-9A-F-]*' "$T/s1.pdf" 2>/dev/null | head -1)
s1serial=$("$E" log show 0 >/dev/null; python3 -c "
import base64,sys
for l in open(sys.argv[1]):
    if l.startswith('extra '):
        e=base64.b64decode(l[6:]).decode()
        print([x[6:] for x in e.split('\n') if x.startswith('stamp ')][0])" "$T/s1.receipt")
check "log receipt SERIAL gives the stored receipt" sh -c "'$E' log receipt '$s1serial' >'$T/again'"
check "verify-receipt of the stored receipt" "$E" log verify-receipt "$T/again" --doc "$T/s1.pdf"
e1=$(python3 -c "
import base64,sys
for l in open(sys.argv[1]):
    if l.startswith('extra '): print(base64.b64decode(l[6:]).decode(), end='')" "$T/s1.receipt")
case "$e1" in *"ip-commitment "*) ok "the client IP is a commitment";; *) notok "no ip-commitment";; esac
case "$e1" in *10.0.0.7*|*laptop-1*) notok "the IP or device is in the log in clear";; *) ok "no IP or device in clear";; esac
case "$e1" in *"approvals A-1,A-2"*) ok "the approvals are recorded";; *) notok "approvals";; esac
case "$e1" in *"actor $(id -un)
actor-kind operator
"*) ok "the actor is recorded: the local operator";; *) notok "actor";; esac
case "$e1" in *"policy-rule local-operator"*) ok "the policy rule is recorded";; *) notok "policy-rule";; esac
e3=$(python3 -c "
import base64,sys
for l in open(sys.argv[1]):
    if l.startswith('extra '): print(base64.b64decode(l[6:]).decode(), end='')" "$T/s3.receipt")
case "$e3" in *"time-proof signature "*) ok "B-T: time proven by the signature timestamp";; *) notok "B-T time proof";; esac
case "$e1" in *"time-proof entry "*) ok "B-B: time proven by a token over the entry";; *) notok "B-B time proof";; esac
idx1=$(sed -n 's/^index //p' "$T/s1.receipt")

# log serve: the same bytes over HTTP.
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
"$E" log serve --listen "127.0.0.1:$port" >"$T/serve.out" 2>&1 &
SRV=$!
for _ in $(seq 200); do curl -s "http://127.0.0.1:$port/checkpoint" >/dev/null 2>&1 && break; kill -0 "$SRV" 2>/dev/null || break; sleep 0.3; done
curl -s "http://127.0.0.1:$port/checkpoint" >"$T/h.ckpt"
cmp -s "$T/h.ckpt" "$T/new" && ok "GET /checkpoint" || notok "GET /checkpoint"
curl -s "http://127.0.0.1:$port/tile/0/000.p/$w" >"$T/h.tile"
cmp -s "$T/h.tile" "$T/x/tile/0/000.p/$w" && ok "GET /tile/0/000.p/$w is the exported tile" || notok "GET tile"
curl -s "http://127.0.0.1:$port/tile/entries/000.p/$w1" >"$T/h.bundle"
cmp -s "$T/h.bundle" "$T/x/tile/entries/000.p/$w1" && ok "GET the older checkpoint's entry bundle" || notok "GET bundle"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/tile/0/001")
[ "$code" = 404 ] && ok "a tile beyond the checkpoint is 404" || notok "beyond: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data x "http://127.0.0.1:$port/checkpoint")
[ "$code" = 405 ] && ok "POST is 405 (read-only)" || notok "POST: $code"
# The server's publisher signs appends made by another process within a second
# (`seal resume` appends an entry and signs nothing itself).
"$E" seal resume "$seal" --reason "back" >/dev/null 2>&1
before=$("$E" log checkpoint | sed -n 2p)
sleep 1.2
after=$(curl -s "http://127.0.0.1:$port/checkpoint" | sed -n 2p)
[ "$after" -gt "$size2" ] && ok "log serve signed a checkpoint of the newer appends ($size2 -> $after)" \
    || notok "serve publisher: $size2 -> $after (before $before)"
kill "$SRV"; wait "$SRV" 2>/dev/null; SRV=""
# Forgetting appends an entry of its own (log.forgotten): after the serve checks, which compare the
# served checkpoint with the exported one.
check "log forget --field ip" "$E" log forget "$idx1" --field ip
refuse "forgetting twice: nothing left" "$E" log forget "$idx1" --field ip

# The origin is the log key's name: a new base_url does not move the log (or break stamping).
cp "$ESEAL_HOME/eseal.conf" "$T/conf.keep"
sed -i "s|^base_url = .*|base_url = https://seal.example.com|" "$ESEAL_HOME/eseal.conf"
check "after base_url changes, stamping still appends to the same log" "$E" stamp "$T/in.pdf" -o "$T/s7.pdf" \
    --seal "$seal" --receipt "$T/s7.receipt"
check "  ... whose receipt verifies with the same key" "$E" log verify-receipt "$T/s7.receipt" --key "$vkey"
echo "log_origin = other.example/log" >>"$ESEAL_HOME/eseal.conf"
refuse "a log_origin naming another log is refused" "$E" log checkpoint
cp "$T/conf.keep" "$ESEAL_HOME/eseal.conf"

# Witnessing: a witness run by someone else cosigns the platform's checkpoints (C2SP tlog-witness).
W=$T/witness
ESEAL_PASSPHRASE=witness-pass-1 "$E" witness init --home "$W" --name witness.test >/dev/null 2>&1
wkey=$("$E" witness key --home "$W")
check "the witness trusts the platform's log" "$E" witness add-log --home "$W" --origin "$(echo "$vkey" | cut -d+ -f1)" \
    --vkey "$vkey"
# wait_listening: until the witness server says it listens (its start unlocks its key: seconds on a
# loaded machine), at most 60 s; a server that died or never listens is a failure, said once.
wait_listening() {
    for _ in $(seq 200); do
        grep -q listening "$T/wserve.out" 2>/dev/null && return 0
        kill -0 "$WSRV" 2>/dev/null || break
        sleep 0.3
    done
    notok "the witness server did not start listening: $(head -c 300 "$T/wserve.out")"
}
wport=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
ESEAL_PASSPHRASE=witness-pass-1 "$E" witness serve --home "$W" --listen "127.0.0.1:$wport" >"$T/wserve.out" 2>&1 &
WSRV=$!
wait_listening
cp "$ESEAL_HOME/eseal.conf" "$T/conf.orig"
printf 'log_witness = witness.test %s http://127.0.0.1:%s\nlog_witness_quorum = 1\n' "$wkey" "$wport" \
    >>"$ESEAL_HOME/eseal.conf"
check "stamp with a witness configured" "$E" stamp "$T/in.pdf" -o "$T/s5.pdf" --seal "$seal" --receipt "$T/s5.receipt"
check "verify-receipt --witness --quorum 1" "$E" log verify-receipt "$T/s5.receipt" --doc "$T/s5.pdf" \
    --witness "$wkey" --quorum 1
grep -q "cosigned by 1 witness" "$T/out" && ok "  ... cosigned by the witness" || notok "no cosignature counted"
"$E" log checkpoint >"$T/cosigned"
grep -q "^— witness.test " "$T/cosigned" && ok "the stored checkpoint carries the cosignature line" \
    || notok "no cosignature line in the checkpoint"
check "Go note.Open accepts the cosigned checkpoint (the cosignature ignored as unknown)" \
    gov -vkey "$vkey" -dir "$T/x" -receipt "$T/s5.receipt"
kill "$WSRV"; wait "$WSRV" 2>/dev/null; WSRV=""
check "with the witness down, stamping still works" "$E" stamp "$T/in.pdf" -o "$T/s6.pdf" --seal "$seal" \
    --receipt "$T/s6.receipt"
refuse "  ... but its receipt lacks the quorum" "$E" log verify-receipt "$T/s6.receipt" --witness "$wkey" --quorum 1
check "  ... and is valid without a quorum" "$E" log verify-receipt "$T/s6.receipt" --doc "$T/s6.pdf"
refuse "log publish reports the missing quorum" "$E" log publish
ESEAL_PASSPHRASE=witness-pass-1 "$E" witness serve --home "$W" --listen "127.0.0.1:$wport" >"$T/wserve.out" 2>&1 &
WSRV=$!
wait_listening
check "with the witness back, log publish gets the newest checkpoint cosigned" "$E" log publish
idx6=$(sed -n 's/^index //p' "$T/s6.receipt")
"$E" log receipt --index "$idx6" >"$T/s6b.receipt"
check "  ... and a new receipt of that stamp meets the quorum" "$E" log verify-receipt "$T/s6b.receipt" \
    --witness "$wkey" --quorum 1 --doc "$T/s6.pdf"
kill "$WSRV"; wait "$WSRV" 2>/dev/null; WSRV=""
cp "$T/conf.orig" "$ESEAL_HOME/eseal.conf"

# A larger tree (level-1 tiles and more): appends for two seconds, then Go checks it all again.
if [ -n "$APPENDER" ]; then
    "$APPENDER" append "$ESEAL_HOME" big 8 >"$T/acks" 2>/dev/null &
    ap=$!
    sleep 2
    kill -KILL "$ap"; wait "$ap" 2>/dev/null
    "$E" log publish >/dev/null 2>&1
    big=$("$E" log checkpoint | sed -n 2p)
    check "log export of $big entries" "$E" log export "$T/x"
    check "Go x/mod verifies the tree of $big entries and all its tiles" gov -vkey "$vkey" -dir "$T/x"
    sed -n 's/^/#   /p' "$T/out" | head -4
    "$E" log consistency "$size1" "$big" >"$T/p2"
    check "Go x/mod checks eseal's consistency proof $size1 -> $big" gov -vkey "$vkey" -dir "$T/x" -old "$T/old1:$T/p2"
fi

# A certificate revocation is on the record, committed with the revocation.
n0=$("$E" log checkpoint >/dev/null; store_sql "$ESEAL_HOME" 'select max(idx) from log_entries')
check "cert revoke" "$E" cert revoke "$id" --reason keyCompromise
"$E" log show $((n0 + 1)) >"$T/rev" 2>&1
grep -q "^type cert.revoked$" "$T/rev" && grep -q "^cert $id" "$T/rev" && ok "the revocation is entry $((n0 + 1))" \
    || { notok "no cert.revoked entry"; cat "$T/rev"; }

# Tampering with the store.
check "log audit passes" "$E" log audit
# Each change is made in the store's own dialect and undone from a copy: of SQLite's file, or on
# PostgreSQL of the changed tables, kept in the same schema.
if store_is_pg "$ESEAL_HOME"; then
    store_sql "$ESEAL_HOME" "CREATE TABLE good_entries AS SELECT * FROM log_entries;
        CREATE TABLE good_tiles AS SELECT * FROM log_tiles;
        CREATE TABLE good_checkpoints AS SELECT * FROM log_checkpoints"
    restore() {
        store_sql "$ESEAL_HOME" "UPDATE log_entries SET body = g.body FROM good_entries g WHERE log_entries.idx = g.idx;
            UPDATE log_tiles SET data = g.data FROM good_tiles g WHERE log_tiles.level = g.level AND log_tiles.n = g.n;
            UPDATE log_checkpoints SET note = g.note FROM good_checkpoints g WHERE log_checkpoints.size = g.size"
    }
    store_sql "$ESEAL_HOME" "UPDATE log_entries SET body = convert_to(replace(convert_from(body, 'UTF8'),
        'actor-kind operator', 'actor-kind user'), 'UTF8') WHERE idx = $idx1"
else
    DB=$(store_location "$ESEAL_HOME")
    cp "$DB" "$T/db.good"
    restore() { cp "$T/db.good" "$DB"; }
    store_sql "$ESEAL_HOME" "UPDATE log_entries SET body = CAST(replace(CAST(body AS TEXT), 'actor-kind operator',
        'actor-kind user') AS BLOB) WHERE idx = $idx1"
fi
refuse "audit catches a changed entry" "$E" log audit
grep -q "entry $idx1 does not hash" "$T/out" && ok "  ... and names entry $idx1" || { notok "audit message"; cat "$T/out"; }
refuse "a receipt of the changed entry cannot be made" "$E" log receipt --index "$idx1"
restore
if store_is_pg "$ESEAL_HOME"; then
    store_sql "$ESEAL_HOME" "UPDATE log_tiles SET data = decode(repeat('00', 32), 'hex') || substring(data from 33)
        WHERE level = 0 AND n = 0"
else
    store_sql "$ESEAL_HOME" "UPDATE log_tiles SET data = zeroblob(32) || substr(data, 33) WHERE level = 0 AND n = 0"
fi
refuse "audit catches a changed tile hash" "$E" log audit
refuse "a receipt through the changed tile cannot be made" "$E" log receipt --index 1
restore
nl=$(store_is_pg "$ESEAL_HOME" && echo "chr(10)" || echo "char(10)")
store_sql "$ESEAL_HOME" "UPDATE log_checkpoints
    SET note = replace(note, $nl || '$size1' || $nl, $nl || '$((size1 + 1))' || $nl) WHERE size = $size1"
refuse "audit catches a changed checkpoint" "$E" log audit
restore
check "audit passes again on the untouched store" "$E" log audit

echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
