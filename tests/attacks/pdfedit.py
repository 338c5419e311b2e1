# SPDX-License-Identifier: Apache-2.0
"""A small PDF object model for the attack builders (tests/attacks/build.py): the objects of a
file as qpdf resolves them (`qpdf --json`, raw stream data), and writers for incremental updates
in every shape the attacks need (classic table, cross-reference stream, object stream, any
generation number, extra bytes). Standard library and the qpdf command only."""
import base64
import copy
import json
import re
import subprocess
import zlib


class Name(str):
    pass


class Ref:
    def __init__(self, num, gen=0):
        self.num, self.gen = num, gen

    def __eq__(self, o):
        return isinstance(o, Ref) and (o.num, o.gen) == (self.num, self.gen)

    def __hash__(self):
        return hash((self.num, self.gen))

    def __repr__(self):
        return "%d %d R" % (self.num, self.gen)


class Stream:
    def __init__(self, d, data):
        self.dict, self.data = d, data


def pstr(s):
    return s.encode("latin-1") if isinstance(s, str) else bytes(s)


def from_json(v):
    if isinstance(v, str):
        m = re.fullmatch(r"(\d+) (\d+) R", v)
        if m:
            return Ref(int(m.group(1)), int(m.group(2)))
        if v.startswith("/"):
            return Name(v)
        if v.startswith("u:"):
            t = v[2:]
            try:
                return t.encode("latin-1")
            except UnicodeEncodeError:
                return b"\xfe\xff" + t.encode("utf-16-be")
        if v.startswith("b:"):
            return bytes.fromhex(v[2:])
        return Name("/" + v)
    if isinstance(v, list):
        return [from_json(x) for x in v]
    if isinstance(v, dict):
        return {k: from_json(x) for k, x in v.items()}
    return v


def ser(v):
    """PDF syntax of a value."""
    if v is None:
        return b"null"
    if v is True:
        return b"true"
    if v is False:
        return b"false"
    if isinstance(v, Ref):
        return b"%d %d R" % (v.num, v.gen)
    if isinstance(v, Name):
        return v.encode("latin-1")
    if isinstance(v, int):
        return b"%d" % v
    if isinstance(v, float):
        s = ("%.6f" % v).rstrip("0").rstrip(".")
        return s.encode() if s not in ("", "-") else b"0"
    if isinstance(v, (bytes, bytearray)):
        if all(32 <= c < 127 and c not in b"()\\" for c in v):
            return b"(" + bytes(v) + b")"
        return b"<" + bytes(v).hex().encode() + b">"
    if isinstance(v, list):
        return b"[" + b" ".join(ser(x) for x in v) + b"]"
    if isinstance(v, dict):
        return b"<< " + b" ".join(k.encode("latin-1") + b" " + ser(x) for k, x in v.items()) + b" >>"
    if isinstance(v, Stream):
        d = dict(v.dict)
        d["/Length"] = len(v.data)
        return ser(d) + b"\nstream\n" + v.data + b"\nendstream"
    raise TypeError(repr(v))


def N(s):
    return Name(s if s.startswith("/") else "/" + s)


class Doc:
    """The file's bytes and its objects as qpdf resolves them."""

    def __init__(self, path):
        self.data = bytearray(open(path, "rb").read())
        r = subprocess.run(["qpdf", "--json", "--json-key=qpdf", "--json-key=pages", "--json-stream-data=inline",
                            "--decode-level=none", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        j = json.loads(r.stdout)
        self.objs, self.gens = {}, {}
        for k, v in j["qpdf"][1].items():
            if k == "trailer":
                self.trailer = from_json(v["value"])
                continue
            m = re.fullmatch(r"obj:(\d+) (\d+) R", k)
            if not m:
                continue
            num, gen = int(m.group(1)), int(m.group(2))
            if "stream" in v:
                s = v["stream"]
                self.objs[num] = Stream(from_json(s["dict"]), base64.b64decode(s.get("data", "")))
            else:
                self.objs[num] = from_json(v["value"])
            self.gens[num] = gen
        self.pages = [int(p["object"].split()[0]) for p in j["pages"]]
        self.size = max(int(self.trailer.get("/Size", 0)), max(self.objs) + 1)
        self.next = self.size

    # ---- reading
    def obj(self, num):
        """A deep copy of object NUM (a dict, a Stream, ...)."""
        return copy.deepcopy(self.objs[num])

    def get(self, v):
        for _ in range(32):
            if isinstance(v, Ref):
                v = self.objs.get(v.num)
            else:
                break
        return v.dict if isinstance(v, Stream) else v

    def root(self):
        return self.trailer["/Root"].num

    def inherited(self, num, key):
        node = self.get(Ref(num))
        for _ in range(64):
            if not isinstance(node, dict):
                return None
            if key in node:
                return node[key]
            node = self.get(node.get("/Parent"))
        return None

    def mediabox(self, page):
        mb = [float(self.get(x)) for x in self.get(self.inherited(page, "/MediaBox")) or [0, 0, 612, 792]]
        cb = self.get(self.inherited(page, "/CropBox"))
        if cb:
            mb = [float(self.get(x)) for x in cb]
        return [min(mb[0], mb[2]), min(mb[1], mb[3]), max(mb[0], mb[2]), max(mb[1], mb[3])]

    def find(self, pred):
        """Numbers of the objects whose dictionary satisfies PRED."""
        return [n for n, o in sorted(self.objs.items()) if isinstance(self.get(o), dict) and pred(self.get(o))]

    def sig_fields(self):
        """[(field/widget object number, signature dictionary number)] of the signed signature fields."""
        out = []
        for n in self.find(lambda d: d.get("/FT") == "/Sig" and isinstance(d.get("/V"), Ref)):
            v = self.objs[n]["/V"].num
            if isinstance(self.get(Ref(v)), dict) and "/ByteRange" in self.get(Ref(v)):
                out.append((n, v))
        return out

    def acroform(self):
        """(the AcroForm dictionary (a copy), the object number holding it, whether it is the catalog)."""
        cat = self.obj(self.root())
        af = cat.get("/AcroForm")
        if isinstance(af, Ref):
            return self.obj(af.num), af.num, False
        return copy.deepcopy(af) if af else {N("Fields"): []}, self.root(), True

    def page_resources(self, page):
        r = self.get(self.inherited(page, "/Resources"))
        return copy.deepcopy(r) if isinstance(r, dict) else {}

    def new(self):
        n = self.next
        self.next += 1
        return n

    # ---- writing
    def startxref(self):
        return int(re.findall(rb"startxref\s+(\d+)", bytes(self.data))[-1])

    def xref_is_stream(self):
        at = self.startxref()
        return not bytes(self.data[at:at + 4]) == b"xref"

    def _begin(self):
        if not self.data.endswith(b"\n"):
            self.data.extend(b"\n")

    def _trailer(self, size, extra):
        t = {N("Size"): size, N("Root"): self.trailer["/Root"]}
        for k in ("/Info", "/ID"):
            if k in self.trailer:
                t[N(k)] = self.trailer[k]
        t[N("Prev")] = self.startxref()
        t.update(extra or {})
        return t

    def append(self, objs, mode="auto", gens=None, trailer=None, tail=b"", raw=b""):
        """Appends an incremental update defining OBJS ({num: value}).
        mode: "table" (classic xref), "stream" (xref stream), "objstm" (non-stream objects in a new
        object stream, listed by an xref stream), "auto" (the kind of the file's last section).
        gens: {num: generation} for objects written under another generation.
        raw: bytes written before the objects (not listed by the xref). tail: bytes after %%EOF."""
        if mode == "auto":
            mode = "stream" if self.xref_is_stream() else "table"
        gens = gens or {}
        self._begin()
        self.data.extend(raw)
        entries = {}  # num -> (type, a, b)
        if mode == "objstm":
            inner = {n: v for n, v in objs.items() if not isinstance(v, Stream)}
            objs = {n: v for n, v in objs.items() if isinstance(v, Stream)}
            osn = self.new()
            head, body = [], bytearray()
            for i, (n, v) in enumerate(sorted(inner.items())):
                head.append(b"%d %d" % (n, len(body)))
                body += ser(v) + b"\n"
                entries[n] = (2, osn, i)
            h = b" ".join(head) + b"\n"
            objs[osn] = Stream({N("Type"): N("ObjStm"), N("N"): len(inner), N("First"): len(h)}, h + bytes(body))
        for n, v in sorted(objs.items()):
            g = gens.get(n, 0)
            entries[n] = (1, len(self.data), g)
            self.data.extend(b"%d %d obj\n" % (n, g) + ser(v) + b"\nendobj\n")
        if mode == "table":
            x = len(self.data)
            self.data.extend(b"xref\n")
            for n in sorted(entries):
                _, off, g = entries[n]
                self.data.extend(b"%d 1\n%010d %05d n \n" % (n, off, g))
            size = max(self.next, max(entries) + 1)
            self.data.extend(b"trailer\n" + ser(self._trailer(size, trailer)) + b"\nstartxref\n%d\n%%%%EOF\n" % x)
        else:
            xn = self.new()
            x = len(self.data)
            entries[xn] = (1, x, 0)
            size = max(self.next, max(entries) + 1)
            idx, rows = [], bytearray()
            for n in sorted(entries):
                t, a, b = entries[n]
                idx += [n, 1]
                rows += bytes([t]) + a.to_bytes(4, "big") + b.to_bytes(2, "big")
            d = self._trailer(size, trailer)
            d.update({N("Type"): N("XRef"), N("W"): [1, 4, 2], N("Index"): idx})
            self.data.extend(b"%d 0 obj\n" % xn + ser(Stream(d, bytes(rows))) + b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % x)
        self.data.extend(tail)
        return self


# ---- payloads ---------------------------------------------------------------------------------

PAY = b"PAY 1,000,000 TO MALLORY"


def helvetica():
    return {N("Type"): N("Font"), N("Subtype"): N("Type1"), N("BaseFont"): N("Helvetica-Bold"),
            N("Encoding"): N("WinAnsiEncoding")}


def text_ops(x, y, size, text=PAY, rgb=(0.8, 0, 0), font=b"/FPay"):
    return (b"q %.2f %.2f %.2f rg BT %s %d Tf %.1f %.1f Td (%s) Tj ET Q\n"
            % (rgb[0], rgb[1], rgb[2], font, size, x, y, text))


def payload_form(w, h, fill=True, text=PAY, size=None):
    """A Form XObject w x h: an opaque white box (when fill) with the payload across it."""
    size = size or max(6, min(48, int(w / (0.62 * len(text)))))
    ops = b""
    if fill:
        ops += b"q 1 1 1 rg 0 0 %.1f %.1f re f Q\n" % (w, h)
    ops += text_ops(4, max(2, h / 2 - size / 3), size, text)
    return Stream({N("Type"): N("XObject"), N("Subtype"): N("Form"), N("BBox"): [0, 0, round(w, 2), round(h, 2)],
                   N("Resources"): {N("Font"): {N("FPay"): helvetica()}}}, ops)


def empty_form(w, h):
    return Stream({N("Type"): N("XObject"), N("Subtype"): N("Form"), N("BBox"): [0, 0, round(w, 2), round(h, 2)],
                   N("Resources"): {}}, b"")


def content(ops):
    return Stream({}, ops)


def deflate(data):
    return zlib.compress(data)
