#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pdf_render.sh ESEAL
#
# Third-party PDFs stamped by eseal render identically to the originals except where the
# imprint is. The corpus is the one pdf_interop.sh uses (var/pdf-corpus, Debian's
# texlive-latex-recommended-doc unpacked by scripts/deps.sh, and /usr/share/doc): the first 40
# (sorted). Each is stamped on its last page near the bottom-right corner of the visible area
# (the CropBox); poppler's pdftoppm renders the CropBox (-cropbox: by default it renders the
# MediaBox) turned by /Rotate, as a viewer shows it, of the original and of the stamped file: the
# stamped page and up to two other pages (all pages of a document of at most 4). Every other page
# must be byte-identical; on the stamped page no pixel outside the imprint's rectangle (plus a
# 2 mm margin) may change, and inside it the imprint must show.
#
# The imprint's footprint (measured: stamping a blank page and diffing renders at 300 dpi): the
# seal picture, 42x42 mm for the default round seal, with the stamp serial in a 3 mm band under
# it: 42x45 mm from --at, which is in millimetres from the top-left corner of the visible area
# (the CropBox) as displayed (after /Rotate).
# Output is TAP.
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=render-pass-1
export PYTHONPATH="$(cd "$(dirname "$0")/../resources" && pwd)${PYTHONPATH:+:$PYTHONPATH}" # ppm.py
for tool in pdftoppm pdfinfo; do
    command -v $tool >/dev/null || { echo "not ok 1 - $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
RES=36          # dpi of the renders: low, to keep the test fast
IMP_W=42 IMP_H=45 MARGIN=2

"$E" init >/dev/null 2>&1 || { echo "not ok 1 - init"; exit 1; }
C=$("$E" cert issue --org "Render Ltd" --uscc 91110000MA01ABCDEX --alg p256)
S=$("$E" seal make --cert "$C" --maker p256 --name "Render seal" --text "示例贸易有限公司")
"$E" seal show "$S" | grep -q "picture: .* ${IMP_W}x$((IMP_H - 3)) mm" ||
    { echo "not ok 1 - the seal's picture is not ${IMP_W}x$((IMP_H - 3)) mm: $("$E" seal show "$S" | grep picture)"; exit 1; }

# place PDF PAGE: the --at position for the page's visible area as displayed, and the rectangle
# (imprint plus margin) in pixels of a -cropbox render at $RES dpi: "X,Y X0 Y0 X1 Y1" (X1, Y1
# exclusive). --at counts from the top-left of the CropBox as a viewer shows it (after /Rotate),
# which is what the render is, so no conversion between boxes is needed.
place() {
    pdfinfo -box -f "$2" -l "$2" "$1" 2>/dev/null | python3 -c '
import re, sys, math
w, h, m, res = (float(a) for a in sys.argv[1:])
t = sys.stdin.buffer.read().decode("latin-1")
cx0, cy0, cx1, cy1 = (float(v) for v in re.search(r"^(?:Page\s+\d+\s+)?CropBox:\s+(.*)$", t, re.M).group(1).split())
rot = re.search(r"^(?:Page\s+\d+\s+)?rot:\s+(-?\d+)", t, re.M)
rot = int(rot.group(1)) % 360 if rot else 0
mm = 72 / 25.4
dw, dh = (cy1 - cy0, cx1 - cx0) if rot in (90, 270) else (cx1 - cx0, cy1 - cy0)
# 18 mm from the right edge and 25 mm from the bottom edge, or the top-left corner when too small.
x = round(max(0.0, dw / mm - 60), 1)
y = round(max(0.0, dh / mm - 70), 1)
px = res / 72 * mm
print("%.1f,%.1f %d %d %d %d" % (x, y, math.floor((x - m) * px), math.floor((y - m) * px),
                                  math.ceil((x + w + m) * px), math.ceil((y + h + m) * px)))
' "$IMP_W" "$IMP_H" "$MARGIN" "$RES"
}

# render PDF PAGE OUT: the page's CropBox as a binary PPM (P6) in OUT.ppm.
render() { pdftoppm -q -r "$RES" -cropbox -f "$2" -l "$2" -singlefile "$1" "$3"; }

# cmp_page ORIG.ppm STAMPED.ppm X0 Y0 X1 Y1: prints "IN OUT BBOX": the count of differing pixels
# inside and outside the rectangle, and the bounding box of those outside (or "-").
cmp_page() {
    python3 - "$@" <<'PY'
import sys
from ppm import ppm  # tests/resources/ppm.py (PYTHONPATH)
wa, ha, a = ppm(sys.argv[1])
wb, hb, b = ppm(sys.argv[2])
if (wa, ha) != (wb, hb):
    print("size %dx%d-vs-%dx%d" % (wa, ha, wb, hb))
    sys.exit()
x0, y0, x1, y1 = (int(v) for v in sys.argv[3:7])
din = dout = 0
bx0 = by0 = 1 << 30
bx1 = by1 = -1
row = 3 * wa
for y in range(ha):
    ra, rb = a[y * row:(y + 1) * row], b[y * row:(y + 1) * row]
    if ra == rb:
        continue
    for x in range(wa):
        if ra[3 * x:3 * x + 3] != rb[3 * x:3 * x + 3]:
            if x0 <= x < x1 and y0 <= y < y1:
                din += 1
            else:
                dout += 1
                bx0, by0, bx1, by1 = min(bx0, x), min(by0, y), max(bx1, x), max(by1, y)
print(din, dout, "-" if dout == 0 else "x%d..%d,y%d..%d" % (bx0, bx1, by0, by1))
PY
}

# check_stamped ORIG STAMPED PAGE "X0 Y0 X1 Y1": renders the page of both and compares; echoes a
# verdict, returns 0 when clean (the imprint shows inside the rectangle, nothing changed outside).
check_stamped() {
    local rect=$4 din dout where
    if ! render "$1" "$3" "$T/ra" || ! render "$2" "$3" "$T/rb"; then
        echo "render failed"; return 1
    fi
    # shellcheck disable=SC2086 # the rectangle is four numbers
    read -r din dout where < <(cmp_page "$T/ra.ppm" "$T/rb.ppm" $rect)
    if [ "$din" = size ]; then
        echo "the page's render changed size: $dout"; return 1
    fi
    if [ "$dout" -ne 0 ]; then
        echo "$dout pixels differ outside the imprint's rectangle (px $rect at $RES dpi), at $where"; return 1
    fi
    if [ "$din" -lt 100 ]; then
        echo "the imprint does not show: only $din pixels changed inside its rectangle (px $rect)"; return 1
    fi
    echo "$din pixels changed, all inside the imprint's rectangle"
}

# A page whose CropBox is not its MediaBox (a MediaBox with a negative origin, a CropBox inside it),
# and the same page turned by /Rotate 90: --at counts from the top-left of what the render shows.
# Our own files (few corpus files have such pages).
for rot in 0 90; do
    python3 "$(dirname "$0")/../resources/mkpdf.py" "$T/crop.pdf" 1 --mediabox "-50 -30 595.28 841.89" \
        --cropbox "20 40 500 800" --rotate $rot
    p=$(place "$T/crop.pdf" 1)
    at=${p%% *}
    if "$E" stamp "$T/crop.pdf" -o "$T/crop-out.pdf" --seal "$S" --page 1 --at "$at" >/dev/null 2>"$T/err"; then
        if msg=$(check_stamped "$T/crop.pdf" "$T/crop-out.pdf" 1 "${p#* }"); then
            ok "CropBox inside the MediaBox, /Rotate $rot: $msg"
        else
            notok "CropBox inside the MediaBox, /Rotate $rot: $msg"
        fi
    else
        notok "CropBox inside the MediaBox, /Rotate $rot: stamp at $at: $(cat "$T/err")"
    fi
done

found=0 stamped=0 clean=0
while IFS= read -r f; do
    found=$((found + 1))
    b=$(basename "$f")
    np=$(pdfinfo "$f" 2>/dev/null | sed -n 's/^Pages: *//p')
    [ -n "$np" ] || { notok "corpus $b: pdfinfo cannot read it"; continue; }
    p=$(place "$f" "$np") || { notok "corpus $b: no page boxes for page $np"; continue; }
    at=${p%% *}
    if ! "$E" stamp "$f" -o "$T/out.pdf" --seal "$S" --page "$np" --at "$at" >/dev/null 2>"$T/err"; then
        if grep -q -e "does not fit" -e "smaller than the imprint" -e "damaged" -e "repair" -e "encrypted" "$T/err"; then
            echo "# corpus $b refused: $(head -c 160 "$T/err")"
        else
            notok "corpus $b: stamp --page $np --at $at: $(cat "$T/err")"
        fi
        continue
    fi
    stamped=$((stamped + 1))
    # The other pages: the first two, or all of a short document.
    others=""
    for i in $(seq 1 "$np"); do
        [ "$i" -ne "$np" ] && { [ "$np" -le 4 ] || [ "$i" -le 2 ]; } && others="$others $i"
    done
    fail=""
    for i in $others; do
        if ! render "$f" "$i" "$T/oa" || ! render "$T/out.pdf" "$i" "$T/ob"; then
            fail="page $i: render failed"
            break
        fi
        if ! cmp -s "$T/oa.ppm" "$T/ob.ppm"; then
            r=$(cmp_page "$T/oa.ppm" "$T/ob.ppm" 0 0 0 0)
            fail="page $i (not stamped) differs: $(echo "$r" | awk '{print $2 " pixels, at " $3}')"
            break
        fi
    done
    if [ -z "$fail" ]; then
        msg=$(check_stamped "$f" "$T/out.pdf" "$np" "${p#* }") || fail="page $np (stamped at $at): $msg"
    fi
    if [ -z "$fail" ]; then
        clean=$((clean + 1))
        echo "# corpus $b: page $np stamped at $at: $msg; pages${others:- (none)} identical"
    else
        notok "corpus $b: $fail"
    fi
done < <(find "$(dirname "$0")/../../var/pdf-corpus" /usr/share/doc -name '*.pdf' -size -8M 2>/dev/null | sort | head -40)

echo "# corpus: $clean of $stamped stamped PDFs ($found found) render identically outside the imprint"
if [ "$clean" -ge 30 ]; then
    ok "corpus render: $clean of $stamped stamped PDFs render identically outside the imprint"
else
    notok "corpus render: only $clean of $stamped stamped PDFs ($found found) render identically outside the imprint (30 needed)"
fi

tap_done interop_pdf_render
