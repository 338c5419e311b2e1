#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Builds attacks against a signed PDF made by tests/resources/mkpdf.py and eseal stamp:
pdf_attack.py KIND IN.pdf OUT.pdf. Each appends (or edits) bytes the way the published attacks
do (PDF insecurity 2019: incremental saving, signature wrapping, universal signature forgery;
shadow attacks 2021); the verifier must never call the result VALID."""
import re
import sys

kind, src, dst = sys.argv[1:4]
data = bytearray(open(src, "rb").read())


def last_trailer():
    start = int(re.findall(rb"startxref\s+(\d+)", bytes(data))[-1])
    size = int(re.findall(rb"/Size (\d+)", bytes(data))[-1])
    return start, size


def append_objects(objs):
    """objs: {num: body bytes}. Appends them with a classic xref section and trailer."""
    prev, size = last_trailer()
    if not data.endswith(b"\n"):
        data.extend(b"\n")
    offs = {}
    for num, body in sorted(objs.items()):
        offs[num] = len(data)
        data.extend(b"%d 0 obj\n" % num + body + b"\nendobj\n")
    x = len(data)
    data.extend(b"xref\n")
    for num in sorted(objs):
        data.extend(b"%d 1\n%010d 00000 n \n" % (num, offs[num]))
    size = max(size, max(objs) + 1)
    data.extend(b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (size, prev, x))


def latest(num):
    """The last written version of a dictionary object "N 0 obj\n<< ... >>\nendobj": "<< ... >>"."""
    m = list(re.finditer(rb"\n%d 0 obj\n(<<.*?>>)\nendobj" % num, bytes(data), re.S))[-1]
    return bytes(data[m.start(1):m.end(1)])


def form_xobject(text):
    return (b"<< /Type /XObject /Subtype /Form /BBox [0 0 200 20] /Resources << /Font << /Helv 4 0 R >> >> "
            b"/Length %d >>\nstream\n" % len(text) + text + b"\nendstream")


if kind == "flip":  # one byte changed inside the signed range
    i = data.index(b"line 7")
    data[i + 5] = ord("8")
elif kind == "content":  # incremental saving attack: page 1's content stream replaced
    _, n = 0, None
    pages = int(re.search(rb"/Count (\d+)", bytes(data)).group(1))
    text = b"BT /F1 12 Tf 72 780 Td (Contract no. 2026-999: the amount is doubled) Tj ET\n"
    append_objects({3 + pages: b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream"})
elif kind == "annot":  # an annotation covering content, added after signing (shadow "hide")
    page = list(re.finditer(rb"\n(3) 0 obj\n(<<.*?)>>\nendobj", bytes(data), re.S))[-1]  # its latest version
    body = bytes(data[page.start(2):page.end(2)])
    body = re.sub(rb"/Annots \[([^\]]*)\]", rb"/Annots [\1 999 0 R]", body)
    append_objects({3: body + b">>", 999: b"<< /Type /Annot /Subtype /Square /Rect [60 600 500 800] /IC [1 1 1] /CA 1 >>"})
elif kind == "font":  # shadow "replace via overwrite": the font object redefined after signing
    num = int(re.search(rb"\n(\d+) 0 obj\n<< /Type /Font", bytes(data)).group(1))
    append_objects({num: b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"})
elif kind == "hide-replace":  # shadow "hide-and-replace": the page's /Contents pointed at another stream
    text = b"BT /F1 12 Tf 72 780 Td (This contract is void.) Tj ET\n"
    page = latest(3)
    page = re.sub(rb"/Contents \d+ 0 R", b"/Contents 998 0 R", page)
    append_objects({3: page, 998: b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream"})
elif kind == "unsign":  # the signature widgets removed from the page after signing
    page = list(re.finditer(rb"\n(3) 0 obj\n(<<.*?)>>\nendobj", bytes(data), re.S))[0]  # the unsigned version
    append_objects({3: bytes(data[page.start(2):page.end(2)]) + b">>"})
elif kind == "catalog":  # a new catalog pointing to other pages
    append_objects({1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"})
elif kind == "wrap":  # signature wrapping: /ByteRange rewritten (same length) to exclude more of the file
    m = re.search(rb"/ByteRange \[0 (\d+)", bytes(data))
    a = m.group(1)
    data[m.start(1):m.end(1)] = b"%0*d" % (len(a), int(a) - 10)
elif kind == "usf":  # universal signature forgery: /ByteRange made unreadable (same length)
    i = data.index(b"/ByteRange [0 ")
    data[i:i + 14] = b"/ByteRange nul"
elif kind in ("fill-name", "fill-notes"):  # form filling (mkform.py): a new value and appearance
    num, ap = (5, 100) if kind == "fill-name" else (6, 101)
    body = latest(num)
    body = re.sub(rb"/V \([^)]*\)", b"/V (Mallory Forger)", body)
    body = re.sub(rb"/AP << /N \d+ 0 R >>", b"/AP << /N %d 0 R >>" % ap, body)
    text = b"/Tx BMC BT /Helv 12 Tf 2 5 Td (Mallory Forger) Tj ET EMC"
    append_objects({num: body, ap: form_xobject(text)})
elif kind == "shared-ap":  # the notes appearance, which the page content also draws, replaced
    append_objects({9: form_xobject(b"BT /Helv 40 Tf 0 0 Td (PAID IN FULL) Tj ET")})
elif kind in ("comment", "comment-ap", "square"):  # an annotation added to page 1 (object 3)
    page = latest(3)
    page = re.sub(rb"/Annots \[([^\]]*)\]", rb"/Annots [\1 102 0 R]", page)
    annot = {"comment": b"<< /Type /Annot /Subtype /Text /Rect [400 780 420 800] /Contents (please check) >>",
             "comment-ap": b"<< /Type /Annot /Subtype /Highlight /Rect [60 600 500 800] /QuadPoints [60 800 500 800 60 600 "
                           b"500 600] /AP << /N 103 0 R >> >>",
             "square": b"<< /Type /Annot /Subtype /Square /Rect [60 600 500 800] /IC [1 1 1] >>"}[kind]
    objs = {3: page, 102: annot}
    if kind == "comment-ap":
        objs[103] = form_xobject(b"1 1 1 rg 0 0 440 200 re f")
    append_objects(objs)
elif kind == "dss":  # revocation data: the catalog gains /DSS (PAdES B-LT), nothing else changes
    append_objects({1: latest(1)[:-2] + b" /DSS 105 0 R >>", 105: b"<< /Type /DSS /Certs [106 0 R] >>",
                    106: b"<< /Length 4 >>\nstream\nx509\nendstream"})
elif kind == "truncate":  # the last revision cut off: nothing may be VALID past what is signed
    data = data[: data.rindex(b"%%EOF") - 40]
else:
    sys.exit("unknown attack " + kind)
open(dst, "wb").write(data)
