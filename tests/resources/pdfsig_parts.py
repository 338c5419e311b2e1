#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""pdfsig_parts.py PDF N OUTDIR: the pieces of the N-th signature (1-based, file order) of a PDF
written by eseal, for checks with other tools:
  OUTDIR/contents.der  the /Contents value without its zero padding (a CMS or a time-stamp token)
  OUTDIR/signed.bin    the bytes its /ByteRange covers, joined
  OUTDIR/subfilter     its /SubFilter
and, when /Contents is a CMS SignedData with a signature timestamp (unsigned attribute
id-aa-timeStampToken):
  OUTDIR/sigvalue.bin  the SignerInfo's signature value (what the timestamp covers)
  OUTDIR/sigts.der     the time-stamp token
A small DER walker, independent of eseal's code. Exit 2 when there is no N-th signature."""
import os
import re
import sys

TS_ATTR = bytes.fromhex("060b2a864886f70d010910020e")  # OID 1.2.840.113549.1.9.16.2.14


def tlv(b, i):
    tag = b[i]
    n = b[i + 1]
    j = i + 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[j:j + k], "big")
        j += k
    return tag, j, j + n  # tag, content start, content end


def children(b, start, end):
    i = start
    while i < end:
        tag, s, e = tlv(b, i)
        yield tag, i, s, e
        i = e


def main():
    pdf, idx, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    data = open(pdf, "rb").read()
    sigs = []
    for chunk in data.split(b"endobj"):
        br = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", chunk)
        ct = re.search(rb"/Contents\s*<([0-9A-Fa-f]+)>", chunk)
        sf = re.search(rb"/SubFilter\s*/([A-Za-z0-9.]+)", chunk)
        if br and ct and sf:
            sigs.append((br, ct, sf))
    if idx < 1 or idx > len(sigs):
        sys.exit(2)
    br, ct, sf = sigs[idx - 1]
    a, b, c, d = (int(br.group(k)) for k in range(1, 5))
    raw = bytes.fromhex(ct.group(1).decode())
    _, s, e = tlv(raw, 0)
    der = raw[:e]
    os.makedirs(out, exist_ok=True)
    open(os.path.join(out, "contents.der"), "wb").write(der)
    open(os.path.join(out, "signed.bin"), "wb").write(data[a:a + b] + data[c:c + d])
    open(os.path.join(out, "subfilter"), "w").write(sf.group(1).decode() + "\n")
    # ContentInfo { OID, [0] { SignedData } }; SignerInfos is SignedData's last SET.
    ci = list(children(der, s, e))
    if len(ci) != 2 or ci[1][0] != 0xA0:
        return
    sd_tag, _, sd_s, sd_e = list(children(der, ci[1][2], ci[1][3]))[0]
    sd = list(children(der, sd_s, sd_e))
    sis = sd[-1]
    for _, _, si_s, si_e in children(der, sis[2], sis[3]):
        parts = list(children(der, si_s, si_e))
        sig = [p for p in parts if p[0] == 0x04]
        if sig:
            open(os.path.join(out, "sigvalue.bin"), "wb").write(der[sig[-1][2]:sig[-1][3]])
        for tag, _, ua_s, ua_e in parts:
            if tag != 0xA1:
                continue
            for _, at_i, at_s, at_e in children(der, ua_s, ua_e):
                attr = list(children(der, at_s, at_e))
                if der[attr[0][1]:attr[0][3]] == TS_ATTR:
                    _, tok_i, _, tok_e = list(children(der, attr[1][2], attr[1][3]))[0]
                    open(os.path.join(out, "sigts.der"), "wb").write(der[tok_i:tok_e])
        break


main()
