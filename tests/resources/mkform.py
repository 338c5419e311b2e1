#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mkform.py OUT.pdf: a one-page A4 PDF with a form (classic xref table), for the form-filling
and field-lock tests. Fixed object numbers, which pdf_attack.py relies on:
  1 catalog (AcroForm direct: /Fields [5 0 R 6 0 R])   2 pages   3 page (/Annots [5 0 R 6 0 R])
  4 Helvetica   5 text field "name" (merged with its widget, appearance 8)
  6 text field "notes" (merged with its widget, appearance 9)   7 page content
  8 appearance of "name"   9 appearance of "notes", which the page content also draws as /X1
"""
import sys

name_ap = b"/Tx BMC BT /Helv 12 Tf 2 5 Td (Alice Example) Tj ET EMC"
notes_ap = b"/Tx BMC BT /Helv 10 Tf 2 5 Td (no notes) Tj ET EMC"
content = (b"BT /F1 14 Tf 72 780 Td (Application form) Tj ET\n"
           b"BT /F1 11 Tf 40 705 Td (Name:) Tj ET\nBT /F1 11 Tf 40 655 Td (Notes:) Tj ET\n"
           b"q 1 0 0 1 100 560 cm /X1 Do Q\n")
objs = [
    b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R 6 0 R] /DA (/Helv 0 Tf 0 g) "
    b"/DR << /Font << /Helv 4 0 R >> >> >> >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595.28 841.89] >>",
    b"<< /Type /Page /Parent 2 0 R /Contents 7 0 R /Resources << /Font << /F1 4 0 R >> "
    b"/XObject << /X1 9 0 R >> >> /Annots [5 0 R 6 0 R] >>",
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    b"<< /FT /Tx /T (name) /V (Alice Example) /DA (/Helv 12 Tf 0 g) /Type /Annot /Subtype /Widget "
    b"/Rect [100 700 300 720] /P 3 0 R /F 4 /AP << /N 8 0 R >> >>",
    b"<< /FT /Tx /T (notes) /V (no notes) /DA (/Helv 10 Tf 0 g) /Type /Annot /Subtype /Widget "
    b"/Rect [100 650 300 670] /P 3 0 R /F 4 /AP << /N 9 0 R >> >>",
    b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    b"<< /Type /XObject /Subtype /Form /BBox [0 0 200 20] /Resources << /Font << /Helv 4 0 R >> >> "
    b"/Length %d >>\nstream\n" % len(name_ap) + name_ap + b"\nendstream",
    b"<< /Type /XObject /Subtype /Form /BBox [0 0 200 20] /Resources << /Font << /Helv 4 0 R >> >> "
    b"/Length %d >>\nstream\n" % len(notes_ap) + notes_ap + b"\nendstream",
]
out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
offs = []
for i, o in enumerate(objs, 1):
    offs.append(len(out))
    out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
x = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
open(sys.argv[1], "wb").write(out)
