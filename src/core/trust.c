/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instance's trust (moved from src/service/instance.c): its CAs and their latest CRLs, the
 * copy cached for verifications, and a request's extra anchors and CRLs.
 */
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "eseal/trustlist.h"
#include "util/der.h"

typedef struct {
    eseal_instance *inst;
    eseal_trust *t;
    es_result err;
} trust_collect;

static int add_ca(const eseal_cert_record *rec, void *payload)
{
    trust_collect *c = payload;
    bool root = strcmp(rec->role, "root-ca") == 0;
    if (!root && strcmp(rec->role, "issuing-ca") != 0) {
        return 0;
    }
    /* Kept as DER with its names, decoded only if a chain needs it (issue 18: a stamp or a verify uses
     * one hierarchy's two or three CAs of the instance's six or more). */
    int rc = es_code(es_trust_add_lazy(c->t, es_span_of(rec->pem, strlen(rec->pem)), root));
    if (rc == ESEAL_OK) {
        eseal_buf der = ESEAL_BUF_INIT;
        rc = eseal_store_crl_latest(c->inst->store, &der, rec->id);
        if (rc == ESEAL_OK) {
            rc = eseal_trust_add_crl(c->t, der.ptr, der.size);
        } else if (rc == ESEAL_ENOTFOUND) {
            rc = ESEAL_OK; /* the verifier reports REVOCATION_UNKNOWN */
        }
        eseal_buf_dispose(&der);
    }
    if (rc != ESEAL_OK) {
        c->err = es_from_code(rc);
    }
    return rc;
}

/* A CA, TSA, OCSP responder or seal maker the list names, with its statuses (the current one, then its
 * history, newest first): a chain through a CA this list vouches for holds only while the list granted
 * the CA, and a time-stamp token of a TSA it vouches for must come from one of its TSA services granted
 * at the token's time (crypto/trust.c). */
static ES_RESULT add_service(eseal_trust *t, const eseal_tl_service *v)
{
    int type = v->type == ESEAL_TL_TSA ? ES_TRUST_SVC_TSA : v->type == ESEAL_TL_OCSP ? ES_TRUST_SVC_OCSP
             : v->type == ESEAL_TL_SEAL_MAKER ? ES_TRUST_SVC_SEAL_MAKER : v->type == ESEAL_TL_CA ? ES_TRUST_SVC_CA
                                                                                            : 0;
    if (type == 0) {
        return ES_OK;
    }
    int64_t since[ES_TRUST_SERVICE_STATUSES];
    bool granted[ES_TRUST_SERVICE_STATUSES];
    size_t n = 0;
    since[n] = v->status.since_ms;
    granted[n++] = !v->status.withdrawn;
    for (size_t i = 0; i < v->history_count && n < ES_TRUST_SERVICE_STATUSES; i++) {
        since[n] = v->history[i].since_ms;
        granted[n++] = !v->history[i].withdrawn;
    }
    return es_trust_add_service(t, es_span_of(v->cert_der, v->cert_len), type, since, granted, n);
}

/* The CAs of the platforms the instance recognises (issue 24): each imported list checked again (its
 * signature; the store holds it as received), its CA services added, a self-signed one as an anchor and
 * an issuing one as an intermediate, each noted with the list and with its status history: a CA the list
 * withdrew still anchors what is judged at a time it was granted, nothing later (docs/trust-lists.md). */
static int add_recognised(const eseal_trusted_list_record *rec, const void *jws, size_t len, void *payload)
{
    trust_collect *c = payload;
    if (rec->list_of_lists) {
        return 0; /* its platforms are imported lists of their own */
    }
    eseal_trustlist *tl = NULL;
    int rc = eseal_trustlist_parse(&tl, jws, len);
    if (rc != ESEAL_OK || strcmp(eseal_trustlist_key_sha256(tl), rec->key_sha256) != 0) {
        /* A stored list that no longer verifies under its key is not trusted; the others still are. */
        eseal_trustlist_free(tl);
        eseal_error_clear();
        return 0;
    }
    char note[ESEAL_TRUSTLIST_MAX_STRING + 64];
    (void)snprintf(note, sizeof(note), "the trust list of %s, sequence %llu", rec->name,
                   (unsigned long long)rec->sequence);
    for (size_t e = 0; rc == ESEAL_OK && e < eseal_trustlist_entity_count(tl); e++) {
        const eseal_tl_entity *ent = eseal_trustlist_entity(tl, e);
        for (size_t k = 0; rc == ESEAL_OK && k < ent->service_count; k++) {
            const eseal_tl_service *v = &ent->services[k];
            if (v->cert_der != NULL) {
                rc = es_code(add_service(c->t, v));
            }
            if (rc != ESEAL_OK || v->type != ESEAL_TL_CA || v->cert_der == NULL) {
                continue;
            }
            eseal_cert *cert = NULL;
            rc = eseal_cert_parse(&cert, v->cert_der, v->cert_len);
            if (rc == ESEAL_OK) {
                bool self = strcmp(eseal_cert_subject(cert), eseal_cert_issuer(cert)) == 0;
                eseal_cert_free(cert);
                rc = es_code(es_trust_add_noted(c->t, es_span_of(v->cert_der, v->cert_len), self, note));
            }
        }
    }
    eseal_trustlist_free(tl);
    /* The CRLs fetched from that platform at its last add or refresh (checked against its CAs then;
     * their signatures are checked again when a chain uses them). */
    es_cur cur = es_cur_of(es_span_of(rec->crls, rec->crls_len));
    while (rc == ESEAL_OK && es_cur_left(&cur) > 0) {
        es_der d;
        rc = es_code(es_der_expect(&cur, ES_DER_SEQUENCE, &d, "a stored CRL"));
        if (rc == ESEAL_OK) {
            rc = eseal_trust_add_crl(c->t, d.tlv.ptr, d.tlv.len);
        }
    }
    if (rc != ESEAL_OK) {
        c->err = es_from_code(rc);
    }
    return rc;
}

int eseal_instance_trust(eseal_instance *inst, eseal_trust **out)
{
    if (inst == NULL || out == NULL) {
        ES_BAIL_ARG("inst == NULL || out == NULL");
    }
    eseal_trust *t = NULL;
    int rc = eseal_trust_new(&t);
    if (rc != ESEAL_OK) {
        return rc;
    }
    trust_collect c = {inst, t, ES_OK};
    /* Only the CA rows (issue 18): the store answers from its role index, so the load does not grow
     * with the end-entity certificates ever issued. Same rows in the same order as filtering
     * eseal_store_cert_list (unit_trust_rows). */
    static const char *const ca_roles[] = {"root-ca", "issuing-ca"};
    rc = eseal_store_cert_list_roles(inst->store, ca_roles, sizeof(ca_roles) / sizeof(ca_roles[0]), add_ca, &c);
    if (rc == ESEAL_OK) {
        rc = eseal_store_trusted_list_each(inst->store, add_recognised, &c);
    }
    if (rc != ESEAL_OK) {
        eseal_trust_free(t);
        return rc;
    }
    *out = t;
    return ESEAL_OK;
}

ES_RESULT es_instance_trust_for(eseal_instance *inst, const eseal_verify_request *q, eseal_trust **out)
{
    eseal_trust *t = NULL;
    if (inst != NULL) {
        ES_GUARD(es_from_code(eseal_instance_trust(inst, &t)));
    } else {
        ES_GUARD(es_from_code(eseal_trust_new(&t)));
    }
    es_result r = ES_OK;
    if (q != NULL && q->trust_path != NULL) {
        r = es_from_code(eseal_trust_add_path(t, q->trust_path, 1));
    }
    for (size_t i = 0; q != NULL && i < q->crl_count && es_ok(r); i++) {
        es_buf crl = ES_BUF_INIT(es_inst_limits(inst)->max_der_bytes);
        r = es_file_read(&crl, q->crl_paths[i], crl.max);
        if (es_ok(r)) {
            r = es_from_code(eseal_trust_add_crl(t, crl.ptr, crl.len));
        }
        es_buf_free(&crl);
    }
    if (!es_ok(r)) {
        eseal_trust_free(t);
        return r;
    }
    *out = t;
    return ES_OK;
}

void es_instance_trust_invalidate(eseal_instance *inst)
{
    if (inst != NULL) {
        eseal_trust_free(inst->trust_cache);
        inst->trust_cache = NULL;
    }
}

ES_RESULT es_instance_trust_shared(eseal_instance *inst, const eseal_verify_request *q, eseal_trust **out,
                                   bool *owned)
{
    bool extras = q != NULL && (q->trust_path != NULL || q->crl_count > 0);
    if (inst == NULL || extras) {
        *owned = true;
        return es_instance_trust_for(inst, q, out);
    }
    int64_t now = es_inst_now(inst);
    if (inst->trust_cache == NULL || now - inst->trust_cache_ms > TRUST_CACHE_MS || now < inst->trust_cache_ms) {
        eseal_trust *t = NULL;
        ES_GUARD(es_from_code(eseal_instance_trust(inst, &t)));
        eseal_trust_free(inst->trust_cache);
        inst->trust_cache = t;
        inst->trust_cache_ms = now;
    }
    *owned = false;
    *out = inst->trust_cache;
    return ES_OK;
}
