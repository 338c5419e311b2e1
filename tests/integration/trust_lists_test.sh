#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Trust lists between platforms (issue 24; docs/trust-lists.md), with several instances on loopback:
#   - A publishes its signed list; the last line is its key's SHA-256;
#   - B refuses it under a wrong pin, a changed byte, and leaves its store as it was; takes it under
#     the right pin and names A's services; refuses it a second time (already imported);
#   - refresh: the same list again is no change; an older copy (a replay) is refused, a newer one is taken;
#     a list of the same name signed by another key is refused; after A rotates its key, the next
#     list (signed by the new key, vouched for by the old) is followed;
#   - over HTTP: A's `eseal serve` answers /.well-known/eseal/trust-list, which D adds by its URL;
#   - A's seals on D (the federated registry): without an answer of A's registry their status is not
#     known (INDETERMINATE, SEAL_STATUS_UNKNOWN); --online asks A's registry and keeps the answer, and
#     with A stopped D still finds the PDF and the OFD VALID from it; B, which holds no answer, finds
#     A's PDF extended to B-LT VALID with A stopped: A stapled its registry's answer into the /DSS;
#   - an air-gapped G takes D's bundle of A (list, CRLs, answers; one changed answer refuses it all) and
#     verifies A's PDF VALID with no network; H does the same with A's own bundle (trustlist bundle);
#   - a document A's seal signed after its revocation (the signer's clock two hours ahead, libfaketime)
#     is VALID on D before the revocation, still VALID from the answer D kept, INVALID (SEAL_REVOKED)
#     once `trust refresh` asked A's registry again, while the document signed before stays VALID;
#   - once A withdraws its seal maker (revoked), its next list says so: the later document is INVALID
#     (SEAL_MAKER_NOT_RECOGNISED), the earlier one's maker was granted then (the status history);
#   - a scheme operator S imports A and C by URL under their pins and publishes a list of lists;
#     E adds only S's list (under S's pin) and then recognises A and C through it: a PDF stamped on C
#     verifies VALID on E;
#   - every change is in the audit log, which stays whole (log audit).
# Usage: trust_lists_test.sh /path/to/eseal
set -u
E=$1
R=$(cd "$(dirname "$0")/../resources" && pwd)
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_PASSPHRASE=trust-lists-pass-1
export ESEAL_PW_PARAMS=1,8192,1
unset ESEAL_PASS_FILE ESEAL_HOME || true
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

# serve NAME PORT: eseal serve --only api for home NAME, waiting for its banner.
serve() {
    "$E" --home "$T/$1" serve --listen "127.0.0.1:$2" --only api,crl >"$T/$1.serve" 2>"$T/$1.serve.err" &
    PIDS+=($!)
    for _ in $(seq 1 300); do grep -q "listening on" "$T/$1.serve" && return 0; sleep 0.1; done
    return 1
}
entries() { "$E" --home "$T/$1" log audit 2>&1 | sed -n 's/^OK: \([0-9]*\) entries.*/\1/p'; }
fp_ok() { [[ $1 =~ ^[0-9a-f]{64}$ ]]; }

PA=$(free_port)
PC=$(free_port)
PS=$(free_port)
for h in A B C D E G H S X; do
    case $h in A) base="http://127.0.0.1:$PA" ;; C) base="http://127.0.0.1:$PC" ;; S) base="http://127.0.0.1:$PS" ;;
    *) base="http://127.0.0.1:1" ;; esac
    name="Platform $h"
    [ "$h" = S ] && name="National Seal Scheme"
    [ "$h" = X ] && name="Platform A" # an impostor of A's name with a key of its own
    "$E" --home "$T/$h" init --org "$name" --country CN --base-url "$base" >/dev/null 2>"$T/init.err" ||
        { notok "init $h"; cat "$T/init.err"; }
done
ok "nine instances"

# A's list.
"$E" --home "$T/A" trustlist publish -o "$T/a1.jws" >"$T/pub.out" 2>"$T/pub.err"
rc=$?
FA=$(tail -n 1 "$T/pub.out")
[ $rc = 0 ] && fp_ok "$FA" && ok "A publishes its list; the last line is its key's SHA-256 ($FA)" ||
    { notok "A publishes its list (exit $rc)"; cat "$T/pub.out" "$T/pub.err"; }
# The pin is the SHA-256 of the list key's SubjectPublicKeyInfo, as openssl computes it from the JWS header's key.
jwk_fp=$(python3 - "$T/a1.jws" <<'EOF'
import base64, json, sys, subprocess
h = json.loads(base64.urlsafe_b64decode(open(sys.argv[1]).read().split(".")[0] + "=="))
x = base64.urlsafe_b64decode(h["jwk"]["x"] + "=="); y = base64.urlsafe_b64decode(h["jwk"]["y"] + "==")
# SubjectPublicKeyInfo of a P-256 point: the fixed DER prefix, then 04 || x || y.
spki = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + b"\x04" + x + y
import hashlib; print(hashlib.sha256(spki).hexdigest())
EOF
)
[ "$jwk_fp" = "$FA" ] && ok "the printed fingerprint is the SHA-256 of the signing key in the list's header" ||
    notok "the fingerprint $FA is not the header key's ($jwk_fp)"

# B: wrong pin, changed byte -> refused, nothing changed.
before=$(entries B)
BAD=$(printf '%064d' 0)
expect 3 "B refuses A's list under a wrong pin" -- "$E" --home "$T/B" trust add "$T/a1.jws" --pin "$BAD"
has "$T/err" "not by the pinned" "it says the key is not the pinned one"
python3 - "$T/a1.jws" "$T/a1-bad.jws" <<'EOF'
import sys
s = open(sys.argv[1]).read()
h, p, g = s.split(".")
i = len(p) // 2
p = p[:i] + ("A" if p[i] != "A" else "B") + p[i + 1:]
open(sys.argv[2], "w").write(".".join([h, p, g]))
EOF
expect 3 "B refuses a list with a changed byte, under the right pin" -- \
    "$E" --home "$T/B" trust add "$T/a1-bad.jws" --pin "$FA"
"$E" --home "$T/B" trust list --json >"$T/l.json" 2>&1
[ "$(cat "$T/l.json")" = "[]" ] && ok "B recognises nobody after the refusals" || notok "B's lists: $(cat "$T/l.json")"
[ "$(entries B)" = "$before" ] && ok "B's audit log is unchanged by the refusals ($before entries)" ||
    notok "B's audit log changed: $before -> $(entries B)"

# B: the right pin.
expect 0 "B adds A's list under A's pin" -- "$E" --home "$T/B" trust add "$T/a1.jws" --pin "$FA"
has "$T/out" "^Platform A$" "it names the platform"
"$E" --home "$T/B" trust show "Platform A" >"$T/show.out" 2>&1
has "$T/show.out" "sequence:    1" "trust show: sequence 1"
has "$T/show.out" "seal-maker" "trust show names A's seal makers"
has "$T/show.out" "tsa " "and its TSAs"
has "$T/show.out" "ca  " "and its CAs"
expect 3 "adding A's list again is refused" -- "$E" --home "$T/B" trust add "$T/a1.jws" --pin "$FA"
has "$T/err" "imported already" "it says so"

# Refresh: same list, newer list, replay.
n0=$(entries B)
expect 0 "refresh with the very list held: no change" -- "$E" --home "$T/B" trust refresh "Platform A"
has "$T/err" "sequence 1 (unchanged)" "it says the list is unchanged"
[ "$(entries B)" = "$n0" ] && ok "and records nothing" || notok "B's log grew from $n0 to $(entries B)"
cp "$T/a1.jws" "$T/a1-copy.jws"
"$E" --home "$T/A" trustlist publish -o "$T/a1.jws" >/dev/null 2>&1
expect 0 "A's next list (sequence 2) is taken by refresh" -- "$E" --home "$T/B" trust refresh "Platform A"
"$E" --home "$T/B" trust list --json >"$T/l.json"
python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); sys.exit(0 if l[0]["sequence"]==2 else 1)' "$T/l.json" &&
    ok "B holds sequence 2" || notok "B holds: $(cat "$T/l.json")"
cp "$T/a1-copy.jws" "$T/a1.jws"
expect 3 "an older copy (sequence 1) is refused: a replay" -- "$E" --home "$T/B" trust refresh "Platform A"

# An impostor: a list of the same name signed by another key. Its log has a witness, which its list names.
"$E" witness init --home "$T/W" --name witness.test >/dev/null 2>&1
WKEY=$("$E" witness key --home "$T/W" 2>/dev/null)
printf 'log_witness = witness.test %s http://127.0.0.1:1/w\nlog_witness_quorum = 0\n' "$WKEY" >>"$T/X/eseal.conf"
"$E" --home "$T/X" trustlist publish -o "$T/x.jws" >/dev/null 2>&1
python3 - "$T/x.jws" "$WKEY" <<'EOF' && ok "a list names the log's witness: its note key and URL" || notok "X's witness: $WKEY"
import base64, json, sys
p = open(sys.argv[1]).read().split(".")[1]
lote = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["LoTE"]
svcs = [s["ServiceInformation"] for e in lote["TrustedEntitiesList"] for s in e["TrustedEntityServices"]]
w = [s for s in svcs if s["ServiceTypeIdentifier"] == "urn:eseal:svc:witness"]
assert len(w) == 1, svcs
assert w[0]["ServiceDigitalIdentity"]["eseal:NoteVerifierKey"] == sys.argv[2], w
assert w[0]["ServiceSupplyPoints"][0]["uriValue"] == "http://127.0.0.1:1/w", w
assert w[0]["ServiceName"][0]["value"] == "witness.test", w
EOF
"$E" --home "$T/X" trustlist publish -o "$T/x.jws" >/dev/null 2>&1
"$E" --home "$T/X" trustlist publish -o "$T/x.jws" >/dev/null 2>&1
cp "$T/x.jws" "$T/a1.jws"
expect 3 "a list of A's name (sequence 3) signed by another key is refused" -- "$E" --home "$T/B" trust refresh "Platform A"
has "$T/err" "neither the key held" "it says the key is neither held nor vouched for"

# Key rotation.
FA2=$("$E" --home "$T/A" trustlist rotate-key 2>/dev/null | tail -n 1)
fp_ok "$FA2" && [ "$FA2" != "$FA" ] && ok "A rotates its list key ($FA2)" || notok "A rotates its list key: '$FA2'"
"$E" --home "$T/A" trustlist publish -o "$T/a1.jws" >"$T/pub.out" 2>&1
[ "$(tail -n 1 "$T/pub.out")" = "$FA2" ] && ok "the next list is signed by the new key" || notok "signed by $(tail -n 1 "$T/pub.out")"
expect 0 "B follows the rotation on refresh" -- "$E" --home "$T/B" trust refresh "Platform A"
"$E" --home "$T/B" trust list --json >"$T/l.json"
python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); r=l[0]; sys.exit(0 if r["key_sha256"]==sys.argv[2] and r["pin"]==sys.argv[3] and r["sequence"]==3 else 1)' \
    "$T/l.json" "$FA2" "$FA" && ok "B holds A's new key, its first pin kept, sequence 3" || notok "B holds: $(cat "$T/l.json")"
expect 3 "after the rotation, a list signed by A's old key alone is refused" -- "$E" --home "$T/D" trust add "$T/a1.jws" --pin "$FA"

# Over HTTP.
serve A "$PA" && ok "A serves" || notok "A serves: $(cat "$T/A.serve.err")"
curl -s -o "$T/wk.jws" -w '%{http_code} %{content_type}' "http://127.0.0.1:$PA/.well-known/eseal/trust-list" >"$T/wk.out"
[ "$(cat "$T/wk.out")" = "200 application/jose" ] && cmp -s "$T/wk.jws" "$T/a1.jws" &&
    ok "GET /.well-known/eseal/trust-list: the list published last, application/jose" || notok "well-known: $(cat "$T/wk.out")"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PA/.well-known/eseal/list-of-lists")
[ "$code" = 404 ] && ok "no list of lists published: 404" || notok "list-of-lists: $code"
# Documents stamped on A verify on D, which recognises A by its URL (its CAs' CRLs fetched then), the
# report naming A's list; not on C, which does not recognise A.
CERT=$("$E" --home "$T/A" cert issue --org "Alpha Trading Co" --uscc 91350100M000100Y43 --alg sm2 2>/dev/null)
SEAL=$("$E" --home "$T/A" seal make --cert "$CERT" --name "Alpha Contract Seal" 2>/dev/null)
python3 "$R/mkpdf.py" "$T/in.pdf" 1
python3 "$R/mkofd.py" "$T/in.ofd"
expect 0 "A stamps a PDF" -- "$E" --home "$T/A" stamp "$T/in.pdf" -o "$T/a.pdf" --seal "$SEAL" --page 1 --at 100,100
expect 0 "A stamps an OFD" -- "$E" --home "$T/A" stamp "$T/in.ofd" -o "$T/a.ofd" --seal "$SEAL" --page 1
# A document A's seal signs two hours ahead of the clock: judged at the verification time, before then.
FT=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" faketime -f +2h)
expect 0 "A stamps a PDF with its signer's clock two hours ahead" -- \
    "${FT[@]}" "$E" --home "$T/A" stamp "$T/in.pdf" -o "$T/later.pdf" --seal "$SEAL" --page 1
expect 0 "A extends its PDF to B-LT: its registry's answer goes into the /DSS" -- \
    "$E" --home "$T/A" extend "$T/a.pdf" -o "$T/a-lt.pdf" --level B-LT
expect 0 "A stamps a PDF with a signature timestamp of its TSA (B-T)" -- \
    "$E" --home "$T/A" stamp "$T/in.pdf" -o "$T/a-t.pdf" --seal "$SEAL" --page 1 --level B-T
for doc in a.pdf a.ofd; do
    expect 1 "D does not find A's $doc VALID before it recognises A" -- "$E" --home "$T/D" verify "$T/$doc"
done
WKA="http://127.0.0.1:$PA/.well-known/eseal/trust-list"
expect 0 "D adds A's list by its URL" -- "$E" --home "$T/D" trust add "$WKA" --pin "$FA2"
# judged VERDICT [CODE [SOURCE]]: the report of $T/out has VERDICT, its reasons hold CODE (no SEAL_ code
# when empty), it names A's list (sequence $LSEQ) and granted seal maker, and the registry answer came from
# SOURCE (none when empty).
LSEQ=3
mkdir -p "$T/reports"
judged() {
    cp "$T/out" "$T/reports/$(ls "$T/reports" | wc -l).json"
    python3 - "$T/out" "$1" "${2:-}" "${3:-}" "$LSEQ" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["signatures"][0]
codes = [r["code"] for r in s["reasons"]] + [r["code"] for r in d["reasons"]]
want_verdict, code, source = sys.argv[2], sys.argv[3], sys.argv[4]
assert d["verdict"] == want_verdict, (d["verdict"], codes)
assert (code in codes) if code else not any(c.startswith("SEAL_") for c in codes), codes
g = s["seal"]["recognised"]
assert g["platform"] == "Platform A" and g["list_sequence"] == int(sys.argv[5]) and g["status"] == "granted", g
checks = {c["id"]: c for c in s["checks"]}
assert checks["maker_service"]["status"] == "passed", checks["maker_service"]
a = s["seal"]["registry"]["answer"]
if source:
    assert a["source"] == source and a["platform"] == "Platform A", a
else:
    assert a is None, a
EOF
}
for doc in a.pdf a.ofd; do
    expect 1 "D, without an answer of A's registry, does not find A's $doc VALID" -- \
        "$E" --home "$T/D" verify "$T/$doc" --json
    judged INDETERMINATE SEAL_STATUS_UNKNOWN &&
        ok "INDETERMINATE, SEAL_STATUS_UNKNOWN; the report names A's list and seal maker ($doc)" ||
        notok "$doc on D: $(head -c 1500 "$T/out")"
done
# The PDF's answer, asked at its signing time, also covers the OFD signed just after (until its next update).
for doc in a.pdf:registry a.ofd:cache; do
    expect 0 "D verifies A's ${doc%%:*} --online" -- "$E" --home "$T/D" verify "$T/${doc%%:*}" --json --online
    judged VALID "" "${doc##*:}" && ok "VALID, from the answer of A's registry (${doc%%:*}, ${doc##*:})" ||
        notok "${doc%%:*} online: $(head -c 1500 "$T/out")"
done
expect 0 "D verifies A's B-T PDF: its TSA is a TSA service of A's list" -- \
    "$E" --home "$T/D" verify "$T/a-t.pdf" --json
python3 - "$T/out" <<'EOF' && ok "VALID, the signing time proven by A's TSA" || notok "a-t.pdf on D: $(head -c 1500 "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["signatures"][0]
assert d["verdict"] == "VALID" and s["time"]["source"] == "timestamp", (d["verdict"], s["time"])
assert {c["id"]: c for c in s["checks"]}["timestamp"]["status"] == "passed"
EOF
expect 0 "D verifies the PDF A's seal signed two hours ahead --online: VALID" -- \
    "$E" --home "$T/D" verify "$T/later.pdf" --json --online
APID=${PIDS[${#PIDS[@]}-1]}
kill "$APID" && wait "$APID" 2>/dev/null
curl -s -m 2 -o /dev/null "$WKA" && notok "A is stopped" || ok "A is stopped: D verifies with what it holds"
for doc in a.pdf a.ofd; do
    expect 0 "D verifies A's $doc: VALID, with A offline" -- "$E" --home "$T/D" verify "$T/$doc" --json
    has "$T/out" "trusted through the trust list of Platform A, sequence 3" "its report names A's list ($doc)"
    judged VALID "" cache && ok "the answer D kept decides ($doc)" || notok "$doc offline: $(head -c 1500 "$T/out")"
    expect 1 "C, which does not recognise A, does not find $doc VALID" -- "$E" --home "$T/C" verify "$T/$doc"
done
# The report for people says it too (web/report-fields.json): D's PDF report of A's PDF, kept with a
# picture of its pages under test-output/trust-lists/ when ESEAL_TL_OUT is set (ctest sets it).
expect 0 "D writes a PDF report of A's PDF" -- "$E" --home "$T/D" verify "$T/a.pdf" --report "$T/report.pdf"
pdftotext -layout "$T/report.pdf" "$T/report.txt" 2>/dev/null
has "$T/report.txt" "Platform A" "the PDF report names A's platform"
has "$T/report.txt" "Status answered by" "and who answered the seal's status"
has "$T/report.txt" "kept from an earlier verification" "and where the answer came from"
if [ -n "${ESEAL_TL_OUT:-}" ]; then
    mkdir -p "$ESEAL_TL_OUT" && cp "$T/report.pdf" "$ESEAL_TL_OUT/foreign-seal-report.pdf" &&
        pdftoppm -png -r 50 "$T/report.pdf" "$ESEAL_TL_OUT/foreign-seal-report" 2>/dev/null
fi
expect 1 "B, which holds no answer, does not find A's PDF VALID" -- "$E" --home "$T/B" verify "$T/a.pdf" --json
expect 0 "B finds A's PDF extended to B-LT VALID with A stopped: the answer is in the document" -- \
    "$E" --home "$T/B" verify "$T/a-lt.pdf" --json
judged VALID "" document && ok "the stapled answer decides" || notok "a-lt.pdf on B: $(head -c 1500 "$T/out")"
# An air-gapped verifier G gets A's list, CRLs and registry answers as D holds them, in one file.
expect 0 "D writes a bundle of A for a verifier without network" -- \
    "$E" --home "$T/D" trust bundle "Platform A" -o "$T/a.bundle"
has "$T/err" "6 CRLs and 1 registry answer" "it holds the CRLs and the answer D kept"
python3 - "$T/a.bundle" "$T/bad.bundle" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))
a = b["answers"][0]
b["answers"][0] = a[:-2] + ("A" if a[-2] != "A" else "B") + a[-1]  # one signature character changed
json.dump(b, open(sys.argv[2], "w"))
EOF
expect 3 "G refuses a bundle with one answer's signature changed" -- "$E" --home "$T/G" trust add "$T/bad.bundle" --pin "$FA2"
has "$T/err" "registry answer 1 of the bundle" "it names the answer"
"$E" --home "$T/G" trust list --json >"$T/l.json" 2>/dev/null
python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])) == [] else 1)' "$T/l.json" &&
    [ ! -e "$T/G/cache/registry" ] &&
    ok "and keeps nothing of it" || notok "G holds: $("$E" --home "$T/G" trust list 2>&1)"
expect 0 "G adds the bundle under A's pin" -- "$E" --home "$T/G" trust add "$T/a.bundle" --pin "$FA2"
expect 0 "G finds A's PDF VALID with no network: the list, CRLs and answer came in the bundle" -- \
    "$E" --home "$T/G" verify "$T/a.pdf" --json
judged VALID "" cache && ok "the bundle's answer decides on G" || notok "a.pdf on G: $(head -c 1500 "$T/out")"
# A's own bundle: its list, its CAs' CRLs and its registry's answer for the seal, to a verifier H.
expect 0 "A writes a bundle of its own with its seal's answer" -- \
    "$E" --home "$T/A" trustlist bundle -o "$T/a-own.bundle" --seal "$SEAL"
expect 3 "a seal that is not A's is refused" -- "$E" --home "$T/A" trustlist bundle -o "$T/x.bundle" --seal ES000
expect 0 "H adds A's own bundle under A's pin" -- "$E" --home "$T/H" trust add "$T/a-own.bundle" --pin "$FA2"
expect 0 "H finds A's OFD VALID with no network" -- "$E" --home "$T/H" verify "$T/a.ofd" --json
judged VALID "" cache && ok "A's own answer decides on H" || notok "a.ofd on H: $(head -c 1500 "$T/out")"
serve A "$PA" && ok "A serves again" || notok "A serves again: $(cat "$T/A.serve.err")"
"$E" --home "$T/A" trustlist publish -o "$T/a1.jws" >/dev/null 2>&1
# The federated registry: A's signed answer for its seal, checked with the registry key A's list names.
L=$(cd "$(dirname "$0")/../lib" && pwd)
answer() { curl -s -o "$T/ans.jws" "http://127.0.0.1:$PA/api/v1/registry/$SEAL/answer${1:+?at=$1}"; }
answer "" && python3 "$L/registry_answer.py" "$T/ans.jws" "$T/a1.jws" "$SEAL" active "$T" &&
    ok "A's registry answers 'active' for its seal, signed by the key its list names (openssl)" ||
    notok "A's registry answer: $(cat "$T/ans.jws")"
before_revocation=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1.1
expect 0 "A revokes its seal" -- "$E" --home "$T/A" seal revoke "$SEAL" --reason "key compromise"
answer "" && python3 "$L/registry_answer.py" "$T/ans.jws" "$T/a1.jws" "$SEAL" revoked "$T" &&
    ok "now A's registry answers 'revoked'" || notok "after the revocation: $(cat "$T/ans.jws")"
answer "$before_revocation" && python3 "$L/registry_answer.py" "$T/ans.jws" "$T/a1.jws" "$SEAL" active "$T" &&
    ok "and 'active' at a time before the revocation" || notok "before the revocation: $(cat "$T/ans.jws")"
expect 0 "D, offline, still finds the later PDF VALID from the answer it kept (good until its next update)" -- \
    "$E" --home "$T/D" verify "$T/later.pdf" --json
expect 0 "D refreshes from the URL" -- "$E" --home "$T/D" trust refresh
has "$T/err" "Platform A: sequence 4" "it took sequence 4"
has "$T/err" "the registry asked again about 1 seal, 1 answered" "and asked A's registry again about the seal"
LSEQ=4
expect 1 "after the refresh, the PDF signed after the revocation is not VALID on D" -- \
    "$E" --home "$T/D" verify "$T/later.pdf" --json
judged INVALID SEAL_REVOKED cache && ok "INVALID, SEAL_REVOKED: A's registry said so" ||
    notok "later.pdf after the revocation: $(head -c 1500 "$T/out")"
expect 0 "the PDF signed before the revocation stays VALID on D" -- "$E" --home "$T/D" verify "$T/a.pdf" --json
judged VALID "" cache && ok "judged at its signing time" || notok "a.pdf after the revocation: $(head -c 1500 "$T/out")"
# A withdraws its SM2 seal maker (its certificate revoked): its next list says so from then on.
MID=$("$E" --home "$T/A" cert list | awk '$2 == "seal-maker" && $3 == "sm2" {print $1}')
expect 0 "A revokes its SM2 seal maker's certificate" -- "$E" --home "$T/A" cert revoke "$MID" --reason keyCompromise
"$E" --home "$T/A" trustlist publish -o "$T/a1.jws" >/dev/null 2>&1
expect 0 "D refreshes: A's list (sequence 5) withdraws that seal maker" -- "$E" --home "$T/D" trust refresh "Platform A"
for doc in later.pdf:withdrawn a.pdf:granted; do
    "$E" --home "$T/D" verify "$T/${doc%%:*}" --json >"$T/out" 2>"$T/err"
    python3 - "$T/out" "${doc##*:}" <<'EOF' && ok "${doc%%:*}: the seal maker was ${doc##*:} at its validation time" ||
import json, sys
d = json.load(open(sys.argv[1]))
s = d["signatures"][0]
g, codes = s["seal"]["recognised"], [r["code"] for r in s["reasons"]]
check = {c["id"]: c for c in s["checks"]}["maker_service"]
assert g["list_sequence"] == 5 and g["status"] == sys.argv[2], g
if sys.argv[2] == "withdrawn":
    assert d["verdict"] == "INVALID" and "SEAL_MAKER_NOT_RECOGNISED" in codes and check["status"] == "failed", codes
else:
    assert "SEAL_MAKER_NOT_RECOGNISED" not in codes and check["status"] == "passed", (codes, check)
EOF
        notok "${doc%%:*} after the seal maker's withdrawal: $(head -c 1500 "$T/out")"
done

# A scheme operator's list of lists.
"$E" --home "$T/C" trustlist publish -o "$T/c.jws" >"$T/pub.out" 2>&1
FC=$(tail -n 1 "$T/pub.out")
serve C "$PC" && ok "C serves" || notok "C serves"
expect 0 "S adds A by URL" -- "$E" --home "$T/S" trust add "$WKA" --pin "$FA2"
expect 0 "S adds C by URL" -- "$E" --home "$T/S" trust add "http://127.0.0.1:$PC/.well-known/eseal/trust-list" --pin "$FC"
"$E" --home "$T/S" trustlist publish --list-of-lists -o "$T/s.jws" >"$T/pub.out" 2>&1
FS=$(tail -n 1 "$T/pub.out")
fp_ok "$FS" && ok "S publishes its list of lists" || { notok "S publishes its list of lists"; cat "$T/pub.out"; }
serve S "$PS" && ok "S serves" || notok "S serves"
LOL="http://127.0.0.1:$PS/.well-known/eseal/list-of-lists"
expect 3 "E refuses S's list of lists under C's pin" -- "$E" --home "$T/E" trust add "$LOL" --pin "$FC"
expect 0 "E adds S's list of lists under S's pin" -- "$E" --home "$T/E" trust add "$LOL" --pin "$FS"
"$E" --home "$T/E" trust list --json >"$T/l.json"
python3 - "$T/l.json" <<'EOF' && ok "E recognises A and C through the scheme, and the scheme itself" || { notok "E's lists"; cat "$T/l.json"; }
import json, sys
l = {r["name"]: r for r in json.load(open(sys.argv[1]))}
assert set(l) == {"National Seal Scheme", "Platform A", "Platform C"}, l.keys()
assert l["National Seal Scheme"]["list_of_lists"] is True
assert l["Platform A"]["via"] == "National Seal Scheme" and l["Platform C"]["via"] == "National Seal Scheme"
EOF
# A document stamped on C verifies on E, which knows C only through the scheme's list.
CC=$("$E" --home "$T/C" cert issue --org "Gamma Trading Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>/dev/null)
SC=$("$E" --home "$T/C" seal make --cert "$CC" --maker p256 --name "Gamma Contract Seal" 2>/dev/null)
expect 0 "C stamps a PDF" -- "$E" --home "$T/C" stamp "$T/in.pdf" -o "$T/c.pdf" --seal "$SC" --page 1
expect 0 "C extends it to B-LT (its registry's answer stapled)" -- \
    "$E" --home "$T/C" extend "$T/c.pdf" -o "$T/c-lt.pdf" --level B-LT
expect 0 "E finds C's PDF VALID: C is recognised through the scheme" -- "$E" --home "$T/E" verify "$T/c-lt.pdf" --json
python3 - "$T/out" <<'EOF' && ok "the report names C's list, its seal maker and the stapled answer" ||
import json, sys
d = json.load(open(sys.argv[1]))
s = d["signatures"][0]
assert s["seal"]["recognised"]["platform"] == "Platform C", s["seal"]
assert s["seal"]["registry"]["answer"]["source"] == "document", s["seal"]["registry"]
assert "trusted through the trust list of Platform C" in {c["id"]: c for c in s["checks"]}["chain"]["detail"]
EOF
    notok "C's PDF on E: $(head -c 1500 "$T/out")"

/usr/bin/python3 "$(dirname "$0")/../lib/report_schema.py" "$(dirname "$0")/../../docs/verify-report.schema.json" \
    "$T/reports" >"$T/schema" 2>&1 && ok "the reports of A's seals on B and D fit docs/verify-report.schema.json" ||
    notok "schema: $(tail -5 "$T/schema")"

# Removal and the audit log.
expect 0 "B removes A" -- "$E" --home "$T/B" trust remove "Platform A"
expect 0 "D removes A" -- "$E" --home "$T/D" trust remove "Platform A"
expect 1 "after that, A's OFD is no longer VALID on D" -- "$E" --home "$T/D" verify "$T/a.ofd"
expect 3 "removing it again: not found" -- "$E" --home "$T/B" trust remove "Platform A"
for h in A B E S; do
    out=$("$E" --home "$T/$h" log audit 2>&1)
    case $out in OK:*) ok "log audit of $h: ${out%%$'\n'*}" ;; *) notok "log audit of $h: $out" ;; esac
done
tap_done trust_lists
