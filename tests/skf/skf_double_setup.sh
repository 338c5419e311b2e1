#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# skf_double_setup.sh DIR NAME SERIAL PIN CONTAINER[:KEY.pem[:CERT]]...
#
# Makes the folder of the SKF test double (tests/skf/skf_double.c, libeseal_skf_double.so; a test
# double, not a security device): device NAME with serial SERIAL, label "eseal-double", maker
# "eseal tests (test double)", one application "ESEAL", the user PIN, 6 tries, and one container per
# argument. A container given alone gets a new SM2 key and a self-signed SM2 certificate (SM3, the
# GM/T 0009 ID); CONTAINER:KEY.pem takes that key without a certificate; CONTAINER:KEY.pem:CERT
# takes both (CERT in PEM or DER). Point ESEAL_SKF_DOUBLE_DIR at DIR to use it.
# Switches a test may then touch: DIR/removed (the device pulled out), DIR/faulty (bad signatures),
# DIR/retries (tries left).
set -eu
[ $# -ge 5 ] || { echo "usage: $0 DIR NAME SERIAL PIN CONTAINER[:KEY.pem[:CERT]]..." >&2; exit 2; }
dir=$1 name=$2 serial=$3 pin=$4
shift 4
mkdir -p "$dir/containers"
chmod 700 "$dir"
printf 'name=%s\nserial=%s\nlabel=eseal-double\nmaker=eseal tests (test double)\napp=ESEAL\n' "$name" "$serial" >"$dir/device"
printf '%s' "$pin" >"$dir/pin"
echo 6 >"$dir/max_retries"
echo 6 >"$dir/retries"
rm -f "$dir/removed" "$dir/faulty" "$dir/sign_count"
: >"$dir/containers/list"
for spec in "$@"; do
    IFS=: read -r con key cert <<<"$spec"
    c=$dir/containers/$con
    mkdir -p "$c"
    if [ -z "$key" ]; then
        openssl genpkey -algorithm SM2 -out "$c/key.pem" 2>/dev/null
        openssl req -new -x509 -key "$c/key.pem" -sm3 -sigopt distid:1234567812345678 \
            -subj "/CN=$con/O=eseal SKF test double" -days 30 -outform DER -out "$c/cert.der" 2>/dev/null
    else
        # Any PEM private key form the caller has, as an unencrypted PKCS#8 SM2 key.
        openssl pkey -in "$key" -out "$c/key.pem" 2>/dev/null
        if [ -n "$cert" ]; then
            if grep -q -- '-----BEGIN' "$cert"; then
                openssl x509 -in "$cert" -outform DER -out "$c/cert.der" 2>/dev/null
            else
                cp "$cert" "$c/cert.der"
            fi
        fi
    fi
    chmod 600 "$c/key.pem"
    printf '%s\n' "$con" >>"$dir/containers/list"
done
