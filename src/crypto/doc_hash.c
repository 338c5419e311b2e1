/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stamped document's digests before and after, taken while the stamper streams it (crypto.h):
 * the audit entry then records the bytes that were really read and written, never a path read
 * again after the output may have replaced the input (in-place stamping).
 */
#include <string.h>

#include "crypto.h"

enum { BEFORE_SHA, BEFORE_SM3, AFTER_SHA, AFTER_SM3 };

void es_doc_hash_free(es_doc_hasher *h)
{
    for (size_t i = 0; i < 4; i++) {
        es_hash_free(h->c[i]);
        h->c[i] = NULL;
    }
}

ES_RESULT es_doc_hash_begin(es_doc_hasher *h, bool sm3)
{
    memset(h, 0, sizeof(*h));
    es_result r = es_hash_begin(&h->c[BEFORE_SHA], ESEAL_HASH_SHA256);
    if (es_ok(r)) {
        r = es_hash_begin(&h->c[AFTER_SHA], ESEAL_HASH_SHA256);
    }
    if (es_ok(r) && sm3) {
        r = es_hash_begin(&h->c[BEFORE_SM3], ESEAL_HASH_SM3);
    }
    if (es_ok(r) && sm3) {
        r = es_hash_begin(&h->c[AFTER_SM3], ESEAL_HASH_SM3);
    }
    if (!es_ok(r)) {
        es_doc_hash_free(h);
    }
    return r;
}

ES_RESULT es_doc_hash_input(es_doc_hasher *h, es_span data)
{
    for (size_t i = 0; i < 4; i++) {
        if (h->c[i] != NULL) {
            ES_GUARD(es_hash_update(h->c[i], data));
        }
    }
    return ES_OK;
}

ES_RESULT es_doc_hash_output(es_doc_hasher *h, es_span data)
{
    for (size_t i = AFTER_SHA; i <= AFTER_SM3; i++) {
        if (h->c[i] != NULL) {
            ES_GUARD(es_hash_update(h->c[i], data));
        }
    }
    return ES_OK;
}

ES_RESULT es_doc_hash_end(es_doc_hasher *h, es_doc_digests *out)
{
    memset(out, 0, sizeof(*out));
    uint8_t *dst[4] = {out->before_sha256, out->before_sm3, out->after_sha256, out->after_sm3};
    out->sm3 = h->c[BEFORE_SM3] != NULL;
    for (size_t i = 0; i < 4; i++) {
        if (h->c[i] == NULL) {
            continue;
        }
        uint8_t d[64];
        size_t n = 0;
        ES_GUARD(es_hash_end(h->c[i], d, &n));
        ES_ENSURE(n == 32, ESEAL_ERROR, "digest of %zu bytes, expected 32", n);
        memcpy(dst[i], d, 32);
    }
    return ES_OK;
}

ES_RESULT es_doc_digests_of(es_doc_digests *out, es_span before, es_span after, bool sm3)
{
    es_doc_hasher h;
    ES_GUARD(es_doc_hash_begin(&h, sm3));
    /* The "input" digests take `before`; the "output" ones all of `after` (not before + after). */
    es_result r = ES_OK;
    for (size_t i = BEFORE_SHA; i <= BEFORE_SM3 && es_ok(r); i++) {
        r = h.c[i] != NULL ? es_hash_update(h.c[i], before) : ES_OK;
    }
    if (es_ok(r)) {
        r = es_doc_hash_output(&h, after);
    }
    if (es_ok(r)) {
        r = es_doc_hash_end(&h, out);
    }
    es_doc_hash_free(&h);
    return r;
}
