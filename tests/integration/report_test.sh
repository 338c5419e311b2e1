#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# report_test.sh ESEAL
#
# The verification report as documents for people (issue 21 §3): `eseal verify FILE --report
# OUT.html|OUT.pdf` and POST /api/v1/verify/report.
#   - HTML: opened in chromium (headless, --dump-dom prints the DOM after the scripts ran), a valid
#     and a tampered stamped PDF show their verdict (#verdict data-verdict), the seal's name
#     (.seal-name), the signer (.signer) and the imprint (a data: URL); --lang zh; no element of the file loads anything (its
#     CSP is default-src 'none', the inline script allowed by its hash, which must match).
#   - PDF: pdftotext finds the verdict, the seal's name and the signer, pdfimages the imprint; pdfsig finds a valid
#     signature by the platform's seal maker (the P-256 one: poppler checks no SM2); `eseal verify`
#     of the report itself is VALID, signed by the seal maker; without the passphrase no report.
#   - usage: an extension other than .html/.pdf, --lang other than en/zh, a PDF with --no-instance.
#   - the API: format=html for anyone, format=pdf only with a token (401 without), 400 for a bad format.
# Output is TAP.
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=report-pass-1
for tool in chromium pdftotext pdfimages pdfsig certutil crlutil curl python3; do
    command -v $tool >/dev/null || { echo "not ok 1 - $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
"$E" init --base-url "$BASE" >/dev/null 2>&1 || { echo "not ok 1 - init"; exit 1; }
python3 "$(dirname "$0")/../resources/mkpdf.py" "$T/in.pdf" 2
C=$("$E" cert issue --org "Report Test Ltd" --uscc 91110000MA01ABCDEX --alg p256)
SEAL="Report Test contract seal"
S=$("$E" seal make --cert "$C" --maker p256 --name "$SEAL" --text "示例贸易有限公司" --type contract)
"$E" stamp "$T/in.pdf" -o "$T/valid.pdf" --seal "$S" --page 1 >/dev/null 2>&1 && ok "a stamped PDF" || notok "stamp"
# The same length, another digit in the signed page text: HASH_FAILURE, INVALID.
python3 - "$T/valid.pdf" "$T/tampered.pdf" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
i = b.index(b"2026-001")
open(sys.argv[2], "wb").write(b[:i] + b"2026-009" + b[i + 8:])
PY

# dom FILE.html: the DOM after the report's script ran, in $T/dom.
dom() {
    chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$T/chrome" \
        --virtual-time-budget=5000 --dump-dom "file://$1" >"$T/dom" 2>"$T/chrome.err"
}

# ---- HTML ----------------------------------------------------------------------------------------
expect 0 "verify --report valid.html: exit 0 (VALID)" -- "$E" verify "$T/valid.pdf" --report "$T/valid.html" --lang en
has "$T/err" "report written to" "a note names the report"
has "$T/valid.html" 'id="report"' "the report JSON is inlined"
has "$T/valid.html" "Content-Security-Policy\" content=\"default-src 'none'; script-src 'sha256-" \
    "a CSP of default-src 'none' with the script's hash"
python3 - "$T/valid.html" <<'PY' && ok "the CSP hashes are those of the inline script and style" || notok "CSP hashes"
import base64, hashlib, re, sys
h = open(sys.argv[1], encoding="utf-8").read()
csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', h).group(1)
script = re.findall(r"<script>(.*?)</script>", h, re.S)
style = re.findall(r"<style>(.*?)</style>", h, re.S)
assert len(script) == 1 and len(style) == 1
for body, directive in ((script[0], "script-src"), (style[0], "style-src")):
    want = "'sha256-%s'" % base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    assert directive + " " + want in csp, (directive, want, csp)
assert "img-src data:" in csp and "connect-src" not in csp
# nothing in the file is fetched: no src/href attribute but data: URLs
for m in re.finditer(r'\b(src|href)="([^"]*)"', h):
    assert m.group(2).startswith("data:"), m.group(0)
PY
dom "$T/valid.html"
has "$T/dom" "<body data-state=\"done\"" "chromium: the report's script ran (body data-state=done)"
has "$T/dom" 'id="verdict" data-verdict="VALID"' "chromium: #verdict is VALID"
has "$T/dom" "class=\"seal-name\">$SEAL<" "chromium: .seal-name shows the seal's name"
has "$T/dom" 'class="signer">[^<]*Report Test Ltd' "chromium: .signer shows the signer"
has "$T/dom" '<img class="imprint" src="data:image/png;base64,' "chromium: the imprint, inlined as a data: URL"
grep -q 'class="signature" data-verdict="VALID"' "$T/dom" && ok "chromium: one .signature, VALID" ||
    notok "chromium: .signature $(grep -o 'class="signature"[^>]*' "$T/dom")"
grep -qi "Refused to\|Content Security Policy" "$T/chrome.err" && notok "chromium reported a CSP refusal" ||
    ok "chromium reported no CSP refusal"

expect 1 "verify --report tampered.html: exit 1 (INVALID)" -- "$E" verify "$T/tampered.pdf" --report "$T/tampered.html" --lang en
dom "$T/tampered.html"
has "$T/dom" 'id="verdict" data-verdict="INVALID"' "chromium: the tampered PDF's #verdict is INVALID"
has "$T/dom" "class=\"seal-name\">$SEAL<" "chromium: its .seal-name"
has "$T/dom" 'class="signer">[^<]*Report Test Ltd' "chromium: its .signer"
has "$T/dom" 'data-code="HASH_FAILURE"' "chromium: the reason HASH_FAILURE is listed"

expect 0 "verify --report --lang zh" -- "$E" verify "$T/valid.pdf" --report "$T/zh.html" --lang zh
has "$T/zh.html" '<html lang="zh">' "the zh report says lang=zh"
dom "$T/zh.html"
has "$T/dom" 'id="verdict" data-verdict="VALID"' "chromium: the zh report's #verdict"
LANG=zh_CN.UTF-8 "$E" verify "$T/valid.pdf" --report "$T/lang.html" >/dev/null 2>&1
has "$T/lang.html" '<html lang="zh">' "without --lang, LANG=zh_CN picks zh"

# ---- PDF -----------------------------------------------------------------------------------------
expect 0 "verify --report valid.pdf: exit 0" -- "$E" verify "$T/valid.pdf" --report "$T/report.pdf" --lang en
has "$T/err" "signed by the platform's seal maker" "the note says it is signed"
pdftotext -layout "$T/report.pdf" "$T/report.txt"
has "$T/report.txt" "VALID" "pdftotext: the verdict"
has "$T/report.txt" "$SEAL" "pdftotext: the seal's name"
has "$T/report.txt" "Report Test Ltd" "pdftotext: the signer"
has "$T/report.txt" "$(sha256sum "$T/valid.pdf" | cut -c1-64)" "pdftotext: the file's SHA-256 in the header"
pdfimages -list "$T/report.pdf" >"$T/images" 2>&1
[ "$(grep -c ' image ' "$T/images")" -ge 1 ] && ok "pdfimages: the imprint is embedded in the PDF report" ||
    notok "pdfimages: $(cat "$T/images")"
mkdir "$T/nss"
certutil -N -d "sql:$T/nss" --empty-password >/dev/null
"$E" ca export --alg p256 -o "$T/p256.pem" >/dev/null 2>&1
csplit -s -z -f "$T/ca" "$T/p256.pem" '/-----BEGIN CERTIFICATE-----/' '{*}'
for f in "$T"/ca0*; do certutil -A -d "sql:$T/nss" -n "$(basename "$f")" -t "CT,C,C" -i "$f"; done
# NSS wants the CAs' CRLs to call the seal maker trusted (as tests/interop/pdf_interop.sh)
for c in "$ESEAL_HOME"/crl/*.crl; do crlutil -I -d "sql:$T/nss" -i "$c" -t 1 -B >/dev/null 2>&1; done
pdfsig -nssdir "sql:$T/nss" -no-ocsp "$T/report.pdf" >"$T/sig" 2>&1
has "$T/sig" "Signature is Valid" "pdfsig: the report's signature is valid"
has "$T/sig" "Signer Certificate Common Name: .*[Ss]eal [Mm]aker" "pdfsig: signed by the seal maker"
has "$T/sig" "Total document signed" "pdfsig: the whole report is signed"
has "$T/sig" "Certificate is Trusted" "pdfsig: the seal maker chains to the instance's root"
"$E" verify "$T/report.pdf" --json >"$T/r.json"
python3 - "$T/r.json" <<'PY' && ok "eseal verify of the report: VALID, a plain signature by the seal maker" ||
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "VALID", d["verdict"]
s = d["signatures"]
assert len(s) == 1 and s[0]["signature"]["type"] == "signature" and s[0]["seal"] is None, s[0]["signature"]
assert "eal" in s[0]["signer"]["subject"] and s[0]["coverage"]["whole_document"] is True, s[0]["signer"]
PY
    notok "eseal verify of the report: $(head -c 600 "$T/r.json")"
# An SM2 seal maker (--report-alg sm2): eseal checks it (poppler's NSS knows no SM2, so pdfsig cannot).
expect 0 "--report-alg sm2: a PDF report signed by the SM2 seal maker" -- \
    "$E" verify "$T/valid.pdf" --report "$T/sm2.pdf" --report-alg sm2
"$E" verify "$T/sm2.pdf" --json >"$T/sm2.json"
python3 - "$T/sm2.json" <<'PY' && ok "eseal verify of the SM2 report: VALID, SM2-with-SM3" || notok "SM2 report: $(head -c 400 "$T/sm2.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "VALID" and d["signatures"][0]["signature"]["algorithm"] == "SM2-with-SM3", d["signatures"][0]["signature"]
PY
expect 2 "--report-alg rsa is refused (exit 2)" -- "$E" verify "$T/valid.pdf" --report "$T/rsa.pdf" --report-alg rsa
expect 1 "a report of the tampered PDF: exit 1" -- "$E" verify "$T/tampered.pdf" --report "$T/treport.pdf" --lang zh
pdftotext "$T/treport.pdf" "$T/treport.txt"
has "$T/treport.txt" "INVALID" "pdftotext: INVALID in the tampered report"
has "$T/treport.txt" "无效" "pdftotext: and its Chinese word (zh)"
has "$T/treport.txt" "$SEAL" "pdftotext: the seal's name"
has "$T/treport.txt" "HASH_FAILURE" "pdftotext: the reason code"

expect 3 "without the passphrase a PDF report is refused (exit 3)" -- \
    env -u ESEAL_PASSPHRASE "$E" verify "$T/valid.pdf" --report "$T/nopass.pdf" </dev/null
[ ! -e "$T/nopass.pdf" ] && ok "and no PDF is written" || notok "a PDF was written without the passphrase"
has "$T/err" "passphrase" "the error speaks of the passphrase"
expect 3 "a wrong passphrase: refused" -- env ESEAL_PASSPHRASE=wrong-pass-9 "$E" verify "$T/valid.pdf" --report "$T/wrong.pdf"
[ ! -e "$T/wrong.pdf" ] && ok "and no PDF is written" || notok "a PDF was written with a wrong passphrase"

# ---- usage ---------------------------------------------------------------------------------------
expect 2 "--report OUT.txt is a usage error" -- "$E" verify "$T/valid.pdf" --report "$T/r.txt"
has "$T/err" ".html or .pdf" "it names the extensions"
expect 2 "--lang fr is a usage error" -- "$E" verify "$T/valid.pdf" --report "$T/r.html" --lang fr
expect 2 "--lang without --report is a usage error" -- "$E" verify "$T/valid.pdf" --lang zh
expect 2 "a PDF report with --no-instance is a usage error" -- "$E" verify "$T/valid.pdf" --report "$T/r.pdf" --no-instance
expect 2 "--report onto the verified file is refused" -- "$E" verify "$T/valid.pdf" --report "$T/valid.pdf"
expect 0 "eseal help verify names --report" -- "$E" help verify
has "$T/out" "--report OUT" "the help shows --report"

# ---- the API -------------------------------------------------------------------------------------
"$E" org add --name "Report Test Ltd" --uscc 91110000MA01ABCDEX >/dev/null 2>&1
printf 'correct horse battery staple 42\n' >"$T/pw" && chmod 600 "$T/pw"
"$E" user add rita --org "Report Test Ltd" --role auditor --password-file "$T/pw" >/dev/null 2>&1
TOKEN=$("$E" token create rita 2>/dev/null | tail -1)
"$E" serve --listen "127.0.0.1:$PORT" >"$T/serve.out" 2>"$T/serve.err" &
SERVE=$!
for _ in $(seq 150); do grep -q "port" "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
code=$(curl -s -o "$T/api.html" -w '%{http_code} %{content_type}' --data-binary @"$T/valid.pdf" \
    "$BASE/api/v1/verify/report?format=html")
[ "$code" = "200 text/html; charset=utf-8" ] && ok "POST /verify/report?format=html: 200 text/html, public" ||
    notok "format=html: $code $(head -c 300 "$T/api.html")"
dom "$T/api.html"
has "$T/dom" 'id="verdict" data-verdict="VALID"' "chromium: the API's HTML report shows VALID"
code=$(curl -s -o "$T/api.json" -w '%{http_code}' --data-binary @"$T/valid.pdf" "$BASE/api/v1/verify/report?format=pdf")
[ "$code" = 401 ] && ok "format=pdf without a login: 401" || notok "format=pdf anonymous: $code $(cat "$T/api.json")"
code=$(curl -s -o "$T/api.pdf" -w '%{http_code} %{content_type}' -H "Authorization: Bearer $TOKEN" \
    --data-binary @"$T/tampered.pdf" "$BASE/api/v1/verify/report?format=pdf&lang=en")
[ "$code" = "200 application/pdf" ] && ok "format=pdf with a token: 200 application/pdf" ||
    notok "format=pdf with a token: $code $(head -c 300 "$T/api.pdf")"
pdftotext "$T/api.pdf" "$T/api.txt" 2>/dev/null
has "$T/api.txt" "INVALID" "the API's PDF report of the tampered file says INVALID"
pdfsig -nssdir "sql:$T/nss" -no-ocsp "$T/api.pdf" >"$T/sig2" 2>&1
has "$T/sig2" "Signature is Valid" "pdfsig: the API's PDF report is signed"
code=$(curl -s -o "$T/api.json" -w '%{http_code}' --data-binary @"$T/valid.pdf" "$BASE/api/v1/verify/report?format=doc")
[ "$code" = 400 ] && ok "format=doc: 400" || notok "format=doc: $code"
kill "$SERVE" 2>/dev/null
wait "$SERVE" 2>/dev/null

tap_done report
