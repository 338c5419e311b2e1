#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pdf_crosspage_interop.sh ESEAL
#
# Cross-page (riding-seam) stamps as independent readers see them: one signature field whose
# widgets sit on every page. poppler before 26.01 (Debian 12's 22.12, behind Okular, Evince and
# pdfsig) takes every kid that has a /Parent for a child field and reads /V without inheritance:
# before the widgets carried /V themselves, pdfsig listed one "not signed" field per page. Here
# pdfsig must list only valid signatures, all of the one field; PDFBox must see one signature
# covering the file, whose CMS OpenSSL verifies; eseal verify must say VALID; a changed byte must
# make both pdfsig and eseal refuse. Output is TAP.
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=interop-pass-1
for tool in qpdf pdfsig certutil crlutil; do
    command -v $tool >/dev/null || { echo "not ok 1 - $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
"$E" init >/dev/null 2>&1 || { echo "not ok 1 - init"; exit 1; }

mkdir "$T/nss"
certutil -N -d "sql:$T/nss" --empty-password >/dev/null
"$E" ca export --alg p256 -o "$T/chain.pem" >/dev/null 2>&1
csplit -s -z -f "$T/ca" "$T/chain.pem" '/-----BEGIN CERTIFICATE-----/' '{*}'
for f in "$T"/ca0*; do certutil -A -d "sql:$T/nss" -n "$(basename "$f")" -t "CT,C,C" -i "$f"; done
for c in "$ESEAL_HOME"/crl/*.crl; do crlutil -I -d "sql:$T/nss" -i "$c" -t 1 -B >/dev/null 2>&1; done

C=$("$E" cert issue --org "Cross Page Ltd" --uscc 91110000MA01ABCDEX --alg p256)
S=$("$E" seal make --cert "$C" --maker p256 --name "Cross page seal" --text "示例贸易有限公司")

# pdfsig FILE MIN_ENTRIES NAMES: every entry valid, none unsigned, NAMES field names, the first
# certificate trusted (pdfsig 22.12 with NSS reports every later check of the same certificate in
# one run as "Unknown issue with Certificate": two ordinary stamps show the same).
pdfsig_all_valid() {
    pdfsig -nssdir "sql:$T/nss" -no-ocsp "$1" >"$T/out" 2>&1
    local entries valid trusted unsigned names
    entries=$(grep -c '^Signature #' "$T/out")
    valid=$(grep -c 'Signature Validation: Signature is Valid' "$T/out")
    trusted=$(grep -c 'Certificate is Trusted' "$T/out")
    unsigned=$(grep -c 'not signed' "$T/out")
    names=$(grep 'Signature Field Name' "$T/out" | sort -u | wc -l)
    [ "$entries" -ge "$2" ] && [ "$valid" -eq "$entries" ] && [ "$trusted" -ge 1 ] &&
        [ "$unsigned" -eq 0 ] && [ "$names" -eq "$3" ]
}

for pages in 3 16; do
    python3 "$(dirname "$0")/../resources/mkpdf.py" "$T/in$pages.pdf" $pages
    "$E" stamp "$T/in$pages.pdf" -o "$T/x$pages.pdf" --seal "$S" --cross-page all >/dev/null &&
        ok "$pages pages: cross-page stamp" || notok "$pages pages: cross-page stamp"
    qpdf --check "$T/x$pages.pdf" >/dev/null 2>&1 && ok "$pages pages: qpdf --check passes" ||
        notok "$pages pages: qpdf --check"
    pdfsig_all_valid "$T/x$pages.pdf" 1 1 &&
        ok "$pages pages: pdfsig: $(grep -c '^Signature #' "$T/out") entries of the one field, all valid, none unsigned" ||
        notok "$pages pages: pdfsig: $(grep -E 'Signature #|Field Name|Validation|not signed' "$T/out" | head -12)"
    grep -q "Total document signed" "$T/out" && ok "$pages pages: pdfsig: total document signed" ||
        notok "$pages pages: pdfsig: total document signed"
    "$E" verify "$T/x$pages.pdf" --json >"$T/v.json"
    python3 - "$T/v.json" <<'PY' && ok "$pages pages: eseal verify: one signature, VALID" || notok "$pages pages: eseal verify"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "VALID", d["verdict"]
assert len(d["signatures"]) == 1, len(d["signatures"])
c = d["signatures"][0]["coverage"]
assert c["whole_document"] is True and len(c["byte_ranges"]) == 2 and c["changes"] == [], c
PY
done

# PDFBox (an independent parser): exactly one signature, covering the file; OpenSSL checks its CMS.
PB=/usr/share/java
if command -v javac >/dev/null && [ -f $PB/pdfbox2.jar ]; then
    mkdir -p "$T/pdfbox"
    CP="$PB/pdfbox2.jar:$PB/fontbox2.jar:$PB/commons-logging.jar:$T/pdfbox"
    javac -nowarn -encoding UTF-8 -cp "$PB/pdfbox2.jar" -d "$T/pdfbox" "$(dirname "$0")/PdfBoxExtract.java"
    java -cp "$CP" PdfBoxExtract "$T/x16.pdf" 1 "$T/x.p7s" "$T/x.data" >"$T/pb" 2>&1 &&
        grep -q "covers_all=true" "$T/pb" && ok "PDFBox reads the cross-page signature: $(head -1 "$T/pb")" ||
        notok "PDFBox: $(cat "$T/pb")"
    java -cp "$CP" PdfBoxExtract "$T/x16.pdf" 2 "$T/y.p7s" "$T/y.data" >"$T/pb" 2>&1
    grep -q "the file has 1 signatures" "$T/pb" && ok "PDFBox sees one signature, not one per page" ||
        notok "PDFBox signature count: $(cat "$T/pb")"
    openssl cms -verify -binary -inform DER -in "$T/x.p7s" -content "$T/x.data" -CAfile "$T/chain.pem" \
        -purpose any -out /dev/null >/dev/null 2>&1 && ok "OpenSSL verifies the CMS PDFBox cut out" ||
        notok "OpenSSL cms -verify of the cross-page signature"
else
    echo "# javac or PDFBox missing: the PDFBox cross-check is skipped"
fi

# A normal stamp after the cross-page one: every entry pdfsig lists stays valid.
"$E" stamp "$T/x3.pdf" -o "$T/x3b.pdf" --seal "$S" --page 2 --at 20,20 >/dev/null &&
    ok "a normal stamp after the cross-page stamp" || notok "a normal stamp after the cross-page stamp"
pdfsig_all_valid "$T/x3b.pdf" 2 2 && ok "pdfsig: both fields valid after the second stamp" ||
    notok "pdfsig after the second stamp: $(grep -E 'Signature #|Field Name|Validation|not signed' "$T/out" | head -12)"
"$E" verify "$T/x3b.pdf" --json >/dev/null && ok "eseal verify: both VALID" || notok "eseal verify after the second stamp"

# One changed byte inside the signed range (the page content of the original): everyone refuses.
cp "$T/x3.pdf" "$T/bad.pdf"
off=$(grep -abo 'BT' "$T/bad.pdf" | head -1 | cut -d: -f1)
printf 'X' | dd of="$T/bad.pdf" bs=1 seek=$((off + 3)) conv=notrunc 2>/dev/null
pdfsig -nssdir "sql:$T/nss" -no-ocsp "$T/bad.pdf" >"$T/out" 2>&1
! grep -q "Signature is Valid" "$T/out" && grep -q "Signature Validation" "$T/out" &&
    ok "pdfsig: a changed byte makes every entry invalid" || notok "pdfsig on a changed byte: $(grep Validation "$T/out")"
"$E" verify "$T/bad.pdf" --json >/dev/null 2>&1
rc=$?
[ $rc -eq 1 ] && ok "eseal verify: a changed byte is INVALID (exit 1)" || notok "eseal verify on a changed byte: exit $rc"

tap_done pdf_crosspage_interop
