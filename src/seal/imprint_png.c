/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checks of scanned seal imprints (PNG, untrusted input). The indexed PNG the renderer writes
 * is in the drawing module (draw/imprint_png_write.c); this file stays in the library, so that
 * `seal make --image` and the fuzz harness imprint_png need no module.
 *
 * Order matters: the input size and the pixel dimensions are checked from
 * the header (PNG 1.2 §5.2 signature, §11.2.2 IHDR) before libpng sees a
 * byte, so a 100000 x 100000 px header costs nothing. libpng then decodes row
 * by row into one row buffer, reading through a bounded cursor; Adam7 images
 * are read pass by pass (every pixel is in exactly one pass, so the counts
 * are exact without assembling the image).
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <png.h>
#include <zlib.h>

#include "eseal/imprint.h"
#include "util/util.h"

#define PNG_HEADER_BYTES 33 /* signature 8 + IHDR length 4, type 4, data 13, CRC 4 */
#define ALPHA_CLEAR 32      /* below: background */
#define ALPHA_INK 128       /* at or above: ink */

typedef struct {
    es_cur cur;
    png_structp png;
    png_infop info;
    uint8_t *row;
    bool has_alpha;
    uint64_t pixels, clear, ink;
    char msg[160];
    char tmp[160];
} png_ctx;

static void on_error(png_structp png, png_const_charp msg)
{
    png_ctx *c = png_get_error_ptr(png);
    (void)snprintf(c->msg, sizeof(c->msg), "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    /* The library never prints; a damaged ancillary chunk is dropped by libpng. */
    (void)png;
    (void)msg;
}

static void on_read(png_structp png, png_bytep data, size_t len)
{
    png_ctx *c = png_get_io_ptr(png);
    es_span s;
    if (es_cur_left(&c->cur) < len || !es_ok(es_cur_take(&c->cur, len, &s))) {
        (void)snprintf(c->tmp, sizeof(c->tmp), "file ends at byte %zu, %zu more bytes expected", c->cur.len,
                       len - es_cur_left(&c->cur));
        png_error(png, c->tmp);
    }
    memcpy(data, s.ptr, len);
}

static void count_row(png_ctx *c, size_t px)
{
    const uint8_t *a = c->row + 3; /* RGBA after the transformations below */
    for (size_t i = 0; i < px; i++, a += 4) {
        c->clear += *a < ALPHA_CLEAR;
        c->ink += *a >= ALPHA_INK;
    }
    c->pixels += px;
}

/* Returns 0 when decoded (or when there is no alpha to count), 1 on a libpng error (c->msg). */
static int decode(png_ctx *c)
{
    if (setjmp(png_jmpbuf(c->png)) != 0) {
        return 1;
    }
    png_read_info(c->png, c->info);
    png_uint_32 w = 0, h = 0;
    int depth = 0, type = 0, interlace = 0;
    png_get_IHDR(c->png, c->info, &w, &h, &depth, &type, &interlace, NULL, NULL);
    c->has_alpha = (type & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid(c->png, c->info, PNG_INFO_tRNS) != 0;
    if (!c->has_alpha) {
        return 0;
    }
    /* Any colour type and depth to 8-bit RGBA: palette and tRNS become alpha. */
    png_set_expand(c->png);
    png_set_strip_16(c->png);
    png_set_gray_to_rgb(c->png);
    png_read_update_info(c->png, c->info);
    if (png_get_channels(c->png, c->info) != 4 || png_get_bit_depth(c->png, c->info) != 8) {
        png_error(c->png, "unexpected pixel layout after expansion");
    }
    c->row = es_malloc((size_t)w * 4);
    if (c->row == NULL) {
        png_error(c->png, "out of memory");
    }
    if (interlace == PNG_INTERLACE_NONE) {
        for (png_uint_32 y = 0; y < h; y++) {
            png_read_row(c->png, c->row, NULL);
            count_row(c, w);
        }
    } else {
        /* No png_set_interlace_handling(): each pass comes as its own reduced image. */
        for (int pass = 0; pass < 7; pass++) {
            png_uint_32 cols = PNG_PASS_COLS(w, pass), rows = PNG_PASS_ROWS(h, pass);
            if (cols == 0 || rows == 0) {
                continue;
            }
            for (png_uint_32 y = 0; y < rows; y++) {
                png_read_row(c->png, c->row, NULL);
                count_row(c, cols);
            }
        }
    }
    png_read_end(c->png, NULL);
    return 0;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static ES_RESULT check_header(es_span in, uint32_t *w, uint32_t *h)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    ES_ENSURE(in.len > 0, ESEAL_EMALFORMED, "png: empty input");
    ES_ENSURE(in.len <= ESEAL_IMPRINT_PNG_MAX_BYTES, ESEAL_ELIMIT, "png: %zu bytes, over the %zu MiB limit", in.len,
              ESEAL_IMPRINT_PNG_MAX_BYTES >> 20);
    es_cur c = es_cur_of(in);
    es_span s;
    ES_ENSURE(in.len >= sizeof(sig) && es_ok(es_cur_take(&c, sizeof(sig), &s)) && memcmp(s.ptr, sig, sizeof(sig)) == 0,
              ESEAL_EMALFORMED, "png: not a PNG file (no PNG signature)");
    ES_ENSURE(in.len >= PNG_HEADER_BYTES, ESEAL_EMALFORMED, "png: truncated: %zu bytes, the PNG header needs %d",
              in.len, PNG_HEADER_BYTES);
    es_span len, chunk, crc;
    ES_GUARD(es_cur_take(&c, 4, &len));
    ES_GUARD(es_cur_take(&c, 17, &chunk)); /* type + 13 bytes of data */
    ES_GUARD(es_cur_take(&c, 4, &crc));
    ES_ENSURE(be32(len.ptr) == 13 && memcmp(chunk.ptr, "IHDR", 4) == 0, ESEAL_EMALFORMED,
              "png: the first chunk is not a 13-byte IHDR");
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    ES_ENSURE((uint32_t)crc32(0L, chunk.ptr, 17) == be32(crc.ptr), ESEAL_EMALFORMED,
              "png: IHDR checksum mismatch (corrupt file)");
#endif
    *w = be32(chunk.ptr + 4);
    *h = be32(chunk.ptr + 8);
    ES_ENSURE(*w > 0 && *h > 0 && *w <= 0x7FFFFFFFu && *h <= 0x7FFFFFFFu, ESEAL_EMALFORMED,
              "png: invalid dimensions %ux%u", (unsigned)*w, (unsigned)*h);
    ES_ENSURE(*w <= ESEAL_IMPRINT_PNG_MAX_PX && *h <= ESEAL_IMPRINT_PNG_MAX_PX, ESEAL_ELIMIT,
              "png: %ux%u px, over the %u px limit per side", (unsigned)*w, (unsigned)*h, ESEAL_IMPRINT_PNG_MAX_PX);
    ES_ENSURE(*w >= ESEAL_IMPRINT_PNG_MIN_PX && *h >= ESEAL_IMPRINT_PNG_MIN_PX, ESEAL_EINVAL,
              "png: %ux%u px is too small for a seal: at least %u px per side (scan at 300 dpi or more)",
              (unsigned)*w, (unsigned)*h, ESEAL_IMPRINT_PNG_MIN_PX);
    return ES_OK;
}

static ES_RESULT check(es_span in, uint32_t *w, uint32_t *h)
{
    ES_GUARD(check_header(in, w, h));
    png_ctx c;
    memset(&c, 0, sizeof(c));
    c.cur = es_cur_of(in);
    c.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &c, on_error, on_warning);
    ES_ENSURE(c.png != NULL, ESEAL_ENOMEM, "png: out of memory");
    c.info = png_create_info_struct(c.png);
    if (c.info == NULL) {
        png_destroy_read_struct(&c.png, NULL, NULL);
        ES_BAIL(ESEAL_ENOMEM, "png: out of memory");
    }
    png_set_read_fn(c.png, &c, on_read);
    png_set_user_limits(c.png, ESEAL_IMPRINT_PNG_MAX_PX, ESEAL_IMPRINT_PNG_MAX_PX);
    png_set_chunk_cache_max(c.png, 128);
    png_set_chunk_malloc_max(c.png, (png_alloc_size_t)1 << 20);
    png_set_keep_unknown_chunks(c.png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    /* Let a fuzzer past the checksums into the decoder (libFuzzer/OSS-Fuzz convention). */
    png_set_crc_action(c.png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
    (void)png_set_option(c.png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
    int failed = decode(&c);
    size_t at = c.cur.pos;
    es_free(c.row);
    png_destroy_read_struct(&c.png, &c.info, NULL);
    ES_ENSURE(failed == 0, ESEAL_EMALFORMED, "png: corrupt or truncated (at byte %zu): %s", at, c.msg);
    /* Nothing may hide behind IEND in what becomes the signed seal picture. */
    ES_ENSURE(!c.has_alpha || at == in.len, ESEAL_EMALFORMED, "png: %zu bytes after the end of the image (IEND)",
              in.len - at);
    ES_ENSURE(c.has_alpha, ESEAL_EINVAL, "png: no alpha channel: export the scan with a transparent background");
    ES_ENSURE(c.pixels == (uint64_t)*w * *h, ESEAL_EMALFORMED, "png: decoded %llu of %llu pixels",
              (unsigned long long)c.pixels, (unsigned long long)*w * *h);
    double clear = 100.0 * (double)c.clear / (double)c.pixels, ink = 100.0 * (double)c.ink / (double)c.pixels;
    ES_ENSURE(clear >= 10.0, ESEAL_EINVAL,
              "png: only %.1f%% of the pixels are transparent, at least 10%% must be: remove the paper background",
              clear);
    ES_ENSURE(ink >= 1.0, ESEAL_EINVAL, "png: no ink: only %.2f%% of the pixels are opaque, at least 1%% must be",
              ink);
    return ES_OK;
}

int eseal_imprint_png_check(unsigned int *w_px, unsigned int *h_px, const void *png, size_t len)
{
    if (png == NULL && len > 0) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument: png"));
    }
    uint32_t w = 0, h = 0;
    es_result r = check(es_span_of(png, len), &w, &h);
    if (!es_ok(r)) {
        return es_code(r);
    }
    if (w_px != NULL) {
        *w_px = w;
    }
    if (h_px != NULL) {
        *h_px = h;
    }
    return ESEAL_OK;
}
