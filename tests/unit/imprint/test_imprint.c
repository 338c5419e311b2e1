/* SPDX-License-Identifier: Apache-2.0 */
/*
 * imprint: templates against golden PNGs, output formats (paths only, sizes),
 * the outline, input checks with exact codes, and the PNG import checks.
 *
 * Goldens: tests/resources/golden/imprint-*.png at 150 dpi, found through
 * ESEAL_GOLDEN. Regenerate after an intended layout change with
 *   ESEAL_GOLDEN_UPDATE=1 ctest -R unit_imprint
 * and look at every image before committing them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <png.h>
#include <zlib.h>

#include "eseal/eseal.h"
#include "util/util.h"

#define GOLDEN_DPI 150u
/* A pixel differs when a channel moves by more than this (anti-aliasing noise stays below). */
#define DIFF_CHANNEL 48
/* The image differs when more than this fraction of its pixels differ (or see BLOCK_MAX). */
#define DIFF_FRACTION 0.005

/* ---- helpers ------------------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t len, pos;
} reader;

static cairo_status_t read_mem(void *closure, unsigned char *data, unsigned int len)
{
    reader *r = closure;
    if (r->len - r->pos < len) {
        return CAIRO_STATUS_READ_ERROR;
    }
    memcpy(data, r->p + r->pos, len);
    r->pos += len;
    return CAIRO_STATUS_SUCCESS;
}

static cairo_surface_t *decode_png(const eseal_buf *b)
{
    reader r = {b->ptr, b->size, 0};
    cairo_surface_t *s = cairo_image_surface_create_from_png_stream(read_mem, &r);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    cairo_surface_flush(s);
    return s;
}

static uint32_t pixel(cairo_surface_t *s, int x, int y)
{
    const uint8_t *row = cairo_image_surface_get_data(s) + (size_t)y * (size_t)cairo_image_surface_get_stride(s);
    uint32_t v;
    memcpy(&v, row + 4 * (size_t)x, 4);
    return v; /* premultiplied ARGB in native order */
}

/*
 * Pixels of a and b that differ by more than DIFF_CHANNEL in a channel: the
 * fraction of the image, and the most in one BLOCK x BLOCK square (a changed
 * or moved character is a dense cluster; anti-aliasing noise is scattered).
 * A size mismatch is fraction 1.
 */
#define BLOCK 8
#define BLOCK_MAX 16

static double diff_fraction(cairo_surface_t *a, cairo_surface_t *b, int *max_block)
{
    int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
    *max_block = 0;
    if (w != cairo_image_surface_get_width(b) || h != cairo_image_surface_get_height(b)) {
        *max_block = BLOCK * BLOCK;
        return 1.0;
    }
    int bw = (w + BLOCK - 1) / BLOCK, bh = (h + BLOCK - 1) / BLOCK;
    int *blocks = calloc((size_t)bw * (size_t)bh, sizeof(int));
    assert_non_null(blocks);
    size_t bad = 0;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint32_t p = pixel(a, x, y), q = pixel(b, x, y);
            for (int k = 0; k < 32; k += 8) {
                int d = (int)((p >> k) & 0xFF) - (int)((q >> k) & 0xFF);
                if (d > DIFF_CHANNEL || d < -DIFF_CHANNEL) {
                    bad++;
                    int *c = &blocks[(y / BLOCK) * bw + x / BLOCK];
                    *c += 1;
                    *max_block = *c > *max_block ? *c : *max_block;
                    break;
                }
            }
        }
    }
    free(blocks);
    return (double)bad / ((double)w * (double)h);
}

static bool same_image(cairo_surface_t *got, cairo_surface_t *want, const char *what)
{
    int block = 0;
    double f = diff_fraction(got, want, &block);
    print_message("%s: %.3f%% of the pixels differ, at most %d in one %dx%d block\n", what, 100 * f, block, BLOCK,
                  BLOCK);
    return f <= DIFF_FRACTION && block <= BLOCK_MAX;
}

static int render(eseal_buf *out, const eseal_imprint_spec *s, eseal_imprint_format fmt, unsigned dpi)
{
    int rc = eseal_imprint_render(out, s, fmt, dpi);
    if (rc != ESEAL_OK) {
        print_message("render: %s: %s\n", eseal_code_name(rc), eseal_error_last()->message);
    }
    return rc;
}

/* The golden cases: every template, and an official-style oval 45x30. */
typedef struct {
    const char *golden, *type, *name, *extra;
} golden_case;

static const golden_case cases[] = {
    {"official", "official", "北京示例科技有限公司", "1101080123456"},
    {"contract", "contract", "上海某某贸易有限公司", NULL},
    {"finance", "finance", "北京示例科技有限公司", NULL},
    {"invoice", "invoice", "北京示例科技有限公司", "91110000MA01ABCDEX"},
    {"legal-rep", "legal-rep", "张三丰", NULL},
    {"personal", "personal", "李四", NULL},
    {"signature", "signature", "张三丰", NULL},
    {"other", "other", "深圳市示例网络技术股份有限公司", NULL},
    {"oval45", NULL, "上海某某贸易有限公司", "3101150012345"},
    /* Latin names set proportionally (issue #14 §4), and one mixed with CJK. */
    {"latin-long", "other", "Müller & Schmidt Maschinenbau GmbH", NULL},
    {"latin-short", "other", "ACME GmbH", NULL},
    {"latin-mixed", "contract", "ABC（北京）科技有限公司", NULL},
};

static void case_spec(eseal_imprint_spec *s, const golden_case *c)
{
    if (c->type != NULL) {
        assert_int_equal(eseal_imprint_template(s, c->type, c->name, c->extra), ESEAL_OK);
        return;
    }
    eseal_imprint_spec o = ESEAL_IMPRINT_SPEC_INIT;
    o.shape = ESEAL_IMPRINT_OVAL;
    o.width_mm = 45;
    o.height_mm = 30;
    o.star = 1;
    o.arc_text = c->name;
    o.bottom_text = c->extra;
    *s = o;
}

static cairo_surface_t *golden_surface(const char *name)
{
    const char *dir = getenv("ESEAL_GOLDEN");
    assert_non_null(dir);
    char path[1024];
    (void)snprintf(path, sizeof(path), "%s/imprint-%s.png", dir, name);
    cairo_surface_t *g = cairo_image_surface_create_from_png(path);
    if (cairo_surface_status(g) != CAIRO_STATUS_SUCCESS) {
        print_error("cannot read golden %s (regenerate with ESEAL_GOLDEN_UPDATE=1)\n", path);
        fail();
    }
    return g;
}

/* ---- goldens ---------------------------------------------------------------------- */

static void templates_match_goldens(void **state)
{
    (void)state;
    const char *dir = getenv("ESEAL_GOLDEN");
    assert_non_null(dir);
    const char *update = getenv("ESEAL_GOLDEN_UPDATE");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        eseal_imprint_spec s;
        case_spec(&s, &cases[i]);
        eseal_buf png = ESEAL_BUF_INIT;
        assert_int_equal(render(&png, &s, ESEAL_IMPRINT_PNG, GOLDEN_DPI), ESEAL_OK);
        if (update != NULL && strcmp(update, "1") == 0) {
            char path[1024];
            (void)snprintf(path, sizeof(path), "%s/imprint-%s.png", dir, cases[i].golden);
            assert_int_equal(eseal_file_write(path, png.ptr, png.size, 0644), ESEAL_OK);
            print_message("wrote %s\n", path);
        }
        cairo_surface_t *got = decode_png(&png);
        cairo_surface_t *want = golden_surface(cases[i].golden);
        assert_true(same_image(got, want, cases[i].golden));
        cairo_surface_destroy(got);
        cairo_surface_destroy(want);
        eseal_buf_dispose(&png);
    }
}

/* The comparison is strict enough to see a layout change of a few tenths of a millimetre. */
static void golden_comparison_sees_moved_text(void **state)
{
    (void)state;
    cairo_surface_t *want = golden_surface("official");
    eseal_imprint_spec s;
    case_spec(&s, &cases[0]);
    s.arc_sweep_deg = 254; /* auto gives 250 for 10 characters: the end characters move ~0.5 mm */
    eseal_buf png = ESEAL_BUF_INIT;
    assert_int_equal(render(&png, &s, ESEAL_IMPRINT_PNG, GOLDEN_DPI), ESEAL_OK);
    cairo_surface_t *got = decode_png(&png);
    assert_false(same_image(got, want, "arc sweep 254 instead of 250"));
    cairo_surface_destroy(got);
    eseal_buf_dispose(&png);
    /* One changed character is a different seal too, though few pixels change. */
    case_spec(&s, &cases[0]);
    s.bottom_text = "1101080123457";
    assert_int_equal(render(&png, &s, ESEAL_IMPRINT_PNG, GOLDEN_DPI), ESEAL_OK);
    got = decode_png(&png);
    assert_false(same_image(got, want, "one digit of the seal code changed"));
    cairo_surface_destroy(got);
    cairo_surface_destroy(want);
    eseal_buf_dispose(&png);
}

/* ---- PNG / SVG / PDF --------------------------------------------------------------- */

static void png_is_transparent_with_red_ink(void **state)
{
    (void)state;
    eseal_imprint_spec s;
    assert_int_equal(eseal_imprint_template(&s, "official", "北京示例科技有限公司", NULL), ESEAL_OK);
    eseal_buf png = ESEAL_BUF_INIT;
    assert_int_equal(render(&png, &s, ESEAL_IMPRINT_PNG, 300), ESEAL_OK);
    cairo_surface_t *img = decode_png(&png);
    assert_int_equal(cairo_image_surface_get_format(img), CAIRO_FORMAT_ARGB32);
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    /* Corners are outside the circle: fully transparent. */
    assert_int_equal(pixel(img, 0, 0), 0);
    assert_int_equal(pixel(img, w - 1, 0), 0);
    assert_int_equal(pixel(img, 0, h - 1), 0);
    assert_int_equal(pixel(img, w - 1, h - 1), 0);
    /* The border at 12 o'clock (0..1.2 mm) and the star's centre are solid ink. */
    uint32_t inks[2] = {pixel(img, w / 2, (int)(0.6 * 300 / 25.4)), pixel(img, w / 2, h / 2)};
    for (int i = 0; i < 2; i++) {
        uint32_t p = inks[i];
        assert_int_equal(p >> 24, 0xFF);
        assert_int_equal((p >> 16) & 0xFF, 0xE6);
        assert_int_equal((p >> 8) & 0xFF, 0x00);
        assert_int_equal(p & 0xFF, 0x12);
    }
    /* Inside the ring, between the star and the text, nothing. */
    assert_int_equal(pixel(img, w / 2, h / 2 + (int)(9.0 * 300 / 25.4)) >> 24, 0);
    /* Every pixel is red ink or transparent (anti-aliased red at worst). */
    size_t ink = 0;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint32_t p = pixel(img, x, y);
            unsigned a = p >> 24, g = (p >> 8) & 0xFF;
            assert_true(g == 0);
            ink += a == 0xFF;
            if (a > 0) {
                assert_true(((p >> 16) & 0xFF) >= (p & 0xFF));
            }
        }
    }
    assert_true(ink > (size_t)(w * h) / 20);
    cairo_surface_destroy(img);
    eseal_buf_dispose(&png);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void png_size_follows_mm_and_dpi(void **state)
{
    (void)state;
    struct {
        const char *type, *name, *extra;
        unsigned dpi;
    } t[] = {
        {"official", "北京示例科技有限公司", NULL, 0},    {"official", "北京示例科技有限公司", NULL, 150},
        {"invoice", "北京示例科技有限公司", "91110000MA01ABCDEX", 300}, {"personal", "张三", NULL, 72},
        {"signature", "张三丰", NULL, 600},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        eseal_imprint_spec s;
        assert_int_equal(eseal_imprint_template(&s, t[i].type, t[i].name, t[i].extra), ESEAL_OK);
        eseal_buf png = ESEAL_BUF_INIT;
        assert_int_equal(render(&png, &s, ESEAL_IMPRINT_PNG, t[i].dpi), ESEAL_OK);
        unsigned dpi = t[i].dpi == 0 ? 600 : t[i].dpi;
        double hmm = s.height_mm == 0 ? s.width_mm : s.height_mm;
        assert_true(png.size > 33);
        assert_int_equal(be32(png.ptr + 16), (uint32_t)lround(s.width_mm * dpi / 25.4));
        assert_int_equal(be32(png.ptr + 20), (uint32_t)lround(hmm * dpi / 25.4));
        /* pHYs right after IHDR: pixels per metre. */
        assert_memory_equal(png.ptr + 37, "pHYs", 4);
        assert_int_equal(be32(png.ptr + 41), (uint32_t)lround(dpi / 0.0254));
        unsigned w = 0, h = 0;
        if (be32(png.ptr + 16) >= 64 && be32(png.ptr + 20) >= 64) {
            assert_int_equal(eseal_imprint_png_check(&w, &h, png.ptr, png.size), ESEAL_OK);
            assert_int_equal(w, be32(png.ptr + 16));
            assert_int_equal(h, be32(png.ptr + 20));
        }
        eseal_buf_dispose(&png);
    }
    /* 42 mm at 600 dpi: 992 px (research platforms.md §2.5). */
    eseal_imprint_spec s;
    assert_int_equal(eseal_imprint_template(&s, "official", "北京示例科技有限公司", NULL), ESEAL_OK);
    eseal_buf png = ESEAL_BUF_INIT;
    assert_int_equal(render(&png, &s, ESEAL_IMPRINT_PNG, 0), ESEAL_OK);
    assert_int_equal(be32(png.ptr + 16), 992);
    eseal_buf_dispose(&png);
}

static bool contains(const eseal_buf *b, const char *needle)
{
    return memmem(b->ptr, b->size, needle, strlen(needle)) != NULL;
}

/* Another face or Latin font really changes the outlines (the fields are not ignored). */
static void other_fonts_change_the_outlines(void **state)
{
    (void)state;
    eseal_imprint_spec s;
    assert_int_equal(eseal_imprint_template(&s, "official", "北京示例科技有限公司", "1101080123456"), ESEAL_OK);
    eseal_buf base = ESEAL_BUF_INIT, serif = ESEAL_BUF_INIT, face1 = ESEAL_BUF_INIT;
    assert_int_equal(render(&base, &s, ESEAL_IMPRINT_SVG, 0), ESEAL_OK);
    s.latin_font_path = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf";
    assert_int_equal(render(&serif, &s, ESEAL_IMPRINT_SVG, 0), ESEAL_OK);
    s.latin_font_path = NULL;
    s.font_index = 1;
    assert_int_equal(render(&face1, &s, ESEAL_IMPRINT_SVG, 0), ESEAL_OK);
    assert_false(base.size == serif.size && memcmp(base.ptr, serif.ptr, base.size) == 0);
    assert_false(base.size == face1.size && memcmp(base.ptr, face1.ptr, base.size) == 0);
    eseal_buf_dispose(&base);
    eseal_buf_dispose(&serif);
    eseal_buf_dispose(&face1);
}

static void svg_has_paths_only_and_mm_size(void **state)
{
    (void)state;
    eseal_imprint_spec s;
    assert_int_equal(eseal_imprint_template(&s, "official", "北京示例科技有限公司", "1101080123456"), ESEAL_OK);
    eseal_buf svg = ESEAL_BUF_INIT;
    assert_int_equal(render(&svg, &s, ESEAL_IMPRINT_SVG, 0), ESEAL_OK);
    assert_true(contains(&svg, "<svg"));
    assert_true(contains(&svg, "width=\"42mm\""));
    assert_true(contains(&svg, "height=\"42mm\""));
    assert_true(contains(&svg, "viewBox=\"0 0 42 42\""));
    assert_true(contains(&svg, "<path"));
    assert_true(contains(&svg, "fill-rule:nonzero"));
    assert_false(contains(&svg, "<text"));
    assert_false(contains(&svg, "font"));
    assert_false(contains(&svg, "<image"));
    assert_false(contains(&svg, "glyph"));
    eseal_buf_dispose(&svg);

    assert_int_equal(eseal_imprint_template(&s, "invoice", "北京示例科技有限公司", "91110000MA01ABCDEX"), ESEAL_OK);
    assert_int_equal(render(&svg, &s, ESEAL_IMPRINT_SVG, 0), ESEAL_OK);
    assert_true(contains(&svg, "width=\"40mm\""));
    assert_true(contains(&svg, "height=\"30mm\""));
    eseal_buf_dispose(&svg);
}

static void pdf_is_one_page_of_seal_size_without_fonts(void **state)
{
    (void)state;
    eseal_imprint_spec s;
    assert_int_equal(eseal_imprint_template(&s, "contract", "上海某某贸易有限公司", NULL), ESEAL_OK);
    eseal_buf pdf = ESEAL_BUF_INIT;
    assert_int_equal(render(&pdf, &s, ESEAL_IMPRINT_PDF, 0), ESEAL_OK);
    assert_true(pdf.size > 100);
    assert_memory_equal(pdf.ptr, "%PDF-", 5);
    assert_false(contains(&pdf, "/FontFile"));
    assert_false(contains(&pdf, "/Font"));
    assert_false(contains(&pdf, "/Image"));
    /* 40 mm = 113.385827 pt */
    assert_true(contains(&pdf, "/MediaBox [ 0 0 113.385827 113.385827 ]"));
    assert_true(contains(&pdf, "/Count 1"));
    eseal_buf_dispose(&pdf);
}

/* ---- outline ------------------------------------------------------------------------ */

static void outline_lies_within_the_seal(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        eseal_imprint_spec s;
        case_spec(&s, &cases[c]);
        eseal_imprint_outline *o = NULL;
        assert_int_equal(eseal_imprint_path(&o, &s), ESEAL_OK);
        size_t n = eseal_imprint_outline_count(o);
        assert_true(n > 20);
        double w = 0, h = 0;
        eseal_imprint_outline_size(o, &w, &h);
        assert_true(w == s.width_mm);
        assert_true(h == (s.height_mm == 0 ? s.width_mm : s.height_mm));
        assert_int_equal(eseal_imprint_outline_color(o), ESEAL_IMPRINT_RED);
        double pts[6];
        assert_int_equal(eseal_imprint_outline_op(o, 0, pts), ESEAL_IMPRINT_MOVE);
        double minx = 1e9, miny = 1e9, maxx = -1e9, maxy = -1e9;
        size_t moves = 0, curves = 0, closes = 0;
        for (size_t i = 0; i < n; i++) {
            eseal_imprint_op op = eseal_imprint_outline_op(o, i, pts);
            int np = op == ESEAL_IMPRINT_CURVE ? 3 : op == ESEAL_IMPRINT_CLOSE ? 0 : 1;
            moves += op == ESEAL_IMPRINT_MOVE;
            curves += op == ESEAL_IMPRINT_CURVE;
            closes += op == ESEAL_IMPRINT_CLOSE;
            for (int k = 0; k < np; k++) {
                minx = fmin(minx, pts[2 * k]);
                maxx = fmax(maxx, pts[2 * k]);
                miny = fmin(miny, pts[2 * k + 1]);
                maxy = fmax(maxy, pts[2 * k + 1]);
            }
            if (op == ESEAL_IMPRINT_CLOSE) {
                for (int k = 0; k < 6; k++) {
                    assert_true(pts[k] == 0);
                }
            }
        }
        /* The border touches the edges; nothing lies outside. */
        assert_true(minx >= -1e-9 && miny >= -1e-9);
        assert_true(maxx <= w + 1e-9 && maxy <= h + 1e-9);
        assert_true(minx < 0.01 && miny < 0.01 && maxx > w - 0.01 && maxy > h - 0.01);
        assert_true(moves >= 3 && curves > 0 && closes >= moves - 1);
        assert_int_equal(eseal_imprint_outline_op(o, n, pts), ESEAL_IMPRINT_CLOSE); /* out of range */
        eseal_imprint_outline_free(o);
    }
    eseal_imprint_outline_free(NULL);
    assert_int_equal(eseal_imprint_outline_count(NULL), 0);
}

/* ---- the indexed PNG (the picture embedded in every seal and stamped file) ------------- */

/* The outline drawn by cairo straight to ARGB at the size render gives: the picture before encoding. */
static cairo_surface_t *reference_rgba(const eseal_imprint_spec *s, int w, int h)
{
    eseal_imprint_outline *o = NULL;
    assert_int_equal(eseal_imprint_path(&o, s), ESEAL_OK);
    double wmm = 0, hmm = 0;
    eseal_imprint_outline_size(o, &wmm, &hmm);
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_t *cr = cairo_create(surf);
    cairo_scale(cr, w / wmm, h / hmm);
    for (size_t i = 0; i < eseal_imprint_outline_count(o); i++) {
        double p[6];
        switch (eseal_imprint_outline_op(o, i, p)) {
        case ESEAL_IMPRINT_MOVE:
            cairo_move_to(cr, p[0], p[1]);
            break;
        case ESEAL_IMPRINT_LINE:
            cairo_line_to(cr, p[0], p[1]);
            break;
        case ESEAL_IMPRINT_CURVE:
            cairo_curve_to(cr, p[0], p[1], p[2], p[3], p[4], p[5]);
            break;
        default:
            cairo_close_path(cr);
            break;
        }
    }
    uint32_t c = eseal_imprint_outline_color(o);
    cairo_set_source_rgb(cr, ((c >> 16) & 0xFF) / 255.0, ((c >> 8) & 0xFF) / 255.0, (c & 0xFF) / 255.0);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    cairo_fill(cr);
    cairo_destroy(cr);
    cairo_surface_flush(surf);
    eseal_imprint_outline_free(o);
    return surf;
}

/*
 * issue #14 §4: a 40 mm seal at 600 dpi was a ~60 KB RGBA PNG (110 KB for the 42 mm official
 * seal), embedded in every stamped file. Now an indexed PNG with tRNS of at most 30 KB that
 * decodes to the RGBA rendering within half a step of its alpha levels (8 levels: 18/255).
 */
static void png_is_indexed_small_and_faithful(void **state)
{
    (void)state;
    /* The last name is long enough to need 4 levels (2 bits) to fit. */
    const char *types[] = {"contract", "other", "official", "other"};
    const char *names[] = {"北京示例科技有限公司", "北京示例科技有限公司", "北京示例科技有限公司",
                           "北京市海淀区中关村示例科技发展股份有限公司"};
    for (size_t t = 0; t < 4; t++) {
        eseal_imprint_spec s;
        assert_int_equal(eseal_imprint_template(&s, types[t], names[t], t == 3 ? "1101080123456" : NULL), ESEAL_OK);
        eseal_buf png = ESEAL_BUF_INIT;
        assert_int_equal(render(&png, &s, ESEAL_IMPRINT_PNG, 600), ESEAL_OK);
        assert_int_equal(png.ptr[25], 3); /* IHDR colour type: palette */
        const uint8_t *plte = memmem(png.ptr, png.size, "PLTE", 4);
        assert_non_null(plte);
        int levels = (int)(be32(plte - 4) / 3); /* every entry the ink, each at its own alpha */
        assert_true(levels == 8 || levels == 4);
        assert_int_equal(png.ptr[24], levels == 4 ? 2 : 4); /* bit depth */
        assert_non_null(memmem(png.ptr, png.size, "tRNS", 4));
        double side = s.width_mm * 600 / 25.4;
        print_message("%s %.0f mm at 600 dpi: %zu bytes, %u-bit palette\n", types[t], s.width_mm, png.size,
                      png.ptr[24]);
        /* 30 KB for 40 mm, scaled with the side (42 mm: 31.5 KB). */
        assert_true(png.size <= (size_t)(30 * 1024 * side / 945.0) + 64);
        if (s.width_mm == 40) {
            assert_true(png.size <= 30 * 1024);
        }
        unsigned w = 0, h = 0;
        assert_int_equal(eseal_imprint_png_check(&w, &h, png.ptr, png.size), ESEAL_OK);

        cairo_surface_t *got = decode_png(&png);
        cairo_surface_t *want = reference_rgba(&s, (int)w, (int)h);
        int maxd = 0;
        double sum = 0;
        size_t ink = 0;
        for (int y = 0; y < (int)h; y++) {
            for (int x = 0; x < (int)w; x++) {
                uint32_t p = pixel(got, x, y), q = pixel(want, x, y);
                ink += (q >> 24) != 0;
                for (int k = 0; k < 32; k += 8) {
                    int d = abs((int)((p >> k) & 0xFF) - (int)((q >> k) & 0xFF));
                    maxd = d > maxd ? d : maxd;
                    sum += d;
                }
            }
        }
        double mean = sum / (4.0 * w * h);
        print_message("  %d alpha levels; against the RGBA rendering: max channel difference %d, mean %.3f\n",
                      levels, maxd, mean);
        assert_true(ink > (size_t)w * h / 20);
        assert_true(maxd <= 255 / (2 * (levels - 1)) + 1); /* half a step between levels, plus rounding */
        assert_true(mean < 0.5);
        cairo_surface_destroy(got);
        cairo_surface_destroy(want);
        eseal_buf_dispose(&png);
    }
}

/* ---- input checks --------------------------------------------------------------------- */

static eseal_imprint_spec round_spec(const char *arc)
{
    eseal_imprint_spec s = ESEAL_IMPRINT_SPEC_INIT;
    s.width_mm = 42;
    s.star = 1;
    s.arc_text = arc;
    return s;
}

static int path_code(const eseal_imprint_spec *s)
{
    eseal_imprint_outline *o = NULL;
    int rc = eseal_imprint_path(&o, s);
    eseal_imprint_outline_free(o);
    return rc;
}

/* ---- Latin names on the arc ---------------------------------------------------------------- */

/* The polar angle span (degrees) of the outline's points in the arc text band of a round seal. */
static double arc_text_span(const char *name)
{
    eseal_imprint_spec s;
    assert_int_equal(eseal_imprint_template(&s, "other", name, NULL), ESEAL_OK);
    s.star = 0;
    eseal_imprint_outline *o = NULL;
    assert_int_equal(eseal_imprint_path(&o, &s), ESEAL_OK);
    double r = s.width_mm / 2, lo = 1e9, hi = -1e9;
    for (size_t i = 0; i < eseal_imprint_outline_count(o); i++) {
        double p[6];
        eseal_imprint_op op = eseal_imprint_outline_op(o, i, p);
        int np = op == ESEAL_IMPRINT_CURVE ? 3 : op == ESEAL_IMPRINT_CLOSE ? 0 : 1;
        for (int k = 0; k < np; k++) {
            double dx = p[2 * k] - r, dy = p[2 * k + 1] - r;
            double d = hypot(dx, dy);
            if (d < r - 2.0 && d > r / 3) { /* inside the border, outside the middle */
                double a = atan2(dx, -dy) * 180 / M_PI;
                lo = fmin(lo, a);
                hi = fmax(hi, a);
            }
        }
    }
    eseal_imprint_outline_free(o);
    return hi - lo;
}

/*
 * issue #14 §4: Latin names are set by their advance widths. A European company's name that
 * did not fit a 40 mm seal with one slot per character now does; narrow letters take less arc
 * than wide ones (with equal slots both spread over the same auto sweep); the drawings are kept
 * under the test's output folder (imprint-latin-*.png, 600 dpi) to look at.
 */
static void latin_names_are_set_proportionally(void **state)
{
    (void)state;
    const char *names[] = {"Müller & Schmidt Maschinenbau GmbH", "Schmidt Maschinenbau GmbH", "ACME GmbH"};
    for (size_t i = 0; i < 3; i++) {
        eseal_imprint_spec s;
        assert_int_equal(eseal_imprint_template(&s, "other", names[i], NULL), ESEAL_OK);
        assert_true(s.width_mm == 40);
        eseal_buf png = ESEAL_BUF_INIT;
        assert_int_equal(render(&png, &s, ESEAL_IMPRINT_PNG, 600), ESEAL_OK);
        char path[64];
        (void)snprintf(path, sizeof(path), "imprint-latin-%zu.png", i + 1);
        assert_int_equal(eseal_file_write(path, png.ptr, png.size, 0644), ESEAL_OK);
        print_message("%s: %zu bytes, written to %s\n", names[i], png.size, path);
        eseal_buf_dispose(&png);
    }
    double narrow = arc_text_span("iiiiiiiiiiii"), wide = arc_text_span("MMMMMMMMMMMM");
    print_message("12 x i spans %.1f degrees, 12 x M %.1f\n", narrow, wide);
    assert_true(narrow < 0.5 * wide);
    /* A CJK name keeps its equal slots: the same count spans the same arc, whatever the strokes. */
    double one = arc_text_span("一一一一一一一一一一"), many = arc_text_span("赢赢赢赢赢赢赢赢赢赢");
    print_message("10 x 一 spans %.1f degrees, 10 x 赢 %.1f\n", one, many);
    assert_true(fabs(one - many) < 12);
    /* Still refused when it cannot fit: one long word of 40 capitals. */
    eseal_imprint_spec s;
    assert_int_equal(eseal_imprint_template(&s, "other", "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", NULL), ESEAL_OK);
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
}

static void missing_glyph_names_the_code_point(void **state)
{
    (void)state;
    eseal_imprint_spec s = round_spec("北京示例\xF0\x9F\x98\x80科技有限公司"); /* U+1F600 */
    assert_int_equal(path_code(&s), ESEAL_EUNSUPPORTED);
    assert_non_null(strstr(eseal_error_last()->message, "U+1F600"));
    assert_non_null(strstr(eseal_error_last()->message, "arc_text character 5"));
    eseal_buf b = ESEAL_BUF_INIT;
    assert_int_equal(eseal_imprint_render(&b, &s, ESEAL_IMPRINT_PNG, 150), ESEAL_EUNSUPPORTED);
    assert_null(b.ptr);
    s = round_spec("北京示例科技有限公司");
    s.center_text = "\xE2\x98\x83"; /* U+2603 snowman: not in UMing */
    assert_int_equal(path_code(&s), ESEAL_EUNSUPPORTED);
    assert_non_null(strstr(eseal_error_last()->message, "U+2603"));
}

/* Brackets take half a slot on the arc, spaces too; both render. */
static void brackets_and_spaces(void **state)
{
    (void)state;
    const char *names[] = {"某某（北京）网络科技有限公司", "北京示例(中国)科技有限公司", "ABC 示例公司"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        eseal_imprint_spec s = round_spec(names[i]);
        eseal_imprint_outline *a = NULL, *b = NULL;
        assert_int_equal(eseal_imprint_path(&a, &s), ESEAL_OK);
        /* The same name without its brackets and spaces draws fewer outlines. */
        s.arc_text = "北京示例公司";
        assert_int_equal(eseal_imprint_path(&b, &s), ESEAL_OK);
        assert_true(eseal_imprint_outline_count(a) != eseal_imprint_outline_count(b));
        eseal_imprint_outline_free(a);
        eseal_imprint_outline_free(b);
    }
}

static void bad_utf8_is_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "\xC3\x28",         /* bad continuation */
        "\xC0\xAF",         /* overlong '/' */
        "\xE0\x80\xAF",     /* overlong */
        "\xED\xA0\x80",     /* surrogate U+D800 */
        "\xF4\x90\x80\x80", /* > U+10FFFF */
        "\xE5\x8C",         /* truncated */
        "\xFF",
        "北京\x01公司", /* control character */
        "北京\xC2\x85公司", /* C1 control */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        eseal_imprint_spec s = round_spec(bad[i]);
        assert_int_equal(path_code(&s), ESEAL_EINVAL);
        assert_non_null(strstr(eseal_error_last()->message, "arc_text"));
    }
    char longer[300];
    memset(longer, 'A', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    eseal_imprint_spec s = round_spec(longer);
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    s = round_spec("一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一"); /* 41 */
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "more than 40 characters"));
}

static void absurd_sizes_are_refused(void **state)
{
    (void)state;
    eseal_imprint_spec s = round_spec("北京示例科技有限公司");
    double widths[] = {0, 5, 9.99, 100.01, 1000, -42, NAN, INFINITY};
    for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
        s.width_mm = widths[i];
        assert_int_equal(path_code(&s), ESEAL_EINVAL);
        assert_non_null(strstr(eseal_error_last()->message, "width_mm"));
    }
    s = round_spec("北京示例科技有限公司");
    s.height_mm = 30; /* a round seal with another height */
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    s = round_spec("北京示例科技有限公司");
    s.border_mm = 10;
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    s = round_spec("北京示例科技有限公司");
    s.star_mm = 40;
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    s = round_spec("北京示例科技有限公司");
    s.arc_sweep_deg = 359;
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    s = round_spec("北京示例科技有限公司");
    s.color = 0x2000000; /* bit 24 is ESEAL_IMPRINT_COLOR_EXACT; nothing above it */
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    s = round_spec("北京示例科技有限公司");
    s.version = 99;
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    s = round_spec("北京示例科技有限公司");
    s.shape = (eseal_imprint_shape)17;
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    /* Oval: height required, wider than high. */
    s = round_spec("北京示例科技有限公司");
    s.shape = ESEAL_IMPRINT_OVAL;
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    s.width_mm = 30;
    s.height_mm = 40;
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    /* Texts a shape does not use. */
    s = round_spec("北京示例科技有限公司");
    s.person_text = "张三";
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    s = round_spec(NULL);
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    /* dpi and pixel limits */
    s = round_spec("北京示例科技有限公司");
    eseal_buf b = ESEAL_BUF_INIT;
    assert_int_equal(eseal_imprint_render(&b, &s, ESEAL_IMPRINT_PNG, 10), ESEAL_EINVAL);
    assert_int_equal(eseal_imprint_render(&b, &s, ESEAL_IMPRINT_PNG, 5000), ESEAL_EINVAL);
    s.width_mm = 100;
    assert_int_equal(eseal_imprint_render(&b, &s, ESEAL_IMPRINT_PNG, 2400), ESEAL_ELIMIT);
    assert_non_null(strstr(eseal_error_last()->message, "8192 px"));
    assert_int_equal(eseal_imprint_render(&b, &s, (eseal_imprint_format)9, 0), ESEAL_EINVAL);
    assert_int_equal(eseal_imprint_render(&b, NULL, ESEAL_IMPRINT_PNG, 0), ESEAL_EINVAL);
    assert_int_equal(eseal_imprint_render(NULL, &s, ESEAL_IMPRINT_PNG, 0), ESEAL_EINVAL);
    assert_null(b.ptr);
    /* Too many characters for the arc. */
    s = round_spec("一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十");
    s.arc_sweep_deg = 90;
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "does not fit"));
}

static void person_seals(void **state)
{
    (void)state;
    eseal_imprint_spec s;
    assert_int_equal(eseal_imprint_template(&s, "legal-rep", "张三", NULL), ESEAL_OK); /* 张三之印 */
    assert_int_equal(path_code(&s), ESEAL_OK);
    assert_int_equal(eseal_imprint_template(&s, "legal-rep", "欧阳志远", NULL), ESEAL_OK);
    assert_int_equal(path_code(&s), ESEAL_OK);
    assert_int_equal(eseal_imprint_template(&s, "legal-rep", "欧阳志远明", NULL), ESEAL_OK);
    assert_int_equal(path_code(&s), ESEAL_EINVAL); /* five characters */
    assert_int_equal(eseal_imprint_template(&s, "personal", "张", NULL), ESEAL_OK);
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    assert_int_equal(eseal_imprint_template(&s, "signature", "张三丰", NULL), ESEAL_OK);
    assert_true(s.shape == ESEAL_IMPRINT_RECT && s.height_mm == 10 && s.width_mm >= 20);
    assert_int_equal(path_code(&s), ESEAL_OK);
    s.arc_text = "x";
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    s.arc_text = NULL;
    s.star = 1;
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    assert_int_equal(eseal_imprint_template(&s, "signature", "一二三四五六七八九", NULL), ESEAL_EINVAL);
}

static void templates_refuse_bad_arguments(void **state)
{
    (void)state;
    eseal_imprint_spec s;
    assert_int_equal(eseal_imprint_template(&s, "royal", "北京示例科技有限公司", NULL), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "unknown seal type 'royal'"));
    assert_int_equal(eseal_imprint_template(&s, "invoice", "北京示例科技有限公司", NULL), ESEAL_EINVAL);
    assert_int_equal(eseal_imprint_template(&s, "invoice", "北京示例科技有限公司", "91110000-MA01"), ESEAL_EINVAL);
    assert_int_equal(eseal_imprint_template(&s, "personal", "张三", "x"), ESEAL_EINVAL);
    assert_int_equal(eseal_imprint_template(&s, "official", "", NULL), ESEAL_EINVAL);
    assert_int_equal(eseal_imprint_template(&s, NULL, "北京", NULL), ESEAL_EINVAL);
    assert_int_equal(eseal_imprint_template(NULL, "official", "北京", NULL), ESEAL_EINVAL);
    /* The documented geometry. */
    assert_int_equal(eseal_imprint_template(&s, "official", "北京示例科技有限公司", NULL), ESEAL_OK);
    assert_true(s.shape == ESEAL_IMPRINT_ROUND && s.width_mm == 42 && s.border_mm == 1.2 && s.star == 1 &&
                s.star_mm == 14);
    assert_int_equal(eseal_imprint_template(&s, "invoice", "北京示例科技有限公司", "91110000MA01ABCDEX"), ESEAL_OK);
    assert_true(s.shape == ESEAL_IMPRINT_OVAL && s.width_mm == 40 && s.height_mm == 30 && s.star == 0);
    assert_string_equal(s.bottom_text, "发票专用章");
    assert_int_equal(eseal_imprint_template(&s, "finance", "北京示例科技有限公司", NULL), ESEAL_OK);
    assert_true(s.width_mm == 38);
    assert_string_equal(s.center_text, "财务专用章");
}

static void fonts_are_files_not_lookups(void **state)
{
    (void)state;
    /* The default face 0 of uming.ttc is the simplified-Chinese one. */
    FT_Library lib;
    FT_Face face;
    assert_int_equal(FT_Init_FreeType(&lib), 0);
    assert_int_equal(FT_New_Face(lib, ESEAL_IMPRINT_DEFAULT_FONT, 0, &face), 0);
    assert_string_equal(face->family_name, "AR PL UMing CN");
    FT_Done_Face(face);
    FT_Done_FreeType(lib);

    eseal_imprint_spec s = round_spec("北京示例科技有限公司");
    s.font_path = "/nonexistent/font.ttf";
    assert_int_equal(path_code(&s), ESEAL_ENOTFOUND);
    assert_non_null(strstr(eseal_error_last()->message, "/nonexistent/font.ttf"));
    s.font_path = NULL;
    s.font_index = 9;
    assert_int_equal(path_code(&s), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "faces"));
    s.font_index = 0;
    s.latin_font_path = "/etc/hostname"; /* not a font */
    assert_int_equal(path_code(&s), ESEAL_EUNSUPPORTED);
}

static void allocation_failures_are_reported(void **state)
{
    (void)state;
    eseal_imprint_spec s;
    assert_int_equal(eseal_imprint_template(&s, "contract", "上海某某贸易有限公司", "1101080123456"), ESEAL_OK);
    int ok = 0;
    for (unsigned long n = 1; n < 400 && !ok; n++) {
        es_alloc_fail_after(n);
        eseal_imprint_outline *o = NULL;
        int rc = eseal_imprint_path(&o, &s);
        es_alloc_fail_after(0);
        if (rc == ESEAL_OK) {
            ok = 1;
        } else {
            assert_int_equal(rc, ESEAL_ENOMEM);
            assert_null(o);
        }
        eseal_imprint_outline_free(o);
    }
    assert_true(ok);
}

typedef struct {
    eseal_buf out;
    int rc;
} job;

static void *render_job(void *arg)
{
    job *j = arg;
    eseal_imprint_spec s;
    j->rc = eseal_imprint_template(&s, "contract", "上海某某贸易有限公司", "1101080123456");
    if (j->rc == ESEAL_OK) {
        j->rc = eseal_imprint_render(&j->out, &s, ESEAL_IMPRINT_PNG, 150);
    }
    return NULL;
}

static void renders_are_deterministic_across_threads(void **state)
{
    (void)state;
    job jobs[4];
    pthread_t th[4];
    memset(jobs, 0, sizeof(jobs));
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, render_job, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].rc, ESEAL_OK);
    }
    for (int i = 1; i < 4; i++) {
        assert_int_equal(jobs[i].out.size, jobs[0].out.size);
        assert_memory_equal(jobs[i].out.ptr, jobs[0].out.ptr, jobs[0].out.size);
    }
    for (int i = 0; i < 4; i++) {
        eseal_buf_dispose(&jobs[i].out);
    }
}

/* ---- PNG import -------------------------------------------------------------------- */

static void render_official(eseal_buf *png, unsigned dpi)
{
    eseal_imprint_spec s;
    assert_int_equal(eseal_imprint_template(&s, "official", "北京示例科技有限公司", NULL), ESEAL_OK);
    assert_int_equal(render(png, &s, ESEAL_IMPRINT_PNG, dpi), ESEAL_OK);
}

static cairo_status_t write_mem(void *closure, const unsigned char *data, unsigned int len)
{
    eseal_buf *b = closure;
    uint8_t *p = realloc(b->ptr, b->size + len); /* test code: plain libc */
    if (p == NULL) {
        return CAIRO_STATUS_NO_MEMORY;
    }
    memcpy(p + b->size, data, len);
    b->ptr = p;
    b->size += len;
    return CAIRO_STATUS_SUCCESS;
}

/* A w x h image of `format`, painted with `bg` (ARGB, non-premultiplied alpha in the top byte) and a red disc. */
static void make_png(eseal_buf *out, cairo_format_t format, int w, int h, double bg_alpha, bool disc)
{
    cairo_surface_t *s = cairo_image_surface_create(format, w, h);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgba(cr, 1, 1, 1, bg_alpha);
    cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
    cairo_paint(cr);
    if (disc) {
        cairo_set_source_rgb(cr, 0.9, 0, 0.07);
        cairo_arc(cr, w / 2.0, h / 2.0, w / 3.0, 0, 2 * M_PI);
        cairo_fill(cr);
    }
    cairo_destroy(cr);
    out->ptr = NULL;
    out->size = 0;
    assert_int_equal(cairo_surface_write_to_png_stream(s, write_mem, out), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
}

static void free_png(eseal_buf *b)
{
    free(b->ptr); /* allocated by write_mem */
    b->ptr = NULL;
    b->size = 0;
}

static int check(const void *p, size_t n)
{
    unsigned w = 0, h = 0;
    return eseal_imprint_png_check(&w, &h, p, n);
}

static void png_check_accepts_transparent_seals(void **state)
{
    (void)state;
    eseal_buf png = ESEAL_BUF_INIT;
    render_official(&png, 150);
    unsigned w = 0, h = 0;
    assert_int_equal(eseal_imprint_png_check(&w, &h, png.ptr, png.size), ESEAL_OK);
    assert_int_equal(w, 248);
    assert_int_equal(h, 248);
    assert_int_equal(eseal_imprint_png_check(NULL, NULL, png.ptr, png.size), ESEAL_OK);
    eseal_buf_dispose(&png);
    eseal_buf disc;
    make_png(&disc, CAIRO_FORMAT_ARGB32, 200, 120, 0.0, true);
    assert_int_equal(eseal_imprint_png_check(&w, &h, disc.ptr, disc.size), ESEAL_OK);
    assert_int_equal(w, 200);
    assert_int_equal(h, 120);
    free_png(&disc);
}

static void png_check_refuses_unusable_images(void **state)
{
    (void)state;
    eseal_buf p;
    /* Opaque RGB: no alpha channel at all. */
    make_png(&p, CAIRO_FORMAT_RGB24, 200, 200, 1.0, true);
    assert_int_equal(check(p.ptr, p.size), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "no alpha channel"));
    free_png(&p);
    /* An alpha channel, but the paper is still there (a fully opaque ARGB image is written as RGB). */
    make_png(&p, CAIRO_FORMAT_ARGB32, 200, 200, 0.9, true);
    assert_memory_equal(p.ptr + 25, "\x06", 1); /* colour type RGBA */
    assert_int_equal(check(p.ptr, p.size), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "only 0.0% of the pixels are transparent"));
    free_png(&p);
    /* Transparent and empty. */
    make_png(&p, CAIRO_FORMAT_ARGB32, 200, 200, 0.0, false);
    assert_int_equal(check(p.ptr, p.size), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "no ink"));
    free_png(&p);
    /* Too small. */
    make_png(&p, CAIRO_FORMAT_ARGB32, 63, 200, 0.0, true);
    assert_int_equal(check(p.ptr, p.size), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "too small"));
    free_png(&p);
}

static void png_check_refuses_broken_files(void **state)
{
    (void)state;
    eseal_buf png = ESEAL_BUF_INIT;
    render_official(&png, 150);
    /* Not a PNG, empty, signature only. */
    assert_int_equal(check("GIF89a......", 12), ESEAL_EMALFORMED);
    assert_non_null(strstr(eseal_error_last()->message, "not a PNG"));
    assert_int_equal(check("", 0), ESEAL_EMALFORMED);
    assert_int_equal(check(png.ptr, 8), ESEAL_EMALFORMED);
    assert_non_null(strstr(eseal_error_last()->message, "truncated"));
    assert_int_equal(check(NULL, 10), ESEAL_EINVAL);
    /* Truncated in the image data, and just before IEND. */
    assert_int_equal(check(png.ptr, png.size / 2), ESEAL_EMALFORMED);
    assert_non_null(strstr(eseal_error_last()->message, "corrupt or truncated"));
    assert_int_equal(check(png.ptr, png.size - 12), ESEAL_EMALFORMED);
    /* A flipped bit in the image data (CRC). */
    uint8_t *copy = malloc(png.size);
    assert_non_null(copy);
    memcpy(copy, png.ptr, png.size);
    copy[png.size / 2] ^= 0x10;
    assert_int_equal(check(copy, png.size), ESEAL_EMALFORMED);
    /* Dimensions from the header, refused before decoding: 9000 px wide, CRC made valid. */
    memcpy(copy, png.ptr, png.size);
    copy[16] = 0;
    copy[17] = 0;
    copy[18] = 0x23;
    copy[19] = 0x28; /* 9000 */
    uint32_t crc = (uint32_t)crc32(0L, copy + 12, 17);
    copy[29] = (uint8_t)(crc >> 24);
    copy[30] = (uint8_t)(crc >> 16);
    copy[31] = (uint8_t)(crc >> 8);
    copy[32] = (uint8_t)crc;
    assert_int_equal(check(copy, png.size), ESEAL_ELIMIT);
    assert_non_null(strstr(eseal_error_last()->message, "9000x248"));
    /* Header with a bad CRC. */
    copy[32] ^= 1;
    assert_int_equal(check(copy, png.size), ESEAL_EMALFORMED);
    assert_non_null(strstr(eseal_error_last()->message, "checksum"));
    free(copy);
    /* Data after IEND. */
    uint8_t *tail = malloc(png.size + 5);
    assert_non_null(tail);
    memcpy(tail, png.ptr, png.size);
    memcpy(tail + png.size, "extra", 5);
    assert_int_equal(check(tail, png.size + 5), ESEAL_EMALFORMED);
    assert_non_null(strstr(eseal_error_last()->message, "5 bytes after the end of the image"));
    free(tail);
    /* Over 16 MiB: refused by size alone. */
    size_t big = ESEAL_IMPRINT_PNG_MAX_BYTES + 1;
    uint8_t *huge = calloc(1, big);
    assert_non_null(huge);
    memcpy(huge, png.ptr, png.size);
    assert_int_equal(check(huge, big), ESEAL_ELIMIT);
    free(huge);
    eseal_buf_dispose(&png);
}

/* Palette + tRNS and Adam7 interlacing, written with libpng. */
static void write_png_mem(png_structp png, png_bytep data, size_t len)
{
    eseal_buf *b = png_get_io_ptr(png);
    uint8_t *p = realloc(b->ptr, b->size + len);
    if (p == NULL) {
        png_error(png, "oom");
    }
    memcpy(p + b->size, data, len);
    b->ptr = p;
    b->size += len;
}

static void flush_png_mem(png_structp png) { (void)png; }

static void make_palette_png(eseal_buf *out, int w, int h, bool interlace)
{
    out->ptr = NULL;
    out->size = 0;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_non_null(png);
    assert_non_null(info);
    png_set_write_fn(png, out, write_png_mem, flush_png_mem);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_PALETTE,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_color pal[2] = {{255, 255, 255}, {230, 0, 18}};
    png_byte trns[1] = {0}; /* index 0 transparent */
    png_set_PLTE(png, info, pal, 2);
    png_set_tRNS(png, info, trns, 1, NULL);
    png_write_info(png, info);
    int passes = png_set_interlace_handling(png);
    uint8_t *row = malloc((size_t)w);
    assert_non_null(row);
    for (int pass = 0; pass < passes; pass++) {
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double dx = x - w / 2.0, dy = y - h / 2.0;
                row[x] = (dx * dx + dy * dy < (w / 3.0) * (w / 3.0)) ? 1 : 0;
            }
            png_write_row(png, row);
        }
    }
    free(row);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
}

static void png_check_reads_palettes_and_interlacing(void **state)
{
    (void)state;
    for (int il = 0; il < 2; il++) {
        eseal_buf p;
        make_palette_png(&p, 101, 77, il == 1);
        unsigned w = 0, h = 0;
        int rc = eseal_imprint_png_check(&w, &h, p.ptr, p.size);
        if (rc != ESEAL_OK) {
            print_error("interlace %d: %s\n", il, eseal_error_last()->message);
        }
        assert_int_equal(rc, ESEAL_OK);
        assert_int_equal(w, 101);
        assert_int_equal(h, 77);
        /* Truncated interlaced data is still caught. */
        assert_int_equal(check(p.ptr, p.size - 20), ESEAL_EMALFORMED);
        free_png(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(templates_match_goldens),
        cmocka_unit_test(golden_comparison_sees_moved_text),
        cmocka_unit_test(png_is_transparent_with_red_ink),
        cmocka_unit_test(png_size_follows_mm_and_dpi),
        cmocka_unit_test(png_is_indexed_small_and_faithful),
        cmocka_unit_test(latin_names_are_set_proportionally),
        cmocka_unit_test(svg_has_paths_only_and_mm_size),
        cmocka_unit_test(pdf_is_one_page_of_seal_size_without_fonts),
        cmocka_unit_test(outline_lies_within_the_seal),
        cmocka_unit_test(missing_glyph_names_the_code_point),
        cmocka_unit_test(brackets_and_spaces),
        cmocka_unit_test(bad_utf8_is_refused),
        cmocka_unit_test(absurd_sizes_are_refused),
        cmocka_unit_test(person_seals),
        cmocka_unit_test(templates_refuse_bad_arguments),
        cmocka_unit_test(fonts_are_files_not_lookups),
        cmocka_unit_test(other_fonts_change_the_outlines),
        cmocka_unit_test(allocation_failures_are_reported),
        cmocka_unit_test(renders_are_deterministic_across_threads),
        cmocka_unit_test(png_check_accepts_transparent_seals),
        cmocka_unit_test(png_check_refuses_unusable_images),
        cmocka_unit_test(png_check_refuses_broken_files),
        cmocka_unit_test(png_check_reads_palettes_and_interlacing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
