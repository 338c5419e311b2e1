#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pades_interop.sh ESEAL
#
# PAdES B-T, B-LT and B-LTA stamps and `eseal extend`, checked with tools that are
# not eseal: the signature timestamp cut out of the CMS (tests/resources/pdfsig_parts.py,
# a DER walker of its own) and the document timestamp over the byte ranges both pass
# `openssl ts -verify`; pdfsig keeps the signature valid; qpdf --check passes. Then the
# long-term cases: a certificate revoked after the timestamp leaves the stamp VALID,
# one revoked before makes it INVALID; a certificate that has since expired is judged
# at the proven time; a TSA that cannot be reached fails the stamp and writes nothing.
# Output is TAP.
set -u
E=$1
R=$(cd "$(dirname "$0")/../resources" && pwd)
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=interop-pass-1

"$E" init >/dev/null 2>&1 || { echo "not ok 1 - init"; exit 1; }
"$E" ca export --tsa --alg p256 -o "$T/tsachain.pem" >/dev/null 2>&1 || notok "ca export --tsa"
python3 "$R/mkpdf.py" "$T/in.pdf" >/dev/null 2>&1 || notok "mkpdf"

new_seal() { # NAME -> prints "CERT SEAL"
    local id s
    id=$("$E" cert issue --org "$1 Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>/dev/null)
    s=$("$E" seal make --cert "$id" --type contract --name "$1 Seal" -o "$T/$1.esl" 2>/dev/null)
    echo "$id $s"
}
parts() { # PDF N DIR
    rm -rf "$3"
    python3 "$R/pdfsig_parts.py" "$1" "$2" "$3"
}
tsverify() { # DATA TOKEN
    openssl ts -verify -data "$1" -in "$2" -token_in -CAfile "$T/tsachain.pem" >"$T/tsv" 2>&1 &&
        grep -q "Verification: OK" "$T/tsv"
}
# jv REPORT.json PYTHON: runs the assertions on `eseal verify --json`'s report: d (the report), s (its
# signatures), chk(sig, id) (the check of that id, or one with status None), codes(x) (the reason
# codes of x, default the whole report). Exits non-zero when one fails.
jv() {
    python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["signatures"]
def chk(sig, cid):
    return next((c for c in sig["checks"] if c["id"] == cid), {"status": None, "detail": "", "source": None, "objects": []})
def codes(x=None):
    return [r["code"] for r in (d if x is None else x)["reasons"]]
exec(sys.argv[2])
PY
}
# vj PDF [ARGS...]: eseal verify --json into $T/v.json (the exit status is the verdict's)
vj() {
    local f=$1
    shift
    "$E" verify "$f" --json "$@" >"$T/v.json" 2>"$T/err"
}
# what: the verdict, levels and reasons of $T/v.json, for a failure message
what() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["verdict"], [(x["signature"]["level"], x["verdict"]) for x in d["signatures"]], [r["code"] for r in d["reasons"]])' "$T/v.json" 2>&1 | head -3
}

read -r CERT SEAL <<<"$(new_seal Alpha)"

# ---- B-T ---------------------------------------------------------------------------------
if "$E" stamp "$T/in.pdf" -o "$T/bt.pdf" --seal "$SEAL" --level B-T >"$T/out" 2>"$T/err"; then
    ok "stamp --level B-T"
    grep -q "^time: .*RFC 3161 timestamp from the instance's TSA" "$T/out" &&
        ok "B-T: stamp says where the time came from" || notok "B-T time line: $(cat "$T/out")"
    vj "$T/bt.pdf"
    jv "$T/v.json" 'assert d["verdict"] == "VALID"' && ok "B-T: eseal verify VALID" || notok "B-T verify: $(what)"
    jv "$T/v.json" 'assert s[0]["signature"]["level"] == "B-T"' && ok "B-T: level B-T" || notok "B-T level: $(what)"
    jv "$T/v.json" 'assert s[0]["time"]["source"] == "timestamp" and chk(s[0], "timestamp")["status"] == "passed" and s[0]["time"]["token"] in chk(s[0], "timestamp")["objects"]' &&
        ok "B-T: the signing time is reported as proven by the timestamp" || notok "B-T time source: $(what)"
    pdfsig "$T/bt.pdf" >"$T/ps" 2>&1
    grep -q "Signature is Valid" "$T/ps" && ok "B-T: pdfsig: signature valid" || notok "B-T pdfsig: $(cat "$T/ps")"
    qpdf --check "$T/bt.pdf" >/dev/null 2>&1 && ok "B-T: qpdf --check" || notok "B-T: qpdf --check"
    if parts "$T/bt.pdf" 1 "$T/p" && [ -s "$T/p/sigts.der" ]; then
        ok "B-T: the CMS carries a signatureTimeStampToken"
        tsverify "$T/p/sigvalue.bin" "$T/p/sigts.der" &&
            ok "B-T: openssl ts -verify: the token covers the signature value" || notok "B-T openssl ts: $(cat "$T/tsv")"
        printf 'x' | cat "$T/p/sigvalue.bin" - >"$T/other.bin"
        ! tsverify "$T/other.bin" "$T/p/sigts.der" && ok "B-T: openssl ts -verify fails on other data" ||
            notok "B-T: the token verified over other data"
        # A changed byte in the token (inside /Contents, outside the signed ranges): the
        # signature still verifies, the timestamp must not.
        python3 - "$T/bt.pdf" "$T/p/sigts.der" "$T/bt-badts.pdf" <<'PY'
import sys
pdf = open(sys.argv[1], "rb").read()
tok = open(sys.argv[2], "rb").read().hex().upper().encode()
i = pdf.find(tok)
assert i > 0
j = i + len(tok) - 10  # inside the token's own signature value
pdf = pdf[:j] + (b"0" if pdf[j:j + 1] != b"0" else b"1") + pdf[j + 1:]
open(sys.argv[3], "wb").write(pdf)
PY
        vj "$T/bt-badts.pdf"
        jv "$T/v.json" 'assert "TIMESTAMP_INVALID" in codes() and d["verdict"] != "VALID" and chk(s[0], "timestamp")["status"] != "passed"' &&
            ok "B-T: a damaged timestamp token is TIMESTAMP_INVALID" || notok "damaged token: $(what)"
    else
        notok "B-T: no signature timestamp found in the CMS"
    fi
else
    notok "stamp --level B-T: $(cat "$T/err")"
fi

# ---- B-LT --------------------------------------------------------------------------------
if "$E" stamp "$T/in.pdf" -o "$T/lt.pdf" --seal "$SEAL" --level B-LT >/dev/null 2>"$T/err"; then
    vj "$T/lt.pdf"
    jv "$T/v.json" 'assert d["verdict"] == "VALID" and s[0]["signature"]["level"] == "B-LT"' &&
        ok "B-LT: eseal verify VALID, level B-LT" || notok "B-LT verify: $(what)"
    qpdf --check "$T/lt.pdf" >/dev/null 2>&1 && ok "B-LT: qpdf --check" || notok "B-LT: qpdf --check"
    qpdf --json=1 --json-key=objects "$T/lt.pdf" 2>/dev/null | python3 -c '
import json, sys
objs = json.load(sys.stdin)["objects"]
dss = [v for v in objs.values() if isinstance(v, dict) and v.get("/Type") == "/DSS"]
assert len(dss) == 1, dss
d = dss[0]
assert len(d.get("/Certs", [])) >= 4 and len(d.get("/CRLs", [])) >= 2, d
' && ok "B-LT: the /DSS holds certificates and CRLs (qpdf --json)" || notok "B-LT: DSS contents"
    pdfsig "$T/lt.pdf" >"$T/ps" 2>&1
    grep -q "Signature is Valid" "$T/ps" && ok "B-LT: pdfsig: signature valid" || notok "B-LT pdfsig: $(cat "$T/ps")"
    # Offline, without the instance's CRLs: the revocation evidence comes from the DSS itself.
    for a in sm2 p256 rsa; do "$E" ca export --alg "$a"; done >"$T/roots.pem" 2>/dev/null
    vj "$T/lt.pdf" --no-instance --trust "$T/roots.pem"
    # The signer's revocation check names DSS responses; the TSA's (and the seal maker's) are more
    # responses of the DSS among the validation objects.
    jv "$T/v.json" '
r = chk(s[0], "revocation")
dss = {o["id"] for o in d["validation_objects"] if o["type"] in ("ocsp_response", "crl") and o["origin"] == "dss"}
assert r["status"] == "passed" and "embedded" in r["detail"] and r["objects"] and set(r["objects"]) <= dss, r
assert chk(s[0], "timestamp")["status"] == "passed"
assert len(dss - set(r["objects"])) >= 1, dss' &&
        ok "B-LT offline: the signer's and the TSA's revocation status come from the DSS" ||
        notok "B-LT offline: $(what)"
else
    notok "stamp --level B-LT: $(cat "$T/err")"
fi

# ---- B-LTA -------------------------------------------------------------------------------
if "$E" stamp "$T/in.pdf" -o "$T/lta.pdf" --seal "$SEAL" --level B-LTA >/dev/null 2>"$T/err"; then
    vj "$T/lta.pdf"
    jv "$T/v.json" 'assert d["verdict"] == "VALID" and s[0]["signature"]["level"] == "B-LTA"' &&
        ok "B-LTA: eseal verify VALID, level B-LTA" || notok "B-LTA verify: $(what)"
    jv "$T/v.json" '
assert d["document"]["archive_timestamps"] == 1
assert s[1]["signature"]["type"] == "document_timestamp" and s[1]["time"]["source"] == "timestamp"
assert chk(s[0], "archive_timestamp")["status"] == "passed" and s[1]["time"]["token"] in chk(s[0], "archive_timestamp")["objects"]' &&
        ok "B-LTA: one archive timestamp" || notok "B-LTA archive timestamps: $(what)"
    qpdf --check "$T/lta.pdf" >/dev/null 2>&1 && ok "B-LTA: qpdf --check" || notok "B-LTA: qpdf --check"
    if parts "$T/lta.pdf" 2 "$T/q" && grep -q "ETSI.RFC3161" "$T/q/subfilter"; then
        tsverify "$T/q/signed.bin" "$T/q/contents.der" &&
            ok "B-LTA: openssl ts -verify: the document timestamp covers the byte ranges" ||
            notok "B-LTA doc timestamp: $(cat "$T/tsv")"
    else
        notok "B-LTA: no /ETSI.RFC3161 document timestamp"
    fi
    pdfsig "$T/lta.pdf" >"$T/ps" 2>&1
    grep -q "Signature is Valid" "$T/ps" && ok "B-LTA: pdfsig: the stamp's signature stays valid" ||
        notok "B-LTA pdfsig: $(cat "$T/ps")"
    # A changed byte in the original document: everything is INVALID.
    python3 - "$T/lta.pdf" "$T/lta-bad.pdf" <<'PY'
import sys
pdf = bytearray(open(sys.argv[1], "rb").read())
i = pdf.find(b"BT")
pdf[i + 3] ^= 1
open(sys.argv[2], "wb").write(pdf)
PY
    vj "$T/lta-bad.pdf"
    jv "$T/v.json" 'assert d["verdict"] == "INVALID" and sum(x["verdict"] == "INVALID" for x in s) >= 2' &&
        ok "B-LTA: a changed byte makes the stamp and the document timestamp INVALID" ||
        notok "tampered LTA: $(what)"
else
    notok "stamp --level B-LTA: $(cat "$T/err")"
fi

# ---- a batch at B-LTA: the /Contents room measured once for the batch must hold the token too ----
# (two copies under two names: one file listed twice, or two inputs with one name, is refused)
cp "$T/in.pdf" "$T/in2.pdf"
printf '%s\n%s\n' "$T/in.pdf" "$T/in2.pdf" >"$T/list"
mkdir -p "$T/batch"
if "$E" stamp --batch "$T/list" -O "$T/batch" --seal "$SEAL" --level B-LTA -j 2 >/dev/null 2>"$T/err"; then
    vj "$T/batch/in.pdf"
    jv "$T/v.json" 'assert d["verdict"] == "VALID" and s[0]["signature"]["level"] == "B-LTA"' &&
        ok "stamp --batch --level B-LTA: VALID, level B-LTA" || notok "batch LTA: $(what)"
else
    notok "stamp --batch --level B-LTA: $(cat "$T/err")"
fi

# ---- extend: B-B -> B-LTA, then a second archive timestamp --------------------------------
"$E" stamp "$T/in.pdf" -o "$T/bb.pdf" --seal "$SEAL" >/dev/null 2>&1
cp "$T/bb.pdf" "$T/ext.pdf"
if "$E" extend "$T/ext.pdf" --level B-LTA >"$T/out" 2>"$T/err" && "$E" extend "$T/ext.pdf" >>"$T/out" 2>>"$T/err"; then
    cmp -s -n "$(stat -c %s "$T/bb.pdf")" "$T/bb.pdf" "$T/ext.pdf" &&
        ok "extend: the signed file stays an exact prefix" || notok "extend changed signed bytes"
    vj "$T/ext.pdf"
    jv "$T/v.json" 'assert d["verdict"] == "VALID" and d["document"]["archive_timestamps"] == 2 and len(chk(s[0], "archive_timestamp")["objects"]) == 2' &&
        ok "extend twice: VALID with two chained archive timestamps" || notok "extend: $(what)"
    jv "$T/v.json" 'assert s[0]["time"]["judged_by"] == "archive_timestamp" and s[0]["time"]["judged_at"] == s[1]["time"]["value"]' &&
        ok "extend: the B-B signature is judged at the first archive timestamp" || notok "extend: judged_at: $(what)"
    parts "$T/ext.pdf" 3 "$T/r" && tsverify "$T/r/signed.bin" "$T/r/contents.der" &&
        ok "extend: openssl ts -verify accepts the second archive timestamp" || notok "second archive timestamp"
else
    notok "extend: $(cat "$T/err")"
fi
"$E" extend "$T/in.pdf" -o "$T/none.pdf" >/dev/null 2>"$T/err"
[ $? -ne 0 ] && [ ! -e "$T/none.pdf" ] && grep -q "no signatures" "$T/err" &&
    ok "extend refuses an unsigned PDF" || notok "extend unsigned: $(cat "$T/err")"

# ---- TSAs over HTTP, fallback, and no TSA at all -------------------------------------------
"$E" tsa serve --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVER=$!
for _ in $(seq 100); do grep -q "port" "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/serve.out")
URL="http://127.0.0.1:$PORT/tsa"
DEAD="http://127.0.0.1:1/tsa"
"$E" stamp "$T/in.pdf" -o "$T/http.pdf" --seal "$SEAL" --level B-T --tsa "$URL" >"$T/out" 2>"$T/err" &&
    grep -q "timestamp from $URL" "$T/out" && vj "$T/http.pdf" && jv "$T/v.json" 'assert d["verdict"] == "VALID"' &&
    ok "B-T with --tsa URL: the token comes over HTTP" || notok "--tsa URL: $(cat "$T/out" "$T/err")"
"$E" stamp "$T/in.pdf" -o "$T/fb.pdf" --seal "$SEAL" --level B-T --tsa "$DEAD" --tsa "$URL" >"$T/out" 2>"$T/err" &&
    grep -q "timestamp from $URL" "$T/out" && ok "B-T: an unreachable first TSA falls back to the second" ||
    notok "fallback: $(cat "$T/out" "$T/err")"
"$E" stamp "$T/in.pdf" -o "$T/dead.pdf" --seal "$SEAL" --level B-T --tsa "$DEAD" --tsa-timeout 2000 >/dev/null 2>"$T/err"
[ $? -ne 0 ] && [ ! -e "$T/dead.pdf" ] && grep -q "no time-stamp could be obtained" "$T/err" &&
    grep -q "local clock is never used" "$T/err" && grep -q "$DEAD" "$T/err" &&
    ok "B-T without a reachable TSA fails, names the TSA, writes nothing" || notok "no TSA: $(cat "$T/err")"
"$E" stamp "$T/in.pdf" -o "$T/dead2.pdf" --seal "$SEAL" --level B-LTA --tsa "$DEAD" >/dev/null 2>&1
[ $? -ne 0 ] && [ ! -e "$T/dead2.pdf" ] && [ -z "$(ls "$T" | grep eseal-signed)" ] &&
    ok "B-LTA without a TSA leaves no file behind" || notok "B-LTA without a TSA left files"
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null

# ---- since expired: judged at the proven time --------------------------------------------
vj "$T/bt.pdf" --at 2031-01-01
jv "$T/v.json" 'assert d["verdict"] == "VALID" and s[0]["time"]["judged_by"] == "timestamp"' &&
    ok "B-T: VALID in 2031, after the certificate expired (judged at the timestamp)" || notok "B-T in 2031: $(what)"
vj "$T/bb.pdf" --at 2031-01-01
jv "$T/v.json" 'assert "OUT_OF_BOUNDS_NO_POE" in codes() and d["verdict"] != "VALID"' &&
    ok "B-B: in 2031 the expired certificate has no proof of existence (OUT_OF_BOUNDS_NO_POE)" ||
    notok "B-B in 2031: $(what)"

# ---- revoked after the timestamp: VALID; before it: INVALID ---------------------------------
sleep 1
"$E" cert revoke "$CERT" --reason keyCompromise >/dev/null 2>&1
vj "$T/lta.pdf"
jv "$T/v.json" 'assert d["verdict"] == "VALID" and "signer: " in chk(s[0], "revocation")["detail"] and "revoked later, at " in chk(s[0], "revocation")["detail"]' &&
    ok "B-LTA: revoked after the timestamp: VALID, with the revocation time as evidence" ||
    notok "revoked later: $(what) $(jv "$T/v.json" 'print(chk(s[0], "revocation"))')"
vj "$T/bb.pdf"
jv "$T/v.json" 'assert d["verdict"] != "VALID" and "REVOKED" in codes() and chk(s[0], "revocation")["status"] == "failed"' &&
    ok "B-B: the same revocation without a timestamp is not VALID" || notok "B-B revoked: $(what)"
read -r CERT2 SEAL2 <<<"$(new_seal Beta)"
"$E" stamp "$T/in.pdf" -o "$T/lta2.pdf" --seal "$SEAL2" --level B-LTA >/dev/null 2>&1
"$E" cert revoke "$CERT2" --at "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" >/dev/null 2>&1
vj "$T/lta2.pdf"
jv "$T/v.json" 'assert d["verdict"] == "INVALID" and "REVOKED" in codes(s[0])' &&
    ok "B-LTA: revoked before the timestamp: INVALID (REVOKED)" || notok "revoked before: $(what)"

# ---- verify --online: the OCSP responder named in the certificate (AIA) is asked -------------
OPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -i "s|^base_url = .*|base_url = http://127.0.0.1:$OPORT|" "$ESEAL_HOME/eseal.conf"
read -r CERT3 SEAL3 <<<"$(new_seal Gamma)"
"$E" stamp "$T/in.pdf" -o "$T/on.pdf" --seal "$SEAL3" >/dev/null 2>&1
"$E" ocsp serve --listen "127.0.0.1:$OPORT" >"$T/ocsp.out" 2>&1 &
OSERVER=$!
for _ in $(seq 100); do grep -q "port" "$T/ocsp.out" 2>/dev/null && break; sleep 0.1; done
vj "$T/on.pdf" --no-instance --trust "$T/roots.pem"
jv "$T/v.json" 'assert chk(s[0], "revocation")["status"] != "passed"' &&
    ok "offline, without CRLs or a DSS, the status is unknown" || notok "offline: $(what)"
vj "$T/on.pdf" --no-instance --trust "$T/roots.pem" --online
jv "$T/v.json" "
r = chk(s[0], 'revocation')
assert r['status'] == 'passed' and r['source'] == 'ocsp' and 'signer: OCSP, http://127.0.0.1:$OPORT/ocsp' in r['detail'], r
assert any(o['type'] == 'ocsp_response' and o['id'] in r['objects'] for o in d['validation_objects'])" &&
    ok "verify --online asks the OCSP responder the certificate names" ||
    notok "--online: $(what) $(jv "$T/v.json" 'print(chk(s[0], "revocation"))')"
kill "$OSERVER" 2>/dev/null
wait "$OSERVER" 2>/dev/null

tap_done pades_interop
