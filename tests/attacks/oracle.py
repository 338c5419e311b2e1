#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The rendering oracle (issue #15): oracle.py FILE.pdf [--out DIR] [--dpi N]

For every signature of FILE (every /ByteRange array in its bytes that starts at 0 and ends at a
revision's %%EOF: no other range can belong to a VALID signature), the signed revision is the
bytes up to ByteRange[2] + ByteRange[3]. Every page of that revision and of the whole file is
rendered by two independent renderers, poppler's pdftoppm and MuPDF's mutool draw (the CropBox,
turned by /Rotate, as a viewer shows it), and the same renderer's pictures are compared:

  - the page counts must be equal;
  - no pixel may differ outside the rectangles (plus a 2-pixel margin) of the widget annotations
    that later signatures added: a widget present in the whole file and absent from the signed
    revision (by object number, on the same page), of a field /FT /Sig whose /V is a signature
    dictionary with a /ByteRange that no signature of the signed revision has (a copy of an
    existing signature, an unsigned field, a FreeText with /FT /Sig are not exempt);
  - a renderer that fails on one of the two files and not on the other is a difference.

Page geometry and annotations come from `qpdf --json` on both files, read only when pixels
differ (CropBox within MediaBox, /Rotate, inherited through the page tree as viewers do).

Exit status: 0 the renderings are identical, 1 they differ (each difference is printed: the
signature, the renderer, the page and the bounding box of the differing pixels in the whole
file's picture), 2 the oracle could not run (a renderer or qpdf missing, no /ByteRange in the
file, more than 32 distinct /ByteRange arrays, every renderer failing on both files).
A signature whose range ends at the end of the file has nothing after it to compare. With
--out DIR, the pictures of every differing page (signed revision, whole file, and a diff image:
differing pixels red, exempt rectangles green) are kept there as PNG files.

Pure Python 3 standard library; the renderers are test-only dependencies (scripts/deps.sh).
"""
import argparse
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources"))
from ppm import ppm  # noqa: E402  tests/resources/ppm.py

MARGIN = 2
MAX_SIGNATURES = 32
RENDER_TIMEOUT = 120
BYTERANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def byteranges(data):
    """The distinct /ByteRange arrays in the file's bytes, in file order."""
    seen = []
    for m in BYTERANGE.finditer(data):
        br = tuple(int(v) for v in m.groups())
        if br not in seen:
            seen.append(br)
    return seen


# ---- rendering -------------------------------------------------------------------------------

def render(renderer, pdf, outdir, dpi):
    """Renders every page of PDF into OUTDIR: (list of PPM paths in page order, error or None)."""
    os.makedirs(outdir, exist_ok=True)
    if renderer == "pdftoppm":
        cmd = ["pdftoppm", "-q", "-r", str(dpi), "-cropbox", pdf, os.path.join(outdir, "p")]
    else:
        cmd = ["mutool", "draw", "-q", "-r", str(dpi), "-o", os.path.join(outdir, "p-%d.ppm"), pdf]
    try:
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=RENDER_TIMEOUT)
    except subprocess.TimeoutExpired:
        return [], "timed out after %d s" % RENDER_TIMEOUT
    pages = []
    for f in os.listdir(outdir):
        m = re.fullmatch(r"p-0*(\d+)\.ppm", f)
        if m:
            pages.append((int(m.group(1)), os.path.join(outdir, f)))
    pages = [p for _, p in sorted(pages)]
    if r.returncode != 0:
        err = r.stderr.decode("utf-8", "replace").strip().splitlines()
        return pages, "exit %d%s" % (r.returncode, (": " + err[-1][:200]) if err else "")
    if not pages:
        return pages, "no page rendered"
    return pages, None


# ---- geometry from qpdf --json ---------------------------------------------------------------

class Doc:
    """The parts of `qpdf --json` the oracle needs: pages with their boxes and widgets."""

    def __init__(self, pdf):
        self.ok = False
        self.objs = {}
        self.pages = []
        try:
            r = subprocess.run(["qpdf", "--json", "--json-key=pages", "--json-key=qpdf", "--json-stream-data=none",
                                "--decode-level=none", pdf], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               timeout=RENDER_TIMEOUT)
            j = json.loads(r.stdout.decode("utf-8", "replace"))
        except (subprocess.TimeoutExpired, ValueError):
            return
        for k, v in j.get("qpdf", [{}, {}])[1].items():
            m = re.fullmatch(r"obj:(\d+ \d+) R", k)
            if m:
                self.objs[m.group(1)] = v.get("value", v.get("stream", {}).get("dict"))
        self.pages = [p["object"][:-2] for p in j.get("pages", [])]
        self.ok = True

    def get(self, v):
        """Resolves an indirect reference ("N G R")."""
        for _ in range(32):
            if isinstance(v, str) and re.fullmatch(r"\d+ \d+ R", v):
                v = self.objs.get(v[:-2])
            else:
                break
        return v

    def inherited(self, ref, key):
        node = self.get(ref + " R")
        for _ in range(64):
            if not isinstance(node, dict):
                return None
            if key in node:
                return self.get(node[key])
            node = self.get(node.get("/Parent"))
        return None

    def field(self, annot, key):
        """A field attribute of a widget, inherited through /Parent (ISO 32000-1 §12.7.3.1)."""
        node = annot
        for _ in range(64):
            if not isinstance(node, dict):
                return None
            if key in node:
                return self.get(node[key])
            node = self.get(node.get("/Parent"))
        return None

    def geometry(self, i):
        """(crop box x0 y0 x1 y1, rotation) of page i (0-based)."""
        ref = self.pages[i]
        mb = box(self.inherited(ref, "/MediaBox"), self) or (0.0, 0.0, 612.0, 792.0)
        cb = box(self.inherited(ref, "/CropBox"), self) or mb
        cb = (max(cb[0], mb[0]), max(cb[1], mb[1]), min(cb[2], mb[2]), min(cb[3], mb[3]))
        rot = self.inherited(ref, "/Rotate")
        rot = int(rot) % 360 if isinstance(rot, (int, float)) and math.isfinite(rot) and abs(rot) < 1e9 else 0
        return cb, rot

    def annots(self, i):
        """[(annotation object id or None, its dictionary)] of page i."""
        a = self.get(self.get(self.pages[i] + " R").get("/Annots")) if isinstance(self.get(self.pages[i] + " R"), dict) else None
        out = []
        for item in a if isinstance(a, list) else []:
            d = self.get(item)
            if isinstance(d, dict):
                out.append((item[:-2] if isinstance(item, str) and item.endswith(" R") else None, d))
        return out


def box(v, doc):
    if not isinstance(v, list) or len(v) != 4:
        return None
    v = [doc.get(x) for x in v]
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and abs(x) < 1e7 for x in v):
        return None
    return (min(v[0], v[2]), min(v[1], v[3]), max(v[0], v[2]), max(v[1], v[3]))


def added_signature_widgets(whole, prefix, prefix_ranges):
    """{page index: [rect in user space]} of the widgets that later signatures added."""
    out = {}
    if not whole.ok:
        return out
    for i in range(len(whole.pages)):
        before = set()
        if prefix.ok and i < len(prefix.pages):
            before = {oid for oid, _ in prefix.annots(i) if oid}
        for oid, a in whole.annots(i):
            if oid is None or oid in before or a.get("/Subtype") != "/Widget":
                continue
            if whole.field(a, "/FT") != "/Sig":
                continue
            v = whole.field(a, "/V")
            if not isinstance(v, dict):
                continue
            br = v.get("/ByteRange")
            br = tuple(whole.get(x) for x in br) if isinstance(br, list) else None
            if br is None or len(br) != 4 or br in prefix_ranges:
                continue
            r = box(a.get("/Rect"), whole)
            if r:
                out.setdefault(i, []).append(r)
    return out


def to_pixels(rect, geom, dpi, w, h):
    """A user-space rectangle as pixels (x0, y0, x1, y1; x1, y1 exclusive) of the rendered page."""
    (cx0, cy0, cx1, cy1), rot = geom
    s = dpi / 72.0
    uw, uh = (cx1 - cx0) * s, (cy1 - cy0) * s
    pts = []
    for x, y in ((rect[0], rect[1]), (rect[0], rect[3]), (rect[2], rect[1]), (rect[2], rect[3])):
        u, v = (x - cx0) * s, (cy1 - y) * s
        pts.append({0: (u, v), 90: (uh - v, u), 180: (uw - u, uh - v), 270: (v, uw - u)}.get(rot, (u, v)))
    x0 = max(0, math.floor(min(p[0] for p in pts)) - MARGIN)
    y0 = max(0, math.floor(min(p[1] for p in pts)) - MARGIN)
    x1 = min(w, math.ceil(max(p[0] for p in pts)) + MARGIN)
    y1 = min(h, math.ceil(max(p[1] for p in pts)) + MARGIN)
    return x0, y0, x1, y1


# ---- comparison and pictures -----------------------------------------------------------------

NONZERO = bytes([0] + [1] * 255)


def differing(pa, pb):
    """The pixels that differ between two pictures: {row: bytearray of 0/1 per pixel} (rows
    without a difference left out), or None and the two sizes when the sizes differ."""
    wa, ha, a = ppm(pa)
    wb, hb, b = ppm(pb)
    if (wa, ha) != (wb, hb):
        return None, (wa, ha, wb, hb)
    row = 3 * wa
    rows = {}
    for y in range(ha):
        ra, rb = a[y * row:(y + 1) * row], b[y * row:(y + 1) * row]
        if ra == rb:
            continue
        x = (int.from_bytes(ra, "big") ^ int.from_bytes(rb, "big")).to_bytes(row, "big").translate(NONZERO)
        f = int.from_bytes(x[0::3], "big") | int.from_bytes(x[1::3], "big") | int.from_bytes(x[2::3], "big")
        rows[y] = bytearray(f.to_bytes(wa, "big"))
    return rows, (wa, ha)


def outside(rows, rects):
    """(count, bounding box or None, {row: [x...]}) of the differing pixels outside RECTS."""
    n = 0
    bx0 = by0 = 1 << 30
    bx1 = by1 = -1
    mask = {}
    for y, f in rows.items():
        f = bytearray(f)
        for r in rects:
            if r[1] <= y < r[3] and r[0] < r[2]:
                f[r[0]:r[2]] = bytes(r[2] - r[0])
        c = f.count(1)
        if not c:
            continue
        n += c
        bx0, bx1 = min(bx0, f.find(1)), max(bx1, f.rfind(1))
        by0, by1 = min(by0, y), max(by1, y)
        mask[y] = f
    return n, ((bx0, by0, bx1, by1) if n else None), mask


def write_png(path, w, h, rgb):
    raw = b"".join(b"\0" + rgb[y * 3 * w:(y + 1) * 3 * w] for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def keep(out, stem, pa, pb, rects, mask):
    os.makedirs(out, exist_ok=True)
    for tag, p in (("signed", pa), ("whole", pb)):
        if p:
            w, h, d = ppm(p)
            write_png(os.path.join(out, "%s-%s.png" % (stem, tag)), w, h, d)
    if pa and pb and mask is not None:
        w, h, d = ppm(pb)
        img = bytearray(bytes(0xff - (0xff - c) // 3 for c in d))  # the whole file's page, faded
        for r in rects:
            for x in range(r[0], r[2]):
                for y in (r[1], r[3] - 1):
                    if 0 <= y < h:
                        img[3 * (y * w + x):3 * (y * w + x) + 3] = b"\x00\xc0\x00"
            for y in range(r[1], r[3]):
                for x in (r[0], r[2] - 1):
                    if 0 <= x < w:
                        img[3 * (y * w + x):3 * (y * w + x) + 3] = b"\x00\xc0\x00"
        for y, f in mask.items():
            for x in range(min(w, len(f))):
                if f[x]:
                    img[3 * (y * w + x):3 * (y * w + x) + 3] = b"\xff\x00\x00"
        write_png(os.path.join(out, "%s-diff.png" % stem), w, h, bytes(img))


# ---- main ------------------------------------------------------------------------------------

def check(pdf, out=None, dpi=36):
    """The oracle as a function: (exit status, the lines it prints). Thread-safe."""
    a = argparse.Namespace(pdf=pdf, out=out, dpi=dpi)
    for tool in ("pdftoppm", "mutool", "qpdf"):
        if not shutil.which(tool):
            return 2, ["oracle: %s is missing (scripts/deps.sh installs it)" % tool]
    try:
        data = open(a.pdf, "rb").read()
    except OSError as e:
        return 2, ["oracle: %s" % e]
    ranges = byteranges(data)
    if not ranges:
        return 2, ["oracle: %s: no /ByteRange array in the file's bytes" % a.pdf]
    if len(ranges) > MAX_SIGNATURES:
        return 2, ["oracle: %s: %d distinct /ByteRange arrays, more than the %d compared" % (a.pdf, len(ranges), MAX_SIGNATURES)]
    renderers = ("pdftoppm", "mutool")
    tmp = tempfile.mkdtemp(prefix="oracle.")
    try:
        whole_pdf = os.path.abspath(a.pdf)
        whole = None
        whole_renders = {}
        diffs, compared, notes = [], 0, []
        for k, br in enumerate(ranges, 1):
            end = br[2] + br[3]
            label = "signature %d (ByteRange %d %d %d %d)" % (k, *br)
            if end == len(data):
                notes.append("%s covers the whole file" % label)
                continue
            if end > len(data):
                notes.append("%s reaches past the end of the file: no signed revision to take" % label)
                continue
            if end <= 0:
                notes.append("%s: no signed revision to take" % label)
                continue
            if not data[:end].rstrip(b"\r\n").endswith(b"%%EOF") or br[0] != 0:
                # Not a signed revision: eseal (check_ranges) never calls such a signature VALID,
                # and the array may sit in an object no reader shows (a fuzzer's stray dictionary).
                notes.append("%s does not end at a revision's %%%%EOF: no signed revision to take" % label)
                continue
            prefix_pdf = os.path.join(tmp, "rev%d.pdf" % k)
            with open(prefix_pdf, "wb") as f:
                f.write(data[:end])
            if not whole_renders:
                for r in renderers:
                    whole_renders[r] = render(r, whole_pdf, os.path.join(tmp, "whole-" + r), a.dpi)
            exempt = None  # read with qpdf only when some pixels differ
            for r in renderers:
                pp, perr = render(r, prefix_pdf, os.path.join(tmp, "rev%d-%s" % (k, r)), a.dpi)
                wp, werr = whole_renders[r]
                if perr and werr:
                    notes.append("%s: %s fails on both the signed revision (%s) and the whole file (%s)" % (label, r, perr, werr))
                    continue
                compared += 1
                if perr or werr:
                    diffs.append("%s: %s renders %s but fails on %s (%s)" % (
                        label, r, "the whole file" if perr else "the signed revision",
                        "the signed revision" if perr else "the whole file", perr or werr))
                    continue
                if len(pp) != len(wp):
                    diffs.append("%s: %s: the signed revision has %d page(s), the whole file %d" % (label, r, len(pp), len(wp)))
                for i in range(min(len(pp), len(wp))):
                    rects, mask = [], None
                    rows, size = differing(pp[i], wp[i])
                    if rows is None:
                        n, bbox = None, size
                    elif not rows:
                        continue
                    else:
                        if whole is None:
                            whole = Doc(whole_pdf)
                        if exempt is None:
                            exempt = added_signature_widgets(whole, Doc(prefix_pdf), set(byteranges(data[:end])))
                        if whole.ok and i < len(whole.pages) and exempt.get(i):
                            geom = whole.geometry(i)
                            rects = [to_pixels(x, geom, a.dpi, size[0], size[1]) for x in exempt[i]]
                        n, bbox, mask = outside(rows, rects)
                        if n == 0:
                            continue
                    if n is None:
                        diffs.append("%s: %s page %d: the page is %dx%d px in the signed revision, %dx%d in the whole file"
                                     % (label, r, i + 1, *bbox))
                    else:
                        diffs.append("%s: %s page %d: %d pixel(s) differ outside the widgets of later signatures, "
                                     "bounding box x %d..%d, y %d..%d px at %d dpi" % (label, r, i + 1, n, bbox[0], bbox[2],
                                                                                      bbox[1], bbox[3], a.dpi))
                    if a.out:
                        keep(a.out, "sig%d-%s-p%d" % (k, r, i + 1), pp[i], wp[i], rects, mask)
        lines = ["# " + n for n in notes]
        if diffs:
            return 1, lines + ["DIFFERS: " + d for d in diffs]
        if compared == 0 and len(notes) and not all("covers the whole file" in n for n in notes):
            return 2, lines + ["oracle: nothing could be compared"]
        return 0, lines + ["identical: %d signature(s), %d comparison(s) (pdftoppm and mutool draw at %d dpi)"
                           % (len(ranges), compared, a.dpi)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv):
    ap = argparse.ArgumentParser(description="rendering oracle: the signed revisions of a PDF against the whole file")
    ap.add_argument("pdf")
    ap.add_argument("--out", help="keep the pictures of differing pages (PNG) and diff images here")
    ap.add_argument("--dpi", type=int, default=36)
    a = ap.parse_args(argv)
    rc, lines = check(a.pdf, a.out, a.dpi)
    for line in lines:
        print(line)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
