#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ofd_stamp.sh ESEAL TESTDATA
#
# OFD packages stamped by eseal: VALID for eseal after one, two and three stamps; the
# SES_Signature and the seal checked with plain OpenSSL (SM2 with the standard ID) and
# nothing of eseal; every entry of the input kept (same compressed bytes); any change to a
# protected file, a removed file or an added page file makes every signature INVALID.
# The unsigned input is a two-page OFD of tests/resources/mkofd.py; with the third-party samples
# (shared/testdata), ofdrw's DigitalSign.ofd with its signature taken out is stamped too.
# Output is TAP.
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/vectors.sh
. "$(dirname "$0")/../lib/vectors.sh"
VROOT=${2-$VECTORS_DEFAULT_ROOT}
D=$(vectors_dir ofd-samples "$VROOT")
# shellcheck source=../lib/ses_split.sh
. "$(dirname "$0")/../lib/ses_split.sh"
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=ofd-pass-1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$T/reports"

"$E" init >/dev/null 2>&1 || { echo "not ok 1 - init"; exit 1; }
C=$("$E" cert issue --org "北京示例科技有限公司" --uscc 91110000MA01ABCDEX --alg sm2)
S=$("$E" seal make --cert "$C" --type contract --name "北京示例科技有限公司合同专用章")
P=$("$E" cert issue --org "Example Ltd" --uscc 91110000MA01ABCDEX --alg p256)
SP=$("$E" seal make --cert "$P" --maker p256 --name "Example Ltd seal")

python3 "$(dirname "$0")/../resources/mkofd.py" "$T/in.ofd" 2 || notok "mkofd.py"
# unsign IN OUT: a signed OFD with its signatures taken out.
unsign() {
python3 - "$1" "$2" <<'PY'
import re, sys, zipfile
zin = zipfile.ZipFile(sys.argv[1])
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    for i in zin.infolist():
        if i.filename.startswith("Doc_0/Signs"):
            continue
        data = zin.read(i.filename)
        if i.filename == "OFD.xml":
            data = re.sub(rb"<ofd:Signatures>[^<]*</ofd:Signatures>", b"", data)
        z.writestr(i, data)
PY
}

# verdicts FILE: the document verdict and each signature's, "VALID VALID VALID"
verdicts() {
    "$E" verify "$1" --json >"$T/v.json" 2>"$T/err"
    cp "$T/v.json" "$T/reports/$(basename "$1" .ofd).json"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join([d["verdict"]] + [s["verdict"] for s in d["signatures"]]))' "$T/v.json" 2>/dev/null
}

"$E" stamp "$T/in.ofd" -o "$T/s1.ofd" --seal "$S" --page 1 --at 20,30 >"$T/out" 2>"$T/err" &&
    ok "stamp an OFD (SM2 seal)" || notok "stamp an OFD: $(cat "$T/err")"
[ "$(verdicts "$T/s1.ofd")" = "VALID VALID" ] && ok "eseal verify: VALID" || notok "one stamp: $(verdicts "$T/s1.ofd") $(cat "$T/v.json" | head -c 600)"
python3 - "$T/v.json" <<'PY' && ok "the report: references, dataHash, signature, seal, binding, whole package, StampAnnot at 20,30 on page ID 10" || notok "report details"
import json, sys
s = json.load(open(sys.argv[1]))["signatures"][0]
c = {k["id"]: k["status"] for k in s["checks"]}
fmt = next(k["detail"] for k in s["checks"] if k["id"] == "format")
assert s["signature"]["type"] == "seal_stamp" and c["references"] == "passed" and c["digest"] == "passed", c
assert c["signature"] == "passed" and c["seal_binding"] == "passed" and s["coverage"]["whole_document"] is True, c
assert s["seal"]["name"] == "北京示例科技有限公司合同专用章" and s["seal"]["type"] == 3  # ESEAL_SEAL_CONTRACT
assert "StampAnnot on page ID 10 at 20.00 30.00" in fmt, fmt  # mkofd.py: page 1 has ID 10
assert s["time"]["source"] == "claimed" and s["time"]["value"] is not None, s["time"]
assert all(s["signer"][k] is not None for k in s["signer"]), s["signer"]  # the 8 fields a PDF signer has
PY
# kept IN OUT: every entry of IN in OUT with the same compressed bytes, in order.
kept() {
python3 - "$1" "$2" <<'PY'
import sys, zipfile
a, b = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2])
names_b = [i.filename for i in b.infolist()]
kept = [i for i in a.infolist() if i.filename != "OFD.xml"]
for i in kept:
    j = b.getinfo(i.filename)
    assert (i.CRC, i.compress_size, i.compress_type) == (j.CRC, j.compress_size, j.compress_type), i.filename
    ra = open(sys.argv[1], "rb").read()[i.header_offset:]
    rb_ = open(sys.argv[2], "rb").read()[j.header_offset:]
    skip = lambda r: 30 + int.from_bytes(r[26:28], "little") + int.from_bytes(r[28:30], "little")
    assert ra[skip(ra):skip(ra) + i.compress_size] == rb_[skip(rb_):skip(rb_) + j.compress_size], i.filename
assert [n for n in names_b if n in {i.filename for i in a.infolist()}] == [i.filename for i in a.infolist()]
assert b"<ofd:Signatures>/Doc_0/Signs/Signatures.xml</ofd:Signatures>" in b.read("OFD.xml")
assert b.testzip() is None
PY
}
kept "$T/in.ofd" "$T/s1.ofd" && ok "every input entry is kept with the same compressed bytes, in order; OFD.xml names the new list" || notok "entries kept"

# OpenSSL alone: TBS_Sign's signature with the SM2 ID, dataHash = SM3(Signature.xml), and the seal.
mkdir "$T/x" "$T/sv" "$T/sl"
(cd "$T/x" && python3 -c 'import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall()' "$T/s1.ofd")
SV=$T/x/Doc_0/Signs/Sign_0/SignedValue.dat
split_seal "$SV" "$T/sv" && ok "openssl asn1parse splits the SES_Signature" || notok "split the SES_Signature"
openssl dgst -sm3 -verify "$T/sv/pub.pem" -signature "$T/sv/sig.der" -sigopt distid:1234567812345678 \
    "$T/sv/sealinfo.der" >"$T/out" 2>&1 && grep -q "Verified OK" "$T/out" &&
    ok "openssl verifies the signer's SM2 signature over DER(TBS_Sign) with ID 1234567812345678" ||
    notok "openssl SM2 over TBS_Sign: $(cat "$T/out")"
want=$(openssl dgst -sm3 -binary "$T/x/Doc_0/Signs/Sign_0/Signature.xml" | od -An -tx1 | tr -d ' \n')
# TBS_Sign's dataHash: its BIT STRING (after the unused-bits octet), cut out by asn1parse offsets.
line=$(openssl asn1parse -inform DER -in "$T/sv/sealinfo.der" | grep -m1 'd=1 .*BIT STRING')
off=$(echo "$line" | sed -E 's/^ *([0-9]+):.*/\1/')
hl=$(echo "$line" | sed -E 's/.*hl= *([0-9]+).*/\1/')
got=$(dd if="$T/sv/sealinfo.der" bs=1 skip=$((off + hl + 1)) count=32 status=none | od -An -tx1 | tr -d ' \n')
[ -n "$want" ] && [ "$got" = "$want" ] && ok "dataHash is the SM3 of the exact Signature.xml bytes (openssl dgst -sm3)" ||
    notok "dataHash $got vs openssl dgst -sm3 $want"
split_seal "$T/x/Doc_0/Signs/Sign_0/Seal.esl" "$T/sl" &&
    openssl dgst -sm3 -verify "$T/sl/pub.pem" -signature "$T/sl/sig.der" -sigopt distid:1234567812345678 \
        "$T/sl/sealinfo.der" >"$T/out" 2>&1 && grep -q "Verified OK" "$T/out" &&
    ok "openssl verifies the seal (Seal.esl) maker signature" || notok "seal maker signature: $(cat "$T/out")"

# --seal SEAL.esl: the registered seal's file works; other bytes under the same esID are refused.
"$E" seal export "$S" -o "$T/seal.esl" >/dev/null
"$E" stamp "$T/in.ofd" -o "$T/f.ofd" --seal "$T/seal.esl" >/dev/null 2>"$T/err" && [ "$(verdicts "$T/f.ofd")" = "VALID VALID" ] &&
    ok "--seal SEAL.esl (the registered file): VALID" || notok "--seal FILE: $(cat "$T/err")"
python3 -c 'import sys; d=bytearray(open(sys.argv[1],"rb").read()); d[-1]^=1; open(sys.argv[2],"wb").write(d)' "$T/seal.esl" "$T/other.esl"
"$E" stamp "$T/in.ofd" -o "$T/g.ofd" --seal "$T/other.esl" >/dev/null 2>"$T/err"
[ $? -ne 0 ] && [ ! -e "$T/g.ofd" ] && ok "--seal with other bytes is refused, no output ($(head -c 100 "$T/err"))" ||
    notok "--seal other bytes: $(cat "$T/err")"

# Two and three stamps: every signature stays VALID.
"$E" stamp "$T/s1.ofd" -o "$T/s2.ofd" --seal "$S" --page 1 --at 80,30 >/dev/null 2>"$T/err" &&
    "$E" stamp "$T/s2.ofd" -o "$T/s3.ofd" --seal "$SP" >/dev/null 2>>"$T/err" &&
    ok "a second (SM2) and a third (ECDSA P-256) stamp" || notok "more stamps: $(cat "$T/err")"
[ "$(verdicts "$T/s2.ofd")" = "VALID VALID VALID" ] && ok "two stamps: both VALID" || notok "two stamps: $(verdicts "$T/s2.ofd")"
[ "$(verdicts "$T/s3.ofd")" = "VALID VALID VALID VALID" ] && ok "three stamps: all VALID" ||
    notok "three stamps: $(verdicts "$T/s3.ofd") $(head -c 800 "$T/v.json")"
python3 - "$T/s3.ofd" <<'PY' && ok "the list holds s001, s002, s003 with their own Sign_N files" || notok "signature list"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
l = z.read("Doc_0/Signs/Signatures.xml")
for i, n in enumerate(("s001", "s002", "s003")):
    assert b'ID="%s"' % n.encode() in l and b"/Doc_0/Signs/Sign_%d/Signature.xml" % i in l, l
PY

printf '%s\n' "$T/s1.ofd" "$T/s2.ofd" "$T/s3.ofd" >"$T/list"
"$E" verify --batch "$T/list" >"$T/out" 2>&1 && [ "$(grep -c '^VALID' "$T/out")" -eq 3 ] &&
    ok "verify --batch takes OFD files: three VALID lines" || notok "verify --batch on OFDs: $(cat "$T/out")"

# A plain digital signature (Type="Sign") after the seal stamps: checked with the signer's certificate.
"$E" cert show "$C" -o "$T/signer.pem" >/dev/null
"$E" stamp "$T/s2.ofd" -o "$T/p.ofd" --seal "$S" --plain >/dev/null 2>"$T/err" && ok "a plain signature (--plain)" ||
    notok "--plain: $(cat "$T/err")"
"$E" verify "$T/p.ofd" --json --signer "$T/signer.pem" >"$T/v.json" 2>"$T/err"
python3 - "$T/v.json" <<'PY' && ok "plain signature VALID with --signer; both seal stamps stay VALID" || notok "plain: $(head -c 600 "$T/v.json") $(cat "$T/err")"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["signatures"]
assert [x["signature"]["type"] for x in s] == ["seal_stamp", "seal_stamp", "signature"], [x["signature"] for x in s]
assert s[2]["seal"] is None and s[2]["signer"]["certificate"] is not None, s[2]
assert d["verdict"] == "VALID" and all(x["verdict"] == "VALID" for x in s), [(x["verdict"], x["reasons"]) for x in s]
PY
"$E" verify "$T/p.ofd" --json >"$T/v.json" 2>/dev/null
grep -q SIGNER_CERT_NOT_FOUND "$T/v.json" && ok "without --signer the plain signature is INDETERMINATE (SIGNER_CERT_NOT_FOUND)" ||
    notok "plain without --signer"
python3 "$(dirname "$0")/../resources/mkpdf.py" "$T/in.pdf" 1
"$E" stamp "$T/in.pdf" -o "$T/x.pdf" --seal "$S" --plain >/dev/null 2>"$T/err"
[ $? -ne 0 ] && grep -q "for OFD" "$T/err" && [ ! -e "$T/x.pdf" ] && ok "--plain on a PDF is refused" || notok "--plain on a PDF: $(cat "$T/err")"

# Tampering: a changed protected file, a removed file, an added page file: all INVALID.
ZE="python3 $(dirname "$0")/../resources/zipedit.py"
$ZE "$T/s3.ofd" "$T/t-content.ofd" --flip Doc_0/Pages/Page_0/Content.xml
$ZE "$T/s3.ofd" "$T/t-seal.ofd" --flip Doc_0/Signs/Sign_1/Seal.esl
$ZE "$T/s3.ofd" "$T/t-drop.ofd" --drop Doc_0/PublicRes.xml
$ZE "$T/s3.ofd" "$T/t-add.ofd" --add Doc_0/Pages/Page_9/Content.xml
[ "$(verdicts "$T/t-content.ofd")" = "INVALID INVALID INVALID INVALID" ] && ok "a changed page: every signature INVALID" ||
    notok "changed page: $(verdicts "$T/t-content.ofd")"
v=$(verdicts "$T/t-seal.ofd")
[ "${v%% *}" = "INVALID" ] && [ "$(echo "$v" | cut -d' ' -f3)" = "INVALID" ] &&
    ok "a changed Seal.esl of the second stamp: that signature INVALID ($v)" || notok "changed seal: $v"
[ "$(verdicts "$T/t-drop.ofd")" = "INVALID INVALID INVALID INVALID" ] && ok "a removed file: every signature INVALID" ||
    notok "removed file: $(verdicts "$T/t-drop.ofd")"
[ "$(verdicts "$T/t-add.ofd")" = "INVALID INVALID INVALID INVALID" ] && ok "an added page file: every signature INVALID" ||
    notok "added file: $(verdicts "$T/t-add.ofd")"

# Refusals leave no output.
"$E" stamp "$T/in.ofd" -o "$T/bad.ofd" --seal "$S" --page 9 >/dev/null 2>"$T/err"
[ $? -ne 0 ] && [ ! -e "$T/bad.ofd" ] && grep -q "page 9" "$T/err" && ok "a page that does not exist is refused, no output" ||
    notok "page 9: $(cat "$T/err")"
"$E" stamp "$T/in.ofd" -o "$T/bad.ofd" --seal "$S" --at 190,280 >/dev/null 2>"$T/err"
[ $? -ne 0 ] && [ ! -e "$T/bad.ofd" ] && grep -q "does not fit" "$T/err" && ok "an imprint off the page is refused" ||
    notok "off the page: $(cat "$T/err")"

# B-T: an RFC 3161 token over the signature value in SES_Signature.timeStamp, checked by openssl ts.
# A P-256 signer's token comes from the P-256 TSA (an SM2 signer's from the SM2 TSA, whose SM2/SM3
# tokens `openssl ts -verify` cannot check: tsa_interop.sh checks those piece by piece).
"$E" ca export --tsa --alg p256 -o "$T/tsachain.pem" >/dev/null 2>&1
if "$E" stamp "$T/in.ofd" -o "$T/bt.ofd" --seal "$SP" --level B-T >"$T/out" 2>"$T/err"; then
    grep -q "^time: .*RFC 3161 timestamp from" "$T/out" && ok "OFD B-T: the stamp says where its time came from" ||
        notok "OFD B-T time line: $(cat "$T/out")"
    [ "$(verdicts "$T/bt.ofd")" = "VALID VALID" ] && python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["signatures"][0]["time"]
assert t["source"] == "timestamp" and t["token"] and t["tsa"] and t["serial"], t' "$T/v.json" &&
        ok "OFD B-T: VALID, the signing time proven by the timestamp" || notok "OFD B-T verify: $(head -c 600 "$T/v.json")"
    mkdir -p "$T/bx" "$T/bsv"
    (cd "$T/bx" && python3 -c 'import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall()' "$T/bt.ofd")
    BSV=$(ls "$T"/bx/Doc_0/Signs/Sign_*/SignedValue.dat | tail -1)
    split_seal "$BSV" "$T/bsv"
    off=$(openssl asn1parse -inform DER -in "$BSV" | grep ':d=2 .*BIT STRING' | tail -1 | sed -E 's/^ *([0-9]+):.*/\1/')
    [ -n "$off" ] && openssl asn1parse -inform DER -in "$BSV" -strparse "$off" -noout -out "$T/bsv/ts.der" &&
        openssl ts -verify -data "$T/bsv/sig.der" -in "$T/bsv/ts.der" -token_in -CAfile "$T/tsachain.pem" >"$T/tsv" 2>&1 &&
        grep -q "Verification: OK" "$T/tsv" &&
        ok "OFD B-T: openssl ts -verify: the timeStamp token covers the signature value" ||
        notok "OFD B-T token: $(cat "$T/tsv" 2>/dev/null)"
else
    notok "OFD --level B-T: $(cat "$T/err")"
fi
"$E" stamp "$T/in.ofd" -o "$T/bt-sm2.ofd" --seal "$S" --level B-T >"$T/out" 2>"$T/err" &&
    grep -q "^time: .*the instance's SM2 TSA" "$T/out" && [ "$(verdicts "$T/bt-sm2.ofd")" = "VALID VALID" ] &&
    ok "OFD B-T with an SM2 signer: the SM2 TSA's token, VALID" || notok "OFD B-T SM2: $(cat "$T/out" "$T/err")"
"$E" stamp "$T/in.ofd" -o "$T/lta.ofd" --seal "$S" --level B-LTA >/dev/null 2>"$T/err"
[ $? -ne 0 ] && [ ! -e "$T/lta.ofd" ] && grep -q "B-B or B-T" "$T/err" && ok "OFD: --level B-LTA is refused (a PDF level)" ||
    notok "OFD B-LTA: $(cat "$T/err")"

# A third-party package as the input: ofdrw's DigitalSign.ofd, its signature taken out.
if [ -n "$D" ]; then
    unsign "$D/ofd/sign-raw-sm2-DigitalSign.ofd" "$T/in3.ofd"
    "$E" stamp "$T/in3.ofd" -o "$T/s3p.ofd" --seal "$S" --page 1 --at 20,30 >/dev/null 2>"$T/err" &&
        [ "$(verdicts "$T/s3p.ofd")" = "VALID VALID" ] && ok "ofdrw's DigitalSign.ofd stamped: VALID" ||
        notok "ofdrw input: $(cat "$T/err") $(head -c 400 "$T/v.json")"
    kept "$T/in3.ofd" "$T/s3p.ofd" && ok "ofdrw input: every entry kept with the same compressed bytes" || notok "ofdrw entries kept"
else
    vectors_skip ofd-samples "$VROOT" "stamping ofdrw's DigitalSign.ofd"
fi

# Every report above (one stamp, two and three stamps, B-T, a plain Sign with and without its
# certificate, ofdrw's package) against the report's contract.
"$E" verify "$T/p.ofd" --json --signer "$T/signer.pem" >"$T/reports/plain-signer.json" 2>/dev/null
/usr/bin/python3 "$ROOT/tests/lib/report_schema.py" "$ROOT/docs/verify-report.schema.json" "$T/reports" >"$T/schema" 2>&1 &&
    ok "every OFD report follows docs/verify-report.schema.json ($(tail -1 "$T/schema"))" || notok "schema: $(cat "$T/schema")"

tap_done ofd_stamp
