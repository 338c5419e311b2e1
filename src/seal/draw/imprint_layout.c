/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Imprint geometry: border, star and characters, one path in millimetres.
 *
 * Every character is placed on its own: its outline is fetched once from
 * cairo (cairo_glyph_path at 1000 units, no hinting) and transformed here
 * into its slot, so outputs contain paths only and never a font. Sizes and
 * proportions follow research platforms.md §2.2-2.3 (Shaanxi layout norm and
 * local PSB practice); docs/imprints.md lists them.
 *
 * Conventions: x right, y down, angles clockwise from 12 o'clock. The border
 * is two closed curves of opposite direction, so the whole imprint fills
 * with the nonzero rule; glyph outlines keep their own (TrueType) directions
 * and never overlap the border, the star or each other.
 */
#include <math.h>
#include <string.h>

#include "imprint_int.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define DEG (M_PI / 180.0)
#define GLYPH_UNITS 1000.0
/* Cubic Bezier quarter-ellipse constant 4/3 (sqrt 2 - 1): radial error 0.027%. */
#define KAPPA 0.5522847498307936

/* ---- path ------------------------------------------------------------------- */

void es_ipath_init(es_ipath *p)
{
    es_buf ops = ES_BUF_INIT(ES_IPATH_MAX_OPS);
    es_buf pts = ES_BUF_INIT(ES_IPATH_MAX_OPS * 3 * 2 * sizeof(double));
    p->ops = ops;
    p->pts = pts;
    p->nops = 0;
    p->npts = 0;
}

void es_ipath_free(es_ipath *p)
{
    es_buf_free(&p->ops);
    es_buf_free(&p->pts);
    p->nops = 0;
    p->npts = 0;
}

static ES_RESULT ipath_op(es_ipath *p, eseal_imprint_op op, const double *xy, size_t npoints)
{
    ES_ENSURE(p->nops < ES_IPATH_MAX_OPS, ESEAL_ELIMIT, "imprint: path exceeds %zu operations", ES_IPATH_MAX_OPS);
    for (size_t i = 0; i < 2 * npoints; i++) {
        ES_ENSURE(isfinite(xy[i]), ESEAL_ERROR, "imprint: non-finite coordinate in path");
    }
    ES_GUARD(es_buf_append(&p->pts, xy, 2 * npoints * sizeof(double)));
    ES_GUARD(es_buf_append_byte(&p->ops, (uint8_t)op));
    p->nops++;
    p->npts += npoints;
    return ES_OK;
}

static eseal_imprint_op ipath_last(const es_ipath *p)
{
    return p->nops == 0 ? ESEAL_IMPRINT_CLOSE : (eseal_imprint_op)p->ops.ptr[p->nops - 1];
}

ES_RESULT es_ipath_move(es_ipath *p, double x, double y)
{
    if (ipath_last(p) == ESEAL_IMPRINT_MOVE) {
        /* A move right after a move: the first one starts nothing. */
        double xy[2] = {x, y};
        memcpy(p->pts.ptr + (p->npts - 1) * 2 * sizeof(double), xy, sizeof(xy));
        return ES_OK;
    }
    double xy[2] = {x, y};
    return ipath_op(p, ESEAL_IMPRINT_MOVE, xy, 1);
}

ES_RESULT es_ipath_line(es_ipath *p, double x, double y)
{
    double xy[2] = {x, y};
    return ipath_op(p, ESEAL_IMPRINT_LINE, xy, 1);
}

ES_RESULT es_ipath_curve(es_ipath *p, double x1, double y1, double x2, double y2, double x3, double y3)
{
    double xy[6] = {x1, y1, x2, y2, x3, y3};
    return ipath_op(p, ESEAL_IMPRINT_CURVE, xy, 3);
}

ES_RESULT es_ipath_close(es_ipath *p)
{
    if (ipath_last(p) == ESEAL_IMPRINT_CLOSE || ipath_last(p) == ESEAL_IMPRINT_MOVE) {
        return ES_OK;
    }
    return ipath_op(p, ESEAL_IMPRINT_CLOSE, NULL, 0);
}

static void ipath_trim(es_ipath *p)
{
    if (ipath_last(p) == ESEAL_IMPRINT_MOVE && p->nops > 0) {
        p->nops--;
        p->npts--;
        p->ops.len--;
        p->pts.len -= 2 * sizeof(double);
    }
}

void es_ipath_to_cairo(const es_ipath *p, cairo_t *cr)
{
    size_t k = 0;
    for (size_t i = 0; i < p->nops; i++) {
        double xy[6] = {0};
        switch ((eseal_imprint_op)p->ops.ptr[i]) {
        case ESEAL_IMPRINT_MOVE:
            memcpy(xy, p->pts.ptr + k * 2 * sizeof(double), 2 * sizeof(double));
            cairo_move_to(cr, xy[0], xy[1]);
            k += 1;
            break;
        case ESEAL_IMPRINT_LINE:
            memcpy(xy, p->pts.ptr + k * 2 * sizeof(double), 2 * sizeof(double));
            cairo_line_to(cr, xy[0], xy[1]);
            k += 1;
            break;
        case ESEAL_IMPRINT_CURVE:
            memcpy(xy, p->pts.ptr + k * 2 * sizeof(double), 6 * sizeof(double));
            cairo_curve_to(cr, xy[0], xy[1], xy[2], xy[3], xy[4], xy[5]);
            k += 3;
            break;
        case ESEAL_IMPRINT_CLOSE:
        default:
            cairo_close_path(cr);
            break;
        }
    }
}

/* ---- shapes ------------------------------------------------------------------ */

/* An ellipse as four cubic Beziers from 12 o'clock, clockwise or not. */
static ES_RESULT ellipse(es_ipath *p, double cx, double cy, double a, double b, bool clockwise)
{
    double ka = KAPPA * a, kb = KAPPA * b;
    ES_GUARD(es_ipath_move(p, cx, cy - b));
    if (clockwise) {
        ES_GUARD(es_ipath_curve(p, cx + ka, cy - b, cx + a, cy - kb, cx + a, cy));
        ES_GUARD(es_ipath_curve(p, cx + a, cy + kb, cx + ka, cy + b, cx, cy + b));
        ES_GUARD(es_ipath_curve(p, cx - ka, cy + b, cx - a, cy + kb, cx - a, cy));
        ES_GUARD(es_ipath_curve(p, cx - a, cy - kb, cx - ka, cy - b, cx, cy - b));
    } else {
        ES_GUARD(es_ipath_curve(p, cx - ka, cy - b, cx - a, cy - kb, cx - a, cy));
        ES_GUARD(es_ipath_curve(p, cx - a, cy + kb, cx - ka, cy + b, cx, cy + b));
        ES_GUARD(es_ipath_curve(p, cx + ka, cy + b, cx + a, cy + kb, cx + a, cy));
        ES_GUARD(es_ipath_curve(p, cx + a, cy - kb, cx + ka, cy - b, cx, cy - b));
    }
    return es_ipath_close(p);
}

/* A band between two ellipses: outer clockwise, inner counter-clockwise (nonzero -> ring). */
static ES_RESULT ellipse_ring(es_ipath *p, double cx, double cy, double a, double b, double width)
{
    ES_GUARD(ellipse(p, cx, cy, a, b, true));
    return ellipse(p, cx, cy, a - width, b - width, false);
}

static ES_RESULT rect(es_ipath *p, double x0, double y0, double x1, double y1, bool clockwise)
{
    ES_GUARD(es_ipath_move(p, x0, y0));
    if (clockwise) {
        ES_GUARD(es_ipath_line(p, x1, y0));
        ES_GUARD(es_ipath_line(p, x1, y1));
        ES_GUARD(es_ipath_line(p, x0, y1));
    } else {
        ES_GUARD(es_ipath_line(p, x0, y1));
        ES_GUARD(es_ipath_line(p, x1, y1));
        ES_GUARD(es_ipath_line(p, x1, y0));
    }
    return es_ipath_close(p);
}

/* Five-pointed star, one point up; the inner radius of a regular pentagram (0.382). */
static ES_RESULT star(es_ipath *p, double cx, double cy, double r)
{
    const double inner = r * 0.3819660112501051;
    for (int k = 0; k < 10; k++) {
        double a = k * 36.0 * DEG, rr = (k % 2 == 0) ? r : inner;
        double x = cx + rr * sin(a), y = cy - rr * cos(a);
        ES_GUARD(k == 0 ? es_ipath_move(p, x, y) : es_ipath_line(p, x, y));
    }
    return es_ipath_close(p);
}

/* ---- glyphs ------------------------------------------------------------------ */

typedef struct {
    const es_font *font;
    cairo_scaled_font_t *sf;
    /* Ink box of the reference character at GLYPH_UNITS: "国" for CJK, "H" for Latin.
     * Every character of a font shares its transform, so "一" stays where the
     * designer put it inside the em box and all characters have one height. */
    double ref_h, ref_w, ref_cy;
} lfont;

typedef struct {
    es_ipath *out;
    cairo_surface_t *surface;
    cairo_t *cr; /* scratch context: glyph outlines come out of it */
    lfont cjk, latin;
} lay;

typedef struct {
    const lfont *f; /* NULL: a blank (space) */
    unsigned long index;
    double adv;  /* at GLYPH_UNITS */
    double cx;   /* horizontal centre: half the advance, or the ink centre of a bracket */
    double slot; /* share of an arc slot: 1, or 0.5 for brackets and spaces */
    bool latin;
} lglyph;

static size_t utf8_encode(uint32_t cp, char out[5])
{
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    out[n] = '\0';
    return n;
}

static ES_RESULT glyph_index(const lfont *f, uint32_t cp, unsigned long *out)
{
    char u8[5];
    size_t n = utf8_encode(cp, u8);
    cairo_glyph_t *gl = NULL;
    int num = 0;
    cairo_status_t st = cairo_scaled_font_text_to_glyphs(f->sf, 0, 0, u8, (int)n, &gl, &num, NULL, NULL, NULL);
    ES_ENSURE(st == CAIRO_STATUS_SUCCESS, ESEAL_ENOMEM, "imprint: cairo: %s", cairo_status_to_string(st));
    *out = num == 1 ? gl[0].index : 0;
    cairo_glyph_free(gl);
    return ES_OK;
}

static void glyph_extents(const lfont *f, unsigned long index, cairo_text_extents_t *ex)
{
    cairo_glyph_t one = {index, 0.0, 0.0};
    cairo_scaled_font_glyph_extents(f->sf, &one, 1, ex);
}

static ES_RESULT lfont_init(lfont *lf, const es_font *font, uint32_t ref_cp)
{
    lf->font = font;
    cairo_matrix_t fm, ctm;
    cairo_matrix_init_scale(&fm, GLYPH_UNITS, GLYPH_UNITS);
    cairo_matrix_init_identity(&ctm);
    cairo_font_options_t *opt = cairo_font_options_create();
    cairo_font_options_set_hint_style(opt, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(opt, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_antialias(opt, CAIRO_ANTIALIAS_GRAY);
    lf->sf = cairo_scaled_font_create(font->face, &fm, &ctm, opt);
    cairo_font_options_destroy(opt);
    cairo_status_t st = cairo_scaled_font_status(lf->sf);
    ES_ENSURE(st == CAIRO_STATUS_SUCCESS, ESEAL_EUNSUPPORTED, "imprint: font %s: %s", font->path,
              cairo_status_to_string(st));
    unsigned long idx = 0;
    ES_GUARD(glyph_index(lf, ref_cp, &idx));
    ES_ENSURE(idx != 0, ESEAL_EUNSUPPORTED, "imprint: font %s (%s) has no U+%04X: not a %s font", font->path,
              font->family, (unsigned)ref_cp, ref_cp == 'H' ? "Latin" : "CJK");
    cairo_text_extents_t ex;
    glyph_extents(lf, idx, &ex);
    ES_ENSURE(ex.height > 1.0 && ex.width > 1.0, ESEAL_EUNSUPPORTED, "imprint: font %s: empty reference glyph",
              font->path);
    lf->ref_h = ex.height;
    lf->ref_w = ex.width;
    lf->ref_cy = ex.y_bearing + ex.height / 2.0;
    return ES_OK;
}

/* ASCII, and the letters of Latin-1 and Latin Extended-A/B (ü, ß, é, ł, ș...): the Latin font's. */
static bool is_latin(uint32_t cp)
{
    return (cp >= 0x20 && cp < 0x7F) || (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7);
}
static bool is_blank(uint32_t cp) { return cp == 0x20 || cp == 0x3000; }

/* Brackets, as in 某某（北京）有限公司: half a slot on an arc, centred on their ink. */
static bool is_bracket(uint32_t cp)
{
    return cp == '(' || cp == ')' || cp == '[' || cp == ']' || cp == 0xFF08 || cp == 0xFF09 ||
           (cp >= 0x3008 && cp <= 0x3011) || cp == 0x3014 || cp == 0x3015;
}

static bool text_is_latin(const es_text *t)
{
    for (size_t i = 0; i < t->n; i++) {
        if (!is_latin(t->cp[i])) {
            return false;
        }
    }
    return t->n > 0;
}

static ES_RESULT glyph_lookup(const lay *L, uint32_t cp, const char *field, size_t pos, lglyph *g)
{
    /* ASCII brackets take the CJK font's shapes: in a name they bracket Chinese text. */
    g->latin = is_latin(cp) && !is_bracket(cp);
    const lfont *f = g->latin ? &L->latin : &L->cjk;
    if (is_blank(cp)) {
        g->f = NULL;
        g->index = 0;
        g->adv = (cp == 0x20 ? 0.28 : 1.0) * GLYPH_UNITS;
        g->cx = g->adv / 2;
        g->slot = 0.5;
        return ES_OK;
    }
    ES_GUARD(glyph_index(f, cp, &g->index));
    ES_ENSURE(g->index != 0, ESEAL_EUNSUPPORTED, "imprint: %s character %zu (U+%04X) is not in font %s (%s)", field,
              pos + 1, (unsigned)cp, f->font->family, f->font->path);
    cairo_text_extents_t ex;
    glyph_extents(f, g->index, &ex);
    g->f = f;
    g->adv = ex.x_advance;
    g->cx = is_bracket(cp) && ex.width > 0 ? ex.x_bearing + ex.width / 2 : g->adv / 2;
    g->slot = is_bracket(cp) ? 0.5 : 1.0;
    return ES_OK;
}

/* Appends the outline of `g` mapped through `m` (from GLYPH_UNITS glyph space). */
static ES_RESULT glyph_draw(lay *L, const lglyph *g, const cairo_matrix_t *m)
{
    if (g->f == NULL) {
        return ES_OK;
    }
    cairo_new_path(L->cr);
    cairo_set_scaled_font(L->cr, g->f->sf);
    cairo_glyph_t one = {g->index, 0.0, 0.0};
    cairo_glyph_path(L->cr, &one, 1);
    cairo_path_t *path = cairo_copy_path(L->cr);
    ES_ENSURE(path != NULL, ESEAL_ENOMEM, "out of memory");
    if (path->status != CAIRO_STATUS_SUCCESS) {
        cairo_status_t st = path->status;
        cairo_path_destroy(path);
        ES_BAIL(ESEAL_ENOMEM, "imprint: glyph outline: %s", cairo_status_to_string(st));
    }
    es_result r = ES_OK;
    for (int i = 0; i < path->num_data && es_ok(r); i += path->data[i].header.length) {
        const cairo_path_data_t *d = &path->data[i];
        double x[3], y[3];
        int np = d->header.type == CAIRO_PATH_CURVE_TO ? 3 : d->header.type == CAIRO_PATH_CLOSE_PATH ? 0 : 1;
        for (int k = 0; k < np; k++) {
            x[k] = d[k + 1].point.x;
            y[k] = d[k + 1].point.y;
            cairo_matrix_transform_point(m, &x[k], &y[k]);
        }
        switch (d->header.type) {
        case CAIRO_PATH_MOVE_TO:
            r = es_ipath_move(L->out, x[0], y[0]);
            break;
        case CAIRO_PATH_LINE_TO:
            r = es_ipath_line(L->out, x[0], y[0]);
            break;
        case CAIRO_PATH_CURVE_TO:
            r = es_ipath_curve(L->out, x[0], y[0], x[1], y[1], x[2], y[2]);
            break;
        case CAIRO_PATH_CLOSE_PATH:
        default:
            r = es_ipath_close(L->out);
            break;
        }
    }
    cairo_path_destroy(path);
    return r;
}

/*
 * The transform of a character centred at (x, y), its "up" turned by `phi`
 * from 12 o'clock, scaled so the reference ink is `h` high (times `sy`) and
 * condensed horizontally by `sx`.
 */
static void glyph_matrix(cairo_matrix_t *m, const lglyph *g, double x, double y, double phi, double h, double sx,
                         double sy)
{
    double k = h / g->f->ref_h;
    cairo_matrix_init_translate(m, x, y);
    cairo_matrix_rotate(m, phi);
    cairo_matrix_scale(m, k * sx, k * sy);
    cairo_matrix_translate(m, -g->cx, -g->f->ref_cy);
}

static ES_RESULT glyphs_of(const lay *L, const es_text *t, const char *field, lglyph *gs)
{
    for (size_t i = 0; i < t->n; i++) {
        ES_GUARD(glyph_lookup(L, t->cp[i], field, i, &gs[i]));
    }
    return ES_OK;
}

/* ---- round and oval: text on the border, free space inside --------------------- */

/* The inner edge of the border as an ellipse: P(t) = (cx + A sin t, cy - B cos t). */
typedef struct {
    double cx, cy, A, B;
} ell;

/* The point at parameter t moved `inset` inwards along the normal, and the outward normal's angle. */
static void ell_at(const ell *e, double t, double inset, double *x, double *y, double *phi)
{
    double nx = e->B * sin(t), ny = -e->A * cos(t);
    double nl = hypot(nx, ny);
    nx /= nl;
    ny /= nl;
    *x = e->cx + e->A * sin(t) - nx * inset;
    *y = e->cy - e->B * cos(t) - ny * inset;
    *phi = atan2(nx, -ny);
}

/* Ellipse parameter of the border point at polar angle `alpha` (from 12 o'clock), unwrapped near alpha. */
static double ell_param(const ell *e, double alpha)
{
    double t = atan2(e->B * sin(alpha), e->A * cos(alpha));
    while (t - alpha > M_PI) {
        t -= 2 * M_PI;
    }
    while (alpha - t > M_PI) {
        t += 2 * M_PI;
    }
    return t;
}

/* Bands the horizontal lines must keep clear of. */
typedef struct {
    ell e;
    double arc_inset, arc_half;       /* arc text: inner edge inset, half sweep (rad, with margin) */
    double bottom_inset, bottom_half; /* lower arc text */
} freezone;

static double sq(double v) { return v * v; }

static bool inside(double dx, double dy, double a, double b)
{
    return a > 0 && b > 0 && sq(dx / a) + sq(dy / b) <= 1.0;
}

static bool point_free(const freezone *z, double x, double y, double margin)
{
    double dx = x - z->e.cx, dy = y - z->e.cy;
    if (!inside(dx, dy, z->e.A - margin, z->e.B - margin)) {
        return false;
    }
    double alpha = fabs(atan2(dx, -dy)); /* 0 at the top, pi at the bottom */
    if (z->arc_half > 0 && alpha <= z->arc_half &&
        !inside(dx, dy, z->e.A - z->arc_inset - margin, z->e.B - z->arc_inset - margin)) {
        return false;
    }
    if (z->bottom_half > 0 && M_PI - alpha <= z->bottom_half &&
        !inside(dx, dy, z->e.A - z->bottom_inset - margin, z->e.B - z->bottom_inset - margin)) {
        return false;
    }
    return true;
}

/* The widest box centred on cx between y0 and y1 that stays clear, as a half width. */
static double free_half_width(const freezone *z, double y0, double y1, double margin)
{
    double best = 0;
    for (double x = 0.05; x < z->e.A; x += 0.05) {
        for (int k = 0; k <= 8; k++) {
            double y = y0 + (y1 - y0) * k / 8.0;
            if (!point_free(z, z->e.cx + x, y, margin) || !point_free(z, z->e.cx - x, y, margin)) {
                return best;
            }
        }
        best = x;
    }
    return best;
}

#define ARC_SAMPLES 1024

/* cum[i]: the length of the line at `inset` from angle t0 to t0 + (t1 - t0) * i / ARC_SAMPLES. */
static void arc_lengths(const ell *e, double inset, double t0, double t1, double cum[ARC_SAMPLES + 1])
{
    double px = 0, py = 0, phi = 0;
    cum[0] = 0;
    ell_at(e, t0, inset, &px, &py, &phi);
    for (int i = 1; i <= ARC_SAMPLES; i++) {
        double x, y;
        ell_at(e, t0 + (t1 - t0) * i / ARC_SAMPLES, inset, &x, &y, &phi);
        cum[i] = cum[i - 1] + hypot(x - px, y - py);
        px = x;
        py = y;
    }
}

/*
 * Characters one by one along the inner edge of the border, evenly spaced by
 * arc length between polar angles a0 and a1 (a1 > a0: clockwise, the upper arc;
 * a1 < a0: the lower arc read left to right with characters upright). Each
 * character is radial (perpendicular to the border), `h` high, and condensed
 * horizontally so neighbours keep a gap at their inner edges.
 */
/*
 * Slot parameters of n characters evenly spaced by arc length along the line
 * through their centres (a character takes `slot` of a full share), and the
 * room per full-share character: the closest pair of neighbouring inner
 * edges, less a gap.
 */
static void arc_slots(const ell *e, double gap, double h, double t0, double t1, const lglyph *gs, size_t n,
                      double *ts, double *room)
{
    double cum[ARC_SAMPLES + 1], phi = 0;
    arc_lengths(e, gap + h / 2, t0, t1, cum);
    double total = 0, before = 0;
    for (size_t i = 0; i < n; i++) {
        total += gs[i].slot;
    }
    int j = 0;
    for (size_t i = 0; i < n; i++) {
        double s = cum[ARC_SAMPLES] * (before + gs[i].slot / 2) / total;
        before += gs[i].slot;
        while (j < ARC_SAMPLES - 1 && cum[j + 1] < s) {
            j++;
        }
        double f = cum[j + 1] > cum[j] ? (s - cum[j]) / (cum[j + 1] - cum[j]) : 0;
        ts[i] = t0 + (t1 - t0) * ((double)j + f) / ARC_SAMPLES;
    }
    double r = n == 1 ? 2 * h : INFINITY;
    for (size_t i = 0; i + 1 < n; i++) {
        double x0, y0, x1, y1;
        ell_at(e, ts[i], gap + h, &x0, &y0, &phi);
        ell_at(e, ts[i + 1], gap + h, &x1, &y1, &phi);
        r = fmin(r, hypot(x1 - x0, y1 - y0) / ((gs[i].slot + gs[i + 1].slot) / 2));
    }
    *room = r - 0.1 * h; /* the gap between neighbours at their inner corners */
}

/*
 * Characters one by one along the inner edge of the border, evenly spaced by
 * arc length between polar angles a0 and a1 (a1 > a0: clockwise, the upper arc;
 * a1 < a0: the lower arc read left to right with characters upright). Each
 * character is radial (perpendicular to the border), `h` high, and condensed
 * horizontally so neighbours keep a gap at their inner edges. A long name
 * that would need characters narrower than half their height gets them up to
 * 15% lower instead, as engravers do: lower characters have more room inside.
 */
static ES_RESULT text_on_arc_proportional(lay *L, const lglyph *gs, size_t n, const char *field, const ell *e,
                                          double gap, double h, double t0, double t1, double cjk_aspect,
                                          double latin_sx, const char *what, double sweep);

static ES_RESULT text_on_arc(lay *L, const es_text *t, const char *field, const ell *e, double gap, double h,
                             double a0, double a1, double cjk_aspect, double latin_sx, const char *what)
{
    size_t n = t->n;
    lglyph gs[ES_TEXT_MAX];
    ES_GUARD(glyphs_of(L, t, field, gs));
    double t0 = ell_param(e, a0), t1 = ell_param(e, a1), phi = 0;
    bool any_latin = false;
    for (size_t i = 0; i < n; i++) {
        any_latin = any_latin || (gs[i].latin && gs[i].f != NULL);
    }
    if (any_latin && a1 > a0) {
        /* A name with Latin letters on the upper arc: set by advance widths (a code on the
         * lower arc is digits of one advance, where both settings agree: left as it was). */
        return text_on_arc_proportional(L, gs, n, field, e, gap, h, t0, t1, cjk_aspect, latin_sx, what, a1 - a0);
    }
    double ts[ES_TEXT_MAX], room = 0;
    const double h0 = h;
    arc_slots(e, gap, h, t0, t1, gs, n, ts, &room);
    while (!text_is_latin(t) && room < 0.5 * h && h * 0.96 >= 0.85 * h0) {
        h *= 0.96;
        arc_slots(e, gap, h, t0, t1, gs, n, ts, &room);
    }
    double kc = h / L->cjk.ref_h, kl = h / L->latin.ref_h;
    double latin_adv = 0;
    for (size_t i = 0; i < n; i++) {
        if (gs[i].latin && gs[i].f != NULL) {
            latin_adv = fmax(latin_adv, gs[i].adv);
        }
    }
    double sx_cjk = fmin(cjk_aspect * h, room) / (L->cjk.ref_w * kc);
    double sx_lat = latin_adv > 0 ? fmin(latin_sx, room / (latin_adv * kl)) : latin_sx;
    double worst = INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (gs[i].f != NULL) {
            worst = fmin(worst, gs[i].latin ? sx_lat : sx_cjk);
        }
    }
    ES_ENSURE(worst >= 0.3, ESEAL_EINVAL,
              "imprint: %s of %zu characters does not fit the %s (%.0f degrees): shorten it or enlarge the seal",
              field, n, what, fabs(a1 - a0) / DEG);
    bool lower = a1 < a0;
    for (size_t i = 0; i < n; i++) {
        if (gs[i].f == NULL) {
            continue;
        }
        double x, y;
        ell_at(e, ts[i], gap + h / 2, &x, &y, &phi);
        cairo_matrix_t m;
        glyph_matrix(&m, &gs[i], x, y, lower ? phi + M_PI : phi, h, gs[i].latin ? sx_lat : sx_cjk, 1.0);
        ES_GUARD(glyph_draw(L, &gs[i], &m));
    }
    return ES_OK;
}

/*
 * Text with Latin letters on the upper arc, set proportionally (issue #14 §4): each character
 * takes arc length by its real advance (FreeType's, through cairo: kerning aside), as type is
 * set, not one equal slot per character as CJK seals are engraved. Latin capitals are LATIN_CAP
 * of the CJK height (a capital as high as a CJK square looks twice as heavy); CJK characters
 * and brackets in the same name keep a slot of `h` (or half). A name shorter than the arc gets
 * at most LATIN_TRACK of extra space per character and stays centred at the top; a longer one
 * is first set up to 40% lower (more room inside), then condensed.
 */
#define LATIN_CAP 0.7
#define LATIN_TRACK 0.25 /* of the Latin cap height */
#define LATIN_MIN_H 0.6  /* of the initial height */
#define LATIN_MIN_SX 0.5 /* of the natural width */

/* The parameter at arc length `s` along a table of cumulative lengths over [t0, t1]. */
static double arc_param(const double *cum, double t0, double t1, double s)
{
    int lo = 0, hi = ARC_SAMPLES;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (cum[mid] < s) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    double f = cum[hi] > cum[lo] ? (s - cum[lo]) / (cum[hi] - cum[lo]) : 0;
    return t0 + (t1 - t0) * ((double)lo + fmin(1.0, fmax(0.0, f))) / ARC_SAMPLES;
}

static ES_RESULT text_on_arc_proportional(lay *L, const lglyph *gs, size_t n, const char *field, const ell *e,
                                          double gap, double h, double t0, double t1, double cjk_aspect,
                                          double latin_sx, const char *what, double sweep)
{
    const double h0 = h;
    double cum[ARC_SAMPLES + 1], len[ES_TEXT_MAX], ts[ES_TEXT_MAX];
    double hl = 0, scale = 0, inner = 1, phi = 0, total = 0;
    for (;;) {
        hl = LATIN_CAP * h;
        double kl = hl / L->latin.ref_h;
        /* Arc length along the line through the CJK centres. */
        arc_lengths(e, gap + h / 2, t0, t1, cum);
        total = 0;
        for (size_t i = 0; i < n; i++) {
            /* A Latin letter or space by its advance; a CJK character, bracket or 　 by its slot. */
            len[i] = gs[i].latin ? gs[i].adv * kl * latin_sx : gs[i].slot * h;
            total += len[i];
        }
        scale = cum[ARC_SAMPLES] / total;
        /* Neighbours meet at the inner edge first: the arc there is shorter by this factor. */
        double rc = (e->A + e->B) / 2 - gap - h / 2;
        inner = (rc - h / 2) / rc;
        if (scale * inner >= 0.75 || h * 0.96 < LATIN_MIN_H * h0) {
            break;
        }
        h *= 0.96;
    }
    double track = scale >= 1 ? fmin((cum[ARC_SAMPLES] - total) / (double)n, LATIN_TRACK * hl) : 0;
    double used = 0;
    for (size_t i = 0; i < n; i++) {
        len[i] = len[i] * fmin(1.0, scale) + track;
        used += len[i];
    }
    double s = (cum[ARC_SAMPLES] - used) / 2; /* centred at the top */
    for (size_t i = 0; i < n; i++) {
        ts[i] = arc_param(cum, t0, t1, s + len[i] / 2);
        s += len[i];
    }
    double kc = h / L->cjk.ref_h;
    double sx_lat = latin_sx * fmin(1.0, scale * inner);
    bool fits = sx_lat >= LATIN_MIN_SX; /* narrower, Latin letters no longer read as type */
    double sx_cjk[ES_TEXT_MAX];
    for (size_t i = 0; i < n; i++) {
        if (gs[i].f != NULL && !gs[i].latin) {
            /* A bracket takes half a slot and the condensing of a whole one, as on CJK arcs. */
            sx_cjk[i] = fmin(cjk_aspect * h, len[i] / gs[i].slot * inner - 0.1 * h) / (L->cjk.ref_w * kc);
            fits = fits && sx_cjk[i] >= 0.3;
        }
    }
    ES_ENSURE(fits, ESEAL_EINVAL,
              "imprint: %s of %zu characters does not fit the %s (%.0f degrees): shorten it or enlarge the seal",
              field, n, what, sweep / DEG);
    for (size_t i = 0; i < n; i++) {
        if (gs[i].f == NULL) {
            continue;
        }
        double x, y;
        /* Latin capitals hang from the same outer line as the CJK characters. */
        double gh = gs[i].latin ? hl : h;
        ell_at(e, ts[i], gap + gh / 2, &x, &y, &phi);
        cairo_matrix_t m;
        glyph_matrix(&m, &gs[i], x, y, phi, gh, gs[i].latin ? sx_lat : sx_cjk[i], 1.0);
        ES_GUARD(glyph_draw(L, &gs[i], &m));
    }
    return ES_OK;
}

/*
 * A horizontal line centred on cx, its reference ink from y_top to y_top + h,
 * at most max_w wide: CJK characters `cjk_aspect` as wide as high, Latin ones
 * at `latin_sx`, both condensed further when the line would be too wide.
 */
static ES_RESULT text_line(lay *L, const es_text *t, const char *field, double cx, double y_top, double h,
                           double max_w, double cjk_aspect, double latin_sx, double track)
{
    size_t n = t->n;
    lglyph gs[ES_TEXT_MAX];
    ES_GUARD(glyphs_of(L, t, field, gs));
    bool latin = text_is_latin(t);
    double kc = h / L->cjk.ref_h, kl = h / L->latin.ref_h;
    double sx = latin ? latin_sx : cjk_aspect * h / (L->cjk.ref_w * kc);
    double natural = 0;
    for (size_t i = 0; i < n; i++) {
        natural += gs[i].adv * (gs[i].latin ? kl : kc);
    }
    double tracks = track * (double)(n - 1);
    if (natural * sx + tracks > max_w) {
        sx = (max_w - tracks) / natural;
    }
    ES_ENSURE(sx >= 0.3, ESEAL_EINVAL,
              "imprint: %s of %zu characters does not fit in %.1f mm: shorten it or enlarge the seal", field, n,
              max_w);
    double x = cx - (natural * sx + tracks) / 2.0;
    for (size_t i = 0; i < n; i++) {
        double w = gs[i].adv * (gs[i].latin ? kl : kc) * sx;
        if (gs[i].f != NULL) {
            cairo_matrix_t m;
            glyph_matrix(&m, &gs[i], x + w / 2.0, y_top + h / 2.0, 0.0, h, sx, 1.0);
            ES_GUARD(glyph_draw(L, &gs[i], &m));
        }
        x += w + track;
    }
    return ES_OK;
}

static double interp(const double (*tab)[2], size_t n, double d)
{
    if (d <= tab[0][0]) {
        return tab[0][1] * d / tab[0][0];
    }
    for (size_t i = 1; i < n; i++) {
        if (d <= tab[i][0]) {
            double f = (d - tab[i - 1][0]) / (tab[i][0] - tab[i - 1][0]);
            return tab[i - 1][1] + f * (tab[i][1] - tab[i - 1][1]);
        }
    }
    return tab[n - 1][1] * d / tab[n - 1][0];
}

/* Arc sweep in degrees: grows with the character count (platforms.md §2.3: 250-270 for Ø38-45). */
static double auto_sweep(size_t n, double lo, double hi)
{
    double s = 150.0 + 10.0 * (double)n;
    s = fmax(lo, fmin(hi, s));
    return fmin(s, 45.0 * (double)n); /* a short name is not stretched over the whole seal */
}

/* Gap between the border and the top of the arc text (platforms.md §2.3). */
static double round_gap(double d)
{
    static const double tab[][2] = {{30, 0.6}, {38, 0.8}, {40, 0.9}, {42, 1.0}, {45, 1.2}};
    return interp(tab, sizeof(tab) / sizeof(tab[0]), d);
}

static ES_RESULT layout_round(lay *L, const es_ispec *s)
{
    const double d = s->w, r = d / 2, cx = r, cy = r;
    ES_GUARD(ellipse_ring(L->out, cx, cy, r, r, s->border));
    ell e = {cx, cy, r - s->border, r - s->border};
    freezone z = {e, 0, 0, 0, 0};
    double star_r = s->star ? s->star_d / 2 : 0;
    if (s->star) {
        ES_GUARD(star(L->out, cx, cy, star_r));
    }
    /* Lower arc first: its sweep limits the upper one. */
    double bottom_sweep = 0;
    if (s->bottom.n > 0) {
        bool code = text_is_latin(&s->bottom);
        double h = code ? fmax(1.6, 0.052 * d) : 0.1 * d;
        double gap = code ? 0.6 * d / 42 : round_gap(d);
        double rc = e.A - gap - h / 2;
        double pitch = (code ? 0.95 : 1.15) * h;
        bottom_sweep = fmin(110.0, (double)s->bottom.n * pitch / rc / DEG);
        ES_GUARD(text_on_arc(L, &s->bottom, "bottom_text", &e, gap, h, (180.0 + bottom_sweep / 2) * DEG,
                             (180.0 - bottom_sweep / 2) * DEG, 0.72, 0.9, "lower arc"));
        z.bottom_inset = gap + h;
        z.bottom_half = (bottom_sweep / 2 + 3.0) * DEG;
    }
    if (s->arc.n > 0) {
        double gap = round_gap(d);
        double hi = bottom_sweep > 0 ? fmin(270.0, 360.0 - bottom_sweep - 20.0) : 270.0;
        double sweep = s->arc_sweep > 0 ? s->arc_sweep : auto_sweep(s->arc.n, 200.0, hi);
        ES_ENSURE(bottom_sweep == 0 || sweep + bottom_sweep <= 350.0, ESEAL_EINVAL,
                  "imprint: arc_sweep_deg %.0f leaves no room for bottom_text (%.0f degrees)", sweep, bottom_sweep);
        ES_GUARD(text_on_arc(L, &s->arc, "arc_text", &e, gap, s->arc_h, -sweep / 2 * DEG, sweep / 2 * DEG, 0.75, 0.9,
                             "upper arc"));
        z.arc_inset = gap + s->arc_h;
        z.arc_half = (sweep / 2 + 3.0) * DEG;
    }
    if (s->center.n > 0) {
        bool latin = text_is_latin(&s->center);
        double h = latin ? 0.085 * d : 0.13 * d;
        double top = cy + fmax(0.18 * d, s->star ? star_r * 0.809 + 0.9 : 0);
        double half = free_half_width(&z, top, top + h, 0.4);
        ES_GUARD(text_line(L, &s->center, "center_text", cx, top, h, fmin(2 * half, 0.6 * d), 0.72, 0.85, 0.06 * h));
    }
    return ES_OK;
}

static ES_RESULT layout_oval(lay *L, const es_ispec *s)
{
    const double a = s->w / 2, b = s->h / 2, cx = a, cy = b;
    ES_GUARD(ellipse_ring(L->out, cx, cy, a, b, s->border));
    double inner = s->border;
    if (s->double_border) {
        /* Trade-union style: a thin second line inside the border (platforms.md §2.2). */
        double gap = 0.6 * s->h / 30, line = 0.3 * s->h / 30;
        ES_GUARD(ellipse_ring(L->out, cx, cy, a - s->border - gap, b - s->border - gap, line));
        inner += gap + line;
    }
    ell e = {cx, cy, a - inner, b - inner};
    freezone z = {e, 0, 0, 0, 0};
    if (s->arc.n > 0) {
        double gap = 0.5 * s->h / 30; /* invoice seal: 0.5 mm from the inner border (§2.3) */
        double sweep = s->arc_sweep > 0 ? s->arc_sweep : auto_sweep(s->arc.n, 210.0, 260.0);
        ES_GUARD(text_on_arc(L, &s->arc, "arc_text", &e, gap, s->arc_h, -sweep / 2 * DEG, sweep / 2 * DEG, 0.75,
                             0.9, "upper arc"));
        z.arc_inset = gap + s->arc_h;
        z.arc_half = (sweep / 2 + 3.0) * DEG;
    }
    /* Below the centre, top to bottom: star, center_text, bottom_text. */
    double y = cy;
    if (s->star) {
        ES_GUARD(star(L->out, cx, cy, s->star_d / 2));
        y = cy + s->star_d / 2 * 0.809 + 0.6;
    }
    if (s->center.n > 0) {
        bool latin = text_is_latin(&s->center);
        /* Invoice seal tax ID: Arial 3.7 mm high, 26 mm in all on a 40x30 seal (§2.2). */
        double h = latin ? 0.1233 * s->h : 0.15 * s->h;
        double top = s->star ? y : cy - h / 2;
        double half = free_half_width(&z, top, top + h, 0.4);
        ES_GUARD(text_line(L, &s->center, "center_text", cx, top, h, fmin(2 * half, 0.65 * s->w), 0.72, 1.0,
                           latin ? 0.0 : 0.06 * h));
        y = top + h + 0.8;
    }
    if (s->bottom.n > 0) {
        bool latin = text_is_latin(&s->bottom);
        double h, top;
        if (latin) {
            /* Serial number: 2.2 mm Arial, 10 mm below the centre line on a 40x30 seal (§2.3). */
            h = 0.0733 * s->h;
            top = fmax(y, cy + s->h / 3 - h / 2);
        } else {
            /* "发票专用章": 4.6 mm high, 3 mm wide, top 4.2 mm below the centre line (§2.3). */
            h = 0.1533 * s->h;
            top = fmax(y, cy + 0.14 * s->h);
        }
        double half = free_half_width(&z, top, top + h, 0.4);
        ES_GUARD(text_line(L, &s->bottom, "bottom_text", cx, top, h, fmin(2 * half, 0.65 * s->w), 0.65, 0.9,
                           latin ? 0.0 : 0.08 * h));
    }
    return ES_OK;
}

/* ---- square and rectangle: characters fill cells --------------------------------- */

/* A character stretched to fill the cell (x0,y0)-(x1,y1), at most `max_aspect` as wide as high. */
static ES_RESULT glyph_in_cell(lay *L, const lglyph *g, double x0, double y0, double x1, double y1,
                               double max_aspect)
{
    if (g->f == NULL) {
        return ES_OK;
    }
    double ch = y1 - y0, cw = fmin(x1 - x0, max_aspect * ch);
    /* Width from the reference ink width, height from the reference ink height. */
    double sx = cw / g->f->ref_w / (ch / g->f->ref_h);
    cairo_matrix_t m;
    glyph_matrix(&m, g, (x0 + x1) / 2, (y0 + y1) / 2, 0.0, ch, sx, 1.0);
    return glyph_draw(L, g, &m);
}

static ES_RESULT layout_square(lay *L, const es_ispec *s)
{
    const double w = s->w, h = s->h, bw = s->border;
    ES_GUARD(rect(L->out, 0, 0, w, h, true));
    ES_GUARD(rect(L->out, bw, bw, w - bw, h - bw, false));
    lglyph gs[ES_TEXT_MAX];
    ES_GUARD(glyphs_of(L, &s->person, "person_text", gs));
    const double pad = 0.06 * w, gap = 0.04 * w;
    const double x0 = bw + pad, x1 = w - bw - pad, y0 = bw + pad, y1 = h - bw - pad;
    const double xm = (x0 + x1) / 2, ym = (y0 + y1) / 2;
    /* Traditional order: columns right to left, each top to bottom. */
    const double rx0 = xm + gap / 2, lx1 = xm - gap / 2, ty1 = ym - gap / 2, by0 = ym + gap / 2;
    switch (s->person.n) {
    case 2: /* 张三: two tall columns */
        ES_GUARD(glyph_in_cell(L, &gs[0], rx0, y0, x1, y1, 1.0));
        ES_GUARD(glyph_in_cell(L, &gs[1], x0, y0, lx1, y1, 1.0));
        break;
    case 3: /* 张三丰: the surname tall on the right, the given name on the left */
        ES_GUARD(glyph_in_cell(L, &gs[0], rx0, y0, x1, y1, 1.0));
        ES_GUARD(glyph_in_cell(L, &gs[1], x0, y0, lx1, ty1, 1.2));
        ES_GUARD(glyph_in_cell(L, &gs[2], x0, by0, lx1, y1, 1.2));
        break;
    default: /* 4: 张三 / 丰印 */
        ES_GUARD(glyph_in_cell(L, &gs[0], rx0, y0, x1, ty1, 1.2));
        ES_GUARD(glyph_in_cell(L, &gs[1], rx0, by0, x1, y1, 1.2));
        ES_GUARD(glyph_in_cell(L, &gs[2], x0, y0, lx1, ty1, 1.2));
        ES_GUARD(glyph_in_cell(L, &gs[3], x0, by0, lx1, y1, 1.2));
        break;
    }
    return ES_OK;
}

static ES_RESULT layout_rect(lay *L, const es_ispec *s)
{
    const double w = s->w, h = s->h, bw = s->border;
    ES_GUARD(rect(L->out, 0, 0, w, h, true));
    ES_GUARD(rect(L->out, bw, bw, w - bw, h - bw, false));
    lglyph gs[ES_TEXT_MAX];
    ES_GUARD(glyphs_of(L, &s->person, "person_text", gs));
    const size_t n = s->person.n;
    const double pad = 0.1 * h, gap = 0.06 * h;
    const double x0 = bw + pad, x1 = w - bw - pad, y0 = bw + pad, y1 = h - bw - pad;
    double cw = (x1 - x0 - gap * (double)(n - 1)) / (double)n;
    ES_ENSURE(cw >= 0.3 * (y1 - y0), ESEAL_EINVAL,
              "imprint: person_text of %zu characters does not fit a %.0f mm wide rectangle", n, w);
    /* Characters at most 0.9 as wide as high; the line is centred. */
    double used = fmin(cw, 0.9 * (y1 - y0));
    double total = used * (double)n + gap * (double)(n - 1);
    double x = (w - total) / 2;
    for (size_t i = 0; i < n; i++) {
        ES_GUARD(glyph_in_cell(L, &gs[i], x, y0, x + used, y1, 0.9));
        x += used + gap;
    }
    return ES_OK;
}

ES_RESULT es_imprint_layout(es_ipath *out, const es_ispec *s)
{
    lay L = {out, NULL, NULL, {0}, {0}};
    L.surface = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
    L.cr = cairo_create(L.surface);
    es_result r = ES_OK;
    if (cairo_status(L.cr) != CAIRO_STATUS_SUCCESS) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "imprint: cairo: %s",
                         cairo_status_to_string(cairo_status(L.cr)));
    }
    if (es_ok(r)) {
        r = lfont_init(&L.cjk, &s->cjk, 0x56FD); /* 国 */
    }
    if (es_ok(r)) {
        r = lfont_init(&L.latin, &s->latin, 'H');
    }
    if (es_ok(r)) {
        switch (s->shape) {
        case ESEAL_IMPRINT_ROUND:
            r = layout_round(&L, s);
            break;
        case ESEAL_IMPRINT_OVAL:
            r = layout_oval(&L, s);
            break;
        case ESEAL_IMPRINT_SQUARE:
            r = layout_square(&L, s);
            break;
        case ESEAL_IMPRINT_RECT:
        default:
            r = layout_rect(&L, s);
            break;
        }
    }
    ipath_trim(out);
    if (L.cjk.sf != NULL) {
        cairo_scaled_font_destroy(L.cjk.sf);
    }
    if (L.latin.sf != NULL) {
        cairo_scaled_font_destroy(L.latin.sf);
    }
    cairo_destroy(L.cr);
    cairo_surface_destroy(L.surface);
    return r;
}

/* ---- defaults by size (platforms.md §2.3; docs/imprints.md) ------------------------- */

double es_imprint_default_border(eseal_imprint_shape shape, double w, double h)
{
    switch (shape) {
    case ESEAL_IMPRINT_ROUND:
        /* Ø30/38: 1.0; Ø40/42: 1.2; Ø45: 1.5 */
        if (w < 30) {
            return w / 30;
        }
        return w < 39 ? 1.0 : w < 44 ? 1.2 : 1.5 * fmax(1.0, w / 45);
    case ESEAL_IMPRINT_OVAL:
        return h / 30; /* oval 40x30: 1.0 */
    case ESEAL_IMPRINT_SQUARE:
        return 0.045 * w;
    case ESEAL_IMPRINT_RECT:
    default:
        return 0.04 * h;
    }
}

double es_imprint_default_star(eseal_imprint_shape shape, double w, double h)
{
    static const double tab[][2] = {{30, 10}, {38, 12}, {40, 13}, {42, 14}, {45, 15}};
    if (shape == ESEAL_IMPRINT_OVAL) {
        return h / 3;
    }
    return interp(tab, sizeof(tab) / sizeof(tab[0]), w);
}

double es_imprint_default_arc_h(eseal_imprint_shape shape, double w, double h)
{
    static const double tab[][2] = {{30, 4.2}, {38, 6.0}, {40, 6.5}, {42, 6.8}, {45, 7.2}};
    if (shape == ESEAL_IMPRINT_OVAL) {
        return 0.14 * h; /* 40x30: 4.2 mm */
    }
    return interp(tab, sizeof(tab) / sizeof(tab[0]), w);
}
