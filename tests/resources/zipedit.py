#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""zipedit.py IN OUT [--flip NAME] [--replace NAME OLD NEW] [--drop NAME] [--add NAME]:
rewrites an OFD package (zip) with one change, for the tampering tests: --flip changes the
last byte of entry NAME, --replace its first OLD bytes into NEW, --drop leaves NAME out,
--add adds NAME as an empty OFD page."""
import argparse
import zipfile

ap = argparse.ArgumentParser()
ap.add_argument("src")
ap.add_argument("dst")
ap.add_argument("--flip")
ap.add_argument("--replace", nargs=3, metavar=("NAME", "OLD", "NEW"))
ap.add_argument("--drop")
ap.add_argument("--add")
a = ap.parse_args()
zin = zipfile.ZipFile(a.src)
with zipfile.ZipFile(a.dst, "w", zipfile.ZIP_DEFLATED) as z:
    for name in zin.namelist():
        if name == a.drop:
            continue
        data = zin.read(name)
        if name == a.flip:
            data = data[:-1] + bytes([data[-1] ^ 1])
        if a.replace and name == a.replace[0]:
            old, new = a.replace[1].encode(), a.replace[2].encode()
            assert old in data, (name, old)
            data = data.replace(old, new, 1)
        z.writestr(name, data)
    if a.add:
        z.writestr(a.add, b'<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"/>')
