/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trust sets and chain validation (RFC 5280 §6 through OpenSSL, with SM2 IDs),
 * certificate validity at the validation time, and revocation (CRLs and OCSP
 * responses, revocation.c) with the ETSI EN 319 102-1 outcomes (REVOKED vs
 * REVOKED_NO_POE).
 */
#include <dirent.h>
#include <limits.h>
#include <string.h>

#include <openssl/pem.h>

#include "chain.h"
#include "ossl.h"
#include "util/der.h"
#include "util/report.h"

int eseal_trust_new(eseal_trust **out)
{
    if (out == NULL) {
        ES_BAIL_ARG("out == NULL");
    }
    eseal_trust *t = es_calloc(1, sizeof(*t));
    if (t == NULL || (t->lock = es_calloc(1, sizeof(*t->lock))) == NULL || (t->crls = sk_X509_CRL_new_null()) == NULL) {
        eseal_trust_free(t);
        return es_code(es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory"));
    }
    if (pthread_mutex_init(t->lock, NULL) != 0) {
        es_free(t->lock);
        t->lock = NULL;
        eseal_trust_free(t);
        return es_code(es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "trust: cannot make a lock"));
    }
    *out = t;
    return ESEAL_OK;
}

void eseal_trust_free(eseal_trust *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        es_free(t->certs[i].der);
        es_free(t->certs[i].note);
        X509_NAME_free(t->certs[i].subject);
        X509_NAME_free(t->certs[i].issuer);
        X509_free(t->certs[i].x);
    }
    es_free(t->certs);
    es_free(t->services);
    if (t->lock != NULL) {
        (void)pthread_mutex_destroy(t->lock);
        es_free(t->lock);
    }
    sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
    es_free(t);
}

_Atomic size_t es_trust_decoded = 0;

static X509_NAME *name_of(es_span der)
{
    const unsigned char *p = der.ptr;
    X509_NAME *nm = d2i_X509_NAME(NULL, &p, (long)der.len);
    if (nm != NULL && p != der.ptr + der.len) {
        X509_NAME_free(nm);
        nm = NULL;
    }
    return nm;
}

/*
 * The issuer and subject names of a DER certificate, read without decoding the certificate (its
 * public key is what costs: an OSSL_DECODER in OpenSSL 3). RFC 5280 §4.1: Certificate ::= SEQUENCE {
 * tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity,
 * subject, ... }, ... }.
 */
static ES_RESULT cert_names(es_span der, es_span *issuer, es_span *subject)
{
    es_cur c = es_cur_of(der);
    es_der cert, tbs, e;
    ES_GUARD(es_der_expect(&c, ES_DER_SEQUENCE, &cert, "Certificate"));
    ES_GUARD(es_der_end(&c, "certificate"));
    es_cur ci = es_der_inner(&c, &cert);
    ES_GUARD(es_der_expect(&ci, ES_DER_SEQUENCE, &tbs, "tbsCertificate"));
    es_cur ti = es_der_inner(&ci, &tbs);
    if (es_der_peek(&ti, ES_DER_CTX0_CONS)) {
        ES_GUARD(es_der_next(&ti, &e));
    }
    ES_GUARD(es_der_expect(&ti, ES_DER_INTEGER, &e, "serialNumber"));
    ES_GUARD(es_der_expect(&ti, ES_DER_SEQUENCE, &e, "signature"));
    ES_GUARD(es_der_expect(&ti, ES_DER_SEQUENCE, &e, "issuer"));
    *issuer = e.tlv;
    ES_GUARD(es_der_expect(&ti, ES_DER_SEQUENCE, &e, "validity"));
    ES_GUARD(es_der_expect(&ti, ES_DER_SEQUENCE, &e, "subject"));
    *subject = e.tlv;
    return ES_OK;
}

/* Appends a certificate (DER copied; x, when given, referenced: then it is not decoded again). */
static ES_RESULT add_entry(eseal_trust *t, es_span der, X509 *x, bool anchor)
{
    size_t kind = anchor ? t->n_anchors : t->n - t->n_anchors;
    ES_ENSURE(kind < ES_TRUST_MAX_CERTS, ESEAL_ELIMIT, "more than %d certificates in the trust set", ES_TRUST_MAX_CERTS);
    es_span is, su;
    ES_GUARD(cert_names(der, &is, &su));
    if (t->n == t->cap) {
        size_t cap = t->cap == 0 ? 8 : 2 * t->cap;
        es_trust_cert *grown = es_realloc(t->certs, cap * sizeof(*grown));
        ES_ENSURE_ALLOC(grown);
        t->certs = grown;
        t->cap = cap;
    }
    es_trust_cert e = {0};
    e.anchor = anchor;
    e.len = der.len;
    e.der = es_malloc(der.len);
    e.issuer = name_of(is);
    e.subject = name_of(su);
    es_result r = ES_OK;
    if (e.der == NULL) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    } else if (e.issuer == NULL || e.subject == NULL) {
        r = es_ossl_error(ESEAL_EMALFORMED, __FILE__, __LINE__, "a certificate's names cannot be read");
    } else if (x != NULL && X509_up_ref(x) != 1) {
        r = es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "referencing a certificate");
    }
    if (!es_ok(r)) {
        es_free(e.der);
        X509_NAME_free(e.issuer);
        X509_NAME_free(e.subject);
        return r;
    }
    memcpy(e.der, der.ptr, der.len);
    e.x = x;
    t->certs[t->n++] = e;
    t->n_anchors += anchor;
    return ES_OK;
}

static ES_RESULT add_x509(eseal_trust *t, X509 *x, bool anchor)
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    ES_ENSURE_OSSL(n > 0, ESEAL_ECRYPTO, "encoding a certificate");
    es_result r = add_entry(t, es_span_of(der, (size_t)n), x, anchor);
    OPENSSL_free(der);
    return r;
}

int eseal_trust_add_anchor(eseal_trust *t, const eseal_cert *c)
{
    if (t == NULL || c == NULL) {
        ES_BAIL_ARG("t == NULL || c == NULL");
    }
    return es_code(add_x509(t, c->x509, true));
}

int eseal_trust_add_intermediate(eseal_trust *t, const eseal_cert *c)
{
    if (t == NULL || c == NULL) {
        ES_BAIL_ARG("t == NULL || c == NULL");
    }
    return es_code(add_x509(t, c->x509, false));
}

ES_RESULT es_trust_add_noted(eseal_trust *t, es_span der, bool anchor, const char *note)
{
    ES_ENSURE(t != NULL && note != NULL, ESEAL_EINVAL, "trust: no trust set or note");
    char *copy = es_strdup(note);
    ES_ENSURE_ALLOC(copy);
    es_result r = add_entry(t, der, NULL, anchor);
    if (!es_ok(r)) {
        es_free(copy);
        return r;
    }
    t->certs[t->n - 1].note = copy;
    return ES_OK;
}

ES_RESULT es_trust_add_service(eseal_trust *t, es_span der, int type, const int64_t *since, const bool *granted,
                               size_t n)
{
    ES_ENSURE(t != NULL && der.len > 0 && (n == 0 || (since != NULL && granted != NULL)), ESEAL_EINVAL,
              "trust: a service without a certificate");
    if (t->n_services == t->cap_services) {
        size_t cap = t->cap_services == 0 ? 16 : t->cap_services * 2;
        ES_ENSURE(cap <= ES_TRUST_MAX_CERTS, ESEAL_ELIMIT, "trust: more than %d services", ES_TRUST_MAX_CERTS);
        es_trust_service *s = es_realloc(t->services, cap * sizeof(*s));
        ES_ENSURE_ALLOC(s);
        t->services = s;
        t->cap_services = cap;
    }
    es_trust_service *s = &t->services[t->n_services];
    memset(s, 0, sizeof(*s));
    size_t md_len = 0;
    uint8_t md[64];
    ES_GUARD(es_digest(md, &md_len, ESEAL_HASH_SHA256, der));
    memcpy(s->sha256, md, sizeof(s->sha256));
    s->type = type;
    s->n = n < ES_TRUST_SERVICE_STATUSES ? n : ES_TRUST_SERVICE_STATUSES;
    for (size_t i = 0; i < s->n; i++) {
        s->since[i] = since[i];
        s->granted[i] = granted[i];
    }
    t->n_services++;
    return ES_OK;
}

/* Was `x` a service of `type` granted at `at_ms`? *listed: it is such a service at all. */
static bool service_granted(const eseal_trust *t, X509 *x, int type, int64_t at_ms, bool *listed)
{
    *listed = false;
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    uint8_t md[64];
    size_t md_len = 0;
    bool ok = n > 0 && es_ok(es_digest(md, &md_len, ESEAL_HASH_SHA256, es_span_of(der, (size_t)n)));
    OPENSSL_free(der);
    ERR_clear_error();
    eseal_error_clear();
    bool granted = false;
    for (size_t i = 0; ok && i < t->n_services; i++) {
        const es_trust_service *s = &t->services[i];
        if (s->type != type || memcmp(s->sha256, md, sizeof(s->sha256)) != 0) {
            continue;
        }
        *listed = true;
        for (size_t k = 0; k < s->n; k++) {
            if (s->since[k] <= at_ms) {
                granted = granted || s->granted[k]; /* its status then: the newest that had started */
                break;
            }
        }
    }
    return granted;
}

/* The note of the trust set's entry that is `x` (an anchor a chain ended at), or NULL. */
static const char *entry_note(const eseal_trust *t, X509 *x)
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    const char *note = NULL;
    for (size_t i = 0; n > 0 && note == NULL && i < t->n; i++) {
        const es_trust_cert *e = &t->certs[i];
        if (e->note != NULL && e->len == (size_t)n && memcmp(e->der, der, (size_t)n) == 0) {
            note = e->note;
        }
    }
    OPENSSL_free(der);
    ERR_clear_error();
    return note;
}

ES_RESULT es_trust_add_lazy(eseal_trust *t, es_span data, bool anchor)
{
    ES_ENSURE(t != NULL, ESEAL_EINVAL, "trust: no trust set");
    if (memmem(data.ptr, data.len, "-----BEGIN", 10) == NULL) {
        return add_entry(t, data, NULL, anchor);
    }
    ES_ENSURE(data.len <= INT_MAX, ESEAL_ELIMIT, "trust: a PEM certificate of %zu bytes", data.len);
    ES_AUTO(BIO_free_allp) BIO *bio = BIO_new_mem_buf(data.ptr, (int)data.len);
    ES_ENSURE_ALLOC(bio);
    unsigned char *der = NULL;
    long len = 0;
    ES_ENSURE_OSSL(PEM_bytes_read_bio(&der, &len, NULL, PEM_STRING_X509, bio, NULL, NULL) == 1, ESEAL_EMALFORMED,
                   "reading a PEM certificate");
    es_result r = add_entry(t, es_span_of(der, (size_t)len), NULL, anchor);
    OPENSSL_free(der);
    return r;
}

/* Certificate i decoded (under t's lock: a batch's threads share the timestamper's trust). */
static X509 *cert_at_locked(const eseal_trust *t, size_t i)
{
    es_trust_cert *e = &t->certs[i];
    if (e->x == NULL) {
        X509 *x = NULL;
        if (es_ok(es_x509_from_der(&x, es_span_of(e->der, e->len)))) {
            e->x = x;
            es_trust_decoded++;
        }
    }
    return e->x;
}

X509 *es_trust_cert_at(const eseal_trust *t, size_t i)
{
    if (t == NULL || i >= t->n) {
        return NULL;
    }
    (void)pthread_mutex_lock(t->lock);
    X509 *x = cert_at_locked(t, i);
    (void)pthread_mutex_unlock(t->lock);
    return x;
}

static bool names_hold(const X509_NAME *const *names, size_t n, const X509_NAME *nm)
{
    for (size_t i = 0; i < n; i++) {
        if (X509_NAME_cmp(names[i], nm) == 0) {
            return true;
        }
    }
    return false;
}

/* Appends name to the set (no duplicates); ESEAL_ELIMIT past `cap`. */
static ES_RESULT names_add(const X509_NAME **names, size_t *n, size_t cap, const X509_NAME *nm)
{
    if (nm == NULL || names_hold(names, *n, nm)) {
        return ES_OK;
    }
    ES_ENSURE(*n < cap, ESEAL_ELIMIT, "trust: more than %zu names on the paths of one certificate", cap);
    names[(*n)++] = nm;
    return ES_OK;
}

static ES_RESULT push_ref(STACK_OF(X509) *sk, X509 *x)
{
    if (sk == NULL) {
        return ES_OK;
    }
    ES_GUARD_OSSL(X509_up_ref(x), "referencing a certificate");
    if (sk_X509_push(sk, x) <= 0) {
        X509_free(x);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    return ES_OK;
}

/* Takes (decodes) the marked certificates, in t's order, into the stacks. Under t's lock. */
static ES_RESULT take_marked(const eseal_trust *t, const bool *mark, STACK_OF(X509) *anchors,
                             STACK_OF(X509) *intermediates)
{
    for (size_t i = 0; i < t->n; i++) {
        if (!mark[i]) {
            continue;
        }
        X509 *x = cert_at_locked(t, i);
        if (x == NULL) {
            return es_from_code(eseal_error_last()->code != ESEAL_OK ? eseal_error_last()->code : ESEAL_EMALFORMED);
        }
        ES_GUARD(push_ref(t->certs[i].anchor ? anchors : intermediates, x));
    }
    return ES_OK;
}

ES_RESULT es_trust_path_certs(const eseal_trust *t, X509 *const *from, size_t n_from, const STACK_OF(X509) *more,
                              STACK_OF(X509) *anchors, STACK_OF(X509) *intermediates)
{
    if (t == NULL || t->n == 0) {
        return ES_OK;
    }
    /* The names to look for: every subject or issuer name a path through `from` can ask for. */
    size_t cap = 2 * (n_from + (size_t)(more != NULL ? sk_X509_num(more) : 0) + t->n) + 2;
    ES_AUTO(es_freep) const X509_NAME **names = es_calloc(cap, sizeof(*names));
    ES_AUTO(es_freep) bool *mark = es_calloc(t->n, sizeof(*mark));
    ES_ENSURE_ALLOC(names);
    ES_ENSURE_ALLOC(mark);
    size_t n = 0;
    for (size_t i = 0; i < n_from; i++) {
        if (from[i] != NULL) {
            ES_GUARD(names_add(names, &n, cap, X509_get_subject_name(from[i])));
            ES_GUARD(names_add(names, &n, cap, X509_get_issuer_name(from[i])));
        }
    }
    for (int i = 0; more != NULL && i < sk_X509_num(more); i++) {
        ES_GUARD(names_add(names, &n, cap, X509_get_subject_name(sk_X509_value(more, i))));
        ES_GUARD(names_add(names, &n, cap, X509_get_issuer_name(sk_X509_value(more, i))));
    }
    /* The closure: a certificate taken brings its issuer's name (anchors too: a partial chain may go on). */
    for (bool grew = true; grew;) {
        grew = false;
        for (size_t i = 0; i < t->n; i++) {
            if (!mark[i] && names_hold(names, n, t->certs[i].subject)) {
                mark[i] = true;
                grew = true;
                ES_GUARD(names_add(names, &n, cap, t->certs[i].issuer));
            }
        }
    }
    (void)pthread_mutex_lock(t->lock);
    es_result r = take_marked(t, mark, anchors, intermediates);
    (void)pthread_mutex_unlock(t->lock);
    return r;
}

ES_RESULT es_trust_issued_by(const eseal_trust *t, const X509_NAME *issuer, STACK_OF(X509) *intermediates,
                             STACK_OF(X509) *anchors)
{
    if (t == NULL || t->n == 0 || issuer == NULL) {
        return ES_OK;
    }
    ES_AUTO(es_freep) bool *mark = es_calloc(t->n, sizeof(*mark));
    ES_ENSURE_ALLOC(mark);
    for (size_t i = 0; i < t->n; i++) {
        mark[i] = X509_NAME_cmp(t->certs[i].issuer, issuer) == 0;
    }
    (void)pthread_mutex_lock(t->lock);
    es_result r = take_marked(t, mark, anchors, intermediates);
    (void)pthread_mutex_unlock(t->lock);
    return r;
}

bool es_trust_has_intermediate(const eseal_trust *t, X509 *x)
{
    if (t == NULL || x == NULL) {
        return false;
    }
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    bool found = false;
    for (size_t i = 0; n > 0 && i < t->n && !found; i++) {
        found = !t->certs[i].anchor && t->certs[i].len == (size_t)n && memcmp(t->certs[i].der, der, (size_t)n) == 0;
    }
    OPENSSL_free(der);
    ERR_clear_error();
    return found;
}

static ES_RESULT push_cert(STACK_OF(X509) *sk, X509 *x)
{
    ES_ENSURE(sk_X509_num(sk) < ES_TRUST_MAX_CERTS, ESEAL_ELIMIT, "more than %d certificates in the trust set",
              ES_TRUST_MAX_CERTS);
    return push_ref(sk, x);
}

size_t eseal_trust_anchor_count(const eseal_trust *t) { return t == NULL ? 0 : t->n_anchors; }

/*
 * The CRLs of a PEM bundle (`eseal ca export --bundle` writes the anchors and the CAs' CRLs in
 * one file, as `openssl verify -CAfile` reads them): each "X509 CRL" block joins the trust set's
 * CRLs. A block that is not a CRL is skipped; a CRL block that cannot be read is an error.
 */
static ES_RESULT add_pem_crls(eseal_trust *t, es_span data, const char *path, size_t *n)
{
    static const char mark[] = "-----BEGIN X509 CRL-----";
    const uint8_t *p = data.ptr, *end = data.ptr + data.len;
    size_t count = 0;
    *n = 0;
    while (p < end) {
        const uint8_t *b = memmem(p, (size_t)(end - p), mark, sizeof(mark) - 1);
        if (b == NULL) {
            break;
        }
        ES_ENSURE(++count <= ES_TRUST_MAX_CRLS, ESEAL_ELIMIT, "%s: more than %d CRLs", path, ES_TRUST_MAX_CRLS);
        BIO *bio = BIO_new_mem_buf(b, (int)(end - b));
        ES_ENSURE_ALLOC(bio);
        X509_CRL *crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
        BIO_free(bio);
        if (crl == NULL) {
            ERR_clear_error();
            ES_BAIL(ESEAL_EMALFORMED, "%s: CRL %zu of the file cannot be read", path, count);
        }
        if (sk_X509_CRL_push(t->crls, crl) <= 0) {
            X509_CRL_free(crl);
            ES_BAIL(ESEAL_ENOMEM, "out of memory");
        }
        p = b + sizeof(mark) - 1;
        *n = count;
    }
    return ES_OK;
}

/* `x` is not self-issued and another certificate of `list` issued it. */
static bool issued_within(X509 *x, eseal_cert *const *list, size_t n)
{
    if (X509_check_issued(x, x) == X509_V_OK) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (list[i]->x509 != x && X509_check_issued(list[i]->x509, x) == X509_V_OK) {
            return true;
        }
    }
    return false;
}

static ES_RESULT add_file(eseal_trust *t, const char *path, int as_anchor)
{
    es_buf data = ES_BUF_INIT(es_ctx_limits(NULL)->max_text_bytes);
    ES_GUARD(es_file_read(&data, path, data.max));
    eseal_cert **list = NULL;
    size_t n = 0;
    es_result r = es_cert_parse_all(&list, &n, es_buf_span(&data), 1000);
    if (!es_ok(r)) {
        es_buf_free(&data);
        return es_error_set(es_code(r), __FILE__, __LINE__, "%s: %s", path, eseal_error_last()->message);
    }
    size_t ncrl = 0;
    r = add_pem_crls(t, es_buf_span(&data), path, &ncrl);
    es_buf_free(&data);
    /*
     * A bundle (a file that brings CRLs too, as `eseal ca export --bundle` writes it): its
     * certificates issued by another of its certificates help build paths to the top ones and
     * are judged like any CA, revocation included, with the bundle's CRLs. Trusting them as
     * anchors would end the path there (partial chains) and skip their revocation check. A file
     * of certificates only keeps the plain meaning: every certificate is an anchor.
     */
    for (size_t i = 0; i < n && es_ok(r); i++) {
        bool anchor = as_anchor && (ncrl == 0 || !issued_within(list[i]->x509, list, n));
        r = add_x509(t, list[i]->x509, anchor);
    }
    es_cert_list_free(list, n);
    return r;
}

static bool cert_file_name(const char *name)
{
    size_t n = strlen(name);
    static const char *exts[] = {".pem", ".crt", ".cer", ".der"};
    for (size_t i = 0; i < 4; i++) {
        if (n > 4 && es_strcasecmp(name + n - 4, exts[i]) == 0) {
            return true;
        }
    }
    return false;
}

int eseal_trust_add_path(eseal_trust *t, const char *path, int as_anchor)
{
    if (t == NULL || path == NULL) {
        ES_BAIL_ARG("t == NULL || path == NULL");
    }
    DIR *d = opendir(path);
    if (d == NULL) {
        return es_code(add_file(t, path, as_anchor));
    }
    es_result r = ES_OK;
    struct dirent *e;
    while (es_ok(r) && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !cert_file_name(e->d_name)) {
            continue;
        }
        es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
        r = es_buf_printf(&p, "%s/%s", path, e->d_name);
        if (es_ok(r)) {
            r = add_file(t, es_buf_cstr(&p), as_anchor);
        }
        es_buf_free(&p);
    }
    closedir(d);
    return es_code(r);
}

int eseal_trust_add_crl(eseal_trust *t, const void *data, size_t len)
{
    if (t == NULL || data == NULL) {
        ES_BAIL_ARG("t == NULL || data == NULL");
    }
    if (len > es_ctx_limits(NULL)->max_der_bytes) {
        return es_code(es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "CRL larger than %zu bytes",
                                    es_ctx_limits(NULL)->max_der_bytes));
    }
    X509_CRL *crl = NULL;
    if (memmem(data, len, "-----BEGIN", 10) != NULL) {
        BIO *bio = BIO_new_mem_buf(data, (int)len);
        crl = bio != NULL ? PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
    } else {
        const unsigned char *p = data;
        crl = d2i_X509_CRL(NULL, &p, (long)len);
        if (crl != NULL && p != (const unsigned char *)data + len) {
            X509_CRL_free(crl);
            return es_code(es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "CRL has trailing bytes"));
        }
    }
    if (crl == NULL) {
        return es_code(es_ossl_error(ESEAL_EMALFORMED, __FILE__, __LINE__, "not a PEM or DER CRL"));
    }
    if (sk_X509_CRL_push(t->crls, crl) <= 0) {
        X509_CRL_free(crl);
        return es_code(es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory"));
    }
    return ESEAL_OK;
}

/* ---- chain validation ---------------------------------------------------------------- */

static void fmt_time(char out[ES_RFC3339_LEN], int64_t ms) { es_time_rfc3339(out, ms); }

static const char *cert_label(X509 *x, char *buf, size_t n)
{
    X509_NAME *nm = X509_get_subject_name(x);
    int i = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
    const unsigned char *s = NULL;
    if (i >= 0) {
        s = ASN1_STRING_get0_data(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i)));
    }
    (void)snprintf(buf, n, "\"%s\"", s != NULL ? (const char *)s : "(no common name)");
    return buf;
}

static const char *crl_reason_name(int r)
{
    static const char *names[] = {"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
                                  "superseded", "cessationOfOperation", "certificateHold", "(unused)",
                                  "removeFromCRL", "privilegeWithdrawn", "aACompromise"};
    return (r >= 0 && r <= ES_CRL_REASON_MAX) ? names[r] : "unspecified";
}

/* The validation object of the CRL or OCSP response `st` used (named after the issuer it speaks for), named by check "revocation". */
static ES_RESULT revocation_evidence(eseal_report *rep, const es_rev_status *st, X509 *issuer)
{
    if (st->used_sha256[0] == '\0') {
        return ES_OK;
    }
    /* The issuer's name as eseal prints names (RFC 2253, UTF-8 kept), as certificates are named. */
    ES_AUTO(BIO_free_allp) BIO *bio = BIO_new(BIO_s_mem());
    ES_ENSURE_ALLOC(bio);
    ES_ENSURE_OSSL(X509_NAME_print_ex(bio, X509_get_subject_name(issuer), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0,
                   ESEAL_ECRYPTO, "printing a name");
    ES_GUARD_OSSL(BIO_write(bio, "", 1) == 1, "printing a name");
    char *name = NULL;
    (void)BIO_get_mem_data(bio, &name);
    char id[ES_VOBJ_ID_LEN];
    ES_GUARD(es_report_object(rep, st->used_ocsp ? ES_VOBJ_OCSP_RESPONSE : ES_VOBJ_CRL, st->used_sha256, name,
                              st->used_origin, 0, id));
    return es_report_check_uses(rep, "revocation", id);
}

static ES_RESULT check_revocation(eseal_report *rep, const eseal_trust *t, STACK_OF(X509) *chain,
                                  STACK_OF(X509) *extra, int64_t at_ms, int64_t claimed_ms,
                                  const es_revocation_opts *ro)
{
    char lbl[300];
    char tb[ES_RFC3339_LEN];
    int n = sk_X509_num(chain);
    if (n < 2) {
        return es_report_check(rep, "revocation", ESEAL_CHECK_NOT_APPLICABLE, NULL, "the signer is a trust anchor");
    }
    bool all_good = true, failed = false, crl = false, ocsp = false;
    /* What each certificate's status rests on, for the check's detail: "signer: CRL, trust set; CA ...". */
    es_buf detail = ES_BUF_INIT(ES_TRUST_SOURCES_MAX);
    /* Set first so that the loop can name what it uses; its status and detail are final below. */
    es_result r = es_report_check(rep, "revocation", ESEAL_CHECK_INDETERMINATE, NULL, "%s", "being judged");
    /* The last element is the trust anchor: anchors are trusted directly (RFC 5280 §6.1). */
    for (int i = 0; i + 1 < n && es_ok(r); i++) {
        X509 *x = sk_X509_value(chain, i);
        X509 *issuer = sk_X509_value(chain, i + 1);
        const char *who = i == 0 ? "signer certificate" : "CA certificate";
        es_rev_status st;
        r = es_revocation_status(&st, t, x, issuer, extra, at_ms, ro);
        if (!es_ok(r)) {
            break;
        }
        if (!st.found) {
            all_good = false;
            r = es_buf_printf(&detail, "%s%s %s: unknown%s%s", detail.len > 0 ? "; " : "", who,
                              cert_label(x, lbl, sizeof(lbl)), st.note[0] != '\0' ? ", " : "", st.note);
            if (!es_ok(r)) {
                break;
            }
            if (st.stale) {
                r = es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_REVOCATION_OUT_OF_DATE,
                                     "no current revocation information for %s %s: %s", who,
                                     cert_label(x, lbl, sizeof(lbl)), st.note);
            } else {
                r = es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_REVOCATION_UNKNOWN,
                                     "no CRL or OCSP response covers %s %s: its revocation status is unknown%s%s%s",
                                     who, cert_label(x, lbl, sizeof(lbl)), st.note[0] != '\0' ? " (" : "",
                                     st.note, st.note[0] != '\0' ? ")" : "");
            }
            continue;
        }
        crl = crl || !st.used_ocsp;
        ocsp = ocsp || st.used_ocsp;
        r = revocation_evidence(rep, &st, issuer);
        if (!es_ok(r)) {
            break;
        }
        r = es_buf_printf(&detail, "%s%s: %s", detail.len > 0 ? "; " : "", i == 0 ? "signer" : "CA", st.source);
        if (!es_ok(r) || !st.revoked) {
            continue;
        }
        fmt_time(tb, st.revoked_ms);
        if (st.revoked_ms > at_ms) {
            /* Revoked only after the validation time: at that time it was not revoked. */
            r = es_buf_printf(&detail, ", revoked later, at %s (%s)", tb, crl_reason_name(st.reason));
            continue;
        }
        all_good = false;
        r = es_buf_printf(&detail, ", revoked at %s (%s)", tb, crl_reason_name(st.reason));
        /*
         * ETSI EN 319 102-1 §5.2.6: revoked with no proof of existence before the
         * revocation is INDETERMINATE (REVOKED_NO_POE) when the claimed signing
         * time precedes it; a claim after it (or no claim) leaves no doubt.
         */
        if (!es_ok(r)) {
            break;
        }
        if (claimed_ms != 0 && claimed_ms < st.revoked_ms) {
            r = es_report_reason(rep, ESEAL_INDETERMINATE, i == 0 ? ESEAL_R_REVOKED_NO_POE : ESEAL_R_REVOKED_CA_NO_POE,
                                 "%s %s was revoked at %s (%s, %s); the signature claims an earlier time "
                                 "but no timestamp proves it",
                                 who, cert_label(x, lbl, sizeof(lbl)), tb, crl_reason_name(st.reason), st.source);
        } else {
            failed = true;
            r = es_report_reason(rep, ESEAL_INVALID, i == 0 ? ESEAL_R_REVOKED : ESEAL_R_REVOKED_CA, "%s %s was revoked at %s (%s, %s)",
                                 who, cert_label(x, lbl, sizeof(lbl)), tb, crl_reason_name(st.reason), st.source);
        }
    }
    if (es_ok(r)) {
        const char *source = crl && ocsp ? "crl_ocsp" : crl ? "crl" : ocsp ? "ocsp" : NULL;
        eseal_check_status status = all_good ? ESEAL_CHECK_PASSED : failed ? ESEAL_CHECK_FAILED : ESEAL_CHECK_INDETERMINATE;
        r = es_report_check(rep, "revocation", status, source, "%s", es_buf_cstr(&detail));
    }
    es_buf_free(&detail);
    return r;
}

static ES_RESULT check_validity(eseal_report *rep, STACK_OF(X509) *chain, int64_t at_ms, int64_t claimed_ms)
{
    char lbl[300];
    char tb[ES_RFC3339_LEN];
    char ab[ES_RFC3339_LEN];
    fmt_time(ab, at_ms);
    bool ok = true;
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);
        int64_t nb = es_asn1_time_ms(X509_get0_notBefore(x));
        int64_t na = es_asn1_time_ms(X509_get0_notAfter(x));
        const char *who = i == 0 ? "signer certificate" : "CA certificate";
        if (at_ms > na) {
            ok = false;
            fmt_time(tb, na);
            ES_GUARD(es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_OUT_OF_BOUNDS_NO_POE,
                                      "%s %s expired at %s (validation time %s) and no timestamp proves the "
                                      "signature existed before",
                                      who, cert_label(x, lbl, sizeof(lbl)), tb, ab));
        } else if (at_ms < nb) {
            ok = false;
            fmt_time(tb, nb);
            ES_GUARD(es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_NOT_YET_VALID,
                                      "%s %s is valid only from %s (validation time %s)", who,
                                      cert_label(x, lbl, sizeof(lbl)), tb, ab));
        }
        if (i == 0 && claimed_ms != 0 && (claimed_ms < nb || claimed_ms > na)) {
            ok = false;
            fmt_time(tb, claimed_ms);
            ES_GUARD(es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_CLAIMED_TIME_OUT_OF_BOUNDS,
                                      "the claimed signing time %s is outside the validity of the signer "
                                      "certificate",
                                      tb));
        }
    }
    return es_report_check(rep, "validity", ok ? ESEAL_CHECK_PASSED : ESEAL_CHECK_INDETERMINATE, NULL,
                           "%d certificate%s at %s", sk_X509_num(chain), sk_X509_num(chain) == 1 ? "" : "s", ab);
}

/* Where certificate `x` of a path came from, as a validation object's origin. */
static const char *cert_origin(X509 *x, const eseal_trust *t, const es_revocation_opts *ro, bool anchor)
{
    if (anchor || es_trust_has_intermediate(t, x)) {
        return "trust_set";
    }
    unsigned char *der = NULL;
    int n = ro != NULL && ro->cert_count > 0 ? i2d_X509(x, &der) : 0;
    bool dss = false;
    for (size_t i = 0; n > 0 && !dss && i < ro->cert_count && i < ES_REV_MAX_EMBEDDED; i++) {
        dss = es_span_eq(es_span_of(der, (size_t)n), ro->certs[i]);
    }
    OPENSSL_free(der);
    ERR_clear_error();
    return dss ? "dss" : "signature";
}

ES_RESULT es_chain_check(eseal_report *rep, const eseal_trust *t, X509 *signer, STACK_OF(X509) *extra, int64_t at_ms,
                         int64_t claimed_ms)
{
    return es_chain_check_ex(rep, t, signer, extra, at_ms, claimed_ms, NULL);
}

_Atomic size_t es_chain_validations = 0;

static ES_RESULT chain_check(eseal_report *rep, const eseal_trust *t, X509 *signer, STACK_OF(X509) *extra,
                             int64_t at_ms, int64_t claimed_ms, const es_revocation_opts *ro, int svc);

ES_RESULT es_chain_check_ex(eseal_report *rep, const eseal_trust *t, X509 *signer, STACK_OF(X509) *extra,
                            int64_t at_ms, int64_t claimed_ms, const es_revocation_opts *ro)
{
    return chain_check(rep, t, signer, extra, at_ms, claimed_ms, ro, 0);
}

ES_RESULT es_chain_check_svc(eseal_report *rep, const eseal_trust *t, X509 *signer, STACK_OF(X509) *extra,
                             int64_t at_ms, int64_t claimed_ms, const es_revocation_opts *ro, int svc)
{
    return chain_check(rep, t, signer, extra, at_ms, claimed_ms, ro, svc);
}

static const char *svc_name(int svc)
{
    return svc == ES_TRUST_SVC_TSA ? "TSA" : svc == ES_TRUST_SVC_OCSP ? "OCSP responder" : "seal maker";
}

static ES_RESULT chain_check(eseal_report *rep, const eseal_trust *t, X509 *signer, STACK_OF(X509) *extra,
                             int64_t at_ms, int64_t claimed_ms, const es_revocation_opts *ro, int svc)
{
    char lbl[300];
    es_chain_validations++;
    if (t == NULL || t->n_anchors == 0) {
        ES_GUARD(es_report_check(rep, "chain", ESEAL_CHECK_INDETERMINATE, NULL, "no trust anchors"));
        return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_NO_CERTIFICATE_CHAIN_FOUND,
                                "no trust anchors are configured, so the signer cannot be trusted");
    }
    /* The untrusted helpers: the signature's certificates, then the document's own (a PDF's /DSS
     * /Certs) which may complete the path but are never anchors. */
    ES_AUTO(es_x509_stack_freep) STACK_OF(X509) *helpers = sk_X509_new_null();
    ES_ENSURE_ALLOC(helpers);
    for (int i = 0; extra != NULL && i < sk_X509_num(extra); i++) {
        ES_GUARD(push_cert(helpers, sk_X509_value(extra, i)));
    }
    for (size_t i = 0; ro != NULL && i < ro->cert_count && i < ES_REV_MAX_EMBEDDED; i++) {
        const unsigned char *p = ro->certs[i].ptr;
        X509 *x = d2i_X509(NULL, &p, (long)ro->certs[i].len);
        es_x509_decodes += x != NULL;
        if (x == NULL) {
            ERR_clear_error(); /* not a certificate: it simply does not help */
            continue;
        }
        es_result pr = es_x509_is_sm2_signed(x) ? es_x509_set_sm2_id(x) : ES_OK;
        if (es_ok(pr)) {
            pr = push_cert(helpers, x);
        }
        X509_free(x);
        ES_GUARD(pr);
    }
    /* Of the trust set, only what a path from the signer through the helpers can ask for is decoded
     * (es_trust_path_certs: by name, as the chain builder looks; the rest cannot change its answer). */
    ES_AUTO(es_x509_stack_freep) STACK_OF(X509) *anchors = sk_X509_new_null();
    ES_AUTO(es_x509_stack_freep) STACK_OF(X509) *untrusted = sk_X509_new_null();
    ES_ENSURE_ALLOC(anchors);
    ES_ENSURE_ALLOC(untrusted);
    ES_GUARD(es_trust_path_certs(t, &signer, 1, helpers, anchors, untrusted));
    ES_AUTO(X509_STORE_freep) X509_STORE *store = X509_STORE_new();
    ES_ENSURE_ALLOC(store);
    for (int i = 0; i < sk_X509_num(anchors); i++) {
        ES_GUARD_OSSL(X509_STORE_add_cert(store, sk_X509_value(anchors, i)), "adding a trust anchor");
    }
    /* In the order as before: the trust set's intermediates, then the signature's, then the document's. */
    for (int i = 0; i < sk_X509_num(helpers); i++) {
        ES_GUARD(push_cert(untrusted, sk_X509_value(helpers, i)));
    }
    ES_AUTO(X509_STORE_CTX_freep) X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    ES_ENSURE_ALLOC(ctx);
    ES_GUARD_OSSL(X509_STORE_CTX_init(ctx, store, signer, untrusted), "starting chain validation");
    /* Time is judged below, per certificate, so that expiry gets its own outcome. A trust anchor is
     * whatever certificate the user trusts (RFC 5280 §6.1.1 (d)): an intermediate or the signer's own
     * certificate ends the chain too (partial chains), not only a self-signed root. */
    X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME | X509_V_FLAG_PARTIAL_CHAIN);
    int ok = X509_verify_cert(ctx);
    ERR_clear_error();
    if (ok != 1) {
        int err = X509_STORE_CTX_get_error(ctx);
        int depth = X509_STORE_CTX_get_error_depth(ctx);
        X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
        const char *txt = X509_verify_cert_error_string(err);
        bool sig_failure = err == X509_V_ERR_CERT_SIGNATURE_FAILURE || err == X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE;
        ES_GUARD(es_report_check(rep, "chain", sig_failure ? ESEAL_CHECK_FAILED : ESEAL_CHECK_INDETERMINATE,
                                 "trust_set", "%s", txt));
        switch (err) {
        case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
            return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_CERTIFICATE_SIGNATURE_FAILURE,
                                    "certificate %s (chain depth %d) has an invalid signature",
                                    bad != NULL ? cert_label(bad, lbl, sizeof(lbl)) : "?", depth);
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_NO_CERTIFICATE_CHAIN_FOUND,
                                    "the signer certificate does not chain to a trust anchor (%s at %s)", txt,
                                    bad != NULL ? cert_label(bad, lbl, sizeof(lbl)) : "?");
        default:
            return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_CHAIN_CONSTRAINTS_FAILURE,
                                    "certificate chain rejected: %s (at %s, depth %d)", txt,
                                    bad != NULL ? cert_label(bad, lbl, sizeof(lbl)) : "?", depth);
        }
    }
    ES_AUTO(es_x509_stack_freep) STACK_OF(X509) *chain = X509_STORE_CTX_get1_chain(ctx);
    ES_ENSURE_ALLOC(chain);
    X509 *anchor = sk_X509_value(chain, sk_X509_num(chain) - 1);
    /* An anchor another platform's trust list vouched for is named with that list (issue 24). */
    const char *note = entry_note(t, anchor);
    ES_GUARD(es_report_check(rep, "chain", ESEAL_CHECK_PASSED, "trust_set", "%d certificate%s to %s%s%s",
                             sk_X509_num(chain), sk_X509_num(chain) == 1 ? "" : "s",
                             cert_label(anchor, lbl, sizeof(lbl)), note != NULL ? ", trusted through " : "",
                             note != NULL ? note : ""));
    /* Such a list vouches for a TSA (an OCSP responder, a seal maker) only as a service of that type, and
     * only while it granted it: the status at `at_ms` by the service's history. */
    /* A CA such a list names vouches only while the list granted it: at `at_ms`, by its history. */
    for (int i = 0; note != NULL && i < sk_X509_num(chain); i++) {
        bool ca_listed = false;
        X509 *x = sk_X509_value(chain, i);
        if (!service_granted(t, x, ES_TRUST_SVC_CA, at_ms, &ca_listed) && ca_listed) {
            char when[ES_RFC3339_LEN];
            es_time_rfc3339(when, at_ms);
            char lbl2[300];
            ES_GUARD(es_report_check(rep, "chain", ESEAL_CHECK_INDETERMINATE, "trust_list",
                                     "%d certificate%s to %s, trusted through %s, which did not grant the CA %s at %s",
                                     sk_X509_num(chain), sk_X509_num(chain) == 1 ? "" : "s",
                                     cert_label(anchor, lbl, sizeof(lbl)), note, cert_label(x, lbl2, sizeof(lbl2)),
                                     when));
            ES_GUARD(es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_CHAIN_CONSTRAINTS_FAILURE,
                                      "the CA %s was not granted by %s at %s", lbl2, note, when));
            break;
        }
    }
    bool listed = false;
    if (svc != 0 && note != NULL && !service_granted(t, signer, svc, at_ms, &listed)) {
        char when[ES_RFC3339_LEN];
        es_time_rfc3339(when, at_ms);
        ES_GUARD(es_report_check(rep, "chain", ESEAL_CHECK_INDETERMINATE, "trust_list",
                                 "%d certificate%s to %s, trusted through %s, which %s %s at %s",
                                 sk_X509_num(chain), sk_X509_num(chain) == 1 ? "" : "s",
                                 cert_label(anchor, lbl, sizeof(lbl)), note,
                                 listed ? "did not grant it as a" : "does not list it as a", svc_name(svc), when));
        ES_GUARD(es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_CHAIN_CONSTRAINTS_FAILURE,
                                  "%s is not a %s service that %s granted at %s", cert_label(signer, lbl, sizeof(lbl)),
                                  svc_name(svc), note, when));
    }
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);
        char id[ES_VOBJ_ID_LEN];
        ES_GUARD(es_x509_evidence(rep, x, cert_origin(x, t, ro, i + 1 == sk_X509_num(chain)), id));
        ES_GUARD(es_report_check_uses(rep, "chain", id));
    }
    uint32_t ku = X509_get_key_usage(signer);
    if (ku != UINT32_MAX && (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
        ES_GUARD(es_report_check(rep, "chain", ESEAL_CHECK_INDETERMINATE, "trust_set",
                                 "%d certificate%s to %s; the signer's key usage does not allow signatures",
                                 sk_X509_num(chain), sk_X509_num(chain) == 1 ? "" : "s",
                                 cert_label(anchor, lbl, sizeof(lbl))));
        ES_GUARD(es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_CHAIN_CONSTRAINTS_FAILURE,
                                  "the signer certificate's key usage does not allow signatures"));
    }
    ES_GUARD(check_validity(rep, chain, at_ms, claimed_ms));
    return check_revocation(rep, t, chain, untrusted, at_ms, claimed_ms, ro);
}
