#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""OFD attack builder (issue #15): build.py BASE.ofd OUTDIR

Writes variants of a signed OFD package into OUTDIR, one file per attack, named
CLASS__VARIANT.ofd, and OUTDIR/manifest.tsv with one line per file:
    file <TAB> class <TAB> expect <TAB> what
expect is "notvalid" when no VALID verdict is acceptable even with the page content unchanged
(one stamp shown as two, a list that readers read differently, a refused construct), "oracle"
when a VALID verdict is acceptable only with the content unchanged (the runner's oracle).

Classes: list (signature-list anomalies), xml (constructs OFD does not use, attribute floods),
later (what a later change may add: the allow-list), package (zip-level attacks: zip slip,
bombs, duplicate entries, absolute names) and parser (XXE, billion laughs, DOCTYPE).
Entries are copied byte for byte unless the attack changes them. Only Python's zipfile and
zlib: the package is rebuilt, so the raw zip bytes differ from the base's (which is fine: the
verifier judges entries, and the runner's oracle compares entries).
"""
import os
import re
import struct
import sys
import warnings
import zipfile
import zlib

BASE, OUT = sys.argv[1], sys.argv[2]
os.makedirs(OUT, exist_ok=True)
warnings.simplefilter("ignore")  # duplicate names are the point of some attacks

zin = zipfile.ZipFile(BASE)
names = [i.filename for i in zin.infolist() if not i.filename.endswith("/")]
files = {n: zin.read(n) for n in names}
NS = b'xmlns:ofd="http://www.ofdspec.org/2016"'

# Where things are: OFD.xml -> DocRoot, Signatures; the list's entries.
ofdxml = files["OFD.xml"].decode("utf-8", "replace")
m = re.search(r"<(?:\w+:)?Signatures>\s*/?([^<\s]+)\s*</(?:\w+:)?Signatures>", ofdxml)
if m is None:
    sys.exit("build.py: %s has no signature list" % BASE)
LIST = m.group(1)
if LIST not in files:  # relative to the root either way in our bases
    sys.exit("build.py: the list %s is missing" % LIST)
DOC = re.search(r"<(?:\w+:)?DocRoot>\s*/?([^<\s]+)\s*</", ofdxml).group(1)
DOCDIR = DOC.rsplit("/", 1)[0] + "/" if "/" in DOC else ""
SIGNS = DOCDIR + "Signs/"
listxml = files[LIST]
ENTRY = re.compile(rb"<(\w+:)?Signature\s[^>]*?/>")
entries = ENTRY.findall(listxml) and [mm.group(0) for mm in ENTRY.finditer(listxml)]
if not entries:
    sys.exit("build.py: no <Signature/> entries in %s" % LIST)
PFX = re.match(rb"<(\w+:)?", entries[0]).group(1) or b""
CLOSE = b"</" + PFX + b"Signatures>"
pages = sorted(n for n in names if re.match(re.escape(DOCDIR) + r"Pages/Page_\d+/Content\.xml$", n))
PAGE = pages[0] if pages else None
manifest = []


def baseloc(e):
    return re.search(rb'BaseLoc="([^"]*)"', e).group(1).decode()


def write(cls, variant, what, expect, entries_out, extra=None, drop=(), raw=None):
    """The base with `entries_out` (name, bytes) replacing/adding, `drop` names removed."""
    path = os.path.join(OUT, "%s__%s.ofd" % (cls, variant))
    if raw is not None:
        with open(path, "wb") as f:
            f.write(raw)
    else:
        repl = dict(entries_out)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for n in names:
                if n in drop:
                    continue
                z.writestr(n, repl.pop(n, files[n]))
            for n, data in repl.items():
                z.writestr(n, data)
            for n, data in extra or []:
                z.writestr(n, data)
    manifest.append("%s\t%s\t%s\t%s" % (os.path.basename(path), cls, expect, what))


def with_list(body):
    """The list with its entries replaced by `body` (bytes), everything else kept."""
    first = listxml.index(entries[0])
    last = listxml.index(entries[-1]) + len(entries[-1])
    return listxml[:first] + body + listxml[last:]


def add_to_list(extra):
    i = listxml.rindex(CLOSE)
    return listxml[:i] + extra + listxml[i:]


def el(name, attrs, children=b""):
    head = b"<" + PFX + name + b" " + attrs
    return head + (b">" + children + b"</" + PFX + name + b">" if children else b"/>")


E = entries
last = E[-1]
page_xml = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page ' + NS + b'><ofd:Content><ofd:Layer ID="900">'
            b'<ofd:TextObject ID="901" Boundary="0 0 210 297" Font="2" Size="40"><ofd:TextCode X="10" Y="100">'
            b'PAY 1,000,000 TO MALLORY</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>')

# ---- list: the signature list as evidence -------------------------------------------------------
write("list", "dup_same_entry", "the last entry listed twice", "notvalid", [(LIST, add_to_list(last))])
write("list", "dup_id", "an entry repeating the last ID for the first file", "notvalid",
      [(LIST, add_to_list(re.sub(rb'BaseLoc="[^"]*"', b'BaseLoc="' + baseloc(E[0]).encode() + b'"', last)
                          if len(E) > 1 else last))])
write("list", "dup_baseloc", "a new ID for the last entry's file", "notvalid",
      [(LIST, add_to_list(re.sub(rb'ID="[^"]*"', b'ID="zz999"', last)))])
write("list", "dup_dir", "a new ID and another file in the last entry's directory", "notvalid",
      [(LIST, add_to_list(re.sub(rb'BaseLoc="([^"]*/)[^"/]*"', rb'BaseLoc="\1Other.xml"',
                                 re.sub(rb'ID="[^"]*"', b'ID="zz998"', last))))])
nested = last[:-2] + b">" + re.sub(rb'ID="[^"]*"', b'ID="zz997"', last) + b"</" + PFX + b"Signature>"
write("list", "nested", "an entry nested inside the last one", "notvalid", [(LIST, with_list(b"".join(E[:-1]) + nested))])
foreign = re.sub(rb"<(\w+:)?Signature", b'<x:Signature xmlns:x="urn:attack"', re.sub(rb'ID="[^"]*"', b'ID="zz996"', last))
write("list", "foreign_entry", "an entry in another namespace", "notvalid", [(LIST, add_to_list(foreign))])
write("list", "foreign_attr", "a BaseLoc attribute in another namespace on the last entry", "notvalid",
      [(LIST, with_list(b"".join(E[:-1]) + last.replace(b" BaseLoc=", b' xmlns:x="urn:a" x:BaseLoc="/' +
                                                        (PAGE or "x").encode() + b'" BaseLoc=', 1)))])
write("list", "foreign_element", "an element of another namespace in the list", "notvalid",
      [(LIST, add_to_list(b'<x:Note xmlns:x="urn:attack">approved</x:Note>'))])
write("list", "unknown_element", "an OFD-namespace element a list does not have", "notvalid",
      [(LIST, add_to_list(b"<" + PFX + b"Annot>x</" + PFX + b"Annot>"))])
write("list", "no_type", "Type removed from every entry (the default is Seal)", "oracle",
      [(LIST, with_list(b"".join(re.sub(rb'\sType="[^"]*"', b"", e) for e in E)))])
write("list", "unknown_type", "Type=\"Annot\" on the last entry", "notvalid",
      [(LIST, with_list(b"".join(E[:-1]) + re.sub(rb'Type="[^"]*"', b'Type="Annot"', last)
                        if b"Type=" in last else b"".join(E[:-1]) + last.replace(b" BaseLoc", b' Type="Annot" BaseLoc')))])
write("list", "no_id", "an extra entry without ID", "notvalid",
      [(LIST, add_to_list(re.sub(rb'\sID="[^"]*"', b"", re.sub(rb'BaseLoc="([^"]*/)[^"/]*"', rb'BaseLoc="\1X.xml"', last))))])
write("list", "no_baseloc", "an extra entry without BaseLoc", "notvalid",
      [(LIST, add_to_list(el(b"Signature", b'ID="zz995" Type="Seal"')))])
write("list", "baseloc_escape", "an entry whose BaseLoc climbs out of the package", "notvalid",
      [(LIST, add_to_list(el(b"Signature", b'ID="zz994" Type="Seal" BaseLoc="../../../../etc/passwd"')))])
if PAGE:
    write("list", "baseloc_page", "an added page disguised as a signature (BaseLoc to it)", "notvalid",
          [(LIST, add_to_list(el(b"Signature", b'ID="zz993" Type="Seal" BaseLoc="/' +
                                 PAGE.replace("Page_0", "Page_99").encode() + b'"'))),
           (PAGE.replace("Page_0", "Page_99"), page_xml)])
write("list", "baseloc_signs_root", "an entry whose file sits directly in Signs/", "notvalid",
      [(LIST, add_to_list(el(b"Signature", b'ID="zz992" Type="Seal" BaseLoc="/' + SIGNS.encode() + b'Signature.xml"'))),
       (SIGNS + "Signature.xml", files[baseloc(last).lstrip("/")] if baseloc(last).lstrip("/") in files else b"<x/>")])
if len(E) > 1:
    write("list", "removed_first", "the first entry taken off the list (its files stay)", "notvalid",
          [(LIST, with_list(b"".join(E[1:])))])
    write("list", "removed_last", "the last entry taken off the list (its files stay)", "notvalid",
          [(LIST, with_list(b"".join(E[:-1])))])

# ---- xml: constructs OFD does not use -------------------------------------------------------------
decl_end = listxml.index(b"?>") + 2 if listxml.startswith(b"<?xml") else 0
write("xml", "pi", "a processing instruction in the list", "notvalid",
      [(LIST, listxml[:decl_end] + b'<?xml-stylesheet href="evil.xsl"?>' + listxml[decl_end:])])
write("xml", "xinclude", "an xi:include in the list", "notvalid",
      [(LIST, add_to_list(b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/' + SIGNS.encode() +
                          b'more.xml"/>'))])
root_open = re.search(rb"<(\w+:)?Signatures\b", listxml).end()
for n in (300, 100000):
    attrs = b"".join(b' a%d=""' % k for k in range(n))
    write("xml", "attrs_%d" % n, "%d attributes on the list's root element" % n, "notvalid",
          [(LIST, listxml[:root_open] + attrs + listxml[root_open:])])
if PAGE:
    write("xml", "page_pi", "a processing instruction in a page", "notvalid",
          [(PAGE, files[PAGE].replace(b"?>", b'?><?evil x?>', 1))])

# ---- later: what a later change may add (the allow-list) --------------------------------------
if PAGE:
    write("later", "added_page_file", "a page content file added, not referenced", "oracle",
          [], extra=[(PAGE.replace("Page_0", "Page_98"), page_xml)])
    write("later", "changed_page", "page content replaced", "oracle", [(PAGE, page_xml)])
doc = files.get(DOC)
if doc is not None and PAGE:
    added = doc.replace(b"</ofd:Pages>", b'<ofd:Page ID="9999" BaseLoc="Pages/Page_97/Content.xml"/></ofd:Pages>', 1)
    write("later", "added_page", "a page added to Document.xml", "oracle",
          [(DOC, added), (PAGE.replace("Page_0", "Page_97"), page_xml)])
    annots = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Annotations ' + NS + b'><ofd:Page PageID="1">'
              b'<ofd:FileLoc>Page_0/Annotation.xml</ofd:FileLoc></ofd:Page></ofd:Annotations>')
    write("later", "added_annotations", "an annotation list and annotation added", "oracle", [],
          extra=[(DOCDIR + "Annots/Annotations.xml", annots), (DOCDIR + "Annots/Page_0/Annotation.xml", page_xml)])
res = [n for n in names if n.endswith("PublicRes.xml") or n.endswith("DocumentRes.xml")]
if res:
    write("later", "changed_resource", "a resource file changed", "oracle",
          [(res[0], files[res[0]].replace(b"</ofd:Res>", b"<!-- changed --></ofd:Res>"))])
write("later", "file_beside_signature", "a file added in the last signature's directory", "oracle", [],
      extra=[(baseloc(last).lstrip("/").rsplit("/", 1)[0] + "/Extra.xml", page_xml)])
fake = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Signature ' + NS + b'><ofd:SignedInfo><ofd:Seal><ofd:BaseLoc>/' +
        DOCDIR.encode() + b'Res/stamp.xml</ofd:BaseLoc></ofd:Seal></ofd:SignedInfo><ofd:SignedValue>/' +
        DOCDIR.encode() + b'Res/value.xml</ofd:SignedValue></ofd:Signature>')
write("later", "fake_signature_files", "a listed fake signature whose value and seal are resources", "notvalid",
      [(LIST, add_to_list(el(b"Signature", b'ID="zz990" Type="Seal" BaseLoc="/' + SIGNS.encode() +
                             b'Sign_90/Signature.xml"')))],
      extra=[(SIGNS + "Sign_90/Signature.xml", fake), (DOCDIR + "Res/value.xml", page_xml),
             (DOCDIR + "Res/stamp.xml", page_xml)])
write("later", "changed_ofd_xml", "OFD.xml changed (a later stamp does not touch it)", "oracle",
      [("OFD.xml", files["OFD.xml"].replace(b"</ofd:DocInfo>", b"<ofd:Keywords><ofd:Keyword>x</ofd:Keyword>"
                                                              b"</ofd:Keywords></ofd:DocInfo>", 1))])
write("later", "removed_page", "a protected page removed", "oracle", [], drop=[PAGE] if PAGE else [names[-1]])

# ---- package: zip-level attacks --------------------------------------------------------------------
write("package", "zip_slip", "an entry named ../evil.xml", "notvalid", [], extra=[("../evil.xml", page_xml)])
write("package", "absolute", "an entry named /abs.xml", "notvalid", [], extra=[("/abs.xml", page_xml)])
write("package", "backslash", "an entry named Doc_0\\Pages\\x.xml", "notvalid", [],
      extra=[(DOCDIR.rstrip("/") + "\\Pages\\x.xml", page_xml)])
if PAGE:
    write("package", "duplicate_entry", "the first page twice (the second the attacker's)", "notvalid", [],
          extra=[(PAGE, page_xml)])
write("package", "duplicate_list", "the signature list twice", "notvalid", [],
      extra=[(LIST, with_list(b"".join(E[:1])))])
write("package", "bomb", "an entry inflating 64 MiB of zeros (ratio > 1000)", "notvalid", [],
      extra=[(DOCDIR + "Res/bomb.xml", b"\0" * (64 << 20))])


def with_eocd_comment(data):
    """Two end-of-central-directory records: the real one, and a fake in the comment."""
    return data[:-2] + struct.pack("<H", 22) + b"PK\x05\x06" + b"\0" * 18


src = open(BASE, "rb").read()
if src[-22:-18] == b"PK\x05\x06":
    write("package", "two_eocd", "a second end-of-central-directory record in the comment", "notvalid", [],
          raw=with_eocd_comment(src))
write("package", "truncated", "the package cut in half", "notvalid", [], raw=src[: len(src) // 2])

# ---- parser: DTD-borne attacks --------------------------------------------------------------------
xxe = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
       b'<ofd:Signatures ' + NS + b'>&x;' + b"".join(E) + b"</ofd:Signatures>")
write("parser", "xxe_list", "an external entity in the list", "notvalid", [(LIST, xxe)])
lol = (b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">' +
       b"".join(b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((98 + i,) + (97 + i,) * 10) for i in range(8)) +
       b']>\n<ofd:Signatures ' + NS + b'>&i;' + b"".join(E) + b"</ofd:Signatures>")
write("parser", "billion_laughs", "nested entities in the list", "notvalid", [(LIST, lol)])
if PAGE:
    write("parser", "doctype_page", "a DOCTYPE in a page", "notvalid",
          [(PAGE, files[PAGE].replace(b"?>", b"?><!DOCTYPE ofd:Page>", 1))])
deep = b"<a>" * 5000 + b"</a>" * 5000
write("parser", "deep", "5000 nested elements in the list", "notvalid", [(LIST, add_to_list(deep))])

with open(os.path.join(OUT, "manifest.tsv"), "w") as f:
    f.write("\n".join(manifest) + "\n")
print("%d attack files from %s" % (len(manifest), BASE))
