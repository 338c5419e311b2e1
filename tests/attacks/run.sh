#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh ESEAL [TESTDATA]   (ctest attack_corpus_pdf)
#
# The PDF attack corpus of issue #15. A throw-away instance and seal stamp generated inputs
# (tests/resources/mkpdf.py: plain, stamped once and twice; with a cross-reference stream and
# object streams (qpdf --object-streams=generate); pages inheriting /Rotate and /CropBox from the
# page tree, stamped once and twice; certified with --certify 1, 2 and 3; a form from mkform.py, also certified with
# P=1) and up to 4 small real PDFs of var/pdf-corpus (scripts/deps.sh). Every variant of every
# class of tests/attacks/build.py is applied to each (the shadow and inherit classes are planted
# in the unsigned plain and xref-stream inputs, stamped, then attacked), each output is verified with
# `eseal verify --json`, and tests/attacks/oracle.py renders each VALID output. A class fails
# (TAP not ok) when an output is VALID and renders differently from what its signature signed,
# or is VALID at all in a class the issue says must be refused. The table (per class: tried,
# INVALID, INDETERMINATE, ERROR, VALID-identical, VALID-DIFFERENT, VALID-must-refuse) is printed
# and written to $ATTACK_OUT/table.json (default: ./attack-corpus-pdf, the ctest folder), with
# every result in results.json and the rendered pictures of one attack in pictures/.
#
# TESTDATA (optional) is accepted for symmetry with the other runners; nothing here reads it.
# Output is TAP.
set -u
E=$1
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/tap.sh
. "$HERE/../lib/tap.sh"
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=attack-pass-1
OUT=${ATTACK_OUT:-$PWD/attack-corpus-pdf}
rm -rf "$OUT"
mkdir -p "$OUT"
for tool in qpdf pdftoppm mutool python3; do
    command -v $tool >/dev/null || { echo "not ok 1 - $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
RES=$HERE/../resources
START=$(date +%s)

"$E" init >/dev/null 2>&1 || { echo "not ok 1 - init"; exit 1; }
C=$("$E" cert issue --org "Attack Corpus Ltd" --uscc 91110000MA01ABCDEX --alg p256)
S=$("$E" seal make --cert "$C" --maker p256 --name "Attack corpus seal" --text "示例贸易有限公司")

# stamp NAME IN [OPTIONS...]: stamps IN into $T/in/NAME.pdf and adds it to the inputs when it
# verifies VALID and the oracle finds it identical to its signed revisions.
mkdir -p "$T/in"
INPUTS=()
# With QUIET=1, a file eseal refuses to stamp is passed over (a real PDF may be damaged or
# encrypted) instead of failing.
stamp() {
    local name=$1 in=$2
    shift 2
    if ! "$E" stamp "$in" -o "$T/in/$name.pdf" --seal "$S" "$@" >/dev/null 2>"$T/err"; then
        [ "${QUIET:-0}" = 1 ] && { echo "# $name: not stamped: $(head -c 160 "$T/err")"; return 1; }
        notok "input $name: stamp $*: $(head -c 300 "$T/err")"
        return 1
    fi
    if ! "$E" verify "$T/in/$name.pdf" >/dev/null 2>&1; then
        notok "input $name: the clean stamped input does not verify VALID"
        return 1
    fi
    local o rc
    o=$("$HERE/oracle.py" "$T/in/$name.pdf" 2>&1)
    rc=$?
    if [ $rc -ne 0 ]; then
        notok "input $name: the oracle says the clean stamped input differs (exit $rc): $(echo "$o" | grep -v '^#' | head -3)"
        return 1
    fi
    ok "input $name: stamped, VALID, the oracle finds it identical ($(echo "$o" | tail -1))"
    INPUTS+=("$name=$T/in/$name.pdf")
}

python3 "$RES/mkpdf.py" "$T/plain.pdf" 2
qpdf --object-streams=generate "$T/plain.pdf" "$T/objstm.pdf"
python3 "$RES/mkpdf.py" "$T/inherit.pdf" 2 --inherit --rotate 90 --cropbox "20 30 580 800"
python3 "$RES/mkform.py" "$T/form.pdf"
stamp plain-1 "$T/plain.pdf"
stamp plain-2 "$T/in/plain-1.pdf" --page 1 --at 20,20
stamp xref-stream-1 "$T/objstm.pdf"
stamp inherit-1 "$T/inherit.pdf" --page 1 --at 20,20
stamp inherit-2 "$T/in/inherit-1.pdf" --page 1 --at 80,120
stamp form-1 "$T/form.pdf" --page 1 --at 120,150
for p in 1 2 3; do stamp "plain-certify$p" "$T/plain.pdf" --certify $p; done
stamp form-certify1 "$T/form.pdf" --page 1 --at 120,150 --certify 1

# Up to 4 small real PDFs (at most 3 pages), smallest first.
CORPUS=$HERE/../../var/pdf-corpus
if [ -d "$CORPUS" ]; then
    nreal=0
    while IFS= read -r f; do
        [ $nreal -ge 4 ] && break
        np=$(pdfinfo "$f" 2>/dev/null | sed -n 's/^Pages: *//p')
        { [ -n "$np" ] && [ "$np" -le 3 ]; } || continue
        b=$(basename "$f" .pdf)
        QUIET=1 stamp "real-$b" "$f" && nreal=$((nreal + 1))
    done < <(find "$CORPUS" -name '*.pdf' -size -400k -printf '%s %p\n' 2>/dev/null | sort -n | cut -d' ' -f2-)
    [ $nreal -gt 0 ] || notok "no real PDF of $CORPUS could be stamped"
else
    skip "real PDFs: $CORPUS is absent (scripts/deps.sh unpacks it)"
fi

# The oracle must catch a difference: a VALID-by-construction pair (the signed revision and the
# whole file with a page changed after it, the oracle called directly, whatever eseal says), and
# keep the pictures of that attack (both renderers, signed revision vs whole, and the diff).
python3 "$HERE/build.py" isa page-dict "$T/in/plain-1.pdf" "$T/pay.pdf"
o=$("$HERE/oracle.py" "$T/pay.pdf" --out "$OUT/pictures" 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$o" | grep -q "pdftoppm page 1" && echo "$o" | grep -q "mutool page 1" &&
    ls "$OUT"/pictures/*pdftoppm-p1-diff.png "$OUT"/pictures/*mutool-p1-signed.png >/dev/null 2>&1; then
    ok "the oracle catches a page changed after signing (both renderers, page 1; pictures in $OUT/pictures)"
else
    notok "the oracle must exit 1 on a page changed after signing (exit $rc): $o"
fi
cp "$T/pay.pdf" "$OUT/pictures/pay-1000000.pdf" 2>/dev/null
# A new page added, and a signature widget copied (not exempt: its /V repeats the signed ByteRange).
python3 "$HERE/build.py" isa new-page "$T/in/plain-1.pdf" "$T/newpage.pdf"
"$HERE/oracle.py" "$T/newpage.pdf" >"$T/o" 2>&1
[ $? -eq 1 ] && grep -q "page(s)" "$T/o" && ok "the oracle catches an added page (page counts differ)" ||
    notok "the oracle must catch an added page: $(cat "$T/o")"
python3 "$HERE/build.py" duplicate-sig copied-dict "$T/in/plain-1.pdf" "$T/dup.pdf"
"$HERE/oracle.py" "$T/dup.pdf" >"$T/o" 2>&1
[ $? -eq 1 ] && ok "the oracle does not exempt a copied signature widget" || notok "copied signature widget: $(cat "$T/o")"
"$HERE/oracle.py" "$T/plain.pdf" >"$T/o" 2>&1
[ $? -eq 2 ] && ok "the oracle exits 2 on a file without signatures" || notok "oracle on an unsigned file: $(cat "$T/o")"

# The corpus.
python3 "$HERE/corpus.py" --eseal "$E" --seal "$S" --out "$OUT" --tap-start "$n" \
    --plant-base "plain=$T/plain.pdf" --plant-base "xref-stream=$T/objstm.pdf" "${INPUTS[@]}"
read -r cn cbad <"$OUT/tap.count" || { cn=1 cbad=1; echo "not ok $((n + 1)) - corpus.py did not finish"; }
n=$((n + cn))
bad=$((bad + cbad))
echo "# the table: $OUT/table.json, every output: $OUT/results.json; $(($(date +%s) - START)) s in all"
tap_done attack_corpus_pdf
