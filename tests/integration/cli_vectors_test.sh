#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The CLI on third-party files of shared/testdata/ofd-samples (SOURCES.md says where each comes
# from): ofdrw's legacy USER.p12 imported, ofdrw's V1/V4 seals and the Hebei Gede seal verified
# and shown. Without the samples (a clone of the project alone) it is skipped (exit 77).
# Usage: cli_vectors_test.sh /path/to/eseal TESTDATA_DIR. TAP.
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/vectors.sh
. "$(dirname "$0")/../lib/vectors.sh"
vectors_only ofd-samples "${2-$VECTORS_DEFAULT_ROOT}"
D=$(vectors_dir ofd-samples "${2-$VECTORS_DEFAULT_ROOT}")
export ESEAL_PASSPHRASE=integration-pass-1
export ESEAL_HOME=$T/home
unset ESEAL_PASS_FILE || true
json_verdict() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"])' "$1"; }

expect 0 "init" -- "$E" init
echo "a document" >"$T/doc.bin"
printf '777777\n' >"$T/p12pass"
expect 0 "import ofdrw's legacy PKCS#12 (RC2-40)" -- "$E" cert import "$D/keys/USER.p12" --key-pass-file "$T/p12pass"
expect 3 "an expired imported certificate cannot sign" -- "$E" sign "$T/doc.bin" --cert "$(cat "$T/out")"
has "$T/err" "expired" "expired signer is named"

SEALS=$D/seals
expect 1 "the ofdrw V4 seal: expired maker, not trusted here" -- "$E" seal verify "$SEALS/UserV4.esl" --at 2021-01-01T00:00:00Z --json
python3 -c 'import json,sys; c=[c for c in json.load(open(sys.argv[1]))["checks"] if c["id"] == "seal_signature"][0]; assert "signature over the seal verifies" in c["detail"], c' "$T/out" &&
    ok "its maker signature verifies" || notok "its maker signature verifies"
expect 1 "the Hebei Gede seal does not verify" -- "$E" seal verify "$SEALS/SESealData-HebeiGede-v4.DER" --json
[ "$(json_verdict "$T/out")" = INVALID ] && ok "Hebei Gede: INVALID" || notok "Hebei Gede: INVALID"
expect 0 "seal show reads a V1 seal" -- "$E" seal show "$SEALS/UserV1.esl"
has "$T/out" "GM/T 0031-2014" "the V1 format is named"

tap_done cli_vectors_test
