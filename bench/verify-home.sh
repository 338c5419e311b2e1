#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sourced by bench/verify-ab.sh and bench/verify-big-ab.sh: the instance and the files both verify.
# bench_verify_home NAME: with B, E (two eseal binaries) and N set, makes $T (removed on exit), an
# instance in $H initialised by $E with a P-256 certificate $C and seal $S, the certificate in
# $T/cert.pem, an NSS database $T/nss trusting the P-256 chain (for pdfsig), the 1 MB / 63-page
# file $T/in.pdf and it stamped once, $T/e1.pdf.
bench_verify_home() {
    local name=$1 f
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    T=$(mktemp -d)
    trap 'rm -rf "$T"' EXIT
    export ESEAL_PASSPHRASE=bench-pass-1
    H=$T/home
    export ESEAL_HOME=$H
    echo "$name: load at start: $(cat /proc/loadavg); base $B; new $E; N=$N"
    "$E" init >/dev/null 2>&1 || { echo "$name: eseal init failed" >&2; exit 1; }
    C=$("$E" cert issue --org "Bench Ltd" --uscc 91110000MA01ABCDEX --alg p256)
    S=$("$E" seal make --cert "$C" --maker p256 --name "Bench seal" --text "示例贸易有限公司")
    "$E" cert show "$C" -o "$T/cert.pem" >/dev/null
    mkdir "$T/nss"
    certutil -N -d "sql:$T/nss" --empty-password
    "$E" ca export --alg p256 -o "$T/chain.pem" >/dev/null 2>&1
    csplit -s -z -f "$T/ca" "$T/chain.pem" '/-----BEGIN CERTIFICATE-----/' '{*}'
    for f in "$T"/ca0*; do certutil -A -d "sql:$T/nss" -n "$(basename "$f")" -t "CT,C,C" -i "$f"; done
    python3 "$root/tests/resources/mkpdf.py" "$T/in.pdf" 63 --pad 14300
    "$E" stamp "$T/in.pdf" -o "$T/e1.pdf" --seal "$S" --page 1 --at 20,20 >/dev/null
}
