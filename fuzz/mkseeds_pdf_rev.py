#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Seeds for fuzz/pdf_verify_fuzzer.c's later-revision mode (fuzz/corpora/pdf_verify_rev/).

    : >/tmp/empty
    ESEAL_FUZZ_PDF_BASE=/tmp/base.pdf build/tests/pdf_verify_fuzzer /tmp/empty
    rm fuzz/corpora/pdf_verify_rev/rev-*
    fuzz/mkseeds_pdf_rev.py /tmp/base.pdf fuzz/corpora/pdf_verify_rev

Each seed is only the bytes an attacker appends after the harness's stamped file: a later
revision of the published attack kinds (Mladenov et al. 2019 "1 Trillion Dollar Refund",
Mainka et al. 2021 shadow attacks, and the classes of issue #15). Offsets, /Prev and the object
numbers are read from the stamped file the harness dumps, so this must be re-run when the
harness's document or the stamper's layout changes (ctest fuzz_pdf_verify_seeds then fails).
Nothing random of the stamped file (its /ID, the CMS) is copied: the output is the same on
every run.
The stamped file's objects (printed by `--layout`):

    1 Catalog (rewritten by the stamp with /AcroForm 10 0 R)   2 Pages   3 Page (rewritten with
    /Annots [9 0 R])   4 content stream "Pay 100 to Alice"   5 Font Helvetica   6 the seal (SES_Seal)
    7 signature dictionary   8 the imprint's appearance   9 the signature field + widget
    10 AcroForm;  /Size 11, objects 11+ are free for an attacker.

Kinds whose name starts with "ok-" are benign (nothing a reader shows changes); all the others
must never be VALID, or VALID only with identical renderings (the oracle's question).
"""
import re
import sys

FULL_PAGE = b"1 1 1 rg 0 0 595 842 re f 0 0 0 rg BT /Helv 36 Tf 40 420 Td (PAY 1,000,000 TO MALLORY) Tj ET"


class Doc:
    """The stamped file plus what a seed appends; offsets are absolute in the whole file."""

    def __init__(self, base):
        self.base = base
        self.app = bytearray()

    def whole(self):
        return self.base + bytes(self.app)

    def last_startxref(self):
        return int(re.findall(rb"startxref\s+(\d+)", self.whole())[-1])

    def size(self):
        return max(int(x) for x in re.findall(rb"/Size (\d+)", self.whole()))

    def latest(self, num):
        """The latest '<< ... >>' written for object num (generation 0), as text."""
        ms = list(re.finditer(rb"(?:^|\n)%d 0 obj\s*(<<.*?>>)\s*endobj" % num, self.whole(), re.S))
        return ms[-1].group(1)

    def put(self, b):
        self.app.extend(b)

    def here(self):
        return len(self.base) + len(self.app)

    def objects(self, objs):
        """objs: [(num, gen, body)] written in order; returns {(num, gen): offset}."""
        if not self.whole().endswith(b"\n"):
            self.put(b"\n")
        offs = {}
        for num, gen, body in objs:
            offs[(num, gen)] = self.here()
            self.put(b"%d %d obj\n" % (num, gen) + body + b"\nendobj\n")
        return offs

    def xref_table(self, offs, trailer=b"", prev=True):
        """A classic xref section (ISO 32000-1 §7.5.4) for offs, one subsection per object."""
        size = max([self.size()] + [n + 1 for n, _ in offs])
        p = self.last_startxref()
        x = self.here()
        self.put(b"xref\n")
        for (num, gen), off in sorted(offs.items()):
            self.put(b"%d 1\n%010d %05d n \n" % (num, off, gen))
        self.put(b"trailer\n<< /Size %d /Root 1 0 R" % size)
        if prev:
            self.put(b" /Prev %d" % p)
        self.put(trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % x)

    def xref_stream(self, offs, trailer=b"", compressed=()):
        """A cross-reference stream (ISO 32000-1 §7.5.8) listing offs, itself, and type-2 entries
        compressed: [(num, objstm, index)]."""
        num = max([self.size()] + [n + 1 for n, _ in offs] + [c[0] + 1 for c in compressed])
        p = self.last_startxref()
        x = self.here()
        rows = {n: b"\x01" + off.to_bytes(4, "big") + g.to_bytes(2, "big") for (n, g), off in offs.items()}
        rows[num] = b"\x01" + x.to_bytes(4, "big") + b"\x00\x00"
        for n, stm, idx in compressed:
            rows[n] = b"\x02" + stm.to_bytes(4, "big") + idx.to_bytes(2, "big")
        index = b" ".join(b"%d 1" % n for n in sorted(rows))
        data = b"".join(rows[n] for n in sorted(rows))
        self.put(b"%d 0 obj\n<< /Type /XRef /Size %d /Root 1 0 R /Prev %d /W [1 4 2] /Index [%s]%s /Length %d >>\n"
                 b"stream\n" % (num, num + 1, p, index, trailer, len(data)) + data + b"\nendstream\nendobj\n")
        self.put(b"startxref\n%d\n%%%%EOF\n" % x)

    def revision(self, objs, trailer=b""):
        """Objects given as {num: body} (generation 0) with a classic xref section."""
        self.xref_table(self.objects([(n, 0, b) for n, b in sorted(objs.items())]), trailer)


def stream(data, extra=b""):
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def form(data, bbox=b"0 0 595 842"):
    return stream(data, b" /Type /XObject /Subtype /Form /BBox [%s] /Resources << /Font << /Helv 5 0 R >> >>" % bbox)


def page_with(d, **repl):
    """Page 3's latest dictionary with keys appended or replaced (values as bytes)."""
    body = d.latest(3)
    for k, v in repl.items():
        key = b"/" + k.encode()
        if re.search(re.escape(key) + rb"\b", body):
            body = re.sub(re.escape(key) + rb"\s*(\[[^\]]*\]|\d+ \d+ R|<<.*?>>|[^/>]+)", key + b" " + v, body, count=1,
                          flags=re.S)
        else:
            body = body[:-2].rstrip() + b" " + key + b" " + v + b" >>"
    return body


def add_annot(d, num, extra_objs, field=False, trailer=b""):
    """Adds annotation num to page 3's /Annots (and to the AcroForm's /Fields when field)."""
    annots = re.search(rb"/Annots\s*\[([^\]]*)\]", d.latest(3)).group(1)
    objs = {3: page_with(d, Annots=b"[" + annots.strip() + b" %d 0 R]" % num)}
    if field:
        acro = d.latest(10)
        fields = re.search(rb"/Fields\s*\[([^\]]*)\]", acro).group(1)
        objs[10] = re.sub(rb"/Fields\s*\[[^\]]*\]", b"/Fields [" + fields.strip() + b" %d 0 R]" % num, acro)
    objs.update(extra_objs)
    d.revision(objs, trailer)


def build(kind, d):
    text = b"BT /F1 24 Tf 72 700 Td (Pay 1,000,000 to Mallory) Tj ET"
    if kind == "ok-empty":
        return
    if kind == "ok-newline":
        d.put(b"\n")
    elif kind == "comment-after-eof":  # refused: only whitespace may follow the last %%EOF
        d.put(b"% a comment after the last revision\n")
    elif kind == "ok-same-catalog":  # a revision that writes the catalog again, unchanged
        d.revision({1: d.latest(1)})
    elif kind == "ok-dss":  # PAdES B-LT validation data: /DSS with /Certs (a stream) only
        d.revision({1: d.latest(1)[:-2].rstrip() + b" /DSS 11 0 R >>", 11: b"<< /Certs [12 0 R] >>",
                    12: stream(b"0\x03\x02\x01\x00")})
    elif kind == "ok-xref-stream":  # the unchanged catalog again, under a cross-reference stream
        d.xref_stream(d.objects([(1, 0, d.latest(1))]))
    # ---- classes the verifier refused before issue #15 ----
    elif kind == "content-new-stream":  # incremental saving: page 3 draws another stream
        d.revision({3: page_with(d, Contents=b"11 0 R"), 11: stream(text)})
    elif kind == "content-redefined":  # the content stream itself redefined
        d.revision({4: stream(text)})
    elif kind == "content-array":  # the original content plus an overlay
        d.revision({3: page_with(d, Contents=b"[4 0 R 11 0 R]"), 11: stream(FULL_PAGE.replace(b"Helv", b"F1"))})
    elif kind == "annot-square":  # shadow "hide": a white square over the text
        add_annot(d, 11, {11: b"<< /Type /Annot /Subtype /Square /Rect [60 600 500 800] /IC [1 1 1] /CA 1 >>"})
    elif kind == "annot-freetext":
        add_annot(d, 11, {11: b"<< /Type /Annot /Subtype /FreeText /Rect [0 0 595 842] /Contents (VOID) "
                              b"/DA (/Helv 48 Tf 0 g) >>"})
    elif kind == "mediabox":
        d.revision({3: page_with(d, MediaBox=b"[0 0 300 300]")})
    elif kind == "cropbox":
        d.revision({3: page_with(d, CropBox=b"[0 0 595 600]")})
    elif kind == "rotate":
        d.revision({3: page_with(d, Rotate=b"180")})
    elif kind == "font-overwrite":  # shadow "replace via overwrite": the font redefined
        d.revision({5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"})
    elif kind == "resources-replaced":  # the page's font name bound to another font
        d.revision({3: page_with(d, Resources=b"<< /Font << /F1 11 0 R >> >>"),
                    11: b"<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>"})
    elif kind == "new-root":  # a new catalog and page tree in the trailer's /Root
        d.revision({11: b"<< /Type /Catalog /Pages 12 0 R /AcroForm 10 0 R >>",
                    12: b"<< /Type /Pages /Kids [13 0 R] /Count 1 >>",
                    13: b"<< /Type /Page /Parent 12 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
                        b"/Contents 14 0 R /Annots [9 0 R] >>",
                    14: stream(text)})
        d.app[:] = d.app.replace(b"/Root 1 0 R", b"/Root 11 0 R")
    elif kind == "openaction-js":
        d.revision({1: d.latest(1)[:-2].rstrip() + b" /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"})
    elif kind == "docmdp-added":  # a certification (DocMDP) claimed afterwards
        d.revision({1: d.latest(1)[:-2].rstrip() + b" /Perms << /DocMDP 7 0 R >> >>"})
    elif kind == "sig-dict-redefined":  # the signature dictionary redefined (wrapping by a later revision)
        sig = re.sub(rb"/M \([^)]*\)", b"/M (D:20200101000000Z)", d.latest(7))
        # The CMS differs from run to run (a new key each time): an empty SEQUENCE keeps the seed stable.
        sig = re.sub(rb"/Contents\s*<[0-9A-Fa-f]*>", b"/Contents <3000>", sig)
        d.revision({7: sig})
    elif kind == "unsign":  # the widget removed from the page, the field from the form
        d.revision({3: page_with(d, Annots=b"[]"), 10: b"<< /Fields [] >>"})
    elif kind == "objstm-override":  # page 3 redefined inside an object stream
        page = page_with(d, Contents=b"11 0 R")
        body = b"3 0 " + page
        objstm = stream(body, b" /Type /ObjStm /N 1 /First 4")
        offs = d.objects([(11, 0, stream(text)), (12, 0, objstm)])
        d.xref_stream(offs, compressed=[(3, 12, 0)])
    elif kind == "xref-stream-content":  # incremental saving under a cross-reference stream
        d.xref_stream(d.objects([(3, 0, page_with(d, Contents=b"11 0 R")), (11, 0, stream(text))]))
    elif kind == "usf-new-sig":  # a second signature field whose signature is garbage
        add_annot(d, 11, {11: b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (forged) /V 12 0 R /F 132 /P 3 0 R "
                              b"/Rect [0 0 0 0] >>",
                          12: b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached "
                              b"/ByteRange [0 1 2 3] /Contents <3000> >>"}, field=True)
    elif kind == "prev-loop":  # /Prev pointing at its own section
        offs = d.objects([(4, 0, stream(text))])
        x = d.here()
        d.put(b"xref\n4 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
              % (offs[(4, 0)], d.size(), x, x))
    elif kind == "no-prev":  # a revision whose trailer forgets every earlier section (a whole new document)
        offs = d.objects([(1, 0, b"<< /Type /Catalog /Pages 2 0 R >>"),
                          (2, 0, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
                          (3, 0, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                                 b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"),
                          (4, 0, stream(text)),
                          (5, 0, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")])
        d.xref_table(offs, prev=False)
    # ---- class 1: annotations disguised as signature fields ----
    elif kind == "c1-freetext-ftsig":
        add_annot(d, 11, {11: b"<< /Type /Annot /Subtype /FreeText /FT /Sig /T (sig2) /Rect [0 0 595 842] "
                              b"/Contents (PAY 1,000,000 TO MALLORY) /DA (/Helv 36 Tf 1 0 0 rg) /AP << /N 12 0 R >> >>",
                          12: form(FULL_PAGE)}, field=True)
    elif kind == "c1-stamp-ftsig":
        add_annot(d, 11, {11: b"<< /Type /Annot /Subtype /Stamp /FT /Sig /T (sig2) /Rect [0 0 595 842] "
                              b"/AP << /N 12 0 R >> >>", 12: form(FULL_PAGE)}, field=True)
    elif kind == "c1-link-uri-ftsig":
        add_annot(d, 11, {11: b"<< /Type /Annot /Subtype /Link /FT /Sig /T (sig2) /Rect [0 0 595 842] "
                              b"/A << /S /URI /URI (https://mallory.example/) >> /AP << /N 12 0 R >> >>",
                          12: form(FULL_PAGE)}, field=True)
    elif kind == "c1-link-js-ftsig":
        add_annot(d, 11, {11: b"<< /Type /Annot /Subtype /Link /FT /Sig /T (sig2) /Rect [0 0 595 842] "
                              b"/A << /S /JavaScript /JS (app.alert(1)) >> >>"}, field=True)
    elif kind == "c1-field-same-v":  # a second field whose /V is the existing signature, full-page look
        add_annot(d, 11, {11: b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (sig2) /V 7 0 R /F 4 /P 3 0 R "
                              b"/Rect [0 0 595 842] /AP << /N 12 0 R >> >>", 12: form(FULL_PAGE)}, field=True)
    elif kind == "c1-unsigned-field-overlay":  # an empty signature field with a full-page appearance
        add_annot(d, 11, {11: b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (sig2) /F 4 /P 3 0 R "
                              b"/Rect [0 0 595 842] /AP << /N 12 0 R >> >>", 12: form(FULL_PAGE)}, field=True)
    elif kind == "c1-widget-ap-replaced":  # the existing widget's appearance replaced
        d.revision({8: form(FULL_PAGE, b"0 0 85.039 93.543")})
    # ---- class 2: objects redefined so that readers disagree ----
    elif kind == "c2-gen1-page":  # page 3 redefined under generation 1 (classic table)
        page = page_with(d, Contents=b"11 0 R")
        d.xref_table(d.objects([(3, 1, page), (11, 0, stream(text))]))
    elif kind == "c2-gen1-page-ref":  # generation 1 and the Pages node pointing at it
        page = page_with(d, Contents=b"11 0 R")
        d.xref_table(d.objects([(3, 1, page), (11, 0, stream(text)),
                                (2, 0, b"<< /Type /Pages /Kids [3 1 R] /Count 1 >>")]))
    elif kind == "c2-gen1-xref-stream":  # the same under a cross-reference stream
        page = page_with(d, Contents=b"11 0 R")
        d.xref_stream(d.objects([(3, 1, page), (11, 0, stream(text))]))
    elif kind == "c2-gen1-content":  # the content stream under generation 1
        d.xref_table(d.objects([(4, 1, stream(text))]))
    elif kind in ("c2-twice-xref-first", "c2-twice-xref-last"):  # object 4 twice in one revision
        original = re.search(rb"\n4 0 obj\n(.*?endstream)\nendobj", d.base, re.S).group(1)
        first = kind.endswith("first")
        order = [original, stream(text)] if first else [stream(text), original]
        one = d.objects([(4, 0, order[0])])
        two = d.objects([(4, 0, order[1])])
        d.xref_table(one if first else two)  # the xref names the original copy; other readers may take the other
    elif kind == "c2-after-eof":  # objects after the last %%EOF, no xref: bait for recovering readers
        d.objects([(4, 0, stream(text))])
    elif kind == "c2-after-eof-page":
        d.objects([(3, 0, page_with(d, Contents=b"11 0 R")), (11, 0, stream(text))])
    elif kind == "c2-after-eof-garbage-xref":  # after the %%EOF, objects and a broken xref keyword
        d.objects([(4, 0, stream(text))])
        d.put(b"xref\n")
    elif kind == "c2-hybrid":  # a hybrid file: the table keeps page 3, its /XRefStm puts it in an object stream
        page_b = page_with(d, Contents=b"11 0 R")
        offs = d.objects([(3, 0, d.latest(3)), (11, 0, stream(text)),
                          (12, 0, stream(b"3 0 " + page_b, b" /Type /ObjStm /N 1 /First 4"))])
        xs = d.here()
        rows = b"\x02" + (12).to_bytes(4, "big") + b"\x00\x00" + b"\x01" + xs.to_bytes(4, "big") + b"\x00\x00"
        d.put(b"13 0 obj\n<< /Type /XRef /Size 14 /W [1 4 2] /Index [3 1 13 1] /Length %d >>\nstream\n"
              % len(rows) + rows + b"\nendstream\nendobj\n")
        offs[(13, 0)] = xs
        d.xref_table(offs, trailer=b" /XRefStm %d" % xs)
    # ---- class 3: shadow attacks through indirection ----
    elif kind == "c3-inherited-rotate":  # the Pages node gains /Rotate, which the page inherits
        d.revision({2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Rotate 90 >>"})
    elif kind == "c3-inherited-cropbox":
        d.revision({2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 /CropBox [0 0 595 500] >>"})
    elif kind == "c3-intermediate-pages":  # an intermediate Pages node with /Resources between root and page
        d.revision({2: b"<< /Type /Pages /Kids [11 0 R] /Count 1 >>",
                    11: b"<< /Type /Pages /Parent 2 0 R /Kids [3 0 R] /Count 1 "
                        b"/Resources << /Font << /F1 12 0 R >> >> >>",
                    12: b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
                    3: page_with(d, Parent=b"11 0 R", Resources=b"12 0 R")})
    elif kind == "c3-dss-as-resources":  # a dictionary labelled /Type /DSS that is the page's resources
        d.revision({1: d.latest(1)[:-2].rstrip() + b" /DSS 11 0 R >>",
                    11: b"<< /Type /DSS /Font << /F1 12 0 R >> >>",
                    12: b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
                    3: page_with(d, Resources=b"11 0 R")})
    # ---- class 4: catalog and metadata beyond the allowed changes ----
    elif kind == "c4-dss-openaction":
        d.revision({1: d.latest(1)[:-2].rstrip() + b" /DSS 11 0 R >>",
                    11: b"<< /Certs [] /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"})
    elif kind == "c4-dss-extra-keys":
        d.revision({1: d.latest(1)[:-2].rstrip() + b" /DSS 11 0 R >>",
                    11: b"<< /Certs [] /AA << /O << /S /URI /URI (https://mallory.example/) >> >> /Foo 1 >>"})
    elif kind == "c4-needappearances":  # poppler then draws the field itself and hides the seal
        d.revision({10: d.latest(10)[:-2].rstrip() + b" /NeedAppearances true >>"})
    elif kind == "c4-info-added":
        d.revision({11: b"<< /Title (Refund of 1,000,000) /Author (Mallory) >>"}, trailer=b" /Info 11 0 R")
    elif kind == "c4-catalog-lang-names":
        d.revision({1: d.latest(1)[:-2].rstrip() + b" /Names << /JavaScript 11 0 R >> >>",
                    11: b"<< /Names [(x) << /S /JavaScript /JS (app.alert(1)) >>] >>"})
    # ---- class 5: one stamp shown as two ----
    elif kind == "c5-second-field-same-v":
        add_annot(d, 11, {11: b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (copy) /V 7 0 R /F 132 /P 3 0 R "
                              b"/Rect [0 0 0 0] >>"}, field=True)
    elif kind == "c5-listed-twice":  # the existing field listed twice in /Fields
        acro = d.latest(10)
        d.revision({10: re.sub(rb"/Fields\s*\[([^\]]*)\]", rb"/Fields [\1 \1]", acro)})
    elif kind == "c5-kids-twice":  # a parent field whose /Kids list the existing widget twice
        acro = d.latest(10)
        d.revision({10: re.sub(rb"/Fields\s*\[[^\]]*\]", b"/Fields [9 0 R 11 0 R]", acro),
                    11: b"<< /FT /Sig /T (parent) /V 7 0 R /Kids [9 0 R 9 0 R] >>"})
    else:
        sys.exit("unknown kind " + kind)


KINDS = """ok-empty ok-newline comment-after-eof ok-same-catalog ok-dss ok-xref-stream
content-new-stream content-redefined content-array annot-square annot-freetext mediabox cropbox rotate
font-overwrite resources-replaced new-root openaction-js docmdp-added sig-dict-redefined unsign objstm-override
xref-stream-content usf-new-sig prev-loop no-prev
c1-freetext-ftsig c1-stamp-ftsig c1-link-uri-ftsig c1-link-js-ftsig c1-field-same-v c1-unsigned-field-overlay
c1-widget-ap-replaced
c2-gen1-page c2-gen1-page-ref c2-gen1-xref-stream c2-gen1-content c2-twice-xref-first c2-twice-xref-last
c2-after-eof c2-after-eof-page c2-after-eof-garbage-xref c2-hybrid
c3-inherited-rotate c3-inherited-cropbox c3-intermediate-pages c3-dss-as-resources
c4-dss-openaction c4-dss-extra-keys c4-needappearances c4-info-added c4-catalog-lang-names
c5-second-field-same-v c5-listed-twice c5-kids-twice""".split()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--layout":
        base = open(sys.argv[2], "rb").read()
        for m in re.finditer(rb"(?:^|\n)(\d+) (\d+) obj\s*(<<[^\n]{0,90})", base):
            print(m.group(1).decode(), m.group(2).decode(), m.group(3).split(b"\n")[0].decode("latin1"))
        d = Doc(base)
        print("length", len(base), "startxref", d.last_startxref(), "size", d.size())
        return
    if len(sys.argv) != 3:
        sys.exit("usage: mkseeds_pdf_rev.py BASE.pdf OUTDIR | --layout BASE.pdf")
    base = open(sys.argv[1], "rb").read()
    for i, kind in enumerate(KINDS):
        d = Doc(base)
        build(kind, d)
        if d.app.startswith(b"%PDF-"):
            sys.exit(kind + ": a seed must not start with %PDF- (the harness would take it as a whole file)")
        open("%s/rev-%02d-%s" % (sys.argv[2], i, kind), "wb").write(bytes(d.app))


if __name__ == "__main__":
    main()
