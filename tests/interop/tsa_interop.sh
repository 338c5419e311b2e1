#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tsa_interop.sh ESEAL
#
# RFC 3161 time-stamps from `eseal tsa respond`, requested and checked with
# plain OpenSSL (`openssl ts`): SHA-256 / SHA-512 / SM3 requests with and
# without nonce and certReq verify against the exported TSA chain (-data and
# -queryfile), serials are random 127-bit positive integers that differ, and MD5 / SHA-1 / garbage requests are
# answered with parseable rejections. SM2 tokens (`--alg sm2`) are checked
# piece by piece with OpenSSL, since neither `openssl ts -verify` nor
# `openssl cms -verify` can check SM2 with the GM/T 0009 ID (probes.md §2, §3):
# the signature over the DER signed attributes (`openssl dgst -sm3 -sigopt
# distid:1234567812345678`), messageDigest = SM3 of the encapsulated TSTInfo,
# contentType id-smime-ct-TSTInfo, the TSA certificate's chain and
# timestampsign purpose (`openssl verify -vfyopt distid:...`), and the
# TSTInfo's messageImprint = `openssl dgst -sm3` of the data; tampered tokens
# fail those checks. Output is TAP.
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=interop-pass-1

"$E" init >/dev/null 2>&1 || { echo "not ok 1 - init"; exit 1; }
"$E" ca export --tsa --alg p256 -o "$T/tsachain.pem" >/dev/null 2>&1 &&
    [ "$(grep -c 'BEGIN CERTIFICATE' "$T/tsachain.pem")" -eq 3 ] &&
    ok "ca export --tsa --alg p256 writes the TSA certificate and its chain" || notok "ca export --tsa"
printf 'time-stamp me\n' >"$T/data.txt"

run() { # NAME OPENSSL-QUERY-ARGS...
    local name=$1
    shift
    openssl ts -query -data "$T/data.txt" "$@" -out "$T/$name.tsq" 2>/dev/null || { notok "$name: openssl ts -query"; return 1; }
    "$E" tsa respond "$T/$name.tsq" -o "$T/$name.tsr" >/dev/null 2>"$T/err"
}

for h in sha256 sha512 sm3; do
    if run "$h" "-$h" -cert; then
        ok "$h: eseal tsa respond grants"
        openssl ts -reply -in "$T/$h.tsr" -text >"$T/$h.txt" 2>&1 && grep -q "Status: Granted" "$T/$h.txt" &&
            ok "$h: openssl ts -reply -text reads it" || notok "$h: openssl ts -reply ($(head -3 "$T/$h.txt"))"
        openssl ts -verify -data "$T/data.txt" -in "$T/$h.tsr" -CAfile "$T/tsachain.pem" >"$T/v" 2>&1 &&
            grep -q "Verification: OK" "$T/v" && ok "$h: openssl ts -verify -data: OK" ||
            notok "$h: openssl ts -verify -data ($(tr '\n' ' ' <"$T/v"))"
        openssl ts -verify -queryfile "$T/$h.tsq" -in "$T/$h.tsr" -CAfile "$T/tsachain.pem" >"$T/v" 2>&1 &&
            grep -q "Verification: OK" "$T/v" && ok "$h: openssl ts -verify -queryfile: OK" ||
            notok "$h: openssl ts -verify -queryfile ($(tr '\n' ' ' <"$T/v"))"
    else
        notok "$h: eseal tsa respond ($(cat "$T/err"))"
    fi
done

grep -q "Nonce: 0x" "$T/sha256.txt" && ok "the nonce is echoed" || notok "nonce echo"
grep -q "Policy OID: 1.3.6.1.4.1.99999.1" "$T/sha256.txt" && ok "the default policy OID" || notok "policy OID"
grep -Eq "Time stamp: .*[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,3})? " "$T/sha256.txt" && ok "genTime is printed" || notok "genTime"
openssl ts -reply -in "$T/sha256.tsr" -token_out -out "$T/tok.der" 2>/dev/null &&
    openssl cms -cmsout -inform DER -in "$T/tok.der" -print 2>/dev/null | grep -q "id-smime-aa-signingCertificateV2" &&
    ok "the token has signing-certificate-v2 (RFC 5816)" || notok "signing-certificate-v2"

# certReq off: no certificates; verification needs the TSA certificate from elsewhere.
if run nocert -sha256 -no_nonce; then
    openssl ts -reply -in "$T/nocert.tsr" -token_out -out "$T/nc.der" 2>/dev/null
    openssl pkcs7 -inform DER -in "$T/nc.der" -print_certs 2>/dev/null | grep -q "BEGIN CERTIFICATE" &&
        notok "certReq false must leave the certificates out" || ok "certReq false: no certificates in the token"
    openssl ts -verify -data "$T/data.txt" -in "$T/nocert.tsr" -CAfile "$T/tsachain.pem" \
        -untrusted "$T/tsachain.pem" >"$T/v" 2>&1 && grep -q "Verification: OK" "$T/v" &&
        ok "certReq false: openssl ts -verify -untrusted TSA cert: OK" || notok "certReq false verify ($(tr '\n' ' ' <"$T/v"))"
else
    notok "nocert: respond"
fi

s1=$(openssl ts -reply -in "$T/sha256.tsr" -text 2>/dev/null | sed -n 's/^Serial number: //p')
s2=$(openssl ts -reply -in "$T/sm3.tsr" -text 2>/dev/null | sed -n 's/^Serial number: //p')
# Random serials (src/core/tsa.c): OpenSSL prints each as 0x and 32 hex digits, in [2^126, 2^127).
serial_ok() { printf '%s\n' "$1" | grep -Eq '^0x[4-7][0-9A-Fa-f]{31}$'; }
serial_ok "$s1" && serial_ok "$s2" && [ "$s1" != "$s2" ] && ok "serial numbers: random, 16 octets, different ($s1, $s2)" ||
    notok "serials ($s1, $s2)"

for h in md5 sha1; do
    openssl ts -query -data "$T/data.txt" "-$h" -cert -out "$T/$h.tsq" 2>/dev/null
    "$E" tsa respond "$T/$h.tsq" -o "$T/$h.tsr" >/dev/null 2>&1
    rc=$?
    openssl ts -reply -in "$T/$h.tsr" -text 2>/dev/null | grep -q "unrecognized or unsupported algorithm" && [ $rc -eq 1 ] &&
        ok "$h: rejected with badAlg (exit 1)" || notok "$h: badAlg (rc $rc)"
done
head -c 300 /dev/urandom >"$T/junk.tsq"
"$E" tsa respond "$T/junk.tsq" -o "$T/junk.tsr" >/dev/null 2>&1
openssl ts -reply -in "$T/junk.tsr" -text 2>/dev/null | grep -q "Status: Rejected" &&
    ok "garbage: a parseable rejection" || notok "garbage request"

# ---- SM2 tokens (eseal tsa respond --alg sm2), checked with OpenSSL piece by piece --------
# sm2_parts TOKEN.der DIR: DIR/tst.der (the encapsulated TSTInfo), DIR/attrs.der (the signed
# attributes re-tagged as SET OF, what is signed: RFC 5652 §5.4), DIR/sig.der (the signature
# value), DIR/md.hex (the messageDigest attribute), DIR/tok.txt (openssl asn1parse).
tlv() { sed -E 's/^ *([0-9]+):d=[0-9]+ +hl=([0-9]+) +l= *([0-9]+).*/\1 \2 \3/'; }
sm2_parts() {
    local tok=$1 d=$2 off hl l
    mkdir -p "$d"
    openssl asn1parse -inform DER -in "$tok" >"$d/tok.txt" 2>/dev/null || return 1
    read -r off hl l <<<"$(grep -A2 ':id-smime-ct-TSTInfo' "$d/tok.txt" | grep 'prim: OCTET STRING' | head -1 | tlv)"
    [ -n "$l" ] || return 1
    dd if="$tok" of="$d/tst.der" bs=1 skip=$((off + hl)) count="$l" status=none || return 1
    read -r off hl l <<<"$(grep -E 'd=5 .*cons: cont \[ 0 \]' "$d/tok.txt" | tail -1 | tlv)"
    [ -n "$l" ] || return 1
    { printf '\061'; dd if="$tok" bs=1 skip=$((off + 1)) count=$((hl + l - 1)) status=none; } >"$d/attrs.der"
    read -r off hl l <<<"$(grep -E 'd=5 .*prim: OCTET STRING' "$d/tok.txt" | tail -1 | tlv)"
    [ -n "$l" ] || return 1
    dd if="$tok" of="$d/sig.der" bs=1 skip=$((off + hl)) count="$l" status=none
    grep -A2 ':messageDigest' "$d/tok.txt" | sed -n 's/.*OCTET STRING *\[HEX DUMP\]://p' | tr 'A-F' 'a-f' >"$d/md.hex"
}
SM2ID=1234567812345678
# sm2_sig_ok DIR: the SM2 signature (SM3 with the Z value of the ID) over the signed attributes.
sm2_sig_ok() { openssl dgst -sm3 -verify "$T/sm2tsa.pub" -sigopt "distid:$SM2ID" -signature "$1/sig.der" "$1/attrs.der" >/dev/null 2>&1; }
# sm2_md_ok DIR: messageDigest = SM3(TSTInfo).
sm2_md_ok() { [ -s "$1/md.hex" ] && [ "$(cat "$1/md.hex")" = "$(openssl dgst -sm3 -r "$1/tst.der" | cut -d' ' -f1)" ]; }
# sm2_imprint_ok DIR DATA: the TSTInfo's messageImprint (its first OCTET STRING) = SM3(DATA).
sm2_imprint_ok() {
    local mi
    mi=$(openssl asn1parse -inform DER -in "$1/tst.der" 2>/dev/null | grep -m1 'OCTET STRING' | sed -n 's/.*\[HEX DUMP\]://p' | tr 'A-F' 'a-f')
    [ -n "$mi" ] && [ "$mi" = "$(openssl dgst -sm3 -r "$2" | cut -d' ' -f1)" ]
}

"$E" ca export --tsa --alg sm2 -o "$T/sm2chain.pem" >/dev/null 2>&1 && [ "$(grep -c 'BEGIN CERTIFICATE' "$T/sm2chain.pem")" -eq 3 ] &&
    ok "ca export --tsa --alg sm2 writes the SM2 TSA certificate and its chain" || notok "ca export --tsa --alg sm2"
awk '/BEGIN/{n++} n==1' "$T/sm2chain.pem" >"$T/sm2tsa.pem"
awk '/BEGIN/{n++} n==2' "$T/sm2chain.pem" >"$T/sm2ica.pem"
awk '/BEGIN/{n++} n==3' "$T/sm2chain.pem" >"$T/sm2root.pem"
openssl x509 -in "$T/sm2tsa.pem" -pubkey -noout >"$T/sm2tsa.pub" 2>/dev/null
openssl verify -partial_chain -purpose timestampsign -vfyopt "distid:$SM2ID" -CAfile "$T/sm2ica.pem" "$T/sm2tsa.pem" >/dev/null 2>&1 &&
    openssl verify -partial_chain -vfyopt "distid:$SM2ID" -CAfile "$T/sm2root.pem" "$T/sm2ica.pem" >/dev/null 2>&1 &&
    ok "sm2: openssl verify (distid): the TSA certificate (purpose timestampsign) chains to the SM2 root" ||
    notok "sm2: the SM2 TSA chain"

openssl ts -query -data "$T/data.txt" -sm3 -cert -out "$T/sm2.tsq" 2>/dev/null
if "$E" tsa respond --alg sm2 "$T/sm2.tsq" -o "$T/sm2.tsr" >/dev/null 2>"$T/err"; then
    ok "sm2: eseal tsa respond --alg sm2 grants"
    openssl ts -reply -in "$T/sm2.tsr" -text >"$T/sm2.txt" 2>&1 && grep -q "Status: Granted" "$T/sm2.txt" &&
        ok "sm2: openssl ts -reply -text reads it" || notok "sm2: openssl ts -reply ($(head -3 "$T/sm2.txt"))"
    [ "$(sed -n 's/^Nonce: //p' "$T/sm2.txt")" = "$(openssl ts -query -in "$T/sm2.tsq" -text 2>/dev/null | sed -n 's/^Nonce: //p')" ] &&
        grep -q "Hash Algorithm: sm3" "$T/sm2.txt" && grep -q "Policy OID: 1.3.6.1.4.1.99999.1" "$T/sm2.txt" &&
        grep -Eq "Accuracy: 0x01 seconds" "$T/sm2.txt" &&
        ok "sm2: the request's nonce is echoed; SM3 imprint, policy and accuracy" || notok "sm2: TSTInfo fields"
    openssl ts -reply -in "$T/sm2.tsr" -token_out -out "$T/sm2tok.der" 2>/dev/null
    if sm2_parts "$T/sm2tok.der" "$T/sm2p"; then
        grep -A2 ':contentType' "$T/sm2p/tok.txt" | grep -q ':id-smime-ct-TSTInfo' &&
            grep -q ':id-smime-aa-signingCertificateV2' "$T/sm2p/tok.txt" && grep -q ':SM2-with-SM3' "$T/sm2p/tok.txt" &&
            ok "sm2: signed attributes contentType id-smime-ct-TSTInfo and signingCertificateV2; SM2-with-SM3" ||
            notok "sm2: signed attributes"
        sm2_sig_ok "$T/sm2p" && ok "sm2: openssl dgst -sm3 -verify (distid $SM2ID) checks the signature over the signed attributes" ||
            notok "sm2: the SM2 signature over the signed attributes"
        openssl dgst -sm3 -verify "$T/sm2tsa.pub" -signature "$T/sm2p/sig.der" "$T/sm2p/attrs.der" >/dev/null 2>&1 &&
            notok "sm2: the empty SM2 ID must not verify" || ok "sm2: the empty SM2 ID does not verify (the ID is used)"
        sm2_md_ok "$T/sm2p" && ok "sm2: messageDigest = openssl dgst -sm3 of the encapsulated TSTInfo" || notok "sm2: messageDigest"
        sm2_imprint_ok "$T/sm2p" "$T/data.txt" && ok "sm2: the TSTInfo's messageImprint = openssl dgst -sm3 of the data" ||
            notok "sm2: messageImprint"
        # OpenSSL's own verifiers check SM2 without the ID: they must refuse this (standard) token.
        openssl cms -verify -binary -noverify -inform DER -in "$T/sm2tok.der" -out /dev/null >/dev/null 2>&1 &&
            notok "sm2: openssl cms -verify (empty ID) must not accept the token" ||
            ok "sm2: openssl cms -verify, which can only use the empty SM2 ID, refuses it (as probes.md §2 says)"

        # Tampered: one byte of the messageImprint inside the token; then one byte of the signature.
        imp=$(openssl asn1parse -inform DER -in "$T/sm2p/tst.der" | grep -m1 'OCTET STRING' | tlv)
        read -r ioff ihl _ <<<"$imp"
        base=$(grep -A2 ':id-smime-ct-TSTInfo' "$T/sm2p/tok.txt" | grep 'prim: OCTET STRING' | head -1 | tlv)
        read -r boff bhl _ <<<"$base"
        at=$((boff + bhl + ioff + ihl))
        cp "$T/sm2tok.der" "$T/sm2bad.der"
        printf "$(printf '\\%03o' $(($(od -An -tu1 -j"$at" -N1 "$T/sm2tok.der") ^ 1)))" |
            dd of="$T/sm2bad.der" bs=1 seek="$at" conv=notrunc status=none
        if sm2_parts "$T/sm2bad.der" "$T/sm2bad"; then
            sm2_md_ok "$T/sm2bad" && notok "sm2 tampered TSTInfo: messageDigest must no longer match" ||
                ok "sm2 tampered TSTInfo: messageDigest no longer matches SM3(TSTInfo) (the signature check fails)"
            sm2_imprint_ok "$T/sm2bad" "$T/data.txt" && notok "sm2 tampered TSTInfo: the imprint must no longer match" ||
                ok "sm2 tampered TSTInfo: the messageImprint no longer matches the data"
        else
            notok "sm2 tampered: parse"
        fi
        cp "$T/sm2tok.der" "$T/sm2bad2.der"
        last=$(($(stat -c %s "$T/sm2bad2.der") - 1))
        printf "$(printf '\\%03o' $(($(od -An -tu1 -j"$last" -N1 "$T/sm2tok.der") ^ 1)))" |
            dd of="$T/sm2bad2.der" bs=1 seek="$last" conv=notrunc status=none
        sm2_parts "$T/sm2bad2.der" "$T/sm2bad2" && ! sm2_sig_ok "$T/sm2bad2" && sm2_md_ok "$T/sm2bad2" &&
            ok "sm2 tampered signature value: openssl dgst -verify (distid) fails" || notok "sm2 tampered signature"
    else
        notok "sm2: openssl asn1parse could not split the token"
    fi
else
    notok "sm2: eseal tsa respond --alg sm2 ($(cat "$T/err"))"
fi
for h in md5 sha1; do
    "$E" tsa respond --alg sm2 "$T/$h.tsq" -o "$T/sm2$h.tsr" >/dev/null 2>&1
    rc=$?
    openssl ts -reply -in "$T/sm2$h.tsr" -text 2>/dev/null | grep -q "unrecognized or unsupported algorithm" && [ $rc -eq 1 ] &&
        ok "sm2 $h: rejected with badAlg (exit 1)" || notok "sm2 $h: badAlg (rc $rc)"
done

# Over HTTP: eseal tsa serve, a POST with curl, openssl ts -verify on the reply.
"$E" tsa serve --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVE=$!
for _ in $(seq 100); do grep -q "port" "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/serve.out")
if [ -n "$PORT" ]; then
    openssl ts -query -data "$T/data.txt" -sha256 -cert -out "$T/http.tsq" 2>/dev/null
    code=$(curl -s -o "$T/http.tsr" -w '%{http_code} %{content_type}' -H 'Content-Type: application/timestamp-query' \
        --data-binary @"$T/http.tsq" "http://127.0.0.1:$PORT/tsa")
    [ "$code" = "200 application/timestamp-reply" ] && ok "tsa serve: POST /tsa answers 200 application/timestamp-reply" ||
        notok "tsa serve answered '$code'"
    openssl ts -verify -data "$T/data.txt" -in "$T/http.tsr" -CAfile "$T/tsachain.pem" >"$T/v" 2>&1 &&
        grep -q "Verification: OK" "$T/v" && ok "tsa serve: the reply passes openssl ts -verify" ||
        notok "tsa serve reply: $(tr '\n' ' ' <"$T/v")"
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary @"$T/http.tsq" "http://127.0.0.1:$PORT/tsa")
    [ "$code" = 415 ] && ok "tsa serve: another content type is 415" || notok "content type: $code"
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/tsa")
    [ "$code" = 405 ] && ok "tsa serve: GET is 405" || notok "GET: $code"
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/timestamp-query' --data-binary @"$T/http.tsq" "http://127.0.0.1:$PORT/other")
    [ "$code" = 404 ] && ok "tsa serve: another path is 404" || notok "path: $code"
    head -c 70000 /dev/zero >"$T/big.tsq"
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/timestamp-query' --data-binary @"$T/big.tsq" "http://127.0.0.1:$PORT/tsa")
    [ "$code" = 413 ] && ok "tsa serve: a body over 64 KiB is 413" || notok "big body: $code"
else
    notok "tsa serve did not start: $(cat "$T/serve.err")"
fi
kill -TERM "$SERVE" 2>/dev/null
wait "$SERVE"
[ $? -eq 0 ] && ok "tsa serve stops cleanly on SIGTERM" || notok "tsa serve exit status on SIGTERM"

# tsa serve --alg sm2: an SM2 token over HTTP, its signature checked as above.
"$E" tsa serve --alg sm2 --listen 127.0.0.1:0 >"$T/serve2.out" 2>"$T/serve2.err" &
SERVE=$!
for _ in $(seq 100); do grep -q "port" "$T/serve2.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/serve2.out")
if [ -n "$PORT" ]; then
    code=$(curl -s -o "$T/http2.tsr" -w '%{http_code}' -H 'Content-Type: application/timestamp-query' \
        --data-binary @"$T/sm2.tsq" "http://127.0.0.1:$PORT/tsa")
    openssl ts -reply -in "$T/http2.tsr" -token_out -out "$T/http2tok.der" 2>/dev/null
    [ "$code" = 200 ] && sm2_parts "$T/http2tok.der" "$T/http2p" && sm2_sig_ok "$T/http2p" && sm2_md_ok "$T/http2p" &&
        sm2_imprint_ok "$T/http2p" "$T/data.txt" && ok "tsa serve --alg sm2: the reply's SM2 signature, messageDigest and imprint check" ||
        notok "tsa serve --alg sm2 ($code)"
else
    notok "tsa serve --alg sm2 did not start: $(cat "$T/serve2.err")"
fi
kill -TERM "$SERVE" 2>/dev/null
wait "$SERVE"

# The policy OID comes from eseal.conf (tsa_policy); a malformed one is refused.
printf 'tsa_policy = 1.2.156.99.7\n' >>"$ESEAL_HOME/eseal.conf"
openssl ts -query -data "$T/data.txt" -sha256 -cert -out "$T/pol.tsq" 2>/dev/null
"$E" tsa respond "$T/pol.tsq" -o "$T/pol.tsr" >/dev/null 2>&1 &&
    openssl ts -reply -in "$T/pol.tsr" -text 2>/dev/null | grep -q "Policy OID: 1.2.156.99.7" &&
    ok "tsa_policy in eseal.conf sets the tokens' policy" || notok "tsa_policy: $(openssl ts -reply -in "$T/pol.tsr" -text 2>&1 | grep -i policy)"
printf 'tsa_policy = not-an-oid\n' >>"$ESEAL_HOME/eseal.conf"
"$E" tsa respond "$T/pol.tsq" -o "$T/pol2.tsr" >/dev/null 2>"$T/err"
[ $? -ne 0 ] && grep -q "tsa_policy must be a dotted OID" "$T/err" && ok "a malformed tsa_policy is refused" ||
    notok "bad tsa_policy: $(cat "$T/err")"

tap_done tsa_interop
