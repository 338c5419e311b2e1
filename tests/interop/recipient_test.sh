#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# recipient_test.sh ESEAL
#
# A recipient with no eseal instance (issue #14 §2, docs/verifying.md): a B-LTA PDF stamped with
# an SM2 seal, and one with a P-256 seal, verify VALID with `--no-instance` and a file holding only
# the root certificates (the /DSS brings the issuing CAs, the CRLs and the OCSP responses for the
# signer, the TSAs and the seal maker), and with the bundle of `eseal ca export --bundle`. Their
# negative twins: the same stamp at B-T or B-B (no /DSS) with roots only stays INDETERMINATE; a
# B-LTA stamp made after the seal maker was revoked is INVALID. An SM2 signer's timestamps (the
# signature's and the document's) come from the SM2 TSA. OFD (no DSS): the bundle gives the
# issuing CAs and CRLs, and a B-T OFD verifies VALID with it. The bundle is also read by
# `openssl verify -CAfile` and an expired CRL in it is named in a warning. Finally every command
# of docs/verifying.md's shell blocks is run here, the platform's with the instance and the
# recipient's with no instance at all. Output is TAP.
set -u
E=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
R=$ROOT/tests/resources
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/store.sh
. "$(dirname "$0")/../lib/store.sh"
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=recipient-pass-1

"$E" init >/dev/null 2>&1 || { echo "not ok 1 - init"; exit 1; }
python3 "$R/mkpdf.py" "$T/in.pdf" >/dev/null 2>&1 || notok "mkpdf"
python3 "$R/mkofd.py" "$T/in.ofd" >/dev/null 2>&1 || notok "mkofd"

verdict() { head -1 "$1" | sed -n 's/^verdict: //p'; }
# j REPORT.json EXPR: prints a Python expression over the JSON report: d (the report), s (its
# signatures), ck(sig, id) (a check of a signature), obj (the validation objects by id).
j() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
s = d["signatures"]
ck = lambda sig, i: next((c for c in sig["checks"] if c["id"] == i), {})
obj = {o["id"]: o for o in d["validation_objects"]}
print(eval(sys.argv[2]))' "$1" "$2" 2>&1
}
# A recipient has no instance: an empty home, so nothing of the platform's can leak in.
recipient() { ESEAL_HOME=$T/nobody ESEAL_PASSPHRASE= "$E" "$@"; }

# The root certificates only: the last certificate of each hierarchy's chain, each self-signed.
for a in sm2 p256 rsa; do "$E" ca export --alg "$a" 2>/dev/null | awk '/BEGIN CERT/{n++} n==2'; done >"$T/roots.pem"
n_roots=$(grep -c "BEGIN CERTIFICATE" "$T/roots.pem")
selfsigned=0
for i in 1 2 3; do
    awk -v k="$i" '/BEGIN CERT/{n++} n==k' "$T/roots.pem" >"$T/r$i.pem"
    [ "$(openssl x509 -in "$T/r$i.pem" -noout -subject -nameopt RFC2253 | cut -d= -f2-)" = \
        "$(openssl x509 -in "$T/r$i.pem" -noout -issuer -nameopt RFC2253 | cut -d= -f2-)" ] && selfsigned=$((selfsigned + 1))
done
[ "$n_roots" = 3 ] && [ "$selfsigned" = 3 ] && ! grep -q "X509 CRL" "$T/roots.pem" &&
    ok "roots.pem holds exactly the 3 self-signed root certificates, no CA and no CRL" ||
    notok "roots.pem: $n_roots certificates, $selfsigned self-signed"

new_seal() { # ALG NAME -> prints the seal file
    local id
    id=$("$E" cert issue --org "$2 Ltd" --uscc 91110000MA01ABCDEX --alg "$1" 2>/dev/null)
    "$E" seal make --cert "$id" --type contract --name "$2 Seal" -o "$T/$2.esl" >/dev/null 2>&1
    echo "$T/$2.esl"
}
SM2_SEAL=$(new_seal sm2 Alpha)
P256_SEAL=$(new_seal p256 Bravo)

# ---- B-LTA PDFs, roots only -------------------------------------------------------------------
for alg in sm2 p256; do
    seal=$SM2_SEAL
    [ "$alg" = p256 ] && seal=$P256_SEAL
    if "$E" stamp "$T/in.pdf" -o "$T/lta-$alg.pdf" --seal "$seal" --level B-LTA >"$T/out" 2>"$T/err"; then
        recipient verify "$T/lta-$alg.pdf" --no-instance --trust "$T/roots.pem" >"$T/v-$alg" 2>&1
        rc=$?
        recipient verify "$T/lta-$alg.pdf" --no-instance --trust "$T/roots.pem" --json >"$T/j-$alg" 2>&1
        [ $rc = 0 ] && [ "$(verdict "$T/v-$alg")" = VALID ] && [ "$(j "$T/j-$alg" 's[0]["signature"]["level"]')" = B-LTA ] &&
            ok "$alg B-LTA PDF: VALID (B-LTA) with --no-instance and only the root certificates" ||
            notok "$alg B-LTA roots only (exit $rc): $(grep -E '^verdict|\[' "$T/v-$alg")"
        # The signer's own status too: the OCSP response the DSS carries for it.
        [ "$(j "$T/j-$alg" 'ck(s[0], "revocation")["status"], ck(s[0], "revocation")["source"], ck(s[0], "revocation")["detail"].startswith("signer: OCSP, embedded"), {obj[i]["origin"] for i in ck(s[0], "revocation")["objects"]}')" = "('passed', 'ocsp', True, {'dss'})" ] &&
            ok "$alg: the signer's status is the OCSP response in the /DSS (named as evidence)" ||
            notok "$alg signer status: $(j "$T/j-$alg" 'ck(s[0], "revocation")')"
        # The seal maker is judged with the document's own data: chain through /DSS /Certs, status from it.
        # (an OCSP response for the maker itself, made when the DSS was written; the CRLs cover its CA)
        j "$T/j-$alg" 'ck(s[0], "seal_signature")' >"$T/sc"
        [ "$(j "$T/j-$alg" 'ck(s[0], "seal_signature")["status"]')" = passed ] && grep -q "chain passed" "$T/sc" &&
            grep -q "revocation passed (signer: OCSP, embedded" "$T/sc" &&
            ok "$alg: the seal maker's chain and revocation status come from the document's /DSS" ||
            notok "$alg seal maker: $(cat "$T/sc")"
        # The evidence of a B-LTA report: every certificate, OCSP response, CRL and timestamp used is a
        # validation object, and each check that used one names it.
        python3 - "$T/j-$alg" <<'PY' && ok "$alg B-LTA: the validation objects are the certificates, OCSP responses and timestamps used, each named by its check" ||
import json, sys
d = json.load(open(sys.argv[1]))
objs = {o["id"]: o for o in d["validation_objects"]}
assert {"certificate", "ocsp_response", "timestamp", "seal"} <= {o["type"] for o in objs.values()}, objs
sig, dts = d["signatures"]
ck = lambda s, i: next(c for c in s["checks"] if c["id"] == i)
assert [objs[i]["type"] for i in ck(sig, "chain")["objects"]] == ["certificate"] * 3
rev = ck(sig, "revocation")["objects"]
assert rev and all(objs[i]["type"] in ("ocsp_response", "crl") and objs[i]["origin"] == "dss" for i in rev), rev
tok = sig["time"]["token"]
assert objs[tok]["type"] == "timestamp" and objs[tok]["poe"] and tok in ck(sig, "timestamp")["objects"]
# the signature timestamp's TSA: its certificate and the revocation data its chain was judged with
assert any(objs[i]["type"] == "ocsp_response" for i in ck(sig, "timestamp")["objects"])
assert dts["time"]["token"] in ck(sig, "archive_timestamp")["objects"] and dts["time"]["token"] in ck(dts, "timestamp")["objects"]
assert sig["seal"]["object"] in objs and any(objs[i]["type"] == "ocsp_response" for i in ck(sig, "seal_signature")["objects"])
named = {i for s in d["signatures"] for c in s["checks"] for i in c["objects"]}
named |= {s["signer"]["certificate"] for s in d["signatures"]} | {sig["seal"]["object"]}
assert set(objs) == named, set(objs) ^ named
PY
            notok "$alg B-LTA evidence: $(j "$T/j-$alg" '[(c["id"], c["objects"]) for c in s[0]["checks"]]')"
        [ "$(j "$T/j-$alg" 'd["verdict"]')" = VALID ] && ok "$alg: --json gives the same verdict (VALID)" ||
            notok "$alg --json: $(head -c 300 "$T/j-$alg")"
    else
        notok "stamp $alg --level B-LTA: $(cat "$T/err")"
    fi
done
# The SM2 signer's signature timestamp and the document timestamp both come from the SM2 TSA.
grep -q "^time: .*the instance's SM2 TSA" <("$E" stamp "$T/in.pdf" -o "$T/bt-sm2.pdf" --seal "$SM2_SEAL" --level B-T 2>&1) &&
    ok "stamp with an SM2 seal says its time comes from the SM2 TSA" || notok "SM2 stamp time line"
[ "$(j "$T/j-sm2" '[x["time"]["tsa"].split(",")[0] for x in s]')" = "['CN=eseal Platform Time Stamping Authority (SM2)', 'CN=eseal Platform Time Stamping Authority (SM2)']" ] &&
    [ "$(j "$T/j-sm2" 's[1]["signer"]["subject"].split(",")[0]')" = "CN=eseal Platform Time Stamping Authority (SM2)" ] &&
    ok "SM2 B-LTA: the signature timestamp and the document timestamp are the SM2 TSA's" ||
    notok "SM2 TSA: $(j "$T/j-sm2" '[x["time"]["tsa"] for x in s]')"
[ "$(j "$T/j-p256" '{x["time"]["tsa"].split(",")[0] for x in s}')" = "{'CN=eseal Platform Time Stamping Authority (P-256)'}" ] &&
    ! grep -q "Authority (SM2)" "$T/j-p256" &&
    ok "P-256 B-LTA: its timestamps are the P-256 TSA's" || notok "P-256 TSA: $(j "$T/j-p256" '[x["time"]["tsa"] for x in s]')"

# eseal extend: a B-T file raised to B-LTA later gets its document timestamp from the TSA of its
# signer (SM2 here) and then verifies with roots only as well.
"$E" extend "$T/bt-sm2.pdf" -o "$T/ext-sm2.pdf" >"$T/out" 2>"$T/err" || notok "extend: $(cat "$T/err")"
recipient verify "$T/ext-sm2.pdf" --no-instance --trust "$T/roots.pem" --json >"$T/v" 2>&1
rc=$?
[ $rc = 0 ] && [ "$(j "$T/v" 's[0]["signature"]["level"], s[1]["signature"]["type"], s[1]["signer"]["subject"].split(",")[0]')" = "('B-LTA', 'document_timestamp', 'CN=eseal Platform Time Stamping Authority (SM2)')" ] &&
    ok "extend of an SM2 stamp: the document timestamp is the SM2 TSA's; VALID with roots only" ||
    notok "extend (exit $rc): $(j "$T/v" '[(x["signature"]["level"], x["signer"]["subject"]) for x in s]')"

# ---- the negative twins: no /DSS, roots only ----------------------------------------------------
"$E" stamp "$T/in.pdf" -o "$T/bb-sm2.pdf" --seal "$SM2_SEAL" >/dev/null 2>&1
for f in bt-sm2 bb-sm2; do
    recipient verify "$T/$f.pdf" --no-instance --trust "$T/roots.pem" >"$T/v" 2>&1
    rc=$?
    [ $rc = 1 ] && [ "$(verdict "$T/v")" = INDETERMINATE ] && grep -q "NO_CERTIFICATE_CHAIN_FOUND\|REVOCATION_UNKNOWN" "$T/v" &&
        ok "$f (no /DSS) with roots only: INDETERMINATE, exit 1 ($(grep -o '\[[A-Z_]*\]' "$T/v" | sort -u | tr '\n' ' '))" ||
        notok "$f roots only (exit $rc): $(grep -E '^verdict|\[' "$T/v")"
done

# ---- the bundle -------------------------------------------------------------------------------
"$E" ca export --bundle -o "$T/bundle.pem" >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 0 ] && [ "$(grep -c "BEGIN CERTIFICATE" "$T/bundle.pem")" = 6 ] && [ "$(grep -c "BEGIN X509 CRL" "$T/bundle.pem")" = 6 ] &&
    grep -q "3 root certificates, 3 issuing CAs, 6 CRLs" "$T/err" && ! grep -q warning "$T/err" &&
    ok "ca export --bundle: 3 roots, 3 issuing CAs and 6 CRLs in one PEM file, no warning" ||
    notok "bundle (exit $rc): $(cat "$T/err"); $(grep -c BEGIN "$T/bundle.pem") blocks"
"$E" ca export --bundle --alg sm2 >"$T/bundle-sm2.pem" 2>/dev/null
[ "$(grep -c "BEGIN CERTIFICATE" "$T/bundle-sm2.pem")" = 2 ] && [ "$(grep -c "BEGIN X509 CRL" "$T/bundle-sm2.pem")" = 2 ] &&
    ! grep -q "P-256\|RSA" "$T/bundle-sm2.pem" && ok "ca export --bundle --alg sm2: only the SM2 hierarchy" ||
    notok "bundle --alg sm2: $(grep '^#' "$T/bundle-sm2.pem")"
"$E" ca export --bundle --tsa >/dev/null 2>&1
[ $? = 2 ] && ok "ca export --bundle --tsa is a usage error (exit 2)" || notok "--bundle --tsa"
# Another tool reads it as it is: the P-256 TSA certificate checks out with its CRLs (openssl).
"$E" ca export --tsa --alg p256 2>/dev/null | awk '/BEGIN CERT/{n++} n==1' >"$T/tsa.pem"
openssl verify -crl_check_all -CAfile "$T/bundle.pem" "$T/tsa.pem" >"$T/ov" 2>&1 &&
    ok "openssl verify -crl_check_all -CAfile bundle.pem accepts it (certificates and CRLs)" || notok "openssl: $(cat "$T/ov")"
for f in lta-sm2 lta-p256 bt-sm2; do
    recipient verify "$T/$f.pdf" --no-instance --trust "$T/bundle.pem" >"$T/v" 2>&1
    [ $? = 0 ] && [ "$(verdict "$T/v")" = VALID ] &&
        ok "$f PDF: VALID with --no-instance --trust bundle.pem" || notok "$f bundle: $(grep -E '^verdict|\[' "$T/v")"
done
# Its issuing CAs are path helpers judged like any CA, not anchors that end the path.
recipient verify "$T/bt-sm2.pdf" --no-instance --trust "$T/bundle.pem" --json >"$T/v" 2>&1
[ "$(j "$T/v" 'len(ck(s[0], "chain")["objects"]), obj[ck(s[0], "chain")["objects"][-1]]["name"].split(",")[0]')" = "(3, 'CN=eseal Platform Root CA (SM2)')" ] &&
    j "$T/v" 'ck(s[0], "revocation")["detail"]' | grep -q "CA: CRL, trust set" &&
    ok "with the bundle the chain ends at the root, and the issuing CA's status comes from the root's CRL" ||
    notok "bundle chain: $(j "$T/v" '(ck(s[0], "chain"), ck(s[0], "revocation"))')"
# Without the CRLs (the same certificates only), a B-T stamp cannot be VALID: every certificate
# of a file without CRLs is an anchor, and the signer's status is unknown.
sed '/BEGIN X509 CRL/,/END X509 CRL/d' "$T/bundle.pem" >"$T/certs-only.pem"
recipient verify "$T/bt-sm2.pdf" --no-instance --trust "$T/certs-only.pem" >"$T/v" 2>&1
[ "$(verdict "$T/v")" = INDETERMINATE ] && grep -q REVOCATION_UNKNOWN "$T/v" &&
    ok "the bundle's certificates without its CRLs: B-T stays INDETERMINATE (REVOCATION_UNKNOWN)" ||
    notok "certs only: $(grep -E '^verdict|\[' "$T/v")"

# ---- OFD: no DSS, the bundle carries what the package cannot ---------------------------------
if "$E" stamp "$T/in.ofd" -o "$T/bt-sm2.ofd" --seal "$SM2_SEAL" --level B-T >"$T/out" 2>"$T/err"; then
    grep -q "SM2 TSA" "$T/out" && ok "OFD B-T with an SM2 seal: the token is the SM2 TSA's" || notok "OFD TSA: $(cat "$T/out")"
    recipient verify "$T/bt-sm2.ofd" --no-instance --trust "$T/bundle.pem" --json >"$T/v" 2>&1
    rc=$?
    [ $rc = 0 ] && [ "$(j "$T/v" 'd["verdict"], ck(s[0], "timestamp")["status"], s[0]["time"]["source"]')" = "('VALID', 'passed', 'timestamp')" ] &&
        ok "OFD B-T: VALID with --no-instance --trust bundle.pem (timestamp VALID)" ||
        notok "OFD bundle (exit $rc): $(grep -E '^verdict|\[' "$T/v")"
    recipient verify "$T/bt-sm2.ofd" --no-instance --trust "$T/roots.pem" >"$T/v" 2>&1
    [ $? = 1 ] && [ "$(verdict "$T/v")" = INDETERMINATE ] &&
        ok "OFD B-T with roots only (no issuing CA, no CRL): INDETERMINATE" || notok "OFD roots: $(grep -E '^verdict|\[' "$T/v")"
else
    notok "stamp OFD B-T: $(cat "$T/err")"
fi

# ---- an expired CRL in the bundle is named ------------------------------------------------------
# A newer CRL for the RSA issuing CA whose nextUpdate has passed (signed by a throw-away key: the
# export reads dates, it does not vouch for the CRL; a verifier would reject that CRL anyway).
RSA_CA=$("$E" cert list 2>/dev/null | awk '$2 == "issuing-ca" && $3 == "rsa" {print $1}')
python3 - "$T/old.crl" <<'PY'
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
k = ec.generate_private_key(ec.SECP256R1())
now = datetime.datetime(2020, 1, 1)
b = (x509.CertificateRevocationListBuilder()
     .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old")]))
     .last_update(now).next_update(now + datetime.timedelta(days=7)))
open(sys.argv[1], "wb").write(b.sign(k, hashes.SHA256()).public_bytes(
    __import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.DER))
PY
store_sql "$T/home" "INSERT INTO crls VALUES ('$RSA_CA', 999999, $(store_blob "$T/home" "$T/old.crl"), 1577836800000, 1578441600000)"
"$E" ca export --bundle -o "$T/stale.pem" >/dev/null 2>"$T/err"
rc=$?
[ $rc = 0 ] && [ -s "$T/stale.pem" ] && grep -q "^warning: 1 CA without a current CRL" "$T/err" &&
    grep -q "Issuing CA (RSA).*expired at 2020-01-08" "$T/err" &&
    ok "an expired CRL: the bundle is still written and a warning names the CA ($(head -c 90 "$T/err")...)" ||
    notok "stale CRL (exit $rc): $(cat "$T/err")"

# ---- docs/verifying.md: every command of its shell blocks, as written --------------------------
# Blocks whose first line is "# on the platform" run with the instance; all others as the recipient.
D=$T/guide
mkdir -p "$D"
cp "$T/lta-sm2.pdf" "$D/contract.stamped.pdf"
cp "$T/bt-sm2.pdf" "$D/contract.b-t.pdf"
cp "$T/bt-sm2.ofd" "$D/contract.stamped.ofd"
cp "$T/roots.pem" "$D/eseal-roots.pem"
python3 - "$ROOT/docs/verifying.md" >"$T/cmds" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
for block in re.findall(r"```sh\n(.*?)```", text, re.S):
    lines = [l.strip() for l in block.splitlines() if l.strip()]
    who = "platform" if lines and lines[0].startswith("# on the platform") else "recipient"
    for l in lines:
        if not l.startswith("#"):
            print(who + "\t" + l)
PY
ran=0
failed=""
while IFS=$'\t' read -r who cmd; do
    ran=$((ran + 1))
    case "$cmd" in eseal\ *) ;; pdfsig\ * | openssl\ *) ;; *) failed="$failed [not a command of the guide: $cmd]"; continue ;; esac
    bin=${cmd%% *}
    args=${cmd#* }
    [ "$bin" = eseal ] && bin=$E
    if [ "$who" = platform ]; then
        (cd "$D" && eval "\"$bin\" $args") >"$T/g.out" 2>&1
    else
        (cd "$D" && ESEAL_HOME=$T/nobody ESEAL_PASSPHRASE= eval "\"$bin\" $args") >"$T/g.out" 2>&1
    fi
    rc=$?
    # Verdicts (0 VALID, 1 not valid) are the point; usage errors (2) and failures (3) are not.
    [ $rc -le 1 ] || failed="$failed [$cmd: exit $rc: $(head -c 200 "$T/g.out")]"
done <"$T/cmds"
[ "$ran" -ge 6 ] && [ -z "$failed" ] && ok "docs/verifying.md: all $ran commands of its shell blocks run (exit 0 or 1)" ||
    notok "docs/verifying.md ($ran commands):$failed"
[ -s "$D/eseal-trust.pem" ] && ok "the guide's platform commands wrote eseal-trust.pem" || notok "guide: no eseal-trust.pem"
recipient verify "$D/contract.stamped.pdf" --no-instance --trust "$D/eseal-trust.pem" >"$T/v" 2>&1 &&
    recipient verify "$D/contract.stamped.ofd" --no-instance --trust "$D/eseal-trust.pem" >/dev/null 2>&1 &&
    ok "the guide's files: the PDF and the OFD verify VALID as the guide says" || notok "guide files: $(head -3 "$T/v")"

# ---- last: the seal maker revoked before stamping -----------------------------------------------
MAKER=$("$E" cert list 2>/dev/null | awk '$2 == "seal-maker" && $3 == "sm2" {print $1}')
"$E" cert revoke "$MAKER" --reason keyCompromise >/dev/null 2>&1 || notok "revoke the SM2 seal maker"
sleep 1 # the revocation time has a resolution of one second; the stamp's timestamp comes after it
if "$E" stamp "$T/in.pdf" -o "$T/lta-revoked.pdf" --seal "$SM2_SEAL" --level B-LTA >/dev/null 2>"$T/err"; then
    recipient verify "$T/lta-revoked.pdf" --no-instance --trust "$T/roots.pem" >"$T/v" 2>&1
    rc=$?
    [ $rc = 1 ] && [ "$(verdict "$T/v")" = INVALID ] && grep -q 'INVALID \[REVOKED\].*Seal Maker (SM2)' "$T/v" &&
        ok "B-LTA stamped after the seal maker was revoked: INVALID [REVOKED] from the document's own data" ||
        notok "revoked maker (exit $rc): $(grep -E '^verdict|\[|seal_check.*revo' "$T/v")"
    # The stamp made before the revocation keeps its proof: judged at its timestamps, still VALID.
    "$E" ca export --bundle -o "$T/bundle2.pem" >/dev/null 2>&1
    recipient verify "$T/lta-sm2.pdf" --no-instance --trust "$T/bundle2.pem" --json >"$T/v" 2>&1
    [ "$(j "$T/v" 'd["verdict"]')" = VALID ] && j "$T/v" 'ck(s[0], "seal_signature")["detail"]' | grep -q "revoked later" &&
        ok "the stamp made before the revocation stays VALID (the maker was revoked later)" ||
        notok "earlier stamp after revocation: $(j "$T/v" '(d["verdict"], ck(s[0], "seal_signature"))')"
else
    # Refusing to stamp with a seal whose maker is revoked is also a correct outcome.
    ok "stamping with a seal whose maker is revoked is refused ($(head -c 120 "$T/err"))"
fi

tap_done recipient
