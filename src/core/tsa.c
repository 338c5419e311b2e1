/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instance's time-stamp authority: the TSA certificate and key of a CA
 * hierarchy (role "tsa", issued by es_ca_create_hierarchies with profile
 * ES_PROFILE_TSA) answering RFC 3161 requests through an eseal_tsa_responder.
 *
 * Serial numbers are random (eseal_tsa_config.random_serial: 126 random bits
 * under a leading 01, 16 content octets): RFC 3161 §2.4.2 asks them to be
 * unique, not consecutive, so a token costs no store write and no sync (issue
 * 18: before, every process reserved a block of a store counter in a durable
 * transaction, one fsync per CLI stamp), concurrent processes and threads need
 * no coordination, and no restored backup can hand a serial out twice. Every
 * serial is above 2^64, so none equals one the store counter "tsa-serial-<h>"
 * or the older file HOME/tsa/serial-<h> handed out before; both are left as
 * they were and no longer read.
 */
#include <stdio.h>
#include <string.h>

#include "eseal/tsa.h"
#include "core.h"

/* The responder's clock: the instance's context's (genTime), read at each response. */
static int64_t inst_clock(void *inst) { return es_inst_now(inst); }

/* A loaded TSA: its key unlocked once (one scrypt), then any number of requests, from any thread. */
struct eseal_tsa_service {
    eseal_cert *cert, *ca;
    eseal_key *key;
    const eseal_cert *chain[1];
    eseal_tsa_responder *responder;
};

void eseal_tsa_service_close(eseal_tsa_service *t)
{
    if (t != NULL) {
        eseal_tsa_responder_free(t->responder);
        eseal_key_free(t->key);
        eseal_cert_free(t->cert);
        eseal_cert_free(t->ca);
        es_free(t);
    }
}

static ES_RESULT tsa_open(eseal_instance *inst, eseal_tsa_service *t, const char *h)
{
    ES_ENSURE_ARG(inst != NULL && h != NULL);
    ES_ENSURE(strcmp(h, "p256") == 0 || strcmp(h, "sm2") == 0, ESEAL_EUNSUPPORTED,
              "tsa: the %s hierarchy has no TSA (sm2 and p256 have)", h);
    eseal_cert_record tsa, issuing;
    ES_GUARD(es_from_code(eseal_store_cert_find_role(inst->store, &tsa, "tsa", h)));
    /* The TSA's own issuer (after an issuing CA renewal it may be a superseded CA, not the current
     * one); a revoked issuer makes every token untrustworthy: refuse, and say what to do. */
    es_result r = es_from_code(eseal_store_cert_find(inst->store, &issuing, tsa.issuer_id));
    if (es_ok(r) && issuing.revoked_ms != 0) {
        r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__,
                         "tsa: the %s TSA's issuing CA %s is revoked; renew it with 'eseal ca renew issuing-ca --alg %s'",
                         h, issuing.id, h);
        eseal_cert_record_dispose(&issuing);
    }
    if (!es_ok(r)) {
        eseal_cert_record_dispose(&tsa);
        return r;
    }
    r = es_cert_parse(&t->cert, es_span_of(tsa.pem, strlen(tsa.pem)));
    if (es_ok(r)) {
        r = es_cert_parse(&t->ca, es_span_of(issuing.pem, strlen(issuing.pem)));
    }
    if (es_ok(r)) {
        r = es_instance_load_key(inst, &t->key, &tsa);
    }
    eseal_cert_record_dispose(&tsa);
    eseal_cert_record_dispose(&issuing);
    ES_GUARD(r);
    t->chain[0] = t->ca;
    eseal_tsa_config cfg = ESEAL_TSA_CONFIG_INIT;
    cfg.key = t->key;
    cfg.cert = t->cert;
    cfg.chain = t->chain;
    cfg.chain_len = 1;
    cfg.random_serial = 1;
    cfg.clock = inst_clock;
    cfg.clock_ctx = inst;
    cfg.policy_oid = inst->cfg.tsa_policy; /* NULL: the placeholder default */
    return es_from_code(eseal_tsa_responder_new(&t->responder, &cfg));
}

int eseal_instance_tsa_open(eseal_instance *inst, eseal_tsa_service **out, const char *hierarchy)
{
    if (out == NULL) {
        ES_BAIL_ARG("out == NULL");
    }
    eseal_tsa_service *t = es_calloc(1, sizeof(*t));
    if (t == NULL) {
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    es_result r = tsa_open(inst, t, hierarchy != NULL ? hierarchy : "p256");
    if (!es_ok(r)) {
        eseal_tsa_service_close(t);
        return es_code(r);
    }
    *out = t;
    return ESEAL_OK;
}

const eseal_cert *es_tsa_service_cert(const eseal_tsa_service *t) { return t != NULL ? t->cert : NULL; }
const eseal_cert *es_tsa_service_issuer(const eseal_tsa_service *t) { return t != NULL ? t->ca : NULL; }

static ES_RESULT tsa_service_respond(eseal_tsa_service *t, es_buf *out, es_span req)
{
    eseal_buf resp = ESEAL_BUF_INIT;
    es_result r = es_from_code(eseal_tsa_responder_respond(t->responder, &resp, req.ptr, req.len));
    if (es_ok(r)) {
        r = es_buf_append(out, resp.ptr, resp.size);
    }
    eseal_buf_dispose(&resp);
    return r;
}

int eseal_tsa_service_respond(eseal_tsa_service *t, eseal_buf *resp, const void *req, size_t len)
{
    if (t == NULL || resp == NULL || (req == NULL && len > 0)) {
        ES_BAIL_ARG("t == NULL || resp == NULL || (req == NULL && len > 0)");
    }
    es_buf out = ES_BUF_INIT(ES_TS_RESPONSE_MAX);
    es_result r = tsa_service_respond(t, &out, es_span_of(req, len));
    if (!es_ok(r)) {
        es_buf_free(&out);
        return es_code(r);
    }
    es_buf_move_out(resp, &out);
    return ESEAL_OK;
}

int eseal_instance_tsa_respond(eseal_instance *inst, eseal_buf *resp, const void *req, size_t len,
                               const char *hierarchy)
{
    eseal_tsa_service *t = NULL;
    int rc = eseal_instance_tsa_open(inst, &t, hierarchy);
    if (rc == ESEAL_OK) {
        rc = eseal_tsa_service_respond(t, resp, req, len);
    }
    eseal_tsa_service_close(t);
    return rc;
}
