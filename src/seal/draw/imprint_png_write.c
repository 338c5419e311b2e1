/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The indexed PNG the renderer writes (es_imprint_png_indexed), in the drawing module; the
 * checks of scanned PNGs are in the library (../imprint_png.c).
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <png.h>

#include "imprint_int.h"

static void on_warning(png_structp png, png_const_charp msg)
{
    /* The library never prints. */
    (void)png;
    (void)msg;
}

/* ---- writing: a one-ink rendering as an indexed PNG ------------------------------- */

/*
 * A rendered imprint is one ink with anti-aliased edges: every pixel is the ink at some alpha.
 * As 8-bit RGBA (what cairo writes) a 40 mm seal at 600 dpi took 55-66 KB here (~110 KB with
 * the 42 mm official seal's text), and it is embedded in every stamped file. Written instead as
 * a palette (PNG 1.2 §4.1.2 PLTE, §4.2.1.1 tRNS) whose entries are all the ink, each at one of
 * L evenly spaced alphas: 8, or 4 when 8 do not fit the budget below. cairo's 256 edge levels
 * cost the bytes, and at 600 dpi (42 µm pixels) 8 levels are not visibly different. Measured
 * on the templates (no filter was smallest): 40 mm contract seal, 4 bits per pixel, 16 levels
 * 35 KB, 8 levels 29 KB, 4 levels (2 bits) 23 KB; deflate level 9 (29 KB) against 8 (30 KB) and
 * 6 (35 KB). Level 9 costs ~0.5 s for 945x945 px on a loaded machine: so 16 levels, which
 * rarely fit, are not tried (a second encoding doubled the time of making a seal).
 */
#define PNG_BUDGET_BYTES (30u * 1024) /* per PNG_BUDGET_PX of width or height */
#define PNG_BUDGET_PX 945u            /* 40 mm at 600 dpi: ink edges grow with the perimeter */

typedef struct {
    es_buf *out;
    bool failed;
    char msg[160];
} png_sink;

static void on_write_error(png_structp png, png_const_charp msg)
{
    png_sink *k = png_get_error_ptr(png);
    (void)snprintf(k->msg, sizeof(k->msg), "%s", msg);
    png_longjmp(png, 1);
}

static void on_write(png_structp png, png_bytep data, size_t len)
{
    png_sink *k = png_get_io_ptr(png);
    if (!es_ok(es_buf_append(k->out, data, len))) {
        k->failed = true;
        png_error(png, "output limit");
    }
}

static void on_flush(png_structp png) { (void)png; }

/* Is the premultiplied pixel the ink at its alpha (pixman rounds within 1)? */
static bool is_ink(uint32_t px, uint32_t color)
{
    unsigned a = px >> 24;
    for (int k = 0; k < 24; k += 8) {
        int want = (int)((((color >> k) & 0xFF) * a + 127) / 255), got = (int)((px >> k) & 0xFF);
        if (got - want > 1 || want - got > 1) {
            return false;
        }
    }
    return true;
}

typedef struct {
    const uint8_t *data;
    int stride, w, h;
    uint32_t color;
} ink_image;

/* Returns 0 when written, 1 on a libpng error (k->msg). `row`: w bytes. */
static int encode(png_structp png, png_infop info, const ink_image *im, int levels, uint8_t *row)
{
    if (setjmp(png_jmpbuf(png)) != 0) {
        return 1;
    }
    png_color pal[16];
    png_byte trans[16];
    uint8_t index[256];
    for (int k = 0; k < levels; k++) {
        pal[k] = (png_color){(png_byte)(im->color >> 16), (png_byte)(im->color >> 8), (png_byte)im->color};
        trans[k] = (png_byte)((k * 255 + (levels - 1) / 2) / (levels - 1));
    }
    for (int a = 0; a < 256; a++) {
        index[a] = (uint8_t)((a * (levels - 1) + 127) / 255); /* the nearest level */
    }
    int depth = levels > 4 ? 4 : 2;
    png_set_IHDR(png, info, (png_uint_32)im->w, (png_uint_32)im->h, depth, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_PLTE(png, info, pal, levels);
    png_set_tRNS(png, info, trans, levels, NULL);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_set_compression_level(png, 9);
    png_write_info(png, info);
    png_set_packing(png); /* rows hold one index per byte */
    for (int y = 0; y < im->h; y++) {
        const uint8_t *src = im->data + (size_t)y * (size_t)im->stride;
        for (int x = 0; x < im->w; x++) {
            uint32_t px;
            memcpy(&px, src + 4 * (size_t)x, 4);
            row[x] = index[px >> 24];
        }
        png_write_row(png, row);
    }
    png_write_end(png, info);
    return 0;
}

static ES_RESULT write_levels(es_buf *out, const ink_image *im, int levels)
{
    png_sink k = {out, false, {0}};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &k, on_write_error, on_warning);
    ES_ENSURE(png != NULL, ESEAL_ENOMEM, "png: out of memory");
    png_infop info = png_create_info_struct(png);
    uint8_t *row = es_malloc((size_t)im->w);
    if (info == NULL || row == NULL) {
        es_free(row);
        png_destroy_write_struct(&png, &info);
        ES_BAIL(ESEAL_ENOMEM, "png: out of memory");
    }
    png_set_write_fn(png, &k, on_write, on_flush);
    int failed = encode(png, info, im, levels, row);
    es_free(row);
    png_destroy_write_struct(&png, &info);
    ES_ENSURE(!k.failed, ESEAL_ELIMIT, "imprint: PNG output exceeds %zu bytes", out->max);
    ES_ENSURE(failed == 0, ESEAL_ERROR, "imprint: PNG: %s", k.msg);
    return ES_OK;
}

ES_RESULT es_imprint_png_indexed(es_buf *out, cairo_surface_t *surf, uint32_t color)
{
    ES_ENSURE(cairo_image_surface_get_format(surf) == CAIRO_FORMAT_ARGB32, ESEAL_ERROR,
              "imprint: internal: the rendering is not ARGB32");
    cairo_surface_flush(surf);
    ink_image im = {cairo_image_surface_get_data(surf), cairo_image_surface_get_stride(surf),
                    cairo_image_surface_get_width(surf), cairo_image_surface_get_height(surf), color};
    ES_ENSURE(im.data != NULL && im.w > 0 && im.h > 0, ESEAL_ERROR, "imprint: internal: empty rendering");
    for (int y = 0; y < im.h; y++) {
        const uint8_t *src = im.data + (size_t)y * (size_t)im.stride;
        for (int x = 0; x < im.w; x++) {
            uint32_t px;
            memcpy(&px, src + 4 * (size_t)x, 4);
            ES_ENSURE(is_ink(px, color), ESEAL_ERROR, "imprint: internal: pixel %d,%d is not the ink 0x%06X", x, y,
                      (unsigned)color);
        }
    }
    size_t side = (size_t)(im.w > im.h ? im.w : im.h);
    size_t budget = (size_t)PNG_BUDGET_BYTES * side / PNG_BUDGET_PX;
    size_t start = out->len;
    static const int try_levels[] = {8, 4};
    for (size_t i = 0;; i++) {
        out->len = start;
        ES_GUARD(write_levels(out, &im, try_levels[i]));
        if (out->len - start <= budget || i + 1 == sizeof(try_levels) / sizeof(try_levels[0])) {
            return ES_OK;
        }
    }
}
