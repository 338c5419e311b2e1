#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# skf_cli_test.sh ESEAL SKF_MODULE
#
# An SM2 key in an SKF (GM/T 0016) device through the command line (issue 23 §2, §3), with the test
# double of tests/skf/ (libeseal_skf_double.so; a test double, not a security device) named by
# eseal.conf's skf_module: a certificate issued for the device's key (`cert issue --key skf:...`), a
# seal made with it and bound to the device (`seal show`), an OFD stamped with it: VALID for eseal,
# its SES_Signature and seal checked by plain OpenSSL (SM2 with the ID 1234567812345678, nothing of
# eseal); a wrong PIN (non-zero, no output, the device's tries counted down); the device removed
# (a clear error, no output); another device serial in its place (SEAL_HARDWARE_MISMATCH, no output).
# Output is TAP.
set -u
E=$1
MODULE=$2
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/ses_split.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

export ESEAL_SKF_DOUBLE_DIR=$T/dev ESEAL_HOME=$T/home ESEAL_PASSPHRASE=skf-cli-pass ESEAL_PW_PARAMS=1,8192,1
bash "$ROOT/tests/skf/skf_double_setup.sh" "$T/dev" UKEY1 SKF-SN-0001 135790 sealcon >/dev/null ||
    { echo "not ok 1 - skf_double_setup.sh"; exit 1; }
"$E" init >/dev/null 2>&1 || { echo "not ok 1 - init"; exit 1; }
echo "skf_module = $MODULE" >>"$ESEAL_HOME/eseal.conf"
python3 "$ROOT/tests/resources/mkofd.py" "$T/in.ofd" 2
REF="skf:dev=UKEY1;app=ESEAL;con=sealcon"

C=$(ESEAL_TOKEN_PIN=135790 "$E" cert issue --org "示例贸易有限公司" --uscc 91350100M000100Y43 --key "$REF" -o "$T/cert.pem" 2>"$T/err")
[ -n "$C" ] && ok "cert issue --key $REF" || notok "cert issue: $(cat "$T/err")"
S=$(ESEAL_TOKEN_PIN=135790 "$E" seal make --cert "$C" --maker sm2 --type contract --name "示例贸易有限公司合同专用章" 2>"$T/err")
[ -n "$S" ] && ok "seal make with the device's certificate" || notok "seal make: $(cat "$T/err")"
"$E" seal show "$S" --json 2>/dev/null | python3 -c '
import json, sys
h = json.load(sys.stdin)["hardware"]
assert len(h) == 1 and h[0]["kind"] == "skf" and h[0]["serial"] == "SKF-SN-0001" and h[0]["key_id"] == sys.argv[1], h' "$REF" &&
    ok "the seal is bound to device SKF-SN-0001 (seal show --json)" || notok "seal show --json"

ESEAL_TOKEN_PIN=135790 "$E" stamp "$T/in.ofd" -o "$T/s.ofd" --seal "$S" >/dev/null 2>"$T/err" && ok "stamp an OFD with the device's key" ||
    notok "stamp: $(cat "$T/err")"
"$E" verify "$T/s.ofd" >"$T/v.txt" 2>&1 && has "$T/v.txt" "^verdict: VALID" "eseal verify: VALID" || notok "verify: $(cat "$T/v.txt")"
has "$T/v.txt" 'Key: key held in hardware token "eseal-double" (skf), serial SKF-SN-0001' "the report names the device"

# OpenSSL alone: the stamp's SM2 signature (the device's) and the seal's (the maker's).
mkdir "$T/x" "$T/sv" "$T/sl"
(cd "$T/x" && python3 -c 'import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall()' "$T/s.ofd")
split_seal "$T/x/Doc_0/Signs/Sign_0/SignedValue.dat" "$T/sv" && ok "openssl asn1parse splits the SES_Signature" ||
    notok "split the SES_Signature"
openssl dgst -sm3 -verify "$T/sv/pub.pem" -signature "$T/sv/sig.der" -sigopt distid:1234567812345678 \
    "$T/sv/sealinfo.der" >"$T/out" 2>&1 && grep -q "Verified OK" "$T/out" &&
    ok "openssl verifies the device's SM2 signature over DER(TBS_Sign) with ID 1234567812345678" || notok "openssl: $(cat "$T/out")"
openssl x509 -in "$T/cert.pem" -pubkey -noout >"$T/pub-cert.pem"
cmp -s "$T/pub-cert.pem" "$T/sv/pub.pem" && ok "the stamp's signer is the device key's certificate" || notok "signer certificate"

# A wrong PIN: refused, no output, one try counted.
before=$(cat "$T/dev/retries")
ESEAL_TOKEN_PIN=000000 "$E" stamp "$T/in.ofd" -o "$T/bad.ofd" --seal "$S" >/dev/null 2>"$T/err"
rc=$?
after=$(cat "$T/dev/retries")
[ $rc -ne 0 ] && [ ! -e "$T/bad.ofd" ] && [ "$after" -eq $((before - 1)) ] && ! grep -q 000000 "$T/err" &&
    ok "a wrong PIN: exit $rc, no output, tries $before -> $after, the PIN not printed ($(head -1 "$T/err"))" ||
    notok "wrong PIN: rc $rc, tries $before -> $after, $(cat "$T/err")"
ESEAL_TOKEN_PIN=135790 "$E" stamp "$T/in.ofd" -o "$T/ok2.ofd" --seal "$S" >/dev/null 2>&1 && [ "$(cat "$T/dev/retries")" -eq "$before" ] &&
    ok "the right PIN again: it stamps, the tries are back to $before" || notok "right PIN after a wrong one"

# The device pulled out.
touch "$T/dev/removed"
ESEAL_TOKEN_PIN=135790 "$E" stamp "$T/in.ofd" -o "$T/gone.ofd" --seal "$S" >/dev/null 2>"$T/err"
rc=$?
[ $rc -ne 0 ] && [ ! -e "$T/gone.ofd" ] && [ -s "$T/err" ] && ok "the device removed: exit $rc, no output ($(head -1 "$T/err"))" ||
    notok "removed: rc $rc, $(cat "$T/err")"
rm -f "$T/dev/removed"

# Another device in its place: the same name and key, another serial.
sed -i 's/^serial=SKF-SN-0001$/serial=SKF-SN-0002/' "$T/dev/device"
ESEAL_TOKEN_PIN=135790 "$E" stamp "$T/in.ofd" -o "$T/other.ofd" --seal "$S" >/dev/null 2>"$T/err"
rc=$?
[ $rc -ne 0 ] && [ ! -e "$T/other.ofd" ] && grep -q "bound to skf device SKF-SN-0001 .*held by skf device SKF-SN-0002" "$T/err" &&
    ok "another device serial: refused (SEAL_HARDWARE_MISMATCH), no output" || notok "other device: rc $rc, $(cat "$T/err")"
"$E" log audit >"$T/audit" 2>&1 && ok "the log audits clean" || notok "log audit: $(cat "$T/audit")"
# For the suite's scan (token_key_scan): the device's key (a file of the test double), and what
# eseal made and said.
. "$ROOT/tests/lib/keyscan.sh"
keyscan_deposit skf_cli "$T/dev/containers/sealcon/key.pem" -- "$ESEAL_HOME" "$T"/*.ofd "$T/cert.pem" "$T/err"
tap_done skf_cli
