#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# seal_hardware_test.sh ESEAL
#
# Seals bound to hardware (issue 23 §3; docs/seals.md), with SoftHSM2 as real tokens in a temporary
# folder: a software key imported into token A as not extractable (so that a software copy of the
# certificate can exist at all), a certificate for it, a seal made with it:
#   - the seal carries the binding inside what its maker signs (`seal show --json` "hardware":
#     token A's serial, the key's URI), the registry answer (GET /api/v1/registry/{esid}) too;
#   - a stamp with token A works and its verification report names the token and its serial;
#   - the same certificate imported again with the key in software: refused at the import (it is
#     recorded already); a seal of a token certificate and a software one binds the token's only,
#     and stamping through the software one is refused, SEAL_HARDWARE_MISMATCH, no output file;
#   - token B, with the same label and the same key under the same name but its own serial, put in
#     A's place: refused, SEAL_HARDWARE_MISMATCH, no output file; A back: it stamps again;
#   - a seal of a software certificate carries no binding ("hardware": []);
#   - the public stamp record (GET /api/v1/stamps/{serial}) answers seal.hardware as the registry does:
#     token A's binding for the bound seal's stamp, [] for the software seal's.
# Output is TAP; exit 77 when SoftHSM2 is not installed.
set -u
E=$1
. "$(dirname "$0")/../lib/tap.sh"
# SoftHSM2's module in MOD, or exit 77 (skipped)
. "$(dirname "$0")/../lib/softhsm.sh"

# Two token folders; SOFTHSM2_CONF names the one "plugged in".
for t in a b; do
    mkdir "$T/tokens-$t"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$T/tokens-$t" >"$T/softhsm-$t.conf"
    SOFTHSM2_CONF="$T/softhsm-$t.conf" softhsm2-util --init-token --free --label seal-token --pin 246810 \
        --so-pin 13579135 >/dev/null || { echo "not ok 1 - softhsm2-util --init-token ($t)"; exit 1; }
done
serial_of() { SOFTHSM2_CONF="$T/softhsm-$1.conf" softhsm2-util --show-slots | sed -n 's/^ *Serial number: *\([0-9a-f]*\)$/\1/p' | head -1; }
SA=$(serial_of a)
SB=$(serial_of b)
[ -n "$SA" ] && [ -n "$SB" ] && [ "$SA" != "$SB" ] && ok "two tokens, one label, serials $SA and $SB" ||
    notok "token serials: '$SA' '$SB'"

# One key, made in software, imported into both as sensitive and not extractable.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/soft.pem" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$T/soft.pem" -out "$T/soft.p8"
for t in a b; do
    SOFTHSM2_CONF="$T/softhsm-$t.conf" softhsm2-util --import "$T/soft.p8" --token seal-token --label seal-key \
        --id 5ea1 --pin 246810 >/dev/null || notok "import into token $t"
done

export SOFTHSM2_CONF=$T/softhsm-a.conf
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=hw-pass-1 ESEAL_TOKEN_PIN=246810 ESEAL_PW_PARAMS=1,8192,1
"$E" init >/dev/null 2>&1 || { echo "not ok 2 - init"; exit 1; }
python3 "$(dirname "$0")/../resources/mkpdf.py" "$T/in.pdf" 1

URI="pkcs11:token=seal-token;object=seal-key"
C=$("$E" cert issue --org "Bound Trading Co" --uscc 91110000MA01ABCDEX --key "$URI" -o "$T/cert.pem" 2>"$T/err")
[ -n "$C" ] && ok "cert issue --key $URI" || notok "cert issue: $(cat "$T/err")"
S=$("$E" seal make --cert "$C" --maker p256 --name "Bound seal" --text "绑定贸易有限公司" 2>"$T/err")
[ -n "$S" ] && ok "seal make with the token's certificate" || notok "seal make: $(cat "$T/err")"

"$E" seal show "$S" --json >"$T/show.json" 2>"$T/err"
python3 - "$T/show.json" "$SA" "$T/cert.pem" <<'PY' && ok "seal show --json: hardware names token A's serial, the key's URI and the certificate" || notok "seal show --json: $(cat "$T/show.json" "$T/err")"
import hashlib, json, ssl, sys
d = json.load(open(sys.argv[1]))
hw = d["hardware"]
der = ssl.PEM_cert_to_DER_cert(open(sys.argv[3]).read())
assert len(hw) == 1, hw
assert hw[0]["kind"] == "pkcs11" and hw[0]["serial"] == sys.argv[2] and hw[0]["label"] == "seal-token", hw
assert hw[0]["key_id"].startswith("pkcs11:token=seal-token;") and "object=seal-key" in hw[0]["key_id"], hw
assert hw[0]["cert_sha256"] == hashlib.sha256(der).hexdigest(), hw
PY
"$E" seal show "$S" >"$T/show.txt" 2>&1
has "$T/show.txt" "hardware:    key held in pkcs11 token \"seal-token\", serial $SA" "seal show says where the key is held"

"$E" stamp "$T/in.pdf" -o "$T/a.pdf" --seal "$S" >"$T/stamp.out" 2>"$T/err" && ok "stamp with token A" ||
    notok "stamp with token A: $(cat "$T/err")"
STA=$(awk 'NR == 1 {print $1}' "$T/stamp.out")
"$E" verify "$T/a.pdf" --json >"$T/v.json" 2>/dev/null
python3 - "$T/v.json" "$SA" <<'PY' && ok "the verification report: VALID, seal.hardware names token A's serial" || notok "report: $(head -c 600 "$T/v.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "VALID", d["verdict"]
hw = d["signatures"][0]["seal"]["hardware"]
assert hw[0]["serial"] == sys.argv[2] and hw[0]["kind"] == "pkcs11", hw
assert hw[0]["detail"] == 'key held in hardware token "seal-token" (pkcs11), serial ' + sys.argv[2], hw
PY
"$E" verify "$T/a.pdf" >"$T/v.txt" 2>&1
has "$T/v.txt" "key held in hardware token \"seal-token\" (pkcs11), serial $SA" "the text report shows it"

# A copy of the certificate with its key in software.
CP=$("$E" cert import "$T/cert.pem" --key "$T/soft.pem" 2>"$T/err")
if [ -n "$CP" ]; then
    "$E" stamp "$T/in.pdf" -o "$T/copy.pdf" --seal "$S" --cert "$CP" >/dev/null 2>"$T/err"
    rc=$?
    [ $rc -ne 0 ] && [ ! -e "$T/copy.pdf" ] && grep -q "held in software" "$T/err" &&
        ok "a software copy of the certificate is refused, no output ($(head -1 "$T/err"))" ||
        notok "software copy: rc $rc, $(cat "$T/err")"
else
    grep -q -i "exists\|already" "$T/err" && ok "a software copy of the certificate cannot even be imported ($(head -1 "$T/err"))" ||
        notok "cert import of the copy: $(cat "$T/err")"
fi

# A seal of two certificates, one whose key is in token A and one in software: bound as a whole,
# it stamps only through the bound one.
C3=$("$E" cert issue --org "Bound Trading Co" --uscc 91110000MA01ABCDEX 2>"$T/err")
S3=$("$E" seal make --cert "$C" --cert "$C3" --maker p256 --name "Two-key seal" --text "绑定贸易有限公司" 2>"$T/err")
[ -n "$S3" ] && "$E" seal show "$S3" --json 2>/dev/null | python3 -c 'import json,sys; h=json.load(sys.stdin)["hardware"]; assert len(h) == 1, h' &&
    ok "a seal of a token certificate and a software one binds the token's only" || notok "two-certificate seal: $(cat "$T/err")"
"$E" stamp "$T/in.pdf" -o "$T/soft.pdf" --seal "$S3" --cert "$C3" >/dev/null 2>"$T/err"
rc=$?
[ $rc -ne 0 ] && [ ! -e "$T/soft.pdf" ] && grep -q "is bound to hardware and certificate .* is not one of its bound certificates" "$T/err" &&
    ok "its software certificate is refused (SEAL_HARDWARE_MISMATCH), no output" || notok "software certificate of a bound seal: rc $rc, $(cat "$T/err")"
"$E" stamp "$T/in.pdf" -o "$T/tok.pdf" --seal "$S3" --cert "$C" >/dev/null 2>"$T/err" && ok "its token certificate stamps" ||
    notok "token certificate of the two-key seal: $(cat "$T/err")"

# Token B in A's place: same label, same key, same object name, another serial.
SOFTHSM2_CONF=$T/softhsm-b.conf "$E" stamp "$T/in.pdf" -o "$T/b.pdf" --seal "$S" >/dev/null 2>"$T/err"
rc=$?
[ $rc -ne 0 ] && [ ! -e "$T/b.pdf" ] && grep -q "bound to pkcs11 device $SA" "$T/err" && grep -q "$SB" "$T/err" &&
    ok "token B is refused (SEAL_HARDWARE_MISMATCH), no output" || notok "token B: rc $rc, $(cat "$T/err")"
"$E" log audit >"$T/audit" 2>&1 && ok "the log audits clean" || notok "log audit: $(cat "$T/audit")"
"$E" stamp "$T/in.pdf" -o "$T/a2.pdf" --seal "$S" >/dev/null 2>"$T/err" && ok "token A back: it stamps again" ||
    notok "token A again: $(cat "$T/err")"

# A seal in software carries none.
C2=$("$E" cert issue --org "Soft Trading Co" --uscc 91350100M000100Y43 2>/dev/null)
S2=$("$E" seal make --cert "$C2" --maker p256 --name "Soft seal" --text "软件" 2>/dev/null)
"$E" seal show "$S2" --json 2>/dev/null | python3 -c 'import json,sys; assert json.load(sys.stdin)["hardware"] == []' &&
    ok "a seal of a software key: hardware []" || notok "software seal's hardware"
"$E" stamp "$T/in.pdf" -o "$T/soft2.pdf" --seal "$S2" >"$T/stamp.out" 2>"$T/err" || notok "stamp with the software seal: $(cat "$T/err")"
STS=$(awk 'NR == 1 {print $1}' "$T/stamp.out")

# The registry answer and the public stamp record (GET /api/v1/stamps/{serial}, what the page /v/{serial}
# shows), over HTTP.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$E" serve --listen "127.0.0.1:$PORT" --only api >"$T/serve.out" 2>&1 &
SP=$!
for _ in $(seq 1 600); do grep -q "listening on" "$T/serve.out" && break; sleep 0.1; done
python3 - "$PORT" "$S" "$SA" <<'PY' && ok "GET /api/v1/registry/{esid}: hardware with token A's serial" || notok "registry answer"
import json, sys, urllib.request
a = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/registry/{sys.argv[2]}", timeout=60))
assert a["hardware"][0]["serial"] == sys.argv[3], a
PY
python3 - "$PORT" "$STA" "$S" "$SA" <<'PY' && ok "GET /api/v1/stamps/$STA: seal.hardware is the registry's, token A's serial and label" || notok "stamp record of the bound seal"
import json, sys, urllib.request
port, serial, esid, sa = sys.argv[1:5]
base = f"http://127.0.0.1:{port}/api/v1"
rec = json.load(urllib.request.urlopen(f"{base}/stamps/{serial}", timeout=60))
reg = json.load(urllib.request.urlopen(f"{base}/registry/{esid}", timeout=60))
assert rec["serial"] == serial and rec["seal"]["esid"] == esid, rec
hw = rec["seal"]["hardware"]
assert hw == reg["hardware"], (hw, reg["hardware"])
assert len(hw) == 1 and hw[0]["kind"] == "pkcs11" and hw[0]["serial"] == sa and hw[0]["label"] == "seal-token", hw
assert hw[0]["key_id"].startswith("pkcs11:token=seal-token;") and hw[0]["chip_id"] == "", hw
PY
python3 - "$PORT" "$STS" <<'PY' && ok "GET /api/v1/stamps/$STS: a seal in software, seal.hardware []" || notok "stamp record of the software seal"
import json, sys, urllib.request
rec = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/stamps/{sys.argv[2]}", timeout=60))
assert rec["serial"] == sys.argv[2] and rec["seal"]["hardware"] == [], rec
PY
kill $SP 2>/dev/null
wait $SP 2>/dev/null
# For the suite's scan (token_key_scan): the key put into both tokens, and what eseal made and said.
. "$(dirname "$0")/../lib/keyscan.sh"
keyscan_deposit seal_hardware "$T/soft.pem" -- "$ESEAL_HOME" "$T"/*.pdf "$T"/*.json "$T/err"
tap_done seal_hardware
