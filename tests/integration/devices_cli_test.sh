#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Physical seal devices through the CLI (issue 23 §4; include/eseal/device.h, docs/devices.md):
#   - device add prints the device id alone on its last line; show --json and list read it back (seal,
#     organisation, chip, algorithm, the key as the DER of the PEM given, status);
#   - refusals with their exit status: a missing option (2), a chip id with a space (2), an RSA key (3),
#     the same chip twice (3), an unknown seal (3);
#   - an SM2 chip key; retire once (a second time: 3), list shows it retired;
#   - the audit log holds device.added and device.retired, of the organisation.
# Usage: devices_cli_test.sh /path/to/eseal
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_PASSPHRASE=devices-cli-pass
export ESEAL_HOME=$T/home
export ESEAL_PW_PARAMS=1,8192,1
unset ESEAL_PASS_FILE || true

eq() {
    if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', wanted '$2')"; fi
}
jq_py() { python3 -c 'import json,sys; j=json.load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$2" 2>&1; }

expect 0 "init" -- "$E" init
ORG=$("$E" org add --name "Alpha Trading Ltd" --uscc 91110000MA01ABCDEX 2>/dev/null | tail -n 1)
C=$("$E" cert issue --org "Alpha Trading Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>/dev/null)
SEAL=$("$E" seal make --cert "$C" --name "Alpha Contract Seal" 2>/dev/null)
openssl ecparam -name prime256v1 -genkey -noout -out "$T/chip.key" 2>/dev/null
openssl ec -in "$T/chip.key" -pubout -out "$T/chip.pub" 2>/dev/null
openssl ec -in "$T/chip.key" -pubout -outform DER -out "$T/chip.der" 2>/dev/null
openssl genpkey -algorithm SM2 -out "$T/sm2.key" 2>/dev/null
openssl pkey -in "$T/sm2.key" -pubout -out "$T/sm2.pub" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.key" 2>/dev/null
openssl pkey -in "$T/rsa.key" -pubout -out "$T/rsa.pub" 2>/dev/null

expect 0 "device add" -- "$E" device add --seal "$SEAL" --device-key "$T/chip.pub" --chip-id CHIP-0001
D=$(tail -n 1 "$T/out")
eq "$(printf '%s' "$D" | grep -c '^dev_[0-9a-f]\{16\}$')" 1 "the device id alone on the last line ($D)"
"$E" device show "$D" --json >"$T/show.json" 2>"$T/err"
eq "$(jq_py '(j["seal"], j["org"], j["chip_id"], j["alg"], j["status"], j["added_by"], j["retired"])' "$T/show.json")" \
    "('$SEAL', '$ORG', 'CHIP-0001', 'p256', 'active', 'operator:root', None)" "device show --json"
eq "$(jq_py 'j["public_key"]' "$T/show.json")" "$(od -An -v -tx1 "$T/chip.der" | tr -d ' \n')" \
    "the key kept is the DER of the PEM given"
"$E" device show "$D" >"$T/show.txt" 2>&1
grep -q "^chip: *CHIP-0001" "$T/show.txt" && ok "device show (text)" || notok "device show (text): $(cat "$T/show.txt")"

expect 2 "device add without --chip-id" -- "$E" device add --seal "$SEAL" --device-key "$T/chip.pub"
expect 2 "a chip id with a space" -- "$E" device add --seal "$SEAL" --device-key "$T/sm2.pub" --chip-id "CHIP 2"
expect 3 "an RSA key is no chip's" -- "$E" device add --seal "$SEAL" --device-key "$T/rsa.pub" --chip-id RSA-1
grep -q "P-256 or SM2" "$T/err" && ok "it says P-256 or SM2" || notok "it says P-256 or SM2: $(cat "$T/err")"
expect 3 "the same chip twice" -- "$E" device add --seal "$SEAL" --device-key "$T/sm2.pub" --chip-id CHIP-0001
expect 3 "the same key twice" -- "$E" device add --seal "$SEAL" --device-key "$T/chip.der" --chip-id CHIP-0009
expect 3 "an unknown seal" -- "$E" device add --seal ESNOSUCHSEAL --device-key "$T/sm2.pub" --chip-id CHIP-2
expect 0 "an SM2 chip" -- "$E" device add --seal "$SEAL" --device-key "$T/sm2.pub" --chip-id SM2-CHIP-2 --json
eq "$(jq_py 'j["alg"]' "$T/out")" "sm2" "its algorithm is sm2"
D2=$(jq_py 'j["id"]' "$T/out")

expect 0 "device retire" -- "$E" device retire "$D2" --reason "lost in transit"
expect 3 "retired once only" -- "$E" device retire "$D2"
"$E" device list --seal "$SEAL" --json >"$T/list.json" 2>"$T/err"
eq "$(jq_py '[(d["chip_id"], d["status"]) for d in j]' "$T/list.json")" \
    "[('CHIP-0001', 'active'), ('SM2-CHIP-2', 'retired')]" "device list --seal: both, oldest first, one retired"
"$E" device list >"$T/list.txt" 2>&1
eq "$(grep -c '^dev_' "$T/list.txt")" 2 "device list (text): two rows"

"$E" log audit >/dev/null 2>&1 && ok "log audit passes" || notok "log audit"
# every entry through `eseal log show`, in order: the devices' ones, with their organisation
types=""
i=0
while "$E" log show "$i" >"$T/entry" 2>/dev/null; do
    t=$(sed -n 's/^type //p' "$T/entry")
    case $t in
    device.*) types="$types $t:$(sed -n 's/^org //p' "$T/entry")" ;;
    esac
    i=$((i + 1))
done
types=${types# }
eq "$types" "device.added:$ORG device.added:$ORG device.retired:$ORG" \
    "the audit log: device.added twice, device.retired, each of the organisation"

tap_done devices_cli
