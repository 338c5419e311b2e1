#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ocsp_interop.sh ESEAL
#
# The OCSP responder and CRL distribution point of `eseal ocsp serve`, checked
# with plain OpenSSL and curl: `openssl ocsp -url` gets "good" for a fresh
# certificate (the response verifies against the root: delegated responder),
# "revoked" with the time and reason after `eseal cert revoke`, "unknown" for a
# certificate of another CA's making; the nonce is echoed; GET requests work;
# the CRL at the certificate's distribution point verifies with
# `openssl crl -verify` and lists the revoked serial; `eseal ocsp respond`
# answers a request file; `eseal verify` names the revocation source. TAP.
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=interop-pass-1
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT

"$E" init --base-url "$BASE" >/dev/null 2>&1 || { echo "not ok 1 - init"; exit 1; }
"$E" ca export --alg p256 -o "$T/chain.pem" >/dev/null 2>&1
awk -v d="$T" '/BEGIN CERT/{n++} {print > (d "/ca" n ".pem")}' "$T/chain.pem"
[ -s "$T/ca1.pem" ] && [ -s "$T/ca2.pem" ] && ok "ca export: issuing CA and root" || notok "ca export"
ID=$("$E" cert issue --org "OCSP Interop Ltd" --uscc 91110000MA01ABCDEX --alg p256 -o "$T/cert.pem" 2>"$T/err" | tail -1)
[ -n "$ID" ] && ok "cert issue ($ID)" || notok "cert issue: $(cat "$T/err")"
openssl x509 -in "$T/cert.pem" -noout -ocsp_uri >"$T/aia" 2>&1
grep -qx "$BASE/ocsp" "$T/aia" && ok "the certificate names the OCSP responder (AIA)" || notok "AIA: $(cat "$T/aia")"
CRLURL=$(openssl x509 -in "$T/cert.pem" -noout -ext crlDistributionPoints 2>/dev/null | sed -n 's/.*URI://p')
case "$CRLURL" in "$BASE"/crl/*.crl) ok "and the CRL distribution point ($CRLURL)" ;; *) notok "CRL DP: $CRLURL" ;; esac

"$E" ocsp serve --listen "127.0.0.1:$PORT" >"$T/serve.out" 2>"$T/serve.err" &
SERVE=$!
for _ in $(seq 100); do grep -q "port" "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
grep -q "(port $PORT)" "$T/serve.out" && ok "ocsp serve listens" || notok "ocsp serve: $(cat "$T/serve.err")"

q() { # NAME CERT [openssl ocsp options that go before -cert, e.g. -sha256]
    local name=$1 cert=$2
    shift 2
    openssl ocsp -issuer "$T/ca1.pem" "$@" -cert "$cert" -url "$BASE/ocsp" -CAfile "$T/ca2.pem" -resp_text \
        >"$T/$name.txt" 2>&1
}
q good "$T/cert.pem"
grep -q "Response verify OK" "$T/good.txt" && ok "openssl ocsp: Response verify OK (delegated responder)" ||
    notok "verify: $(grep -i -m3 'error\|verify' "$T/good.txt")"
grep -q "cert.pem: good" "$T/good.txt" && ok "openssl ocsp: good" || notok "good: $(tail -5 "$T/good.txt")"
grep -A1 "Extended Key Usage" "$T/good.txt" | grep -q "OCSP Signing" && ok "the responder certificate has EKU OCSP Signing" ||
    notok "responder EKU"
grep -q "OCSP No Check" "$T/good.txt" && ok "and id-pkix-ocsp-nocheck" || notok "nocheck"
grep -q "OCSP Nonce" "$T/good.txt" && ok "the nonce is echoed" || notok "nonce"
grep -q "Next Update:" "$T/good.txt" && ok "nextUpdate is set" || notok "nextUpdate"
q sha256 "$T/cert.pem" -sha256
grep -q "cert.pem: good" "$T/sha256.txt" && grep -q "Response verify OK" "$T/sha256.txt" &&
    ok "a SHA-256 CertID is answered too" || notok "sha256 CertID: $(tail -3 "$T/sha256.txt")"

# GET (RFC 6960 A.1): the base64 request in the path.
openssl ocsp -issuer "$T/ca1.pem" -cert "$T/cert.pem" -no_nonce -reqout "$T/req.der" >/dev/null 2>&1
B64=$(base64 -w0 "$T/req.der" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')
code=$(curl -s -o "$T/get.der" -w '%{http_code} %{content_type}' "$BASE/ocsp/$B64")
[ "$code" = "200 application/ocsp-response" ] && ok "GET /ocsp/BASE64: 200 application/ocsp-response" || notok "GET: $code"
openssl ocsp -respin "$T/get.der" -issuer "$T/ca1.pem" -cert "$T/cert.pem" -CAfile "$T/ca2.pem" >"$T/get.txt" 2>&1
grep -q "cert.pem: good" "$T/get.txt" && ok "and it says good" || notok "GET answer: $(cat "$T/get.txt")"
# eseal ocsp respond answers the same request from a file.
"$E" ocsp respond "$T/req.der" -o "$T/file.der" >"$T/respond.out" 2>&1
openssl ocsp -respin "$T/file.der" -issuer "$T/ca1.pem" -cert "$T/cert.pem" -CAfile "$T/ca2.pem" >"$T/file.txt" 2>&1
grep -q "cert.pem: good" "$T/file.txt" && grep -q "first certificate good" "$T/respond.out" &&
    ok "eseal ocsp respond REQ.der -o RESP.der: good" || notok "respond: $(cat "$T/respond.out" "$T/file.txt")"

# HTTP errors.
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary @"$T/req.der" "$BASE/ocsp")
[ "$code" = 415 ] && ok "another content type is 415" || notok "content type: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/ocsp")
[ "$code" = 405 ] && ok "GET /ocsp without a request is 405" || notok "GET /ocsp: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/crl/../eseal.db")
[ "$code" = 404 ] && ok "no path outside the CRLs" || notok "traversal: $code"
head -c 70000 /dev/zero >"$T/big.der"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/ocsp-request' --data-binary @"$T/big.der" "$BASE/ocsp")
[ "$code" = 413 ] && ok "a body over 64 KiB is 413" || notok "big body: $code"
head -c 300 /dev/urandom >"$T/junk.der"
curl -s -o "$T/junk.resp" -H 'Content-Type: application/ocsp-request' --data-binary @"$T/junk.der" "$BASE/ocsp"
openssl ocsp -respin "$T/junk.resp" -resp_text -noverify 2>&1 | grep -q "malformedrequest" &&
    ok "garbage: malformedRequest" || notok "garbage: $(openssl ocsp -respin "$T/junk.resp" -resp_text -noverify 2>&1 | head -3)"

# A certificate this instance did not issue: another CA's (unauthorized).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=Stranger CA" -keyout "$T/sk.pem" \
    -out "$T/stranger.pem" -days 2 >/dev/null 2>&1
openssl ocsp -issuer "$T/stranger.pem" -cert "$T/stranger.pem" -url "$BASE/ocsp" -resp_text -noverify >"$T/st.txt" 2>&1
grep -q "unauthorized" "$T/st.txt" && ok "another CA's certificate: unauthorized" || notok "stranger: $(head -3 "$T/st.txt")"

# The CRL from the distribution point, verified by OpenSSL.
code=$(curl -s -o "$T/crl.der" -w '%{http_code} %{content_type}' "$CRLURL")
[ "$code" = "200 application/pkix-crl" ] && ok "GET the CRL: 200 application/pkix-crl" || notok "CRL GET: $code"
openssl crl -inform DER -in "$T/crl.der" -CAfile "$T/ca1.pem" -noout -verify >"$T/crlv" 2>&1 &&
    grep -q "verify OK" "$T/crlv" && ok "openssl crl -verify: OK" || notok "crl verify: $(cat "$T/crlv")"

# eseal verify names the revocation source.
printf 'a document\n' >"$T/doc.txt"
"$E" sign "$T/doc.txt" --cert "$ID" -o "$T/doc.p7s" >/dev/null 2>&1
"$E" verify "$T/doc.p7s" --data "$T/doc.txt" --json >"$T/v.json" 2>&1
# Check "revocation": passed, from a CRL of the trust set, which it names as a validation object.
python3 - "$T/v.json" <<'PY' && ok "eseal verify reports the revocation source" || notok "verify: $(grep -i -A6 '"revocation"' "$T/v.json")"
import json, sys
r = json.load(open(sys.argv[1]))
c = {c["id"]: c for c in r["signatures"][0]["checks"]}["revocation"]
objs = {o["id"]: o for o in r["validation_objects"]}
assert c["status"] == "passed" and c["source"] == "crl", c
assert "signer: CRL, trust set" in c["detail"], c
assert c["objects"] and all(objs[i]["type"] == "crl" and objs[i]["origin"] == "trust_set" for i in c["objects"]), c
PY

# Revoke (back-dated, keyCompromise): the responder says so at once, the new CRL lists it.
"$E" cert revoke "$ID" --reason keyCompromise --at 2020-01-02T03:04:05Z >/dev/null 2>&1
q revoked "$T/cert.pem"
grep -q "cert.pem: revoked" "$T/revoked.txt" && ok "openssl ocsp: revoked" || notok "revoked: $(tail -5 "$T/revoked.txt")"
grep -q "Reason: keyCompromise" "$T/revoked.txt" && ok "with the reason" || notok "reason"
grep -q "Revocation Time: Jan  2 03:04:05 2020 GMT" "$T/revoked.txt" && ok "and the revocation time" ||
    notok "time: $(grep 'Revocation Time' "$T/revoked.txt")"
grep -q "Response verify OK" "$T/revoked.txt" && ok "still a verified response" || notok "verify after revoke"
curl -s -o "$T/crl2.der" "$CRLURL"
SERIAL=$(openssl x509 -in "$T/cert.pem" -noout -serial | cut -d= -f2)
openssl crl -inform DER -in "$T/crl2.der" -CAfile "$T/ca1.pem" -noout -verify -text >"$T/crl2.txt" 2>&1
grep -q "verify OK" "$T/crl2.txt" && grep -q "Serial Number: $SERIAL" "$T/crl2.txt" &&
    ok "the published CRL lists the serial and verifies" || notok "CRL after revoke"

kill -TERM "$SERVE" 2>/dev/null
wait "$SERVE"
[ $? -eq 0 ] && ok "ocsp serve stops cleanly on SIGTERM" || notok "ocsp serve exit status on SIGTERM"

tap_done ocsp_interop
