#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make run`: the main job that exists so far, as a short demo on a fresh instance.
# Initialises an instance, issues an SM2 organisation certificate, makes and files a
# GB/T 38540 seal with its imprint, suspends and resumes it, stamps a PDF with it (PAdES +
# GB/T 38540, QR code), verifies the stamped PDF, a tampered copy and a forged later revision
# (tests/attacks/), signs a plain file,
# verifies it, tampers with it and verifies again, then revokes the certificate. Step 7d starts an
# eseal agent and stamps with no passphrase through it (the agent makes the stamp). Step 8f has a
# second instance recognise this one through its signed trust list (issue 24).
set -euo pipefail
E=$1
HOME_DIR=$2
rm -rf "$HOME_DIR"
mkdir -p "$(dirname "$HOME_DIR")"
export ESEAL_HOME=$HOME_DIR
# Demo only: a real deployment reads the passphrase from a prompt or --pass-file.
export ESEAL_PASSPHRASE=${ESEAL_PASSPHRASE:-demo-passphrase-change-me}
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; }

step "1. Create an instance (SM2, P-256 and RSA CA hierarchies)" eseal init
"$E" init

step "2. Issue an SM2 organisation certificate" eseal cert issue --org "北京示例科技有限公司" --uscc 91110000MA01ABCDEX --alg sm2
ID=$("$E" cert issue --org "北京示例科技有限公司" --uscc 91110000MA01ABCDEX --alg sm2)
echo "$ID"
"$E" cert show "$ID"

step "3. Make a contract seal (GB/T 38540, signed by the platform's seal maker, filed)" \
    eseal seal make --cert "$ID" --type contract --name 北京示例科技有限公司合同专用章 -o seal.esl
SEAL=$("$E" seal make --cert "$ID" --type contract --name 北京示例科技有限公司合同专用章 -o "$HOME_DIR/seal.esl")
echo "$SEAL"
"$E" seal show "$SEAL" --imprint "$HOME_DIR/seal.png"
"$E" seal show "$SEAL" --imprint "$HOME_DIR/seal.svg" >/dev/null
echo "imprint: $HOME_DIR/seal.png and seal.svg (open them: this is what a stamp shows)"

step "4. Verify the seal: maker signature, chain, validity, registry status" eseal seal verify seal.esl
"$E" seal verify "$HOME_DIR/seal.esl"

step "5. Suspend it: the registry now says no" eseal seal suspend "$SEAL" --reason "audit"
"$E" seal suspend "$SEAL" --reason "audit"
"$E" seal verify "$HOME_DIR/seal.esl" | grep -E '^(verdict|registry|- )' || true
"$E" seal resume "$SEAL" --reason "audit finished"
"$E" seal history "$SEAL"

PDF=$HOME_DIR/contract.pdf
python3 "$(dirname "$0")/../tests/resources/mkpdf.py" "$PDF" 2
step "6. Stamp a PDF: seal imprint + PAdES signature + QR code, as an incremental update" \
    eseal stamp contract.pdf -o contract-stamped.pdf --seal "$SEAL" --qr --reason "Contract approval"
"$E" stamp "$PDF" -o "$HOME_DIR/contract-stamped.pdf" --seal "$SEAL" --qr --reason "Contract approval"
echo "stamped: $HOME_DIR/contract-stamped.pdf (open it: the imprint is on the last page)"

step "7. Verify the stamped PDF: signature, seal, binding, coverage, registry" eseal verify contract-stamped.pdf
"$E" verify "$HOME_DIR/contract-stamped.pdf"

step "8. Change one signed byte of the PDF and verify again" eseal verify contract-tampered.pdf
sed 's/page 1, line 3)/page 1, line 8)/' "$HOME_DIR/contract-stamped.pdf" >"$HOME_DIR/contract-tampered.pdf"
"$E" verify "$HOME_DIR/contract-tampered.pdf" | grep -E '^(verdict|- |  -)' || true

step "8'. Append a revision with a FreeText annotation posing as a signature field, drawing \"PAY 1,000,000 TO MALLORY\" over page 1, and verify again" \
    eseal verify contract-forged.pdf
python3 "$(dirname "$0")/../tests/attacks/build.py" disguised-sig freetext "$HOME_DIR/contract-stamped.pdf" \
    "$HOME_DIR/contract-forged.pdf"
"$E" verify "$HOME_DIR/contract-forged.pdf" | grep -E '^(verdict|- |  -)' || true

OFD=$HOME_DIR/invoice.ofd
python3 "$(dirname "$0")/../tests/resources/mkofd.py" "$OFD" 2
step "8''. Unlock once: an agent holds the instance's key and makes the stamps; later commands need no passphrase" \
    eseal agent start --timeout 60 \; env -u ESEAL_PASSPHRASE eseal stamp contract.pdf -o contract-agent.pdf --seal "$SEAL" \; eseal agent stop
"$E" agent start --timeout 60
env -u ESEAL_PASSPHRASE "$E" stamp "$PDF" -o "$HOME_DIR/contract-agent.pdf" --seal "$SEAL"
{ grep 'stamped ' "$HOME_DIR/agent.log" || true; } | tail -n 1 | sed 's/^/agent.log: /'
"$E" agent stop

step "8a. Stamp an OFD (GB/T 38540 seal stamp), then stamp it again" \
    eseal stamp invoice.ofd -o invoice-stamped.ofd --seal "$SEAL" --page 1 --at 150,240
"$E" stamp "$OFD" -o "$HOME_DIR/invoice-stamped.ofd" --seal "$SEAL" --page 1 --at 150,240
"$E" stamp "$HOME_DIR/invoice-stamped.ofd" -o "$HOME_DIR/invoice-stamped2.ofd" --seal "$SEAL" --page 2
step "8b. Verify the OFD: both stamps, every referenced file, dataHash, seal, binding" eseal verify invoice-stamped2.ofd
"$E" verify "$HOME_DIR/invoice-stamped2.ofd"

step "8c. A trusted time: the instance's TSA answers an RFC 3161 request; openssl checks the reply" \
    eseal tsa respond contract.tsq -o contract.tsr
openssl ts -query -data "$HOME_DIR/contract-stamped.pdf" -sha256 -cert -out "$HOME_DIR/contract.tsq" 2>/dev/null
"$E" tsa respond "$HOME_DIR/contract.tsq" -o "$HOME_DIR/contract.tsr"
"$E" ca export --tsa --alg p256 -o "$HOME_DIR/tsachain.pem" >/dev/null
openssl ts -verify -data "$HOME_DIR/contract-stamped.pdf" -in "$HOME_DIR/contract.tsr" -CAfile "$HOME_DIR/tsachain.pem" || true

step "8d. A long-term stamp: signature timestamp, validation data (/DSS), document timestamp (PAdES B-LTA)" \
    eseal stamp contract.pdf -o contract-lta.pdf --seal "$SEAL" --level B-LTA
"$E" stamp "$PDF" -o "$HOME_DIR/contract-lta.pdf" --seal "$SEAL" --level B-LTA
"$E" verify "$HOME_DIR/contract-lta.pdf" | grep -E '^(verdict|archive|signature)|signing_time.source|judged_at|  level|  type' || true

step "8d'. A recipient with no instance: only the root certificates, and the /DSS supplies the rest" \
    eseal verify contract-lta.pdf --no-instance --trust roots.pem
"$E" ca export --bundle -o "$HOME_DIR/eseal-trust.pem" 2>/dev/null
python3 - "$HOME_DIR/eseal-trust.pem" "$HOME_DIR/roots.pem" <<'PY'
import re, sys
# the self-signed certificates of the bundle: its first block, the roots
text = open(sys.argv[1]).read()
roots = [b for h, b in re.findall(r"# (root CA[^\n]*)\n(-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n)", text, re.S)]
open(sys.argv[2], "w").write("".join(roots))
PY
"$E" verify "$HOME_DIR/contract-lta.pdf" --no-instance --trust "$HOME_DIR/roots.pem" | grep -E '^(verdict|signature)|  level' || true
printf '(the platform publishes roots.pem, or the whole bundle of eseal ca export --bundle; see docs/verifying.md)\n'

step "8e. The audit log: the stamp's receipt checked offline, the log audited and exported as tiles" \
    eseal stamp contract.pdf -o contract-logged.pdf --seal "$SEAL" --receipt contract.receipt
"$E" stamp "$PDF" -o "$HOME_DIR/contract-logged.pdf" --seal "$SEAL" --receipt "$HOME_DIR/contract.receipt" \
    --client-ip 192.0.2.7 >/dev/null
"$E" log verify-receipt "$HOME_DIR/contract.receipt" --doc "$HOME_DIR/contract-logged.pdf" --key "$("$E" log key)"
"$E" log checkpoint
"$E" log audit
"$E" log export "$HOME_DIR/log-tiles"

step "8f. Another platform recognises this one: it imports the signed trust list under its key's fingerprint (given out of band) and verifies the long-term stamp with what the list and the document carry" \
    eseal trustlist publish -o trust-list.jws '&&' eseal --home other-platform trust add trust-list.jws --pin SHA256
FP=$("$E" trustlist publish -o "$HOME_DIR/trust-list.jws" 2>/dev/null | tail -n 1)
echo "the list key's SHA-256, the pin: $FP"
OTHER=$HOME_DIR/other-platform
"$E" --home "$OTHER" init --org "Harbin e-seal platform" --base-url http://127.0.0.1:1 >/dev/null 2>&1
"$E" --home "$OTHER" trust add "$HOME_DIR/trust-list.jws" --pin "$FP"
"$E" --home "$OTHER" verify "$HOME_DIR/contract-lta.pdf" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
for s in d["signatures"]:
    seal = s.get("seal") or {}
    if seal.get("recognised"):
        a = seal["registry"]["answer"] or {}
        print("verdict:", d["verdict"], "| seal of", seal["recognised"]["platform"], "(its trust list, sequence",
              str(seal["recognised"]["list_sequence"]) + ") | status", a.get("status"), "as its registry answered,",
              "from the", a.get("source"))' || true
printf '(the answer came stapled in the /DSS of the B-LTA stamp; docs/trust-lists.md)\n'

DOC=$HOME_DIR/contract.txt
printf 'Contract no. 2026-001\nThe parties agree to the terms below.\n' >"$DOC"
step "9. Sign a file (detached CMS, SM2/SM3)" eseal sign contract.txt --cert "$ID"
"$E" sign "$DOC" --cert "$ID" -o "$DOC.p7s"

step "10. Verify it" eseal verify contract.txt.p7s --data contract.txt
"$E" verify "$DOC.p7s" --data "$DOC"

step "11. Change one byte of the file and verify again" eseal verify contract.txt.p7s --data contract.txt
sed -i 's/2026-001/2026-007/' "$DOC"
"$E" verify "$DOC.p7s" --data "$DOC" | grep -E "^(verdict|signature|  -)" || true

step "12. Restore the file, revoke the certificate, verify again" eseal cert revoke "$ID" --reason keyCompromise
sed -i 's/2026-007/2026-001/' "$DOC"
"$E" cert revoke "$ID" --reason keyCompromise
"$E" verify "$DOC.p7s" --data "$DOC" | grep -E '^(verdict|signature|  -)' || true

step "13. The platform as a service: an organisation, its users, and eseal serve (JSON API)" \
    eseal org add --name 北京示例科技有限公司 --uscc 91110000MA01ABCDEX
ORG=$("$E" org add --name 北京示例科技有限公司 --uscc 91110000MA01ABCDEX | tail -n 1)
echo "$ORG"
# Demo only: random passwords, printed once here; a real deployment asks each user for theirs.
PWDIR=$HOME_DIR/demo-passwords
mkdir -p -m 700 "$PWDIR"
printf '\n%-8s %-16s %s\n' login role password
for u in admin:org-admin keeper:seal-keeper clerk:stamper; do
    login=${u%%:*}
    role=${u#*:}
    (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(15))' >"$PWDIR/$login")
    "$E" user add "$login" --org "$ORG" --role "$role" --password-file "$PWDIR/$login" >/dev/null 2>&1
    printf '%-8s %-16s %s\n' "$login" "$role" "$(cat "$PWDIR/$login")"
done
# A user stamps only under a grant (docs/grants.md): the organisation's stampers, contracts only.
printf '\n'
"$E" grant add --seal "$SEAL" --role stamper --type contract --note "the demo's stampers" >/dev/null
"$E" grant list

step "14. A physical seal with a chip (docs/devices.md): registered to the seal, unlocked for the clerk's approved request, two impressions reported" \
    eseal device add --seal "$SEAL" --device-key chip-pub.pem --chip-id CHIP-DEMO-0001
# Demo only: the chip's key is a file here; in a real device it never leaves the chip.
(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$HOME_DIR/chip.pem" 2>/dev/null)
openssl pkey -in "$HOME_DIR/chip.pem" -pubout -out "$HOME_DIR/chip-pub.pem"
"$E" device add --seal "$SEAL" --device-key "$HOME_DIR/chip-pub.pem" --chip-id CHIP-DEMO-0001 | tail -n 1
"$E" serve --listen 127.0.0.1:0 --only api >"$HOME_DIR/serve-dev.out" 2>"$HOME_DIR/serve-dev.err" &
DSERVE=$!
for _ in $(seq 100); do grep -q 'port' "$HOME_DIR/serve-dev.out" 2>/dev/null && break; sleep 0.1; done
DPORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$HOME_DIR/serve-dev.out")
# The clerk submits a stamp request for two copies of the contract (approved at once: the grant asks no
# approval). A request allows as many impressions as it has documents: two copies, two impressions.
RID=$(python3 - "$DPORT" "$(cat "$PWDIR/clerk")" "$SEAL" "$PDF" <<'PY'
import http.client, json, sys, uuid
port, pw, seal, pdf = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
c.request("POST", "/api/v1/login", json.dumps({"login": "clerk", "password": pw}), {"Content-Type": "application/json"})
r = c.getresponse()
body = json.loads(r.read())
h = {"Cookie": r.getheader("Set-Cookie").split(";")[0], "X-CSRF-Token": body["csrf"]}
b = "demo" + uuid.uuid4().hex
form = b"".join(f"--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
                for k, v in (("seal", seal), ("type", "contract"), ("purpose", "signed on paper too")))
part = (f"--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"contract.pdf\"\r\n"
        "Content-Type: application/pdf\r\n\r\n").encode() + open(pdf, "rb").read() + b"\r\n"
form += part * 2 + f"--{b}--\r\n".encode()
c.request("POST", "/api/v1/requests", form, dict(h, **{"Content-Type": f"multipart/form-data; boundary={b}"}))
r = c.getresponse()
req = json.loads(r.read())
print("POST /api/v1/requests as clerk:", r.status, req.get("status"), file=sys.stderr)
print(req.get("id", ""))
PY
)
"$E" device simulate --device-key "$HOME_DIR/chip.pem" --server "http://127.0.0.1:$DPORT" --request "$RID" \
    --impressions 2 || echo "(the device simulation was refused: see above)"
kill -TERM "$DSERVE"
wait "$DSERVE"
"$E" log audit | tail -n 1

PORT=${ESEAL_DEMO_PORT:-8080}
printf '\nThe instance is in %s; try: eseal --home %s seal list\n' "$HOME_DIR" "$HOME_DIR"
if [ -t 0 ] && [ -t 1 ]; then
    printf 'Starting eseal serve on 127.0.0.1:%s (the API is under /api/v1: docs/http-api.md). Log in with:\n' "$PORT"
    printf "  curl -si -H 'Content-Type: application/json' -d '{\"login\":\"admin\",\"password\":\"%s\"}' http://127.0.0.1:%s/api/v1/login\n" \
        "$(cat "$PWDIR/admin")" "$PORT"
    printf 'The web pages (docs/web.md): http://127.0.0.1:%s/ verifies a document you drop on it (try %s),\n' \
        "$PORT" "$HOME_DIR/contract-stamped.pdf"
    printf 'and http://127.0.0.1:%s/console/ is the console (log in as keeper or admin with the passwords above);\n' "$PORT"
    printf 'as clerk, http://127.0.0.1:%s/console/stamp stamps a PDF: document type contract, place the imprint, submit.\n' "$PORT"
    printf 'Stop it with Ctrl-C.\n'
    exec "$E" serve --listen "127.0.0.1:$PORT"
fi
# Not at a terminal (CI, a script): start it, log in once through it, and stop it.
"$E" serve --listen 127.0.0.1:0 >"$HOME_DIR/serve.out" 2>"$HOME_DIR/serve.err" &
SERVE=$!
for _ in $(seq 100); do grep -q 'port' "$HOME_DIR/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$HOME_DIR/serve.out")
python3 - "$PORT" "$(cat "$PWDIR/admin")" <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=20)
c.request("POST", "/api/v1/login", json.dumps({"login": "admin", "password": sys.argv[2]}), {"Content-Type": "application/json"})
r = c.getresponse()
body = json.loads(r.read())
cookie = r.getheader("Set-Cookie").split(";")[0]
print("POST /api/v1/login as admin:", r.status, "roles", body["roles"])
c.request("GET", "/api/v1/users", headers={"Cookie": cookie})
r = c.getresponse()
print("GET /api/v1/users:", r.status, [u["login"] for u in json.loads(r.read())])
c.request("GET", "/")
r = c.getresponse()
page = r.read().decode()
title = page[page.find("<title>") + 7:page.find("</title>")] if "<title>" in page else "?"
print("GET / (the verify page):", r.status, r.getheader("Content-Type"), "title:", title)
PY
kill -TERM "$SERVE"
wait "$SERVE"
printf '(not at a terminal, so eseal serve was started and stopped; at a terminal, make run leaves it running on 127.0.0.1:%s)\n' \
    "${ESEAL_DEMO_PORT:-8080}"
