/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Imprints, in the drawing module (seal/draw.h): spec checks, and rendering of the one imprint
 * path (imprint_layout.c) to PNG, SVG and PDF through cairo's in-memory stream writers, or as an
 * outline. The public entries (src/seal/imprint.c) check the arguments and call these.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <zlib.h>

#include "imprint_int.h"

#define MM_PER_INCH 25.4
#define PT_PER_MM (72.0 / MM_PER_INCH)
#define SIZE_MIN_MM ES_IMPRINT_SIZE_MIN_MM
#define SIZE_MAX_MM 100.0
#define TEXT_MAX_BYTES ES_IMPRINT_TEXT_MAX_BYTES
#define DPI_DEFAULT 600u
#define DPI_MIN 72u
#define DPI_MAX 2400u
#define RENDER_MAX_PX 8192
#define OUTPUT_MAX_BYTES ES_IMPRINT_OUTPUT_MAX_BYTES

/* ---- spec ---------------------------------------------------------------------- */

/*
 * Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF)
 * into code points; control characters are refused.
 */
static ES_RESULT decode_text(es_text *out, const char *s, const char *field, size_t max_chars)
{
    out->n = 0;
    if (s == NULL) {
        return ES_OK;
    }
    size_t len = strnlen(s, TEXT_MAX_BYTES + 1);
    ES_ENSURE(len <= TEXT_MAX_BYTES, ESEAL_EINVAL, "imprint: %s is longer than %d bytes", field, TEXT_MAX_BYTES);
    es_cur c = es_cur_of(es_span_of(s, len));
    while (!es_cur_eof(&c)) {
        size_t at = c.pos;
        uint8_t b0 = 0;
        ES_GUARD(es_cur_u8(&c, &b0));
        uint32_t cp;
        size_t more;
        uint32_t min;
        if (b0 < 0x80) {
            cp = b0;
            more = 0;
            min = 0;
        } else if (b0 >= 0xC2 && b0 <= 0xDF) {
            cp = b0 & 0x1Fu;
            more = 1;
            min = 0x80;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            cp = b0 & 0x0Fu;
            more = 2;
            min = 0x800;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            cp = b0 & 0x07u;
            more = 3;
            min = 0x10000;
        } else {
            ES_BAIL(ESEAL_EINVAL, "imprint: %s is not valid UTF-8 (byte 0x%02X at offset %zu)", field, b0, at);
        }
        for (size_t k = 0; k < more; k++) {
            uint8_t bk = 0;
            ES_ENSURE(!es_cur_eof(&c), ESEAL_EINVAL,
                      "imprint: %s is not valid UTF-8 (truncated sequence at offset %zu)", field, at);
            ES_GUARD(es_cur_u8(&c, &bk));
            ES_ENSURE((bk & 0xC0) == 0x80, ESEAL_EINVAL,
                      "imprint: %s is not valid UTF-8 (bad continuation byte at offset %zu)", field, c.pos - 1);
            cp = (cp << 6) | (bk & 0x3Fu);
        }
        ES_ENSURE(cp >= min && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF), ESEAL_EINVAL,
                  "imprint: %s is not valid UTF-8 (overlong or surrogate at offset %zu)", field, at);
        ES_ENSURE(cp >= 0x20 && (cp < 0x7F || cp > 0x9F), ESEAL_EINVAL,
                  "imprint: %s has a control character U+%04X at offset %zu", field, (unsigned)cp, at);
        ES_ENSURE(out->n < max_chars, ESEAL_EINVAL, "imprint: %s has more than %zu characters", field, max_chars);
        out->cp[out->n++] = cp;
    }
    return ES_OK;
}

static bool text_set(const char *s) { return s != NULL && s[0] != '\0'; }

static ES_RESULT check_len(double v, const char *field, double lo, double hi)
{
    ES_ENSURE(isfinite(v) && v >= lo && v <= hi, ESEAL_EINVAL, "imprint: %s %.2f out of range %.1f..%.1f mm", field,
              isfinite(v) ? v : -1.0, lo, hi);
    return ES_OK;
}

static const char *shape_name(eseal_imprint_shape s) /* with its article */
{
    switch (s) {
    case ESEAL_IMPRINT_ROUND:
        return "a round";
    case ESEAL_IMPRINT_OVAL:
        return "an oval";
    case ESEAL_IMPRINT_SQUARE:
        return "a square";
    case ESEAL_IMPRINT_RECT:
    default:
        return "a rectangular";
    }
}

ES_RESULT es_ispec_resolve(es_ispec *out, const eseal_imprint_spec *spec)
{
    memset(out, 0, sizeof(*out));
    /* The version was checked by the public entry (../imprint.c) before the module was called. */
    ES_ENSURE_ARG(spec != NULL);
    ES_ENSURE(spec->shape >= ESEAL_IMPRINT_ROUND && spec->shape <= ESEAL_IMPRINT_RECT, ESEAL_EINVAL,
              "imprint: unknown shape %d", (int)spec->shape);
    const eseal_imprint_shape shape = spec->shape;
    const bool ring = shape == ESEAL_IMPRINT_ROUND || shape == ESEAL_IMPRINT_OVAL;
    const char *sn = shape_name(shape);
    out->shape = shape;

    ES_GUARD(check_len(spec->width_mm, "width_mm", SIZE_MIN_MM, SIZE_MAX_MM));
    double w = spec->width_mm, h = spec->height_mm;
    if (shape == ESEAL_IMPRINT_ROUND || shape == ESEAL_IMPRINT_SQUARE) {
        ES_ENSURE(h == 0 || h == w, ESEAL_EINVAL,
                  "imprint: %s seal has height_mm 0 or equal to width_mm (%.1f), not %.1f", sn, w, h);
        h = w;
    } else {
        ES_ENSURE(h != 0, ESEAL_EINVAL, "imprint: %s seal needs height_mm", sn);
        ES_GUARD(check_len(h, "height_mm", SIZE_MIN_MM, SIZE_MAX_MM));
    }
    if (shape == ESEAL_IMPRINT_OVAL) {
        ES_ENSURE(w >= h && w <= 2 * h, ESEAL_EINVAL,
                  "imprint: an oval seal is wider than high, at most twice (%.1f x %.1f mm)", w, h);
    }
    out->w = w;
    out->h = h;

    out->border = spec->border_mm;
    if (out->border == 0) {
        out->border = es_imprint_default_border(shape, w, h);
    } else {
        ES_GUARD(check_len(out->border, "border_mm", 0.1, fmin(w, h) / 8));
    }

    ES_ENSURE(spec->star == 0 || spec->star == 1, ESEAL_EINVAL, "imprint: star is 0 or 1, not %d", spec->star);
    ES_ENSURE(spec->star == 0 || ring, ESEAL_EINVAL, "imprint: %s seal has no star", sn);
    out->star = spec->star;
    out->star_d = spec->star_mm;
    if (out->star_d == 0) {
        out->star_d = es_imprint_default_star(shape, w, h);
    } else {
        ES_ENSURE(ring, ESEAL_EINVAL, "imprint: %s seal has no star (star_mm)", sn);
        ES_GUARD(check_len(out->star_d, "star_mm", 3.0, 0.5 * fmin(w, h)));
    }

    out->arc_h = spec->arc_text_mm;
    if (out->arc_h == 0) {
        out->arc_h = es_imprint_default_arc_h(shape, w, h);
    } else {
        ES_ENSURE(ring, ESEAL_EINVAL, "imprint: %s seal has no arc text (arc_text_mm)", sn);
        ES_GUARD(check_len(out->arc_h, "arc_text_mm", 1.5, fmin(w, h) / 4));
    }
    out->arc_sweep = spec->arc_sweep_deg;
    if (out->arc_sweep != 0) {
        ES_ENSURE(ring, ESEAL_EINVAL, "imprint: %s seal has no arc text (arc_sweep_deg)", sn);
        ES_ENSURE(isfinite(out->arc_sweep) && out->arc_sweep >= ES_IMPRINT_ARC_SWEEP_MIN &&
                      out->arc_sweep <= ES_IMPRINT_ARC_SWEEP_MAX,
                  ESEAL_EINVAL, "imprint: arc_sweep_deg %.1f out of range %d..%d",
                  isfinite(out->arc_sweep) ? out->arc_sweep : -1.0, ES_IMPRINT_ARC_SWEEP_MIN, ES_IMPRINT_ARC_SWEEP_MAX);
    }
    ES_ENSURE(spec->double_border == 0 || (spec->double_border == 1 && shape == ESEAL_IMPRINT_OVAL), ESEAL_EINVAL,
              "imprint: double_border is 0, or 1 for an oval seal");
    out->double_border = spec->double_border;
    ES_ENSURE(spec->person_suffix == 0 || (spec->person_suffix == 1 && shape == ESEAL_IMPRINT_SQUARE), ESEAL_EINVAL,
              "imprint: person_suffix is 0, or 1 for a square seal");
    /* Version 2: 0 is the default red, bit 24 marks an explicit colour (black); version 1: 0 is black. */
    uint32_t max = spec->version >= 2 ? (ESEAL_IMPRINT_COLOR_EXACT | 0xFFFFFFu) : 0xFFFFFFu;
    ES_ENSURE(spec->color <= max, ESEAL_EINVAL, "imprint: color 0x%X is not 0xRRGGBB", (unsigned)spec->color);
    out->color = spec->version >= 2 && spec->color == 0 ? ESEAL_IMPRINT_RED : spec->color & 0xFFFFFFu;

    if (ring) {
        ES_ENSURE(!text_set(spec->person_text), ESEAL_EINVAL, "imprint: %s seal has no person_text", sn);
        ES_ENSURE(text_set(spec->arc_text), ESEAL_EINVAL, "imprint: %s seal needs arc_text (the name)", sn);
        ES_GUARD(decode_text(&out->arc, spec->arc_text, "arc_text", 40));
        ES_GUARD(decode_text(&out->center, spec->center_text, "center_text", 24));
        ES_GUARD(decode_text(&out->bottom, spec->bottom_text, "bottom_text", 32));
    } else {
        ES_ENSURE(!text_set(spec->arc_text) && !text_set(spec->center_text) && !text_set(spec->bottom_text),
                  ESEAL_EINVAL, "imprint: %s seal has only person_text", sn);
        ES_ENSURE(text_set(spec->person_text), ESEAL_EINVAL, "imprint: %s seal needs person_text (the name)", sn);
        ES_GUARD(decode_text(&out->person, spec->person_text, "person_text", 8));
        if (shape == ESEAL_IMPRINT_SQUARE) {
            es_text *p = &out->person;
            if (spec->person_suffix && p->n == 3) {
                p->cp[p->n++] = 0x5370; /* 印 */
            } else if (spec->person_suffix && p->n == 2) {
                p->cp[p->n++] = 0x4E4B; /* 之 */
                p->cp[p->n++] = 0x5370; /* 印 */
            }
            ES_ENSURE(p->n >= 2 && p->n <= 4, ESEAL_EINVAL,
                      "imprint: a square seal holds 2 to 4 characters, person_text has %zu", p->n);
        }
    }

    ES_ENSURE(spec->font_index >= 0, ESEAL_EINVAL, "imprint: font_index %d is negative", spec->font_index);
    ES_GUARD(es_font_get(&out->cjk, spec->font_path != NULL ? spec->font_path : ESEAL_IMPRINT_DEFAULT_FONT,
                         spec->font_index, true));
    ES_GUARD(es_font_get(&out->latin,
                         spec->latin_font_path != NULL ? spec->latin_font_path : ESEAL_IMPRINT_DEFAULT_LATIN_FONT, 0,
                         false));
    return ES_OK;
}

/* ---- building ---------------------------------------------------------------------- */

static ES_RESULT build(es_ipath *path, es_ispec *s, const eseal_imprint_spec *spec)
{
    ES_ENSURE(spec != NULL, ESEAL_EINVAL, "invalid argument: spec");
    ES_GUARD(es_ispec_resolve(s, spec));
    es_ipath_init(path);
    es_result r = es_imprint_layout(path, s);
    if (!es_ok(r)) {
        es_ipath_free(path);
    }
    return r;
}

static void set_ink(cairo_t *cr, uint32_t color)
{
    cairo_set_source_rgb(cr, ((color >> 16) & 0xFF) / 255.0, ((color >> 8) & 0xFF) / 255.0, (color & 0xFF) / 255.0);
}

cairo_status_t es_draw_sink_write(void *closure, const unsigned char *data, unsigned int len)
{
    es_draw_sink *s = closure;
    if (!es_ok(es_buf_append(s->buf, data, len))) {
        s->failed = true;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

static ES_RESULT cairo_check(cairo_status_t st, const es_draw_sink *k, const char *what)
{
    if (k != NULL && k->failed) {
        ES_BAIL(ESEAL_ELIMIT, "imprint: %s output exceeds %zu bytes", what, OUTPUT_MAX_BYTES);
    }
    ES_ENSURE(st == CAIRO_STATUS_SUCCESS, st == CAIRO_STATUS_NO_MEMORY ? ESEAL_ENOMEM : ESEAL_ERROR,
              "imprint: %s: cairo: %s", what, cairo_status_to_string(st));
    return ES_OK;
}

/* Fills the path with the ink; the current user space is millimetres. */
static void paint(cairo_t *cr, const es_ipath *p, uint32_t color)
{
    cairo_new_path(cr);
    es_ipath_to_cairo(p, cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    set_ink(cr, color);
    cairo_fill(cr);
}

/*
 * Adds a pHYs chunk (PNG 1.2 §11.3.5.3) after IHDR so the image prints at its
 * physical size; cairo 1.16 writes none.
 */
static ES_RESULT png_add_phys(es_buf *png, unsigned int dpi)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    ES_ENSURE(png->len > ES_PNG_IHDR_END && memcmp(png->ptr, sig, 8) == 0 && memcmp(png->ptr + 12, "IHDR", 4) == 0, ESEAL_ERROR,
              "imprint: cairo wrote no PNG header");
    uint32_t ppm = (uint32_t)lround(dpi / 0.0254);
    uint8_t chunk[21] = {0, 0, 0, 9, 'p', 'H', 'Y', 's'};
    for (int i = 0; i < 2; i++) {
        chunk[8 + 4 * i] = (uint8_t)(ppm >> 24);
        chunk[9 + 4 * i] = (uint8_t)(ppm >> 16);
        chunk[10 + 4 * i] = (uint8_t)(ppm >> 8);
        chunk[11 + 4 * i] = (uint8_t)ppm;
    }
    chunk[16] = 1; /* unit: metre */
    uint32_t crc = (uint32_t)crc32(0L, chunk + 4, 13);
    chunk[17] = (uint8_t)(crc >> 24);
    chunk[18] = (uint8_t)(crc >> 16);
    chunk[19] = (uint8_t)(crc >> 8);
    chunk[20] = (uint8_t)crc;
    ES_GUARD(es_buf_reserve(png, sizeof(chunk)));
    memmove(png->ptr + 33 + sizeof(chunk), png->ptr + 33, png->len - 33);
    memcpy(png->ptr + 33, chunk, sizeof(chunk));
    png->len += sizeof(chunk);
    png->ptr[png->len] = '\0';
    return ES_OK;
}

static ES_RESULT render_png(es_buf *out, const es_ispec *s, const es_ipath *p, unsigned int dpi)
{
    double pw = s->w * dpi / MM_PER_INCH, ph = s->h * dpi / MM_PER_INCH;
    ES_ENSURE(pw <= RENDER_MAX_PX && ph <= RENDER_MAX_PX, ESEAL_ELIMIT,
              "imprint: %.0fx%.0f mm at %u dpi is %.0fx%.0f px, over the %d px limit", s->w, s->h, dpi, pw, ph,
              RENDER_MAX_PX);
    int w = (int)fmax(1, lround(pw)), h = (int)fmax(1, lround(ph));
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_t *cr = cairo_create(surf);
    /* Transparent background: a new ARGB32 surface is all zero. */
    cairo_scale(cr, w / s->w, h / s->h);
    paint(cr, p, s->color);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    es_result r = cairo_check(st, NULL, "PNG");
    if (es_ok(r)) {
        r = es_imprint_png_indexed(out, surf, s->color);
    }
    cairo_surface_destroy(surf);
    ES_GUARD(r);
    return png_add_phys(out, dpi);
}

static ES_RESULT finish_vector(cairo_surface_t *surf, const es_ispec *s, const es_ipath *p, double scale, es_draw_sink *k,
                               const char *what)
{
    cairo_t *cr = cairo_create(surf);
    cairo_scale(cr, scale, scale);
    paint(cr, p, s->color);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surf);
    if (st == CAIRO_STATUS_SUCCESS) {
        st = cairo_surface_status(surf);
    }
    cairo_surface_destroy(surf);
    return cairo_check(st, k, what);
}

static ES_RESULT render_svg(es_buf *out, const es_ispec *s, const es_ipath *p)
{
    es_draw_sink k = {out, false};
    /* probes.md §7: cairo 1.16 writes these numbers with the unit as they are: pass mm. */
    cairo_surface_t *surf = cairo_svg_surface_create_for_stream(es_draw_sink_write, &k, s->w, s->h);
    cairo_svg_surface_set_document_unit(surf, CAIRO_SVG_UNIT_MM);
    return finish_vector(surf, s, p, 1.0, &k, "SVG");
}

static ES_RESULT render_pdf(es_buf *out, const es_ispec *s, const es_ipath *p)
{
    es_draw_sink k = {out, false};
    cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(es_draw_sink_write, &k, s->w * PT_PER_MM, s->h * PT_PER_MM);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "eseal imprint");
    return finish_vector(surf, s, p, PT_PER_MM, &k, "PDF");
}

ES_RESULT es_imprint_draw_render(es_buf *out, const eseal_imprint_spec *spec, eseal_imprint_format fmt, unsigned int dpi)
{
    ES_ENSURE(fmt == ESEAL_IMPRINT_PNG || fmt == ESEAL_IMPRINT_SVG || fmt == ESEAL_IMPRINT_PDF, ESEAL_EINVAL,
              "imprint: unknown output format %d", (int)fmt);
    if (dpi == 0) {
        dpi = DPI_DEFAULT;
    }
    ES_ENSURE(fmt != ESEAL_IMPRINT_PNG || (dpi >= DPI_MIN && dpi <= DPI_MAX), ESEAL_EINVAL,
              "imprint: dpi %u out of range %u..%u", dpi, DPI_MIN, DPI_MAX);
    es_ispec s;
    es_ipath p;
    ES_GUARD(build(&p, &s, spec));
    es_result r;
    switch (fmt) {
    case ESEAL_IMPRINT_SVG:
        r = render_svg(out, &s, &p);
        break;
    case ESEAL_IMPRINT_PDF:
        r = render_pdf(out, &s, &p);
        break;
    case ESEAL_IMPRINT_PNG:
    default:
        r = render_png(out, &s, &p, dpi);
        break;
    }
    es_ipath_free(&p);
    return r;
}

/* ---- outline ----------------------------------------------------------------------- */

ES_RESULT es_imprint_draw_path(eseal_imprint_outline **out, const eseal_imprint_spec *spec)
{
    es_ispec s;
    es_ipath p;
    ES_GUARD(build(&p, &s, spec));
    eseal_imprint_outline *o = es_calloc(1, sizeof(*o));
    uint32_t *first = es_calloc(p.nops, sizeof(uint32_t));
    if (o == NULL || first == NULL) {
        es_free(o);
        es_free(first);
        es_ipath_free(&p);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    uint32_t k = 0;
    for (size_t i = 0; i < p.nops; i++) {
        first[i] = k;
        eseal_imprint_op op = (eseal_imprint_op)p.ops.ptr[i];
        k += op == ESEAL_IMPRINT_CURVE ? 3 : op == ESEAL_IMPRINT_CLOSE ? 0 : 1;
    }
    o->w = s.w;
    o->h = s.h;
    o->color = s.color;
    o->count = p.nops;
    o->ops = p.ops.ptr;
    o->pts = (double *)(void *)p.pts.ptr;
    o->first = first;
    *out = o;
    return ES_OK;
}
