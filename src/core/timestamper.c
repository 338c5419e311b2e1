/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instance's time-stamps (moved from src/service/ltv.c): where a batch's, an extension's and
 * an audit entry's tokens come from, the request's TSAs or the instance's own TSA in-process.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "eseal/tsa_client.h"

/*
 * Where a batch's time-stamps come from: the request's TSAs in order, or the
 * instance's own TSA answering in-process. Every token of a request's TSA passes the
 * client checklist against the instance's trust (eseal_tsa_client_stamp); the own TSA's
 * first token does, and pins it for the others (below).
 */

void (*es_own_tsa_tamper)(eseal_buf *resp) = NULL;

/* The instance's TSA draws its serials at random (tsa.c): no store write that could fail here. */
static int own_tsa(void *ctx, eseal_buf *resp, const void *req, size_t len)
{
    int rc = eseal_tsa_service_respond(ctx, resp, req, len);
    if (rc == ESEAL_OK && es_own_tsa_tamper != NULL) {
        es_own_tsa_tamper(resp);
    }
    return rc;
}

/*
 * The own TSA's tokens after the first (issue 18). The first token of a timestamper passes the whole
 * client checklist (chain built and validated against the instance's trust at its genTime, CRLs,
 * EKU, ESSCertIDv2, signature); it then pins that TSA (es_ts_pin_new, src/crypto/ts_pin.c), and every
 * later token is checked against the pin: the response read without decoding a certificate, its
 * constant parts equal to the pinned token's, messageDigest, the signature over the TSTInfo with the
 * certificate already parsed, imprint and nonce of this request, the pinned policy, genTime inside
 * the window where the chain check's answer cannot change. Why that is as safe: the trust is loaded
 * once per timestamper (es_timestamper_open), so a new chain check could only differ by the time,
 * which the window covers; and the key that signs was loaded by this process from the instance's
 * encrypted key files (es_instance_load_key), so a token that verifies with its certificate is one
 * our responder made for this request. A token the pin refuses is not taken: a fresh one is asked
 * for through the full checklist, which says why when it refuses too. External TSAs (URLs) always
 * get the full checklist. A batch's threads share the pin (set once under the lock, then read-only).
 */
typedef struct es_own_pin_s {
    pthread_mutex_t lock;  /* guards pin */
    pthread_mutex_t first; /* held while the first token goes through the checklist */
    es_ts_pin *pin;
    const eseal_cert *cert, *issuer;
    const char *name;
} es_own_pin;

static es_ts_pin *pin_get(es_own_pin *o)
{
    (void)pthread_mutex_lock(&o->lock);
    es_ts_pin *p = o->pin;
    (void)pthread_mutex_unlock(&o->lock);
    return p;
}

/* The first token passed the checklist: pin its TSA (a failure only leaves the full checklist). */
static void pin_set(es_own_pin *o, const eseal_buf *token, const eseal_trust *trust)
{
    (void)pthread_mutex_lock(&o->lock);
    if (o->pin == NULL) {
        es_ts_pin *p = NULL;
        if (es_ok(es_ts_pin_new(&p, es_span_of(token->ptr, token->size), o->cert, o->issuer, trust))) {
            o->pin = p;
        } else {
            eseal_error_clear();
        }
    }
    (void)pthread_mutex_unlock(&o->lock);
}

/* A token by the pinned check: *done false when there is no pin yet or the pin refused the token. */
static ES_RESULT pinned_stamp(es_doc_time *d, bool *done, eseal_hash hash, const void *digest, size_t len)
{
    *done = false;
    es_ts_pin *p = pin_get(d->t->pin);
    if (p == NULL) {
        return ES_OK;
    }
    ES_AUTO(es_buf_freep) es_buf req = ES_BUF_INIT(ESEAL_TSA_MAX_REQUEST);
    ES_GUARD(es_ts_request_der(&req, hash == ESEAL_HASH_DEFAULT ? ESEAL_HASH_SHA256 : hash, es_span_of(digest, len), NULL));
    eseal_buf resp = ESEAL_BUF_INIT;
    int rc = own_tsa(d->t->own, &resp, req.ptr, req.len);
    if (rc != ESEAL_OK) {
        eseal_buf_dispose(&resp);
        eseal_error_clear(); /* the full checklist asks again and reports it in its words */
        return ES_OK;
    }
    eseal_tsa_client_result *g = &d->got;
    es_result r = es_ts_pin_check(p, done, es_span_of(resp.ptr, resp.size), es_buf_span(&req), &g->token,
                                  &g->gen_time_ms, g->serial, sizeof(g->serial));
    eseal_buf_dispose(&resp);
    if (es_ok(r) && *done) {
        (void)snprintf(g->source, sizeof(g->source), "%s", d->t->pin->name);
    }
    return r;
}

const es_ts_pin *es_timestamper_pin(const es_timestamper *t) { return t->pin != NULL ? pin_get(t->pin) : NULL; }

void es_timestamper_close(es_timestamper *t)
{
    if (t->pin != NULL) {
        es_ts_pin_free(t->pin->pin);
        (void)pthread_mutex_destroy(&t->pin->lock);
        (void)pthread_mutex_destroy(&t->pin->first);
        es_free(t->pin);
    }
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
    if (t->own != NULL) {
        t->pin = es_calloc(1, sizeof(*t->pin));
        ES_ENSURE_ALLOC(t->pin);
        bool lock = pthread_mutex_init(&t->pin->lock, NULL) == 0;
        if (!lock || pthread_mutex_init(&t->pin->first, NULL) != 0) {
            if (lock) {
                (void)pthread_mutex_destroy(&t->pin->lock);
            }
            es_free(t->pin);
            t->pin = NULL;
            ES_BAIL(ESEAL_ENOMEM, "stamp: cannot make a lock");
        }
        t->pin->cert = es_tsa_service_cert(t->own);
        t->pin->issuer = es_tsa_service_issuer(t->own);
        t->pin->name = t->sources[0].name;
    }
    t->co.sources = t->sources;
    t->co.n_sources = n;
    t->co.trust = t->trust;
    t->co.timeout_ms = timeout_ms;
    return ES_OK;
}

/* The full client checklist; for the own TSA, the first token that passes it pins the TSA. */
static int full_stamp(es_doc_time *d, eseal_hash hash, const void *digest, size_t len)
{
    int rc = eseal_tsa_client_stamp(&d->got, hash, digest, len, &d->t->co);
    if (rc == ESEAL_OK && d->t->pin != NULL) {
        pin_set(d->t->pin, &d->got.token, d->t->trust);
    }
    return rc;
}

int es_doc_timestamp(void *ctx, eseal_buf *token, eseal_hash hash, const void *digest, size_t len)
{
    es_doc_time *d = ctx;
    eseal_tsa_client_result_free(&d->got);
    es_own_pin *o = d->t->pin;
    bool done = false;
    int rc = ESEAL_OK;
    if (o != NULL && digest != NULL && pin_get(o) == NULL) {
        /* No pin yet: one thread makes the first token through the checklist, the others wait for
         * its pin (a batch starting on several workers validates the chain once, not once each). */
        (void)pthread_mutex_lock(&o->first);
        if (pin_get(o) == NULL) {
            rc = full_stamp(d, hash, digest, len);
            done = true;
        }
        (void)pthread_mutex_unlock(&o->first);
        if (rc != ESEAL_OK) {
            return rc;
        }
    }
    if (!done && o != NULL && digest != NULL) {
        es_result pr = pinned_stamp(d, &done, hash, digest, len);
        if (!es_ok(pr) || !done) {
            eseal_tsa_client_result_free(&d->got);
        }
        if (!es_ok(pr)) {
            return es_code(pr);
        }
    }
    if (!done) {
        rc = full_stamp(d, hash, digest, len);
        if (rc != ESEAL_OK) {
            return rc;
        }
    }
    es_buf copy = ES_BUF_INIT(d->got.token.size + 1);
    es_result r = es_buf_append(&copy, d->got.token.ptr, d->got.token.size);
    if (es_ok(r)) {
        es_buf_move_out(token, &copy);
    }
    es_buf_free(&copy);
    return es_code(r);
}
