#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pkcs11_test.sh ESEAL
#
# Keys in a PKCS#11 token (issue 23 §1), with SoftHSM2 as a real token set up here in a temporary
# folder (SOFTHSM2_CONF with its own tokendir): for P-256 and RSA, a key generated in the token,
# a certificate issued for it, a seal, a PDF stamped, `eseal verify` VALID and poppler's pdfsig
# valid; SM2 refused; a wrong PIN (non-zero, no output, says so, never prints the PIN); the
# token removed in the middle of a batch (a clear error, every file written whole, the audit log
# audits clean); and the scan: a key made in software, imported into the token as sensitive
# and not extractable, used, then its private scalar searched for in the instance home, every
# output and everything eseal printed (raw, hex, base64, inside DER): never found.
# Output is TAP; exit 77 when SoftHSM2 is not installed.
set -u
E=$1
. "$(dirname "$0")/../lib/tap.sh"
# SoftHSM2's module in MOD, or exit 77 (skipped)
. "$(dirname "$0")/../lib/softhsm.sh"
for tool in pdfsig certutil crlutil pkcs11-tool openssl; do
    command -v $tool >/dev/null || { echo "not ok 1 - $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done

export SOFTHSM2_CONF=$T/softhsm2.conf
mkdir "$T/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$T/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label eseal-test --pin 246810 --so-pin 13579135 >/dev/null ||
    { echo "not ok 1 - softhsm2-util --init-token"; exit 1; }
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=pkcs11-pass-1 ESEAL_TOKEN_PIN=246810
OUT=$T/outputs # every file eseal writes, for the scan
mkdir "$OUT"
LOG=$T/printed # everything eseal prints, for the scan
run() { "$E" "$@" 2>>"$LOG.err" | tee -a "$LOG.out"; return "${PIPESTATUS[0]}"; }

run init >/dev/null || { echo "not ok 1 - init"; exit 1; }
python3 "$(dirname "$0")/../resources/mkpdf.py" "$T/in.pdf" 1

. "$(dirname "$0")/../lib/nss.sh"
nss_trust "$E" "$T"

p11list() { pkcs11-tool --module "$MOD" --token-label eseal-test --login --pin 246810 -O 2>/dev/null; }

for alg in p256 rsa; do
    U=$(run key generate --token eseal-test --alg $alg --label "seal-$alg")
    case "$U" in pkcs11:token=eseal-test\;serial=*\;object=seal-$alg\;id=*) ok "$alg: key generate --token prints the key's URI" ;;
        *) notok "$alg: key generate --token: '$U' $(tail -2 "$LOG.err")" ;; esac
    p11list | grep -A4 "Private Key Object" | grep -A3 "label: *seal-$alg" | grep -q "sensitive, always sensitive, never extractable" &&
        ok "$alg: the private key is sensitive and never extractable (pkcs11-tool)" || notok "$alg: private key attributes: $(p11list)"
    C=$(run cert issue --org "Token $alg Ltd" --uscc 91110000MA01ABCDEX --key "$U" -o "$OUT/$alg-cert.pem")
    [ -n "$C" ] && ok "$alg: cert issue --key URI" || notok "$alg: cert issue --key URI: $(tail -2 "$LOG.err")"
    # The certificate is for the token's public key.
    pkcs11-tool --module "$MOD" --token-label eseal-test --read-object --type pubkey --label "seal-$alg" -o "$T/pub.der" 2>/dev/null
    openssl pkey -pubin -inform DER -in "$T/pub.der" -outform PEM 2>/dev/null >"$T/pub-token.pem"
    openssl x509 -in "$OUT/$alg-cert.pem" -pubkey -noout >"$T/pub-cert.pem"
    cmp -s "$T/pub-token.pem" "$T/pub-cert.pem" && ok "$alg: the certificate holds the token key's public key" ||
        notok "$alg: certificate and token public keys differ"
    ls "$ESEAL_HOME/keys" | grep -q "^${C:0:16}" && notok "$alg: a key file was written for the token key" ||
        ok "$alg: no key file is written for a token key"
    S=$(run seal make --cert "$C" --maker p256 --name "Token $alg seal" --text "示例贸易有限公司")
    [ -n "$S" ] && ok "$alg: seal make with the token certificate" || notok "$alg: seal make: $(tail -2 "$LOG.err")"
    run stamp "$T/in.pdf" -o "$OUT/$alg.pdf" --seal "$S" >/dev/null && ok "$alg: stamp signed by the token" ||
        notok "$alg: stamp: $(tail -2 "$LOG.err")"
    run verify "$OUT/$alg.pdf" --json >"$T/v.json"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["verdict"]=="VALID", d["verdict"]' "$T/v.json" &&
        ok "$alg: eseal verify: VALID" || notok "$alg: eseal verify"
    pdfsig -nssdir "sql:$T/nss" -no-ocsp "$OUT/$alg.pdf" >"$T/out" 2>&1
    grep -q "Signature is Valid" "$T/out" && ok "$alg: pdfsig: signature valid" || notok "$alg: pdfsig: $(cat "$T/out")"
    grep -q "Certificate is Trusted" "$T/out" && ok "$alg: pdfsig: certificate trusted" ||
        notok "$alg: pdfsig: $(grep 'Certificate Validation' "$T/out")"
    eval "SEAL_$alg=$S"
done

expect 3 "a label already in the token is refused" -- "$E" key generate --token eseal-test --alg p256 --label seal-p256
has "$T/err" "already holds an object labelled 'seal-p256'" "  ... and says so"
expect 3 "sm2 in a token without the mechanism is refused" -- "$E" key generate --token eseal-test --alg sm2 --label s
has "$T/err" "cannot generate SM2 keys" "  ... and says why"
expect 3 "an unknown token is refused" -- "$E" key generate --token no-such-token --alg p256 --label x
has "$T/err" "no PKCS#11 token labelled 'no-such-token'" "  ... and names it"

# The PIN from a file (a global option); the environment's wrong one is then not used.
printf '246810\n' >"$T/pin" && chmod 600 "$T/pin"
ESEAL_TOKEN_PIN=000000 expect 0 "--pin-file gives the PIN" -- "$E" --pin-file "$T/pin" stamp "$T/in.pdf" -o "$OUT/pinfile.pdf" --seal "$SEAL_p256"

# No PIN at all and no terminal (setsid: no controlling terminal): refused, saying where a PIN comes from.
env -u ESEAL_TOKEN_PIN setsid -w "$E" stamp "$T/in.pdf" -o "$T/nopin.pdf" --seal "$SEAL_p256" >"$T/out" 2>"$T/err" </dev/null
rc=$?
[ $rc -eq 3 ] && [ ! -e "$T/nopin.pdf" ] && ok "no PIN and no terminal: stamp fails, no output" || notok "no PIN: exit $rc"
has "$T/err" "token 'eseal-test' needs its PIN (set ESEAL_TOKEN_PIN, use --pin-file, or run on a terminal)" "  ... and says where a PIN comes from"

# The PIN asked on a terminal (script(1) gives eseal a pseudo-terminal), not echoed back.
if command -v script >/dev/null; then
    (sleep 1; printf '246810\n') | env -u ESEAL_TOKEN_PIN timeout 60 script -qec \
        "'$E' stamp '$T/in.pdf' -o '$OUT/tty.pdf' --seal '$SEAL_p256'" /dev/null >"$T/tty" 2>&1
    [ -s "$OUT/tty.pdf" ] && grep -q "PIN of token eseal-test: " "$T/tty" && ok "the PIN asked on the terminal" ||
        notok "the PIN on the terminal: $(cat "$T/tty")"
    grep -q 246810 "$T/tty" && notok "  ... the PIN was echoed" || ok "  ... not echoed"
    cat "$T/tty" >>"$LOG.out"
else
    skip "script(1) is not installed: the terminal prompt"
    skip "script(1) is not installed: no echo"
fi

# A wrong PIN: non-zero, no output file, a message that says the PIN was wrong, not the PIN.
ESEAL_TOKEN_PIN=97531 expect 3 "a wrong PIN: stamp fails" -- "$E" stamp "$T/in.pdf" -o "$T/wrong.pdf" --seal "$SEAL_p256"
[ ! -e "$T/wrong.pdf" ] && ok "  ... and writes no output file" || notok "  ... an output file was written"
has "$T/err" "wrong PIN for token 'eseal-test'" "  ... and says the PIN was wrong"
grep -q 97531 "$T/err" "$T/out" && notok "  ... the PIN appears in the output" || ok "  ... the PIN is not printed"
# SoftHSM2 flags CKF_USER_PIN_COUNT_LOW after a failure but never locks (tested in unit_pkcs11 for a
# token that reports CKR_PIN_LOCKED): after five wrong PINs the right one still works.
for i in 1 2 3 4 5; do ESEAL_TOKEN_PIN=97531 "$E" stamp "$T/in.pdf" -o "$T/wrong.pdf" --seal "$SEAL_p256" >/dev/null 2>&1; done
expect 0 "SoftHSM2 does not lock: the right PIN after six wrong ones" -- "$E" stamp "$T/in.pdf" -o "$OUT/after.pdf" --seal "$SEAL_p256"

# The token removed in the middle of a batch (its folder moved away, as SoftHSM2 then answers).
mkdir "$T/batch" "$OUT/batch"
for i in $(seq 1 40); do cp "$T/in.pdf" "$T/batch/f$i.pdf"; done
ls "$T"/batch/*.pdf >"$T/list"
"$E" stamp --batch "$T/list" -O "$OUT/batch" --seal "$SEAL_p256" -j 1 >"$T/bout" 2>"$T/berr" &
pid=$!
for _ in $(seq 1 600); do [ "$(ls "$OUT/batch" | wc -l)" -ge 2 ] && break; sleep 0.05; done
mv "$T/tokens" "$T/tokens.away"
wait $pid
rc=$?
cat "$T/bout" >>"$LOG.out"; cat "$T/berr" >>"$LOG.err"
[ $rc -ne 0 ] && ok "token removed mid-batch: the batch fails" || notok "token removed mid-batch: exit $rc"
has "$T/berr" "PKCS#11 token 'eseal-test' (serial .*) is no longer present" "  ... with a clear error"
n_out=$(ls "$OUT/batch" | wc -l)
[ "$n_out" -ge 1 ] && [ "$n_out" -lt 40 ] && ok "  ... some files were stamped before ($n_out of 40)" || notok "  ... $n_out of 40 stamped"
allvalid=1
for f in "$OUT"/batch/*.pdf; do
    "$E" verify "$f" >/dev/null 2>&1 || { allvalid=0; echo "# $f does not verify"; }
done
[ $allvalid = 1 ] && ok "  ... every file written is whole and VALID (nothing half-written)" || notok "  ... a half-written file"
ls -a "$OUT/batch" | grep -qv '^\.\{1,2\}$\|\.pdf$' && notok "  ... temporary files left: $(ls -a "$OUT/batch")" || ok "  ... no temporary file left"
mv "$T/tokens.away" "$T/tokens"
expect 0 "  ... the audit log audits clean" -- "$E" log audit
expect 0 "  ... the token back, stamping works again" -- "$E" stamp "$T/in.pdf" -o "$OUT/back.pdf" --seal "$SEAL_p256"

# The scan: a key made in software, imported into the token as sensitive and not extractable.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/soft.pem" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$T/soft.pem" -out "$T/soft.p8"
softhsm2-util --import "$T/soft.p8" --token eseal-test --label imported --id 5ca1 --pin 246810 >/dev/null &&
    ok "scan: a software key imported into the token" || notok "scan: softhsm2-util --import"
p11list | grep -A4 "Private Key Object" | grep -A3 "label: *imported" | grep -q "Access: *sensitive" &&
    ! p11list | grep -A4 "label: *imported" | grep -q "extractable, " && ok "scan: the imported key is sensitive, not extractable" ||
    notok "scan: imported key attributes"
C=$(run cert issue --org "Scan Ltd" --uscc 91110000MA01ABCDEX --key "pkcs11:token=eseal-test;object=imported" -o "$OUT/scan-cert.pem")
S=$(run seal make --cert "$C" --maker p256 --name "Scan seal" --text "扫描")
run stamp "$T/in.pdf" -o "$OUT/scan.pdf" --seal "$S" >/dev/null && run verify "$OUT/scan.pdf" >/dev/null &&
    ok "scan: the imported key stamps, VALID" || notok "scan: stamp with the imported key: $(tail -2 "$LOG.err")"
run seal show "$S" --json >/dev/null
run cert show "$C" --json >/dev/null
KS=$(dirname "$0")/../lib/keyscan.py
python3 "$KS" scan "$T/soft.pem" -- "$ESEAL_HOME" "$OUT" "$LOG.out" "$LOG.err" >"$T/scan" 2>&1 &&
    ok "scan: the token key's private values are in no file of the home, no output, nothing printed" ||
    notok "scan: the private key was found (or nothing was scanned): $(cat "$T/scan")"
grep '^#' "$T/scan"
# The scan can fail: it finds the key in the software key's own text form.
mkdir "$T/control" && openssl pkey -in "$T/soft.pem" -text -noout >"$T/control/key.txt" 2>/dev/null
python3 "$KS" scan "$T/soft.pem" -- "$T/control" >/dev/null &&
    notok "scan: the control (the key's own text) was not found" || ok "scan: the control is found (the scan can fail)"
# And for the suite's scan after every token test (token_key_scan).
. "$(dirname "$0")/../lib/keyscan.sh"
keyscan_deposit pkcs11_softhsm "$T/soft.pem" -- "$ESEAL_HOME" "$OUT" "$LOG.out" "$LOG.err"

tap_done pkcs11_softhsm
