/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instance's OCSP responder (RFC 6960) and revocation evidence for the
 * stamping side.
 *
 * Every CA of the instance (root and issuing CA of each hierarchy) answers
 * through a delegated responder certificate it issued (role "ocsp", profile
 * ES_PROFILE_OCSP: EKU id-kp-OCSPSigning, id-pkix-ocsp-nocheck), valid
 * RESPONDER_DAYS and replaced when fewer than RENEW_DAYS are left. Init
 * creates them; opening the responder of an older instance (or one whose
 * responders are running out) issues new ones, which needs the passphrase
 * like any other key of the instance (encrypted under keys/).
 *
 * The status of a certificate is read from the store on every request (a
 * revocation is answered at once, without a restart): good, revoked with the
 * time and reason recorded by eseal_instance_cert_revoke, or unknown for a
 * serial that CA never issued.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "eseal/ocsp.h"
#include "ca.h"
#include "http/http.h"

#define DAY_MS (86400LL * 1000)
#define RESPONDER_DAYS 30
#define RENEW_DAYS 7
/* Every CA with a key is served: the responder's own maximum (src/revoke/ocsp.c). Renewals add
 * issuing CAs, so an instance can outgrow a small table; past this one opening fails, never a
 * responder that silently ignores the newest CAs. */
#define MAX_CAS 256

/* ---- responder certificates ----------------------------------------------------------- */

typedef struct {
    const char *ca_id;
    int64_t now;
    char best_id[64];
    int64_t best_not_after;
} responder_find;

static int pick_responder(const eseal_cert_record *rec, void *payload)
{
    responder_find *f = payload;
    if (strcmp(rec->role, "ocsp") != 0 || strcmp(rec->issuer_id, f->ca_id) != 0 || rec->revoked_ms != 0 ||
        rec->key_file[0] == '\0' || rec->not_before_ms > f->now ||
        rec->not_after_ms - f->now < RENEW_DAYS * DAY_MS || rec->not_after_ms <= f->best_not_after) {
        return 0;
    }
    (void)snprintf(f->best_id, sizeof(f->best_id), "%s", rec->id);
    f->best_not_after = rec->not_after_ms;
    return 0;
}

static ES_RESULT issue_responder(eseal_instance *inst, const es_acting *by, eseal_cert_record *out,
                                 const eseal_cert_record *ca)
{
    eseal_key_alg alg = strcmp(ca->hierarchy, "sm2") == 0   ? ESEAL_ALG_SM2
                        : strcmp(ca->hierarchy, "rsa") == 0 ? ESEAL_ALG_RSA2048 /* short-lived: 2048 is enough */
                                                            : ESEAL_ALG_P256;
    es_buf cn = ES_BUF_INIT(ES_CA_CN_MAX);
    int64_t now = es_inst_now(inst);
    es_result r = es_buf_printf(&cn, "%s OCSP Responder (%s %s)", inst->cfg.organization,
                                strcmp(ca->role, "root-ca") == 0 ? "Root CA" : "Issuing CA", ca->hierarchy);
    if (es_ok(r)) {
        es_cert_spec s = {0};
        s.profile = ES_PROFILE_OCSP;
        s.common_name = es_buf_cstr(&cn);
        s.organization = inst->cfg.organization;
        s.country = inst->cfg.country;
        s.org_unit = "eseal Certification Authority";
        s.not_before_ms = now - 60000;
        s.not_after_ms = now + RESPONDER_DAYS * DAY_MS;
        /* in the CA's token when the CA's key is in one (eseal init --token), else a key file */
        r = es_ca_issue_beside(inst, by, out, "ocsp", ca->hierarchy, alg, &s, ca);
    }
    es_buf_free(&cn);
    return r;
}

ES_RESULT es_ocsp_responder_ensure(eseal_instance *inst, const es_acting *by, eseal_cert_record *out,
                                  const eseal_cert_record *ca)
{
    responder_find f = {ca->id, es_inst_now(inst), "", 0};
    ES_GUARD(es_from_code(eseal_store_cert_list(inst->store, pick_responder, &f)));
    eseal_cert_record rec;
    memset(&rec, 0, sizeof(rec));
    if (f.best_id[0] != '\0') {
        ES_GUARD(es_from_code(eseal_store_cert_find(inst->store, &rec, f.best_id)));
    } else {
        ES_GUARD(issue_responder(inst, by, &rec, ca));
    }
    if (out != NULL) {
        *out = rec;
    } else {
        eseal_cert_record_dispose(&rec);
    }
    return ES_OK;
}

/* ---- the service ---------------------------------------------------------------------- */

struct eseal_ocsp_service {
    eseal_instance *inst;
    pthread_mutex_t lock; /* the store is one connection: one lookup at a time */
    size_t n;
    eseal_ocsp_issuer issuers[MAX_CAS];
    eseal_cert *cas[MAX_CAS];
    eseal_cert *responders[MAX_CAS];
    eseal_key *keys[MAX_CAS];
    char ca_ids[MAX_CAS][24];
    eseal_ocsp_config cfg;
};

void eseal_ocsp_service_close(eseal_ocsp_service *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        eseal_cert_free(s->cas[i]);
        eseal_cert_free(s->responders[i]);
        eseal_key_free(s->keys[i]);
    }
    pthread_mutex_destroy(&s->lock);
    es_free(s);
}

/* The responder's clock, read at each response: the instance's context's (thisUpdate, nextUpdate;
 * producedAt is OpenSSL's, from the system clock). */
static int64_t inst_clock(void *inst) { return es_inst_now(inst); }

static int lookup_cb(void *ctx, size_t ca, const uint8_t *serial, size_t len, eseal_ocsp_status *out)
{
    eseal_ocsp_service *s = ctx;
    es_buf hex = ES_BUF_INIT(ES_SHORT_TEXT_MAX);
    es_result r = es_buf_append_hex(&hex, serial, len, true);
    if (!es_ok(r)) {
        return es_code(r);
    }
    out->status = ESEAL_OCSP_UNKNOWN;
    eseal_cert_record rec;
    memset(&rec, 0, sizeof(rec));
    pthread_mutex_lock(&s->lock);
    int rc = eseal_store_cert_find(s->inst->store, &rec, es_buf_cstr(&hex));
    pthread_mutex_unlock(&s->lock);
    if (rc == ESEAL_OK && ca < s->n && strcmp(rec.issuer_id, s->ca_ids[ca]) == 0 &&
        es_strcasecmp(rec.serial, es_buf_cstr(&hex)) == 0) {
        out->status = rec.revoked_ms != 0 ? ESEAL_OCSP_REVOKED : ESEAL_OCSP_GOOD;
        out->revoked_ms = rec.revoked_ms;
        out->reason = rec.revocation_reason;
    }
    eseal_cert_record_dispose(&rec);
    es_buf_free(&hex);
    /* Not ours (or ambiguous): unknown (RFC 6960 §2.2). */
    return rc == ESEAL_OK || rc == ESEAL_ENOTFOUND || rc == ESEAL_EAMBIGUOUS ? ESEAL_OK : rc;
}

typedef struct {
    const char *hierarchy; /* NULL: all */
    const char *only_id;   /* NULL: all */
    char ids[MAX_CAS][24];
    size_t n;
    bool overflow;
} ca_list;

static int list_cas(const eseal_cert_record *rec, void *payload)
{
    ca_list *l = payload;
    if ((strcmp(rec->role, "root-ca") != 0 && strcmp(rec->role, "issuing-ca") != 0) || rec->key_file[0] == '\0' ||
        (l->hierarchy != NULL && strcmp(rec->hierarchy, l->hierarchy) != 0) ||
        (l->only_id != NULL && strcmp(rec->id, l->only_id) != 0)) {
        return 0;
    }
    if (l->n >= MAX_CAS) {
        l->overflow = true;
        return 0;
    }
    (void)snprintf(l->ids[l->n++], sizeof(l->ids[0]), "%s", rec->id);
    return 0;
}

static ES_RESULT load_ca(eseal_instance *inst, eseal_ocsp_service *s, const char *id)
{
    eseal_cert_record ca, resp;
    memset(&resp, 0, sizeof(resp));
    ES_GUARD(es_from_code(eseal_store_cert_find(inst->store, &ca, id)));
    size_t i = s->n;
    es_result r = es_ocsp_responder_ensure(inst, NULL, &resp, &ca);
    if (es_ok(r)) {
        r = es_cert_parse(&s->cas[i], es_span_of(ca.pem, strlen(ca.pem)));
    }
    if (es_ok(r)) {
        r = es_cert_parse(&s->responders[i], es_span_of(resp.pem, strlen(resp.pem)));
    }
    if (es_ok(r)) {
        r = es_instance_load_key(inst, &s->keys[i], &resp);
    }
    if (es_ok(r)) {
        (void)snprintf(s->ca_ids[i], sizeof(s->ca_ids[i]), "%s", ca.id);
        s->issuers[i] = (eseal_ocsp_issuer){s->cas[i], s->responders[i], s->keys[i]};
    }
    s->n++; /* so that close frees what was loaded, also on failure */
    eseal_cert_record_dispose(&ca);
    eseal_cert_record_dispose(&resp);
    return r;
}

static ES_RESULT ocsp_open(eseal_instance *inst, eseal_ocsp_service **out, const char *hierarchy, const char *only_id)
{
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    ES_ENSURE(hierarchy == NULL || strcmp(hierarchy, "sm2") == 0 || strcmp(hierarchy, "p256") == 0 ||
                  strcmp(hierarchy, "rsa") == 0,
              ESEAL_EINVAL, "unknown CA hierarchy '%s' (sm2, p256 or rsa)", hierarchy);
    ca_list l = {hierarchy, only_id, {{0}}, 0, false};
    ES_GUARD(es_from_code(eseal_store_cert_list(inst->store, list_cas, &l)));
    ES_ENSURE(!l.overflow, ESEAL_ELIMIT, "ocsp: the instance has more than %d CAs with keys; the responder serves at most %d",
              MAX_CAS, MAX_CAS);
    ES_ENSURE(l.n > 0, ESEAL_ENOTFOUND, "ocsp: no CA with a key in this instance%s%s", hierarchy != NULL ? " for " : "",
              hierarchy != NULL ? hierarchy : "");
    eseal_ocsp_service *s = es_calloc(1, sizeof(*s));
    ES_ENSURE_ALLOC(s);
    s->inst = inst;
    pthread_mutex_init(&s->lock, NULL);
    es_result r = ES_OK;
    for (size_t i = 0; i < l.n && es_ok(r); i++) {
        r = load_ca(inst, s, l.ids[i]);
    }
    if (!es_ok(r)) {
        eseal_ocsp_service_close(s);
        return r;
    }
    s->cfg = (eseal_ocsp_config)ESEAL_OCSP_CONFIG_INIT;
    s->cfg.issuers = s->issuers;
    s->cfg.issuer_count = s->n;
    s->cfg.lookup = lookup_cb;
    s->cfg.lookup_ctx = s;
    s->cfg.clock = inst_clock;
    s->cfg.clock_ctx = inst;
    *out = s;
    return ES_OK;
}

int eseal_instance_ocsp_open(eseal_instance *inst, eseal_ocsp_service **out, const char *hierarchy)
{
    return es_code(ocsp_open(inst, out, hierarchy, NULL));
}

static ES_RESULT service_respond(eseal_ocsp_service *s, es_buf *out, es_span req)
{
    eseal_buf resp = ESEAL_BUF_INIT;
    es_result r = es_from_code(eseal_ocsp_respond(&resp, req.ptr, req.len, &s->cfg));
    if (es_ok(r)) {
        r = es_buf_append(out, resp.ptr, resp.size);
    }
    eseal_buf_dispose(&resp);
    return r;
}

int eseal_ocsp_service_respond(eseal_ocsp_service *s, eseal_buf *resp, const void *req, size_t len)
{
    if (s == NULL || resp == NULL || (req == NULL && len > 0)) {
        ES_BAIL_ARG("s == NULL || resp == NULL || (req == NULL && len > 0)");
    }
    es_buf out = ES_BUF_INIT(es_inst_limits(s->inst)->max_der_bytes);
    es_result r = service_respond(s, &out, es_span_of(req, len));
    if (!es_ok(r)) {
        es_buf_free(&out);
        return es_code(r);
    }
    es_buf_move_out(resp, &out);
    return ESEAL_OK;
}

/* RFC 6960 appendix A.1 GET: the request is base64 in the URL (already URL-decoded). */
static ES_RESULT service_respond_b64(eseal_ocsp_service *s, es_buf *out, es_span b64in)
{
    es_buf req = ES_BUF_INIT(ESEAL_OCSP_MAX_REQUEST + 1);
    /* Base64 may lose its '+' to a space in careless URL encoders. */
    es_buf b64 = ES_BUF_INIT(ES_OCSP_GET_B64_MAX);
    es_result r = es_buf_append(&b64, b64in.ptr, b64in.len);
    for (size_t i = 0; es_ok(r) && i < b64.len; i++) {
        b64.ptr[i] = b64.ptr[i] == ' ' ? '+' : b64.ptr[i];
    }
    if (es_ok(r) && !es_ok(es_base64_decode(&req, es_buf_span(&b64)))) {
        es_buf_clear(&req); /* not base64: answered malformedRequest */
    }
    if (es_code(r) == ESEAL_ELIMIT) {
        r = ES_OK; /* too long to be a request we answer: malformedRequest */
        es_buf_clear(&req);
    }
    es_buf_free(&b64);
    if (es_ok(r)) {
        r = service_respond(s, out, es_buf_span(&req));
    }
    es_buf_free(&req);
    return r;
}

int eseal_ocsp_service_respond_get(eseal_ocsp_service *s, eseal_buf *resp, const char *b64, size_t len)
{
    if (s == NULL || resp == NULL || (b64 == NULL && len > 0)) {
        ES_BAIL_ARG("s == NULL || resp == NULL || (b64 == NULL && len > 0)");
    }
    es_buf out = ES_BUF_INIT(es_inst_limits(s->inst)->max_der_bytes);
    es_result r = service_respond_b64(s, &out, es_span_of(b64, len));
    if (es_ok(r)) {
        es_buf_move_out(resp, &out);
    }
    es_buf_free(&out);
    return es_code(r);
}

int eseal_instance_ocsp_respond(eseal_instance *inst, eseal_buf *resp, const void *req, size_t len,
                                const char *hierarchy)
{
    eseal_ocsp_service *s = NULL;
    int rc = eseal_instance_ocsp_open(inst, &s, hierarchy);
    if (rc == ESEAL_OK) {
        rc = eseal_ocsp_service_respond(s, resp, req, len);
    }
    eseal_ocsp_service_close(s);
    return rc;
}

/* ---- what the CA publishes: CRLs and its certificates ------------------------------------ */

/* A CA id as the URLs carry it: lower-case hex (es_ca ids), nothing that could name another file. */
static bool is_ca_id(const char *id)
{
    size_t n = strlen(id);
    return n > 0 && n < ES_CA_ID_MAX && es_is_lower_hex(id, n);
}

/* The CRL published by es_ca_publish_crl (HOME/crl/<id>.crl). */
static ES_RESULT service_crl(eseal_ocsp_service *s, es_buf *out, const char *id)
{
    ES_ENSURE(is_ca_id(id), ESEAL_ENOTFOUND, "ocsp: no such CRL (a CA id is lower-case hex)");
    es_buf rel = ES_BUF_INIT(ES_CA_REL_PATH_MAX);
    es_buf path = ES_BUF_INIT(ES_PATH_BUF_MAX);
    es_result r = es_buf_printf(&rel, "crl/%s.crl", id);
    if (es_ok(r)) {
        r = es_home_path(&path, s->inst, es_buf_cstr(&rel));
    }
    if (es_ok(r)) {
        r = es_file_read(out, es_buf_cstr(&path), out->max);
        if (es_code(r) == ESEAL_ENOTFOUND) {
            /* The message of es_file_read names the path under HOME: say it without. */
            r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "ocsp: no CRL published for CA %s", id);
        }
    }
    es_buf_free(&rel);
    es_buf_free(&path);
    return r;
}

int eseal_ocsp_service_crl(eseal_ocsp_service *s, eseal_buf *der, const char *ca_id)
{
    if (s == NULL || der == NULL || ca_id == NULL) {
        ES_BAIL_ARG("s == NULL || der == NULL || ca_id == NULL");
    }
    es_buf out = ES_BUF_INIT(es_inst_limits(s->inst)->max_der_bytes);
    es_result r = service_crl(s, &out, ca_id);
    if (es_ok(r)) {
        es_buf_move_out(der, &out);
    }
    es_buf_free(&out);
    return es_code(r);
}

static ES_RESULT service_ca_cert(eseal_ocsp_service *s, eseal_buf *der, const char *id)
{
    ES_ENSURE(is_ca_id(id), ESEAL_ENOTFOUND, "ocsp: no such CA certificate (a CA id is lower-case hex)");
    eseal_cert_record rec;
    memset(&rec, 0, sizeof(rec));
    pthread_mutex_lock(&s->lock);
    int rc = eseal_store_cert_find(s->inst->store, &rec, id);
    pthread_mutex_unlock(&s->lock);
    /* Only a CA, by its whole id (the store also resolves prefixes). */
    bool ca = rc == ESEAL_OK && strcmp(rec.id, id) == 0 &&
              (strcmp(rec.role, "root-ca") == 0 || strcmp(rec.role, "issuing-ca") == 0);
    eseal_cert *c = NULL;
    es_result r = ca ? es_from_code(eseal_cert_parse(&c, rec.pem, strlen(rec.pem)))
                     : es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "ocsp: no CA certificate %s", id);
    if (es_ok(r)) {
        r = es_from_code(eseal_cert_der(der, c));
    }
    eseal_cert_free(c);
    eseal_cert_record_dispose(&rec);
    return r;
}

int eseal_ocsp_service_ca_cert(eseal_ocsp_service *s, eseal_buf *der, const char *ca_id)
{
    if (s == NULL || der == NULL || ca_id == NULL) {
        ES_BAIL_ARG("s == NULL || der == NULL || ca_id == NULL");
    }
    return es_code(service_ca_cert(s, der, ca_id));
}

/* ---- evidence for signatures (PAdES B-LT, CAdES) -------------------------------------- */

typedef struct {
    const char *fingerprint;
    char id[24];
} ca_by_fp;

static int find_ca_fp(const eseal_cert_record *rec, void *payload)
{
    ca_by_fp *f = payload;
    if ((strcmp(rec->role, "root-ca") == 0 || strcmp(rec->role, "issuing-ca") == 0) &&
        strcmp(rec->fingerprint, f->fingerprint) == 0 && rec->key_file[0] != '\0') {
        (void)snprintf(f->id, sizeof(f->id), "%s", rec->id);
    }
    return 0;
}

static ES_RESULT own_evidence(eseal_instance *inst, const char *ca_id, const eseal_cert *cert,
                              const eseal_cert *issuer, es_revocation_data *out)
{
    eseal_ocsp_service *s = NULL;
    ES_GUARD(ocsp_open(inst, &s, NULL, ca_id));
    es_buf req = ES_BUF_INIT(ES_REV_OCSP_REQUEST_MAX);
    es_buf resp = ES_BUF_INIT(es_inst_limits(inst)->max_der_bytes);
    es_result r = es_ocsp_request_der(&req, cert, issuer, false, false);
    if (es_ok(r)) {
        r = service_respond(s, &resp, es_buf_span(&req));
    }
    if (es_ok(r)) {
        r = es_revocation_data_add(out, ES_REV_OCSP, es_buf_span(&resp));
    }
    eseal_ocsp_service_close(s);
    es_buf_free(&req);
    es_buf_free(&resp);
    ES_GUARD(r);
    eseal_buf crl = ESEAL_BUF_INIT;
    int rc = eseal_store_crl_latest(inst->store, &crl, ca_id);
    if (rc == ESEAL_OK) {
        r = es_revocation_data_add(out, ES_REV_CRL, es_span_of(crl.ptr, crl.size));
    } else if (rc != ESEAL_ENOTFOUND) {
        r = es_from_code(rc);
    }
    eseal_buf_dispose(&crl);
    return r;
}

ES_RESULT es_instance_revocation_evidence(eseal_instance *inst, const eseal_cert *const *chain, size_t n,
                                          es_revocation_data *out)
{
    ES_ENSURE_ARG(inst != NULL && out != NULL && (chain != NULL || n == 0));
    es_buf cache = ES_BUF_INIT(ES_PATH_BUF_MAX);
    es_result r = es_home_path(&cache, inst, "cache/revocation");
    for (size_t i = 0; es_ok(r) && i + 1 < n; i++) {
        const eseal_cert *cert = chain[i], *issuer = chain[i + 1];
        ca_by_fp f = {eseal_cert_fingerprint(issuer), ""};
        r = es_from_code(eseal_store_cert_list(inst->store, find_ca_fp, &f));
        if (es_ok(r) && f.id[0] != '\0') {
            r = own_evidence(inst, f.id, cert, issuer, out);
            continue;
        }
        es_revocation_opts ro = ES_REVOCATION_OPTS_INIT;
        ro.online = true;
        ro.fetch = es_ctx_fetcher(inst->ctx, es_http_fetcher());
        ro.ctx = inst->ctx;
        ro.cache_dir = es_buf_cstr(&cache);
        ro.used = out;
        bool found = false;
        char why[320] = "";
        if (es_ok(r)) {
            r = es_revocation_fetch(&found, cert, issuer, &ro, why, sizeof(why));
        }
        if (es_ok(r) && !found) {
            r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__,
                             "revocation: no OCSP response or CRL could be obtained for %s%s%s%s",
                             eseal_cert_subject(cert), why[0] != '\0' ? " (" : "", why, why[0] != '\0' ? ")" : "");
        }
    }
    es_buf_free(&cache);
    return r;
}
