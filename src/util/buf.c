/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded buffers, read cursors, secrets, small text helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

bool es_span_eq(es_span a, es_span b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

ES_RESULT es_buf_reserve(es_buf *b, size_t extra)
{
    size_t need = 0;
    ES_ENSURE(!ES_ADD_OVERFLOW(b->len, extra, &need), ESEAL_ELIMIT, "buffer size overflows");
    ES_ENSURE(need <= b->max, ESEAL_ELIMIT, "buffer would exceed its limit of %zu bytes", b->max);
    size_t need_nul = 0;
    ES_ENSURE(!ES_ADD_OVERFLOW(need, (size_t)1, &need_nul), ESEAL_ELIMIT, "buffer size overflows");
    if (need_nul <= b->cap) {
        return ES_OK;
    }
    size_t cap = b->cap < 64 ? 64 : b->cap;
    while (cap < need_nul) {
        size_t doubled = 0;
        if (ES_MUL_OVERFLOW(cap, (size_t)2, &doubled)) {
            cap = need_nul;
            break;
        }
        cap = doubled;
    }
    /* Never allocate more than max+1: the limit bounds memory, not just length. */
    if (b->max < SIZE_MAX && cap > b->max + 1) {
        cap = b->max + 1;
    }
    uint8_t *p = NULL;
    if (b->secret) {
        /* Secrets never leave copies behind in freed memory. */
        p = es_malloc(cap);
        ES_ENSURE_ALLOC(p);
        if (b->ptr != NULL) {
            memcpy(p, b->ptr, b->len + 1);
            es_wipe(b->ptr, b->cap);
            es_free(b->ptr);
        }
    } else {
        p = es_realloc(b->ptr, cap);
        ES_ENSURE_ALLOC(p);
    }
    if (b->ptr == NULL) {
        p[0] = '\0';
    }
    b->ptr = p;
    b->cap = cap;
    return ES_OK;
}

ES_RESULT es_buf_append(es_buf *b, const void *p, size_t n)
{
    ES_GUARD(es_buf_reserve(b, n));
    if (n > 0) {
        memcpy(b->ptr + b->len, p, n);
    }
    b->len += n;
    b->ptr[b->len] = '\0';
    return ES_OK;
}

ES_RESULT es_buf_append_str(es_buf *b, const char *s) { return es_buf_append(b, s, strlen(s)); }

ES_RESULT es_buf_append_byte(es_buf *b, uint8_t c) { return es_buf_append(b, &c, 1); }

ES_RESULT es_buf_printf(es_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    ES_ENSURE(n >= 0, ESEAL_EINVAL, "bad format string");
    ES_GUARD(es_buf_reserve(b, (size_t)n));
    va_start(ap, fmt);
    (void)vsnprintf((char *)b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return ES_OK;
}

ES_RESULT es_buf_append_hex(es_buf *b, const void *p, size_t n, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    const uint8_t *in = p;
    size_t need = 0;
    ES_ENSURE(!ES_MUL_OVERFLOW(n, (size_t)2, &need), ESEAL_ELIMIT, "hex size overflows");
    ES_GUARD(es_buf_reserve(b, need));
    for (size_t i = 0; i < n; i++) {
        b->ptr[b->len++] = (uint8_t)digits[in[i] >> 4];
        b->ptr[b->len++] = (uint8_t)digits[in[i] & 15];
    }
    b->ptr[b->len] = '\0';
    return ES_OK;
}

void es_buf_clear(es_buf *b)
{
    if (b->ptr != NULL) {
        if (b->secret) {
            es_wipe(b->ptr, b->cap);
        }
        b->ptr[0] = '\0';
    }
    b->len = 0;
}

void es_buf_free(es_buf *b)
{
    if (b->ptr != NULL) {
        if (b->secret) {
            es_wipe(b->ptr, b->cap);
        }
        es_free(b->ptr);
    }
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
}

void es_buf_move_out(eseal_buf *out, es_buf *b)
{
    if (b->ptr == NULL) {
        /* Keep the NUL-terminated promise even for empty output. */
        b->ptr = es_malloc(1);
        if (b->ptr != NULL) {
            b->ptr[0] = '\0';
        }
    }
    out->ptr = b->ptr;
    out->size = b->len;
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
}

/* ---- cursor ---------------------------------------------------------------- */

ES_RESULT es_cur_u8(es_cur *c, uint8_t *out)
{
    ES_ENSURE(es_cur_left(c) >= 1, ESEAL_EMALFORMED, "unexpected end of input at offset %zu", c->pos);
    *out = c->base[c->pos++];
    return ES_OK;
}

ES_RESULT es_cur_take(es_cur *c, size_t n, es_span *out)
{
    ES_ENSURE(n <= es_cur_left(c), ESEAL_EMALFORMED,
              "need %zu bytes at offset %zu but only %zu remain", n, c->pos, es_cur_left(c));
    *out = es_span_of(c->base + c->pos, n);
    c->pos += n;
    return ES_OK;
}

ES_RESULT es_cur_skip(es_cur *c, size_t n)
{
    es_span ignored;
    return es_cur_take(c, n, &ignored);
}

bool es_cur_peek_is(const es_cur *c, const char *lit)
{
    size_t n = strlen(lit);
    return n <= es_cur_left(c) && memcmp(c->base + c->pos, lit, n) == 0;
}

ES_RESULT es_cur_expect(es_cur *c, const char *lit)
{
    ES_ENSURE(es_cur_peek_is(c, lit), ESEAL_EMALFORMED, "expected '%s' at offset %zu", lit, c->pos);
    c->pos += strlen(lit);
    return ES_OK;
}

ES_RESULT es_cur_uint(es_cur *c, uint64_t max, uint64_t *out)
{
    size_t start = c->pos;
    uint64_t v = 0;
    while (!es_cur_eof(c) && c->base[c->pos] >= '0' && c->base[c->pos] <= '9') {
        uint64_t d = (uint64_t)(c->base[c->pos] - '0');
        ES_ENSURE(v <= (max - d) / 10, ESEAL_EMALFORMED, "number at offset %zu exceeds %llu", start,
                  (unsigned long long)max);
        v = v * 10 + d;
        c->pos++;
    }
    ES_ENSURE(c->pos > start, ESEAL_EMALFORMED, "expected a number at offset %zu", start);
    *out = v;
    return ES_OK;
}

ES_RESULT es_cur_digits_exact(es_cur *c, size_t n, uint64_t *out)
{
    size_t start = c->pos;
    ES_ENSURE(n <= 19, ESEAL_EINVAL, "too many digits requested");
    ES_ENSURE(n <= es_cur_left(c), ESEAL_EMALFORMED, "expected %zu digits at offset %zu", n, start);
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = c->base[c->pos + i];
        ES_ENSURE(ch >= '0' && ch <= '9', ESEAL_EMALFORMED, "expected a digit at offset %zu", start + i);
        v = v * 10 + (uint64_t)(ch - '0');
    }
    c->pos += n;
    *out = v;
    return ES_OK;
}

ES_RESULT es_cur_line(es_cur *c, size_t max, es_span *out)
{
    size_t start = c->pos;
    size_t n = 0;
    while (start + n < c->len && c->base[start + n] != '\n') {
        n++;
        ES_ENSURE(n <= max, ESEAL_ELIMIT, "line at offset %zu is longer than %zu bytes", start, max);
    }
    size_t consumed = n + (start + n < c->len ? 1 : 0);
    if (n > 0 && c->base[start + n - 1] == '\r') {
        n--;
    }
    *out = es_span_of(c->base + start, n);
    c->pos += consumed;
    return ES_OK;
}

bool es_cur_until(es_cur *c, uint8_t delim, es_span *out)
{
    const uint8_t *start = c->base + c->pos;
    const uint8_t *hit = es_cur_left(c) > 0 ? memchr(start, delim, es_cur_left(c)) : NULL;
    if (hit == NULL) {
        return false;
    }
    size_t n = (size_t)(hit - start);
    *out = es_span_of(start, n);
    c->pos += n + 1;
    return true;
}

ES_RESULT es_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    ES_ENSURE(s != NULL && *s != '\0', ESEAL_EINVAL, "expected a number, got an empty string");
    es_cur c = es_cur_of(es_span_of(s, strlen(s)));
    es_result r = es_cur_uint(&c, max, out);
    ES_ENSURE(es_ok(r) && es_cur_eof(&c), ESEAL_EINVAL, "'%s' is not a number from 0 to %llu", s,
              (unsigned long long)max);
    return ES_OK;
}

/* ---- secrets ------------------------------------------------------------------- */

ES_RESULT es_secret_set(es_secret *s, const void *p, size_t n)
{
    es_secret_free(s);
    size_t alloc = 0;
    ES_ENSURE(!ES_ADD_OVERFLOW(n, (size_t)1, &alloc), ESEAL_ELIMIT, "secret too large");
    s->ptr = es_malloc(alloc);
    ES_ENSURE_ALLOC(s->ptr);
    if (n > 0) {
        memcpy(s->ptr, p, n);
    }
    s->ptr[n] = '\0';
    s->len = n;
    return ES_OK;
}

void es_secret_free(es_secret *s)
{
    if (s->ptr != NULL) {
        es_wipe(s->ptr, s->len + 1);
        es_free(s->ptr);
    }
    s->ptr = NULL;
    s->len = 0;
}

/* ---- text ----------------------------------------------------------------------- */

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

int es_strcasecmp(const char *a, const char *b)
{
    while (*a != '\0' && lower((unsigned char)*a) == lower((unsigned char)*b)) {
        a++;
        b++;
    }
    return lower((unsigned char)*a) - lower((unsigned char)*b);
}

bool es_str_starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)lower((unsigned char)c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

ES_RESULT es_hex_decode(es_buf *out, const char *hex)
{
    size_t n = strlen(hex);
    ES_ENSURE(n % 2 == 0, ESEAL_EMALFORMED, "hex string has an odd number of digits");
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(hex[i]);
        int lo = hexval(hex[i + 1]);
        ES_ENSURE(hi >= 0 && lo >= 0, ESEAL_EMALFORMED, "invalid hex digit at position %zu", i);
        ES_GUARD(es_buf_append_byte(out, (uint8_t)(hi * 16 + lo)));
    }
    return ES_OK;
}

void es_hex_lower(char *out, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    out[2 * n] = '\0';
}

bool es_is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    return n > 0;
}
