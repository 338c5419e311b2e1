/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 7512 "pkcs11:" URIs, the part of them eseal reads: the path attributes token, serial,
 * object, id and type. Strict: anything else (a query such as ?pin-value=, module-path=, slot-id,
 * library attributes, vendor "x-" attributes) is refused rather than ignored, since a URI that
 * silently matched more keys than it says could make a signature with the wrong one. Every value
 * is bounded before it is decoded; the input is read through a cursor only.
 */
#include <string.h>

#include "crypto.h"

#define SCHEME "pkcs11:"

/* The scheme is case-insensitive (RFC 3986 §3.1). */
static bool scheme_is(const uint8_t *p, size_t n)
{
    if (n < strlen(SCHEME)) {
        return false;
    }
    for (size_t i = 0; i < strlen(SCHEME); i++) {
        uint8_t c = p[i] >= 'A' && p[i] <= 'Z' ? (uint8_t)(p[i] + 32) : p[i];
        if (c != (uint8_t)SCHEME[i]) {
            return false;
        }
    }
    return true;
}

bool es_p11_is_uri(const char *s) { return s != NULL && scheme_is((const uint8_t *)s, strnlen(s, strlen(SCHEME))); }

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* RFC 7512 §2.3 p11-pchar: unreserved / pct-encoded / ":" / "[" / "]" / "@" / "!" / "$" / "'" /
 * "(" / ")" / "*" / "+" / "," / "=" / "&" (RFC 3986 unreserved: ALPHA DIGIT - . _ ~). */
static bool is_pchar(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return c != '\0' && strchr("-._~:[]@!$'()*+,=&", c) != NULL;
}

/* Decodes one attribute value (the bytes between '=' and ';' or the end) into dst (cap bytes). */
static ES_RESULT decode_value(es_span v, uint8_t *dst, size_t cap, size_t *len, const char *name)
{
    es_cur c = es_cur_of(v);
    size_t n = 0;
    while (!es_cur_eof(&c)) {
        uint8_t b = 0;
        ES_GUARD(es_cur_u8(&c, &b));
        if (b == '%') {
            uint8_t h = 0;
            uint8_t l = 0;
            ES_ENSURE(es_ok(es_cur_u8(&c, &h)) && es_ok(es_cur_u8(&c, &l)) && hexval(h) >= 0 && hexval(l) >= 0,
                      ESEAL_EMALFORMED, "pkcs11 URI: a '%%' in %s is not followed by two hex digits", name);
            b = (uint8_t)(hexval(h) * 16 + hexval(l));
        } else {
            ES_ENSURE(is_pchar(b), ESEAL_EMALFORMED, "pkcs11 URI: character 0x%02x in %s must be percent-encoded",
                      b, name);
        }
        ES_ENSURE(n < cap, ESEAL_ELIMIT, "pkcs11 URI: %s is longer than %d bytes", name, ES_P11_VALUE_MAX);
        dst[n++] = b;
    }
    *len = n;
    return ES_OK;
}

/* A text attribute: no NUL and no control character once decoded (labels are UTF-8 text). */
static ES_RESULT decode_text(es_span v, char *dst, const char *name)
{
    size_t n = 0;
    ES_GUARD(decode_value(v, (uint8_t *)dst, ES_P11_VALUE_MAX, &n, name));
    for (size_t i = 0; i < n; i++) {
        ES_ENSURE((uint8_t)dst[i] >= 0x20 && (uint8_t)dst[i] != 0x7f, ESEAL_EMALFORMED,
                  "pkcs11 URI: %s holds a control character", name);
    }
    dst[n] = '\0';
    ES_ENSURE(n > 0, ESEAL_EMALFORMED, "pkcs11 URI: %s is empty", name);
    return ES_OK;
}

ES_RESULT es_p11_uri_parse(es_p11_uri *out, es_span text)
{
    ES_ENSURE_ARG(out != NULL);
    memset(out, 0, sizeof(*out));
    ES_ENSURE(text.len <= ES_P11_URI_MAX, ESEAL_ELIMIT, "pkcs11 URI: longer than %d bytes", ES_P11_URI_MAX);
    es_cur c = es_cur_of(text);
    es_span scheme;
    ES_ENSURE(es_ok(es_cur_take(&c, strlen(SCHEME), &scheme)) && scheme_is(scheme.ptr, scheme.len),
              ESEAL_EMALFORMED, "not a pkcs11 URI (it must start with \"pkcs11:\")");
    bool seen_type = false;
    while (!es_cur_eof(&c)) {
        es_span attr;
        if (!es_cur_until(&c, ';', &attr)) {
            es_result r = es_cur_take(&c, es_cur_left(&c), &attr);
            ES_GUARD(r);
        } else {
            ES_ENSURE(!es_cur_eof(&c), ESEAL_EMALFORMED, "pkcs11 URI: ends with ';'");
        }
        es_cur a = es_cur_of(attr);
        es_span name;
        ES_ENSURE(es_cur_until(&a, '=', &name), ESEAL_EMALFORMED, "pkcs11 URI: an attribute without '='");
        es_span val;
        ES_GUARD(es_cur_take(&a, es_cur_left(&a), &val));
        ES_ENSURE(memchr(val.ptr, '?', val.len) == NULL, ESEAL_EUNSUPPORTED,
                  "pkcs11 URI: query attributes (such as pin-value) are not accepted");
#define IS(lit) (name.len == strlen(lit) && memcmp(name.ptr, lit, strlen(lit)) == 0)
        if (IS("token")) {
            ES_ENSURE(out->token[0] == '\0', ESEAL_EMALFORMED, "pkcs11 URI: token given twice");
            ES_GUARD(decode_text(val, out->token, "token"));
        } else if (IS("serial")) {
            ES_ENSURE(out->serial[0] == '\0', ESEAL_EMALFORMED, "pkcs11 URI: serial given twice");
            ES_GUARD(decode_text(val, out->serial, "serial"));
        } else if (IS("object")) {
            ES_ENSURE(out->object[0] == '\0', ESEAL_EMALFORMED, "pkcs11 URI: object given twice");
            ES_GUARD(decode_text(val, out->object, "object"));
        } else if (IS("id")) {
            ES_ENSURE(out->id_len == 0, ESEAL_EMALFORMED, "pkcs11 URI: id given twice");
            ES_GUARD(decode_value(val, out->id, sizeof(out->id), &out->id_len, "id"));
            ES_ENSURE(out->id_len > 0, ESEAL_EMALFORMED, "pkcs11 URI: id is empty");
        } else if (IS("type")) {
            ES_ENSURE(!seen_type, ESEAL_EMALFORMED, "pkcs11 URI: type given twice");
            seen_type = true;
            char t[ES_P11_VALUE_MAX + 1];
            ES_GUARD(decode_text(val, t, "type"));
            if (strcmp(t, "private") == 0) {
                out->type = ES_P11_TYPE_PRIVATE;
            } else if (strcmp(t, "public") == 0) {
                out->type = ES_P11_TYPE_PUBLIC;
            } else if (strcmp(t, "cert") == 0) {
                out->type = ES_P11_TYPE_CERT;
            } else {
                ES_BAIL(ESEAL_EMALFORMED, "pkcs11 URI: type must be private, public or cert");
            }
        } else {
            char shown[33];
            size_t n = name.len < sizeof(shown) - 1 ? name.len : sizeof(shown) - 1;
            for (size_t i = 0; i < n; i++) {
                shown[i] = name.ptr[i] >= 0x20 && name.ptr[i] < 0x7f ? (char)name.ptr[i] : '?';
            }
            shown[n] = '\0';
            ES_BAIL(ESEAL_EUNSUPPORTED,
                    "pkcs11 URI: attribute '%s' is not accepted (eseal reads token, serial, object, id and type)",
                    shown);
        }
#undef IS
    }
    ES_ENSURE(out->token[0] != '\0' || out->serial[0] != '\0', ESEAL_EMALFORMED,
              "pkcs11 URI: names no token (give token= or serial=)");
    ES_ENSURE(out->object[0] != '\0' || out->id_len > 0, ESEAL_EMALFORMED,
              "pkcs11 URI: names no key (give object= or id=)");
    ES_ENSURE(out->type == ES_P11_TYPE_ANY || out->type == ES_P11_TYPE_PRIVATE, ESEAL_EUNSUPPORTED,
              "pkcs11 URI: eseal signs with private keys (type=private)");
    return ES_OK;
}

static ES_RESULT put_value(es_buf *out, const char *name, const uint8_t *v, size_t n)
{
    ES_GUARD(es_buf_append_str(out, name));
    for (size_t i = 0; i < n; i++) {
        /* '&' and '=' are pchar but kept encoded so that no reader mistakes them for separators. */
        if (is_pchar(v[i]) && v[i] != '&' && v[i] != '=') {
            ES_GUARD(es_buf_append_byte(out, v[i]));
        } else {
            ES_GUARD(es_buf_printf(out, "%%%02X", v[i]));
        }
    }
    return ES_OK;
}

ES_RESULT es_p11_uri_format(es_buf *out, const es_p11_uri *u)
{
    ES_ENSURE_ARG(out != NULL && u != NULL);
    es_buf_clear(out);
    ES_GUARD(es_buf_append_str(out, SCHEME));
    const char *sep = "";
    if (u->token[0] != '\0') {
        ES_GUARD(put_value(out, "token=", (const uint8_t *)u->token, strlen(u->token)));
        sep = ";";
    }
    if (u->serial[0] != '\0') {
        ES_GUARD(es_buf_append_str(out, sep));
        ES_GUARD(put_value(out, "serial=", (const uint8_t *)u->serial, strlen(u->serial)));
        sep = ";";
    }
    if (u->object[0] != '\0') {
        ES_GUARD(es_buf_append_str(out, sep));
        ES_GUARD(put_value(out, "object=", (const uint8_t *)u->object, strlen(u->object)));
        sep = ";";
    }
    if (u->id_len > 0) {
        /* CKA_ID is binary: always fully percent-encoded, as p11-kit and OpenSC write it. */
        ES_GUARD(es_buf_append_str(out, sep));
        ES_GUARD(es_buf_append_str(out, "id="));
        for (size_t i = 0; i < u->id_len && i < sizeof(u->id); i++) {
            ES_GUARD(es_buf_printf(out, "%%%02X", u->id[i]));
        }
        sep = ";";
    }
    if (u->type == ES_P11_TYPE_PRIVATE) {
        ES_GUARD(es_buf_append_str(out, sep));
        ES_GUARD(es_buf_append_str(out, "type=private"));
    }
    return ES_OK;
}
