/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stored imprint outline's codec (format and limits: seal/outline.h). Read by every stamp of
 * a seal made since issue 18, from the registry, which is trusted less than memory: every length
 * is checked against the input before anything is read or allocated, the SHA-256 before any
 * value is looked at, then every value. Fuzzed by fuzz/imprint_outline_fuzzer.c.
 */
#include <math.h>
#include <string.h>

#include "crypto/crypto.h"
#include "outline.h"

static const uint8_t MAGIC[4] = {'E', 'O', 'U', 'T'};

/* Points an operation takes (eseal_imprint_op); -1 for a byte that is no operation. */
static int op_points(uint8_t op)
{
    switch (op) {
    case ESEAL_IMPRINT_MOVE:
    case ESEAL_IMPRINT_LINE:
        return 1;
    case ESEAL_IMPRINT_CURVE:
        return 3;
    case ESEAL_IMPRINT_CLOSE:
        return 0;
    default:
        return -1;
    }
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_f64(uint8_t *p, double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof(v));
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static double get_f64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    double d;
    memcpy(&d, &v, sizeof(d));
    return d;
}

static bool size_ok(double mm) { return isfinite(mm) && mm >= ES_IMPRINT_SIZE_MIN_MM && mm <= ES_OUTLINE_MAX_MM; }

/* A point inside the box widened by its own size on every side (glyphs may overhang a little; a
 * point far outside is damage, and would put the appearance off its widget). */
static bool point_ok(double x, double y, double w, double h)
{
    return isfinite(x) && isfinite(y) && x >= -w && x <= 2 * w && y >= -h && y <= 2 * h;
}

ES_RESULT es_outline_encode(es_buf *out, const eseal_imprint_outline *o)
{
    ES_ENSURE(o != NULL, ESEAL_EINVAL, "imprint outline: none to encode");
    size_t count = eseal_imprint_outline_count(o);
    ES_ENSURE(count >= 1 && count <= ES_OUTLINE_MAX_OPS, ESEAL_ELIMIT,
              "imprint outline: %zu operations (1 to %zu are stored)", count, ES_OUTLINE_MAX_OPS);
    double w = 0, h = 0;
    eseal_imprint_outline_size(o, &w, &h);
    uint32_t color = eseal_imprint_outline_color(o);
    ES_ENSURE(size_ok(w) && size_ok(h) && color <= 0xFFFFFFu, ESEAL_EINVAL,
              "imprint outline: size %g x %g mm or colour %#x out of bounds", w, h, (unsigned)color);
    size_t npts = 0;
    for (size_t i = 0; i < count; i++) {
        npts += (size_t)op_points(o->ops[i] <= ESEAL_IMPRINT_CLOSE ? o->ops[i] : ESEAL_IMPRINT_CLOSE);
    }
    size_t len = ES_OUTLINE_HEAD_LEN + count + 16 * npts;
    size_t start = out->len;
    ES_GUARD(es_buf_reserve(out, len + ES_OUTLINE_DIGEST_LEN));
    uint8_t *p = out->ptr + start;
    memcpy(p, MAGIC, 4);
    p[4] = ES_OUTLINE_VERSION;
    p[5] = 0;
    p[6] = 0;
    p[7] = 0;
    put_u32(p + 8, (uint32_t)count);
    put_u32(p + 12, (uint32_t)npts);
    put_f64(p + 16, w);
    put_f64(p + 24, h);
    put_u32(p + 32, color);
    uint8_t *ops = p + ES_OUTLINE_HEAD_LEN, *pts = ops + count;
    for (size_t i = 0; i < count; i++) {
        double v[6];
        eseal_imprint_op op = eseal_imprint_outline_op(o, i, v);
        ES_ENSURE(op_points((uint8_t)op) >= 0 && (i > 0 || op == ESEAL_IMPRINT_MOVE), ESEAL_EINVAL,
                  "imprint outline: operation %zu is %d", i, (int)op);
        ops[i] = (uint8_t)op;
        for (int k = 0; k < op_points((uint8_t)op); k++) {
            ES_ENSURE(point_ok(v[2 * k], v[2 * k + 1], w, h), ESEAL_EINVAL,
                      "imprint outline: point (%g, %g) of operation %zu is outside the %g x %g mm box", v[2 * k],
                      v[2 * k + 1], i, w, h);
            put_f64(pts, v[2 * k]);
            put_f64(pts + 8, v[2 * k + 1]);
            pts += 16;
        }
    }
    uint8_t dg[64];
    size_t n = 0;
    ES_GUARD(es_digest(dg, &n, ESEAL_HASH_SHA256, es_span_of(p, len)));
    memcpy(p + len, dg, ES_OUTLINE_DIGEST_LEN);
    out->len = start + len + ES_OUTLINE_DIGEST_LEN;
    out->ptr[out->len] = 0; /* es_buf keeps a NUL after its bytes */
    return ES_OK;
}

ES_RESULT es_outline_decode(eseal_imprint_outline **out, es_span in)
{
    ES_ENSURE(out != NULL, ESEAL_EINVAL, "imprint outline: no place for the result");
    *out = NULL;
    const uint8_t *p = in.ptr;
    ES_ENSURE(in.len >= ES_OUTLINE_HEAD_LEN + 1 + 16 + ES_OUTLINE_DIGEST_LEN && in.len <= ES_OUTLINE_MAX_BYTES,
              ESEAL_EMALFORMED, "imprint outline: %zu bytes (an outline has %d to %zu)", in.len,
              ES_OUTLINE_HEAD_LEN + 1 + 16 + ES_OUTLINE_DIGEST_LEN, (size_t)ES_OUTLINE_MAX_BYTES);
    ES_ENSURE(memcmp(p, MAGIC, 4) == 0, ESEAL_EMALFORMED, "imprint outline: not an outline (no EOUT magic)");
    ES_ENSURE(p[4] == ES_OUTLINE_VERSION, ESEAL_EMALFORMED,
              "imprint outline: version %u (this eseal reads version %d)", p[4], ES_OUTLINE_VERSION);
    ES_ENSURE(p[5] == 0 && p[6] == 0 && p[7] == 0, ESEAL_EMALFORMED, "imprint outline: unknown flags");
    size_t count = get_u32(p + 8), npts = get_u32(p + 12);
    ES_ENSURE(count >= 1 && count <= ES_OUTLINE_MAX_OPS && npts <= ES_OUTLINE_MAX_PTS, ESEAL_EMALFORMED,
              "imprint outline: %zu operations and %zu points (at most %zu and %zu)", count, npts,
              ES_OUTLINE_MAX_OPS, (size_t)ES_OUTLINE_MAX_PTS);
    /* Bounded above, so no overflow: at most ~3.2 MiB. */
    size_t len = ES_OUTLINE_HEAD_LEN + count + 16 * npts;
    ES_ENSURE(in.len == len + ES_OUTLINE_DIGEST_LEN, ESEAL_EMALFORMED,
              "imprint outline: %zu bytes where %zu operations and %zu points take %zu", in.len, count, npts,
              len + ES_OUTLINE_DIGEST_LEN);
    uint8_t dg[64];
    size_t n = 0;
    ES_GUARD(es_digest(dg, &n, ESEAL_HASH_SHA256, es_span_of(p, len)));
    ES_ENSURE(memcmp(dg, p + len, ES_OUTLINE_DIGEST_LEN) == 0, ESEAL_EMALFORMED,
              "imprint outline: its SHA-256 does not match its bytes (damaged)");
    double w = get_f64(p + 16), h = get_f64(p + 24);
    uint32_t color = get_u32(p + 32);
    ES_ENSURE(size_ok(w) && size_ok(h), ESEAL_EMALFORMED, "imprint outline: size %g x %g mm out of bounds", w, h);
    ES_ENSURE(color <= 0xFFFFFFu, ESEAL_EMALFORMED, "imprint outline: colour %#x is not 0xRRGGBB", (unsigned)color);
    const uint8_t *ops = p + ES_OUTLINE_HEAD_LEN;
    size_t want = 0;
    for (size_t i = 0; i < count; i++) {
        int k = op_points(ops[i]);
        ES_ENSURE(k >= 0, ESEAL_EMALFORMED, "imprint outline: operation %zu is %u, not 0 to 3", i, ops[i]);
        ES_ENSURE(i > 0 || ops[i] == ESEAL_IMPRINT_MOVE, ESEAL_EMALFORMED,
                  "imprint outline: it does not start with a move");
        want += (size_t)k;
    }
    ES_ENSURE(want == npts, ESEAL_EMALFORMED, "imprint outline: its operations take %zu points, it has %zu", want,
              npts);
    eseal_imprint_outline *o = es_calloc(1, sizeof(*o));
    uint8_t *o_ops = es_malloc(count);
    uint32_t *first = es_calloc(count, sizeof(uint32_t));
    double *pts = es_calloc(npts > 0 ? 2 * npts : 1, sizeof(double));
    if (o == NULL || o_ops == NULL || first == NULL || pts == NULL) {
        es_free(o);
        es_free(o_ops);
        es_free(first);
        es_free(pts);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    memcpy(o_ops, ops, count);
    o->w = w;
    o->h = h;
    o->color = color;
    o->count = count;
    o->ops = o_ops;
    o->first = first;
    o->pts = pts;
    const uint8_t *q = ops + count;
    uint32_t k = 0;
    for (size_t i = 0; i < count; i++) {
        first[i] = k;
        k += (uint32_t)op_points(ops[i]);
    }
    for (size_t j = 0; j < npts; j++, q += 16) {
        pts[2 * j] = get_f64(q);
        pts[2 * j + 1] = get_f64(q + 8);
        if (!point_ok(pts[2 * j], pts[2 * j + 1], w, h)) {
            eseal_imprint_outline_free(o);
            ES_BAIL(ESEAL_EMALFORMED, "imprint outline: point %zu is not a finite value inside the %g x %g mm box", j,
                    w, h);
        }
    }
    *out = o;
    return ES_OK;
}

ES_RESULT es_outline_encode_text(es_buf *out, const eseal_imprint_outline *o)
{
    ES_AUTO(es_buf_freep) es_buf bin = ES_BUF_INIT(ES_OUTLINE_MAX_BYTES);
    ES_GUARD(es_outline_encode(&bin, o));
    return es_base64_encode(out, es_buf_span(&bin));
}

ES_RESULT es_outline_decode_text(eseal_imprint_outline **out, const char *text)
{
    ES_ENSURE(out != NULL && text != NULL, ESEAL_EINVAL, "imprint outline: no text or no place for the result");
    *out = NULL;
    size_t n = strnlen(text, ES_OUTLINE_TEXT_MAX + 1);
    ES_ENSURE(n <= ES_OUTLINE_TEXT_MAX, ESEAL_ELIMIT, "imprint outline: its text is longer than %zu characters",
              (size_t)ES_OUTLINE_TEXT_MAX);
    ES_AUTO(es_buf_freep) es_buf bin = ES_BUF_INIT(ES_OUTLINE_TEXT_MAX / 4 * 3);
    ES_GUARD(es_base64_decode(&bin, es_span_of(text, n)));
    return es_outline_decode(out, es_buf_span(&bin));
}
