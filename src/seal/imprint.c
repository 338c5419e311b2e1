/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Imprints: templates by seal type, and the public entries of drawing. The drawing itself (spec
 * checks, layout with FreeType glyph outlines, rendering to PNG/SVG/PDF through cairo) is in the
 * drawing module, eseal-draw.so (src/seal/draw/, seal/draw.h), loaded on the first drawing so
 * that commands that draw nothing do not load cairo and FreeType (issue 18). The outline an
 * eseal_imprint_path returns is read and freed here.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "util/versions.h"

#define SIZE_MIN_MM ES_IMPRINT_SIZE_MIN_MM
#define TEXT_MAX_BYTES ES_IMPRINT_TEXT_MAX_BYTES
#define OUTPUT_MAX_BYTES ES_IMPRINT_OUTPUT_MAX_BYTES

static bool text_set(const char *s) { return s != NULL && s[0] != '\0'; }

/* ---- templates ------------------------------------------------------------------- */

/* Characters (UTF-8 lead bytes) in the first TEXT_MAX_BYTES bytes; the spec check does the rest. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0, len = strnlen(s, TEXT_MAX_BYTES);
    for (size_t i = 0; i < len; i++) {
        n += ((uint8_t)s[i] & 0xC0) != 0x80;
    }
    return n;
}

static void round_template(eseal_imprint_spec *o, double d, const char *name, const char *center, const char *extra)
{
    o->shape = ESEAL_IMPRINT_ROUND;
    o->width_mm = d;
    o->star = 1;
    o->arc_text = name;
    o->center_text = center;
    o->bottom_text = extra;
}

static ES_RESULT template_fill(eseal_imprint_spec *o, const char *type, const char *name, const char *extra)
{
    ES_ENSURE(type != NULL, ESEAL_EINVAL, "imprint: no seal type");
    ES_ENSURE(text_set(name), ESEAL_EINVAL, "imprint: the %.32s seal needs a name", type);
    const bool person = strcmp(type, "legal-rep") == 0 || strcmp(type, "personal") == 0 ||
                        strcmp(type, "signature") == 0;
    ES_ENSURE(!person || extra == NULL, ESEAL_EINVAL, "imprint: the %.32s seal takes no extra text", type);
    /* Sizes: platforms.md §2.2 (local PSB practice, e签宝 templates) and §2.3 (Shaanxi norm). */
    if (strcmp(type, "official") == 0) {
        round_template(o, 42, name, NULL, extra);
        o->border_mm = 1.2;
        o->star_mm = 14;
    } else if (strcmp(type, "contract") == 0) {
        round_template(o, 40, name, "合同专用章", extra);
    } else if (strcmp(type, "finance") == 0) {
        round_template(o, 38, name, "财务专用章", extra);
    } else if (strcmp(type, "other") == 0) {
        round_template(o, 40, name, NULL, extra);
    } else if (strcmp(type, "invoice") == 0) {
        ES_ENSURE(text_set(extra), ESEAL_EINVAL, "imprint: an invoice seal needs the taxpayer ID (extra)");
        size_t n = strlen(extra);
        bool alnum = n >= ES_IMPRINT_TAXID_MIN && n <= ES_IMPRINT_TAXID_MAX;
        for (size_t i = 0; alnum && i < n; i++) {
            char ch = extra[i];
            alnum = (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z');
        }
        ES_ENSURE(alnum, ESEAL_EINVAL, "imprint: invoice taxpayer ID '%.32s' is not 15 to 20 digits and capitals",
                  extra);
        o->shape = ESEAL_IMPRINT_OVAL;
        o->width_mm = 40;
        o->height_mm = 30;
        o->border_mm = 1.0;
        o->arc_text = name;
        o->center_text = extra;
        o->bottom_text = "发票专用章";
    } else if (strcmp(type, "legal-rep") == 0) {
        o->shape = ESEAL_IMPRINT_SQUARE;
        o->width_mm = 20;
        o->person_text = name;
        o->person_suffix = 1;
    } else if (strcmp(type, "personal") == 0) {
        o->shape = ESEAL_IMPRINT_SQUARE;
        o->width_mm = 18;
        o->person_text = name;
    } else if (strcmp(type, "signature") == 0) {
        /* A name stamp: one line, thin border, as long as the name needs. */
        size_t n = utf8_chars(name);
        ES_ENSURE(n >= 1 && n <= 8, ESEAL_EINVAL, "imprint: a signature seal holds 1 to 8 characters, not %zu", n);
        o->shape = ESEAL_IMPRINT_RECT;
        o->height_mm = 10;
        o->width_mm = fmax(SIZE_MIN_MM, ceil((2.4 + 6.3 * (double)n + 0.6 * (double)(n - 1)) * 2) / 2);
        o->border_mm = 0.4;
        o->person_text = name;
    } else {
        ES_BAIL(ESEAL_EINVAL,
                "imprint: unknown seal type '%.32s' (official, contract, finance, invoice, legal-rep, personal, "
                "signature, other)",
                type);
    }
    return ES_OK;
}

int eseal_imprint_template(eseal_imprint_spec *out, const char *type, const char *name, const char *extra)
{
    if (out == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument: out"));
    }
    eseal_imprint_spec init = ESEAL_IMPRINT_SPEC_INIT;
    *out = init;
    es_result r = template_fill(out, type, name, extra);
    if (!es_ok(r)) {
        *out = init;
    }
    return es_code(r);
}

/* ---- drawing (the module) ----------------------------------------------------------- */

int eseal_imprint_render(eseal_buf *out, const eseal_imprint_spec *spec, eseal_imprint_format fmt, unsigned int dpi)
{
    ES_CHECK_VERSION_INT(spec, imprint_spec);
    if (out == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument: out"));
    }
    const es_draw_module *m = NULL;
    es_result r = es_draw_get(&m);
    if (!es_ok(r)) {
        return es_code(r);
    }
    es_buf b = ES_BUF_INIT(OUTPUT_MAX_BYTES);
    r = m->render(&b, spec, fmt, dpi);
    if (!es_ok(r)) {
        es_buf_free(&b);
        return es_code(r);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

/* ---- outline ----------------------------------------------------------------------- */

int eseal_imprint_path(eseal_imprint_outline **out, const eseal_imprint_spec *spec)
{
    ES_CHECK_VERSION_INT(spec, imprint_spec);
    if (out == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument: out"));
    }
    *out = NULL;
    const es_draw_module *m = NULL;
    es_result r = es_draw_get(&m);
    if (es_ok(r)) {
        r = m->path(out, spec);
    }
    return es_code(r);
}

size_t eseal_imprint_outline_count(const eseal_imprint_outline *o) { return o == NULL ? 0 : o->count; }

eseal_imprint_op eseal_imprint_outline_op(const eseal_imprint_outline *o, size_t i, double pts[6])
{
    if (pts != NULL) {
        memset(pts, 0, 6 * sizeof(double));
    }
    if (o == NULL || i >= o->count) {
        return ESEAL_IMPRINT_CLOSE;
    }
    eseal_imprint_op op = (eseal_imprint_op)o->ops[i];
    size_t n = op == ESEAL_IMPRINT_CURVE ? 3 : op == ESEAL_IMPRINT_CLOSE ? 0 : 1;
    if (pts != NULL && n > 0) {
        memcpy(pts, o->pts + 2 * (size_t)o->first[i], 2 * n * sizeof(double));
    }
    return op;
}

void eseal_imprint_outline_size(const eseal_imprint_outline *o, double *width_mm, double *height_mm)
{
    if (width_mm != NULL) {
        *width_mm = o != NULL ? o->w : 0;
    }
    if (height_mm != NULL) {
        *height_mm = o != NULL ? o->h : 0;
    }
}

uint32_t eseal_imprint_outline_color(const eseal_imprint_outline *o) { return o == NULL ? 0 : o->color; }

void eseal_imprint_outline_free(eseal_imprint_outline *o)
{
    if (o == NULL) {
        return;
    }
    es_free(o->ops);
    es_free(o->pts);
    es_free(o->first);
    es_free(o);
}
