#!/usr/bin/env bash
# tsa_interop.sh ESEAL
#
# RFC 3161 time-stamps from `eseal tsa respond`, requested and checked with
# plain OpenSSL (`openssl ts`): SHA-256 / SHA-512 / SM3 requests with and
# without nonce and certReq verify against the exported TSA chain (-data and
# -queryfile), serials count up, and MD5 / SHA-1 / garbage requests are
# answered with parseable rejections. Output is TAP.
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
[ -n "$s1" ] && [ -n "$s2" ] && [ $((s2)) -gt $((s1)) ] && ok "serial numbers count up ($s1 < $s2)" || notok "serials ($s1, $s2)"

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

tap_done tsa_interop
