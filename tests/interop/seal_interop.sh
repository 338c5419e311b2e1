#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# seal_interop.sh ESEAL
#
# The maker signature of seals made by eseal, checked with plain OpenSSL
# tooling and nothing of eseal: asn1parse cuts SES_SealInfo, the maker
# certificate and the signature out of the DER (GB/T 38540-2020: the maker
# signs DER(SES_SealInfo)), and `openssl dgst -verify` checks SM2 with the
# standard ID 1234567812345678 (and ECDSA P-256 with SHA-256). Output is TAP.
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=interop-pass-1

# shellcheck source=../lib/ses_split.sh
. "$(dirname "$0")/../lib/ses_split.sh"

"$E" init >/dev/null 2>&1 || { echo "not ok 1 - init"; exit 1; }
C=$("$E" cert issue --org "北京示例科技有限公司" --uscc 91110000MA01ABCDEX --alg sm2)
P=$("$E" cert issue --org "Example Ltd" --uscc 91110000MA01ABCDEX --alg p256)
"$E" seal make --cert "$C" --type official --name "北京示例科技有限公司公章" -o "$T/sm2.esl" >/dev/null &&
    ok "make an SM2 seal" || notok "make an SM2 seal"
"$E" seal make --cert "$P" --maker p256 --name "Example Ltd seal" -o "$T/p256.esl" >/dev/null &&
    ok "make a P-256 seal" || notok "make a P-256 seal"

mkdir "$T/s" "$T/p"
split_seal "$T/sm2.esl" "$T/s" && ok "openssl asn1parse splits the SM2 seal" || notok "openssl asn1parse splits the SM2 seal"
openssl dgst -sm3 -verify "$T/s/pub.pem" -signature "$T/s/sig.der" -sigopt distid:1234567812345678 \
    "$T/s/sealinfo.der" >"$T/out" 2>&1 && grep -q "Verified OK" "$T/out" &&
    ok "openssl verifies the SM2 maker signature over DER(SES_SealInfo) with ID 1234567812345678" ||
    notok "openssl verifies the SM2 maker signature ($(cat "$T/out"))"
openssl dgst -sm3 -verify "$T/s/pub.pem" -signature "$T/s/sig.der" "$T/s/sealinfo.der" >/dev/null 2>&1 &&
    notok "the empty SM2 ID must not verify" || ok "the empty SM2 ID does not verify (the ID matters)"
cp "$T/s/sealinfo.der" "$T/s/tampered.der"
printf '\x01' | dd of="$T/s/tampered.der" bs=1 seek=40 conv=notrunc status=none
openssl dgst -sm3 -verify "$T/s/pub.pem" -signature "$T/s/sig.der" -sigopt distid:1234567812345678 \
    "$T/s/tampered.der" >/dev/null 2>&1 && notok "a changed SealInfo must not verify" || ok "a changed SealInfo does not verify"
openssl x509 -inform DER -in "$T/s/cert.der" -noout -subject | grep -q "Seal Maker" &&
    ok "the embedded maker certificate is the platform's seal maker" || notok "maker certificate subject"

split_seal "$T/p256.esl" "$T/p" && ok "openssl asn1parse splits the P-256 seal" || notok "openssl asn1parse splits the P-256 seal"
openssl dgst -sha256 -verify "$T/p/pub.pem" -signature "$T/p/sig.der" "$T/p/sealinfo.der" >"$T/out" 2>&1 &&
    grep -q "Verified OK" "$T/out" && ok "openssl verifies the ECDSA P-256 maker signature" ||
    notok "openssl verifies the ECDSA P-256 maker signature ($(cat "$T/out"))"

# The whole seal is strict DER that OpenSSL's generic parser reads to the end.
openssl asn1parse -inform DER -in "$T/sm2.esl" >/dev/null 2>&1 && ok "openssl asn1parse reads the whole seal" ||
    notok "openssl asn1parse reads the whole seal"

# eseal's own report of a seal alone (`seal verify --json`): the seal section and checks of a
# signature's report, typed as docs/verify-report.schema.json has them, no value hidden in a string.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for f in sm2 p256; do
    "$E" seal verify "$T/$f.esl" --json >"$T/$f.json" 2>"$T/err" &&
        /usr/bin/python3 - "$ROOT" "$T/$f.json" <<'PY' >"$T/out" 2>&1 && ok "seal verify --json of the $f seal: VALID, the typed seal section and checks" ||
import json, sys
sys.path.insert(0, sys.argv[1] + "/tests/lib")
import jsonschema, report_schema
schema = json.load(open(sys.argv[1] + "/docs/verify-report.schema.json"))
d = json.load(open(sys.argv[2]))
def valid(value, ref):
    jsonschema.Draft202012Validator({"$ref": "#/$defs/" + ref, "$defs": schema["$defs"]}).validate(value)
assert d["verdict"] == "VALID", d["reasons"]
valid(d["seal"], "seal")
for c in d["checks"]:
    valid(c, "check")
c = {x["id"]: x["status"] for x in d["checks"]}
assert c["seal_signature"] == "passed" and c["seal_validity"] == "passed" and c["seal_binding"] == "passed", c
assert c["registry"] == "passed" and c["seal_format"] == "passed", c
s = d["seal"]
assert s["version"] == 4 and isinstance(s["type"], int) and s["registry"] == {"at_signing": "active", "now": "active"}
assert s["maker"]["subject"] and s["bindings"][0]["fingerprint_sha256"] and s["picture"]["bytes"] > 0, s
assert s["object"] in [o["id"] for o in d["validation_objects"]]
assert not list(report_schema.stringly(d, "$")), list(report_schema.stringly(d, "$"))
PY
        notok "seal verify --json ($f): $(cat "$T/err" "$T/out")"
done

tap_done seal_interop
