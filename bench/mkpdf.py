#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A text PDF for the benchmarks: bench/mkpdf.py OUT PAGES [PAD_BYTES]

PAGES pages of 55 lines of Helvetica text each, a classic cross-reference table; PAD_BYTES
(default 0) of comment padding in each page's content stream make the file larger without
changing what is drawn. bench/pdf.sh and bench/pdf_revisions.sh use it.
"""
import sys

out_path, pages = sys.argv[1], int(sys.argv[2])
pad = int(sys.argv[3]) if len(sys.argv) > 3 else 0
objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (3 + i) for i in range(pages)) +
        b"] /Count %d /MediaBox [0 0 595.28 841.89] >>" % pages]
font = 3 + 2 * pages
for i in range(pages):
    objs.append(b"<< /Type /Page /Parent 2 0 R /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>"
                % (3 + pages + i, font))
for p in range(pages):
    text = b"".join(b"BT /F1 10 Tf 50 %d Td (Page %d line %d: the parties agree to the terms below.) Tj ET\n"
                    % (800 - 14 * (l % 55), p, l) for l in range(55))
    if pad > 0:
        text += b"%" + b"x" * pad + b"\n"
    objs.append(b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream")
objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
out = bytearray(b"%PDF-1.7\n")
offs = []
for i, o in enumerate(objs, 1):
    offs.append(len(out))
    out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
x = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
open(out_path, "wb").write(out)
