#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a small unsigned OFD package of our own: mkofd.py OUT.ofd [PAGES]. A4 pages
(210x297 mm) with a line of text each, one font in PublicRes.xml, deflated entries."""
import sys
import zipfile

out = sys.argv[1]
pages = int(sys.argv[2]) if len(sys.argv) > 2 else 1
NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
ofd = (HEAD + '<ofd:OFD %s Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
       '<ofd:DocID>6f0c3d0e5a0b4b2a9d1e0c0a0b0c0d0e</ofd:DocID><ofd:Creator>eseal tests</ofd:Creator>'
       '</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>' % NS)
refs = "".join('<ofd:Page ID="%d" BaseLoc="Pages/Page_%d/Content.xml"/>' % (10 + i, i) for i in range(pages))
doc = (HEAD + '<ofd:Document %s><ofd:CommonData><ofd:MaxUnitID>%d</ofd:MaxUnitID><ofd:PageArea>'
       '<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>'
       '</ofd:CommonData><ofd:Pages>%s</ofd:Pages></ofd:Document>' % (NS, 100 + pages, refs))
res = (HEAD + '<ofd:Res %s BaseLoc="Res"><ofd:Fonts><ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/>'
       '</ofd:Fonts></ofd:Res>' % NS)
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("OFD.xml", ofd)
    z.writestr("Doc_0/Document.xml", doc)
    z.writestr("Doc_0/PublicRes.xml", res)
    for i in range(pages):
        page = (HEAD + '<ofd:Page %s><ofd:Content><ofd:Layer ID="%d"><ofd:TextObject ID="%d" Boundary="25 30 160 8" '
                'Font="2" Size="5"><ofd:TextCode X="0" Y="5">合同第 %d 页 Contract page %d</ofd:TextCode>'
                '</ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>' % (NS, 200 + 2 * i, 201 + 2 * i, i + 1, i + 1))
        z.writestr("Doc_0/Pages/Page_%d/Content.xml" % i, page)
