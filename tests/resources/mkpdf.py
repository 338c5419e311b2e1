#!/usr/bin/env python3
"""Writes a small test PDF of our own: mkpdf.py OUT.pdf [PAGES]. A4 pages of Helvetica text,
one content stream per page, a classic cross-reference table."""
import sys
pages = int(sys.argv[2]) if len(sys.argv) > 2 else 2
kids = " ".join("%d 0 R" % (3 + i) for i in range(pages)).encode()
objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d /MediaBox [0 0 595.28 841.89] >>" % pages]
font = 3 + 2 * pages
for i in range(pages):
    objs.append(b"<< /Type /Page /Parent 2 0 R /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>"
                % (3 + pages + i, font))
for page in range(1, pages + 1):
    text = b"".join(b"BT /F1 12 Tf 72 %d Td (Contract no. 2026-001, page %d, line %d) Tj ET\n" % (780 - 20 * i, page, i)
                    for i in range(30))
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
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
open(sys.argv[1], "wb").write(out)
