/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stamped document's digests before and after, taken while the stamper streams it (crypto.h):
 * the audit entry then records the bytes that were really read and written, never a path read
 * again after the output may have replaced the input (in-place stamping).
 *
 * The output is the input followed by the update, so the input is hashed once: the "after"
 * digests start as copies of the "before" ones when the first output bytes come (or at the end),
 * and the stamper's signature digest is a copy too (es_doc_hash_fork). Each input byte goes
 * through each hash once, where it went through SHA-256 three times.
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
    if (es_ok(r) && sm3) {
        r = es_hash_begin(&h->c[BEFORE_SM3], ESEAL_HASH_SM3);
    }
    if (!es_ok(r)) {
        es_doc_hash_free(h);
    }
    return r;
}

/* The "after" digests from the "before" ones, once the input is complete. */
static ES_RESULT fork_after(es_doc_hasher *h)
{
    for (size_t i = BEFORE_SHA; i <= BEFORE_SM3; i++) {
        if (h->c[i] != NULL && h->c[i + AFTER_SHA] == NULL) {
            ES_GUARD(es_hash_copy(&h->c[i + AFTER_SHA], h->c[i]));
        }
    }
    return ES_OK;
}

ES_RESULT es_doc_hash_input(es_doc_hasher *h, es_span data)
{
    ES_ENSURE(h->c[AFTER_SHA] == NULL, ESEAL_ESTATE, "doc hash: input after output");
    for (size_t i = BEFORE_SHA; i <= BEFORE_SM3; i++) {
        if (h->c[i] != NULL) {
            ES_GUARD(es_hash_update(h->c[i], data));
        }
    }
    return ES_OK;
}

ES_RESULT es_doc_hash_fork(const es_doc_hasher *h, eseal_hash hash, es_hash_ctx **out)
{
    const es_hash_ctx *c = hash == ESEAL_HASH_SHA256 ? h->c[BEFORE_SHA] : hash == ESEAL_HASH_SM3 ? h->c[BEFORE_SM3] : NULL;
    ES_ENSURE(c != NULL && h->c[AFTER_SHA] == NULL, ESEAL_ENOTFOUND, "doc hash: no input digest of that hash to continue");
    return es_hash_copy(out, c);
}

ES_RESULT es_doc_hash_output(es_doc_hasher *h, es_span data)
{
    ES_GUARD(fork_after(h));
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
    ES_GUARD(fork_after(h));
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
    /* The "input" digests take `before`; the "output" ones all of `after` (not before + after):
     * their own contexts, from the start. */
    es_result r = ES_OK;
    for (size_t i = BEFORE_SHA; i <= BEFORE_SM3 && es_ok(r); i++) {
        r = h.c[i] != NULL ? es_hash_update(h.c[i], before) : ES_OK;
        if (es_ok(r) && h.c[i] != NULL) {
            r = es_hash_begin(&h.c[i + AFTER_SHA], i == BEFORE_SHA ? ESEAL_HASH_SHA256 : ESEAL_HASH_SM3);
        }
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

/* ---- prefixes of one document, one pass ---- */

void es_prefix_hasher_init(es_prefix_hasher *p, es_span doc)
{
    memset(p, 0, sizeof(*p));
    p->doc = doc;
}

void es_prefix_hasher_free(es_prefix_hasher *p)
{
    for (size_t i = 0; i < ES_PREFIX_HASHES; i++) {
        es_hash_free(p->run[i]);
        p->run[i] = NULL;
    }
}

ES_RESULT es_prefix_digest(es_prefix_hasher *p, uint8_t out[64], size_t *out_len, eseal_hash hash,
                           const es_span *parts, size_t n)
{
    size_t k = (size_t)hash;
    bool shared = p != NULL && n > 0 && k < ES_PREFIX_HASHES && parts[0].ptr == p->doc.ptr &&
                  parts[0].len <= p->doc.len && parts[0].len >= p->at[k];
    if (!shared) {
        for (size_t i = 0; p != NULL && i < n; i++) {
            p->bytes += parts[i].len;
        }
        return es_digest_spans(out, out_len, hash, parts, n);
    }
    if (p->run[k] == NULL) {
        ES_GUARD(es_hash_begin(&p->run[k], hash));
    }
    ES_GUARD(es_hash_update(p->run[k], es_span_of(p->doc.ptr + p->at[k], parts[0].len - p->at[k])));
    p->bytes += parts[0].len - p->at[k];
    p->at[k] = parts[0].len;
    ES_AUTO(es_hash_freep) es_hash_ctx *c = NULL;
    ES_GUARD(es_hash_copy(&c, p->run[k]));
    for (size_t i = 1; i < n; i++) {
        ES_GUARD(es_hash_update(c, parts[i]));
        p->bytes += parts[i].len;
    }
    return es_hash_end(c, out, out_len);
}
