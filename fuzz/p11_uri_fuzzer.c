/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 7512 URIs (src/crypto/p11uri.c) over arbitrary bytes. Properties: a URI that parses holds
 * NUL-terminated text fields within their bounds and an id within its own; its canonical form
 * parses again to the same thing, and formatting that gives the same text (a fixed point).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es_p11_uri u;
    if (!es_ok(es_p11_uri_parse(&u, es_span_of(data, size)))) {
        return 0;
    }
    if (strnlen(u.token, sizeof(u.token)) == sizeof(u.token) || strnlen(u.serial, sizeof(u.serial)) == sizeof(u.serial) ||
        strnlen(u.object, sizeof(u.object)) == sizeof(u.object) || u.id_len > sizeof(u.id)) {
        abort();
    }
    es_buf a = ES_BUF_INIT(4 * ES_P11_URI_MAX);
    es_buf b = ES_BUF_INIT(4 * ES_P11_URI_MAX);
    es_p11_uri back;
    if (!es_ok(es_p11_uri_format(&a, &u)) || !es_ok(es_p11_uri_parse(&back, es_buf_span(&a))) ||
        memcmp(&back, &u, sizeof(u)) != 0 || !es_ok(es_p11_uri_format(&b, &back)) ||
        !es_span_eq(es_buf_span(&a), es_buf_span(&b))) {
        abort();
    }
    es_buf_free(&a);
    es_buf_free(&b);
    return 0;
}
