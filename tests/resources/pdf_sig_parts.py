#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""pdf_sig_parts.py SIGNED.pdf N OUT.p7s OUT.data: writes the N-th (1-based, in file order)
signature's CMS (the /Contents bytes, zero padding removed) and the bytes its /ByteRange
covers, so that an independent CMS verifier can check a PDF signature."""
import re
import sys

d = open(sys.argv[1], "rb").read()
n = int(sys.argv[2])
sig = list(re.finditer(rb"/ByteRange \[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]\s*/Contents <([0-9A-Fa-f]+)>", d))[n - 1]
a, b, c, e = (int(x) for x in sig.groups()[:4])
cms = bytes.fromhex(sig.group(5).decode())
# DER length of the SEQUENCE (the rest is padding)
if cms[1] & 0x80:
    k = cms[1] & 0x7F
    length = 2 + k + int.from_bytes(cms[2:2 + k], "big")
else:
    length = 2 + cms[1]
open(sys.argv[3], "wb").write(cms[:length])
open(sys.argv[4], "wb").write(d[a:a + b] + d[c:c + e])
