#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the hostile OFD packages of tests/unit/ofd/test_ofd.c into OUTDIR.

usage: mkzip.py OUTDIR [--many]

A small zip writer of its own (APPNOTE 6.3.x, Zip64 only for the end record): Python's zipfile cuts
names at a NUL, cannot write encrypted or lying entries and normalises what
these tests need raw. Every package is a minimal OFD (OFD.xml, Doc_0/Document.xml)
with one thing wrong, named after it; shaped.ofd is a well-formed package shaped like a
stamped one (pages, a picture, Signs/Sign_0), the input of the limit, writer and allocation tests,
and truncated.ofd is its first half. With --many it also writes the two
100000-entry packages (about 9 MB each) that check duplicate detection is not
quadratic.
"""
import os
import random
import struct
import sys
import zlib

OFD_XML = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
           b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">'
           b'<ofd:DocBody><ofd:DocInfo><ofd:DocID>0123456789abcdef</ofd:DocID></ofd:DocInfo>'
           b'<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>\n')
DOC_XML = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
           b'<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CommonData>'
           b'<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>'
           b'</ofd:CommonData><ofd:Pages/></ofd:Document>\n')

DOS_TIME, DOS_DATE = 0x6000, 0x5a21  # 2025-01-01 12:00


def deflate(data, level=9):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


class E:
    """One entry. `payload` is written as stored after the local header."""

    def __init__(self, name, data=b'', method=8, **kw):
        self.name = name if isinstance(name, bytes) else name.encode()
        self.data = data
        self.method = method
        self.payload = deflate(data) if method == 8 else data
        self.crc = zlib.crc32(data)
        self.usize = len(data)
        self.csize = len(self.payload)
        self.flags = 0x0800 if any(b >= 0x80 for b in self.name) else 0
        self.local_name = None
        self.extra = b''
        self.local_extra = None
        self.offset = None  # forced central directory offset
        for k, v in kw.items():
            setattr(self, k, v)


def build(entries, comment=b'', prefix=b''):
    out = bytearray(prefix)
    offsets = []
    for e in entries:
        if e.offset is not None and e.payload is None:
            offsets.append(e.offset)  # points elsewhere; nothing written
            continue
        offsets.append(len(out))
        lname = e.local_name if e.local_name is not None else e.name
        lextra = e.local_extra if e.local_extra is not None else e.extra
        out += struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, e.flags, e.method, DOS_TIME, DOS_DATE,
                           e.crc, e.csize, e.usize, len(lname), len(lextra))
        out += lname + lextra + e.payload
    cd_off = len(out)
    for e, off in zip(entries, offsets):
        if e.offset is not None:
            off = e.offset
        out += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 0x0314, 20, e.flags, e.method, DOS_TIME,
                           DOS_DATE, e.crc, e.csize, e.usize, len(e.name), len(e.extra), 0, 0, 0,
                           0o100644 << 16, off)
        out += e.name + e.extra
    cd_size = len(out) - cd_off
    n = len(entries)
    if n > 0xffff:
        # Zip64 end record and locator (APPNOTE 4.3.14, 4.3.15) for more than 65535 entries.
        z64 = len(out)
        out += struct.pack('<IQHHIIQQQQ', 0x06064b50, 44, 45, 45, 0, 0, n, n, cd_size, cd_off)
        out += struct.pack('<IIQI', 0x07064b50, 0, z64, 1)
        n = 0xffff
    out += struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, n, n, cd_size, cd_off, len(comment)) + comment
    return bytes(out)


def base(*more):
    return [E('OFD.xml', OFD_XML), E('Doc_0/Document.xml', DOC_XML)] + list(more)


def unicode_path(shown_name, header_name):
    """Info-ZIP Unicode Path extra field (0x7075): version 1, CRC-32 of the header name, UTF-8 name."""
    body = struct.pack('<BI', 1, zlib.crc32(header_name)) + shown_name
    return struct.pack('<HH', 0x7075, len(body)) + body


def with_ofd_xml(xml):
    return build([E('OFD.xml', xml), E('Doc_0/Document.xml', DOC_XML)])


def shaped():
    """A package shaped like a stamped OFD: the largest entry is Page_0/Content.xml (deflated to a
    fraction of its size), a stored incompressible picture, and the files of one signature."""
    rnd = random.Random(14)
    page = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016">'
            b'<ofd:Content><ofd:Layer ID="20">'
            + b''.join(b'<ofd:TextObject ID="%d" Boundary="25 %d 160 8" Font="2" Size="5"><ofd:TextCode X="0" Y="5">'
                       b'line %d</ofd:TextCode></ofd:TextObject>' % (100 + i, 30 + i, i) for i in range(200))
            + b'</ofd:Layer></ofd:Content></ofd:Page>\n')
    return build(base(
        E('Doc_0/PublicRes.xml', b'<ofd:Res xmlns:ofd="http://www.ofdspec.org/2016" BaseLoc="Res"/>\n'),
        E('Doc_0/Pages/Page_0/Content.xml', page),
        E('Doc_0/Pages/Page_1/Content.xml', page[:len(page) // 3] + b'<!-- the first third -->'),
        E('Doc_0/Res/picture.bin', rnd.randbytes(9000), method=0),
        E('Doc_0/Signs/Signatures.xml', b'<ofd:Signatures xmlns:ofd="http://www.ofdspec.org/2016">'
          b'<ofd:Signature ID="1" BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"/></ofd:Signatures>\n'),
        E('Doc_0/Signs/Sign_0/Signature.xml', b'<ofd:Signature xmlns:ofd="http://www.ofdspec.org/2016">'
          b'<ofd:SignedInfo/><ofd:SignedValue>/Doc_0/Signs/Sign_0/SignedValue.dat</ofd:SignedValue>'
          b'</ofd:Signature>\n'),
        E('Doc_0/Signs/Sign_0/SignedValue.dat', rnd.randbytes(1500)),
        E('Doc_0/Signs/Sign_0/Seal.esl', rnd.randbytes(1200))))


def packages(sample):
    p = {}
    p['shaped'] = sample
    p['good'] = build(base(E('Doc_0/Res/stored.bin', b'stored bytes\n' * 10, method=0),
                           E('Doc_0/Res/'.encode(), b'', method=0)))
    # ---- the archive ----
    p['notzip'] = b'This is not a zip archive, just text pretending to be an OFD.\n' * 4
    p['truncated'] = sample[:len(sample) // 2]
    p['trailing'] = build(base()) + b'JUNK AFTER THE END RECORD'
    p['empty'] = build([])
    p['dirs-only'] = build([E('Doc_0/', b'', method=0)])
    p['two-eocd'] = build(base(), comment=build([E('OFD.xml', b'<x/>')]))
    # ---- names ----
    p['dotdot'] = build(base(E('../evil.xml', b'<x/>')))
    p['dot'] = build(base(E('./Doc_0/a.xml', b'<x/>')))
    p['abs'] = build(base(E('/abs.xml', b'<x/>')))
    p['backslash'] = build(base(E('Doc_0\\evil.xml', b'<x/>')))
    p['emptyseg'] = build(base(E('Doc_0//a.xml', b'<x/>')))
    p['ctrl'] = build(base(E(b'Doc_0/a\x01.xml', b'<x/>')))
    p['nul'] = build(base(E(b'Doc_0/a.xml\x00.exe', b'<x/>')))
    p['dup'] = build(base(E('OFD.xml', b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>')))
    p['dup-dir'] = build(base(E('Doc_0/', b'', method=0), E('Doc_0/', b'', method=0)))
    p['name-gbk'] = build(base(E('Doc_0/发票.xml'.encode('gbk'), b'<x/>', flags=0)))
    p['name-gbk-flagged'] = build(base(E('Doc_0/发票.xml'.encode('gbk'), b'<x/>', flags=0x0800)))
    p['name-utf8'] = build(base(E('Doc_0/发票.xml', b'<x/>')))
    p['longname'] = build(base(E('Doc_0/' + 'a' * 1100 + '.xml', b'<x/>')))
    # The name libzip shows comes from a Unicode Path extra field; other readers show the header's.
    e = E('Doc_0/a.xml', b'<x/>')
    e.extra = unicode_path(b'Doc_0/b.xml', b'Doc_0/a.xml')
    p['unicode-path'] = build(base(e))
    # The local header names another file (made consistent for libzip by a Unicode Path field
    # in the local header only): a streaming reader sees Doc_0/a.xml, the central directory b.xml.
    e = E('Doc_0/b.xml', b'<x/>', local_name=b'Doc_0/a.xml')
    e.local_extra = unicode_path(b'Doc_0/b.xml', b'Doc_0/a.xml')
    p['local-name'] = build(base(e))
    # ---- entries ----
    e = E('OFD.xml', OFD_XML)
    e.flags |= 1
    p['encrypted'] = build([e, E('Doc_0/Document.xml', DOC_XML)])
    e = E('Doc_0/a.bin', b'x' * 100, method=0)
    e.method = 12  # bzip2, with stored bytes: never inflated, refused first
    p['method'] = build(base(e))
    p['dir-data'] = build(base(E('Doc_0/Res/', b'hello', method=0)))
    p['stored-size'] = build(base(E('Doc_0/a.bin', b'0123456789', method=0, usize=20)))
    zeros = bytes(10 << 20)
    bomb = E('Doc_0/bomb.bin', zeros)
    assert bomb.usize > 1000 * bomb.csize, (bomb.usize, bomb.csize)
    p['bomb'] = build(base(bomb))
    # Declares 100 bytes, inflates to 10000 (and the reverse).
    long_data = bytes((i * 7) & 0xff for i in range(10000))
    p['inflates-more'] = build(base(E('Doc_0/a.bin', long_data, usize=100)))
    short_data = bytes((i * 13 + 5) & 0xff for i in range(100))
    p['inflates-less'] = build(base(E('Doc_0/a.bin', short_data, usize=5000)))
    p['crc-stored'] = build(base(E('Doc_0/a.bin', b'stored data', method=0, crc=0x12345678)))
    p['crc-deflated'] = build(base(E('Doc_0/a.xml', b'<x>deflated data</x>', crc=0x12345678)))
    p['bad-deflate'] = build(base(E('Doc_0/a.bin', b'x' * 64, payload=b'\xff' * 20, csize=20)))
    # Doc_0/inner.xml's local header and data lie inside Doc_0/outer.bin's stored data.
    inner = E('Doc_0/inner.xml', b'<inner/>', method=0)
    inner_lh = struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, 0, DOS_TIME, DOS_DATE, inner.crc, inner.csize,
                           inner.usize, len(inner.name), 0) + inner.name + inner.payload
    entries = base(E('Doc_0/outer.bin', b'HEAD' + inner_lh + b'TAIL', method=0))
    pre = build(entries)
    outer_off = pre.index(b'Doc_0/outer.bin') - 30
    inner.offset = outer_off + 30 + len(b'Doc_0/outer.bin') + 4
    inner.payload = None
    p['overlap'] = build(entries + [inner])
    # ---- XML (as OFD.xml) ----
    p['xml-doctype'] = with_ofd_xml(b'<?xml version="1.0"?>\n<!DOCTYPE ofd:OFD>\n' + OFD_XML.split(b'\n', 1)[1])
    laughs = b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    prev = 'lol'
    for i in range(1, 10):
        laughs += ('<!ENTITY lol%d "%s">\n' % (i, ('&%s;' % prev) * 10)).encode()
        prev = 'lol%d' % i
    laughs += b']>\n<lolz>&lol9;</lolz>\n'
    p['xml-laughs'] = with_ofd_xml(laughs)
    p['xml-xxe-file'] = with_ofd_xml(b'<?xml version="1.0"?>\n<!DOCTYPE r [\n'
                                     b'<!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n<r>&x;</r>\n')
    p['xml-xxe-net'] = with_ofd_xml(b'<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd" [\n'
                                    b'<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.ent"> %p;\n]>\n<r>&x;</r>\n')
    p['xml-utf16-doctype'] = with_ofd_xml(
        '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        '<r>&x;</r>\n'.encode('utf-16'))
    p['xml-utf7-doctype'] = with_ofd_xml(
        b'<?xml version="1.0" encoding="UTF-7"?>\n+ADw-!DOCTYPE r +AFs-+ADw-!ENTITY x SYSTEM '
        b'+ACI-file:///etc/passwd+ACI-+AD4-+AF0-+AD4-\n<r>&x;</r>\n')
    p['xml-deep'] = with_ofd_xml(b'<?xml version="1.0"?>\n' + b'<a>' * 65 + b'</a>' * 65 + b'\n')
    p['xml-deeper'] = with_ofd_xml(b'<?xml version="1.0"?>\n' + b'<a>' * 300 + b'</a>' * 300 + b'\n')
    p['xml-nest64'] = with_ofd_xml(b'<?xml version="1.0"?>\n' + b'<a>' * 64 + b'</a>' * 64 + b'\n')
    big = b''.join(b'<ofd:P ID="%d" V="%08x"/>\n' % (i, (i * 2654435761) & 0xffffffff) for i in range(6000))
    p['xml-big'] = with_ofd_xml(b'<?xml version="1.0"?>\n<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016">\n' +
                                big + b'</ofd:OFD>\n')
    p['xml-undeclared-entity'] = with_ofd_xml(b'<?xml version="1.0"?>\n<r>&foo;</r>\n')
    p['xml-unbound-prefix'] = with_ofd_xml(b'<?xml version="1.0"?>\n<ofd:OFD Version="1.0"/>\n')
    p['xml-mismatch'] = with_ofd_xml(b'<?xml version="1.0"?>\n<a>\n<b></c>\n</a>\n')
    p['xml-not-utf8'] = with_ofd_xml('<?xml version="1.0" encoding="GBK"?>\n<r>发票</r>\n'.encode('gbk'))
    p['xml-empty'] = with_ofd_xml(b'')
    return p


def many(dup):
    """100000 entries (OFD.xml and 99999 empty stored files); with dup the last repeats the first."""
    entries = [E('OFD.xml', OFD_XML)]
    for i in range(1, 100000):
        entries.append(E('d/%05d' % (i if not (dup and i == 99999) else 1), b'', method=0))
    return build(entries)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    items = packages(shaped())
    if '--many' in sys.argv[2:]:
        items['many'] = many(False)
        items['many-dup'] = many(True)
    for name, data in items.items():
        with open(os.path.join(out, name + '.ofd'), 'wb') as f:
            f.write(data)
    print('mkzip: %d packages in %s' % (len(items), out))


if __name__ == '__main__':
    main()
