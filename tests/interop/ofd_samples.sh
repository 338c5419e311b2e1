#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ofd_samples.sh ESEAL TESTDATA
#
# The third-party OFD samples of shared/testdata/ofd-samples verify to exactly what its
# SOURCES.md states, at a fixed validation time inside the certificates' validity
# (2021-06-01). The ofdrw test PKI's ROOT has no keyCertSign key usage, so a chain to it is
# rejected; trusting the signer (USER) and maker (SealBuilder) certificates themselves makes
# them the anchors. No instance is used (--no-instance). Output is TAP.
# Without the samples it is skipped (exit 77).
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/vectors.sh
. "$(dirname "$0")/../lib/vectors.sh"
vectors_only ofd-samples "${2-$VECTORS_DEFAULT_ROOT}"
D=$(vectors_dir ofd-samples "${2-$VECTORS_DEFAULT_ROOT}")
AT=2021-06-01T00:00:00Z
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$T/reports"
N=0
K=$D/keys/pem
cat "$K/USER.cert.pem" "$K/SealBuilder.cert.pem" >"$T/ofdrw-leaves.pem"

# check NAME FILE [verify options] -- PYTHON-ASSERTIONS: the JSON report as `d`, signatures as `s`
check() {
    local name=$1 file=$2
    shift 2
    local opts=()
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
    "$E" verify "$file" --json --no-instance --at "$AT" "${opts[@]}" >"$T/r.json" 2>"$T/err"
    N=$((N + 1))
    cp "$T/r.json" "$T/reports/$N.json"
    if python3 - "$T/r.json" "$1" <<'PY' 2>"$T/py"; then ok "$name"; else notok "$name: $(tail -2 "$T/py") $(head -c 300 "$T/err")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
s = d["signatures"]
def codes(x): return [r["code"] for r in x["reasons"]]
def ck(x): return {c["id"]: c["status"] for c in x["checks"]}
def det(x, i): return next(c["detail"] for c in x["checks"] if c["id"] == i)
exec(sys.argv[2])
PY
}

O=$D/ofd
check "ofdrw V4: every reference, dataHash, signature, seal and binding good; INDETERMINATE without anchors" \
    "$O/v4-ofdrw-SESV4SignDoc.ofd" -- '
x = s[0]
assert len(s) == 1 and x["signature"]["type"] == "seal_stamp" and x["signature"]["format"] == "GB/T 38540 V4"
assert det(x, "references").startswith("5 of 5 file digests match"), det(x, "references")
c = ck(x)
assert c["references"] == "passed" and c["digest"] == "passed" and c["signature"] == "passed", c
assert "over the seal verifies" in det(x, "seal_signature") and c["seal_binding"] == "passed", c
assert x["coverage"]["whole_document"] is True, x["coverage"]
assert d["verdict"] == "INDETERMINATE" and "NO_CERTIFICATE_CHAIN_FOUND" in codes(x), codes(x)'
check "ofdrw V4: VALID with the signer and maker certificates as anchors" \
    "$O/v4-ofdrw-SESV4SignDoc.ofd" --trust "$T/ofdrw-leaves.pem" -- '
assert d["verdict"] == "VALID", [codes(x) for x in s]
assert s[0]["seal"]["esid"] and s[0]["signer"]["subject"]'
check "ofdrw V4: the ROOT without keyCertSign is rejected as an anchor (INDETERMINATE, not VALID)" \
    "$O/v4-ofdrw-SESV4SignDoc.ofd" --trust "$K/ROOT.cert.pem" -- '
assert d["verdict"] == "INDETERMINATE" and "CHAIN_CONSTRAINTS_FAILURE" in codes(s[0]), codes(s[0])'
check "Baiwang invoice: 13/13 references, dataHash, signature and seal good; INDETERMINATE (its CA root is not here)" \
    "$O/v4-invoice-baiwang-v4signed.ofd" -- '
x = s[0]
assert det(x, "references").startswith("13 of 13 file digests match"), det(x, "references")
c = ck(x)
assert c["digest"] == "passed" and c["signature"] == "passed", c
assert "over the seal verifies" in det(x, "seal_signature") and c["seal_binding"] == "passed", c
assert d["verdict"] == "INDETERMINATE" and set(c for c in codes(x) if c != "NO_CERTIFICATE_CHAIN_FOUND") <= {"OUT_OF_BOUNDS_NO_POE", "SIGNATURE_LIST_ANOMALY"}, codes(x)
# Its list entry has no Type: read as Seal (GB/T 33190 §18.1 default), said as a note that decides nothing.
assert [r["verdict"] for r in x["reasons"] if r["code"] == "SIGNATURE_LIST_ANOMALY"] == ["VALID"], x["reasons"]'
check "two seals (h.ofd): signature 2 VALID, signature 1 INVALID, broken by the later rewrite of Signatures.xml" \
    "$O/v4-two-seals-h.ofd" --trust "$T/ofdrw-leaves.pem" -- '
assert len(s) == 2
assert s[1]["verdict"] == "VALID", codes(s[1])
assert s[0]["verdict"] == "INVALID" and "HASH_FAILURE" in codes(s[0]), codes(s[0])
assert "Signatures.xml" in [r for r in s[0]["reasons"] if r["code"] == "HASH_FAILURE"][0]["message"]
assert ck(s[0])["digest"] == "passed" and ck(s[0])["signature"] == "passed", ck(s[0])
assert d["verdict"] == "INVALID"'
check "dms360 V1: not VALID, with its reasons (references and dataHash fail)" \
    "$O/v1-dms360-n.ofd" -- '
x = s[0]
assert d["verdict"] != "VALID" and x["verdict"] == "INVALID", x["verdict"]
assert "HASH_FAILURE" in codes(x), codes(x)
assert x["signature"]["format"] == "GM/T 0031-2014 V1" and x["seal"]["version"] is not None, x["signature"]'
check "raw DigitalSign (Type=Sign): VALID with the signer certificate given and trusted" \
    "$O/sign-raw-sm2-DigitalSign.ofd" --signer "$K/USER.cert.pem" --trust "$K/USER.cert.pem" -- '
x = s[0]
assert x["signature"]["type"] == "signature" and ck(x)["signature"] == "passed" and x["seal"] is None
assert det(x, "references").startswith("4 of 4 file digests match"), det(x, "references")
assert d["verdict"] == "VALID", codes(x)'
check "raw DigitalSign without its certificate: INDETERMINATE, SIGNER_CERT_NOT_FOUND" \
    "$O/sign-raw-sm2-DigitalSign.ofd" -- '
assert d["verdict"] == "INDETERMINATE" and "SIGNER_CERT_NOT_FOUND" in codes(s[0]), codes(s[0])'
check "raw DigitalSign with another certificate: INVALID" \
    "$O/sign-raw-sm2-DigitalSign.ofd" --signer "$K/SealBuilder.cert.pem" --trust "$K/SealBuilder.cert.pem" -- '
assert d["verdict"] == "INVALID" and "SIG_CRYPTO_FAILURE" in codes(s[0]), codes(s[0])'

# Changing a protected file, removing one, adding one: the signature is INVALID.
ZE="python3 $(dirname "$0")/../resources/zipedit.py"
V4=$O/v4-ofdrw-SESV4SignDoc.ofd
$ZE "$V4" "$T/changed.ofd" --replace Doc_0/Pages/Page_0/Content.xml OFD OFd
$ZE "$V4" "$T/dropped.ofd" --drop Doc_0/Pages/Page_0/Content.xml
$ZE "$V4" "$T/added.ofd" --add Doc_0/Pages/Page_1/Content.xml
$ZE "$V4" "$T/sigxml.ofd" --replace Doc_0/Signs/Sign_0/Signature.xml ofdrw-sign ofdrw-sigN
check "a changed page content: INVALID (HASH_FAILURE)" "$T/changed.ofd" --trust "$T/ofdrw-leaves.pem" -- '
assert d["verdict"] == "INVALID" and "HASH_FAILURE" in codes(s[0]), codes(s[0])
assert "Content.xml (changed)" in [r for r in s[0]["reasons"] if r["code"] == "HASH_FAILURE"][0]["message"]'
check "a removed file: INVALID (missing)" "$T/dropped.ofd" --trust "$T/ofdrw-leaves.pem" -- '
assert d["verdict"] == "INVALID" and "(missing)" in str(s[0]["reasons"]), codes(s[0])'
check "an added page file: INVALID (CHANGED_AFTER_SIGNING)" "$T/added.ofd" --trust "$T/ofdrw-leaves.pem" -- '
assert d["verdict"] == "INVALID" and "CHANGED_AFTER_SIGNING" in codes(s[0]) and s[0]["coverage"]["whole_document"] is False, codes(s[0])
assert {"type": "package_file", "object": "Doc_0/Pages/Page_1/Content.xml"}.items() <= s[0]["coverage"]["changes"][0].items()'
check "a changed Signature.xml: INVALID (dataHash)" "$T/sigxml.ofd" --trust "$T/ofdrw-leaves.pem" -- '
assert d["verdict"] == "INVALID" and ck(s[0])["digest"] == "failed", codes(s[0])'

# Every report above (ofdrw V4, the Baiwang invoice, two seals, the dms360 V1 stamp, plain Type=Sign,
# the tampered packages) against the report's contract.
/usr/bin/python3 "$ROOT/tests/lib/report_schema.py" "$ROOT/docs/verify-report.schema.json" "$T/reports" >"$T/schema" 2>&1 &&
    ok "every report follows docs/verify-report.schema.json ($(tail -1 "$T/schema"))" || notok "schema: $(cat "$T/schema")"

tap_done ofd_samples
