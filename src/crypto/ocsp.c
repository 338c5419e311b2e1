/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 6960 OCSP responder (include/eseal/ocsp.h), on OpenSSL's OCSP types:
 * OpenSSL parses the request and encodes the response; what is answered, and
 * who signs it, is decided here. The responder is stateless: the status of
 * each certificate comes from the configuration's lookup callback, the time
 * from its clock.
 */
#include <limits.h>
#include <string.h>

#include <openssl/ocsp.h>

#include "ossl.h"
#include "eseal/ocsp.h"
#include "util/versions.h"

ES_DEFINE_FREEP(OCSP_REQUEST, OCSP_REQUEST_free)
ES_DEFINE_FREEP(OCSP_RESPONSE, OCSP_RESPONSE_free)
ES_DEFINE_FREEP(OCSP_BASICRESP, OCSP_BASICRESP_free)
ES_DEFINE_FREEP(OCSP_CERTID, OCSP_CERTID_free)

/* RFC 8954 §2.1: a nonce of 1..32 octets (plus the OCTET STRING header inside the extension). */
#define MAX_NONCE_EXT 34

static const eseal_ocsp_config default_cfg = ESEAL_OCSP_CONFIG_INIT;

static ES_RESULT encode_response(es_buf *out, OCSP_RESPONSE *resp)
{
    unsigned char *der = NULL;
    int n = i2d_OCSP_RESPONSE(resp, &der);
    return es_take_der(out, der, n, "ocsp: encoding the response");
}

/* An OCSPResponse with only a status (no responseBytes): malformedRequest, unauthorized, ... */
static ES_RESULT status_only(es_buf *out, int status)
{
    ES_AUTO(OCSP_RESPONSE_freep) OCSP_RESPONSE *resp = OCSP_response_create(status, NULL);
    ES_ENSURE_OSSL(resp != NULL, ESEAL_ECRYPTO, "ocsp: building a response");
    return encode_response(out, resp);
}

static ES_RESULT check_cfg(const eseal_ocsp_config *cfg)
{
    ES_CHECK_VERSION(cfg, ocsp_config);
    ES_ENSURE(cfg->issuers != NULL && cfg->issuer_count > 0 && cfg->issuer_count <= ES_OCSP_MAX_ISSUERS, ESEAL_EINVAL,
              "ocsp: the configuration needs 1..256 CAs");
    ES_ENSURE(cfg->lookup != NULL, ESEAL_EINVAL, "ocsp: the configuration needs a status lookup");
    for (size_t i = 0; i < cfg->issuer_count; i++) {
        const eseal_ocsp_issuer *is = &cfg->issuers[i];
        ES_ENSURE(is->ca != NULL && is->responder != NULL && is->key != NULL, ESEAL_EINVAL,
                  "ocsp: CA %zu needs a certificate, a responder certificate and a key", i);
        EVP_PKEY *pk = es_key_signing_pkey(is->key);
        ES_ENSURE(pk != NULL, ESEAL_EUNSUPPORTED, "ocsp: key %s cannot sign here (no OpenSSL handle)",
                  eseal_key_label(is->key));
        ES_ENSURE(EVP_PKEY_eq(X509_get0_pubkey(is->responder->x509), pk) == 1, ESEAL_EINVAL,
                  "ocsp: the key of CA %zu does not belong to its responder certificate", i);
    }
    return ES_OK;
}

/* The CA of the configuration that a CertID names (by its own hash algorithm), or -1. */
static int match_issuer(const eseal_ocsp_config *cfg, OCSP_CERTID *cid)
{
    ASN1_OBJECT *md_obj = NULL;
    ASN1_INTEGER *serial = NULL;
    if (OCSP_id_get0_info(NULL, &md_obj, NULL, &serial, cid) != 1) {
        return -1;
    }
    const EVP_MD *md = NULL;
    switch (OBJ_obj2nid(md_obj)) {
    case NID_sha1: /* RFC 5019 §2.1.1: what clients send; an identifier here, not a signature */
        md = EVP_sha1();
        break;
    case NID_sha256:
        md = EVP_sha256();
        break;
    case NID_sha384:
        md = EVP_sha384();
        break;
    case NID_sha512:
        md = EVP_sha512();
        break;
    default:
        return -1;
    }
    for (size_t i = 0; i < cfg->issuer_count; i++) {
        X509 *ca = cfg->issuers[i].ca->x509;
        OCSP_CERTID *mine = OCSP_cert_id_new(md, X509_get_subject_name(ca), X509_get0_pubkey_bitstr(ca), serial);
        bool same = mine != NULL && OCSP_id_issuer_cmp(mine, cid) == 0;
        OCSP_CERTID_free(mine);
        if (same) {
            return (int)i;
        }
    }
    ERR_clear_error();
    return -1;
}

/* The status of one CertID of CA `ca`: the lookup with the serial's big-endian bytes. */
static ES_RESULT lookup(const eseal_ocsp_config *cfg, size_t ca, OCSP_CERTID *cid, eseal_ocsp_status *st, bool *failed)
{
    st->status = ESEAL_OCSP_UNKNOWN;
    st->revoked_ms = 0;
    st->reason = -1;
    ASN1_INTEGER *serial = NULL;
    if (OCSP_id_get0_info(NULL, NULL, NULL, &serial, cid) != 1 || serial == NULL) {
        return ES_OK;
    }
    BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
    ES_ENSURE_ALLOC(bn);
    uint8_t bytes[64];
    int n = BN_num_bytes(bn);
    bool usable = !BN_is_negative(bn) && !BN_is_zero(bn) && n > 0 && n <= (int)sizeof(bytes);
    if (usable) {
        (void)BN_bn2bin(bn, bytes);
    }
    BN_free(bn);
    if (!usable) {
        return ES_OK; /* no CA here issues such serials (RFC 5280 §4.1.2.2): unknown */
    }
    int rc = cfg->lookup(cfg->lookup_ctx, ca, bytes, (size_t)n, st);
    if (rc != ESEAL_OK || st->status < ESEAL_OCSP_GOOD || st->status > ESEAL_OCSP_UNKNOWN) {
        *failed = true;
    }
    return ES_OK;
}

static ES_RESULT sign_basic(OCSP_BASICRESP *bs, const eseal_ocsp_issuer *is)
{
    ES_AUTO(EVP_MD_CTX_freep) EVP_MD_CTX *m = NULL;
    ES_GUARD(es_x509_signing_ctx(&m, is->key));
    /* ResponderID byKey (RFC 5019 §2.2.3); the responder certificate goes with the response. */
    ES_GUARD_OSSL(OCSP_basic_sign_ctx(bs, is->responder->x509, m, NULL, OCSP_RESPID_KEY), "ocsp: signing the response");
    return ES_OK;
}

static ES_RESULT respond(es_buf *out, es_span req, const eseal_ocsp_config *cfg)
{
    ES_GUARD(check_cfg(cfg));
    if (req.len == 0 || req.len > ESEAL_OCSP_MAX_REQUEST) {
        return status_only(out, OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
    }
    const unsigned char *p = req.ptr;
    ES_AUTO(OCSP_REQUEST_freep) OCSP_REQUEST *rq = d2i_OCSP_REQUEST(NULL, &p, (long)req.len);
    ERR_clear_error();
    if (rq == NULL || p != req.ptr + req.len) {
        return status_only(out, OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
    }
    int n = OCSP_request_onereq_count(rq);
    if (n <= 0 || n > ESEAL_OCSP_MAX_CERTIDS) {
        return status_only(out, OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
    }
    int nonce_at = OCSP_REQUEST_get_ext_by_NID(rq, NID_id_pkix_OCSP_Nonce, -1);
    if (nonce_at >= 0) {
        ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(OCSP_REQUEST_get_ext(rq, nonce_at));
        if (v == NULL || ASN1_STRING_length(v) < 3 || ASN1_STRING_length(v) > MAX_NONCE_EXT) {
            return status_only(out, OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
        }
    }
    /* One responder signs: the one of the CA that the first CertID naming one of ours names. */
    int chosen = -1;
    for (int i = 0; i < n && chosen < 0; i++) {
        chosen = match_issuer(cfg, OCSP_onereq_get0_id(OCSP_request_onereq_get0(rq, i)));
    }
    if (chosen < 0) {
        return status_only(out, OCSP_RESPONSE_STATUS_UNAUTHORIZED);
    }
    int64_t now = cfg->clock != NULL ? cfg->clock(cfg->clock_ctx) : es_ctx_now(NULL); /* none: the default context's */
    unsigned int validity = cfg->validity_s != 0 ? cfg->validity_s : ESEAL_OCSP_DEFAULT_VALIDITY_S;
    ES_AUTO(ASN1_TIME_freep) ASN1_TIME *thisupd = NULL;
    ES_AUTO(ASN1_TIME_freep) ASN1_TIME *nextupd = NULL;
    ES_GUARD(es_asn1_time_from_ms(&thisupd, now));
    ES_GUARD(es_asn1_time_from_ms(&nextupd, now + (int64_t)validity * 1000));
    ES_AUTO(OCSP_BASICRESP_freep) OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
    ES_ENSURE_ALLOC(bs);
    bool failed = false;
    for (int i = 0; i < n; i++) {
        OCSP_CERTID *cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(rq, i));
        eseal_ocsp_status st = {ESEAL_OCSP_UNKNOWN, 0, -1};
        if (match_issuer(cfg, cid) == chosen) {
            ES_GUARD(lookup(cfg, (size_t)chosen, cid, &st, &failed));
        }
        if (failed) {
            return status_only(out, OCSP_RESPONSE_STATUS_INTERNALERROR);
        }
        ES_AUTO(ASN1_TIME_freep) ASN1_TIME *rev = NULL;
        int status = V_OCSP_CERTSTATUS_UNKNOWN;
        int reason = OCSP_REVOKED_STATUS_NOSTATUS;
        if (st.status == ESEAL_OCSP_GOOD) {
            status = V_OCSP_CERTSTATUS_GOOD;
        } else if (st.status == ESEAL_OCSP_REVOKED) {
            status = V_OCSP_CERTSTATUS_REVOKED;
            ES_GUARD(es_asn1_time_from_ms(&rev, st.revoked_ms));
            /* RFC 5280 §5.3.1: 7 is not used; out-of-range reasons are left out. */
            reason = (st.reason >= 0 && st.reason <= ES_CRL_REASON_MAX && st.reason != 7) ? st.reason : OCSP_REVOKED_STATUS_NOSTATUS;
        }
        ES_ENSURE_OSSL(OCSP_basic_add1_status(bs, cid, status, reason, rev, thisupd, nextupd) != NULL, ESEAL_ECRYPTO,
                       "ocsp: adding a status");
    }
    if (nonce_at >= 0) {
        ES_ENSURE_OSSL(OCSP_copy_nonce(bs, rq) == 1, ESEAL_ECRYPTO, "ocsp: echoing the nonce");
    }
    ES_GUARD(sign_basic(bs, &cfg->issuers[chosen]));
    ES_AUTO(OCSP_RESPONSE_freep) OCSP_RESPONSE *resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
    ES_ENSURE_OSSL(resp != NULL, ESEAL_ECRYPTO, "ocsp: building the response");
    return encode_response(out, resp);
}

int eseal_ocsp_respond(eseal_buf *resp_der, const void *req_der, size_t len, const eseal_ocsp_config *cfg)
{
    ES_CHECK_VERSION_OPT_INT(cfg, ocsp_config);
    if (resp_der == NULL || (req_der == NULL && len > 0)) {
        ES_BAIL_ARG("resp_der == NULL || (req_der == NULL && len > 0)");
    }
    es_buf out = ES_BUF_INIT(es_ctx_limits(NULL)->max_der_bytes);
    es_result r = respond(&out, es_span_of(req_der, len), cfg != NULL ? cfg : &default_cfg);
    if (!es_ok(r)) {
        es_buf_free(&out);
        return es_code(r);
    }
    es_buf_move_out(resp_der, &out);
    return ESEAL_OK;
}

static ES_RESULT response_status(int *status, int *cert_status, es_span der)
{
    ES_ENSURE(der.len > 0 && der.len <= es_ctx_limits(NULL)->max_der_bytes, ESEAL_EMALFORMED,
              "ocsp: not an OCSPResponse (%zu bytes)", der.len);
    const unsigned char *p = der.ptr;
    ES_AUTO(OCSP_RESPONSE_freep) OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, (long)der.len);
    ES_ENSURE_OSSL(resp != NULL, ESEAL_EMALFORMED, "ocsp: not an OCSPResponse");
    ES_ENSURE(p == der.ptr + der.len, ESEAL_EMALFORMED, "ocsp: trailing bytes after the OCSPResponse");
    *status = OCSP_response_status(resp);
    if (cert_status == NULL) {
        return ES_OK;
    }
    *cert_status = -1;
    if (*status == OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        ES_AUTO(OCSP_BASICRESP_freep) OCSP_BASICRESP *bs = OCSP_response_get1_basic(resp);
        ES_ENSURE_OSSL(bs != NULL, ESEAL_EMALFORMED, "ocsp: the response is not a BasicOCSPResponse");
        OCSP_SINGLERESP *s = OCSP_resp_get0(bs, 0);
        if (s != NULL) {
            *cert_status = OCSP_single_get0_status(s, NULL, NULL, NULL, NULL);
        }
    }
    ERR_clear_error();
    return ES_OK;
}

int eseal_ocsp_response_status(int *status, int *cert_status, const void *resp, size_t len)
{
    if (status == NULL || (resp == NULL && len > 0)) {
        ES_BAIL_ARG("status == NULL || (resp == NULL && len > 0)");
    }
    return es_code(response_status(status, cert_status, es_span_of(resp, len)));
}

int eseal_ocsp_request(eseal_buf *req_der, const eseal_cert *cert, const eseal_cert *issuer, int sha256, int nonce)
{
    if (req_der == NULL || cert == NULL || issuer == NULL) {
        ES_BAIL_ARG("req_der == NULL || cert == NULL || issuer == NULL");
    }
    es_buf out = ES_BUF_INIT(ES_REV_OCSP_REQUEST_MAX);
    es_result r = es_ocsp_request_der(&out, cert, issuer, sha256 != 0, nonce != 0);
    if (!es_ok(r)) {
        es_buf_free(&out);
        return es_code(r);
    }
    es_buf_move_out(req_der, &out);
    return ESEAL_OK;
}
