#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pdf_interop.sh ESEAL
#
# PDFs stamped by eseal, checked by independent tools: qpdf --check on every file
# written; poppler's pdfsig (NSS) for ECDSA P-256 and RSA stamps, with the
# instance's CA certificates and CRLs imported into an NSS database (pdfsig exits 0
# even on failure, so its text is parsed). A second stamp must leave the first
# signature valid. Output is TAP.
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=interop-pass-1
for tool in qpdf pdfsig certutil crlutil pdftoppm; do
    command -v $tool >/dev/null || { echo "not ok 1 - $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done

"$E" init >/dev/null 2>&1 || { echo "not ok 1 - init"; exit 1; }
# A two-page A4 input with text (classic xref table), written here.
python3 "$(dirname "$0")/../resources/mkpdf.py" "$T/in.pdf" 2

. "$(dirname "$0")/../lib/nss.sh"
nss_trust "$E" "$T"

for alg in p256 rsa; do
    C=$("$E" cert issue --org "Interop $alg Ltd" --uscc 91110000MA01ABCDEX --alg $alg)
    S=$("$E" seal make --cert "$C" --maker p256 --name "Interop $alg seal" --text "示例贸易有限公司")
    "$E" stamp "$T/in.pdf" -o "$T/$alg-1.pdf" --seal "$S" --page 1 --at 20,20 >/dev/null &&
        ok "$alg: stamp" || notok "$alg: stamp"
    cmp -n "$(stat -c %s "$T/in.pdf")" "$T/in.pdf" "$T/$alg-1.pdf" && ok "$alg: the original is an exact prefix" ||
        notok "$alg: the original is an exact prefix"
    qpdf --check "$T/$alg-1.pdf" >/dev/null 2>&1 && ok "$alg: qpdf --check passes" || notok "$alg: qpdf --check"
    pdfsig -nssdir "sql:$T/nss" -no-ocsp "$T/$alg-1.pdf" >"$T/out" 2>&1
    grep -q "Signature is Valid" "$T/out" && ok "$alg: pdfsig: signature valid" || notok "$alg: pdfsig: $(cat "$T/out")"
    grep -q "Certificate is Trusted" "$T/out" && ok "$alg: pdfsig: certificate trusted" ||
        notok "$alg: pdfsig certificate: $(grep 'Certificate Validation' "$T/out")"
    grep -q "Total document signed" "$T/out" && ok "$alg: pdfsig: total document signed" ||
        notok "$alg: pdfsig: total document signed"
    grep -q "ETSI.CAdES.detached" "$T/out" && ok "$alg: PAdES SubFilter" || notok "$alg: PAdES SubFilter"
    "$E" stamp "$T/$alg-1.pdf" -o "$T/$alg-2.pdf" --seal "$S" --page 2 --at 20,20 >/dev/null &&
        ok "$alg: a second stamp" || notok "$alg: a second stamp"
    qpdf --check "$T/$alg-2.pdf" >/dev/null 2>&1 && ok "$alg: qpdf --check passes after two stamps" ||
        notok "$alg: qpdf --check after two stamps"
    pdfsig -nssdir "sql:$T/nss" -no-ocsp "$T/$alg-2.pdf" >"$T/out" 2>&1
    [ "$(grep -c 'Signature is Valid' "$T/out")" -eq 2 ] && ok "$alg: pdfsig: both signatures valid" ||
        notok "$alg: pdfsig after two stamps: $(grep Validation "$T/out")"
    grep -q "Not total document signed" "$T/out" && grep -q "Total document signed" "$T/out" &&
        ok "$alg: pdfsig: the first covers its revision, the last the whole file" || notok "$alg: pdfsig coverage"
    "$E" verify "$T/$alg-2.pdf" --json >"$T/v.json"
    python3 - "$T/v.json" <<'PY' && ok "$alg: eseal verify: both signatures VALID" || notok "$alg: eseal verify after two stamps"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "VALID", d["verdict"]
assert len(d["signatures"]) == 2 and all(s["verdict"] == "VALID" for s in d["signatures"])
# As pdfsig says: the first covers its revision (2 of 3), the second the whole file; the second
# stamp is the one change after the first, a signature; both show on their pages.
first, second = d["signatures"]
assert [p["name"] for p in d["document"]["parts"]] == ["revision 1", "revision 2", "revision 3"]
assert first["coverage"]["whole_document"] is False and first["coverage"]["revision"] == 2, first["coverage"]
assert second["coverage"]["whole_document"] is True and second["coverage"]["revision"] == 3, second["coverage"]
assert [c["type"] for c in first["coverage"]["changes"]] == ["signature"], first["coverage"]["changes"]
assert [x["signature"]["appearance"]["page"] for x in d["signatures"]] == [1, 2]
assert all(x["signature"]["type"] == "seal_stamp" and x["signature"]["format"] == "ETSI.CAdES.detached" for x in d["signatures"])
PY
done

# Cross-reference streams and object streams (qpdf rewrites our input that way): the appended
# section must be a cross-reference stream too, and both stamps must stay valid.
qpdf --object-streams=generate "$T/in.pdf" "$T/os.pdf"
S=$("$E" seal list --json | python3 -c 'import json,sys; print([s["esid"] for s in json.load(sys.stdin) if s["state"]=="active"][0])')
"$E" stamp "$T/os.pdf" -o "$T/os1.pdf" --seal "$S" >/dev/null && "$E" stamp "$T/os1.pdf" -o "$T/os2.pdf" --seal "$S" --page 1 --at 20,20 >/dev/null &&
    ok "xref stream input: two stamps" || notok "xref stream input: two stamps"
tail -c 400 "$T/os2.pdf" | grep -aq "/Type /XRef" && ok "xref stream input: the update ends with a cross-reference stream" ||
    notok "xref stream input: the update's cross-reference kind"
qpdf --check "$T/os2.pdf" >/dev/null 2>&1 && ok "xref stream input: qpdf --check passes" || notok "xref stream input: qpdf --check"
pdfsig -nssdir "sql:$T/nss" -no-ocsp "$T/os2.pdf" >"$T/out" 2>&1
[ "$(grep -c 'Signature is Valid' "$T/out")" -eq 2 ] && ok "xref stream input: pdfsig: both valid" || notok "xref stream input: pdfsig"
"$E" verify "$T/os2.pdf" --json >/dev/null && ok "xref stream input: eseal verify VALID" || notok "xref stream input: eseal verify"

# The same document as other PDF writers lay it out: linearized (two cross-reference sections),
# QDF, object streams, mutool's clean/garbage-collect/compress, pdfunite, podofomerge, mutool's
# own page creation, and cairo (the imprint PDF itself). Each is stamped twice and must stay clean.
V=$T/variants
mkdir -p "$V"
qpdf --linearize "$T/in.pdf" "$V/linearized.pdf"
qpdf --qdf --object-streams=disable "$T/in.pdf" "$V/qdf.pdf"
qpdf --object-streams=generate --linearize "$T/in.pdf" "$V/linearized-objstm.pdf"
command -v mutool >/dev/null && {
    mutool clean -gggg "$T/in.pdf" "$V/mutool-gc.pdf" >/dev/null 2>&1
    mutool clean -z "$T/in.pdf" "$V/mutool-compressed.pdf" >/dev/null 2>&1
    printf '%%%%MediaBox 0 0 595 842\nBT /Helv 24 Tf 72 700 Td (mutool page) Tj ET\n' >"$T/page.txt"
    mutool create -o "$V/mutool-create.pdf" "$T/page.txt" >/dev/null 2>&1
}
command -v podofomerge >/dev/null && podofomerge "$T/in.pdf" "$T/in.pdf" "$V/podofomerge.pdf" >/dev/null 2>&1
# pdfunite (poppler 22.12) writes a trailer /Size smaller than its highest object number: new
# objects numbered from /Size would collide with existing ones, so eseal must refuse the file.
if command -v pdfunite >/dev/null; then
    pdfunite "$T/in.pdf" "$T/in.pdf" "$T/pdfunite.pdf" 2>/dev/null
    if "$E" stamp "$T/pdfunite.pdf" -o "$T/pdfunite-out.pdf" --seal "$S" >/dev/null 2>"$T/err"; then
        notok "pdfunite's wrong /Size is refused"
    else
        grep -q "number of objects" "$T/err" && [ ! -e "$T/pdfunite-out.pdf" ] &&
            ok "pdfunite's wrong /Size is refused, no output ($(head -c 120 "$T/err"))" || notok "pdfunite: $(cat "$T/err")"
    fi
fi
# A trailer with a direct /Info (readers accept it; ISO 32000-1 wants it indirect): the stamps
# carry it, so the title stays and the first signature does not see its /Info removed.
python3 "$(dirname "$0")/../resources/mkpdf.py" "$T/di.pdf" 1 --direct-info "Contract 42"
if "$E" stamp "$T/di.pdf" -o "$T/di-1.pdf" --seal "$S" >/dev/null 2>"$T/err" &&
    "$E" stamp "$T/di-1.pdf" -o "$T/di-2.pdf" --seal "$S" --at 60,10 >/dev/null 2>>"$T/err"; then
    [ "$(pdfinfo "$T/di-2.pdf" 2>/dev/null | sed -n 's/^Title: *//p')" = "Contract 42" ] &&
        ok "a direct /Info survives two stamps (pdfinfo: Title)" || notok "a direct /Info is lost: $(pdfinfo "$T/di-2.pdf" 2>&1 | head -3)"
    "$E" verify "$T/di-2.pdf" --json >"$T/out" 2>&1
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["verdict"] == "VALID" and len(d["signatures"]) == 2 else 1)' "$T/out" &&
        ok "both stamps on a direct-/Info file are VALID" || notok "direct /Info: $(head -c 400 "$T/out")"
else
    notok "stamping a direct-/Info file: $(head -c 300 "$T/err")"
fi
for f in "$V"/*.pdf; do
    b=$(basename "$f" .pdf)
    if "$E" stamp "$f" -o "$V/$b-1.out" --seal "$S" --page 1 --at 10,10 >/dev/null 2>"$T/err" &&
        "$E" stamp "$V/$b-1.out" -o "$V/$b-2.out" --seal "$S" --page 1 --at 60,10 >/dev/null 2>>"$T/err" &&
        qpdf --check "$V/$b-2.out" >/dev/null 2>&1 && "$E" verify "$V/$b-2.out" --json >/dev/null; then
        pdfsig -nssdir "sql:$T/nss" -no-ocsp "$V/$b-2.out" >"$T/out" 2>&1
        [ "$(grep -c 'Signature is Valid' "$T/out")" -eq 2 ] && ok "writer variant $b: two stamps, qpdf --check, eseal and pdfsig valid" ||
            notok "writer variant $b: pdfsig: $(grep Validation "$T/out")"
    else
        notok "writer variant $b: $(head -c 300 "$T/err")"
    fi
done

# PDFs that nobody on this project wrote: Debian's documentation PDFs (scripts/deps.sh unpacks
# texlive-latex-recommended-doc into var/pdf-corpus: 155 PDFs from pdfTeX and friends, recorded in
# var/pdf-corpus/SOURCE), and any installed under /usr/share/doc. The first 40 (sorted) are
# stamped, checked with qpdf and verified; a refusal must give its reason (a page smaller than
# the imprint, a file qpdf reads only with repair). At least 30 must be stamped cleanly.
found=0 stamped=0
while IFS= read -r f; do
    found=$((found + 1))
    b=$(basename "$f")
    if "$E" stamp "$f" -o "$T/sys.pdf" --seal "$S" >/dev/null 2>"$T/err"; then
        if qpdf --check "$T/sys.pdf" >/dev/null 2>&1 && "$E" verify "$T/sys.pdf" --json >/dev/null; then
            stamped=$((stamped + 1))
        else
            notok "corpus $b: stamped but not clean"
        fi
    elif grep -q -e "does not fit" -e "smaller than the imprint" -e "damaged" -e "repair" -e "encrypted" "$T/err"; then
        echo "# corpus $b refused: $(head -c 160 "$T/err")"
    else
        notok "corpus $b: $(cat "$T/err")"
    fi
done < <(find "$(dirname "$0")/../../var/pdf-corpus" /usr/share/doc -name '*.pdf' -size -8M 2>/dev/null | sort | head -40)
echo "# corpus: $stamped of $found third-party PDFs stamped cleanly"
if [ "$found" -ge 30 ]; then
    [ "$stamped" -ge 30 ] && ok "corpus: $stamped of $found third-party PDFs stamped, qpdf --check, VALID" ||
        notok "corpus: only $stamped of $found stamped cleanly"
else
    notok "corpus: only $found third-party PDFs found (scripts/deps.sh unpacks them into var/pdf-corpus)"
fi

# A signature made by another producer (podofosign, adbe.pkcs7.detached; it writes its
# SignerInfo twice) verifies, and stamping on top of it keeps it valid.
if command -v podofosign >/dev/null; then
    PC=$("$E" cert issue --org "Podofo Ltd" --uscc 91110000MA01ABCDEX --alg p256)
    "$E" cert show "$PC" -o "$T/pc.pem" >/dev/null
    openssl pkey -in "$(ls "$ESEAL_HOME"/keys/"$PC"*.key)" -passin "pass:$ESEAL_PASSPHRASE" -out "$T/pk.pem"
    podofosign -in "$T/in.pdf" -out "$T/podofo.pdf" -cert "$T/pc.pem" -pkey "$T/pk.pem" -digest SHA256 -sigsize 4096 \
        >/dev/null 2>&1 && ok "podofosign signs our input" || notok "podofosign signs our input"
    "$E" verify "$T/podofo.pdf" --json >"$T/out" && ok "eseal verifies podofosign's signature: VALID" ||
        notok "eseal on podofosign: $(head -c 600 "$T/out")"
    "$E" stamp "$T/podofo.pdf" -o "$T/podofo2.pdf" --seal "$S" >/dev/null && "$E" verify "$T/podofo2.pdf" --json >"$T/v.json" &&
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["signatures"])==2 and d["verdict"]=="VALID"' "$T/v.json" &&
        ok "a stamp after podofosign's signature: both VALID" || notok "a stamp after podofosign's signature"
    pdfsig -nssdir "sql:$T/nss" -no-ocsp "$T/podofo2.pdf" >"$T/out" 2>&1
    [ "$(grep -c 'Signature is Valid' "$T/out")" -eq 2 ] && ok "pdfsig: podofosign's and eseal's signatures valid" ||
        notok "pdfsig on podofo2: $(grep Validation "$T/out")"
fi

# RSA-PSS: pdfsig verifies it too.
RC=$("$E" cert issue --org "PSS Ltd" --uscc 91110000MA01ABCDEX --alg rsa)
RS=$("$E" seal make --cert "$RC" --maker p256 --name "PSS seal" --text "示例贸易有限公司")
"$E" stamp "$T/in.pdf" -o "$T/pss.pdf" --seal "$RS" --pss >/dev/null && ok "rsa-pss: stamp" || notok "rsa-pss: stamp"
pdfsig -nssdir "sql:$T/nss" -no-ocsp "$T/pss.pdf" >"$T/out" 2>&1
grep -q "Signature is Valid" "$T/out" && ok "rsa-pss: pdfsig: signature valid" || notok "rsa-pss: pdfsig: $(grep Validation "$T/out")"
python3 "$(dirname "$0")/../resources/pdf_sig_parts.py" "$T/pss.pdf" 1 "$T/pss.p7s" "$T/pss.data"
openssl cms -cmsout -print -inform DER -in "$T/pss.p7s" 2>/dev/null | grep -q rsassaPss &&
    ok "rsa-pss: the SignerInfo says RSASSA-PSS" || notok "rsa-pss: SignerInfo algorithm"
"$E" verify "$T/pss.pdf" --json >/dev/null && ok "rsa-pss: eseal verify VALID" || notok "rsa-pss: eseal verify"

# SM2 stamps: no PDF reader on Debian checks SM2, so PDFBox (Debian libpdfbox2-java) reads the
# PDF and its signature, and an independent BouncyCastle CMS verifier checks it (with the SM2 ID
# 1234567812345678).
SC=$("$E" cert issue --org "北京示例科技有限公司" --uscc 91110000MA01ABCDEX --alg sm2)
SS=$("$E" seal make --cert "$SC" --name "SM2 seal")
"$E" stamp "$T/in.pdf" -o "$T/sm2.pdf" --seal "$SS" >/dev/null && ok "sm2: stamp" || notok "sm2: stamp"
qpdf --check "$T/sm2.pdf" >/dev/null 2>&1 && ok "sm2: qpdf --check passes" || notok "sm2: qpdf --check"
"$E" ca export --alg sm2 -o "$T/sm2-chain.pem" >/dev/null 2>&1
PB=/usr/share/java
if command -v javac >/dev/null && [ -f $PB/pdfbox2.jar ] && [ -f $PB/bcprov.jar ]; then
    # PDFBox reads the PDF and hands out /Contents and the signed ranges: the PDF side is not ours.
    mkdir -p "$T/pdfbox"
    javac -nowarn -encoding UTF-8 -cp "$PB/pdfbox2.jar" -d "$T/pdfbox" "$(dirname "$0")/PdfBoxExtract.java" &&
        java -cp "$PB/pdfbox2.jar:$PB/fontbox2.jar:$PB/commons-logging.jar:$T/pdfbox" PdfBoxExtract "$T/sm2.pdf" 1 \
            "$T/sm2.p7s" "$T/sm2.data" >"$T/pb" 2>&1 &&
        grep -q "covers_all=true" "$T/pb" && ok "sm2: PDFBox reads the signature: $(head -1 "$T/pb")" ||
        notok "sm2: PDFBox: $(cat "$T/pb")"
else
    python3 "$(dirname "$0")/../resources/pdf_sig_parts.py" "$T/sm2.pdf" 1 "$T/sm2.p7s" "$T/sm2.data"
    echo "# PDFBox missing: the signature was cut out with pdf_sig_parts.py"
fi
if command -v java >/dev/null && [ -f /usr/share/java/bcprov.jar ]; then
    "$(dirname "$0")/bc_cms_verify.sh" "$T/sm2.p7s" "$T/sm2.data" "$T/sm2-chain.pem" >"$T/bc" 2>&1 &&
        ok "sm2: BouncyCastle verifies the PDF signature" || notok "sm2: BouncyCastle: $(tail -3 "$T/bc")"
    printf 'X' >>"$T/sm2.data"
    "$(dirname "$0")/bc_cms_verify.sh" "$T/sm2.p7s" "$T/sm2.data" "$T/sm2-chain.pem" >"$T/bc" 2>&1 &&
        notok "sm2: BouncyCastle must reject other bytes" || ok "sm2: BouncyCastle rejects other bytes"
else
    echo "# java or BouncyCastle missing: SM2 cross-check skipped"
fi

# --adbe (adbe.pkcs7.detached for old readers), --page last, --reason and --location.
"$E" stamp "$T/in.pdf" -o "$T/adbe.pdf" --seal "$S" --adbe --page last --at 20,20 --reason "Approved" --location "Beijing" \
    >/dev/null 2>"$T/err" && ok "stamp --adbe --page last --reason --location" || notok "--adbe: $(cat "$T/err")"
grep -q -a "/SubFilter /adbe.pkcs7.detached" "$T/adbe.pdf" && grep -q -a "/Reason (Approved)" "$T/adbe.pdf" &&
    grep -q -a "/Location (Beijing)" "$T/adbe.pdf" && ok "--adbe: SubFilter adbe.pkcs7.detached, /Reason and /Location written" ||
    notok "--adbe dictionary"
pdfsig -nssdir "sql:$T/nss" -no-ocsp "$T/adbe.pdf" >"$T/out" 2>&1
grep -q "Signature is Valid" "$T/out" && grep -q "adbe.pkcs7.detached" "$T/out" && ok "--adbe: pdfsig: valid, adbe.pkcs7.detached" ||
    notok "--adbe pdfsig: $(grep -E 'Validation|Type' "$T/out")"
"$E" verify "$T/adbe.pdf" --json >"$T/v.json" && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["signatures"][0]["signature"]["format"] == "adbe.pkcs7.detached"' "$T/v.json" && ok "--adbe: eseal verify VALID" || notok "--adbe: eseal verify"
pdftoppm -r 30 -gray "$T/in.pdf" "$T/pl-a" && pdftoppm -r 30 -gray "$T/adbe.pdf" "$T/pl-b" &&
    cmp -s "$T"/pl-a-*1.pgm "$T"/pl-b-*1.pgm && ! cmp -s "$T"/pl-a-*2.pgm "$T"/pl-b-*2.pgm &&
    ok "--page last: the imprint is on page 2 of 2, page 1 unchanged" || notok "--page last placement"

# Refusals: an encrypted PDF is refused with a reason and leaves no output.
qpdf --encrypt user owner 256 -- "$T/in.pdf" "$T/enc.pdf"
if "$E" stamp "$T/enc.pdf" -o "$T/enc-out.pdf" --seal "$S" >/dev/null 2>"$T/err"; then
    notok "an encrypted PDF is refused"
else
    grep -q "encrypted" "$T/err" && [ ! -e "$T/enc-out.pdf" ] && ok "an encrypted PDF is refused with a reason, no output" ||
        notok "encrypted PDF refusal: $(cat "$T/err")"
fi

# pdfsig on the newer stamp shapes: a rotated page with a cropped visible area, a field lock
# on a form, a certification with P=3 followed by a second stamp.
python3 "$(dirname "$0")/../resources/mkpdf.py" "$T/rot.pdf" 2 --rotate 90 --cropbox "20 30 580 800"
python3 "$(dirname "$0")/../resources/mkform.py" "$T/form.pdf"
"$E" stamp "$T/rot.pdf" -o "$T/rot-s.pdf" --seal "$S" --page 1 --at 20,20 >/dev/null &&
    "$E" stamp "$T/form.pdf" -o "$T/form-s.pdf" --seal "$S" --lock name --certify 3 >/dev/null &&
    "$E" stamp "$T/form-s.pdf" -o "$T/form-s2.pdf" --seal "$S" --page 1 --at 120,150 >/dev/null &&
    ok "stamps on a rotated page and on a form (locked, certified P=3, then a second stamp)" ||
    notok "stamps on a rotated page and a form"
for f in rot-s form-s2; do
    qpdf --check "$T/$f.pdf" >/dev/null 2>&1 && "$E" verify "$T/$f.pdf" --json >/dev/null || notok "$f: qpdf --check and eseal VALID"
    pdfsig -nssdir "sql:$T/nss" -no-ocsp "$T/$f.pdf" >"$T/out" 2>&1
    [ "$(grep -c 'Signature is Valid' "$T/out")" -eq "$(grep -c 'Signature #' "$T/out")" ] &&
        grep -q "Total document signed" "$T/out" && ok "$f: pdfsig: every signature valid, the last covers the document" ||
        notok "$f: pdfsig: $(grep -E 'Validation|signed' "$T/out")"
done

# Rendering: the stamped page differs from the original only where the imprint is.
pdftoppm -f 1 -l 1 -r 50 -gray "$T/in.pdf" "$T/a" && pdftoppm -f 1 -l 1 -r 50 -gray "$T/p256-1.pdf" "$T/b" &&
    python3 - "$T"/a-*1.pgm "$T"/b-*1.pgm <<'PY' && ok "rendered: only the imprint's box changed" || notok "rendered page differs outside the imprint"
import sys
def pgm(p):
    d = open(p, "rb").read().split(b"\n", 3)
    w, h = map(int, d[1].split()); return w, h, d[3]
w, h, a = pgm(sys.argv[1]); _, _, b = pgm(sys.argv[2])
# The imprint is at 20,20 mm from the top-left, 40 mm (+3 mm serial) in size: at 50 dpi about x 39..126, y 39..132.
k = 50 / 25.4
x0, y0, x1, y1 = int(18 * k), int(18 * k), int(63 * k), int(66 * k)
diff_in = diff_out = 0
for y in range(h):
    for x in range(w):
        if a[y * w + x] != b[y * w + x]:
            if x0 <= x <= x1 and y0 <= y <= y1: diff_in += 1
            else: diff_out += 1
assert diff_in > 100 and diff_out == 0, (diff_in, diff_out)
PY

tap_done pdf_interop
