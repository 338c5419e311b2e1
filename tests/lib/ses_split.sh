# SPDX-License-Identifier: Apache-2.0
# Sourced by the interop tests: split_seal DER DIR cuts a GB/T 38540 SES_Seal or SES_Signature
# (both SEQUENCE { tbs, cert OCTET STRING, signatureAlgorithm, signature BIT STRING, ... }) into
# DIR/sealinfo.der (the signed SES_SealInfo or TBS_Sign, exact bytes), DIR/cert.der,
# DIR/sig.der and DIR/pub.pem with openssl asn1parse only.
split_seal() {
    local seal=$1 dir=$2
    openssl asn1parse -inform DER -in "$seal" >"$dir/parse" || return 1
    # first d=1 element: SES_SealInfo
    local line off hl len
    line=$(grep -m1 ':d=1 ' "$dir/parse")
    off=$(echo "$line" | sed -E 's/^ *([0-9]+):.*/\1/')
    hl=$(echo "$line" | sed -E 's/.*hl= *([0-9]+).*/\1/')
    len=$(echo "$line" | sed -E 's/.* l= *([0-9]+).*/\1/')
    dd if="$seal" of="$dir/sealinfo.der" bs=1 skip="$off" count=$((hl + len)) status=none || return 1
    off=$(grep ':d=1 .*OCTET STRING' "$dir/parse" | head -1 | sed -E 's/^ *([0-9]+):.*/\1/')
    openssl asn1parse -inform DER -in "$seal" -strparse "$off" -noout -out "$dir/cert.der" || return 1
    off=$(grep ':d=1 .*BIT STRING' "$dir/parse" | head -1 | sed -E 's/^ *([0-9]+):.*/\1/')
    openssl asn1parse -inform DER -in "$seal" -strparse "$off" -noout -out "$dir/sig.der" || return 1
    openssl x509 -inform DER -in "$dir/cert.der" -pubkey -noout >"$dir/pub.pem"
}

