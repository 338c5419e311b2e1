#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# skf_interop.sh UNIT_SKF
#
# What a key in an SKF device signs (issue 23 §2), checked with plain OpenSSL and nothing of eseal,
# the way tests/interop/ofd_stamp.sh checks an OFD's SES_Signature and seal: unit_skf (against the
# SKF test double, or a vendor module with ESEAL_TEST_SKF_MODULE) writes a GB/T 38540 seal whose maker
# key, a stamp (SES_Signature) whose signer key, and a detached CMS signature whose key is in the
# device; openssl asn1parse cuts them and openssl dgst / cms verify SM2 with the ID 1234567812345678.
# Output is TAP.
set -u
U=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/ses_split.sh
. "$(dirname "$0")/../lib/ses_split.sh"
mkdir -p "$T/files" "$T/s" "$T/v"
ESEAL_SKF_OUT_DIR=$T/files "$U" >"$T/log" 2>&1 && ok "unit_skf made a seal, a stamp and a CMS with the SKF key" ||
    notok "unit_skf: $(tail -5 "$T/log")"
split_seal "$T/files/seal.esl" "$T/s" && ok "openssl asn1parse splits the seal" || notok "split the seal"
openssl dgst -sm3 -verify "$T/s/pub.pem" -signature "$T/s/sig.der" -sigopt distid:1234567812345678 \
    "$T/s/sealinfo.der" >"$T/o" 2>&1 && grep -q "Verified OK" "$T/o" &&
    ok "openssl verifies the device's SM2 maker signature over DER(SES_SealInfo) with ID 1234567812345678" ||
    notok "seal maker signature: $(cat "$T/o")"
openssl dgst -sm3 -verify "$T/s/pub.pem" -signature "$T/s/sig.der" "$T/s/sealinfo.der" >/dev/null 2>&1 &&
    notok "the empty SM2 ID must not verify" || ok "the empty SM2 ID does not verify (Z is the standard's)"
split_seal "$T/files/stamp.dat" "$T/v" && ok "openssl asn1parse splits the SES_Signature" || notok "split the stamp"
openssl dgst -sm3 -verify "$T/v/pub.pem" -signature "$T/v/sig.der" -sigopt distid:1234567812345678 \
    "$T/v/sealinfo.der" >"$T/o" 2>&1 && grep -q "Verified OK" "$T/o" &&
    ok "openssl verifies the device's SM2 signature over DER(TBS_Sign)" || notok "stamp signature: $(cat "$T/o")"
cp "$T/v/sealinfo.der" "$T/v/tampered.der"
printf '\x01' | dd of="$T/v/tampered.der" bs=1 seek=40 conv=notrunc status=none
openssl dgst -sm3 -verify "$T/v/pub.pem" -signature "$T/v/sig.der" -sigopt distid:1234567812345678 \
    "$T/v/tampered.der" >/dev/null 2>&1 && notok "a changed TBS_Sign must not verify" || ok "a changed TBS_Sign does not verify"
# The CMS: OpenSSL 3.0's cms -verify does not apply the GM/T 0009 ID to SM2 SignerInfos, so BouncyCastle
# checks it, as interop_cms does for SM2 (skipped without Java and BouncyCastle).
openssl x509 -inform DER -in "$T/files/root.der" -out "$T/root.pem" 2>/dev/null
if command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1 &&
    { [ -n "${BC_CLASSPATH:-}" ] || [ -f /usr/share/java/bcpkix.jar ]; }; then
    "$(dirname "$0")/bc_cms_verify.sh" "$T/files/doc.p7s" "$T/files/doc.txt" "$T/root.pem" >"$T/o" 2>&1 &&
        ok "BouncyCastle verifies the CMS signature made by the device, and its chain" ||
        notok "BouncyCastle: $(cat "$T/o")"
    printf 'x' >>"$T/files/doc.txt"
    "$(dirname "$0")/bc_cms_verify.sh" "$T/files/doc.p7s" "$T/files/doc.txt" "$T/root.pem" >/dev/null 2>&1 &&
        notok "changed content must not verify" || ok "BouncyCastle refuses changed content"
else
    skip "BouncyCastle verifies the CMS signature made by the device (no Java/BouncyCastle)"
    skip "BouncyCastle refuses changed content (no Java/BouncyCastle)"
fi
tap_done skf_interop
