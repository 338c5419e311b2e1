#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# serve_test.sh ESEAL
#
# `eseal serve`: every resource of the instance on one port, from one router, checked with
# curl and OpenSSL: a P-256 and an SM2 time-stamp over HTTP (the P-256 one passes
# `openssl ts -verify`), an OCSP answer that `openssl ocsp` verifies, the CA certificate and
# CRL at the URLs the issued certificate names (AIA caIssuers, CRL distribution point), the
# log's checkpoint and tiles; 404, 405 with Allow, 415 and 413, a Content-Type on every answer;
# usage errors; --only; the aliases (tsa serve) on the same router; a clean stop. TAP.
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=serve-pass-1
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT

"$E" init --base-url "$BASE" >/dev/null 2>&1 || { echo "not ok 1 - init"; exit 1; }

expect 2 "serve without --listen is a usage error" -- "$E" serve
expect 2 "--only with an unknown resource is a usage error" -- "$E" serve --listen 127.0.0.1:0 --only tsa,nope
has "$T/err" "tsa, ocsp, crl, ca, log, api and pages" "the usage error names the resources"
expect 2 "--interval 0 is a usage error" -- "$E" serve --listen 127.0.0.1:0 --interval 0
expect 2 "--tsa-alg rsa is a usage error" -- "$E" serve --listen 127.0.0.1:0 --tsa-alg rsa
expect 2 "an address that is not numeric is a usage error" -- "$E" serve --listen localhost:0

"$E" ca export --alg p256 -o "$T/chain.pem" >/dev/null 2>&1
awk -v d="$T" '/BEGIN CERT/{n++} {print > (d "/ca" n ".pem")}' "$T/chain.pem"
"$E" cert issue --org "Serve Test Ltd" --uscc 91110000MA01ABCDEX --alg p256 -o "$T/cert.pem" >/dev/null 2>&1
"$E" log publish >/dev/null 2>&1

"$E" serve --listen "127.0.0.1:$PORT" >"$T/serve.out" 2>"$T/serve.err" &
SERVE=$!
for _ in $(seq 150); do grep -q "port" "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
has "$T/serve.out" "eseal serve: listening on 127.0.0.1:$PORT (port $PORT)" "serve listens and names its port"
for r in "POST /tsa," "POST /tsa/p256" "POST /tsa/sm2" "POST /ocsp" "GET /ocsp/BASE64" "GET /crl/ID.crl" \
    "GET /ca/ID.crt" "GET /checkpoint" "GET /tile/..."; do
    has "$T/serve.out" "$r" "the banner names $r"
done

# RFC 3161 over HTTP, both hierarchies.
printf 'serve test data\n' >"$T/data.txt"
openssl ts -query -data "$T/data.txt" -sha256 -cert -out "$T/q.tsq" 2>/dev/null
code=$(curl -s -o "$T/r.tsr" -w '%{http_code} %{content_type}' -H 'Content-Type: application/timestamp-query' \
    --data-binary @"$T/q.tsq" "$BASE/tsa")
[ "$code" = "200 application/timestamp-reply" ] && ok "POST /tsa: 200 application/timestamp-reply" || notok "POST /tsa: $code"
"$E" ca export --tsa --alg p256 -o "$T/tsachain.pem" >/dev/null 2>&1
openssl ts -verify -data "$T/data.txt" -in "$T/r.tsr" -CAfile "$T/tsachain.pem" >"$T/v" 2>&1
has "$T/v" "Verification: OK" "the /tsa reply passes openssl ts -verify (P-256)"
code=$(curl -s -o "$T/r2.tsr" -w '%{http_code} %{content_type}' -H 'Content-Type: application/timestamp-query' \
    --data-binary @"$T/q.tsq" "$BASE/tsa/sm2")
[ "$code" = "200 application/timestamp-reply" ] && ok "POST /tsa/sm2: 200" || notok "POST /tsa/sm2: $code"
openssl ts -reply -in "$T/r2.tsr" -text >"$T/r2.txt" 2>&1
has "$T/r2.txt" "Status: Granted" "the SM2 TSA granted it"

# OCSP of the same server, and the URLs the certificate names.
openssl ocsp -issuer "$T/ca1.pem" -cert "$T/cert.pem" -url "$BASE/ocsp" -CAfile "$T/ca2.pem" >"$T/o.txt" 2>&1
has "$T/o.txt" "cert.pem: good" "openssl ocsp against POST /ocsp: good"
has "$T/o.txt" "Response verify OK" "and the response verifies"
CAURL=$(openssl x509 -in "$T/cert.pem" -noout -text | sed -n 's/.*CA Issuers - URI://p')
code=$(curl -s -o "$T/ca.der" -w '%{http_code} %{content_type}' "$CAURL")
[ "$code" = "200 application/pkix-cert" ] && ok "GET the caIssuers URL: 200 application/pkix-cert" || notok "caIssuers $CAURL: $code"
openssl x509 -inform DER -in "$T/ca.der" -noout -subject >/dev/null 2>&1 && cmp -s <(openssl x509 -inform DER -in "$T/ca.der") <(openssl x509 -in "$T/ca1.pem") &&
    ok "it is the issuing CA's certificate" || notok "caIssuers certificate"
CRLURL=$(openssl x509 -in "$T/cert.pem" -noout -ext crlDistributionPoints 2>/dev/null | sed -n 's/.*URI://p')
code=$(curl -s -o "$T/crl.der" -w '%{http_code} %{content_type}' "$CRLURL")
[ "$code" = "200 application/pkix-crl" ] && ok "GET the CRL distribution point: 200 application/pkix-crl" || notok "CRL $CRLURL: $code"
openssl crl -inform DER -in "$T/crl.der" -CAfile "$T/ca1.pem" -noout -verify >"$T/crl.txt" 2>&1
has "$T/crl.txt" "verify OK" "and the CRL verifies"

# The log.
code=$(curl -s -o "$T/ckpt" -w '%{http_code} %{content_type}' "$BASE/checkpoint")
[ "$code" = "200 text/plain; charset=utf-8" ] && ok "GET /checkpoint: 200 text/plain" || notok "checkpoint: $code"
size=$(sed -n 2p "$T/ckpt")
[ "${size:-0}" -gt 0 ] && ok "the checkpoint has size $size" || notok "checkpoint size '$size'"
w=$((size % 256))
code=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$BASE/tile/0/000.p/$w")
[ "$code" = "200 application/octet-stream" ] && ok "GET /tile/0/000.p/$w: 200 application/octet-stream" || notok "tile: $code"

# What the router answers by itself.
code=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$BASE/nowhere")
[ "$code" = "404 text/plain; charset=utf-8" ] && ok "an unknown path: 404 with a Content-Type" || notok "404: $code"
curl -s -D "$T/h405" -o /dev/null "$BASE/tsa"
grep -qi "^Allow: POST" "$T/h405" && head -1 "$T/h405" | grep -q " 405" && ok "GET /tsa: 405 with Allow: POST" ||
    notok "405: $(tr -d '\r' <"$T/h405" | tr '\n' ' ')"
curl -s -D "$T/h405b" -o /dev/null -X POST --data x "$BASE/checkpoint"
grep -qi "^Allow: GET, HEAD" "$T/h405b" && ok "POST /checkpoint: 405 with Allow: GET, HEAD" || notok "405 log: $(tr -d '\r' <"$T/h405b" | tr '\n' ' ')"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary @"$T/q.tsq" "$BASE/tsa")
[ "$code" = 415 ] && ok "another media type: 415" || notok "415: $code"
head -c 70000 /dev/zero >"$T/big"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/ocsp-request' --data-binary @"$T/big" "$BASE/ocsp")
[ "$code" = 413 ] && ok "a body over 64 KiB: 413" || notok "413: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/crl/../eseal.db")
[ "$code" = 404 ] && ok "no way out of /crl/" || notok "traversal: $code"

kill -TERM "$SERVE" 2>/dev/null
wait "$SERVE"
[ $? -eq 0 ] && ok "serve stops cleanly on SIGTERM" || notok "serve exit status on SIGTERM"

# --only, and an alias: the same router restricted.
"$E" serve --listen 127.0.0.1:0 --only log >"$T/s2.out" 2>"$T/s2.err" &
S2=$!
for _ in $(seq 150); do grep -q "port" "$T/s2.out" 2>/dev/null && break; sleep 0.1; done
P2=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/s2.out")
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/timestamp-query' --data-binary @"$T/q.tsq" "http://127.0.0.1:$P2/tsa")
[ "$code" = 404 ] && ok "--only log: /tsa is not there (404)" || notok "--only log /tsa: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P2/checkpoint")
[ "$code" = 200 ] && ok "--only log: /checkpoint is" || notok "--only log checkpoint: $code"
kill -TERM "$S2" 2>/dev/null
wait "$S2"

"$E" tsa serve --alg sm2 --listen 127.0.0.1:0 >"$T/s3.out" 2>"$T/s3.err" &
S3=$!
for _ in $(seq 150); do grep -q "port" "$T/s3.out" 2>/dev/null && break; sleep 0.1; done
has "$T/s3.out" "eseal tsa: listening on 127.0.0.1:0 (port [0-9]*), POST /tsa, POST /tsa/sm2;" "tsa serve --alg sm2: /tsa and /tsa/sm2 only"
P3=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/s3.out")
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P3/checkpoint")
[ "$code" = 404 ] && ok "tsa serve: no log there (404)" || notok "tsa serve /checkpoint: $code"
kill -TERM "$S3" 2>/dev/null
wait "$S3"
[ $? -eq 0 ] && ok "tsa serve stops cleanly" || notok "tsa serve exit status"

tap_done serve_test
