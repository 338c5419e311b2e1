#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a small test PDF of our own: mkpdf.py OUT.pdf [PAGES] [options]. A4 pages of Helvetica
text, one content stream per page, a classic cross-reference table.

Options (for the placement tests; without them the file is as it always was):
  --rotate R          /Rotate R on every page (any integer, written as given)
  --cropbox "X0 Y0 X1 Y1"   /CropBox on every page
  --mediabox "X0 Y0 X1 Y1"  the MediaBox (default 0 0 595.28 841.89, on the page tree node)
  --inherit           /Rotate and /CropBox on the page tree node instead (ISO 32000-1 §7.7.3.4)
  --blank             pages without text (only an empty content stream)
  --pad BYTES         a comment of BYTES bytes in each page's content stream: a larger file
                      that draws the same (the benchmarks)
  --direct-info TITLE a direct /Info dictionary with /Title TITLE in the trailer (allowed by
                      readers, though ISO 32000-1 §7.5.5 wants it indirect)
"""
import argparse

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("pages", nargs="?", type=int, default=2)
ap.add_argument("--rotate")
ap.add_argument("--cropbox")
ap.add_argument("--mediabox", default="0 0 595.28 841.89")
ap.add_argument("--inherit", action="store_true")
ap.add_argument("--blank", action="store_true")
ap.add_argument("--direct-info")
ap.add_argument("--pad", type=int, default=0)
a = ap.parse_args()
pages = a.pages
extra = b""
if a.rotate is not None:
    extra += b" /Rotate " + a.rotate.encode()
if a.cropbox is not None:
    extra += b" /CropBox [" + a.cropbox.encode() + b"]"
node_extra, page_extra = (extra, b"") if a.inherit else (b"", extra)
kids = " ".join("%d 0 R" % (3 + i) for i in range(pages)).encode()
objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d /MediaBox [" % pages + a.mediabox.encode() + b"]"
        + node_extra + b" >>"]
font = 3 + 2 * pages
for i in range(pages):
    objs.append(b"<< /Type /Page /Parent 2 0 R /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >>"
                % (3 + pages + i, font) + page_extra + b" >>")
for page in range(1, pages + 1):
    text = b"" if a.blank else b"".join(
        b"BT /F1 12 Tf 72 %d Td (Contract no. 2026-001, page %d, line %d) Tj ET\n" % (780 - 20 * i, page, i)
        for i in range(30))
    if a.pad > 0:
        text += b"%" + b"x" * a.pad + b"\n"
    objs.append(b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream")
objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
offs = []
for i, o in enumerate(objs, 1):
    offs.append(len(out))
    out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
x = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
for o in offs:
    out += b"%010d 00000 n \n" % o
info = b"" if a.direct_info is None else b" /Info << /Title (" + a.direct_info.encode() + b") >>"
out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, info, x)
open(a.out, "wb").write(out)
