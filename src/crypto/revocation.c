/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Revocation information for the verifiers: OCSP responses (RFC 6960) and
 * CRLs (RFC 5280 §6.3) from the document, the trust set, a cache and the
 * network, each checked before it is believed.
 *
 * An OCSP response is used for a certificate only when (RFC 6960 §3.2):
 *   1. one of its SingleResponses has the certificate's CertID (SHA-1,
 *      SHA-256, SHA-384 or SHA-512, recomputed from the certificate and its
 *      issuer);
 *   2. its signature verifies with the key of the signer named by the
 *      ResponderID (SM2 with the GM/T 0009 ID);
 *   3. the signer is the issuing CA itself, or a delegated responder
 *      certificate issued (name and signature) by it, with id-kp-OCSPSigning
 *      in its EKU, valid when the response was produced (§4.2.2.2). Its own
 *      revocation is not checked (id-pkix-ocsp-nocheck, §4.2.2.2.1);
 *   4. thisUpdate is not in the future (5 minutes of clock skew), and
 *      nextUpdate is not before the validation time (without nextUpdate,
 *      thisUpdate must not precede it): the response spoke for that time;
 *   5. for a response fetched here, the nonce matches when the responder
 *      echoed one (RFC 8954: many responders, RFC 5019 ones, do not).
 * Status "unknown" covers nothing: the next source is asked.
 * A CRL is used as before (trust.c): the newest correctly signed CRL of the
 * issuer, not past its nextUpdate at the validation time.
 */
#include <string.h>

#include <openssl/ocsp.h>
#include <openssl/pem.h>

#include "chain.h"
#include "ossl.h"

#define SKEW_MS (5 * 60 * 1000LL)
#define MAX_URLS 4
/* es_revocation_opts.timeout_ms 0: five seconds per fetch. */
#define DEFAULT_FETCH_TIMEOUT_MS 5000u

ES_DEFINE_FREEP(OCSP_RESPONSE, OCSP_RESPONSE_free)
ES_DEFINE_FREEP(OCSP_BASICRESP, OCSP_BASICRESP_free)
ES_DEFINE_FREEP(OCSP_REQUEST, OCSP_REQUEST_free)
static inline void crl_stack_freep(STACK_OF(X509_CRL) **p) { sk_X509_CRL_pop_free(*p, X509_CRL_free); }

/* ---- the collector -------------------------------------------------------------------- */

ES_RESULT es_revocation_data_add(es_revocation_data *d, es_rev_kind kind, es_span der)
{
    ES_ENSURE_ARG(d != NULL);
    return es_der_list_add(kind == ES_REV_OCSP ? &d->ocsp : &d->crls, der);
}

ES_RESULT es_der_list_add(es_der_list *l, es_span der)
{
    ES_ENSURE_ARG(l != NULL && der.ptr != NULL && der.len > 0);
    for (size_t i = 0; i < l->n; i++) {
        if (es_span_eq(es_buf_span(&l->items[i]), der)) {
            return ES_OK;
        }
    }
    ES_ENSURE(l->n < ES_REV_MAX_ITEMS, ESEAL_ELIMIT, "more than %d pieces of revocation information", ES_REV_MAX_ITEMS);
    if (l->n == l->cap) {
        size_t cap = l->cap == 0 ? 8 : l->cap * 2;
        es_buf *items = es_realloc(l->items, cap * sizeof(*items));
        ES_ENSURE_ALLOC(items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n] = (es_buf)ES_BUF_INIT(der.len); /* a copy: `der` was bounded by the caller's limits when read */
    ES_GUARD(es_buf_append(&l->items[l->n], der.ptr, der.len));
    l->n++;
    return ES_OK;
}

ES_RESULT es_crl_to_pem(es_buf *out, es_span der, int64_t *next_update_ms)
{
    *next_update_ms = 0;
    const unsigned char *p = der.ptr;
    ES_AUTO(X509_CRL_freep) X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)der.len);
    ES_ENSURE_OSSL(crl != NULL && p == der.ptr + der.len, ESEAL_EMALFORMED, "reading a DER CRL");
    const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
    *next_update_ms = next != NULL ? es_asn1_time_ms(next) : 0;
    ES_AUTO(BIO_free_allp) BIO *bio = BIO_new(BIO_s_mem());
    ES_ENSURE_ALLOC(bio);
    ES_GUARD_OSSL(PEM_write_bio_X509_CRL(bio, crl), "writing a PEM CRL");
    char *pem = NULL;
    long len = BIO_get_mem_data(bio, &pem);
    ES_ENSURE(len > 0 && pem != NULL, ESEAL_ECRYPTO, "writing a PEM CRL");
    return es_buf_append(out, pem, (size_t)len);
}

void es_der_list_free(es_der_list *l)
{
    if (l == NULL) {
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        es_buf_free(&l->items[i]);
    }
    es_free(l->items);
    memset(l, 0, sizeof(*l));
}

void es_revocation_data_free(es_revocation_data *d)
{
    if (d != NULL) {
        es_der_list_free(&d->ocsp);
        es_der_list_free(&d->crls);
    }
}

static ES_RESULT collect(const es_revocation_opts *ro, es_rev_kind kind, es_span der)
{
    return ro != NULL && ro->used != NULL ? es_revocation_data_add(ro->used, kind, der) : ES_OK;
}

/* ---- requests ------------------------------------------------------------------------- */

static ES_RESULT request_der(es_buf *out, OCSP_REQUEST **keep, X509 *cert, X509 *issuer, bool sha256, bool nonce)
{
    ES_AUTO(OCSP_REQUEST_freep) OCSP_REQUEST *rq = OCSP_REQUEST_new();
    ES_ENSURE_ALLOC(rq);
    OCSP_CERTID *id = OCSP_cert_to_id(sha256 ? EVP_sha256() : EVP_sha1(), cert, issuer);
    ES_ENSURE_OSSL(id != NULL, ESEAL_ECRYPTO, "ocsp: computing a CertID");
    if (OCSP_request_add0_id(rq, id) == NULL) {
        OCSP_CERTID_free(id);
        return es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "ocsp: building a request");
    }
    if (nonce) {
        ES_GUARD_OSSL(OCSP_request_add1_nonce(rq, NULL, 16), "ocsp: adding a nonce");
    }
    unsigned char *der = NULL;
    int n = i2d_OCSP_REQUEST(rq, &der);
    es_result r = es_take_der(out, der, n, "ocsp: encoding a request");
    if (es_ok(r) && keep != NULL) {
        *keep = rq;
        rq = NULL;
    }
    return r;
}

ES_RESULT es_ocsp_request_der(es_buf *out, const eseal_cert *cert, const eseal_cert *issuer, bool sha256, bool nonce)
{
    ES_ENSURE_ARG(out != NULL && cert != NULL && issuer != NULL);
    return request_der(out, NULL, cert->x509, issuer->x509, sha256, nonce);
}

/* ---- OCSP responses ------------------------------------------------------------------- */

typedef enum {
    EV_NONE,    /* does not speak about this certificate */
    EV_BAD,     /* speaks about it but cannot be believed (why) */
    EV_STALE,   /* believable, but not for the validation time */
    EV_UNKNOWN, /* the responder does not know the certificate */
    EV_OK,
} ev_result;

typedef struct {
    ev_result res;
    bool revoked;
    int64_t revoked_ms;
    int reason;
    int64_t this_ms, next_ms;
    char why[200];
} ev_info;

static const EVP_MD *certid_md(int nid)
{
    switch (nid) {
    case NID_sha1:
        return EVP_sha1();
    case NID_sha256:
        return EVP_sha256();
    case NID_sha384:
        return EVP_sha384();
    case NID_sha512:
        return EVP_sha512();
    default:
        return NULL;
    }
}

/* A successful OCSPResponse or a bare BasicOCSPResponse, whole DER; NULL otherwise. */
static OCSP_BASICRESP *parse_basic(es_span der, const eseal_context *ctx)
{
    if (der.len == 0 || der.len > es_ctx_limits(ctx)->max_der_bytes) {
        return NULL;
    }
    const unsigned char *p = der.ptr;
    OCSP_BASICRESP *b = NULL;
    OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &p, (long)der.len);
    if (r != NULL && p == der.ptr + der.len) {
        if (OCSP_response_status(r) == OCSP_RESPONSE_STATUS_SUCCESSFUL) {
            b = OCSP_response_get1_basic(r);
        }
    } else {
        p = der.ptr;
        b = d2i_OCSP_BASICRESP(NULL, &p, (long)der.len);
        if (b != NULL && p != der.ptr + der.len) {
            OCSP_BASICRESP_free(b);
            b = NULL;
        }
    }
    OCSP_RESPONSE_free(r);
    ERR_clear_error();
    return b;
}

static OCSP_SINGLERESP *find_single(OCSP_BASICRESP *bs, X509 *cert, X509 *issuer)
{
    int n = OCSP_resp_count(bs);
    for (int i = 0; i < n && i < ES_REV_MAX_SINGLES; i++) {
        OCSP_SINGLERESP *s = OCSP_resp_get0(bs, i);
        /* OCSP_id_get0_info takes a non-const CertID but only reads it. */
        OCSP_CERTID *id = (OCSP_CERTID *)(uintptr_t)OCSP_SINGLERESP_get0_id(s);
        ASN1_OBJECT *md_obj = NULL;
        if (id == NULL || OCSP_id_get0_info(NULL, &md_obj, NULL, NULL, id) != 1) {
            continue;
        }
        const EVP_MD *md = certid_md(OBJ_obj2nid(md_obj));
        OCSP_CERTID *mine = md != NULL ? OCSP_cert_to_id(md, cert, issuer) : NULL;
        bool same = mine != NULL && OCSP_id_cmp(mine, id) == 0;
        OCSP_CERTID_free(mine);
        if (same) {
            return s;
        }
    }
    ERR_clear_error();
    return NULL;
}

/* The response's signature with signer's key (SM2: the GM/T 0009 ID). */
static bool signature_ok(OCSP_BASICRESP *bs, X509 *signer)
{
    EVP_PKEY *pk = X509_get0_pubkey(signer);
    if (pk == NULL) {
        return false;
    }
    ASN1_OCTET_STRING *id = NULL;
    if (EVP_PKEY_is_a(pk, "SM2")) {
        id = ASN1_OCTET_STRING_new();
        if (id == NULL || ASN1_OCTET_STRING_set(id, (const unsigned char *)ES_SM2_ID, ES_SM2_ID_LEN) != 1) {
            ASN1_OCTET_STRING_free(id);
            return false;
        }
    }
    int rc = ASN1_item_verify_ex(ASN1_ITEM_rptr(OCSP_RESPDATA), OCSP_resp_get0_tbs_sigalg(bs),
                                 OCSP_resp_get0_signature(bs), OCSP_resp_get0_respdata(bs), id, pk, NULL, NULL);
    ASN1_OCTET_STRING_free(id);
    ERR_clear_error();
    return rc == 1;
}

/* RFC 6960 §4.2.2.2: the CA itself, or a certificate it issued for OCSP signing. */
static bool authorized(OCSP_BASICRESP *bs, X509 *signer, X509 *issuer, char *why, size_t cap)
{
    if (X509_cmp(signer, issuer) == 0) {
        return true;
    }
    if (X509_NAME_cmp(X509_get_issuer_name(signer), X509_get_subject_name(issuer)) != 0) {
        (void)snprintf(why, cap, "its signer was not issued by the certificate's issuer");
        return false;
    }
    if (es_x509_is_sm2_signed(signer) && !es_ok(es_x509_set_sm2_id(signer))) {
        return false;
    }
    int ok = X509_verify(signer, X509_get0_pubkey(issuer));
    ERR_clear_error();
    if (ok != 1) {
        (void)snprintf(why, cap, "its responder certificate is not signed by the certificate's issuer");
        return false;
    }
    if ((X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) == 0 ||
        (X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN) == 0) {
        (void)snprintf(why, cap, "its responder certificate lacks the id-kp-OCSPSigning extended key usage");
        return false;
    }
    const ASN1_GENERALIZEDTIME *pa = OCSP_resp_get0_produced_at(bs);
    int64_t produced = pa != NULL ? es_asn1_time_ms(pa) : 0;
    if (produced < es_asn1_time_ms(X509_get0_notBefore(signer)) ||
        produced > es_asn1_time_ms(X509_get0_notAfter(signer))) {
        (void)snprintf(why, cap, "its responder certificate was not valid when the response was produced");
        return false;
    }
    return true;
}

/*
 * Judges one OCSP response for cert/issuer at at_ms. `req` (may be NULL) is the request it
 * answers, for the nonce. `extra` helps find the responder certificate. `ctx` gives the limits of
 * the parse and the clock that says whether thisUpdate is in the future.
 */
static void ocsp_eval(ev_info *ev, es_span der, X509 *cert, X509 *issuer, STACK_OF(X509) *extra, int64_t at_ms,
                      OCSP_REQUEST *req, const eseal_context *ctx)
{
    memset(ev, 0, sizeof(*ev));
    ES_AUTO(OCSP_BASICRESP_freep) OCSP_BASICRESP *bs = parse_basic(der, ctx);
    if (bs == NULL) {
        return; /* not a (successful) response: says nothing */
    }
    OCSP_SINGLERESP *single = find_single(bs, cert, issuer);
    if (single == NULL) {
        return;
    }
    ev->res = EV_BAD;
    STACK_OF(X509) *helpers = sk_X509_new_null();
    if (helpers == NULL) {
        (void)snprintf(ev->why, sizeof(ev->why), "out of memory");
        return;
    }
    (void)sk_X509_push(helpers, issuer);
    for (int i = 0; extra != NULL && i < sk_X509_num(extra); i++) {
        (void)sk_X509_push(helpers, sk_X509_value(extra, i));
    }
    X509 *signer = NULL;
    int found = OCSP_resp_get0_signer(bs, &signer, helpers);
    sk_X509_free(helpers); /* borrowed certificates: not freed */
    ERR_clear_error();
    if (found != 1 || signer == NULL) {
        (void)snprintf(ev->why, sizeof(ev->why), "its signer certificate is not available");
        return;
    }
    if (!signature_ok(bs, signer)) {
        (void)snprintf(ev->why, sizeof(ev->why), "its signature does not verify");
        return;
    }
    if (!authorized(bs, signer, issuer, ev->why, sizeof(ev->why))) {
        return;
    }
    if (req != NULL && OCSP_check_nonce(req, bs) == 0) {
        ERR_clear_error();
        (void)snprintf(ev->why, sizeof(ev->why), "its nonce does not match the request's");
        return;
    }
    int reason = -1;
    ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
    int status = OCSP_single_get0_status(single, &reason, &rev, &thisupd, &nextupd);
    ev->this_ms = thisupd != NULL ? es_asn1_time_ms(thisupd) : 0;
    ev->next_ms = nextupd != NULL ? es_asn1_time_ms(nextupd) : 0;
    char tb[ES_RFC3339_LEN];
    if (thisupd == NULL || ev->this_ms > es_ctx_now(ctx) + SKEW_MS) {
        (void)snprintf(ev->why, sizeof(ev->why), "its thisUpdate is missing or in the future");
        return;
    }
    if ((nextupd != NULL && ev->next_ms < at_ms) || (nextupd == NULL && ev->this_ms + SKEW_MS < at_ms)) {
        ev->res = EV_STALE;
        es_time_rfc3339(tb, nextupd != NULL ? ev->next_ms : ev->this_ms);
        (void)snprintf(ev->why, sizeof(ev->why), "the OCSP response %s at %s, before the validation time",
                       nextupd != NULL ? "expired" : "was produced", tb);
        return;
    }
    if (status == V_OCSP_CERTSTATUS_GOOD) {
        ev->res = EV_OK;
    } else if (status == V_OCSP_CERTSTATUS_REVOKED && rev != NULL) {
        ev->res = EV_OK;
        ev->revoked = true;
        ev->revoked_ms = es_asn1_time_ms(rev);
        ev->reason = reason >= 0 ? reason : 0;
    } else {
        ev->res = EV_UNKNOWN;
        (void)snprintf(ev->why, sizeof(ev->why), "the OCSP responder does not know the certificate");
    }
}

/* ---- CRLs ----------------------------------------------------------------------------- */

static X509_CRL *parse_crl(es_span der, const eseal_context *ctx)
{
    if (der.len == 0 || der.len > es_ctx_limits(ctx)->max_der_bytes) {
        return NULL;
    }
    const unsigned char *p = der.ptr;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)der.len);
    if (crl != NULL && p != der.ptr + der.len) {
        X509_CRL_free(crl);
        crl = NULL;
    }
    ERR_clear_error();
    return crl;
}

/* The newest correctly signed CRL of `issuer` in `crls`, judged for cert at at_ms; *used gets it. */
static void crl_eval(ev_info *ev, STACK_OF(X509_CRL) *crls, X509 *cert, X509 *issuer, int64_t at_ms, X509_CRL **used)
{
    memset(ev, 0, sizeof(*ev));
    *used = NULL;
    X509_CRL *best = NULL;
    int64_t best_time = 0;
    bool bad_sig = false;
    for (int i = 0; crls != NULL && i < sk_X509_CRL_num(crls); i++) {
        X509_CRL *crl = sk_X509_CRL_value(crls, i);
        if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0) {
            continue;
        }
        int ok = 0;
        es_result r = es_crl_verify_sig(&ok, crl, X509_get0_pubkey(issuer));
        if (!es_ok(r) || !ok) {
            bad_sig = true;
            continue;
        }
        int64_t tu = es_asn1_time_ms(X509_CRL_get0_lastUpdate(crl));
        if (best == NULL || tu > best_time) {
            best = crl;
            best_time = tu;
        }
    }
    if (best == NULL) {
        if (bad_sig) {
            ev->res = EV_BAD;
            (void)snprintf(ev->why, sizeof(ev->why), "a CRL of the issuer has a signature that does not verify");
        }
        return;
    }
    const ASN1_TIME *next = X509_CRL_get0_nextUpdate(best);
    ev->this_ms = best_time;
    ev->next_ms = next != NULL ? es_asn1_time_ms(next) : 0;
    *used = best;
    if (next != NULL && ev->next_ms < at_ms) {
        char tb[ES_RFC3339_LEN];
        es_time_rfc3339(tb, ev->next_ms);
        ev->res = EV_STALE;
        (void)snprintf(ev->why, sizeof(ev->why), "the newest CRL expired at %s (issue a fresh one)", tb);
        return;
    }
    ev->res = EV_OK;
    X509_REVOKED *rv = NULL;
    if (X509_CRL_get0_by_cert(best, &rv, cert) == 1 && rv != NULL) {
        ev->revoked = true;
        ev->revoked_ms = es_asn1_time_ms(X509_REVOKED_get0_revocationDate(rv));
        int crit = 0;
        ASN1_ENUMERATED *re = X509_REVOKED_get_ext_d2i(rv, NID_crl_reason, &crit, NULL);
        ev->reason = re != NULL ? (int)ASN1_ENUMERATED_get(re) : 0;
        ASN1_ENUMERATED_free(re);
    }
    ERR_clear_error();
}

static ES_RESULT crl_der(es_buf *out, X509_CRL *crl)
{
    unsigned char *der = NULL;
    int n = i2d_X509_CRL(crl, &der);
    return es_take_der(out, der, n, "encoding a CRL");
}

/* ---- the status of one certificate ---------------------------------------------------- */

static void note(es_rev_status *st, const ev_info *ev, const char *from)
{
    if (ev->res == EV_STALE) {
        st->stale = true;
    }
    if ((ev->res == EV_BAD || ev->res == EV_STALE || ev->res == EV_UNKNOWN) && st->note[0] == '\0') {
        (void)snprintf(st->note, sizeof(st->note), "%s (%s)", ev->why, from);
    }
}

/* The origin of information `from` (a source name or a URL) as the report's validation objects name it. */
static const char *origin_of(const char *from)
{
    if (strcmp(from, "embedded") == 0) {
        return "dss"; /* only a PDF's /DSS brings revocation information with the document (pdf_verify.c) */
    }
    if (strcmp(from, "trust set") == 0) {
        return "trust_set";
    }
    return strcmp(from, "cache") == 0 ? "cache" : "network";
}

static void take(es_rev_status *st, const ev_info *ev, const char *kind, const char *from, es_span der)
{
    st->used_ocsp = strcmp(kind, "OCSP") == 0;
    st->used_origin = origin_of(from);
    char hex[129];
    if (es_ok(es_report_digest_hex(hex, ESEAL_HASH_SHA256, der))) {
        memcpy(st->used_sha256, hex, sizeof(st->used_sha256) - 1);
        st->used_sha256[sizeof(st->used_sha256) - 1] = '\0';
    } else {
        st->used_sha256[0] = '\0'; /* the report then names no object; the status itself stands */
    }
    st->found = true;
    st->revoked = ev->revoked;
    st->revoked_ms = ev->revoked_ms;
    st->reason = ev->reason;
    st->next_update_ms = ev->next_ms;
    st->this_update_ms = ev->this_ms;
    (void)snprintf(st->source, sizeof(st->source), "%s, %s", kind, from);
}

/* Cache file names: SHA-256 of the issuer's name and key (and the serial for OCSP), in hex. */
static ES_RESULT cache_path(es_buf *out, const char *dir, X509 *cert, X509 *issuer, es_rev_kind kind)
{
    unsigned char *name = NULL;
    int nl = i2d_X509_NAME(X509_get_subject_name(issuer), &name);
    ES_ENSURE_OSSL(nl > 0, ESEAL_ECRYPTO, "encoding an issuer name");
    const ASN1_BIT_STRING *key = X509_get0_pubkey_bitstr(issuer);
    const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
    es_span parts[3] = {es_span_of(name, (size_t)nl),
                        es_span_of(key != NULL ? ASN1_STRING_get0_data(key) : NULL,
                                   key != NULL ? (size_t)ASN1_STRING_length(key) : 0),
                        es_span_of(ASN1_STRING_get0_data(serial), (size_t)ASN1_STRING_length(serial))};
    uint8_t h[64];
    size_t hl = 0;
    es_result r = es_digest_spans(h, &hl, ESEAL_HASH_SHA256, parts, kind == ES_REV_OCSP ? 3 : 2);
    OPENSSL_free(name);
    ES_GUARD(r);
    es_buf_clear(out);
    ES_GUARD(es_buf_printf(out, "%s/", dir));
    ES_GUARD(es_buf_append_hex(out, h, hl, false));
    return es_buf_append_str(out, kind == ES_REV_OCSP ? ".ocsp" : ".crl");
}

static ES_RESULT cache_put(const es_revocation_opts *ro, X509 *cert, X509 *issuer, es_rev_kind kind, es_span der)
{
    if (ro->cache_dir == NULL) {
        return ES_OK;
    }
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(cache_path(&p, ro->cache_dir, cert, issuer, kind));
    ES_GUARD(es_mkdir_p(ro->cache_dir, 0700));
    return es_file_write_atomic(es_buf_cstr(&p), der.ptr, der.len, 0600);
}

/* Evaluates DER `der` of `kind` for the certificate; on EV_OK fills st and collects it. */
static ES_RESULT eval_der(es_rev_status *st, ev_info *ev, es_rev_kind kind, es_span der, X509 *cert, X509 *issuer,
                          STACK_OF(X509) *extra, int64_t at_ms, OCSP_REQUEST *req, const es_revocation_opts *ro,
                          const char *from, const eseal_context *ctx)
{
    if (kind == ES_REV_OCSP) {
        ocsp_eval(ev, der, cert, issuer, extra, at_ms, req, ctx);
    } else {
        ES_AUTO(crl_stack_freep) STACK_OF(X509_CRL) *one = sk_X509_CRL_new_null();
        ES_ENSURE_ALLOC(one);
        X509_CRL *crl = parse_crl(der, ctx);
        memset(ev, 0, sizeof(*ev));
        if (crl == NULL) {
            return ES_OK;
        }
        if (sk_X509_CRL_push(one, crl) <= 0) {
            X509_CRL_free(crl);
            ES_BAIL(ESEAL_ENOMEM, "out of memory");
        }
        X509_CRL *used = NULL;
        crl_eval(ev, one, cert, issuer, at_ms, &used);
    }
    if (ev->res == EV_OK) {
        take(st, ev, kind == ES_REV_OCSP ? "OCSP" : "CRL", from, der);
        ES_GUARD(collect(ro, kind, der));
    } else {
        note(st, ev, from);
    }
    return ES_OK;
}

/* Cached information that is still current (nextUpdate not passed now). */
static ES_RESULT from_cache(es_rev_status *st, X509 *cert, X509 *issuer, STACK_OF(X509) *extra, int64_t at_ms,
                            const es_revocation_opts *ro)
{
    static const es_rev_kind kinds[] = {ES_REV_OCSP, ES_REV_CRL};
    for (size_t k = 0; k < 2 && !st->found; k++) {
        ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
        ES_GUARD(cache_path(&p, ro->cache_dir, cert, issuer, kinds[k]));
        ES_AUTO(es_buf_freep) es_buf der = ES_BUF_INIT(es_ctx_limits(ro->ctx)->max_der_bytes);
        es_result r = es_file_read(&der, es_buf_cstr(&p), der.max);
        if (!es_ok(r)) {
            continue; /* nothing cached (or unreadable): fetch */
        }
        ev_info ev;
        es_rev_status tmp = *st;
        ES_GUARD(eval_der(&tmp, &ev, kinds[k], es_buf_span(&der), cert, issuer, extra, at_ms, NULL, NULL, "cache", ro->ctx));
        /* Reused only until its nextUpdate (RFC 5019 §6); then fetched again. */
        if (ev.res == EV_OK && ev.next_ms > es_ctx_now(ro->ctx)) {
            *st = tmp;
            ES_GUARD(collect(ro, kinds[k], es_buf_span(&der)));
        }
    }
    return ES_OK;
}

static ES_RESULT crl_urls(STACK_OF(OPENSSL_STRING) * *out, X509 *cert)
{
    *out = sk_OPENSSL_STRING_new_null();
    ES_ENSURE_ALLOC(*out);
    STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
    for (int i = 0; dps != NULL && i < sk_DIST_POINT_num(dps); i++) {
        DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
        if (dp->distpoint == NULL || dp->distpoint->type != 0) {
            continue;
        }
        GENERAL_NAMES *names = dp->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names) && sk_OPENSSL_STRING_num(*out) < MAX_URLS; j++) {
            GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, j);
            if (gn->type != GEN_URI) {
                continue;
            }
            char *u = OPENSSL_strndup((const char *)ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier),
                                      (size_t)ASN1_STRING_length(gn->d.uniformResourceIdentifier));
            if (u == NULL || sk_OPENSSL_STRING_push(*out, u) <= 0) {
                OPENSSL_free(u);
            }
        }
    }
    sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
    ERR_clear_error();
    return ES_OK;
}

ES_RESULT es_cert_crl_urls(es_span cert_der, char (*urls)[ES_URL_BUF_MAX], size_t max, size_t *n)
{
    *n = 0;
    X509 *x = NULL;
    ES_GUARD(es_x509_from_der(&x, cert_der));
    STACK_OF(OPENSSL_STRING) *all = NULL;
    es_result r = crl_urls(&all, x);
    for (int i = 0; es_ok(r) && i < sk_OPENSSL_STRING_num(all) && *n < max; i++) {
        const char *u = sk_OPENSSL_STRING_value(all, i);
        if ((strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0) && strlen(u) < ES_URL_BUF_MAX) {
            (void)snprintf(urls[(*n)++], ES_URL_BUF_MAX, "%s", u);
        }
    }
    X509_email_free(all);
    X509_free(x);
    return r;
}

ES_RESULT es_crl_check_issued(es_span crl_der, es_span ca_der, uint64_t *number, int64_t *this_ms, int64_t *next_ms)
{
    const unsigned char *p = crl_der.ptr;
    ES_AUTO(X509_CRL_freep) X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)crl_der.len);
    ES_ENSURE_OSSL(crl != NULL && p == crl_der.ptr + crl_der.len, ESEAL_EMALFORMED, "reading a DER CRL");
    X509 *ca = NULL;
    ES_GUARD(es_x509_from_der(&ca, ca_der));
    EVP_PKEY *key = X509_get0_pubkey(ca);
    bool issued = key != NULL && X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ca)) == 0;
    int valid = 0;
    es_result r = issued ? es_crl_verify_sig(&valid, crl, key) : ES_OK; /* SM2: with the GM/T 0009 ID */
    X509_free(ca);
    ES_GUARD(r);
    bool signed_ok = issued && valid == 1;
    ERR_clear_error();
    ES_ENSURE(signed_ok, ESEAL_EVERIFY, "the CRL is not %s by its CA", issued ? "signed" : "issued");
    int crit = 0;
    ASN1_INTEGER *num = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, NULL);
    uint64_t v = 0;
    *number = num != NULL && ASN1_INTEGER_get_uint64(&v, num) == 1 ? v : 0;
    ASN1_INTEGER_free(num);
    ERR_clear_error();
    *this_ms = es_asn1_time_ms(X509_CRL_get0_lastUpdate(crl));
    const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
    *next_ms = next != NULL ? es_asn1_time_ms(next) : 0;
    return ES_OK;
}

static void str_stack_free(STACK_OF(OPENSSL_STRING) * s) { X509_email_free(s); }

/* OCSP from the AIA URLs, then the CRL from the distribution points (only http/https). */
static ES_RESULT from_network(es_rev_status *st, X509 *cert, X509 *issuer, STACK_OF(X509) *extra, int64_t at_ms,
                              const es_revocation_opts *ro)
{
    ES_ENSURE(ro->fetch.fn != NULL, ESEAL_EINVAL, "revocation: online fetching asked for without a fetch function");
    unsigned int timeout_ms = ro->timeout_ms != 0 ? ro->timeout_ms : DEFAULT_FETCH_TIMEOUT_MS;
    size_t max_resp = es_ctx_limits(ro->ctx)->max_der_bytes;
    STACK_OF(OPENSSL_STRING) *urls = X509_get1_ocsp(cert);
    es_result r = ES_OK;
    for (int i = 0; es_ok(r) && !st->found && urls != NULL && i < sk_OPENSSL_STRING_num(urls) && i < MAX_URLS; i++) {
        const char *url = sk_OPENSSL_STRING_value(urls, i);
        es_buf req = ES_BUF_INIT(ES_REV_OCSP_REQUEST_MAX);
        es_buf resp = ES_BUF_INIT(max_resp);
        OCSP_REQUEST *rq = NULL;
        long status = 0;
        r = request_der(&req, &rq, cert, issuer, false, true);
        if (es_ok(r)) {
            es_result hr = ro->fetch.fn(ro->fetch.ctx, url, "application/ocsp-request", es_buf_span(&req), timeout_ms,
                                          max_resp, &resp, &status);
            if (!es_ok(hr) || status != 200) {
                if (st->note[0] == '\0') {
                    (void)snprintf(st->note, sizeof(st->note), "the OCSP responder %s did not answer (%s)", url,
                                   es_ok(hr) ? "HTTP error status" : eseal_error_last()->message);
                }
            } else {
                ev_info ev;
                r = eval_der(st, &ev, ES_REV_OCSP, es_buf_span(&resp), cert, issuer, extra, at_ms, rq, ro, url, ro->ctx);
                if (es_ok(r) && st->found) {
                    r = cache_put(ro, cert, issuer, ES_REV_OCSP, es_buf_span(&resp));
                }
            }
        }
        OCSP_REQUEST_free(rq);
        es_buf_free(&req);
        es_buf_free(&resp);
    }
    str_stack_free(urls);
    ES_GUARD(r);
    if (st->found) {
        return ES_OK;
    }
    STACK_OF(OPENSSL_STRING) *crls = NULL;
    ES_GUARD(crl_urls(&crls, cert));
    for (int i = 0; es_ok(r) && !st->found && i < sk_OPENSSL_STRING_num(crls); i++) {
        const char *url = sk_OPENSSL_STRING_value(crls, i);
        es_buf resp = ES_BUF_INIT(max_resp);
        long status = 0;
        es_result hr = ro->fetch.fn(ro->fetch.ctx, url, NULL, es_span_of(NULL, 0), timeout_ms, max_resp, &resp, &status);
        if (!es_ok(hr) || status != 200) {
            if (st->note[0] == '\0') {
                (void)snprintf(st->note, sizeof(st->note), "the CRL at %s could not be fetched (%s)", url,
                               es_ok(hr) ? "HTTP error status" : eseal_error_last()->message);
            }
        } else {
            ev_info ev;
            r = eval_der(st, &ev, ES_REV_CRL, es_buf_span(&resp), cert, issuer, extra, at_ms, NULL, ro, url, ro->ctx);
            if (es_ok(r) && st->found) {
                r = cache_put(ro, cert, issuer, ES_REV_CRL, es_buf_span(&resp));
            }
        }
        es_buf_free(&resp);
    }
    str_stack_free(crls);
    return r;
}

/*
 * Folds the candidate `c` into `best`: a revocation beats "good" (a CA may learn of a compromise,
 * and date it back, after an earlier "good" was produced), else the newer information wins.
 */
static void consider(es_rev_status *best, const es_rev_status *c)
{
    best->stale = best->stale || c->stale;
    if (best->note[0] == '\0' && c->note[0] != '\0') {
        (void)snprintf(best->note, sizeof(best->note), "%s", c->note);
    }
    if (c->found && (!best->found || (c->revoked && !best->revoked) ||
                     (c->revoked == best->revoked && c->this_update_ms > best->this_update_ms))) {
        bool stale = best->stale;
        char keep[sizeof(best->note)];
        (void)snprintf(keep, sizeof(keep), "%s", best->note);
        *best = *c;
        best->stale = stale;
        (void)snprintf(best->note, sizeof(best->note), "%s", keep);
    }
}

ES_RESULT es_revocation_status(es_rev_status *st, const eseal_trust *t, X509 *cert, X509 *issuer,
                               STACK_OF(X509) *extra, int64_t at_ms, const es_revocation_opts *ro)
{
    memset(st, 0, sizeof(*st));
    ev_info ev;
    es_rev_status c;
    /* 1. OCSP responses that came with the document: every one is weighed (see consider). */
    for (size_t i = 0; ro != NULL && i < ro->ocsp_count; i++) {
        memset(&c, 0, sizeof(c));
        ES_GUARD(eval_der(&c, &ev, ES_REV_OCSP, ro->ocsp[i], cert, issuer, extra, at_ms, NULL, ro, "embedded", ro->ctx));
        consider(st, &c);
    }
    /* 2. CRLs that came with the document, 3. the trust set's CRLs: the newest of each, weighed too. */
    for (int k = 0; k < 2; k++) {
        STACK_OF(X509_CRL) *set = NULL;
        ES_AUTO(crl_stack_freep) STACK_OF(X509_CRL) *embedded = NULL;
        if (k == 0) {
            if (ro == NULL || ro->crl_count == 0) {
                continue;
            }
            embedded = sk_X509_CRL_new_null();
            ES_ENSURE_ALLOC(embedded);
            for (size_t i = 0; i < ro->crl_count && i < ES_REV_MAX_EMBEDDED; i++) {
                X509_CRL *crl = parse_crl(ro->crls[i], ro->ctx);
                if (crl != NULL && sk_X509_CRL_push(embedded, crl) <= 0) {
                    X509_CRL_free(crl);
                    ES_BAIL(ESEAL_ENOMEM, "out of memory");
                }
            }
            set = embedded;
        } else {
            set = t != NULL ? t->crls : NULL;
        }
        X509_CRL *used = NULL;
        const char *from = k == 0 ? "embedded" : "trust set";
        crl_eval(&ev, set, cert, issuer, at_ms, &used);
        memset(&c, 0, sizeof(c));
        if (ev.res == EV_OK) {
            ES_AUTO(es_buf_freep) es_buf der = ES_BUF_INIT(es_ctx_limits(ro != NULL ? ro->ctx : NULL)->max_der_bytes);
            ES_GUARD(crl_der(&der, used));
            take(&c, &ev, "CRL", from, es_buf_span(&der));
            ES_GUARD(collect(ro, ES_REV_CRL, es_buf_span(&der)));
        } else {
            note(&c, &ev, from);
        }
        consider(st, &c);
    }
    if (st->found || ro == NULL) {
        return ES_OK;
    }
    /* 4. The cache, 5. the network. */
    if (ro->cache_dir != NULL) {
        ES_GUARD(from_cache(st, cert, issuer, extra, at_ms, ro));
    }
    if (!st->found && ro->online) {
        ES_GUARD(from_network(st, cert, issuer, extra, at_ms, ro));
    }
    return ES_OK;
}

ES_RESULT es_revocation_fetch(bool *found, const eseal_cert *cert, const eseal_cert *issuer,
                              const es_revocation_opts *ro, char *source, size_t source_cap)
{
    ES_ENSURE_ARG(found != NULL && cert != NULL && issuer != NULL && ro != NULL);
    es_rev_status st;
    memset(&st, 0, sizeof(st));
    int64_t now = es_ctx_now(ro->ctx);
    if (ro->cache_dir != NULL) {
        ES_GUARD(from_cache(&st, cert->x509, issuer->x509, NULL, now, ro));
    }
    if (!st.found && ro->online) {
        ES_GUARD(from_network(&st, cert->x509, issuer->x509, NULL, now, ro));
    }
    *found = st.found;
    if (source != NULL && source_cap > 0) {
        (void)snprintf(source, source_cap, "%s", st.found ? st.source : st.note);
    }
    return ES_OK;
}
