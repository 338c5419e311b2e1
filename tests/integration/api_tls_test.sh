#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# api_tls_test.sh ESEAL: `eseal serve --tls-cert --tls-key` speaks HTTPS (libmicrohttpd's GnuTLS):
# a login over it answers with a Secure session cookie; plain HTTP to that port gets no answer; a
# key others may read, a certificate without its key, a file that is not PEM are refused. TAP.
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=tls-pass-1 ESEAL_PW_PARAMS=1,8192,1
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$E" init >/dev/null 2>&1 || { echo "not ok 1 - init"; exit 1; }
org=$("$E" org add --name "TLS Test Ltd" 2>/dev/null | tail -n 1)
(umask 077 && printf 'Correct-Horse-Battery-9071\n' >"$T/pw")
"$E" user add ada --org "$org" --role org-admin --password-file "$T/pw" >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
    -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
chmod 600 "$T/key.pem"

expect 2 "--tls-cert without --tls-key is a usage error" -- "$E" serve --listen 127.0.0.1:0 --tls-cert "$T/cert.pem"
has "$T/err" "--tls-cert and --tls-key go together" "it says so"
cp "$T/key.pem" "$T/open.pem" && chmod 644 "$T/open.pem"
expect 2 "a key others may read is refused" -- "$E" serve --listen 127.0.0.1:0 --only api --tls-cert "$T/cert.pem" --tls-key "$T/open.pem"
has "$T/err" "may be read by others" "the message names the mode"
printf 'not a certificate\n' >"$T/junk.pem"
expect 2 "a certificate that is not PEM is refused" -- "$E" serve --listen 127.0.0.1:0 --only api --tls-cert "$T/junk.pem" --tls-key "$T/key.pem"
has "$T/err" "is not PEM" "the message says so"

"$E" serve --listen "127.0.0.1:$PORT" --only api --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" >"$T/serve.out" 2>"$T/serve.err" &
SERVE=$!
for _ in $(seq 150); do grep -q "port" "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
has "$T/serve.out" "listening on 127.0.0.1:$PORT" "serve listens with TLS"
code=$(curl -s --cacert "$T/cert.pem" -D "$T/h" -o "$T/b" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"login":"ada","password":"Correct-Horse-Battery-9071"}' "https://127.0.0.1:$PORT/api/v1/login")
[ "$code" = 200 ] && ok "login over HTTPS: 200" || notok "login over HTTPS: $code"
has "$T/h" "^[Ss]et-[Cc]ookie: eseal_session=.*; HttpOnly; SameSite=Strict; .*; Secure" "the session cookie is Secure over HTTPS"
code=$(curl -s --cacert "$T/cert.pem" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/api/v1/me")
[ "$code" = 401 ] && ok "GET /me without credentials over HTTPS: 401" || notok "GET /me: $code"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v1/me")
[ "$code" = 000 ] && ok "plain HTTP to the TLS port gets no HTTP answer" || notok "plain HTTP answered $code"
kill -TERM $SERVE
wait $SERVE
rc=$?
[ $rc = 0 ] && ok "serve stops cleanly" || notok "serve stopped with $rc"

# Without TLS the cookie is not Secure.
"$E" serve --listen "127.0.0.1:$PORT" --only api >"$T/serve2.out" 2>"$T/serve2.err" &
SERVE=$!
for _ in $(seq 150); do grep -q "port" "$T/serve2.out" 2>/dev/null && break; sleep 0.1; done
curl -s -D "$T/h2" -o /dev/null -H 'Content-Type: application/json' \
    -d '{"login":"ada","password":"Correct-Horse-Battery-9071"}' "http://127.0.0.1:$PORT/api/v1/login"
has "$T/h2" "^[Ss]et-[Cc]ookie: eseal_session=" "plain HTTP: a session cookie"
if grep -qi "^set-cookie:.*Secure" "$T/h2"; then notok "plain HTTP: the cookie is not Secure"; else ok "plain HTTP: the cookie is not Secure"; fi
kill -TERM $SERVE
wait $SERVE
tap_done api_tls
