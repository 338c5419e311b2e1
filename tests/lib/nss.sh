# SPDX-License-Identifier: Apache-2.0
# Sourced by the tests that check eseal's PDFs with poppler's pdfsig (NSS):
#   nss_trust ESEAL DIR
# makes the NSS database DIR/nss trusting the instance's ($ESEAL_HOME) p256 and rsa CAs, with their
# current CRLs; the chains are left as DIR/ALG-chain.pem and one certificate a file, DIR/ALG-ca0N.
nss_trust() {
    local e=$1 dir=$2 alg f c
    mkdir -p "$dir/nss"
    certutil -N -d "sql:$dir/nss" --empty-password >/dev/null
    for alg in p256 rsa; do
        "$e" ca export --alg $alg -o "$dir/$alg-chain.pem" >/dev/null 2>&1
        csplit -s -z -f "$dir/$alg-ca" "$dir/$alg-chain.pem" '/-----BEGIN CERTIFICATE-----/' '{*}'
        for f in "$dir/$alg"-ca0*; do certutil -A -d "sql:$dir/nss" -n "$(basename "$f")" -t "CT,C,C" -i "$f"; done
    done
    for c in "$ESEAL_HOME"/crl/*.crl; do crlutil -I -d "sql:$dir/nss" -i "$c" -t 1 -B >/dev/null 2>&1; done
}
