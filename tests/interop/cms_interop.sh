#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# cms_interop.sh ESEAL [SCRATCH]
#
# Interoperability test of eseal's detached CMS signatures and certificates
# against independent implementations: OpenSSL (P-256, RSA) and BouncyCastle
# (SM2/SM3, through bc_cms_verify.sh).  Output is TAP; the exit status is 0
# only if every test passed.
#
#   ESEAL    the eseal binary to test
#   SCRATCH  a directory for the instance and files (default: a new mktemp -d
#            directory, removed at the end if every test passed)
#
# Needs openssl (3.0 or later) and, for the SM2 tests, Java and BouncyCastle
# (see bc_cms_verify.sh; without them the BouncyCastle tests are skipped,
# unless ESEAL_INTEROP_REQUIRE_BC=1, which makes them fail instead).
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 ESEAL [SCRATCH]" >&2
    exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
eseal=$1
case $eseal in /*) ;; *) eseal="$(pwd)/$eseal" ;; esac
if [ ! -x "$eseal" ]; then
    echo "$0: $eseal is not an executable" >&2
    exit 2
fi
if ! command -v openssl >/dev/null 2>&1; then
    echo "$0: openssl not found" >&2
    exit 2
fi

if [ $# -ge 2 ]; then
    work=$2
    mkdir -p "$work"
    made_work=0
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/eseal-interop.XXXXXX")
    made_work=1
fi
work=$(cd "$work" && pwd)
home="$work/home"
log="$work/log"
mkdir -p "$log"

export ESEAL_PASSPHRASE=interop-test-pass
unset ESEAL_HOME
# A valid unified social credit code (GB 32100-2015 check character 'X').
uscc=91110000MA01ABCDEX
# The SM2 distinguishing ID of GM/T 0009 (BouncyCastle's default too).
sm2_id=1234567812345678

n=0
failed=0

ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}

not_ok() {
    n=$((n + 1))
    failed=$((failed + 1))
    echo "not ok $n - $1"
}

skip() {
    n=$((n + 1))
    echo "ok $n - $1 # SKIP $2"
}

# Prints the command's captured output as TAP diagnostics.
diag() {
    sed 's/^/# /' "$1" >&2 || true
}

# expect_ok DESC CMD...: the command must succeed.
expect_ok() {
    local desc=$1 out
    shift
    out="$log/$((n + 1)).out"
    if "$@" >"$out" 2>&1; then
        ok "$desc"
    else
        not_ok "$desc (exit $?)"
        diag "$out"
    fi
}

# expect_fail DESC CMD...: the command must fail (exit 1, or any non-zero
# status if the tool has no distinct "not valid" status, e.g. openssl).
expect_fail() {
    local desc=$1 out rc
    shift
    out="$log/$((n + 1)).out"
    if "$@" >"$out" 2>&1; then
        not_ok "$desc (unexpectedly succeeded)"
        diag "$out"
    else
        rc=$?
        ok "$desc (exit $rc)"
    fi
}

# expect_status DESC STATUS CMD...: the command must exit with STATUS.
expect_status() {
    local desc=$1 want=$2 out rc
    shift 2
    out="$log/$((n + 1)).out"
    rc=0
    "$@" >"$out" 2>&1 || rc=$?
    if [ "$rc" -eq "$want" ]; then
        ok "$desc"
    else
        not_ok "$desc (exit $rc, expected $want)"
        diag "$out"
    fi
}

# Copies FILE to COPY with one byte (in the middle) changed.
tamper() {
    local size off byte
    cp "$1" "$2"
    size=$(wc -c <"$1")
    off=$((size / 2))
    byte=$(od -An -tu1 -j "$off" -N1 "$1" | tr -d ' ')
    # shellcheck disable=SC2059 # an octal escape, built on purpose
    printf "\\$(printf '%03o' $((byte ^ 0x55)))" | dd of="$2" bs=1 seek="$off" conv=notrunc 2>/dev/null
    if cmp -s "$1" "$2"; then
        echo "$0: tampering $2 failed" >&2
        exit 2
    fi
}

# Splits a PEM bundle into PREFIX1.pem, PREFIX2.pem, ... (in order); prints the count.
split_pem() {
    awk -v p="$2" '
        /-----BEGIN CERTIFICATE-----/ { i++; f = p i ".pem" }
        f != "" { print > f }
        /-----END CERTIFICATE-----/ { close(f); f = "" }
        END { print i + 0 }
    ' "$1"
}

# sm2_self_sig CERT.pem ID: OpenSSL verifies the SM2 certificate's signature
# under its own public key, with the distinguishing ID ID.
# shellcheck disable=SC2317 # called indirectly, through expect_ok/expect_fail
sm2_self_sig() {
    local t="$work/selfsig" toff thl tl soff shl sl
    rm -rf "$t" && mkdir -p "$t" || return 2
    openssl x509 -in "$1" -outform DER -out "$t/cert.der" || return 2
    openssl x509 -in "$1" -noout -pubkey >"$t/pub.pem" || return 2
    # The depth-1 items: tbsCertificate, signatureAlgorithm, signatureValue.
    openssl asn1parse -inform DER -in "$t/cert.der" |
        awk '/:d=1 / { gsub(/[:=]/, " "); print $1, $5, $7 }' >"$t/items" || return 2
    { read -r toff thl tl && read -r _ && read -r soff shl sl; } <"$t/items" || return 2
    dd if="$t/cert.der" of="$t/tbs.der" bs=1 skip="$toff" count=$((thl + tl)) 2>/dev/null || return 2
    # The BIT STRING's content without its unused-bits octet.
    dd if="$t/cert.der" of="$t/sig.der" bs=1 skip=$((soff + shl + 1)) count=$((sl - 1)) 2>/dev/null || return 2
    openssl pkeyutl -verify -pubin -inkey "$t/pub.pem" -rawin -digest sm3 -pkeyopt "distid:$2" \
        -in "$t/tbs.der" -sigfile "$t/sig.der"
}

bc_available=1
if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1 ||
    { [ -z "${BC_CLASSPATH:-}" ] && [ ! -f /usr/share/java/bcpkix.jar ]; }; then
    bc_available=0
fi

# shellcheck disable=SC2317 # called indirectly, through expect_ok/expect_status
bc_verify() {
    "$here/bc_cms_verify.sh" "$@"
}

# ---- the instance -----------------------------------------------------------

data="$work/data.bin"
head -c 100003 /dev/urandom >"$data"
tampered="$work/data-tampered.bin"
tamper "$data" "$tampered"

expect_ok "eseal init" "$eseal" init --home "$home"
if [ "$failed" -ne 0 ]; then
    echo "1..$n"
    echo "# eseal init failed; scratch directory kept: $work" >&2
    exit 1
fi

for alg in sm2 p256 rsa; do
    cert="$work/$alg-cert.pem"
    chain="$work/$alg-chain.pem"
    sig="$work/$alg.p7s"

    out="$log/$alg-issue.out"
    if "$eseal" --home "$home" cert issue --org "Interop $alg Org" --uscc "$uscc" --alg "$alg" \
        -o "$cert" >"$out" 2>"$log/$alg-issue.err" && id=$(tr -d '[:space:]' <"$out") && [ -n "$id" ] &&
        [ -s "$cert" ]; then
        ok "$alg: eseal cert issue (id $id)"
    else
        not_ok "$alg: eseal cert issue"
        diag "$out"
        diag "$log/$alg-issue.err"
        continue
    fi

    expect_ok "$alg: eseal ca export" "$eseal" --home "$home" ca export --alg "$alg" -o "$chain"
    count=$(split_pem "$chain" "$work/$alg-ca")
    # $alg-ca1.pem is the issuing CA, $alg-ca2.pem the root.
    if [ "$count" -eq 2 ]; then
        ok "$alg: CA chain has 2 certificates (issuing CA, root)"
    else
        not_ok "$alg: CA chain has 2 certificates (issuing CA, root): found $count"
    fi

    expect_ok "$alg: eseal sign --cert ID" "$eseal" --home "$home" sign "$data" --cert "$id" -o "$sig"
    if [ ! -s "$sig" ]; then
        not_ok "$alg: signature file written"
        continue
    fi

    # eseal's own verdict, for reference.
    expect_status "$alg: eseal verify: VALID" 0 "$eseal" --home "$home" verify "$sig" --data "$data"
    expect_status "$alg: eseal verify of tampered data: not valid" 1 \
        "$eseal" --home "$home" verify "$sig" --data "$tampered"
    # The report as data (--json), its values against what OpenSSL reads from the same files.
    "$eseal" --home "$home" verify "$sig" --data "$data" --json >"$log/$alg-v.json" 2>&1 || true
    "$eseal" --home "$home" verify "$sig" --data "$tampered" --json >"$log/$alg-vt.json" 2>&1 || true
    if python3 - "$log/$alg-v.json" "$log/$alg-vt.json" "$(openssl dgst -sha256 -r "$data" | cut -d' ' -f1)" \
        "$(openssl x509 -in "$cert" -noout -serial | cut -d= -f2)" \
        "$(openssl x509 -in "$cert" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d ':' | tr 'A-F' 'a-f')" \
        >"$log/$alg-json.out" 2>&1 <<'PY'; then
import json, sys
r, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
sha, serial, fp = sys.argv[3:6]
assert r["format"] == "cms" and r["verdict"] == "VALID", r["verdict"]
assert r["document"]["sha256"] == sha and r["document"]["parts"][0]["kind"] == "content", r["document"]
s = r["signatures"][0]
assert s["signature"]["id"] == "signerInfo 1" and s["signature"]["format"] == "CAdES detached", s["signature"]
assert s["signer"]["serial"] == serial and s["signer"]["fingerprint_sha256"] == fp, s["signer"]
assert s["time"]["source"] == "claimed" and s["seal"] is None and s["coverage"]["whole_document"] is True
checks = {c["id"]: c for c in s["checks"]}
for c in ("digest", "signature", "signing_certificate", "chain", "validity", "revocation"):
    assert checks[c]["status"] == "passed", checks[c]
objs = {o["id"]: o for o in r["validation_objects"]}
chain = checks["chain"]["objects"]
assert len(chain) == 3 and s["signer"]["certificate"] in chain, chain
assert all(objs[i]["type"] == "certificate" for i in chain), chain
assert checks["revocation"]["objects"] and all(objs[i]["type"] == "crl" for i in checks["revocation"]["objects"])
tc = {c["id"]: c for c in t["signatures"][0]["checks"]}
assert t["verdict"] == "INVALID" and tc["digest"]["status"] == "failed", tc["digest"]
PY
        ok "$alg: eseal verify --json: the document's SHA-256, the signer's serial and fingerprint as OpenSSL reads them; every check passed, naming the chain and the CRLs"
    else
        not_ok "$alg: eseal verify --json: typed report"
        diag "$log/$alg-json.out"
    fi

    case $alg in
    p256 | rsa)
        expect_ok "$alg: openssl cms -verify" \
            openssl cms -verify -binary -inform DER -in "$sig" -content "$data" \
            -CAfile "$chain" -purpose any -out /dev/null
        expect_fail "$alg: openssl cms -verify of tampered data fails" \
            openssl cms -verify -binary -inform DER -in "$sig" -content "$tampered" \
            -CAfile "$chain" -purpose any -out /dev/null
        expect_ok "$alg: openssl verify of the certificate against the chain" \
            openssl verify -CAfile "$chain" "$cert"
        ;;
    sm2)
        if [ "$bc_available" -eq 1 ]; then
            expect_ok "sm2: BouncyCastle verifies the CMS signature and the chain" \
                bc_verify "$sig" "$data" "$work/sm2-ca1.pem" "$work/sm2-ca2.pem"
            expect_status "sm2: BouncyCastle rejects the signature over tampered data" 1 \
                bc_verify "$sig" "$tampered" "$work/sm2-ca1.pem" "$work/sm2-ca2.pem"
        elif [ "${ESEAL_INTEROP_REQUIRE_BC:-0}" = 1 ]; then
            not_ok "sm2: BouncyCastle verifies the CMS signature and the chain (no Java/BouncyCastle)"
            not_ok "sm2: BouncyCastle rejects the signature over tampered data (no Java/BouncyCastle)"
        else
            skip "sm2: BouncyCastle verifies the CMS signature and the chain" "no Java/BouncyCastle"
            skip "sm2: BouncyCastle rejects the signature over tampered data" "no Java/BouncyCastle"
        fi
        # OpenSSL 3.0 applies -vfyopt distid only to the certificate being
        # verified, so check the chain one link at a time.
        expect_ok "sm2: openssl verify (distid $sm2_id): leaf under issuing CA" \
            openssl verify -partial_chain -vfyopt "distid:$sm2_id" -CAfile "$work/sm2-ca1.pem" "$cert"
        expect_ok "sm2: openssl verify (distid $sm2_id): issuing CA under root" \
            openssl verify -partial_chain -vfyopt "distid:$sm2_id" -CAfile "$work/sm2-ca2.pem" "$work/sm2-ca1.pem"
        # ... and the root's self-signature with pkeyutl: 'openssl verify
        # -check_ss_sig' checks the trust store's copy, which has no distid.
        expect_ok "sm2: openssl pkeyutl (distid $sm2_id): root self-signature" \
            sm2_self_sig "$work/sm2-ca2.pem" "$sm2_id"
        expect_fail "sm2: openssl verify with another distid fails (the ID is really used)" \
            openssl verify -partial_chain -vfyopt "distid:1234567812345679" -CAfile "$work/sm2-ca1.pem" "$cert"
        expect_fail "sm2: openssl pkeyutl with another distid fails on the root" \
            sm2_self_sig "$work/sm2-ca2.pem" 1234567812345679
        ;;
    esac
done

echo "1..$n"
if [ "$failed" -ne 0 ]; then
    echo "# $failed of $n tests failed; scratch directory kept: $work" >&2
    exit 1
fi
if [ "$made_work" -eq 1 ]; then
    rm -rf "$work"
fi
exit 0
