#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end tests of the eseal binary: exit codes, verdicts, reasons, files, errors.
# Usage: cli_test.sh /path/to/eseal
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_PASSPHRASE=integration-pass-1
export ESEAL_HOME=$T/home
unset ESEAL_PASS_FILE || true
json_verdict() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"])' "$1"; }

expect 0 "init creates an instance" -- "$E" init
expect 3 "init refuses an existing instance" -- "$E" init
has "$T/err" "already holds an eseal instance" "init says why"
expect 2 "init checks the base URL before creating anything" -- "$E" --home "$T/bad" init --base-url ftp://x
[ ! -e "$T/bad" ] && ok "a refused init leaves nothing behind" || notok "a refused init leaves nothing behind"
perms=$(stat -c %a "$ESEAL_HOME"/keys/*.key | sort -u | tr '\n' ' ')
[ "$perms" = "600 " ] && ok "every key file is 0600" || notok "key file modes: $perms"
grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$ESEAL_HOME"/keys/*.key && ok "key files are encrypted" || notok "key files are encrypted"

expect 2 "issue rejects a bad unified social credit code" -- "$E" cert issue --org X --uscc 91110000MA01ABCDE5 --alg sm2
has "$T/err" "not a valid unified social credit code" "the USCC error is specific"
expect 2 "issue needs --org or --person" -- "$E" cert issue --alg sm2
expect 2 "unknown option is a usage error" -- "$E" cert issue --bogus
expect 2 "unknown command is a usage error" -- "$E" frobnicate
expect 2 "seal without a subcommand is a usage error" -- "$E" seal
has "$T/err" "seal needs a subcommand: make, show, verify" "it lists the seal subcommands"
expect 2 "an unknown subcommand is a usage error" -- "$E" cert frob
has "$T/err" "unknown subcommand 'cert frob'" "it names the unknown subcommand"
expect 2 "cert issue takes no positional argument" -- "$E" cert issue extra

for alg in sm2 p256 rsa; do
    "$E" cert issue --org "Example $alg Ltd" --uscc 91110000MA01ABCDEX --alg $alg -o "$T/$alg.pem" >"$T/$alg.id" 2>"$T/err" &&
        ok "issue $alg organisation certificate" || notok "issue $alg organisation certificate"
done
SM2=$(cat "$T/sm2.id")
P256=$(cat "$T/p256.id")
openssl x509 -in "$T/sm2.pem" -noout -subject -nameopt RFC2253 >"$T/subj"
has "$T/subj" "organizationIdentifier=NTRCN-91110000MA01ABCDEX" "organisation certificate carries organizationIdentifier"
openssl x509 -in "$T/sm2.pem" -noout -text >"$T/text"
has "$T/text" "Digital Signature, Non Repudiation" "key usage digitalSignature+nonRepudiation"
has "$T/text" "CRL Distribution Points" "CRL distribution point present"
has "$T/text" "OCSP - URI" "OCSP URL present"
expect 0 "issue a person certificate" -- "$E" cert issue --person "张三" --id-number 110101199003077777 --alg p256
expect 0 "cert list" -- "$E" cert list
has "$T/out" "seal-maker" "list shows the seal-maker certificate"
expect 0 "cert show --json" -- "$E" --json cert show "$SM2"

head -c 100000 /dev/urandom >"$T/doc.bin"
for alg in sm2 p256 rsa; do
    id=$(cat "$T/$alg.id")
    expect 0 "sign with $alg" -- "$E" sign "$T/doc.bin" --cert "$id" -o "$T/doc.$alg.p7s"
    expect 0 "verify $alg signature: VALID" -- "$E" verify "$T/doc.$alg.p7s" --data "$T/doc.bin"
    has "$T/out" "verdict: VALID" "$alg text report says VALID"
done
expect 0 "sign by certificate file" -- "$E" sign "$T/doc.bin" --cert "$T/p256.pem" -o "$T/doc.file.p7s"
expect 0 "verify --json" -- "$E" verify "$T/doc.sm2.p7s" --data "$T/doc.bin" --json
[ "$(json_verdict "$T/out")" = VALID ] && ok "JSON verdict VALID" || notok "JSON verdict VALID"
has "$T/out" '"reasons"' "JSON has reasons"
has "$T/out" '"signatures"' "JSON has signatures"
python3 - "$T/out" <<'PY' && ok "verify --json: the revocation check passed on CRLs of the trust set, named as evidence" ||
import json, sys
d = json.load(open(sys.argv[1]))
s = d["signatures"][0]
rev = [c for c in s["checks"] if c["id"] == "revocation"][0]
assert rev["status"] == "passed" and rev["source"] == "crl" and "CRL, trust set" in rev["detail"], rev
objs = {o["id"]: o for o in d["validation_objects"]}
assert len(rev["objects"]) == 2 and all(objs[i]["type"] == "crl" and objs[i]["origin"] == "trust_set" for i in rev["objects"])
chain = [c for c in s["checks"] if c["id"] == "chain"][0]
assert chain["status"] == "passed" and len(chain["objects"]) == 3 and s["signer"]["certificate"] == chain["objects"][0]
assert isinstance(d["document"]["size"], int) and d["format"] == "cms" and d["report_version"] == 6
PY
    notok "verify --json: revocation and chain checks with their evidence"
expect 0 "eseal help ocsp" -- "$E" help ocsp
has "$T/out" "ocsp serve --listen" "the OCSP help names ocsp serve"

# Flip one bit (writing a fixed byte was a no-op once in 256 runs: the data is random).
python3 -c 'import sys; d=bytearray(open(sys.argv[1],"rb").read()); d[5000]^=1; open(sys.argv[2],"wb").write(d)' "$T/doc.bin" "$T/tampered.bin"
expect 1 "tampered data: not valid" -- "$E" verify "$T/doc.sm2.p7s" --data "$T/tampered.bin" --json
[ "$(json_verdict "$T/out")" = INVALID ] && ok "tampered data is INVALID" || notok "tampered data is INVALID"
has "$T/out" HASH_FAILURE "tampered data reason HASH_FAILURE"
expect 1 "wrong expected signer: not valid" -- "$E" verify "$T/doc.sm2.p7s" --data "$T/doc.bin" --signer "$P256"
has "$T/out" SIGNER_MISMATCH "wrong signer reason SIGNER_MISMATCH"
expect 1 "no trust anchors outside the instance: not valid" -- "$E" verify "$T/doc.sm2.p7s" --data "$T/doc.bin" --no-instance
has "$T/out" "verdict: INDETERMINATE" "untrusted signer is INDETERMINATE"
"$E" ca export --alg sm2 -o "$T/sm2chain.pem" 2>/dev/null
expect 0 "VALID with --trust outside the instance plus its CRLs" -- "$E" verify "$T/doc.sm2.p7s" --data "$T/doc.bin" --no-instance --trust "$T/sm2chain.pem" --crl "$(ls "$ESEAL_HOME"/crl/*.crl | head -1)" --crl "$(ls "$ESEAL_HOME"/crl/*.crl | sed -n 2p)" --crl "$(ls "$ESEAL_HOME"/crl/*.crl | sed -n 3p)" --crl "$(ls "$ESEAL_HOME"/crl/*.crl | sed -n 4p)" --crl "$(ls "$ESEAL_HOME"/crl/*.crl | sed -n 5p)" --crl "$(ls "$ESEAL_HOME"/crl/*.crl | sed -n 6p)"

future=$(date -u -d '+3 years' +%Y-%m-%dT%H:%M:%SZ)
expect 1 "expired certificate: not valid" -- "$E" verify "$T/doc.p256.p7s" --data "$T/doc.bin" --at "$future" --json
[ "$(json_verdict "$T/out")" = INDETERMINATE ] && ok "expired certificate is INDETERMINATE" || notok "expired certificate is INDETERMINATE"
has "$T/out" OUT_OF_BOUNDS_NO_POE "expired reason OUT_OF_BOUNDS_NO_POE"
expect 2 "bad --at is a usage error" -- "$E" verify "$T/doc.p256.p7s" --data "$T/doc.bin" --at yesterday

ESEAL_PASSPHRASE=wrong-passphrase expect 3 "wrong passphrase is an error" -- "$E" sign "$T/doc.bin" --cert "$SM2"
has "$T/err" "wrong passphrase" "wrong passphrase is named"
printf 'integration-pass-1\n' >"$T/pass"
ESEAL_PASSPHRASE= expect 0 "--pass-file works" -- "$E" --pass-file "$T/pass" sign "$T/doc.bin" --cert "$SM2" -o "$T/pf.p7s"

expect 0 "revoke the SM2 certificate" -- "$E" cert revoke "$SM2" --reason keyCompromise
expect 3 "revoking twice is refused" -- "$E" cert revoke "$SM2"
expect 1 "revoked certificate: not valid" -- "$E" verify "$T/doc.sm2.p7s" --data "$T/doc.bin" --json
[ "$(json_verdict "$T/out")" = INDETERMINATE ] || [ "$(json_verdict "$T/out")" = INVALID ] && ok "revoked signer is not VALID" || notok "revoked signer is not VALID"
has "$T/out" REVOKED "revoked reason names revocation"
has "$T/out" keyCompromise "revocation reason is reported"
expect 3 "a revoked certificate cannot sign" -- "$E" sign "$T/doc.bin" --cert "$SM2"
"$E" cert issue --org "Later Ltd" --uscc 91110000MA01ABCDEX --alg sm2 >"$T/later.id"
sleep 1
"$E" sign "$T/doc.bin" --cert "$(cat "$T/later.id")" -o "$T/later.p7s" >/dev/null
sleep 1.2 # CRL and signingTime have one-second resolution
"$E" cert revoke "$(cat "$T/later.id")" >/dev/null
expect 1 "signature made before a later revocation: not valid" -- "$E" verify "$T/later.p7s" --data "$T/doc.bin" --json
[ "$(json_verdict "$T/out")" = INDETERMINATE ] && ok "revoked after the claimed signing time is INDETERMINATE" || notok "revoked after the claimed signing time is INDETERMINATE"
has "$T/out" REVOKED_NO_POE "no proof of existence before the revocation"

# A legacy PKCS#12 (RC2-40 certificate bag, as older Chinese CA tools write) of an SM2 certificate
# that expired in 2021, made here with openssl (ofdrw's USER.p12 is imported by cli_vectors_test.sh).
mkdir "$T/ca" && : >"$T/ca/index.txt" && echo 01 >"$T/ca/serial"
printf '[ca]\ndefault_ca = d\n[d]\ndatabase = %s\nnew_certs_dir = %s\nserial = %s\npolicy = p\n[p]\ncommonName = supplied\norganizationName = optional\n' \
    "$T/ca/index.txt" "$T/ca" "$T/ca/serial" >"$T/ca.cnf"
openssl genpkey -algorithm SM2 -out "$T/old.key" 2>/dev/null &&
    openssl req -new -key "$T/old.key" -subj "/O=Expired Trading Ltd/CN=Expired Trading Ltd" -sm3 -out "$T/old.csr" &&
    openssl ca -batch -config "$T/ca.cnf" -selfsign -keyfile "$T/old.key" -in "$T/old.csr" -md sm3 \
        -startdate 20200101000000Z -enddate 20210101000000Z -out "$T/old.pem" >/dev/null 2>&1 &&
    openssl pkcs12 -export -legacy -inkey "$T/old.key" -in "$T/old.pem" -passout pass:777777 -out "$T/old.p12" &&
    openssl pkcs12 -info -legacy -noout -in "$T/old.p12" -passin pass:777777 2>&1 | grep -q "pbeWithSHA1And40BitRC2-CBC" &&
    ok "openssl writes a legacy RC2-40 PKCS#12 of an expired SM2 certificate" || notok "making the legacy PKCS#12"
printf '777777\n' >"$T/p12pass"
expect 0 "import a legacy PKCS#12 (RC2-40)" -- "$E" cert import "$T/old.p12" --key-pass-file "$T/p12pass"
expect 3 "an expired imported certificate cannot sign" -- "$E" sign "$T/doc.bin" --cert "$(cat "$T/out")"
has "$T/err" "expired" "expired signer is named"

# ---- seals ------------------------------------------------------------------
"$E" cert issue --org "北京示例科技有限公司" --uscc 91110000MA01ABCDEX --alg sm2 >"$T/sealorg.id"
ORG=$(cat "$T/sealorg.id")
expect 2 "seal make needs --name" -- "$E" seal make --cert "$ORG"
expect 2 "seal make rejects an unknown type" -- "$E" seal make --cert "$ORG" --name X --type bogus
expect 2 "an invoice seal needs its tax ID (--code)" -- "$E" seal make --cert "$ORG" --name X --type invoice
expect 0 "seal make prints the esID" -- "$E" seal make --cert "$ORG" --type contract --name "北京示例科技有限公司合同专用章" -o "$T/c.esl"
S1=$(cat "$T/out")
case "$S1" in ES20*) ok "the esID looks like one" ;; *) notok "esID '$S1'" ;; esac
[ -s "$T/c.esl" ] && ok "seal make -o writes the seal" || notok "seal make -o writes the seal"
expect 0 "a new seal verifies" -- "$E" seal verify "$T/c.esl" --json
[ "$(json_verdict "$T/out")" = VALID ] && ok "new seal: VALID" || notok "new seal: VALID"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["seal"]["registry"]; assert r == {"at_signing": "active", "now": "active"}, r' "$T/out" &&
    ok "the registry status is reported, at signing and now" || notok "the registry status is reported"
expect 0 "seal show writes the imprint as PNG" -- "$E" seal show "$T/c.esl" --imprint "$T/c.png"
head -c 8 "$T/c.png" | od -An -tx1 | grep -q "89 50 4e 47" && ok "the imprint is a PNG" || notok "the imprint is a PNG"
expect 0 "seal show ID writes the imprint as SVG" -- "$E" seal show "$S1" --imprint "$T/c.svg"
has "$T/c.svg" 'width="40mm"' "the SVG has the seal's size in mm"
grep -q "<text" "$T/c.svg" && notok "the SVG has no text elements (paths only)" || ok "the SVG has no text elements (paths only)"
expect 0 "seal show --json" -- "$E" seal show "$S1" --json
has "$T/out" '"format": "GB/T 38540-2020 (V4)"' "the seal is GB/T 38540 V4"
expect 0 "a scanned transparent PNG can be the picture" -- "$E" seal make --cert "$ORG" --name "扫描章" --image "$T/c.png" --size 40
printf 'GIF89a-not-a-png' >"$T/bad.png"
expect 3 "a non-PNG scan is refused" -- "$E" seal make --cert "$ORG" --name X --image "$T/bad.png"
has "$T/err" "PNG" "the picture error says what is wrong"
expect 0 "two certificates may stamp with one seal" -- "$E" seal make --cert "$ORG" --cert "$P256" --name "共用章" --json
has "$T/out" "$P256" "both certificates are recorded"
expect 0 "a P-256 maker with certificate digests" -- "$E" seal make --cert "$P256" --name "Example seal" --maker p256 --digests -o "$T/p.esl"
expect 0 "the P-256 seal verifies" -- "$E" seal verify "$T/p.esl"
has "$T/out" "seal_signature .*ecdsa-with-SHA256" "the seal says it is ECDSA P-256 (by name, not OID)"

# lifecycle
expect 0 "suspend" -- "$E" seal suspend "$S1" --reason "audit in progress"
expect 1 "a suspended seal is not valid" -- "$E" seal verify "$T/c.esl"
has "$T/out" SEAL_SUSPENDED "the suspension is named"
expect 0 "resume" -- "$E" seal resume "$S1" --reason "audit done"
expect 3 "resuming an active seal is refused" -- "$E" seal resume "$S1" --reason again
expect 2 "a lifecycle change needs a reason" -- "$E" seal suspend "$S1"
sleep 1.1
T1=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1.1
expect 0 "revoke" -- "$E" seal revoke "$S1" --reason "key compromise"
expect 0 "before the revocation the seal was valid" -- "$E" seal verify "$T/c.esl" --at "$T1"
expect 1 "after the revocation it is not" -- "$E" seal verify "$T/c.esl" --json
[ "$(json_verdict "$T/out")" = INVALID ] && ok "revoked seal: INVALID" || notok "revoked seal: INVALID"
has "$T/out" SEAL_REVOKED "the revocation is named"
expect 0 "status at an earlier time" -- "$E" seal status "$S1" --at "$T1"
has "$T/out" "^active" "it was active then"
expect 1 "status now" -- "$E" seal status "$S1"
has "$T/out" "^revoked" "it is revoked now"
expect 0 "history lists every transition" -- "$E" seal history "$S1"
[ "$(wc -l <"$T/out")" -eq 8 ] && ok "eight events: applied, approved, made, filed, active, suspended, active, revoked" || notok "history has $(wc -l <"$T/out") lines"
has "$T/out" "key compromise" "the history keeps the reasons"
expect 0 "list --json" -- "$E" seal list --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d) >= 3' "$T/out" && ok "list --json parses" || notok "list --json parses"
grep -q "北京示例科技有限公司合同专用章" "$T/out" && ! grep -q '\\u[0-9a-f]\{4\}' "$T/out" &&
    ok "seal list --json keeps Chinese as UTF-8 (no \\u escapes)" || notok "seal list --json escapes: $(head -c 200 "$T/out")"
expect 3 "a JSON error keeps Chinese as UTF-8 too" -- "$E" seal show "不存在的印章" --json
grep -q "不存在的印章" "$T/out" && ok "the error names the seal as written" || notok "JSON error: $(cat "$T/out")"

# filing receipts and renewal
expect 0 "make an unfiled seal" -- "$E" seal make --cert "$ORG" --name "未备案章" --no-file -o "$T/u.esl"
S2=$(cat "$T/out")
expect 1 "an unfiled seal is not yet valid" -- "$E" seal verify "$T/u.esl"
has "$T/out" SEAL_NOT_ACTIVE "not active yet"
expect 3 "no receipt before filing" -- "$E" seal receipt "$S2" -o "$T/r.der"
expect 0 "file it" -- "$E" seal file "$S2" --reason "registered"
expect 0 "export the filing receipt" -- "$E" seal receipt "$S2" -o "$T/r.der"
expect 0 "the receipt verifies against its seal" -- "$E" seal receipt "$T/r.der" --seal "$T/u.esl"
expect 1 "the receipt does not fit another seal" -- "$E" seal receipt "$T/r.der" --seal "$T/c.esl"
has "$T/out" HASH_FAILURE "the mismatch is named"
expect 0 "renew" -- "$E" seal renew "$S2" --reason "annual renewal"
S3=$(cat "$T/out")
expect 0 "export the renewed seal" -- "$E" seal export "$S3" -o "$T/n.esl"
expect 0 "the renewed seal verifies" -- "$E" seal verify "$T/n.esl"
expect 1 "the old version is cancelled" -- "$E" seal verify "$T/u.esl"
has "$T/out" "superseded by $S3" "the old version names its successor"

# Third-party seals (ofdrw, Hebei Gede): cli_vectors_test.sh.

# ---- PDF stamping and verification --------------------------------------------
R=$(dirname "$0")/../resources
export PYTHONPATH="$R${PYTHONPATH:+:$PYTHONPATH}" # tests/resources/ppm.py
python3 "$R/mkpdf.py" "$T/in.pdf" 2
S4=$("$E" seal make --cert "$ORG" --type contract --name "北京示例科技有限公司合同专用章")
expect 2 "stamp needs -o and --seal" -- "$E" stamp "$T/in.pdf"
expect 0 "stamp a PDF" -- "$E" stamp "$T/in.pdf" -o "$T/s1.pdf" --seal "$S4" --page 1 --at 120,200 --reason "合同确认"
case "$(cat "$T/out")" in ST20*) ok "stamp prints the stamp serial" ;; *) notok "stamp serial '$(cat "$T/out")'" ;; esac
cmp -n "$(stat -c %s "$T/in.pdf")" "$T/in.pdf" "$T/s1.pdf" && ok "the original bytes are an exact prefix" || notok "prefix"
expect 0 "the stamped PDF verifies" -- "$E" verify "$T/s1.pdf" --json
python3 - "$T/out" <<'PY' && ok "verify --json: verdict, signatures, signer, seal, coverage" || notok "verify --json schema"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "VALID"
s = d["signatures"][0]
assert s["verdict"] == "VALID" and s["coverage"]["whole_document"] is True
assert s["signature"]["type"] == "seal_stamp" and s["signature"]["level"] == "B-B"
assert s["seal"]["name"] == "北京示例科技有限公司合同专用章" and s["seal"]["type_name"] == "contract"
assert isinstance(s["seal"]["type"], int) and s["seal"]["picture"]["width_mm"] == 40
assert "北京示例科技有限公司" in s["signer"]["subject"]
assert s["time"]["source"] == "claimed" and s["time"]["value"].endswith("Z")
assert [c["status"] for c in s["checks"] if c["id"] == "seal_binding"] == ["passed"]
br = s["coverage"]["byte_ranges"]
assert len(br) == 2 and br[0]["offset"] == 0 and all(isinstance(r["length"], int) for r in br)
PY
expect 2 "a page that does not exist is refused" -- "$E" stamp "$T/in.pdf" -o "$T/bad.pdf" --seal "$S4" --page 9
[ ! -e "$T/bad.pdf" ] && ok "a failed stamp leaves no file" || notok "a failed stamp leaves no file"
expect 2 "--at is validated" -- "$E" stamp "$T/in.pdf" -o "$T/bad.pdf" --seal "$S4" --at 10
expect 0 "a second stamp on the same page" -- "$E" stamp "$T/s1.pdf" -o "$T/s2.pdf" --seal "$S4" --page 1 --at 20,200
expect 0 "both signatures stay valid" -- "$E" verify "$T/s2.pdf" --json
has "$T/out" "signatures added: 1 (allowed)" "the later revision is judged: only a signature was added"
for attack in flip content annot font hide-replace unsign catalog wrap usf truncate; do
    python3 "$R/pdf_attack.py" $attack "$T/s2.pdf" "$T/a-$attack.pdf"
    "$E" verify "$T/a-$attack.pdf" --json >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc -ne 0 ] && ! grep -q '"verdict": "VALID"' "$T/out" 2>/dev/null || { [ $rc -ne 0 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["verdict"] != "VALID" else 1)' "$T/out" 2>/dev/null; }; then
        ok "attack '$attack' is not VALID (exit $rc)"
    else
        notok "attack '$attack' is not VALID (exit $rc)"
        head -5 "$T/out" "$T/err" | sed 's/^/#   /'
    fi
done
for attack in content font hide-replace annot; do
    "$E" verify "$T/a-$attack.pdf" --json >"$T/out"
    has "$T/out" CHANGED_AFTER_SIGNING "attack '$attack': named as a change after signing"
done
"$E" verify "$T/a-flip.pdf" --json >"$T/out"
has "$T/out" HASH_FAILURE "a changed byte is a hash failure"
expect 0 "stamp with a QR code" -- "$E" stamp "$T/in.pdf" -o "$T/qr.pdf" --seal "$S4" --page 1 --at 100,150 --qr
QS=$(cat "$T/out")
if command -v zbarimg >/dev/null && command -v pdftoppm >/dev/null; then
    pdftoppm -f 1 -l 1 -r 150 -png "$T/qr.pdf" "$T/qr"
    zbarimg -q --set '*.enable=0' --set 'qrcode.enable=1' "$T"/qr-1.png >"$T/zbar" 2>/dev/null
    has "$T/zbar" "QR-Code:http://127.0.0.1:8080/v/$QS" "the rendered QR code decodes to <base_url>/v/<serial>"
fi
expect 0 "a stamp with a QR code verifies" -- "$E" verify "$T/qr.pdf"
expect 0 "certify (DocMDP P=2) on the first stamp" -- "$E" stamp "$T/in.pdf" -o "$T/c2.pdf" --seal "$S4" --certify 2
expect 0 "a second stamp is allowed under P=2" -- "$E" stamp "$T/c2.pdf" -o "$T/c2b.pdf" --seal "$S4" --page 1 --at 20,20
expect 0 "both verify" -- "$E" verify "$T/c2b.pdf" --detail
has "$T/out" "DocMDP P=2" "the certification is reported"
expect 3 "only the first signature can certify" -- "$E" stamp "$T/c2b.pdf" -o "$T/x.pdf" --seal "$S4" --certify 2
expect 2 "--level takes B-B, B-T, B-LT or B-LTA" -- "$E" stamp "$T/in.pdf" -o "$T/x.pdf" --seal "$S4" --level B-X
expect 2 "--tsa without a level that uses it is a usage error" -- "$E" stamp "$T/in.pdf" -o "$T/x.pdf" --seal "$S4" --tsa http://127.0.0.1:1/tsa
expect 2 "--tsa-timeout is checked" -- "$E" stamp "$T/in.pdf" -o "$T/x.pdf" --seal "$S4" --level B-T --tsa-timeout 0
expect 0 "stamp --level B-T --json" -- "$E" stamp "$T/in.pdf" -o "$T/bt.pdf" --seal "$S4" --level B-T --json
has "$T/out" '"time_source": "RFC 3161 timestamp from' "the JSON answer says where the time came from"
expect 0 "extend --level B-LT --json" -- "$E" extend "$T/bt.pdf" -o "$T/btlt.pdf" --level B-LT --json
has "$T/out" '"level": "B-LT"' "extend reports the level"
expect 2 "extend refuses B-T (it cannot add a signature timestamp)" -- "$E" extend "$T/bt.pdf" --level B-T
expect 0 "certify (DocMDP P=1)" -- "$E" stamp "$T/in.pdf" -o "$T/c1.pdf" --seal "$S4" --certify 1
expect 3 "a P=1 document takes no further stamp" -- "$E" stamp "$T/c1.pdf" -o "$T/x.pdf" --seal "$S4"
has "$T/err" "DocMDP P=1" "the refusal names the certification"
python3 "$R/pdf_attack.py" unsign "$T/c1.pdf" "$T/c1x.pdf"
expect 1 "any later revision of a P=1 document is INVALID" -- "$E" verify "$T/c1x.pdf"
has "$T/out" MDP_VIOLATION "the DocMDP violation is named"
expect 2 "--certify is validated" -- "$E" stamp "$T/in.pdf" -o "$T/x.pdf" --seal "$S4" --certify 4
# What later revisions may change (pdf_diff.c): form filling, comments under P=3, field locks, DSS.
python3 "$R/mkform.py" "$T/form.pdf"
vjson() { # vjson FILE: "VERDICT CODE,CODE" of the first signature
    "$E" verify "$1" --json >"$T/vj.json"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["signatures"][0]; print(d["verdict"], ",".join(r["code"] for r in s["reasons"]))' "$T/vj.json"
}
later() { # later OPTIONS -- ATTACK WANT DESCRIPTION
    local opts=$1 attack=$2 want=$3
    "$E" stamp "$T/form.pdf" -o "$T/fs.pdf" --seal "$S4" --page 1 --at 120,200 $opts >/dev/null &&
        python3 "$R/pdf_attack.py" "$attack" "$T/fs.pdf" "$T/fa.pdf" && got=$(vjson "$T/fa.pdf")
    [ "$got" = "$want" ] && ok "$4" || notok "$4 (got '$got', wanted '$want')"
}
later "" fill-name "VALID FORM_FILLED" "filling a form field after an approval signature: VALID"
has "$T/vj.json" "form fields filled.*name" "the filled field is reported"
later "" fill-notes "VALID FORM_FILLED" "filling a field whose old appearance the page also draws: VALID (the page is unchanged)"
later "" shared-ap "INVALID CHANGED_AFTER_SIGNING" "replacing an appearance that the page content draws: INVALID"
later "" comment "INVALID CHANGED_AFTER_SIGNING" "a comment after an uncertified signature: INVALID"
later "" dss "VALID " "revocation data (/DSS) added later: VALID"
has "$T/vj.json" "revocation data added" "the DSS is reported"
later "--certify 2" fill-name "VALID FORM_FILLED" "P=2: form filling: VALID"
later "--certify 2" comment "INVALID CHANGED_AFTER_SIGNING" "P=2: a comment: INVALID"
later "--certify 3" comment "VALID ANNOTATIONS_ADDED" "P=3: a comment without its own appearance: VALID"
later "--certify 3" comment-ap "INDETERMINATE ANNOTATION_APPEARANCE" "P=3: a comment that draws its own appearance: INDETERMINATE"
later "--certify 3" square "INVALID CHANGED_AFTER_SIGNING" "P=3: a square annotation (covers content): INVALID"
later "--lock name" fill-name "INVALID MDP_VIOLATION" "--lock name: filling name is an MDP violation"
has "$T/vj.json" "FieldMDP: the form fields name" "the field lock is reported"
has "$T/fs.pdf" "/Lock << /Type /SigFieldLock /Action /Include /Fields \[(name)\] >>" "the signature field carries the lock"
has "$T/fs.pdf" "/TransformMethod /FieldMDP" "the signature's /Reference carries the FieldMDP transform"
later "--lock name" fill-notes "VALID FORM_FILLED" "--lock name: filling notes is allowed"
later "--lock-except name" fill-name "VALID FORM_FILLED" "--lock-except name: filling name is allowed"
later "--lock-except name" fill-notes "INVALID MDP_VIOLATION" "--lock-except name: filling notes is an MDP violation"
later "--lock all" fill-notes "INVALID MDP_VIOLATION" "--lock all: filling any field is an MDP violation"
qpdf --check "$T/fs.pdf" >/dev/null 2>&1 && ok "a locked stamp passes qpdf --check" || notok "qpdf --check on a locked stamp"
expect 2 "--lock and --lock-except exclude each other" -- "$E" stamp "$T/form.pdf" -o "$T/x.pdf" --seal "$S4" --lock a --lock-except b
expect 2 "an empty lock field name is refused" -- "$E" stamp "$T/form.pdf" -o "$T/x.pdf" --seal "$S4" --lock "name,"
python3 "$R/mkpdf.py" "$T/p5.pdf" 5
expect 0 "a cross-page seal over all pages" -- "$E" stamp "$T/p5.pdf" -o "$T/x5.pdf" --seal "$S4" --cross-page all
expect 0 "the cross-page seal verifies" -- "$E" verify "$T/x5.pdf" --json
python3 - "$T/x5.pdf" <<'PY' && ok "one signature, one widget on each of the 5 pages" || notok "cross-page widgets"
import re, sys
d = open(sys.argv[1], "rb").read()
assert d.count(b"/Subtype /Widget /Parent") == 5, d.count(b"/Subtype /Widget /Parent")
assert d.count(b"/Type /Sig ") == 1
PY
expect 0 "a normal stamp after the cross-page seal" -- "$E" stamp "$T/x5.pdf" -o "$T/x5b.pdf" --seal "$S4" --page 2 --at 20,20
expect 0 "both stay valid" -- "$E" verify "$T/x5b.pdf"
expect 0 "a cross-page seal over pages 2-4" -- "$E" stamp "$T/p5.pdf" -o "$T/x24.pdf" --seal "$S4" --cross-page 2-4
expect 2 "--cross-page needs a range" -- "$E" stamp "$T/p5.pdf" -o "$T/x.pdf" --seal "$S4" --cross-page 3-3
if command -v pdftoppm >/dev/null; then
    pdftoppm -f 3 -l 3 -r 30 -gray "$T/x5.pdf" "$T/xr"
    python3 - "$T"/xr-*3.pgm <<'PY' && ok "page 3 shows ink only at its right edge (its slice)" || notok "cross-page rendering"
import sys
d = open(sys.argv[1], "rb").read().split(b"\n", 3)
w, h = map(int, d[1].split()); px = d[3]
red = [(x, y) for y in range(h) for x in range(w) if 60 < px[y * w + x] < 200 and not (x < 230)]
assert red and min(x for x, _ in red) > w - 15, (w, min(x for x, _ in red) if red else None)
PY
fi
mkdir "$T/batch" "$T/bout"
for i in 1 2 3; do python3 "$R/mkpdf.py" "$T/batch/d$i.pdf" 1; done
printf 'not a pdf' >"$T/batch/broken.pdf"
ls "$T"/batch/*.pdf >"$T/list"
expect 3 "batch: one broken input fails the run" -- "$E" stamp --batch "$T/list" -O "$T/bout" --seal "$S4"
[ "$(grep -c ' -> ' "$T/out")" -eq 3 ] && ok "batch: the other three are stamped" || notok "batch: $(cat "$T/out")"
has "$T/err" "broken.pdf" "batch: the failed input is named"
expect 0 "batch: a stamped output verifies" -- "$E" verify "$T/bout/d2.pdf"
# In parallel (4 threads over 12 documents, two of them broken): the same outcome per document,
# distinct serials, and no temporary file left in the output directory.
mkdir "$T/pbatch" "$T/pout"
for i in $(seq 10); do cp "$T/batch/d$((i % 3 + 1)).pdf" "$T/pbatch/p$i.pdf"; done
printf 'not a pdf' >"$T/pbatch/x1.pdf"
printf '%%PDF-1.7\ntruncated' >"$T/pbatch/x2.pdf"
ls "$T"/pbatch/*.pdf >"$T/plist"
expect 3 "batch -j 4: the broken inputs fail the run" -- "$E" stamp --batch "$T/plist" -O "$T/pout" -j 4 --seal "$S4"
[ "$(grep -c ' -> ' "$T/out")" -eq 10 ] && [ "$(grep -c 'x[12].pdf' "$T/err")" -eq 2 ] &&
    ok "batch -j 4: ten stamped, the two broken ones named" || notok "batch -j 4: $(cat "$T/out" "$T/err")"
[ "$(cut -d' ' -f1 "$T/out" | sort -u | wc -l)" -eq 10 ] && ok "batch -j 4: every stamp has its own serial" ||
    notok "batch -j 4 serials: $(cut -d' ' -f1 "$T/out")"
[ "$(ls "$T/pout" | wc -l)" -eq 10 ] && ! ls "$T/pout" | grep -q tmp && ok "batch -j 4: ten outputs, no temporary files" ||
    notok "batch -j 4 outputs: $(ls "$T/pout")"
ls "$T"/pout/*.pdf >"$T/pvlist"
expect 0 "batch -j 4: every output verifies VALID" -- "$E" verify --batch "$T/pvlist"
expect 2 "--jobs goes with --batch" -- "$E" stamp "$T/in.pdf" -o "$T/x.pdf" --seal "$S4" -j 2
expect 2 "--jobs is checked" -- "$E" stamp --batch "$T/plist" -O "$T/pout" -j 0 --seal "$S4"
expect 0 "stamp --json" -- "$E" stamp "$T/in.pdf" -o "$T/j.pdf" --seal "$S4" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["serial"].startswith("ST") and d["output"]' "$T/out" &&
    ok "stamp --json prints one JSON object" || notok "stamp --json: $(cat "$T/out")"
ls "$T"/bout/*.pdf >"$T/vlist"
expect 0 "verify --batch: all VALID" -- "$E" verify --batch "$T/vlist"
[ "$(grep -c '^VALID' "$T/out")" -eq 3 ] && ok "verify --batch: one line per document" || notok "verify --batch: $(cat "$T/out")"
echo "$T/a-flip.pdf" >>"$T/vlist"
expect 1 "verify --batch: one tampered document makes the run not valid" -- "$E" verify --batch "$T/vlist"
has "$T/out" "^INVALID .*a-flip.pdf" "verify --batch names the tampered document"
"$E" seal suspend "$S4" --reason "audit" >/dev/null
expect 3 "a suspended seal cannot stamp" -- "$E" stamp "$T/in.pdf" -o "$T/x.pdf" --seal "$S4"
has "$T/err" "suspended" "the refusal names the state"
"$E" seal resume "$S4" --reason "audit done" >/dev/null
expect 0 "help for a command" -- "$E" help verify
has "$T/out" "Exit status" "help text shows exit codes"

# ---- placement: --at counts from the top-left of the visible area (the CropBox) as displayed (/Rotate) ----
# Renders at 72 dpi (1 px = 1 pt) and finds the imprint as the pixels a stamp changed on a blank page.
if command -v pdftoppm >/dev/null && command -v qpdf >/dev/null; then
    cat >"$T/px.py" <<'PY'
import sys
MM = 72 / 25.4  # pixels per millimetre at 72 dpi
from ppm import ppm  # tests/resources/ppm.py (PYTHONPATH)
def ink(img, x, y):  # binarized: any channel darker than mid-grey
    w, h, p = img
    if not (0 <= x < w and 0 <= y < h):
        return False
    return min(p[3 * (y * w + x):3 * (y * w + x) + 3]) < 128
cmd = sys.argv[1]
if cmd == "box":  # box ORIG NEW: the changed pixels' bounding box and the page, in mm: X0 Y0 X1 Y1 PAGE_W PAGE_H
    a, b = ppm(sys.argv[2]), ppm(sys.argv[3])
    assert a[:2] == b[:2], (a[:2], b[:2])
    w, h = a[:2]
    xs, ys = [], []
    for y in range(h):
        ra, rb = a[2][3 * w * y:3 * w * (y + 1)], b[2][3 * w * y:3 * w * (y + 1)]
        if ra != rb:
            ys.append(y)
            xs += [x for x in range(w) if ra[3 * x:3 * x + 3] != rb[3 * x:3 * x + 3]]
    if not xs:
        print("none")
    else:
        print("%.2f %.2f %.2f %.2f %.2f %.2f" % (min(xs) / MM, min(ys) / MM, (max(xs) + 1) / MM, (max(ys) + 1) / MM,
                                                w / MM, h / MM))
elif cmd == "same":  # same A AX AY B BX BY W H [turn]: the W x H mm crops at (AX, AY) and (BX, BY), binarized
    a, b = ppm(sys.argv[2]), ppm(sys.argv[5])
    ax, ay, bx, by, cw, ch = (round(float(v) * MM) for v in sys.argv[3:5] + sys.argv[6:10])
    turn = len(sys.argv) > 10  # compare with B turned by 180 degrees (to show the measure tells them apart)
    best = (0, 0)
    for dx, dy in [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]:  # crops rounded to whole pixels
        eq = both = either = 0
        for y in range(ch):
            for x in range(cw):
                p = ink(a, ax + x, ay + y)
                q = ink(b, bx + dx + cw - 1 - x, by + dy + ch - 1 - y) if turn else ink(b, bx + dx + x, by + dy + y)
                eq += p == q
                both += p and q
                either += p or q
        best = max(best, (eq / (cw * ch), both / max(either, 1)))
    print("%.3f %.3f" % best)
PY
    # within A B TOL: |A - B| <= TOL
    within() { python3 -c 'import sys; a, b, t = map(float, sys.argv[1:]); sys.exit(abs(a - b) > t)' "$@"; }
    # stamped IN OUT LABEL [stamp options]: stamps, checks qpdf and VALID
    stamped() {
        local in=$1 out=$2 label=$3
        shift 3
        if "$E" stamp "$in" -o "$out" --seal "$S4" "$@" >"$T/out" 2>"$T/err" && qpdf --check "$out" >/dev/null 2>&1 &&
            "$E" verify "$out" >/dev/null; then
            ok "$label: stamped, qpdf --check passes, VALID"
        else
            notok "$label: stamp $*: $(cat "$T/err")"
            return 1
        fi
    }
    render() { pdftoppm -q -r 72 -f 1 -l 1 "${@:3}" -singlefile "$1" "$2"; } # render PDF OUT [options]: OUT.ppm
    # placed LABEL ORIG STAMPED X Y W H [render options]: the changed pixels form a W x H mm box at X,Y mm (±1)
    placed() {
        local label=$1 b
        render "$2" "$T/ra" "${@:8}" && render "$3" "$T/rb" "${@:8}" || { notok "$label: render"; return; }
        b=$(python3 "$T/px.py" box "$T/ra.ppm" "$T/rb.ppm")
        read -r x0 y0 x1 y1 pw ph <<<"$b"
        if [ "$b" != none ] && within "$x0" "$4" 1 && within "$y0" "$5" 1 && within "$(echo "$x1 - $x0" | bc)" "$6" 1 &&
            within "$(echo "$y1 - $y0" | bc)" "$7" 1; then
            ok "$label: the imprint is at $x0,$y0 mm, $(echo "$x1 - $x0" | bc)x$(echo "$y1 - $y0" | bc) mm (page ${pw}x$ph mm as displayed)"
        else
            notok "$label: changed pixels at '$b' (x0 y0 x1 y1 page_w page_h, mm), wanted a ${6}x$7 mm box at $4,$5"
        fi
    }
    read -r IW IH < <("$E" seal show "$S4" | sed -n 's/^picture:.* \([0-9]*\)x\([0-9]*\) mm.*/\1 \2/p')
    BH=$((IH + 3)) # the stamp serial's 3 mm band under the picture
    python3 "$R/mkpdf.py" "$T/r0.pdf" 1 --blank
    stamped "$T/r0.pdf" "$T/r0s.pdf" "unrotated blank page --at 20,30" --page 1 --at 20,30
    placed "unrotated page" "$T/r0.pdf" "$T/r0s.pdf" 20 30 "$IW" "$BH"
    render "$T/r0s.pdf" "$T/r0s"
    read -r eq iou < <(python3 "$T/px.py" same "$T/r0s.ppm" 20 30 "$T/r0s.ppm" 20 30 "$IW" "$BH" turn)
    python3 -c "import sys; sys.exit(not $eq < 0.95)" && ok "the comparison tells an imprint turned by 180 degrees apart ($eq equal, ink overlap $iou)" ||
        notok "the comparison does not tell a turned imprint apart ($eq equal)"
    for rot in 90 180 270 -90 450; do
        python3 "$R/mkpdf.py" "$T/r.pdf" 1 --blank --rotate $rot
        stamped "$T/r.pdf" "$T/rs.pdf" "/Rotate $rot --at 20,30" --page 1 --at 20,30 || continue
        placed "/Rotate $rot" "$T/r.pdf" "$T/rs.pdf" 20 30 "$IW" "$BH"
        render "$T/rs.pdf" "$T/rs"
        read -r eq iou < <(python3 "$T/px.py" same "$T/rs.ppm" 20 30 "$T/r0s.ppm" 20 30 "$IW" "$BH")
        python3 -c "import sys; sys.exit(not $eq >= 0.95)" && ok "/Rotate $rot: the imprint reads upright ($eq of its pixels as on an unrotated page, ink overlap $iou)" ||
            notok "/Rotate $rot: the imprint is not upright ($eq equal, ink overlap $iou)"
    done
    # A CropBox smaller than the MediaBox and off its origin (and a MediaBox not at 0,0): --at and
    # the default corner count from the CropBox, which is what a viewer shows.
    python3 "$R/mkpdf.py" "$T/c.pdf" 1 --mediabox "-50 -30 595.28 841.89" --cropbox "20 40 500 800"
    stamped "$T/c.pdf" "$T/cs.pdf" "CropBox --at 20,30" --page 1 --at 20,30 &&
        placed "CropBox" "$T/c.pdf" "$T/cs.pdf" 20 30 "$IW" "$BH" -cropbox
    # 480x760 pt visible: the default corner is 20 mm from its right and bottom edges.
    DX=$(echo "480 / (72 / 25.4) - 20 - $IW" | bc -l) DY=$(echo "760 / (72 / 25.4) - 20 - $BH" | bc -l)
    stamped "$T/c.pdf" "$T/cd.pdf" "CropBox, default position" &&
        placed "CropBox, default position" "$T/c.pdf" "$T/cd.pdf" "$DX" "$DY" "$IW" "$BH" -cropbox
    # Both, inherited from the page tree node: the displayed page is 760x480 pt.
    python3 "$R/mkpdf.py" "$T/cr.pdf" 1 --rotate 90 --cropbox "20 40 500 800" --inherit
    stamped "$T/cr.pdf" "$T/crs.pdf" "inherited CropBox and /Rotate 90 --at 20,30" --page 1 --at 20,30 &&
        placed "inherited CropBox and /Rotate 90" "$T/cr.pdf" "$T/crs.pdf" 20 30 "$IW" "$BH" -cropbox
    DX=$(echo "760 / (72 / 25.4) - 20 - $IW" | bc -l) DY=$(echo "480 / (72 / 25.4) - 20 - $BH" | bc -l)
    stamped "$T/cr.pdf" "$T/crd.pdf" "inherited CropBox and /Rotate 90, default position" &&
        placed "inherited CropBox and /Rotate 90, default position" "$T/cr.pdf" "$T/crd.pdf" "$DX" "$DY" "$IW" "$BH" -cropbox
    # The cross-page seal on rotated pages: slices at the displayed right edge, centred, upright
    # (compared with the seal on unrotated pages of the same displayed size).
    python3 "$R/mkpdf.py" "$T/x0.pdf" 3 --blank --mediabox "0 0 760 480"
    stamped "$T/x0.pdf" "$T/x0s.pdf" "cross-page, unrotated" --cross-page all
    for rot in 90 270; do
        python3 "$R/mkpdf.py" "$T/x.pdf" 3 --blank --rotate $rot --cropbox "20 40 500 800"
        if stamped "$T/x.pdf" "$T/xs.pdf" "cross-page, /Rotate $rot and a CropBox" --cross-page all; then
            # Pages 760x480 pt as displayed; three slices, each a third of the imprint, its right edge at
            # the page's, centred vertically (the outer slices of a round imprint are shorter).
            SW=$(echo "$IW / 3" | bc -l) XW=$(echo "760 / (72 / 25.4)" | bc -l) XH=$(echo "480 / (72 / 25.4)" | bc -l)
            for p in 1 2 3; do
                render "$T/x.pdf" "$T/ra" -cropbox -f $p -l $p
                render "$T/xs.pdf" "$T/xa" -cropbox -f $p -l $p
                read -r x0 y0 x1 y1 pw ph < <(python3 "$T/px.py" box "$T/ra.ppm" "$T/xa.ppm")
                if within "$x1" "$XW" 1 && within "$(echo "$x1 - $x0" | bc)" "$SW" 1 && within "$(echo "($y0 + $y1) / 2" | bc -l)" "$(echo "$XH / 2" | bc -l)" 1 &&
                    { [ $p -ne 2 ] || within "$(echo "$y1 - $y0" | bc)" "$IW" 1; }; then
                    ok "cross-page, /Rotate $rot, page $p: the slice spans $x0..$x1, $y0..$y1 mm (page ${pw}x$ph mm as displayed)"
                else
                    notok "cross-page, /Rotate $rot, page $p: the slice spans $x0..$x1, $y0..$y1 mm, wanted a $SW mm wide slice at the right edge ($XW), centred on $(echo "$XH / 2" | bc -l)"
                fi
                render "$T/x0s.pdf" "$T/xb" -f $p -l $p
                read -r eq iou < <(python3 "$T/px.py" same "$T/xa.ppm" "$(echo "$XW - $SW" | bc -l)" "$(echo "($XH - $IW) / 2" | bc -l)" \
                    "$T/xb.ppm" "$(echo "$XW - $SW" | bc -l)" "$(echo "($XH - $IW) / 2" | bc -l)" "$SW" "$IW")
                python3 -c "import sys; sys.exit(not $eq >= 0.95)" && ok "cross-page, /Rotate $rot, page $p: the slice reads upright ($eq equal, ink overlap $iou)" ||
                    notok "cross-page, /Rotate $rot, page $p: the slice is not upright ($eq equal, ink overlap $iou)"
            done
        fi
    done
    # The QR code turns with the imprint: right of it as displayed, and it still decodes.
    python3 "$R/mkpdf.py" "$T/q.pdf" 1 --blank --rotate 90
    if stamped "$T/q.pdf" "$T/qs.pdf" "/Rotate 90 with --qr" --page 1 --at 20,30 --qr; then
        QS=$(cat "$T/out")
        placed "/Rotate 90 with --qr" "$T/q.pdf" "$T/qs.pdf" 20 30 "$((IW + 18))" "$BH"
        read -r eq iou < <(python3 "$T/px.py" same "$T/rb.ppm" 20 30 "$T/r0s.ppm" 20 30 "$IW" "$IH")
        python3 -c "import sys; sys.exit(not $eq >= 0.95)" && ok "/Rotate 90 with --qr: the imprint reads upright ($eq equal, ink overlap $iou)" ||
            notok "/Rotate 90 with --qr: the imprint is not upright ($eq equal, ink overlap $iou)"
        if command -v zbarimg >/dev/null; then
            pdftoppm -r 150 -png -singlefile "$T/qs.pdf" "$T/qr90"
            zbarimg -q --set '*.enable=0' --set 'qrcode.enable=1' "$T/qr90.png" >"$T/zbar" 2>/dev/null
            has "$T/zbar" "QR-Code:http://127.0.0.1:8080/v/$QS" "/Rotate 90 with --qr: the QR code decodes"
        fi
    fi
    python3 "$R/mkpdf.py" "$T/r45.pdf" 1 --rotate 45
    expect 3 "a /Rotate that is not a multiple of 90 is refused" -- "$E" stamp "$T/r45.pdf" -o "$T/x.pdf" --seal "$S4"
    has "$T/err" "/Rotate 45, not an integer multiple of 90" "the refusal names the /Rotate"
    python3 "$R/mkpdf.py" "$T/r45.pdf" 1 --rotate 90.5
    expect 3 "a /Rotate that is not an integer is refused" -- "$E" stamp "$T/r45.pdf" -o "$T/x.pdf" --seal "$S4"
    has "$T/err" "a /Rotate that is not an integer multiple of 90" "the refusal says what is wrong"
fi

tap_done cli_integration
