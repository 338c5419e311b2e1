/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stored imprint outline's codec (src/seal/imprint_outline.c, format in seal/outline.h): what
 * it writes reads back bit for bit for every seal template; what it reads is refused, never half
 * read, when it is cut at any length, when any single byte is changed (the SHA-256), and, with the
 * digest made again over the change, for each value out of its bounds. The outlines are drawn by
 * the drawing module (ESEAL_MODULE_DIR, set by ctest).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "seal/outline.h"
#include "../test_outline.h"

static eseal_imprint_outline *draw(const char *type, const char *name, const char *extra)
{
    eseal_imprint_spec sp;
    assert_int_equal(eseal_imprint_template(&sp, type, name, extra), ESEAL_OK);
    eseal_imprint_outline *o = NULL;
    if (eseal_imprint_path(&o, &sp) != ESEAL_OK) {
        fail_msg("drawing %s: %s", type, eseal_error_last()->message);
    }
    return o;
}

static size_t points_of(const eseal_imprint_outline *o)
{
    size_t n = 0;
    for (size_t i = 0; i < eseal_imprint_outline_count(o); i++) {
        eseal_imprint_op op = eseal_imprint_outline_op(o, i, NULL);
        n += op == ESEAL_IMPRINT_CURVE ? 3 : op == ESEAL_IMPRINT_CLOSE ? 0 : 1;
    }
    return n;
}

static const char *const templates[][3] = {
    {"official", "某某市某某科技有限公司", NULL},
    {"contract", "某某市某某科技有限公司", NULL},
    {"finance", "某某市某某科技有限公司", NULL},
    {"invoice", "某某市某某科技有限公司", "91110108MA01ABCDE1"},
    {"legal-rep", "张三", NULL},
    {"personal", "张三", NULL},
    {"signature", "张三丰", NULL},
    {"other", "Startup Seal Ltd", "Shanghai"},
};

static void roundtrip_every_template(void **state)
{
    (void)state;
    for (size_t t = 0; t < sizeof(templates) / sizeof(templates[0]); t++) {
        eseal_imprint_outline *o = draw(templates[t][0], templates[t][1], templates[t][2]);
        es_buf b = ES_BUF_INIT(ES_OUTLINE_MAX_BYTES);
        assert_true(es_ok(es_outline_encode(&b, o)));
        size_t n = eseal_imprint_outline_count(o);
        assert_int_equal(b.len, ES_OUTLINE_HEAD_LEN + n + 16 * points_of(o) + ES_OUTLINE_DIGEST_LEN);
        eseal_imprint_outline *back = NULL;
        assert_true(es_ok(es_outline_decode(&back, es_buf_span(&b))));
        assert_same(o, back);
        eseal_imprint_outline_free(back);
        /* The text form. */
        es_buf t64 = ES_BUF_INIT(ES_OUTLINE_TEXT_MAX);
        assert_true(es_ok(es_outline_encode_text(&t64, o)));
        assert_int_equal(t64.len, (b.len + 2) / 3 * 4);
        back = NULL;
        assert_true(es_ok(es_outline_decode_text(&back, es_buf_cstr(&t64))));
        assert_same(o, back);
        print_message("%-9s %5zu operations %5zu points: %6zu bytes, %6zu as text\n", templates[t][0], n,
                      points_of(o), b.len, t64.len);
        eseal_imprint_outline_free(back);
        es_buf_free(&t64);
        es_buf_free(&b);
        eseal_imprint_outline_free(o);
    }
}

static es_buf encoded_personal(void)
{
    eseal_imprint_outline *o = draw("personal", "张三", NULL);
    es_buf b = ES_BUF_INIT(ES_OUTLINE_MAX_BYTES);
    assert_true(es_ok(es_outline_encode(&b, o)));
    eseal_imprint_outline_free(o);
    return b;
}

static void refused(es_span in, const char *words)
{
    eseal_imprint_outline *o = (eseal_imprint_outline *)(uintptr_t)1; /* must be reset to NULL */
    es_result r = es_outline_decode(&o, in);
    assert_int_equal(es_code(r), ESEAL_EMALFORMED);
    assert_null(o);
    if (words != NULL && strstr(eseal_error_last()->message, words) == NULL) {
        fail_msg("expected '%s' in: %s", words, eseal_error_last()->message);
    }
}

/* Cut at every length, and one byte too many: refused. */
static void every_cut_refused(void **state)
{
    (void)state;
    es_buf b = encoded_personal();
    for (size_t n = 0; n < b.len; n++) {
        refused(es_span_of(b.ptr, n), NULL);
    }
    assert_true(es_ok(es_buf_append_byte(&b, 0)));
    refused(es_buf_span(&b), "bytes where");
    es_buf_free(&b);
}

/* Any single byte changed: refused (a header field's check, or the SHA-256). */
static void every_byte_changed_refused(void **state)
{
    (void)state;
    es_buf b = encoded_personal();
    for (size_t i = 0; i < b.len; i++) {
        b.ptr[i] ^= 0x01;
        refused(es_buf_span(&b), NULL);
        b.ptr[i] ^= 0x01;
    }
    eseal_imprint_outline *o = NULL;
    assert_true(es_ok(es_outline_decode(&o, es_buf_span(&b))));
    eseal_imprint_outline_free(o);
    es_buf_free(&b);
}

/* The SHA-256 made again over the bytes before it (what a careless writer, not damage, would do). */
static void resign(es_buf *b)
{
    size_t len = b->len - ES_OUTLINE_DIGEST_LEN, n = 0;
    uint8_t dg[64];
    assert_true(es_ok(es_digest(dg, &n, ESEAL_HASH_SHA256, es_span_of(b->ptr, len))));
    memcpy(b->ptr + len, dg, ES_OUTLINE_DIGEST_LEN);
}

static void put_f64(uint8_t *p, double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof(v));
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

typedef void (*change_fn)(es_buf *b);
static void ch_version(es_buf *b) { b->ptr[4] = 2; }
static void ch_flags(es_buf *b) { b->ptr[5] = 1; }
static void ch_count0(es_buf *b) { put_u32(b->ptr + 8, 0); }
static void ch_count_big(es_buf *b) { put_u32(b->ptr + 8, (uint32_t)ES_OUTLINE_MAX_OPS + 1); }
static void ch_npts(es_buf *b) { put_u32(b->ptr + 12, 7); }
static void ch_width_nan(es_buf *b) { put_f64(b->ptr + 16, NAN); }
static void ch_width_small(es_buf *b) { put_f64(b->ptr + 16, 5.0); }
static void ch_height_big(es_buf *b) { put_f64(b->ptr + 24, 2000.0); }
static void ch_color(es_buf *b) { put_u32(b->ptr + 32, 0x1000000u); }
static void ch_op(es_buf *b) { b->ptr[ES_OUTLINE_HEAD_LEN + 1] = 4; }
static void ch_first_op(es_buf *b) { b->ptr[ES_OUTLINE_HEAD_LEN] = ESEAL_IMPRINT_LINE; }
static size_t pts_at(const es_buf *b) { return ES_OUTLINE_HEAD_LEN + (size_t)(b->ptr[8] | b->ptr[9] << 8); }
static void ch_point_inf(es_buf *b) { put_f64(b->ptr + pts_at(b) + 16, INFINITY); }
static void ch_point_far(es_buf *b) { put_f64(b->ptr + pts_at(b) + 8, 3 * 18.0 + 1); } /* the personal seal: 18 mm */

/* Each value out of its bounds, with a matching SHA-256: refused, saying what. */
static void values_checked(void **state)
{
    (void)state;
    const struct {
        change_fn fn;
        const char *words;
    } cases[] = {
        {ch_version, "version 2"},       {ch_flags, "unknown flags"},        {ch_count0, "0 operations"},
        {ch_count_big, "65537 operations"}, {ch_npts, "bytes where"},      {ch_width_nan, "out of bounds"},
        {ch_width_small, "out of bounds"}, {ch_height_big, "out of bounds"}, {ch_color, "not 0xRRGGBB"},
        {ch_op, "operation 1 is 4"},    {ch_first_op, "does not start with a move"},
        {ch_point_inf, "point 1 is not"}, {ch_point_far, "point 0 is not"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        es_buf b = encoded_personal();
        cases[i].fn(&b);
        resign(&b);
        refused(es_buf_span(&b), cases[i].words);
        es_buf_free(&b);
    }
    /* A point a little outside the box (a glyph's overhang) is an outline. */
    es_buf b = encoded_personal();
    put_f64(b.ptr + pts_at(&b), -0.5);
    resign(&b);
    eseal_imprint_outline *o = NULL;
    assert_true(es_ok(es_outline_decode(&o, es_buf_span(&b))));
    double p[6];
    assert_int_equal(eseal_imprint_outline_op(o, 0, p), ESEAL_IMPRINT_MOVE);
    assert_true(p[0] == -0.5);
    eseal_imprint_outline_free(o);
    es_buf_free(&b);
}

static void text_refused(void **state)
{
    (void)state;
    eseal_imprint_outline *o = NULL;
    assert_int_equal(es_code(es_outline_decode_text(&o, "")), ESEAL_EMALFORMED);
    assert_int_equal(es_code(es_outline_decode_text(&o, "RU9VVA")), ESEAL_EMALFORMED);   /* not padded */
    assert_int_equal(es_code(es_outline_decode_text(&o, "RU9V VA==")), ESEAL_EMALFORMED); /* a space */
    assert_int_equal(es_code(es_outline_decode_text(&o, "RU9VVAEA")), ESEAL_EMALFORMED); /* too short */
    assert_null(o);
    size_t n = ES_OUTLINE_TEXT_MAX + 4;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'A', n);
    big[n] = 0;
    assert_int_equal(es_code(es_outline_decode_text(&o, big)), ESEAL_ELIMIT);
    free(big);
    assert_null(o);
}

/* Out of memory while reading: ESEAL_ENOMEM, nothing returned (and nothing leaked, under ASan). */
static void decode_out_of_memory(void **state)
{
    (void)state;
    es_buf b = encoded_personal();
    for (unsigned long k = 1; k <= 4; k++) {
        eseal_imprint_outline *o = NULL;
        es_alloc_fail_after(k);
        es_result r = es_outline_decode(&o, es_buf_span(&b));
        es_alloc_fail_after(0);
        assert_int_equal(es_code(r), ESEAL_ENOMEM);
        assert_null(o);
    }
    es_buf_free(&b);
}

/* The encoder refuses what the decoder would refuse. */
static void encode_refuses(void **state)
{
    (void)state;
    eseal_imprint_outline *o = draw("personal", "张三", NULL);
    es_buf b = ES_BUF_INIT(ES_OUTLINE_MAX_BYTES);
    double keep = o->pts[2];
    o->pts[2] = NAN;
    assert_int_equal(es_code(es_outline_encode(&b, o)), ESEAL_EINVAL);
    o->pts[2] = keep;
    uint32_t c = o->color;
    o->color = 0x1000000u;
    assert_int_equal(es_code(es_outline_encode(&b, o)), ESEAL_EINVAL);
    o->color = c;
    size_t n = o->count;
    o->count = 0;
    assert_int_equal(es_code(es_outline_encode(&b, o)), ESEAL_ELIMIT);
    o->count = n;
    assert_int_equal(b.len, 0); /* nothing was appended by the refusals */
    assert_true(es_ok(es_outline_encode(&b, o)));
    es_buf_free(&b);
    eseal_imprint_outline_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roundtrip_every_template), cmocka_unit_test(every_cut_refused),
        cmocka_unit_test(every_byte_changed_refused), cmocka_unit_test(values_checked),
        cmocka_unit_test(text_refused),           cmocka_unit_test(decode_out_of_memory),
        cmocka_unit_test(encode_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
