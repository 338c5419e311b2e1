/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instance's time-stamps (moved from src/service/ltv.c): where a batch's, an extension's and
 * an audit entry's tokens come from, the request's TSAs or the instance's own TSA in-process.
 */
#include <string.h>

#include "core.h"
#include "eseal/tsa_client.h"

/*
 * Where a batch's time-stamps come from: the request's TSAs in order, or the
 * instance's own TSA answering in-process. Every token passes the client
 * checklist against the instance's trust (eseal_tsa_client_stamp).
 */

/* The instance's TSA draws its serials at random (tsa.c): no store write that could fail here. */
static int own_tsa(void *ctx, eseal_buf *resp, const void *req, size_t len)
{
    return eseal_tsa_service_respond(ctx, resp, req, len);
}

void es_timestamper_close(es_timestamper *t)
{
    eseal_tsa_service_close(t->own);
    es_free(t->sources);
    eseal_trust_free(t->trust);
    memset(t, 0, sizeof(*t));
}

/*
 * The own TSA for a signer: an SM2 signer's time-stamps come from the SM2 TSA (SM2/SM3 tokens that
 * chain to the SM2 root, the same anchor as the signature), every other signer's from the P-256
 * TSA. So a recipient who trusts one hierarchy's root verifies the whole stamp.
 */
const char *es_tsa_hierarchy_for(const eseal_cert *signer)
{
    return signer != NULL && eseal_cert_key_alg(signer) == ESEAL_ALG_SM2 ? "sm2" : "p256";
}

ES_RESULT es_timestamper_open(es_timestamper *t, eseal_instance *inst, const char *const *urls, size_t n_urls,
                              unsigned int timeout_ms, const char *hierarchy)
{
    memset(t, 0, sizeof(*t));
    t->co = (eseal_tsa_client_options)ESEAL_TSA_CLIENT_OPTIONS_INIT;
    size_t n = n_urls > 0 ? n_urls : 1;
    ES_ENSURE(n_urls == 0 || urls != NULL, ESEAL_EINVAL, "stamp: TSA URLs missing");
    t->sources = es_calloc(n, sizeof(*t->sources));
    ES_ENSURE_ALLOC(t->sources);
    if (n_urls > 0) {
        for (size_t i = 0; i < n; i++) {
            t->sources[i].url = urls[i];
        }
    } else {
        ES_GUARD(es_from_code(eseal_instance_tsa_open(inst, &t->own, hierarchy)));
        t->sources[0] = (eseal_tsa_source){NULL, own_tsa, t->own,
                                           hierarchy != NULL && strcmp(hierarchy, "sm2") == 0
                                               ? "the instance's SM2 TSA (in-process)"
                                               : "the instance's TSA (in-process)"};
    }
    ES_GUARD(es_from_code(eseal_instance_trust(inst, &t->trust)));
    t->co.sources = t->sources;
    t->co.n_sources = n;
    t->co.trust = t->trust;
    t->co.timeout_ms = timeout_ms;
    return ES_OK;
}

int es_doc_timestamp(void *ctx, eseal_buf *token, eseal_hash hash, const void *digest, size_t len)
{
    es_doc_time *d = ctx;
    eseal_tsa_client_result_free(&d->got);
    int rc = eseal_tsa_client_stamp(&d->got, hash, digest, len, &d->t->co);
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_buf copy = ES_BUF_INIT(d->got.token.size + 1);
    es_result r = es_buf_append(&copy, d->got.token.ptr, d->got.token.size);
    if (es_ok(r)) {
        es_buf_move_out(token, &copy);
    }
    es_buf_free(&copy);
    return es_code(r);
}
