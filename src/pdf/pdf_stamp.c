/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PAdES stamping as one incremental update of our own (ISO 32000-1 §7.5.6,
 * §12.8; ETSI EN 319 142-1 baseline B-B). The original bytes are an exact
 * prefix of the output. Objects written (docs/formats.md):
 *
 *   E  the seal: a stream holding the SES_Seal DER (/Type /ESeal.Seal)
 *   S  the signature dictionary (/ByteRange, /Contents, /M, /ESeal.Seal E 0 R)
 *   A  the appearance: a form XObject of paths drawn from the imprint outline
 *   W  the signature field merged with its widget annotation (/V S 0 R, /AP /N A 0 R)
 *   the page again, with W appended to /Annots
 *   the AcroForm again (or a new one and the catalog again), with W in /Fields and /SigFlags 3
 *   a cross-reference section of the file's own kind (table or stream) with /Prev
 *
 * Read to write them, and nothing else (issue #18): the trailer, the catalog, the AcroForm and its
 * /Fields, and the page tree from its root down to the stamped page(s) (es_pdf_load_pages), so a
 * stamp's time and memory follow the update and the cross-reference sections, not the page count.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "crypto/crypto.h"
#include "pdf.h"
#include "seal/draw.h"
#include "seal/place.h"
#include "util/versions.h"

#define PT_PER_MM (72.0 / 25.4)
#define BR_FIELD 10        /* digits reserved for each /ByteRange number */
#define SERIAL_MM 3.0      /* height of the serial line under the imprint */
#define CONTENTS_MARGIN 64 /* bytes of slack over the measured CMS size */
#define QR_MM 16.0         /* the verification QR code, right of the imprint */
#define QR_GAP_MM 2.0
#define QR_MAX_TEXT ES_QR_MAX_TEXT

/* A QR code (ISO/IEC 18004, level M; made by the drawing module, seal/draw.h) as filled squares at
 * (x, y) points, `size` wide. */
static ES_RESULT put_qr(es_buf *b, const char *text, double x, double y, double size)
{
    ES_ENSURE(strlen(text) <= QR_MAX_TEXT, ESEAL_EINVAL, "pdf: the QR text is longer than %d bytes", QR_MAX_TEXT);
    const es_draw_module *draw = NULL;
    ES_GUARD(es_draw_get(&draw));
    es_buf cells = ES_BUF_INIT(ES_QR_MAX_CELLS);
    int w = 0;
    es_result r = draw->qr(&cells, &w, text);
    double m = size / (w + 2); /* one module of quiet zone on each side */
    if (es_ok(r)) {
        r = es_buf_append_str(b, "q 0 0 0 rg\n");
    }
    for (int row = 0; row < w && es_ok(r); row++) {
        for (int col = 0; col < w && es_ok(r); col++) {
            if (cells.ptr[row * w + col] != 0) {
                r = es_buf_printf(b, "%.3f %.3f %.3f %.3f re\n", x + (col + 1) * m, y + size - (row + 2) * m, m, m);
            }
        }
    }
    if (es_ok(r)) {
        r = es_buf_append_str(b, "f Q\n");
    }
    es_buf_free(&cells);
    return r;
}

typedef struct {
    int num;
    int gen;
    size_t off;
} xref_entry;

/* A PDF text string: literal for printable ASCII, else UTF-16BE with a BOM (ISO 32000-1 §7.9.2.2). */
static ES_RESULT put_text(es_buf *b, const char *s)
{
    bool ascii = true;
    for (const char *p = s; *p != 0; p++) {
        ascii = ascii && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f;
    }
    if (ascii) {
        ES_GUARD(es_buf_append_byte(b, '('));
        for (const char *p = s; *p != 0; p++) {
            if (*p == '(' || *p == ')' || *p == '\\') {
                ES_GUARD(es_buf_append_byte(b, '\\'));
            }
            ES_GUARD(es_buf_append_byte(b, (uint8_t)*p));
        }
        return es_buf_append_byte(b, ')');
    }
    ES_GUARD(es_buf_append_str(b, "<FEFF"));
    const uint8_t *p = (const uint8_t *)s;
    while (*p != 0) {
        uint32_t cp;
        size_t n;
        if (*p < 0x80) {
            cp = *p;
            n = 1;
        } else if ((*p & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
            cp = ((uint32_t)(*p & 0x1f) << 6) | (p[1] & 0x3f);
            n = 2;
        } else if ((*p & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
            cp = ((uint32_t)(*p & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
            n = 3;
        } else if ((*p & 0xf8) == 0xf0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80) {
            cp = ((uint32_t)(*p & 0x07) << 18) | ((uint32_t)(p[1] & 0x3f) << 12) | ((uint32_t)(p[2] & 0x3f) << 6) |
                 (p[3] & 0x3f);
            n = 4;
        } else {
            ES_BAIL(ESEAL_EINVAL, "pdf: text is not valid UTF-8");
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            ES_GUARD(es_buf_printf(b, "%04X%04X", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff)));
        } else {
            ES_GUARD(es_buf_printf(b, "%04X", cp));
        }
        p += n;
    }
    return es_buf_append_byte(b, '>');
}

/* A number with 3 decimals, formatted without the (slow) floating-point printf path. */
static ES_RESULT put_num(es_buf *b, double v)
{
    long long m = llround(v * 1000.0);
    char tmp[32];
    char *p = tmp + sizeof(tmp);
    bool neg = m < 0;
    unsigned long long u = neg ? (unsigned long long)(-m) : (unsigned long long)m;
    *--p = ' ';
    for (int i = 0; i < 3; i++) {
        *--p = (char)('0' + u % 10);
        u /= 10;
    }
    *--p = '.';
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (neg) {
        *--p = '-';
    }
    return es_buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* The imprint as appearance-stream operators, in points with the origin at the bottom-left of the box. */
static ES_RESULT appearance(es_buf *b, size_t *fixed, const eseal_imprint_outline *o, double box_h_pt,
                            const char *serial, double w_pt)
{
    uint32_t c = eseal_imprint_outline_color(o);
    ES_GUARD(es_buf_printf(b, "q %.4f %.4f %.4f rg\n", ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0,
                           (c & 0xff) / 255.0));
    size_t n = eseal_imprint_outline_count(o);
    for (size_t i = 0; i < n; i++) {
        double pts[6];
        eseal_imprint_op op = eseal_imprint_outline_op(o, i, pts);
        int k = op == ESEAL_IMPRINT_CURVE ? 3 : op == ESEAL_IMPRINT_CLOSE ? 0 : 1;
        for (int j = 0; j < k; j++) {
            ES_GUARD(put_num(b, pts[2 * j] * PT_PER_MM));
            ES_GUARD(put_num(b, box_h_pt - pts[2 * j + 1] * PT_PER_MM));
        }
        static const char ops[] = {'m', 'l', 'c', 'h'};
        ES_GUARD(es_buf_append_byte(b, (uint8_t)ops[op]));
        ES_GUARD(es_buf_append_byte(b, '\n'));
    }
    ES_GUARD(es_buf_append_str(b, "f Q\n"));
    *fixed = b->len; /* the imprint: the same for every stamp of this seal at this size */
    if (serial != NULL && serial[0] != 0) {
        /* The stamp serial, small and centred under the imprint (Helvetica, a standard font). */
        double size = 5.5;
        double tw = (double)strlen(serial) * size * 0.556;
        ES_GUARD(es_buf_printf(b, "BT /Helv %.1f Tf 0 0 0 rg %.3f %.3f Td ", size, (w_pt - tw) / 2, 1.5));
        ES_GUARD(put_text(b, serial));
        ES_GUARD(es_buf_append_str(b, " Tj ET\n"));
    }
    return ES_OK;
}

/* `base`: the file offset of b's first byte (0 when b holds the whole file). */
static ES_RESULT begin_obj(es_buf *b, size_t base, xref_entry *e, size_t *ne, int num, int gen)
{
    e[*ne] = (xref_entry){num, gen, base + b->len};
    (*ne)++;
    return es_buf_printf(b, "%d %d obj\n", num, gen);
}

static int cmp_entry(const void *a, const void *b)
{
    return ((const xref_entry *)a)->num - ((const xref_entry *)b)->num;
}

static ES_RESULT put_id_and_refs(es_buf *b, const es_pdf_doc *d, const uint8_t id1[16])
{
    ES_GUARD(es_buf_printf(b, " /Root %d %d R", d->root.num, d->root.gen));
    if (d->info != NULL) {
        ES_GUARD(es_buf_printf(b, " /Info %s", d->info));
    }
    ES_GUARD(es_buf_append_str(b, " /ID [<"));
    if (d->id0_len > 0) {
        ES_GUARD(es_buf_append_hex(b, d->id0, d->id0_len, false));
    } else {
        ES_GUARD(es_buf_append_hex(b, id1, 16, false));
    }
    ES_GUARD(es_buf_append_str(b, "> <"));
    ES_GUARD(es_buf_append_hex(b, id1, 16, false));
    return es_buf_printf(b, ">] /Prev %zu", d->startxref);
}

/* The cross-reference section, of the same kind as the file's last one. */
static ES_RESULT put_xref(es_buf *b, size_t base, const es_pdf_doc *d, xref_entry *e, size_t ne, int next_num)
{
    uint8_t id1[16];
    ES_GUARD(es_random(id1, sizeof(id1)));
    size_t xref_off = base + b->len;
    if (!d->xref_stream) {
        qsort(e, ne, sizeof(*e), cmp_entry);
        ES_GUARD(es_buf_append_str(b, "xref\n"));
        for (size_t i = 0; i < ne;) {
            size_t j = i;
            while (j + 1 < ne && e[j + 1].num == e[j].num + 1) {
                j++;
            }
            ES_GUARD(es_buf_printf(b, "%d %zu\n", e[i].num, j - i + 1));
            for (size_t k = i; k <= j; k++) {
                ES_GUARD(es_buf_printf(b, "%010zu %05d n\r\n", e[k].off, e[k].gen));
            }
            i = j + 1;
        }
        ES_GUARD(es_buf_printf(b, "trailer\n<< /Size %d", next_num));
        ES_GUARD(put_id_and_refs(b, d, id1));
        return es_buf_printf(b, " >>\nstartxref\n%zu\n%%%%EOF\n", xref_off);
    }
    /* A cross-reference stream (ISO 32000-1 §7.5.8) that lists itself too. */
    int xnum = next_num;
    e[ne++] = (xref_entry){xnum, 0, xref_off};
    qsort(e, ne, sizeof(*e), cmp_entry);
    ES_AUTO(es_buf_freep) es_buf index = ES_BUF_INIT(ES_PDF_XREF_MAX);
    ES_AUTO(es_buf_freep) es_buf rows = ES_BUF_INIT(ES_PDF_XREF_MAX);
    for (size_t i = 0; i < ne;) {
        size_t j = i;
        while (j + 1 < ne && e[j + 1].num == e[j].num + 1) {
            j++;
        }
        ES_GUARD(es_buf_printf(&index, "%s%d %zu", i == 0 ? "" : " ", e[i].num, j - i + 1));
        for (size_t k = i; k <= j; k++) {
            uint8_t row[8] = {1, (uint8_t)(e[k].off >> 32), (uint8_t)(e[k].off >> 24), (uint8_t)(e[k].off >> 16),
                              (uint8_t)(e[k].off >> 8), (uint8_t)e[k].off, (uint8_t)(e[k].gen >> 8),
                              (uint8_t)e[k].gen};
            ES_GUARD(es_buf_append(&rows, row, sizeof(row)));
        }
        i = j + 1;
    }
    ES_GUARD(es_buf_printf(b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 5 2] /Index [%s]", xnum, xnum + 1,
                           es_buf_cstr(&index)));
    ES_GUARD(put_id_and_refs(b, d, id1));
    ES_GUARD(es_buf_printf(b, " /Length %zu >>\nstream\n", rows.len));
    ES_GUARD(es_buf_append(b, rows.ptr, rows.len));
    return es_buf_printf(b, "\nendstream\nendobj\nstartxref\n%zu\n%%%%EOF\n", xref_off);
}

typedef struct {
    size_t br_pos;        /* where the three /ByteRange numbers go */
    size_t contents_pos;  /* the '<' of /Contents */
    size_t contents_len;  /* hex digits reserved */
} placeholders;

#define MIN_SLICE_MM 4.0 /* a cross-page slice narrower than this is not recognisable: pages are grouped */

typedef struct {
    es_buf *b;
    size_t base; /* file offset of b's first byte */
    xref_entry *e;
    size_t ne, cap;
    int next; /* next free object number */
} writer;

static ES_RESULT obj(writer *w, int num, int gen)
{
    ES_ENSURE(w->ne < w->cap, ESEAL_ERROR, "pdf: internal: too many objects");
    return begin_obj(w->b, w->base, w->e, &w->ne, num, gen);
}

/*
 * A page as a viewer shows it: its visible area (the CropBox clipped to the MediaBox, ISO 32000-1
 * §14.11.2) turned clockwise by /Rotate (§7.7.3.3). Placement is in this displayed space: x to the
 * right and y down from its top-left corner, in points. A displayed point (x, y) is the default
 * user space point p0 + x * ux + y * uy.
 */
typedef struct {
    double w, h;     /* displayed width and height */
    double p0[2];    /* the displayed top-left corner in user space */
    double ux[2];    /* user space direction of displayed x (right) */
    double uy[2];    /* user space direction of displayed y (down) */
    int quarter;     /* /Rotate normalised to 0..3 quarter turns clockwise */
} page_view;

static ES_RESULT check_page(page_view *v, const es_pdf_doc *d, int page_no)
{
    ES_ENSURE(page_no >= 1 && (size_t)page_no <= d->npages, ESEAL_EINVAL, "pdf: page %d does not exist (1..%zu)",
              page_no, d->npages);
    const es_pdf_page *pg = es_pdf_page_at(d, (size_t)page_no);
    ES_ENSURE(pg != NULL, ESEAL_ERROR, "pdf: internal: page %d was not read", page_no);
    ES_ENSURE(pg->rotate != ES_PDF_ROTATE_BAD, ESEAL_EMALFORMED,
              "pdf: page %d has a /Rotate that is not an integer multiple of 90 (ISO 32000-1 §7.7.3.3)", page_no);
    ES_ENSURE(pg->rotate % 90 == 0, ESEAL_EMALFORMED,
              "pdf: page %d has /Rotate %d, not an integer multiple of 90 (ISO 32000-1 §7.7.3.3)", page_no,
              pg->rotate);
    const double *c = pg->crop;
    v->quarter = ((pg->rotate % 360 + 360) % 360) / 90;
    static const double dirs[4][4] = {{1, 0, 0, -1}, {0, 1, 1, 0}, {-1, 0, 0, 1}, {0, -1, -1, 0}};
    const double *dr = dirs[v->quarter];
    v->ux[0] = dr[0];
    v->ux[1] = dr[1];
    v->uy[0] = dr[2];
    v->uy[1] = dr[3];
    /* The corner shown at the top-left: the CropBox's top-left, bottom-left, bottom-right, top-right. */
    v->p0[0] = v->quarter <= 1 ? c[0] : c[2];
    v->p0[1] = v->quarter == 1 || v->quarter == 2 ? c[1] : c[3];
    bool sideways = v->quarter % 2 == 1;
    v->w = sideways ? c[3] - c[1] : c[2] - c[0];
    v->h = sideways ? c[2] - c[0] : c[3] - c[1];
    return ES_OK;
}

/* The widget /Rect (default user space) of the displayed rectangle at (x, ytop), w by h points. */
static void view_rect(const page_view *v, double x, double ytop, double w, double h, double rect[4])
{
    double ax = v->p0[0] + x * v->ux[0] + ytop * v->uy[0], ay = v->p0[1] + x * v->ux[1] + ytop * v->uy[1];
    double bx = v->p0[0] + (x + w) * v->ux[0] + (ytop + h) * v->uy[0];
    double by = v->p0[1] + (x + w) * v->ux[1] + (ytop + h) * v->uy[1];
    rect[0] = fmin(ax, bx);
    rect[1] = fmin(ay, by);
    rect[2] = fmax(ax, bx);
    rect[3] = fmax(ay, by);
}

/*
 * The appearance's /Matrix (ISO 32000-1 §8.10.1, §12.5.5) for a form drawn upright in a bw by bh
 * /BBox: it turns the form counter-clockwise by the page's /Rotate, so that the viewer's clockwise
 * turn of the page shows it upright, and moves the turned BBox back to the origin (the viewer
 * then only translates it onto /Rect). Its x axis goes along ux, its y axis against uy:
 *   /Rotate 0    [ 1  0  0  1  0  0 ]      (no /Matrix written)
 *   /Rotate 90   [ 0  1 -1  0  bh 0 ]
 *   /Rotate 180  [-1  0  0 -1  bw bh]
 *   /Rotate 270  [ 0 -1  1  0  0  bw]
 * No /NoRotate flag: viewers do not agree on it.
 */
static void view_matrix(const page_view *v, double bw, double bh, double m[6])
{
    m[0] = v->ux[0];
    m[1] = v->ux[1];
    m[2] = -v->uy[0];
    m[3] = -v->uy[1];
    m[4] = v->quarter == 1 ? bh : v->quarter == 2 ? bw : 0;
    m[5] = v->quarter == 2 ? bh : v->quarter == 3 ? bw : 0;
}

static ES_RESULT page_with_widgets(writer *w, const es_pdf_page *pg, const int *widgets, size_t n)
{
    ES_GUARD(obj(w, pg->ref.num, pg->ref.gen));
    ES_GUARD(es_buf_printf(w->b, "%s /Annots [%s", pg->dict_wo_annots, pg->annots));
    for (size_t i = 0; i < n; i++) {
        ES_GUARD(es_buf_printf(w->b, "%s%d 0 R", i == 0 && pg->annots[0] == 0 ? "" : " ", widgets[i]));
    }
    return es_buf_append_str(w->b, "] >>\nendobj\n");
}

#define FLATE_MIN 1024 /* smaller appearances (a cross-page slice) are written as they are */

/*
 * A form XObject with /BBox [0 0 bw bh]; `matrix` (NULL: the identity) turns it for a rotated page.
 * A large content (the imprint's outlines as text: ~57 KB for a 40 mm seal) is deflated
 * (ISO 32000-1 §7.4.4 FlateDecode; ~3x smaller), so a stamp adds little to a small document.
 */
/*
 * The last appearance each thread compressed, and what it compressed to: every document of a batch
 * with one seal at one size draws the same imprint, and deflating it (level 6, ~1 ms for a 28 KB
 * imprint) was an eighth of a batch's CPU. compress2 is a pure function of its input, so the memo
 * changes no byte. Freed when the thread ends (pthread key destructor).
 *
 * What follows the imprint in the stream (the stamp's serial, a QR code) differs from stamp to
 * stamp, so the memo keeps the imprint part alone (`fixed` bytes) compressed as the start of a
 * zlib stream ended by a full flush (RFC 1950 header, deflate blocks none of which is the last,
 * byte-aligned, and no reference across the flush: Z_FULL_FLUSH resets the history); each stamp
 * then deflates only its own tail as raw deflate blocks (the last one final) and ends the stream
 * with the Adler-32 of the whole content (adler32_combine of the two parts). RFC 1951 §3.2.3: a
 * deflate stream is a sequence of blocks, so the two parts together are one valid stream, which
 * inflates to the whole content.
 */
typedef struct {
    es_buf in, out;
    bool flushed; /* out: the start of a zlib stream ended by a full flush (a tail follows), else whole */
    uLong adler;  /* flushed: Adler-32 of `in` */
} flate_memo;

static pthread_key_t memo_key;
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;
static bool memo_ok;
/* Test hook: appearances actually deflated by this process. */
_Atomic unsigned long es_pdf_deflations;

static void memo_free(void *p)
{
    flate_memo *m = p;
    es_buf_free(&m->in);
    es_buf_free(&m->out);
    es_free(m);
}

static void memo_init(void) { memo_ok = pthread_key_create(&memo_key, memo_free) == 0; }

/* Deflates `in` onto the end of z: zlib (RFC 1950) or raw (windowBits -15) format, `flush` Z_FINISH or
 * Z_FULL_FLUSH (then nothing final is written: more blocks may follow). */
static ES_RESULT deflate_into(es_buf *z, es_span in, int window_bits, int flush)
{
    z_stream s = {0};
    ES_ENSURE(deflateInit2(&s, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK, ESEAL_ENOMEM,
              "pdf: the appearance stream cannot be compressed");
    size_t bound = (size_t)deflateBound(&s, (uLong)in.len) + 16; /* + the full flush's empty stored block */
    es_result r = es_buf_reserve(z, bound);
    if (es_ok(r)) {
        s.next_in = (Bytef *)(uintptr_t)in.ptr;
        s.avail_in = (uInt)in.len;
        s.next_out = z->ptr + z->len;
        s.avail_out = (uInt)bound;
        int rc = deflate(&s, flush);
        if ((flush == Z_FINISH && rc != Z_STREAM_END) || (flush != Z_FINISH && (rc != Z_OK || s.avail_in != 0))) {
            r = es_error_set(ESEAL_ERROR, __FILE__, __LINE__, "pdf: the appearance stream cannot be compressed");
        } else {
            z->len += bound - s.avail_out;
            z->ptr[z->len] = '\0'; /* es_buf's terminator (reserve keeps room for it) */
        }
    }
    (void)deflateEnd(&s);
    return r;
}

/* The content's tail after the memo's flushed start (deflate_appearance): raw blocks and the Adler-32 trailer. */
static ES_RESULT deflate_tail(es_buf *z, es_span content, size_t fixed, uLong fixed_adler)
{
    es_span tail = es_span_of(content.ptr + fixed, content.len - fixed);
    ES_GUARD(deflate_into(z, tail, -15, Z_FINISH));
    uLong a = adler32_combine(fixed_adler, adler32(1L, tail.ptr, (uInt)tail.len), (z_off_t)tail.len);
    uint8_t be[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
    return es_buf_append(z, be, sizeof(be));
}

/* `content` deflated into `z`, from this thread's memo when it is the same content, or (`fixed` >
 * 0) when its first `fixed` bytes are the memo's; see flate_memo. */
static ES_RESULT deflate_appearance(es_buf *z, es_span content, size_t fixed)
{
    (void)pthread_once(&memo_once, memo_init);
    flate_memo *m = memo_ok ? pthread_getspecific(memo_key) : NULL;
    bool split = fixed > 0 && fixed < content.len;
    es_span key = split ? es_span_of(content.ptr, fixed) : content;
    if (m != NULL && m->flushed == split && es_span_eq(es_buf_span(&m->in), key)) {
        ES_GUARD(es_buf_append(z, m->out.ptr, m->out.len));
        return split ? deflate_tail(z, content, fixed, m->adler) : ES_OK;
    }
    uLong adler = 0;
    if (split) {
        ES_GUARD(deflate_into(z, key, 15, Z_FULL_FLUSH));
        adler = adler32(1L, key.ptr, (uInt)key.len);
    } else {
        uLongf zlen = compressBound((uLong)content.len);
        ES_GUARD(es_buf_reserve(z, (size_t)zlen));
        ES_ENSURE(compress2(z->ptr, &zlen, content.ptr, (uLong)content.len, 6) == Z_OK, ESEAL_ERROR,
                  "pdf: the appearance stream cannot be compressed");
        z->len = (size_t)zlen;
    }
    es_pdf_deflations++;
    size_t head = z->len; /* what the memo keeps: the whole stream, or its flushed start */
    if (memo_ok && m == NULL) {
        m = es_calloc(1, sizeof(*m));
        if (m != NULL && pthread_setspecific(memo_key, m) != 0) {
            es_free(m);
            m = NULL;
        }
        if (m != NULL) {
            m->in = (es_buf)ES_BUF_INIT(ES_PDF_XOBJECT_MAX);
            m->out = (es_buf)ES_BUF_INIT(ES_PDF_XOBJECT_MAX);
        }
    }
    if (m != NULL) {
        /* A memo that cannot be kept is forgotten, never half-kept. */
        m->in.len = m->out.len = 0;
        m->flushed = split;
        m->adler = adler;
        if (!es_ok(es_buf_append(&m->in, key.ptr, key.len)) || !es_ok(es_buf_append(&m->out, z->ptr, head))) {
            eseal_error_clear();
            m->in.len = m->out.len = 0;
        }
    }
    return split ? deflate_tail(z, content, fixed, adler) : ES_OK;
}

/* `fixed`: the length of the content's start that every stamp with this imprint draws alike (0: none). */
static ES_RESULT form_xobject(writer *w, int num, double bw, double bh, const double *matrix, const char *resources,
                              es_span content, size_t fixed)
{
    ES_AUTO(es_buf_freep) es_buf z = ES_BUF_INIT(ES_PDF_XOBJECT_MAX);
    bool flate = content.len >= FLATE_MIN;
    if (flate) {
        ES_GUARD(deflate_appearance(&z, content, fixed));
    }
    ES_GUARD(obj(w, num, 0));
    ES_GUARD(es_buf_printf(w->b, "<< /Type /XObject /Subtype /Form /BBox [0 0 %.3f %.3f]", bw, bh));
    if (matrix != NULL) {
        ES_GUARD(es_buf_printf(w->b, " /Matrix [%d %d %d %d %.3f %.3f]", (int)matrix[0], (int)matrix[1],
                               (int)matrix[2], (int)matrix[3], matrix[4], matrix[5]));
    }
    es_span body = flate ? es_buf_span(&z) : content;
    ES_GUARD(es_buf_printf(w->b, " /Resources %s%s /Length %zu >>\nstream\n", resources,
                           flate ? " /Filter /FlateDecode" : "", body.len));
    ES_GUARD(es_buf_append(w->b, body.ptr, body.len));
    return es_buf_append_str(w->b, "\nendstream\nendobj\n");
}

#define HELV_RES "<< /Font << /Helv << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> >> >>"

/*
 * A field lock dictionary (ISO 32000-1 tables 233 and 256): /Type type, /Action,
 * /Fields from the comma-separated names (checked: printable ASCII, no empty name).
 */
static ES_RESULT put_lock(es_buf *b, const char *type, const eseal_pdf_stamp_options *o)
{
    static const char *const act[] = {"", "/All", "/Include", "/Exclude"};
    ES_ENSURE(o->lock >= ESEAL_PDF_LOCK_ALL && o->lock <= ESEAL_PDF_LOCK_EXCLUDE, ESEAL_EINVAL,
              "pdf: unknown field lock %d", o->lock);
    ES_GUARD(es_buf_printf(b, "<< /Type %s /Action %s", type, act[o->lock]));
    if (strcmp(type, "/TransformParams") == 0) {
        ES_GUARD(es_buf_append_str(b, " /V /1.2"));
    }
    if (o->lock != ESEAL_PDF_LOCK_ALL) {
        const char *f = o->lock_fields != NULL ? o->lock_fields : "";
        ES_ENSURE(f[0] != 0, ESEAL_EINVAL, "pdf: a field lock of named fields needs at least one field name");
        ES_GUARD(es_buf_append_str(b, " /Fields ["));
        for (const char *p = f;;) {
            const char *e = strchr(p, ',');
            size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
            ES_ENSURE(len > 0 && len <= ES_PDF_MAX_NAME_LEN, ESEAL_EINVAL, "pdf: an empty or too long field name in the lock");
            char name[256];
            memcpy(name, p, len);
            name[len] = 0;
            for (size_t i = 0; i < len; i++) {
                ES_ENSURE((unsigned char)name[i] >= 0x20 && (unsigned char)name[i] < 0x7f, ESEAL_EINVAL,
                          "pdf: lock field names are printable ASCII (full names, parts joined by '.')");
            }
            ES_GUARD(put_text(b, name));
            if (e == NULL) {
                break;
            }
            ES_GUARD(es_buf_append_byte(b, ' '));
            p = e + 1;
        }
        ES_GUARD(es_buf_append_byte(b, ']'));
    }
    return es_buf_append_str(b, " >>");
}

/*
 * Where the imprint goes, in millimetres from the top-left; -1 on an axis: the default there
 * (es_imprint_place). Version-1 options (which have no xy_exact) meant the page's edge by 0.
 */
static void place_of(const eseal_pdf_stamp_options *o, double *x_mm, double *y_mm)
{
    es_imprint_place(x_mm, y_mm, o->x_mm, o->y_mm, o->version < 2 || o->xy_exact);
}

/* One widget on one page: the field and the widget are one object. Returns the field's number. */
static ES_RESULT visible_single(writer *w, int *field, const es_pdf_doc *d, const eseal_imprint_outline *imprint,
                                const eseal_pdf_stamp_options *o, int S, const char *name)
{
    int page_no = o->page <= 0 ? (int)d->npages : o->page;
    page_view v;
    ES_GUARD(check_page(&v, d, page_no));
    const es_pdf_page *pg = es_pdf_page_at(d, (size_t)page_no);
    double w_mm = 0, h_mm = 0;
    eseal_imprint_outline_size(imprint, &w_mm, &h_mm);
    bool serial = o->serial != NULL && o->serial[0] != 0;
    bool qr = o->qr_text != NULL && o->qr_text[0] != 0;
    double img_w = w_mm * PT_PER_MM, img_h = h_mm * PT_PER_MM;
    double art_h = qr && QR_MM * PT_PER_MM > img_h ? QR_MM * PT_PER_MM : img_h;
    double box_w = img_w + (qr ? (QR_GAP_MM + QR_MM) * PT_PER_MM : 0);
    double box_h = art_h + (serial ? SERIAL_MM * PT_PER_MM : 0);
    /* --at and the default corner are in the visible area as displayed (rotated), from its top-left. */
    double pw = v.w, ph_ = v.h;
    double x_mm, y_mm;
    place_of(o, &x_mm, &y_mm);
    double x = x_mm >= 0 ? x_mm * PT_PER_MM : pw - box_w - ES_IMPRINT_MARGIN_MM * PT_PER_MM;
    double ytop = y_mm >= 0 ? y_mm * PT_PER_MM : ph_ - box_h - ES_IMPRINT_MARGIN_MM * PT_PER_MM;
    ES_ENSURE(box_w <= pw + 0.01 && box_h <= ph_ + 0.01, ESEAL_EINVAL,
              "pdf: page %d (%.0fx%.0f mm visible) is smaller than the imprint (%.0fx%.0f mm)", page_no,
              pw / PT_PER_MM, ph_ / PT_PER_MM, box_w / PT_PER_MM, box_h / PT_PER_MM);
    if (x_mm < 0 && x < 0) {
        x = 0; /* the default corner position on a small page: as far right as fits */
    }
    if (y_mm < 0 && ytop < 0) {
        ytop = 0;
    }
    ES_ENSURE(x >= 0 && ytop >= 0 && x + box_w <= pw + 0.01 && ytop + box_h <= ph_ + 0.01, ESEAL_EINVAL,
              "pdf: the imprint (%.0fx%.0f mm) at %.1f,%.1f mm does not fit on page %d (%.0fx%.0f mm visible)",
              box_w / PT_PER_MM, box_h / PT_PER_MM, x / PT_PER_MM, ytop / PT_PER_MM, page_no, pw / PT_PER_MM,
              ph_ / PT_PER_MM);
    double rect[4], m[6];
    view_rect(&v, x, ytop, box_w, box_h, rect);
    view_matrix(&v, box_w, box_h, m);

    int A = w->next++, W = w->next++;
    ES_AUTO(es_buf_freep) es_buf ap = ES_BUF_INIT(ES_PDF_XOBJECT_MAX);
    size_t fixed = 0;
    ES_GUARD(appearance(&ap, &fixed, imprint, box_h - (art_h - img_h), o->serial, img_w));
    if (qr) {
        ES_GUARD(put_qr(&ap, o->qr_text, img_w + QR_GAP_MM * PT_PER_MM, box_h - QR_MM * PT_PER_MM, QR_MM * PT_PER_MM));
    }
    ES_GUARD(form_xobject(w, A, box_w, box_h, v.quarter != 0 ? m : NULL, HELV_RES, es_buf_span(&ap), fixed));
    ES_GUARD(obj(w, W, 0));
    ES_GUARD(es_buf_append_str(w->b, "<< /Type /Annot /Subtype /Widget /FT /Sig /T "));
    ES_GUARD(put_text(w->b, name));
    ES_GUARD(es_buf_printf(w->b, " /V %d 0 R /F 132 /P %d %d R /Rect [%.3f %.3f %.3f %.3f] /AP << /N %d 0 R >>", S,
                           pg->ref.num, pg->ref.gen, rect[0], rect[1], rect[2], rect[3], A));
    if (o->lock != ESEAL_PDF_LOCK_NONE) {
        ES_GUARD(es_buf_append_str(w->b, " /Lock "));
        ES_GUARD(put_lock(w->b, "/SigFieldLock", o));
    }
    ES_GUARD(es_buf_append_str(w->b, " >>\nendobj\n"));
    ES_GUARD(page_with_widgets(w, pg, &W, 1));
    *field = W;
    return ES_OK;
}

/*
 * The cross-page ("riding seam", 骑缝章) seal: one signature field whose widgets, one per page,
 * show consecutive vertical slices of the imprint at the right edge of the pages. When a slice
 * would be narrower than MIN_SLICE_MM the pages are taken in groups, each showing a whole
 * imprint across its pages (platforms.md §2.6).
 */
static ES_RESULT visible_cross(writer *w, int *field, const es_pdf_doc *d, const eseal_imprint_outline *imprint,
                               const eseal_pdf_stamp_options *o, int S, const char *name)
{
    int first = o->cross_first > 0 ? o->cross_first : 1;
    int last = o->cross_last > 0 ? o->cross_last : (int)d->npages;
    ES_ENSURE(first <= last && last <= (int)d->npages && last - first >= 1, ESEAL_EINVAL,
              "pdf: a cross-page seal needs at least two pages (pages %d..%d of %zu)", first, last, d->npages);
    ES_ENSURE(last - first + 1 <= ES_PDF_MAX_PAGES_CROSS, ESEAL_ELIMIT, "pdf: too many pages for one cross-page seal");
    page_view v;
    for (int p = first; p <= last; p++) {
        ES_GUARD(check_page(&v, d, p));
    }
    double w_mm = 0, h_mm = 0;
    eseal_imprint_outline_size(imprint, &w_mm, &h_mm);
    double img_w = w_mm * PT_PER_MM, img_h = h_mm * PT_PER_MM;
    int per_group = (int)(w_mm / MIN_SLICE_MM);
    per_group = per_group < 2 ? 2 : per_group;

    /* The whole imprint once, drawn by every slice through its own clip (the slice's BBox). */
    int I = w->next++;
    ES_AUTO(es_buf_freep) es_buf ap = ES_BUF_INIT(ES_PDF_XOBJECT_MAX);
    size_t fixed = 0;
    ES_GUARD(appearance(&ap, &fixed, imprint, img_h, NULL, img_w));
    ES_GUARD(form_xobject(w, I, img_w, img_h, NULL, "<< >>", es_buf_span(&ap), 0));
    int F = w->next++;
    int npages = last - first + 1;
    int *widgets = es_calloc((size_t)npages, sizeof(int));
    ES_ENSURE_ALLOC(widgets);
    es_result r = ES_OK;
    for (int i = 0; i < npages && es_ok(r); i++) {
        const es_pdf_page *pg = es_pdf_page_at(d, (size_t)(first + i)); /* read: check_page above */
        int group_start = i / per_group * per_group;
        int k = npages - group_start < per_group ? npages - group_start : per_group; /* pages in this group */
        int j = i - group_start;
        if (k == 1) {
            /* A lone last page gets the seal's right half: a slice must stay recognisable. */
            k = 2;
            j = 1;
        }
        double sw = img_w / k, x0 = sw * j;
        /* The slice at the right edge of the visible area as displayed, centred vertically there. */
        r = check_page(&v, d, first + i);
        if (!es_ok(r)) {
            break;
        }
        double x_mm, y_mm;
        place_of(o, &x_mm, &y_mm);
        double ytop = y_mm >= 0 ? y_mm * PT_PER_MM : (v.h - img_h) / 2;
        if (ytop < 0 || ytop + img_h > v.h + 0.01 || sw > v.w + 0.01) {
            r = es_error_set(ESEAL_EINVAL, __FILE__, __LINE__,
                             "pdf: the cross-page seal does not fit page %d (%.0fx%.0f mm visible)", first + i,
                             v.w / PT_PER_MM, v.h / PT_PER_MM);
            break;
        }
        int A = w->next++, W = w->next++;
        char content[96], res[96];
        int n = snprintf(content, sizeof(content), "q 1 0 0 1 %.3f 0 cm /I Do Q\n", -x0);
        (void)snprintf(res, sizeof(res), "<< /XObject << /I %d 0 R >> >>", I);
        double rect[4], m[6];
        view_rect(&v, v.w - sw, ytop, sw, img_h, rect);
        view_matrix(&v, sw, img_h, m);
        r = form_xobject(w, A, sw, img_h, v.quarter != 0 ? m : NULL, res, es_span_of(content, (size_t)n), 0);
        if (es_ok(r)) {
            r = obj(w, W, 0);
        }
        if (es_ok(r)) {
            /* /Parent is required here (ISO 32000-1 table 188). /V again on the widget: poppler before
             * 26.01 (Debian 12's 22.12: Okular, Evince, pdfsig) takes every kid with a /Parent for a
             * child field and reads its /V without inheritance, so without it the stamp shows as
             * one unsigned field per page. The same /V is what conforming readers inherit anyway. */
            r = es_buf_printf(w->b, "<< /Type /Annot /Subtype /Widget /Parent %d 0 R /V %d 0 R /F 132 /P %d %d R "
                                    "/Rect [%.3f %.3f %.3f %.3f] /AP << /N %d 0 R >> >>\nendobj\n",
                              F, S, pg->ref.num, pg->ref.gen, rect[0], rect[1], rect[2], rect[3], A);
        }
        if (es_ok(r)) {
            r = page_with_widgets(w, pg, &W, 1);
        }
        widgets[i] = W;
    }
    if (es_ok(r)) {
        r = obj(w, F, 0);
    }
    if (es_ok(r)) {
        r = es_buf_append_str(w->b, "<< /FT /Sig /T ");
    }
    if (es_ok(r)) {
        r = put_text(w->b, name);
    }
    if (es_ok(r)) {
        r = es_buf_printf(w->b, " /V %d 0 R /Kids [", S);
    }
    for (int i = 0; i < npages && es_ok(r); i++) {
        r = es_buf_printf(w->b, "%s%d 0 R", i == 0 ? "" : " ", widgets[i]);
    }
    if (es_ok(r)) {
        r = es_buf_append_byte(w->b, ']');
    }
    if (es_ok(r) && o->lock != ESEAL_PDF_LOCK_NONE) {
        r = es_buf_append_str(w->b, " /Lock ");
        if (es_ok(r)) {
            r = put_lock(w->b, "/SigFieldLock", o);
        }
    }
    if (es_ok(r)) {
        r = es_buf_append_str(w->b, " >>\nendobj\n");
    }
    es_free(widgets);
    *field = F;
    return r;
}

/* The invisible widget of a document timestamp, on page 1 (PAdES: a signature field like any other). */
static ES_RESULT invisible_widget(writer *w, int *field, const es_pdf_doc *d, int S, const char *name)
{
    const es_pdf_page *pg = es_pdf_page_at(d, 1);
    ES_ENSURE(pg != NULL, ESEAL_ERROR, "pdf: internal: page 1 was not read");
    int W = w->next++;
    ES_GUARD(obj(w, W, 0));
    ES_GUARD(es_buf_append_str(w->b, "<< /Type /Annot /Subtype /Widget /FT /Sig /T "));
    ES_GUARD(put_text(w->b, name));
    ES_GUARD(es_buf_printf(w->b, " /V %d 0 R /F 132 /P %d %d R /Rect [0 0 0 0] >>\nendobj\n", S, pg->ref.num,
                           pg->ref.gen));
    ES_GUARD(page_with_widgets(w, pg, &W, 1));
    *field = W;
    return ES_OK;
}

/*
 * The update of a stamp (imprint, seal and signature) or, with `doc_ts`, of a document timestamp
 * (no seal, no imprint, a /DocTimeStamp dictionary; `imprint`, `seal` and most of `o` unused).
 */
static ES_RESULT build(es_buf *b, size_t base, placeholders *ph, const es_pdf_doc *d,
                       const eseal_imprint_outline *imprint, es_span seal, const eseal_pdf_stamp_options *o,
                       size_t cms_bytes, int64_t now, bool doc_ts)
{
    ES_ENSURE(o->certify >= 0 && o->certify <= 3, ESEAL_EINVAL, "pdf: --certify takes 1, 2 or 3");
    ES_ENSURE(o->certify == 0 || d->nsig_fields == 0, ESEAL_ESTATE,
              "pdf: only the first signature of a document can certify it (this one has %zu)", d->nsig_fields);
    ES_ENSURE(o->certify == 0 || strstr(d->root_wo_acroform, "/Perms") == NULL, ESEAL_ESTATE,
              "pdf: the document already carries permissions (/Perms)");
    writer w = {b, base, NULL, 0, 16 + 3 * d->nloaded, d->size}; /* per page: the widget, its appearance, the page */
    w.e = es_calloc(w.cap, sizeof(*w.e));
    ES_ENSURE_ALLOC(w.e);
    es_result r = ES_OK;
    /* A plain signature (es_pdf_sign_invisible): no seal, no imprint, an invisible widget as a document
     * timestamp has, but a /Sig dictionary. */
    bool plain = !doc_ts && imprint == NULL && seal.len == 0;
    int E = doc_ts || plain ? 0 : w.next++;
    int S = w.next++;
    uint8_t last = b->len > 0 ? b->ptr[b->len - 1] : d->last_byte;
    if (last != '\n' && last != '\r') {
        r = es_buf_append_byte(b, '\n');
    }

    /* E: the seal (a document timestamp keeps the number unused: a free entry is not needed) */
    if (es_ok(r) && !doc_ts && !plain) {
        r = obj(&w, E, 0);
        if (es_ok(r)) {
            r = es_buf_printf(b, "<< /Type /ESeal.Seal /Length %zu >>\nstream\n", seal.len);
        }
        if (es_ok(r)) {
            r = es_buf_append(b, seal.ptr, seal.len);
        }
        if (es_ok(r)) {
            r = es_buf_append_str(b, "\nendstream\nendobj\n");
        }
    }

    /* S: the signature dictionary */
    char date[ES_GENTIME_LEN];
    es_time_gentime(date, now, false);
    date[14] = 0;
    if (es_ok(r)) {
        r = obj(&w, S, 0);
    }
    if (es_ok(r) && doc_ts) {
        r = es_buf_append_str(b, "<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161");
    } else if (es_ok(r)) {
        r = es_buf_printf(b, "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /%s /M (D:%sZ)",
                          o->adbe ? "adbe.pkcs7.detached" : "ETSI.CAdES.detached", date);
    }
    const char *texts[3][2] = {{"/Name", o->name}, {"/Reason", o->reason}, {"/Location", o->location}};
    for (int i = 0; i < 3 && es_ok(r) && !doc_ts; i++) {
        if (texts[i][1] != NULL && texts[i][1][0] != 0) {
            r = es_buf_printf(b, " %s ", texts[i][0]);
            if (es_ok(r)) {
                r = put_text(b, texts[i][1]);
            }
        }
    }
    if (es_ok(r) && !doc_ts && !plain) {
        r = es_buf_printf(b, " /ESeal.Seal %d 0 R /Prop_Build << /App << /Name /eseal >> >>", E);
    } else if (es_ok(r) && plain) {
        r = es_buf_append_str(b, " /Prop_Build << /App << /Name /eseal >> >>");
    }
    if (es_ok(r) && (o->certify != 0 || o->lock != ESEAL_PDF_LOCK_NONE)) {
        r = es_buf_append_str(b, " /Reference [");
        if (es_ok(r) && o->certify != 0) {
            r = es_buf_printf(b, "<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << "
                                 "/Type /TransformParams /P %d /V /1.2 >> >>",
                              o->certify);
        }
        if (es_ok(r) && o->lock != ESEAL_PDF_LOCK_NONE) {
            r = es_buf_printf(b, "<< /Type /SigRef /TransformMethod /FieldMDP /Data %d %d R /TransformParams ",
                              d->root.num, d->root.gen);
            if (es_ok(r)) {
                r = put_lock(b, "/TransformParams", o);
            }
            if (es_ok(r)) {
                r = es_buf_append_str(b, " >>");
            }
        }
        if (es_ok(r)) {
            r = es_buf_append_byte(b, ']');
        }
    }
    if (es_ok(r)) {
        r = es_buf_append_str(b, "\n/ByteRange [0 ");
    }
    ph->br_pos = b->len;
    for (int i = 0; i < 3 * (BR_FIELD + 1) && es_ok(r); i++) {
        r = es_buf_append_byte(b, ' ');
    }
    if (es_ok(r)) {
        r = es_buf_append_str(b, "]\n/Contents ");
    }
    ph->contents_pos = b->len;
    ph->contents_len = 2 * cms_bytes;
    if (es_ok(r)) {
        r = es_buf_append_byte(b, '<');
    }
    for (size_t i = 0; i < ph->contents_len && es_ok(r); i++) {
        r = es_buf_append_byte(b, '0');
    }
    if (es_ok(r)) {
        r = es_buf_append_str(b, "> >>\nendobj\n");
    }

    /* What people see, and the field */
    char name[96];
    bool serial = o->serial != NULL && o->serial[0] != 0;
    if (doc_ts) {
        (void)snprintf(name, sizeof(name), "DocTimeStamp%zu", d->nsig_fields + 1);
    } else if (serial) {
        (void)snprintf(name, sizeof(name), "eseal-%s", o->serial);
    } else {
        (void)snprintf(name, sizeof(name), "Signature%zu", d->nsig_fields + 1);
    }
    int field = 0;
    if (es_ok(r)) {
        r = doc_ts || plain ? invisible_widget(&w, &field, d, S, name)
            : o->cross_page ? visible_cross(&w, &field, d, imprint, o, S, name)
                            : visible_single(&w, &field, d, imprint, o, S, name);
    }

    /* the form: the existing AcroForm object again, or a new one referenced from the catalog */
    int af = d->acroform_indirect ? d->acroform_ref.num : w.next++;
    if (es_ok(r)) {
        r = obj(&w, af, d->acroform_indirect ? d->acroform_ref.gen : 0);
    }
    if (es_ok(r)) {
        r = es_buf_printf(b, "%s /Fields [%s%s%d 0 R] /SigFlags 3 >>\nendobj\n",
                          d->acroform_wo_fields != NULL ? d->acroform_wo_fields : "<<", d->fields,
                          d->fields[0] != 0 ? " " : "", field);
    }
    if (es_ok(r) && (!d->acroform_indirect || o->certify != 0)) {
        r = obj(&w, d->root.num, d->root.gen);
        if (es_ok(r)) {
            r = es_buf_printf(b, "%s /AcroForm %d %d R", d->root_wo_acroform, af,
                              d->acroform_indirect ? d->acroform_ref.gen : 0);
        }
        if (es_ok(r) && o->certify != 0) {
            r = es_buf_printf(b, " /Perms << /DocMDP %d 0 R >>", S);
        }
        if (es_ok(r)) {
            r = es_buf_append_str(b, " >>\nendobj\n");
        }
    }
    if (es_ok(r)) {
        ES_ENSURE(w.ne < w.cap, ESEAL_ERROR, "pdf: internal: too many objects");
        r = put_xref(b, base, d, w.e, w.ne, w.next);
    }
    es_free(w.e);
    return r;
}

/* ---- shared by the in-memory and the streaming stamper ---- */

/*
 * Reads the pages the update touches, and only those (issue #18; pdf.h): the stamped page, the
 * pages of a cross-page seal, page 1 for a document timestamp. Pages the options get wrong are not
 * read: build() refuses them, with its own message.
 */
static ES_RESULT load_pages_of(es_pdf_doc *d, const eseal_pdf_stamp_options *o, bool doc_ts)
{
    size_t n = d->npages, first = 1, last = 1;
    if (!doc_ts && o->cross_page) {
        first = o->cross_first > 0 ? (size_t)o->cross_first : 1;
        last = o->cross_last > 0 ? (size_t)o->cross_last : n;
        if (first >= last || last > n || last - first + 1 > ES_PDF_MAX_PAGES_CROSS) {
            return ES_OK;
        }
    } else if (!doc_ts && o->page <= 0) {
        first = last = 0; /* the last page */
    } else if (!doc_ts) {
        first = last = (size_t)o->page;
        if (first > n) {
            return ES_OK;
        }
    }
    return es_pdf_load_pages(d, first, last);
}

/* A document certified with "no changes" (DocMDP P=1) takes no further signature. */
static ES_RESULT refuse_locked(const es_pdf_doc *d)
{
    ES_ENSURE(d->docmdp_p != 1, ESEAL_ESTATE,
              "pdf: the document is certified with no changes allowed (DocMDP P=1); a stamp would invalidate it");
    return ES_OK;
}

/* The CMS options of a PAdES B-B stamp. */
static void cms_options(eseal_cms_sign_options *co, eseal_key *key, const eseal_pdf_stamp_options *o)
{
    *co = (eseal_cms_sign_options)ESEAL_CMS_SIGN_OPTIONS_INIT;
    co->hash = eseal_cms_default_hash(eseal_key_algorithm(key));
    co->scheme = o->pss ? ESEAL_SCHEME_RSA_PSS : ESEAL_SCHEME_DEFAULT;
    co->omit_signing_time = 1; /* PAdES B-B: the time is /M, never a signingTime attribute */
    co->chain = o->chain;
    co->chain_len = o->chain_len;
}

/* /Contents is sized from a real signature plus slack, never a fixed guess. */
ES_RESULT es_pdf_cms_reserve(size_t *reserve, eseal_key *key, const eseal_cert *cert, const eseal_pdf_stamp_options *o)
{
    eseal_cms_sign_options co;
    cms_options(&co, key, o);
    uint8_t dg[64] = {0};
    eseal_buf cms = ESEAL_BUF_INIT;
    ES_GUARD(es_from_code(eseal_cms_sign_digest(&cms, key, cert, dg, es_hash_size(co.hash), &co)));
    *reserve = cms.size + CONTENTS_MARGIN;
    if (o->timestamp != NULL) {
        /* The unsigned attribute's own header (SEQUENCE, OID, SET) is within CONTENTS_MARGIN. */
        *reserve += o->timestamp_reserve != 0 ? o->timestamp_reserve : ESEAL_PDF_TIMESTAMP_RESERVE;
    }
    eseal_buf_dispose(&cms);
    return ES_OK;
}

static ES_RESULT cms_setup(eseal_cms_sign_options *co, size_t *reserve, eseal_key *key, const eseal_cert *cert,
                           const eseal_pdf_stamp_options *o)
{
    cms_options(co, key, o);
    return *reserve != 0 ? ES_OK : es_pdf_cms_reserve(reserve, key, cert, o);
}

/* Writes the three /ByteRange numbers into their placeholder. */
static ES_RESULT patch_byte_range(uint8_t *at, uint64_t gap0, uint64_t gap1, uint64_t total)
{
    char br[3 * (BR_FIELD + 1) + 1];
    int w = snprintf(br, sizeof(br), "%llu %llu %llu", (unsigned long long)gap0, (unsigned long long)gap1,
                     (unsigned long long)(total - gap1));
    ES_ENSURE(w > 0 && (size_t)w <= 3 * (BR_FIELD + 1), ESEAL_ELIMIT, "pdf: the file is too large for /ByteRange");
    memcpy(at, br, (size_t)w);
    return ES_OK;
}

/* Signs the digest and writes the CMS as hex into the /Contents placeholder starting at `lt` ('<'). */
static ES_RESULT sign_into(uint8_t *lt, size_t reserve, const uint8_t *dg, size_t dn, eseal_key *key,
                           const eseal_cert *cert, const eseal_cms_sign_options *co, const eseal_pdf_stamp_options *o)
{
    eseal_buf signed_cms = ESEAL_BUF_INIT;
    ES_GUARD(es_from_code(eseal_cms_sign_digest(&signed_cms, key, cert, dg, dn, co)));
    ES_AUTO(es_buf_freep) es_buf cms = ES_BUF_INIT(es_ctx_limits(ES_OPT_CTX(o, 2))->max_der_bytes);
    es_result r = es_buf_append(&cms, signed_cms.ptr, signed_cms.size);
    eseal_buf_dispose(&signed_cms);
    ES_GUARD(r);
    if (o->timestamp != NULL) {
        ES_GUARD(es_cms_add_signature_timestamp(&cms, co->hash, o->timestamp, o->timestamp_ctx));
    }
    ES_ENSURE(cms.len <= reserve, ESEAL_ELIMIT,
              "pdf: the signature (%zu bytes%s) is larger than the %zu bytes reserved for it%s", cms.len,
              o->timestamp != NULL ? " with its timestamp" : "", reserve,
              o->timestamp != NULL ? " (the TSA's token is unusually large: raise the timestamp reserve)" : "");
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < cms.len; i++) {
        lt[1 + 2 * i] = (uint8_t)hex[cms.ptr[i] >> 4];
        lt[2 + 2 * i] = (uint8_t)hex[cms.ptr[i] & 15];
    }
    return ES_OK;
}

/*
 * The incremental update for a document of `size` bytes, opened as `d` (closed here): built in
 * `upd` with /ByteRange patched; c0..c1 is the /Contents gap inside `upd`, `reserve` its space.
 */
typedef struct {
    es_buf *upd;
    size_t c0, c1, reserve;
    eseal_cms_sign_options co;
    const eseal_pdf_stamp_options *o;
} update;

static ES_RESULT prepare(update *u, es_pdf_doc *d, uint64_t size, const eseal_imprint_outline *imprint, es_span seal,
                         eseal_key *key, const eseal_cert *cert, const eseal_pdf_stamp_options *o)
{
    es_result r = refuse_locked(d);
    placeholders ph = {0};
    u->o = o;
    if (es_ok(r)) {
        r = cms_setup(&u->co, &u->reserve, key, cert, o);
    }
    if (es_ok(r)) {
        r = load_pages_of(d, o, imprint == NULL); /* a plain signature's widget is on page 1, as a timestamp's */
    }
    if (es_ok(r)) {
        r = build(u->upd, (size_t)size, &ph, d, imprint, seal, o, u->reserve, o->time_ms != 0 ? o->time_ms : es_ctx_now(ES_OPT_CTX(o, 2)),
                  false);
    }
    if (es_ok(r)) {
        r = es_pdf_intact(d); /* what the update was built from was the file's, not a cut's zeros */
    }
    es_pdf_close(d);
    ES_GUARD(r);
    u->c0 = ph.contents_pos;
    u->c1 = ph.contents_pos + ph.contents_len + 2;
    return patch_byte_range(u->upd->ptr + ph.br_pos, size + u->c0, size + u->c1, size + u->upd->len);
}

/* Hashes the update around its /Contents gap into `hc` (which already holds the document) and signs. */
static ES_RESULT sign_update(update *u, es_hash_ctx *hc, eseal_key *key, const eseal_cert *cert)
{
    ES_GUARD(es_hash_update(hc, es_span_of(u->upd->ptr, u->c0)));
    ES_GUARD(es_hash_update(hc, es_span_of(u->upd->ptr + u->c1, u->upd->len - u->c1)));
    uint8_t dg[64];
    size_t dn = 0;
    ES_GUARD(es_hash_end(hc, dg, &dn));
    return sign_into(u->upd->ptr + u->c0, u->reserve, dg, dn, key, cert, &u->co, u->o);
}

static ES_RESULT stamp(es_buf *out, es_span pdf, const eseal_imprint_outline *imprint, es_span seal, eseal_key *key,
                       const eseal_cert *cert, const eseal_pdf_stamp_options *o)
{
    ES_ENSURE(key != NULL && cert != NULL && (imprint != NULL) == (seal.len > 0), ESEAL_EINVAL,
              "pdf: an imprint, a seal, a key and its certificate are required");
    ES_ENSURE(eseal_cert_matches_key(cert, key) == 1, ESEAL_EINVAL, "pdf: the key does not match the certificate");
    es_pdf_doc d;
    ES_GUARD(es_pdf_open(&d, pdf, es_ctx_limits(ES_OPT_CTX(o, 2))));
    ES_AUTO(es_buf_freep) es_buf upd = ES_BUF_INIT(ES_PDF_UPDATE_MAX);
    update u = {&upd, 0, 0, 0, ESEAL_CMS_SIGN_OPTIONS_INIT, o};
    ES_GUARD(prepare(&u, &d, pdf.len, imprint, seal, key, cert, o));
    ES_AUTO(es_hash_freep) es_hash_ctx *hc = NULL;
    ES_GUARD(es_hash_begin(&hc, u.co.hash));
    ES_GUARD(es_hash_update(hc, pdf));
    ES_GUARD(sign_update(&u, hc, key, cert));
    ES_GUARD(es_buf_append(out, pdf.ptr, pdf.len));
    return es_buf_append(out, upd.ptr, upd.len);
}

ES_RESULT es_pdf_sign_invisible(es_buf *out, es_span pdf, eseal_key *key, const eseal_cert *cert,
                                const eseal_pdf_stamp_options *o)
{
    ES_ENSURE(out != NULL && pdf.ptr != NULL && o != NULL, ESEAL_EINVAL, "invalid argument: out, pdf or o");
    ES_ENSURE(o->certify == 0 && o->cross_page == 0 && o->lock == ESEAL_PDF_LOCK_NONE, ESEAL_EINVAL,
              "pdf: an invisible signature neither certifies, crosses pages nor locks fields");
    return stamp(out, pdf, NULL, es_span_of(NULL, 0), key, cert, o);
}

int eseal_pdf_stamp(eseal_buf *out, const void *pdf, size_t len, const eseal_imprint_outline *imprint,
                    const void *seal_der, size_t seal_len, eseal_key *key, const eseal_cert *cert,
                    const eseal_pdf_stamp_options *opts)
{
    static const eseal_pdf_stamp_options defaults = ESEAL_PDF_STAMP_OPTIONS_INIT;
    ES_CHECK_VERSION_OPT_INT(opts, pdf_stamp_options);
    if (out == NULL || pdf == NULL) {
        ES_BAIL_ARG("out == NULL || pdf == NULL");
    }
    if (imprint == NULL || seal_der == NULL || seal_len == 0) { /* a stamp is visible and holds its seal */
        return es_code(
            es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "pdf: an imprint, a seal, a key and its certificate are required"));
    }
    const eseal_pdf_stamp_options *o = opts != NULL ? opts : &defaults;
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT((size_t)es_ctx_limits(ES_OPT_CTX(o, 2))->max_input_bytes);
    es_result r = stamp(&b, es_span_of(pdf, len), imprint, es_span_of(seal_der, seal_len), key, cert, o);
    if (es_ok(r)) {
        es_buf_move_out(out, &b);
    }
    return es_code(r);
}

/* ---- stamping file to file, streaming: memory stays at the size of the update ---- */

/* Inputs of at least this size are copied and hashed by a second thread, started before qpdf
 * opens them (a 116 MB file: qpdf's reading of its 133k xref entries, ~75 ms, then the update,
 * run beside the copy and its SHA-256). */
#define COPY_THREAD_MIN (8u << 20)
#define COPY_CHUNK (1u << 18)
/* The kernel copies this much at a time (es_atomic_copy_range), and the digests follow it over the
 * output's pages while they are still in the processor's cache. */
#define RANGE_CHUNK (1u << 20)
/* The write-back of what was copied is started every this many bytes (es_atomic_writeback): the
 * disk writes the output during the copy, and the final fsync waits for its end only. */
#define WRITEBACK_EVERY (16u << 20)

/* The copy of the input into the output, with the digests of what was copied. */
typedef struct {
    int in;
    uint64_t size;
    uint64_t done;     /* bytes copied (and hashed) so far */
    const char *in_path;
    es_atomic_file *out;
    es_doc_hasher *h;  /* the audit entry's digests, or NULL */
    es_hash_ctx *hc;   /* the signature's digest when it is not a fork of h's, or NULL */
    atomic_bool stop;  /* the stamp failed meanwhile: stop copying */
    int code;          /* the copy's result, and its message (a thread's error is its own) */
    char msg[512];
} copy_job;

static ES_RESULT hash_copied(copy_job *c, es_span got)
{
    if (c->hc != NULL) {
        ES_GUARD(es_hash_update(c->hc, got));
    }
    if (c->h != NULL) {
        ES_GUARD(es_doc_hash_input(c->h, got));
    }
    return ES_OK;
}

/* Test hooks (pdf.h). */
_Atomic unsigned long es_pdf_copy_ranges;
void (*es_pdf_copy_hook)(uint64_t done);

/*
 * The copy in the kernel (es_atomic_copy_range: no copy of the bytes through this process), with
 * the digests taken from the output's own pages as each range lands there (a read-only mapping of
 * the output): what is hashed is what was written, as with read and write, even if the input
 * changes meanwhile. Each range's pages are dropped from the process once hashed (es_map_release),
 * so memory does not grow with the file. A refusal by the kernel (or an output that cannot be
 * mapped, or does not start empty) leaves c->done where it stood and ES_OK: the rest is copied by
 * read and write (copy_input).
 */
static ES_RESULT copy_ranges(copy_job *c)
{
    if (lseek(c->out->fd, 0, SEEK_CUR) != 0) {
        return ES_OK;
    }
    ES_AUTO(es_map_close) es_map m;
    if (!es_ok(es_map_fd(&m, c->out->fd, (size_t)c->size))) {
        eseal_error_clear();
        return ES_OK;
    }
    uint64_t synced = 0;
    while (c->done < c->size) {
        ES_ENSURE(!atomic_load(&c->stop), ESEAL_ECANCELED, "pdf: the copy was stopped");
        size_t want = c->size - c->done < RANGE_CHUNK ? (size_t)(c->size - c->done) : RANGE_CHUNK;
        size_t k = 0;
        es_result r = es_atomic_copy_range(c->out, c->in, c->done, want, &k);
        if (es_code(r) == ESEAL_EUNSUPPORTED) {
            eseal_error_clear();
            break;
        }
        ES_GUARD(r);
        ES_ENSURE(k > 0, ESEAL_EIO, "reading %s: the file shrank", c->in_path);
        ES_GUARD(hash_copied(c, es_span_of(m.ptr + c->done, k)));
        ES_GUARD(es_map_check(&m, "the output")); /* not cut under us (a named temporary file) */
        es_map_release(&m, (size_t)c->done, k);
        c->done += k;
        if (es_pdf_copy_hook != NULL) {
            es_pdf_copy_hook(c->done);
        }
        if (c->done - synced >= WRITEBACK_EVERY) {
            es_atomic_writeback(c->out, synced, c->done - synced);
            synced = c->done;
        }
    }
    if (c->done == c->size) {
        es_pdf_copy_ranges++;
    }
    return ES_OK;
}

/* The copy by read and write from c->done on (where the kernel's copy stopped, if it did). */
static ES_RESULT copy_input(copy_job *c)
{
    if (c->size >= COPY_THREAD_MIN) {
        ES_GUARD(copy_ranges(c));
    }
    if (c->done == c->size) {
        return ES_OK;
    }
    ES_AUTO(es_freep) uint8_t *chunk = es_malloc(COPY_CHUNK);
    ES_ENSURE_ALLOC(chunk);
    while (c->done < c->size) {
        ES_ENSURE(!atomic_load(&c->stop), ESEAL_ECANCELED, "pdf: the copy was stopped");
        size_t want = c->size - c->done < COPY_CHUNK ? (size_t)(c->size - c->done) : COPY_CHUNK;
        ssize_t k = pread(c->in, chunk, want, (off_t)c->done);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        ES_ENSURE(k > 0, ESEAL_EIO, "reading %s: %s", c->in_path, k < 0 ? strerror(errno) : "the file shrank");
        es_span got = es_span_of(chunk, (size_t)k);
        ES_GUARD(hash_copied(c, got));
        ES_GUARD(es_atomic_write(c->out, chunk, (size_t)k));
        c->done += (uint64_t)k;
        if (es_pdf_copy_hook != NULL) {
            es_pdf_copy_hook(c->done);
        }
    }
    return ES_OK;
}

static void copy_run(copy_job *c)
{
    es_result r = copy_input(c);
    c->code = es_code(r);
    if (!es_ok(r)) {
        (void)snprintf(c->msg, sizeof(c->msg), "%s", eseal_error_last()->message);
    }
}

/* Test hook: stamps whose input was copied by a second thread. */
_Atomic unsigned long es_pdf_copy_threads;

static void *copy_thread(void *arg)
{
    es_pdf_copy_threads++;
    copy_run(arg);
    return NULL;
}

typedef struct {
    int in;
    es_doc_hasher h;
    es_hash_ctx *hc;
} file_job;

static void file_job_free(file_job *j)
{
    if (j->in >= 0) {
        (void)close(j->in);
    }
    es_hash_free(j->hc);
    es_doc_hash_free(&j->h);
}

ES_RESULT es_pdf_stamp_to(es_atomic_file *out, const char *in_path, const eseal_imprint_outline *imprint,
                          es_span seal, eseal_key *key, const eseal_cert *cert, const eseal_pdf_stamp_options *o,
                          size_t cms_reserve, es_doc_digests *dg)
{
    ES_ENSURE(out != NULL && in_path != NULL && imprint != NULL && key != NULL && cert != NULL && seal.len > 0,
              ESEAL_EINVAL, "pdf: input, output, an imprint, a seal, a key and its certificate are required");
    ES_ENSURE(eseal_cert_matches_key(cert, key) == 1, ESEAL_EINVAL, "pdf: the key does not match the certificate");
    ES_AUTO(file_job_free) file_job j = {.in = -1};
    struct stat st;
    ES_GUARD(es_open_regular(&j.in, &st, in_path, true));
    uint64_t size = (uint64_t)st.st_size;

    ES_AUTO(es_buf_freep) es_buf upd = ES_BUF_INIT(ES_PDF_UPDATE_MAX);
    update u = {&upd, 0, 0, cms_reserve, ESEAL_CMS_SIGN_OPTIONS_INIT, o};
    cms_options(&u.co, key, o); /* the signature's hash, before the input is read */

    /* The output: the input copied and hashed in one pass (signature, before and after digests),
     * then the update. The digests are of these bytes: the input is never read again. A SHA-256
     * signature continues the input digest of the audit entry (es_doc_hash_fork): one pass of the
     * hash over the input for the three digests. */
    if (dg != NULL) {
        ES_GUARD(es_doc_hash_begin(&j.h, false));
    }
    bool fork = dg != NULL && u.co.hash == ESEAL_HASH_SHA256;
    if (!fork) {
        ES_GUARD(es_hash_begin(&j.hc, u.co.hash));
    }
    copy_job c = {.in = j.in, .size = size, .in_path = in_path, .out = out, .h = dg != NULL ? &j.h : NULL, .hc = j.hc};
    atomic_init(&c.stop, false);
    /* A large input is copied by a second thread from before qpdf opens it until the update is
     * built (es_pdf_open_fd, prepare): the copy touches only the output, the hashes and its own
     * buffer until it is joined, and reads the input through its own offsets. */
    pthread_t t;
    bool threaded = size >= COPY_THREAD_MIN && pthread_create(&t, NULL, copy_thread, &c) == 0;
    es_pdf_doc d;
    es_result r = es_pdf_open_fd(&d, j.in, size, es_ctx_limits(ES_OPT_CTX(o, 2)));
    if (es_ok(r)) {
        r = prepare(&u, &d, size, imprint, seal, key, cert, o); /* closes d */
    }
    if (threaded) {
        if (!es_ok(r)) {
            atomic_store(&c.stop, true);
        }
        (void)pthread_join(t, NULL);
    } else if (es_ok(r)) {
        copy_run(&c);
    }
    ES_GUARD(r);
    ES_ENSURE(c.code == ESEAL_OK, c.code, "%s", c.msg);
    es_hash_ctx *hc = j.hc;
    ES_AUTO(es_hash_freep) es_hash_ctx *forked = NULL;
    if (fork) {
        ES_GUARD(es_doc_hash_fork(&j.h, u.co.hash, &forked));
        hc = forked;
    }
    ES_GUARD(sign_update(&u, hc, key, cert));
    ES_GUARD(es_atomic_write(out, upd.ptr, upd.len));
    if (dg != NULL) {
        ES_GUARD(es_doc_hash_output(&j.h, es_buf_span(&upd)));
        ES_GUARD(es_doc_hash_end(&j.h, dg));
    }
    return es_atomic_sync(out);
}

int eseal_pdf_stamp_file(const char *in_path, const char *out_path, const eseal_imprint_outline *imprint,
                         const void *seal_der, size_t seal_len, eseal_key *key, const eseal_cert *cert,
                         const eseal_pdf_stamp_options *opts)
{
    static const eseal_pdf_stamp_options defaults = ESEAL_PDF_STAMP_OPTIONS_INIT;
    ES_CHECK_VERSION_OPT_INT(opts, pdf_stamp_options);
    if (in_path == NULL || out_path == NULL) {
        return ES_PUBLIC(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "pdf: an input and an output are required"));
    }
    es_atomic_file f;
    es_result r = es_atomic_open(&f, out_path, 0644);
    if (es_ok(r)) {
        r = es_pdf_stamp_to(&f, in_path, imprint, es_span_of(seal_der, seal_len), key, cert,
                            opts != NULL ? opts : &defaults, 0, NULL);
    }
    if (es_ok(r)) {
        r = es_atomic_commit(&f);
    }
    es_atomic_abort(&f); /* a failed stamp leaves nothing behind (a no-op after a commit) */
    return es_code(r);
}

/* ---- long-term validation: the document security store and document timestamps ---- */

/* A stream object holding `data` (DER: certificates, OCSP responses, CRLs), unfiltered. */
static ES_RESULT der_stream(writer *w, int num, es_span data)
{
    ES_GUARD(obj(w, num, 0));
    ES_GUARD(es_buf_printf(w->b, "<< /Length %zu >>\nstream\n", data.len));
    ES_GUARD(es_buf_append(w->b, data.ptr, data.len));
    return es_buf_append_str(w->b, "\nendstream\nendobj\n");
}

/* Does `list[0..i)` already hold `x`? (The DSS lists each item once.) */
static bool seen_before(const es_span *list, size_t i, es_span x)
{
    for (size_t k = 0; k < i; k++) {
        if (es_span_eq(list[k], x)) {
            return true;
        }
    }
    return false;
}

/* "/Key [old new...]" for one DSS array: the items already there, then a new stream per new item. */
static ES_RESULT dss_array(writer *w, es_buf *arr, const char *key, const char *old, const es_span *items, size_t n)
{
    ES_GUARD(es_buf_printf(arr, " %s [%s", key, old));
    bool first = old[0] == 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].len == 0 || seen_before(items, i, items[i])) {
            continue;
        }
        int num = w->next++;
        ES_GUARD(der_stream(w, num, items[i]));
        ES_GUARD(es_buf_printf(arr, "%s%d 0 R", first ? "" : " ", num));
        first = false;
    }
    return es_buf_append_byte(arr, ']');
}

static ES_RESULT dss_update(es_buf *b, size_t base, const es_pdf_doc *d, const es_pdf_dss_data *dd)
{
    size_t nitems = dd->ncerts + dd->nocsps + dd->ncrls + dd->nanswers;
    ES_ENSURE(nitems <= ES_PDF_MAX_DSS_WRITE, ESEAL_ELIMIT, "pdf: %zu validation items are more than a DSS takes (%d)",
              nitems, ES_PDF_MAX_DSS_WRITE);
    writer w = {b, base, NULL, 0, nitems + 4, d->size};
    w.e = es_calloc(w.cap, sizeof(*w.e));
    ES_ENSURE_ALLOC(w.e);
    es_buf arrays = ES_BUF_INIT(ES_PDF_DSS_ARRAYS_MAX);
    es_result r = ES_OK;
    if (d->last_byte != '\n' && d->last_byte != '\r') {
        r = es_buf_append_byte(b, '\n');
    }
    if (es_ok(r)) {
        r = dss_array(&w, &arrays, "/Certs", d->dss_certs, dd->certs, dd->ncerts);
    }
    if (es_ok(r)) {
        r = dss_array(&w, &arrays, "/OCSPs", d->dss_ocsps, dd->ocsps, dd->nocsps);
    }
    if (es_ok(r)) {
        r = dss_array(&w, &arrays, "/CRLs", d->dss_crls, dd->crls, dd->ncrls);
    }
    if (es_ok(r) && (dd->nanswers > 0 || d->dss_answers[0] != 0)) {
        r = dss_array(&w, &arrays, "/ESealRegistryAnswers", d->dss_answers, dd->answers, dd->nanswers);
    }
    int D = w.next++;
    if (es_ok(r)) {
        r = obj(&w, D, 0);
    }
    if (es_ok(r)) {
        r = es_buf_printf(b, "<< /Type /DSS%s", es_buf_cstr(&arrays));
    }
    if (es_ok(r) && d->dss_vri != NULL) {
        r = es_buf_printf(b, " /VRI %s", d->dss_vri);
    }
    if (es_ok(r)) {
        r = es_buf_append_str(b, " >>\nendobj\n");
    }
    /* The catalog again, its /DSS now the new dictionary. */
    if (es_ok(r)) {
        r = obj(&w, d->root.num, d->root.gen);
    }
    if (es_ok(r)) {
        r = es_buf_printf(b, "%s /DSS %d 0 R >>\nendobj\n", d->root_wo_dss, D);
    }
    if (es_ok(r)) {
        r = put_xref(b, base, d, w.e, w.ne, w.next);
    }
    es_buf_free(&arrays);
    es_free(w.e);
    return r;
}

ES_RESULT es_pdf_add_dss(es_buf *out, es_span pdf, const es_pdf_dss_data *dd)
{
    ES_ENSURE_ARG(out != NULL && dd != NULL);
    es_pdf_doc d;
    ES_GUARD(es_pdf_open(&d, pdf, NULL));
    ES_AUTO(es_buf_freep) es_buf upd = ES_BUF_INIT(ES_PDF_UPDATE_MAX);
    es_result r = dss_update(&upd, pdf.len, &d, dd);
    es_pdf_close(&d);
    ES_GUARD(r);
    ES_GUARD(es_buf_append(out, pdf.ptr, pdf.len));
    return es_buf_append(out, upd.ptr, upd.len);
}

ES_RESULT es_pdf_add_doc_timestamp(es_buf *out, es_span pdf, eseal_hash hash, eseal_timestamp_fn fn, void *ctx,
                                   size_t reserve, const eseal_context *cx)
{
    ES_ENSURE_ARG(out != NULL && fn != NULL);
    static const eseal_pdf_stamp_options none = ESEAL_PDF_STAMP_OPTIONS_INIT;
    if (reserve == 0) {
        reserve = ESEAL_PDF_TIMESTAMP_RESERVE;
    }
    es_pdf_doc d;
    ES_GUARD(es_pdf_open(&d, pdf, es_ctx_limits(cx)));
    ES_AUTO(es_buf_freep) es_buf upd = ES_BUF_INIT(ES_PDF_UPDATE_MAX);
    placeholders ph = {0};
    /* No clock: a /DocTimeStamp has no /M, its time is the token's genTime (ISO 32000-2 §12.8.5). */
    es_result r = load_pages_of(&d, &none, true);
    r = es_ok(r) ? build(&upd, pdf.len, &ph, &d, NULL, es_span_of(NULL, 0), &none, reserve, 0, true) : r;
    es_pdf_close(&d);
    ES_GUARD(r);
    size_t c0 = ph.contents_pos, c1 = ph.contents_pos + ph.contents_len + 2;
    ES_GUARD(patch_byte_range(upd.ptr + ph.br_pos, pdf.len + c0, pdf.len + c1, pdf.len + upd.len));
    es_span parts[3] = {pdf, es_span_of(upd.ptr, c0), es_span_of(upd.ptr + c1, upd.len - c1)};
    uint8_t dg[64];
    size_t dn = 0;
    ES_GUARD(es_digest_spans(dg, &dn, hash, parts, 3));
    eseal_buf token = ESEAL_BUF_INIT;
    int rc = fn(ctx, &token, hash, dg, dn);
    if (rc != ESEAL_OK) {
        eseal_buf_dispose(&token);
        return es_from_code(rc); /* the callee set the message */
    }
    if (token.size == 0 || token.size > reserve) {
        size_t got = token.size;
        eseal_buf_dispose(&token);
        ES_BAIL(got == 0 ? ESEAL_EMALFORMED : ESEAL_ELIMIT,
                "pdf: the document timestamp token is %zu bytes; %zu are reserved", got, reserve);
    }
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < token.size; i++) {
        upd.ptr[c0 + 1 + 2 * i] = (uint8_t)hex[token.ptr[i] >> 4];
        upd.ptr[c0 + 2 + 2 * i] = (uint8_t)hex[token.ptr[i] & 15];
    }
    eseal_buf_dispose(&token);
    ES_GUARD(es_buf_append(out, pdf.ptr, pdf.len));
    return es_buf_append(out, upd.ptr, upd.len);
}
