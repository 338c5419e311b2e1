/* SPDX-License-Identifier: Apache-2.0 */
/* DER reader and writer for the seal structures (see der.h). */
#include "der.h"

#include <stdio.h>
#include <string.h>

static const char *tag_name(uint8_t tag)
{
    switch (tag) {
    case ES_DER_BOOLEAN: return "BOOLEAN";
    case ES_DER_INTEGER: return "INTEGER";
    case ES_DER_BIT_STRING: return "BIT STRING";
    case ES_DER_OCTET_STRING: return "OCTET STRING";
    case ES_DER_OID: return "OBJECT IDENTIFIER";
    case ES_DER_UTF8STRING: return "UTF8String";
    case ES_DER_PRINTABLESTRING: return "PrintableString";
    case ES_DER_IA5STRING: return "IA5String";
    case ES_DER_UTCTIME: return "UTCTime";
    case ES_DER_GENERALIZEDTIME: return "GeneralizedTime";
    case ES_DER_SEQUENCE: return "SEQUENCE";
    case ES_DER_SET: return "SET";
    case ES_DER_CTX0_CONS: return "[0] (constructed)";
    case ES_DER_CTX0_PRIM: return "[0] (primitive)";
    default: return "element";
    }
}

ES_RESULT es_der_next(es_cur *c, es_der *out)
{
    size_t start = c->pos;
    uint8_t tag, l0;
    ES_ENSURE(es_cur_left(c) >= 2, ESEAL_EMALFORMED, "der: truncated element at offset %zu", start);
    ES_GUARD(es_cur_u8(c, &tag));
    /* X.690 §8.1.2.4: tag numbers >= 31 use more octets; nothing here needs them. */
    ES_ENSURE((tag & 0x1f) != 0x1f, ESEAL_EMALFORMED, "der: high tag number at offset %zu is not supported",
              start);
    ES_GUARD(es_cur_u8(c, &l0));
    size_t len = 0;
    bool minimal = true;
    if (l0 < 0x80) {
        len = l0;
    } else {
        unsigned n = l0 & 0x7f;
        ES_ENSURE(n != 0, ESEAL_EMALFORMED,
                  "der: indefinite length at offset %zu (BER, not DER)", start);
        ES_ENSURE(n <= 4, ESEAL_EMALFORMED, "der: length of %u octets at offset %zu is too large", n, start);
        for (unsigned i = 0; i < n; i++) {
            uint8_t b;
            ES_GUARD(es_cur_u8(c, &b));
            if (i == 0 && b == 0) {
                minimal = false;
            }
            len = (len << 8) | b;
        }
        if (len < 0x80) {
            minimal = false;
        }
    }
    ES_ENSURE(len <= es_cur_left(c), ESEAL_EMALFORMED,
              "der: %s at offset %zu claims %zu bytes but only %zu remain", tag_name(tag), start, len,
              es_cur_left(c));
    out->tag = tag;
    out->off = start;
    out->val_off = c->pos;
    out->der_ok = minimal;
    ES_GUARD(es_cur_take(c, len, &out->val));
    out->tlv = es_span_of(c->base + start, c->pos - start);
    return ES_OK;
}

ES_RESULT es_der_expect(es_cur *c, uint8_t tag, es_der *out, const char *what)
{
    size_t at = c->pos;
    ES_ENSURE(!es_cur_eof(c), ESEAL_EMALFORMED, "der: %s missing at offset %zu (expected %s)", what, at,
              tag_name(tag));
    ES_GUARD(es_der_next(c, out));
    ES_ENSURE(out->tag == tag, ESEAL_EMALFORMED, "der: %s at offset %zu is a %s (0x%02x), expected %s", what, at,
              tag_name(out->tag), out->tag, tag_name(tag));
    return ES_OK;
}

bool es_der_peek(const es_cur *c, uint8_t tag) { return !es_cur_eof(c) && c->base[c->pos] == tag; }

es_cur es_der_inner(const es_cur *outer, const es_der *d)
{
    return (es_cur){outer->base, d->val_off + d->val.len, d->val_off};
}

ES_RESULT es_der_end(const es_cur *c, const char *what)
{
    ES_ENSURE(es_cur_eof(c), ESEAL_EMALFORMED, "der: %zu unexpected bytes at offset %zu in %s", es_cur_left(c),
              c->pos, what);
    return ES_OK;
}

ES_RESULT es_der_int64(const es_der *d, int64_t *out)
{
    ES_ENSURE(d->val.len >= 1 && d->val.len <= 8, ESEAL_EMALFORMED,
              "der: INTEGER at offset %zu has %zu bytes (1..8 supported)", d->off, d->val.len);
    uint64_t v = (d->val.ptr[0] & 0x80) ? UINT64_MAX : 0;
    for (size_t i = 0; i < d->val.len; i++) {
        v = (v << 8) | d->val.ptr[i];
    }
    *out = (int64_t)v;
    return ES_OK;
}

/* OID arcs are read and written up to 128 bits: the arc of a UUID under 2.25 (ITU-T X.667), where
 * eseal's own OIDs live (docs/seals.md), is a 128-bit number. GCC and Clang's unsigned __int128. */
typedef unsigned __int128 es_arc;
#define ES_ARC_MAX (~(es_arc)0)

/* An arc in decimal into out (40 bytes hold the largest); the length written. */
static size_t arc_text(char out[40], es_arc v)
{
    char tmp[40];
    size_t k = 0;
    do {
        tmp[k++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < k; i++) {
        out[i] = tmp[k - 1 - i];
    }
    out[k] = '\0';
    return k;
}

ES_RESULT es_der_oid_text(const es_der *d, char *out, size_t out_len)
{
    ES_ENSURE(out_len >= 128, ESEAL_EINVAL, "der: OID buffer too small");
    ES_ENSURE(d->val.len >= 1 && d->val.len <= 64, ESEAL_EMALFORMED,
              "der: OBJECT IDENTIFIER at offset %zu has a bad length %zu", d->off, d->val.len);
    size_t n = 0;
    es_arc arc = 0;
    bool first = true;
    for (size_t i = 0; i < d->val.len; i++) {
        uint8_t b = d->val.ptr[i];
        ES_ENSURE(!(arc == 0 && b == 0x80), ESEAL_EMALFORMED,
                  "der: OBJECT IDENTIFIER at offset %zu has a padded arc", d->off);
        ES_ENSURE(arc <= (ES_ARC_MAX >> 7), ESEAL_EMALFORMED,
                  "der: OBJECT IDENTIFIER arc at offset %zu is too large", d->off);
        arc = (arc << 7) | (b & 0x7f);
        if (b & 0x80) {
            ES_ENSURE(i + 1 < d->val.len, ESEAL_EMALFORMED,
                      "der: OBJECT IDENTIFIER at offset %zu ends inside an arc", d->off);
            continue;
        }
        char num[40];
        size_t w;
        if (first) {
            es_arc x = arc < 40 ? 0 : arc < 80 ? 1 : 2;
            char top[40];
            (void)arc_text(top, x);
            (void)arc_text(num, arc - 40 * x);
            ES_ENSURE(strlen(top) + 1 + strlen(num) < out_len - n, ESEAL_ELIMIT, "der: OBJECT IDENTIFIER is too long");
            w = (size_t)snprintf(out + n, out_len - n, "%s.%s", top, num);
            first = false;
        } else {
            w = arc_text(num, arc);
            ES_ENSURE(w + 1 < out_len - n, ESEAL_ELIMIT, "der: OBJECT IDENTIFIER is too long");
            w = (size_t)snprintf(out + n, out_len - n, ".%s", num);
        }
        n += w;
        arc = 0;
    }
    return ES_OK;
}

ES_RESULT es_der_bits(const es_der *d, es_span *out)
{
    ES_ENSURE(d->val.len >= 1, ESEAL_EMALFORMED, "der: empty BIT STRING at offset %zu", d->off);
    ES_ENSURE(d->val.ptr[0] == 0, ESEAL_EMALFORMED,
              "der: BIT STRING at offset %zu has %u unused bits (whole octets expected)", d->off, d->val.ptr[0]);
    *out = es_span_of(d->val.ptr + 1, d->val.len - 1);
    return ES_OK;
}

ES_RESULT es_der_time(const es_der *d, int64_t *out_ms)
{
    if (d->tag == ES_DER_GENERALIZEDTIME) {
        es_result r = es_time_parse_gentime(d->val, out_ms);
        ES_ENSURE(es_ok(r), ESEAL_EMALFORMED, "der: bad GeneralizedTime at offset %zu", d->off);
        return ES_OK;
    }
    ES_ENSURE(d->tag == ES_DER_UTCTIME, ESEAL_EMALFORMED, "der: %s at offset %zu is not a time", tag_name(d->tag),
              d->off);
    /* RFC 5280 §4.1.2.5.1: YYMMDDHHMMSSZ, YY >= 50 is 19YY. */
    ES_ENSURE(d->val.len == 13, ESEAL_EMALFORMED, "der: UTCTime at offset %zu is not YYMMDDHHMMSSZ", d->off);
    char g[16];
    bool old = d->val.ptr[0] >= '5';
    memcpy(g, old ? "19" : "20", 2);
    memcpy(g + 2, d->val.ptr, 13);
    es_result r = es_time_parse_gentime(es_span_of(g, 15), out_ms);
    ES_ENSURE(es_ok(r), ESEAL_EMALFORMED, "der: bad UTCTime at offset %zu", d->off);
    return ES_OK;
}

static bool utf8_ok(es_span s)
{
    size_t i = 0;
    while (i < s.len) {
        uint8_t b = s.ptr[i];
        size_t n;
        uint32_t cp;
        if (b < 0x80) {
            if (b < 0x20 && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
            i++;
            continue;
        } else if ((b & 0xe0) == 0xc0) {
            n = 1;
            cp = b & 0x1f;
        } else if ((b & 0xf0) == 0xe0) {
            n = 2;
            cp = b & 0x0f;
        } else if ((b & 0xf8) == 0xf0) {
            n = 3;
            cp = b & 0x07;
        } else {
            return false;
        }
        if (n >= s.len - i) {
            return false;
        }
        for (size_t k = 1; k <= n; k++) {
            if ((s.ptr[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (s.ptr[i + k] & 0x3f);
        }
        /* No overlong forms, no surrogates, nothing past U+10FFFF. */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

bool es_der_text_ok(const es_der *d)
{
    if (d->tag == ES_DER_UTF8STRING) {
        return utf8_ok(d->val);
    }
    for (size_t i = 0; i < d->val.len; i++) {
        if (d->val.ptr[i] < 0x20 || d->val.ptr[i] > 0x7e) {
            return false;
        }
    }
    return true;
}

/* ---- writing ------------------------------------------------------------- */

static size_t len_octets(size_t len, uint8_t out[5])
{
    if (len < 0x80) {
        out[0] = (uint8_t)len;
        return 1;
    }
    size_t n = 0;
    for (size_t v = len; v != 0; v >>= 8) {
        n++;
    }
    out[0] = (uint8_t)(0x80 | n);
    for (size_t i = 0; i < n; i++) {
        out[n - i] = (uint8_t)(len >> (8 * i));
    }
    return n + 1;
}

ES_RESULT es_der_put(es_buf *b, uint8_t tag, es_span val)
{
    ES_ENSURE(val.len <= 0xffffffffu, ESEAL_ELIMIT, "der: element too large");
    uint8_t hdr[6];
    hdr[0] = tag;
    size_t n = len_octets(val.len, hdr + 1);
    ES_GUARD(es_buf_append(b, hdr, n + 1));
    return val.len == 0 ? ES_OK : es_buf_append(b, val.ptr, val.len);
}

ES_RESULT es_der_close(es_buf *b, size_t mark, uint8_t tag)
{
    ES_ENSURE(mark <= b->len, ESEAL_EINVAL, "der: bad mark");
    size_t len = b->len - mark;
    uint8_t hdr[6];
    hdr[0] = tag;
    size_t n = len_octets(len, hdr + 1) + 1;
    ES_GUARD(es_buf_reserve(b, n));
    memmove(b->ptr + mark + n, b->ptr + mark, len);
    memcpy(b->ptr + mark, hdr, n);
    b->len += n;
    b->ptr[b->len] = 0;
    return ES_OK;
}

ES_RESULT es_der_put_int(es_buf *b, int64_t v)
{
    uint8_t tmp[9];
    size_t n = 8;
    for (size_t i = 0; i < 8; i++) {
        tmp[i + 1] = (uint8_t)((uint64_t)v >> (8 * (7 - i)));
    }
    tmp[0] = v < 0 ? 0xff : 0;
    /* X.690 §8.3.2: drop leading octets while the next one carries the sign. */
    size_t s = 0;
    while (s < n && ((tmp[s] == 0 && !(tmp[s + 1] & 0x80)) || (tmp[s] == 0xff && (tmp[s + 1] & 0x80)))) {
        s++;
    }
    return es_der_put(b, ES_DER_INTEGER, es_span_of(tmp + s, 9 - s));
}

ES_RESULT es_der_put_bits(es_buf *b, es_span bits)
{
    size_t mark = es_der_open(b);
    ES_GUARD(es_buf_append_byte(b, 0));
    if (bits.len != 0) {
        ES_GUARD(es_buf_append(b, bits.ptr, bits.len));
    }
    return es_der_close(b, mark, ES_DER_BIT_STRING);
}

ES_RESULT es_der_put_oid(es_buf *b, const char *dotted)
{
    es_arc arcs[32];
    size_t n = 0;
    const char *p = dotted;
    while (*p != '\0') {
        ES_ENSURE(n < 32, ESEAL_ELIMIT, "der: OID %s has too many arcs", dotted);
        ES_ENSURE(*p >= '0' && *p <= '9' && !(p[0] == '0' && p[1] >= '0' && p[1] <= '9'), ESEAL_EINVAL,
                  "der: bad OID %s", dotted);
        es_arc v = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            unsigned digit = (unsigned)(*p - '0');
            ES_ENSURE(v <= (ES_ARC_MAX - digit) / 10, ESEAL_EINVAL, "der: an arc of OID %s is over 128 bits", dotted);
            v = v * 10 + digit;
        }
        arcs[n++] = v;
        if (*p == '.') {
            p++;
            ES_ENSURE(*p != '\0', ESEAL_EINVAL, "der: bad OID %s", dotted);
        } else {
            ES_ENSURE(*p == '\0', ESEAL_EINVAL, "der: bad OID %s", dotted);
        }
    }
    ES_ENSURE(n >= 2 && arcs[0] <= 2 && (arcs[0] == 2 || arcs[1] < 40), ESEAL_EINVAL, "der: bad OID %s", dotted);
    ES_ENSURE(arcs[0] < 2 || arcs[1] <= ES_ARC_MAX - 80, ESEAL_EINVAL, "der: bad OID %s", dotted);
    uint8_t out[32 * 19];
    size_t len = 0;
    for (size_t i = 1; i < n; i++) {
        es_arc v = i == 1 ? arcs[0] * 40 + arcs[1] : arcs[i];
        uint8_t tmp[19];
        size_t k = 0;
        do {
            tmp[k++] = (uint8_t)(v & 0x7f);
            v >>= 7;
        } while (v != 0);
        while (k > 0) {
            k--;
            out[len++] = (uint8_t)(tmp[k] | (k != 0 ? 0x80 : 0));
        }
    }
    return es_der_put(b, ES_DER_OID, es_span_of(out, len));
}

ES_RESULT es_der_put_gentime(es_buf *b, int64_t ms)
{
    char g[ES_GENTIME_LEN];
    es_time_gentime(g, ms, false);
    return es_der_put(b, ES_DER_GENERALIZEDTIME, es_span_of(g, strlen(g)));
}

ES_RESULT es_der_put_utctime(es_buf *b, int64_t ms)
{
    char g[ES_GENTIME_LEN];
    es_time_gentime(g, ms, false);
    ES_ENSURE(strlen(g) == 15 && (memcmp(g, "19", 2) == 0 || memcmp(g, "20", 2) == 0), ESEAL_EINVAL,
              "der: %s is outside the UTCTime range", g);
    int yy = (g[2] - '0') * 10 + (g[3] - '0');
    ES_ENSURE((g[1] == '9') == (yy >= 50), ESEAL_EINVAL, "der: %s is outside the UTCTime range 1950-2049", g);
    return es_der_put(b, ES_DER_UTCTIME, es_span_of(g + 2, 13));
}

ES_RESULT es_der_put_str(es_buf *b, uint8_t tag, const char *s)
{
    return es_der_put(b, tag, es_span_of(s, strlen(s)));
}
