/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in CA: hierarchies, issuing, CRL publication. Keys are generated
 * here, saved encrypted under keys/, and recorded in the store in one
 * transaction with their certificate.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ca.h"

#define DAY_MS (86400LL * 1000)

const char *es_hierarchy_for_alg(eseal_key_alg alg)
{
    switch (alg) {
    case ESEAL_ALG_SM2:
        return "sm2";
    case ESEAL_ALG_RSA2048:
    case ESEAL_ALG_RSA3072:
        return "rsa";
    default:
        return "p256";
    }
}

static ES_RESULT new_serial(uint8_t serial[16])
{
    /* RFC 5280 §4.1.2.2 / CA/B BR §7.1: at least 64 random bits; 126 here (top bit clear, next set). */
    ES_GUARD(es_random(serial, 16));
    serial[0] &= 0x7F;
    serial[0] |= 0x40;
    return ES_OK;
}

static ES_RESULT record_from_cert(eseal_cert_record *r, const eseal_cert *c, const char *role, const char *hierarchy,
                                  const char *issuer_id, const char *key_file, int64_t now_ms)
{
    memset(r, 0, sizeof(*r));
    r->revocation_reason = -1;
    eseal_buf pem = ESEAL_BUF_INIT;
    int rc = eseal_cert_pem(&pem, c);
    ES_GUARD(es_from_code(rc));
    r->pem = (char *)pem.ptr;
    r->id = es_strndup(eseal_cert_fingerprint(c), 16);
    r->role = es_strdup(role);
    r->hierarchy = es_strdup(hierarchy);
    r->alg = es_strdup(eseal_key_alg_name(eseal_cert_key_alg(c)));
    r->subject = es_strdup(eseal_cert_subject(c));
    r->serial = es_strdup(eseal_cert_serial(c));
    r->issuer_id = es_strdup(issuer_id != NULL ? issuer_id : "");
    r->fingerprint = es_strdup(eseal_cert_fingerprint(c));
    r->key_file = es_strdup(key_file != NULL ? key_file : "");
    r->not_before_ms = eseal_cert_not_before(c);
    r->not_after_ms = eseal_cert_not_after(c);
    r->created_ms = now_ms;
    if (r->id == NULL || r->role == NULL || r->hierarchy == NULL || r->alg == NULL || r->subject == NULL ||
        r->serial == NULL || r->issuer_id == NULL || r->fingerprint == NULL || r->key_file == NULL) {
        eseal_cert_record_dispose(r);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    return ES_OK;
}

/* es_ca_issue; with `renews` (the record the new one replaces) the audit entry is "cert.renewed",
 * naming the old one, in the same transaction as the new record. */
static ES_RESULT ca_issue(eseal_instance *inst, const es_acting *by, eseal_cert_record *out, const char *role,
                          const char *hierarchy,
                          eseal_key_alg alg, const es_cert_spec *spec_in, const eseal_cert_record *issuer_rec,
                          const eseal_cert_record *renews, eseal_key *hw_key, const char *hw_ref)
{
    es_instance_trust_invalidate(inst); /* new CRLs or certificates: verifications rebuild their trust */
    ES_ENSURE(es_instance_unlocked(inst), ESEAL_EPASS, "the instance passphrase is needed to issue certificates");
    eseal_key *key = hw_key; /* a token's key (issue 23) is the caller's: used, never saved nor freed here */
    if (key == NULL) {
        ES_GUARD(es_from_code(eseal_key_generate(&key, alg)));
    }
    eseal_key *issuer_key = NULL;
    eseal_cert *issuer = NULL;
    eseal_cert *cert = NULL;
    es_buf spki = ES_BUF_INIT(ES_SPKI_DER_MAX);
    es_buf rel = ES_BUF_INIT(ES_DIR_PATH_MAX);
    es_buf abs = ES_BUF_INIT(ES_PATH_BUF_MAX);
    eseal_cert_record rec;
    memset(&rec, 0, sizeof(rec));
    bool key_written = false;
    bool in_tx = false;
    es_result r = ES_OK;

    uint8_t serial[16];
    r = new_serial(serial);
    if (es_ok(r) && issuer_rec != NULL) {
        r = es_instance_load_key(inst, &issuer_key, issuer_rec);
        if (es_ok(r)) {
            r = es_cert_parse(&issuer, es_span_of(issuer_rec->pem, strlen(issuer_rec->pem)));
        }
    }
    if (es_ok(r)) {
        eseal_buf pub = ESEAL_BUF_INIT;
        r = es_from_code(eseal_key_public_der(&pub, key));
        if (es_ok(r)) {
            r = es_buf_append(&spki, pub.ptr, pub.size);
        }
        eseal_buf_dispose(&pub);
    }
    es_buf crl_url = ES_BUF_INIT(ES_URL_BUF_MAX);
    es_buf ocsp_url = ES_BUF_INIT(ES_URL_BUF_MAX);
    es_buf ca_url = ES_BUF_INIT(ES_URL_BUF_MAX);
    if (es_ok(r) && issuer_rec != NULL) {
        r = es_buf_printf(&crl_url, "%s/crl/%s.crl", inst->cfg.base_url, issuer_rec->id);
        if (es_ok(r)) {
            r = es_buf_printf(&ocsp_url, "%s/ocsp", inst->cfg.base_url);
        }
        if (es_ok(r)) {
            r = es_buf_printf(&ca_url, "%s/ca/%s.crt", inst->cfg.base_url, issuer_rec->id);
        }
    }
    if (es_ok(r)) {
        es_cert_spec spec = *spec_in;
        spec.serial = serial;
        spec.serial_len = sizeof(serial);
        if (issuer_rec != NULL) {
            spec.crl_url = es_buf_cstr(&crl_url);
            spec.ocsp_url = es_buf_cstr(&ocsp_url);
            spec.ca_issuers_url = es_buf_cstr(&ca_url);
            /* RFC 5280 §6.1.3 is not strict about nesting, but clients are: stay inside the issuer. */
            if (spec.not_after_ms > issuer_rec->not_after_ms) {
                spec.not_after_ms = issuer_rec->not_after_ms;
            }
        }
        r = es_cert_issue(&cert, &spec, es_buf_span(&spki), issuer_key != NULL ? issuer_key : key, issuer);
    }
    es_buf_free(&crl_url);
    es_buf_free(&ocsp_url);
    es_buf_free(&ca_url);
    if (es_ok(r) && hw_key != NULL) {
        r = es_buf_append_str(&rel, hw_ref); /* the record names the key in the token by its URI */
    } else if (es_ok(r)) {
        r = es_buf_printf(&rel, "keys/%.16s.key", eseal_cert_fingerprint(cert));
        if (es_ok(r)) {
            r = es_home_path(&abs, inst, es_buf_cstr(&rel));
        }
        if (es_ok(r)) {
            r = es_key_save(inst, key, es_buf_cstr(&abs));
            key_written = es_ok(r);
        }
    }
    if (es_ok(r)) {
        r = record_from_cert(&rec, cert, role, hierarchy, issuer_rec != NULL ? issuer_rec->id : "", es_buf_cstr(&rel),
                             es_inst_now(inst));
    }
    if (es_ok(r)) {
        r = es_audit_prepare(inst->auditlog);
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_store_begin(inst->store));
        in_tx = es_ok(r);
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_store_cert_insert(inst->store, &rec));
    }
    if (es_ok(r)) {
        char detail[700];
        if (renews == NULL) {
            (void)snprintf(detail, sizeof(detail), "%s %s certificate %s", hierarchy, role, rec.subject);
        } else {
            (void)snprintf(detail, sizeof(detail), "%s %s certificate %s replaces %s (%s)", hierarchy, role,
                           rec.subject, renews->id, renews->revoked_ms != 0 ? "revoked" : "superseded");
        }
        r = es_audit_cert_event(inst->auditlog, by, renews == NULL ? "cert.issued" : "cert.renewed", &rec, detail);
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_store_commit(inst->store));
        in_tx = false;
    }
    if (!es_ok(r)) {
        if (in_tx) {
            (void)eseal_store_rollback(inst->store);
        }
        if (key_written) {
            (void)unlink(es_buf_cstr(&abs)); /* no orphan key without its record */
        }
        eseal_cert_record_dispose(&rec);
    } else if (out != NULL) {
        *out = rec;
    } else {
        eseal_cert_record_dispose(&rec);
    }
    if (key != hw_key) {
        eseal_key_free(key);
    }
    eseal_key_free(issuer_key);
    eseal_cert_free(issuer);
    eseal_cert_free(cert);
    es_buf_free(&spki);
    es_buf_free(&rel);
    es_buf_free(&abs);
    return r;
}

ES_RESULT es_ca_issue(eseal_instance *inst, eseal_cert_record *out, const char *role, const char *hierarchy,
                      eseal_key_alg alg, const es_cert_spec *spec_in, const eseal_cert_record *issuer_rec)
{
    return ca_issue(inst, NULL, out, role, hierarchy, alg, spec_in, issuer_rec, NULL, NULL, NULL);
}

ES_RESULT es_ca_issue_as(eseal_instance *inst, const es_acting *by, eseal_cert_record *out, const char *role,
                         const char *hierarchy, eseal_key_alg alg, const es_cert_spec *spec_in,
                         const eseal_cert_record *issuer_rec)
{
    return ca_issue(inst, by, out, role, hierarchy, alg, spec_in, issuer_rec, NULL, NULL, NULL);
}

/* The token that holds `rec`'s key ("" when its key is a file or its URI names no token label). */
static ES_RESULT key_token(char out[ES_P11_VALUE_MAX + 1], const eseal_cert_record *rec)
{
    out[0] = '\0';
    if (!es_p11_is_uri(rec->key_file)) {
        return ES_OK;
    }
    es_p11_uri u;
    ES_GUARD(es_p11_uri_parse(&u, es_span_of(rec->key_file, strlen(rec->key_file))));
    memcpy(out, u.token, sizeof(u.token));
    return ES_OK;
}

/* A CA role's certificate with a new key: in the instance's CA token when one is being set up
 * (eseal init --token; not for SM2, which PKCS#11 cannot hold), else in a key file. `in_token`
 * names another token to use: the one of the role's current key (a renewal), or of the issuer's
 * (a responder, es_ca_issue_beside). */
static ES_RESULT issue_role(eseal_instance *inst, const es_acting *by, eseal_cert_record *out, const char *role,
                            const char *h, eseal_key_alg alg, const es_cert_spec *spec,
                            const eseal_cert_record *issuer, const eseal_cert_record *renews, const char *in_token)
{
    const char *token = in_token != NULL ? in_token : inst->ca_token;
    if (token == NULL || alg == ESEAL_ALG_SM2) {
        return ca_issue(inst, by, out, role, h, alg, spec, issuer, renews, NULL, NULL);
    }
    eseal_key *key = NULL;
    es_buf uri = ES_BUF_INIT(ES_P11_URI_MAX + 1);
    es_result r = es_hwkey_generate_role(inst, &key, &uri, token, alg, h, role);
    if (es_ok(r)) {
        r = ca_issue(inst, by, out, role, h, alg, spec, issuer, renews, key, es_buf_cstr(&uri));
    }
    eseal_key_free(key);
    es_buf_free(&uri);
    return r;
}

ES_RESULT es_ca_issue_beside(eseal_instance *inst, const es_acting *by, eseal_cert_record *out, const char *role,
                             const char *hierarchy, eseal_key_alg alg, const es_cert_spec *spec,
                             const eseal_cert_record *issuer)
{
    char token[ES_P11_VALUE_MAX + 1];
    ES_GUARD(key_token(token, issuer));
    return issue_role(inst, by, out, role, hierarchy, alg, spec, issuer, NULL, token[0] != '\0' ? token : NULL);
}

ES_RESULT es_ca_issue_for_key(eseal_instance *inst, const es_acting *by, eseal_cert_record *out, const char *role,
                              const char *hierarchy, const es_cert_spec *spec_in, const eseal_cert_record *issuer_rec,
                              eseal_key *key, const char *key_ref)
{
    ES_ENSURE_ARG(key != NULL && key_ref != NULL);
    return ca_issue(inst, by, out, role, hierarchy, eseal_key_algorithm(key), spec_in, issuer_rec, NULL, key, key_ref);
}

typedef struct {
    const char *issuer_id;
    es_crl_entry *entries;
    uint8_t (*serials)[20];
    size_t n;
    size_t cap;
    es_result err;
} crl_collect;

static int collect_revoked(const eseal_cert_record *rec, void *payload)
{
    crl_collect *c = payload;
    if (strcmp(rec->issuer_id, c->issuer_id) != 0 || rec->revoked_ms == 0) {
        return 0;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap == 0 ? 16 : c->cap * 2;
        es_crl_entry *e = es_realloc(c->entries, cap * sizeof(*e));
        if (e == NULL) {
            c->err = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
            return es_code(c->err);
        }
        c->entries = e;
        uint8_t(*s)[20] = es_realloc(c->serials, cap * sizeof(*s));
        if (s == NULL) {
            c->err = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
            return es_code(c->err);
        }
        c->serials = s;
        c->cap = cap;
    }
    es_buf bin = ES_BUF_INIT(ES_X509_SERIAL_MAX);
    es_result r = es_hex_decode(&bin, rec->serial);
    if (!es_ok(r)) {
        es_buf_free(&bin);
        c->err = r;
        return es_code(r);
    }
    memcpy(c->serials[c->n], bin.ptr, bin.len);
    c->entries[c->n] = (es_crl_entry){NULL, bin.len, rec->revoked_ms, rec->revocation_reason};
    es_buf_free(&bin);
    c->n++;
    return 0;
}

ES_RESULT es_ca_publish_crl(eseal_instance *inst, const es_acting *by, const eseal_cert_record *ca, es_buf *der)
{
    es_instance_trust_invalidate(inst); /* new CRLs or certificates: verifications rebuild their trust */
    crl_collect c = {ca->id, NULL, NULL, 0, 0, ES_OK};
    int rc = eseal_store_cert_list(inst->store, collect_revoked, &c);
    es_result r = rc == ESEAL_OK ? ES_OK : (es_code(c.err) != 0 ? c.err : es_from_code(rc));
    for (size_t i = 0; i < c.n; i++) {
        c.entries[i].serial = c.serials[i];
    }
    eseal_key *key = NULL;
    eseal_cert *cert = NULL;
    es_buf out = ES_BUF_INIT(es_inst_limits(inst)->max_der_bytes);
    uint64_t number = 0;
    char counter[64];
    (void)snprintf(counter, sizeof(counter), "crl:%s", ca->id);
    if (es_ok(r)) {
        r = es_instance_load_key(inst, &key, ca);
    }
    if (es_ok(r)) {
        r = es_cert_parse(&cert, es_span_of(ca->pem, strlen(ca->pem)));
    }
    bool in_tx = false;
    if (es_ok(r)) {
        r = es_audit_prepare(inst->auditlog);
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_store_begin(inst->store));
        in_tx = es_ok(r);
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_store_counter_next(inst->store, counter, &number));
    }
    int64_t now = es_inst_now(inst);
    int64_t next = now + (int64_t)inst->cfg.crl_days * DAY_MS;
    if (es_ok(r)) {
        r = es_crl_issue(&out, key, cert, c.entries, c.n, number, now, next);
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_store_crl_put(inst->store, ca->id, number, out.ptr, out.len, now, next));
    }
    if (es_ok(r)) {
        /* On the record with the CRL, before it is written out or handed back. */
        r = es_audit_crl_event(inst->auditlog, by, ca, number, now, next, es_buf_span(&out));
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_store_commit(inst->store));
        in_tx = false;
    }
    if (in_tx) {
        (void)eseal_store_rollback(inst->store);
    }
    if (es_ok(r)) {
        /* Also publish it as a file, for any web server to serve at the CRL distribution point. */
        es_buf path = ES_BUF_INIT(ES_PATH_BUF_MAX);
        es_buf rel = ES_BUF_INIT(ES_CA_REL_PATH_MAX);
        r = es_buf_printf(&rel, "crl/%s.crl", ca->id);
        if (es_ok(r)) {
            r = es_home_path(&path, inst, es_buf_cstr(&rel));
        }
        if (es_ok(r)) {
            r = es_file_write_atomic(es_buf_cstr(&path), out.ptr, out.len, 0644);
        }
        es_buf_free(&path);
        es_buf_free(&rel);
    }
    if (es_ok(r) && der != NULL) {
        r = es_buf_append(der, out.ptr, out.len);
    }
    es_buf_free(&out);
    eseal_key_free(key);
    eseal_cert_free(cert);
    es_free(c.entries);
    es_free(c.serials);
    return r;
}

static ES_RESULT make_hierarchy(eseal_instance *inst, const es_acting *by, const char *h, eseal_key_alg ca_alg,
                                bool maker_tsa)
{
    const es_config *cfg = &inst->cfg;
    int64_t now = es_inst_now(inst);
    es_buf cn = ES_BUF_INIT(ES_CA_CN_MAX);
    static const char *labels[] = {"sm2", "SM2", "p256", "P-256", "rsa", "RSA"};
    const char *label = h;
    for (size_t i = 0; i < 6; i += 2) {
        if (strcmp(labels[i], h) == 0) {
            label = labels[i + 1];
        }
    }
    eseal_cert_record root, issuing;
    memset(&root, 0, sizeof(root));
    memset(&issuing, 0, sizeof(issuing));
    es_cert_spec s = {0};
    s.organization = cfg->organization;
    s.country = cfg->country;
    s.org_unit = "eseal Certification Authority";

    es_result r = es_buf_printf(&cn, "%s Root CA (%s)", cfg->organization, label);
    if (es_ok(r)) {
        s.profile = ES_PROFILE_ROOT_CA;
        s.common_name = es_buf_cstr(&cn);
        s.not_before_ms = now - 60000;
        s.not_after_ms = now + 20 * 365 * DAY_MS;
        r = issue_role(inst, by, &root, "root-ca", h, ca_alg, &s, NULL, NULL, NULL);
    }
    if (es_ok(r)) {
        es_buf_clear(&cn);
        r = es_buf_printf(&cn, "%s Issuing CA (%s)", cfg->organization, label);
    }
    if (es_ok(r)) {
        s.profile = ES_PROFILE_ISSUING_CA;
        s.common_name = es_buf_cstr(&cn);
        s.not_after_ms = now + 10 * 365 * DAY_MS;
        r = issue_role(inst, by, &issuing, "issuing-ca", h, ca_alg, &s, &root, NULL, NULL);
    }
    if (es_ok(r) && maker_tsa) {
        es_buf_clear(&cn);
        r = es_buf_printf(&cn, "%s Seal Maker (%s)", cfg->organization, label);
        if (es_ok(r)) {
            s.profile = ES_PROFILE_SEAL_MAKER;
            s.org_unit = "Seal Registry";
            s.common_name = es_buf_cstr(&cn);
            s.not_after_ms = now + 5 * 365 * DAY_MS;
            r = issue_role(inst, by, NULL, "seal-maker", h, ca_alg, &s, &issuing, NULL, NULL);
        }
        if (es_ok(r)) {
            es_buf_clear(&cn);
            r = es_buf_printf(&cn, "%s Time Stamping Authority (%s)", cfg->organization, label);
        }
        if (es_ok(r)) {
            s.profile = ES_PROFILE_TSA;
            s.org_unit = "Time Stamping";
            s.common_name = es_buf_cstr(&cn);
            r = issue_role(inst, by, NULL, "tsa", h, ca_alg, &s, &issuing, NULL, NULL);
        }
    }
    /* RFC 6960 §4.2.2.2: each CA answers OCSP through a delegated responder it issued. */
    if (es_ok(r)) {
        r = es_ocsp_responder_ensure(inst, by, NULL, &root);
    }
    if (es_ok(r)) {
        r = es_ocsp_responder_ensure(inst, by, NULL, &issuing);
    }
    if (es_ok(r)) {
        r = es_ca_publish_crl(inst, by, &root, NULL);
    }
    if (es_ok(r)) {
        r = es_ca_publish_crl(inst, by, &issuing, NULL);
    }
    eseal_cert_record_dispose(&root);
    eseal_cert_record_dispose(&issuing);
    es_buf_free(&cn);
    return r;
}

ES_RESULT es_ca_create_hierarchies(eseal_instance *inst, const es_acting *by,
                                   void (*progress)(void *ctx, const char *what), void *ctx)
{
    static const struct {
        const char *name, *what;
        eseal_key_alg alg;
        bool maker_tsa;
    } h[] = {
        {"sm2", "the sm2 hierarchy (SM2/SM3): root CA, issuing CA, seal maker, TSA, OCSP responders", ESEAL_ALG_SM2,
         true},
        {"p256", "the p256 hierarchy (ECDSA P-256): root CA, issuing CA, seal maker, TSA, OCSP responders",
         ESEAL_ALG_P256, true},
        {"rsa", "the rsa hierarchy (RSA 3072): root CA, issuing CA, OCSP responders", ESEAL_ALG_RSA3072, false},
    };
    for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
        if (progress != NULL) {
            progress(ctx, h[i].what);
        }
        ES_GUARD(make_hierarchy(inst, by, h[i].name, h[i].alg, h[i].maker_tsa));
    }
    return ES_OK;
}

/* ---- renewal: a new key and certificate for a role, the old one kept ------------------------ */

typedef struct {
    const char *role, *hierarchy;
    eseal_cert_record newest; /* the last match in list order (created, then insertion), as find_role */
    int count;
    es_result err;
} role_scan;

static int scan_role(const eseal_cert_record *rec, void *payload)
{
    role_scan *x = payload;
    if (strcmp(rec->role, x->role) != 0 || strcmp(rec->hierarchy, x->hierarchy) != 0) {
        return 0;
    }
    x->count++;
    eseal_cert_record_dispose(&x->newest);
    char **dst[] = {&x->newest.id, &x->newest.role, &x->newest.hierarchy, &x->newest.alg, &x->newest.subject,
                    &x->newest.serial, &x->newest.issuer_id, &x->newest.fingerprint, &x->newest.pem,
                    &x->newest.key_file};
    char *const src[] = {rec->id, rec->role, rec->hierarchy, rec->alg, rec->subject,
                         rec->serial, rec->issuer_id, rec->fingerprint, rec->pem, rec->key_file};
    for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
        *dst[i] = es_strdup(src[i]);
        if (*dst[i] == NULL) {
            x->err = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
            return es_code(x->err);
        }
    }
    x->newest.not_before_ms = rec->not_before_ms;
    x->newest.not_after_ms = rec->not_after_ms;
    x->newest.created_ms = rec->created_ms;
    x->newest.revoked_ms = rec->revoked_ms;
    x->newest.revocation_reason = rec->revocation_reason;
    return 0;
}

/* The newest record of a role, revoked or not, and how many the role has had. */
static ES_RESULT newest_of_role(eseal_instance *inst, eseal_cert_record *out, int *count, const char *role,
                                const char *h)
{
    role_scan x = {role, h, {0}, 0, ES_OK};
    x.newest.revocation_reason = -1;
    int rc = eseal_store_cert_list(inst->store, scan_role, &x);
    if (rc != ESEAL_OK) {
        eseal_cert_record_dispose(&x.newest);
        return es_code(x.err) != 0 ? x.err : es_from_code(rc);
    }
    if (x.count == 0) {
        return es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "the %s hierarchy has no %s certificate", h, role);
    }
    *out = x.newest;
    *count = x.count;
    return ES_OK;
}

/* What a renewed certificate of each role is (the same profiles and lifetimes as at init). */
static const struct {
    const char *role;
    es_cert_profile profile;
    const char *name;
    const char *unit;
    int years;
    const char *parent;
} renewable[] = {
    {"issuing-ca", ES_PROFILE_ISSUING_CA, "Issuing CA", "eseal Certification Authority", 10, "root-ca"},
    {"seal-maker", ES_PROFILE_SEAL_MAKER, "Seal Maker", "Seal Registry", 5, "issuing-ca"},
    {"tsa", ES_PROFILE_TSA, "Time Stamping Authority", "Time Stamping", 5, "issuing-ca"},
};

static ES_RESULT renew_one(eseal_instance *inst, const es_acting *by, eseal_cert_record *out, size_t k, const char *h,
                           eseal_ca_renew_cb cb, void *payload)
{
    eseal_cert_record old, parent;
    memset(&parent, 0, sizeof(parent));
    int count = 0;
    ES_GUARD(newest_of_role(inst, &old, &count, renewable[k].role, h));
    eseal_key_alg alg = ESEAL_ALG_NONE;
    es_result r = es_from_code(eseal_key_alg_from_name(&alg, old.alg));
    if (es_ok(r)) {
        /* The parent must be current: a revoked one is renewed first (find_role says so). */
        r = es_from_code(eseal_store_cert_find_role(inst->store, &parent, renewable[k].parent, h));
    }
    static const char *labels[] = {"sm2", "SM2", "p256", "P-256", "rsa", "RSA"};
    const char *label = h;
    for (size_t i = 0; i < 6; i += 2) {
        if (strcmp(labels[i], h) == 0) {
            label = labels[i + 1];
        }
    }
    /* A generation number keeps the subjects apart: a verifier never has to tell two CAs of the
     * same name apart by key identifier alone, and a report says which one signed. */
    es_buf cn = ES_BUF_INIT(ES_CA_CN_MAX);
    if (es_ok(r)) {
        r = es_buf_printf(&cn, "%s %s (%s) G%d", inst->cfg.organization, renewable[k].name, label, count + 1);
    }
    eseal_cert_record rec;
    memset(&rec, 0, sizeof(rec));
    if (es_ok(r)) {
        int64_t now = es_inst_now(inst);
        es_cert_spec s = {0};
        s.profile = renewable[k].profile;
        s.organization = inst->cfg.organization;
        s.country = inst->cfg.country;
        s.org_unit = renewable[k].unit;
        s.common_name = es_buf_cstr(&cn);
        s.not_before_ms = now - 60000;
        s.not_after_ms = now + (int64_t)renewable[k].years * 365 * DAY_MS;
        /* A role whose key is in a token keeps it there: the new key is made in the same token. */
        char token[ES_P11_VALUE_MAX + 1] = "";
        if (es_p11_is_uri(old.key_file)) {
            r = key_token(token, &old);
            if (es_ok(r) && token[0] == '\0') {
                r = es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__,
                                 "ca renew: the %s %s key is in a token named by its serial only", h,
                                 renewable[k].role);
            }
        } else if (es_hwkey_is_ref(old.key_file)) {
            r = es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__,
                             "ca renew: the %s %s key is in an SKF device, where eseal makes no keys", h,
                             renewable[k].role);
        }
        if (es_ok(r)) {
            r = issue_role(inst, by, &rec, renewable[k].role, h, alg, &s, &parent, &old,
                           token[0] != '\0' ? token : NULL);
        }
    }
    if (es_ok(r) && k == 0) {
        /* A new CA answers for its certificates from the start: a CRL and an OCSP responder. */
        r = es_ca_publish_crl(inst, by, &rec, NULL);
        if (es_ok(r)) {
            r = es_ocsp_responder_ensure(inst, by, NULL, &rec);
        }
    }
    if (es_ok(r) && cb != NULL && cb(&old, &rec, payload) != 0) {
        r = es_error_set(ESEAL_ERROR, __FILE__, __LINE__, "ca renew: stopped by the caller");
    }
    if (es_ok(r) && out != NULL) {
        *out = rec;
    } else {
        eseal_cert_record_dispose(&rec);
    }
    es_buf_free(&cn);
    eseal_cert_record_dispose(&old);
    eseal_cert_record_dispose(&parent);
    return r;
}

static ES_RESULT ca_renew(eseal_instance *inst, const es_acting *by, eseal_cert_record *out, const char *role,
                          const char *h, eseal_ca_renew_cb cb, void *payload)
{
    ES_ENSURE_ARG(inst != NULL && role != NULL && h != NULL);
    ES_ENSURE(strcmp(h, "sm2") == 0 || strcmp(h, "p256") == 0 || strcmp(h, "rsa") == 0, ESEAL_EINVAL,
              "unknown CA hierarchy '%s' (sm2, p256 or rsa)", h);
    ES_ENSURE(strcmp(role, "root-ca") != 0, ESEAL_EUNSUPPORTED,
              "ca renew: a new root is a new trust anchor every verifier must import; make a new instance "
              "(the roles renewed here are issuing-ca, seal-maker and tsa)");
    ES_ENSURE(strcmp(role, "ocsp") != 0, ESEAL_EUNSUPPORTED,
              "ca renew: OCSP responder certificates are renewed by themselves (a week before they expire) and "
              "for a renewed issuing CA");
    size_t k = 0;
    while (k < sizeof(renewable) / sizeof(renewable[0]) && strcmp(renewable[k].role, role) != 0) {
        k++;
    }
    ES_ENSURE(k < sizeof(renewable) / sizeof(renewable[0]), ESEAL_EINVAL,
              "ca renew: unknown role '%s' (issuing-ca, seal-maker or tsa)", role);
    ES_ENSURE(k == 0 || strcmp(h, "rsa") != 0, ESEAL_EINVAL, "ca renew: the rsa hierarchy has no %s", role);
    ES_ENSURE(es_instance_unlocked(inst), ESEAL_EPASS, "the instance passphrase is needed to renew certificates");
    eseal_cert_record old_ca;
    memset(&old_ca, 0, sizeof(old_ca));
    int count = 0;
    if (k == 0) {
        ES_GUARD(newest_of_role(inst, &old_ca, &count, "issuing-ca", h));
    }
    eseal_cert_record rec;
    memset(&rec, 0, sizeof(rec));
    es_result r = renew_one(inst, by, &rec, k, h, cb, payload);
    /* The seal maker and the TSA certified by a revoked issuing CA can no longer be trusted for
     * anything new; renew them under the new CA. Under a CA that is only superseded they stay
     * valid (its CRLs go on: eseal_instance_crl_issue) and are renewed when the operator asks. */
    for (size_t i = 1; es_ok(r) && k == 0 && old_ca.revoked_ms != 0 && strcmp(h, "rsa") != 0 && i < 3; i++) {
        eseal_cert_record child;
        int n = 0;
        r = newest_of_role(inst, &child, &n, renewable[i].role, h);
        if (es_ok(r)) {
            bool under_old = strcmp(child.issuer_id, old_ca.id) == 0;
            eseal_cert_record_dispose(&child);
            if (under_old) {
                r = renew_one(inst, by, NULL, i, h, cb, payload);
            }
        }
    }
    if (es_ok(r) && out != NULL) {
        *out = rec;
    } else {
        eseal_cert_record_dispose(&rec);
    }
    eseal_cert_record_dispose(&old_ca);
    return r;
}

int eseal_instance_ca_renew(eseal_instance *inst, const eseal_principal *who, eseal_cert_record *out, const char *role,
                            const char *hierarchy, eseal_ca_renew_cb cb, void *payload)
{
    es_acting by;
    ES_ACT_PUBLIC(&by, who, ES_ACT_CA_RENEW, "ca", role);
    return es_code(ca_renew(inst, &by, out, role, hierarchy, cb, payload));
}

/* ---- status: current, superseded, revoked, expired ----------------------------------------- */

typedef struct {
    const eseal_cert_record *rec;
    bool newer;
} ocsp_scan;

static int newer_responder(const eseal_cert_record *r, void *payload)
{
    ocsp_scan *x = payload;
    if (strcmp(r->role, "ocsp") == 0 && strcmp(r->issuer_id, x->rec->issuer_id) == 0 &&
        strcmp(r->id, x->rec->id) != 0 && r->revoked_ms == 0 &&
        (r->created_ms > x->rec->created_ms ||
         (r->created_ms == x->rec->created_ms && r->not_after_ms > x->rec->not_after_ms))) {
        x->newer = true;
    }
    return 0;
}

static ES_RESULT cert_status(eseal_instance *inst, eseal_cert_status *out, const eseal_cert_record *rec)
{
    ES_ENSURE_ARG(inst != NULL && out != NULL && rec != NULL && rec->id != NULL && rec->role != NULL);
    if (rec->revoked_ms != 0) {
        *out = ESEAL_CERT_REVOKED;
        return ES_OK;
    }
    if (rec->not_after_ms < es_inst_now(inst)) {
        *out = ESEAL_CERT_EXPIRED;
        return ES_OK;
    }
    *out = ESEAL_CERT_CURRENT;
    static const char *const platform[] = {"root-ca", "issuing-ca", "seal-maker", "tsa"};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(rec->role, platform[i]) == 0) {
            /* One current certificate per role and hierarchy: the newest (eseal_store_cert_find_role). */
            eseal_cert_record cur;
            int rc = eseal_store_cert_find_role(inst->store, &cur, rec->role, rec->hierarchy);
            if (rc == ESEAL_OK) {
                *out = strcmp(cur.id, rec->id) == 0 ? ESEAL_CERT_CURRENT : ESEAL_CERT_SUPERSEDED;
                eseal_cert_record_dispose(&cur);
            } else if (rc == ESEAL_ESTATE) {
                *out = ESEAL_CERT_SUPERSEDED; /* a newer one exists (and is revoked) */
            } else {
                return es_from_code(rc);
            }
            return ES_OK;
        }
    }
    if (strcmp(rec->role, "ocsp") == 0) {
        ocsp_scan x = {rec, false};
        ES_GUARD(es_from_code(eseal_store_cert_list(inst->store, newer_responder, &x)));
        *out = x.newer ? ESEAL_CERT_SUPERSEDED : ESEAL_CERT_CURRENT;
    }
    return ES_OK;
}

int eseal_instance_cert_status(eseal_instance *inst, eseal_cert_status *out, const eseal_cert_record *rec)
{
    return es_code(cert_status(inst, out, rec));
}

const char *eseal_cert_status_name(eseal_cert_status s)
{
    switch (s) {
    case ESEAL_CERT_CURRENT:
        return "current";
    case ESEAL_CERT_SUPERSEDED:
        return "superseded";
    case ESEAL_CERT_REVOKED:
        return "revoked";
    case ESEAL_CERT_EXPIRED:
        return "expired";
    }
    return "unknown";
}
