/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signature timestamps in CMS (RFC 3161 appendix A, ETSI EN 319 122-1
 * §5.3): the unsigned attribute id-aa-timeStampToken holding a time-stamp
 * token over the SignerInfo's signature value. Adding one leaves the signed
 * part untouched; checking one gives a proof of existence (POE) of the
 * signature at the token's genTime.
 */
#include <limits.h>
#include <string.h>

#include <openssl/ts.h>

#include "crypto.h"
#include "eseal/tsa.h"
#include "ossl.h"
#include "tsattr.h"
#include "util/report.h"

ES_RESULT es_cms_add_signature_timestamp(es_buf *cms_der, eseal_hash hash, eseal_timestamp_fn fn, void *ctx)
{
    ES_ENSURE_ARG(cms_der != NULL && fn != NULL);
    const unsigned char *p = cms_der->ptr;
    ES_AUTO(CMS_ContentInfo_freep) CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)cms_der->len);
    es_x509_count_cms(cms);
    ES_ENSURE_OSSL(cms != NULL && p == cms_der->ptr + cms_der->len, ESEAL_EMALFORMED, "cms: not a DER ContentInfo");
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    ES_ENSURE(sis != NULL && sk_CMS_SignerInfo_num(sis) == 1, ESEAL_EINVAL, "cms: a signature timestamp needs one signer");
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
    ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
    ES_ENSURE(sig != NULL && ASN1_STRING_length(sig) > 0, ESEAL_EMALFORMED, "cms: the SignerInfo has no signature");
    uint8_t dg[64];
    size_t dn = 0;
    ES_GUARD(es_digest(dg, &dn, hash, es_span_of(ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig))));
    eseal_buf token = ESEAL_BUF_INIT;
    int rc = fn(ctx, &token, hash, dg, dn);
    if (rc != ESEAL_OK) {
        eseal_buf_dispose(&token);
        return es_from_code(rc); /* the callee set the message */
    }
    /* The token must be one: a ContentInfo, nothing after it. */
    const unsigned char *tp = token.ptr;
    PKCS7 *p7 = token.size > 0 && token.size <= LONG_MAX ? d2i_PKCS7(NULL, &tp, (long)token.size) : NULL;
    es_x509_count_p7(p7);
    bool whole = p7 != NULL && tp == token.ptr + token.size;
    PKCS7_free(p7);
    ERR_clear_error();
    if (!whole) {
        eseal_buf_dispose(&token);
        ES_BAIL(ESEAL_EMALFORMED, "cms: the time-stamp source returned something other than a token");
    }
    int ok = CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, token.ptr,
                                           (int)token.size);
    eseal_buf_dispose(&token);
    ES_GUARD_OSSL(ok, "adding the signature timestamp");
    unsigned char *der = NULL;
    int n = i2d_CMS_ContentInfo(cms, &der);
    es_buf_clear(cms_der);
    return es_take_der(cms_der, der, n, "cms: encoding the time-stamped signature");
}

/* The validation objects of the token's report (the TSA certificate, its chain, CRLs, OCSP responses) join rep's document. */
static ES_RESULT copy_objects(eseal_report *rep, const eseal_report *trep)
{
    static const char *const types[] = {[ES_VOBJ_CERTIFICATE] = "certificate", [ES_VOBJ_CRL] = "crl",
                                        [ES_VOBJ_OCSP_RESPONSE] = "ocsp_response", [ES_VOBJ_TIMESTAMP] = "timestamp",
                                        [ES_VOBJ_SEAL] = "seal"};
    const eseal_value *objs = eseal_report_find(trep, "validation_objects");
    for (size_t i = 0; i < eseal_value_count(objs); i++) {
        const eseal_value *o = eseal_value_item(objs, i);
        const char *type = eseal_value_string(eseal_value_find(o, "type"));
        const char *sha = eseal_value_string(eseal_value_find(o, "sha256"));
        const eseal_value *poe = eseal_value_find(o, "poe");
        for (size_t k = 0; type != NULL && sha != NULL && k < sizeof(types) / sizeof(types[0]); k++) {
            if (strcmp(type, types[k]) == 0) {
                char id[ES_VOBJ_ID_LEN];
                ES_GUARD(es_report_object(rep, (es_vobj_type)k, sha, eseal_value_string(eseal_value_find(o, "name")),
                                          eseal_value_string(eseal_value_find(o, "origin")),
                                          eseal_value_type_of(poe) == ESEAL_VALUE_TIME ? eseal_value_integer(poe) : 0,
                                          id));
            }
        }
    }
    return ES_OK;
}

/* The value at `path` of the token's report (null when it has none), copied to `to` of rep. */
static ES_RESULT copy_value(eseal_report *rep, const char *to, const eseal_report *trep, const char *path)
{
    return es_value_set(es_report_root(rep), to, eseal_report_find(trep, path));
}

/*
 * The time section of rep from a VALID token: its genTime proves the time (source timestamp), the
 * TSA's subject, the token's serial and accuracy, and `token_id`, the token as a validation object.
 */
static ES_RESULT time_from_token(eseal_report *rep, const eseal_report *trep, const char *token_id)
{
    ES_GUARD(copy_value(rep, "time.value", trep, "token.gen_time"));
    ES_GUARD(es_report_str(rep, "time.source", "timestamp"));
    ES_GUARD(copy_value(rep, "time.tsa", trep, "signer.subject"));
    ES_GUARD(copy_value(rep, "time.serial", trep, "token.serial"));
    ES_GUARD(copy_value(rep, "time.accuracy_ms", trep, "token.accuracy_ms"));
    return token_id != NULL ? es_report_str(rep, "time.token", "%s", token_id) : es_report_null(rep, "time.token");
}

/*
 * Check "timestamp" of rep (source: where the token came from) naming the token, the TSA
 * certificate and every object the token's own checks used; `detail` says why it is not passed
 * (NULL when it is).
 */
static ES_RESULT timestamp_check(eseal_report *rep, const eseal_report *trep, eseal_check_status status,
                                 const char *source, const char *token_id, const char *detail)
{
    const char *tsa = eseal_report_string(trep, "signer.subject");
    if (detail != NULL) {
        ES_GUARD(es_report_check(rep, "timestamp", status, source, "%s", detail));
    } else {
        ES_GUARD(es_report_check(rep, "timestamp", status, source, "a token from %s", tsa != NULL ? tsa : "the TSA"));
    }
    if (token_id != NULL) {
        ES_GUARD(es_report_check_uses(rep, "timestamp", token_id));
    }
    const char *cert = eseal_report_string(trep, "signer.certificate");
    if (cert != NULL) {
        ES_GUARD(es_report_check_uses(rep, "timestamp", cert));
    }
    /* And what the token's own checks used: the TSA's path, its CRLs and OCSP responses (ids are
     * digests, so they name the same objects copy_objects brought to rep's document). */
    const eseal_value *checks = eseal_report_find(trep, "checks");
    for (size_t i = 0; i < eseal_value_count(checks); i++) {
        ES_GUARD(es_report_check_uses_from(rep, "timestamp", eseal_value_item(checks, i)));
    }
    return ES_OK;
}

/* The first reason of `trep` that is not a note, as text. */
static const char *first_problem(const eseal_report *trep, const char **code)
{
    for (size_t i = 0; i < eseal_report_reason_count(trep); i++) {
        if (eseal_report_reason_verdict(trep, i) != ESEAL_VALID) {
            *code = eseal_report_reason_code(trep, i);
            return eseal_report_reason_text(trep, i);
        }
    }
    *code = "?";
    return "the token was not accepted";
}

ES_RESULT es_cms_check_signature_timestamp(eseal_report *rep, CMS_SignerInfo *si, const eseal_trust *t,
                                           const es_revocation_opts *ro, int64_t *poe_ms)
{
    *poe_ms = 0;
    int idx = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
    if (idx < 0) {
        return ES_OK;
    }
    ES_ENSURE(CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, idx) < 0, ESEAL_ELIMIT,
              "cms: more than one signature timestamp attribute");
    X509_ATTRIBUTE *a = CMS_unsigned_get_attr(si, idx);
    ASN1_TYPE *v = X509_ATTRIBUTE_count(a) == 1 ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
    ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
    if (v == NULL || v->type != V_ASN1_SEQUENCE || sig == NULL) {
        ES_GUARD(es_report_check(rep, "timestamp", ESEAL_CHECK_FAILED, "signature", "%s",
                                 "the attribute does not hold one token"));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_TIMESTAMP_INVALID,
                                "the signature timestamp attribute does not hold one token");
    }
    eseal_tsa_verify_options vo = ESEAL_TSA_VERIFY_OPTIONS_INIT;
    vo.data = ASN1_STRING_get0_data(sig);
    vo.data_len = (size_t)ASN1_STRING_length(sig);
    eseal_report *trep = NULL;
    int64_t gen = 0;
    int rc = es_code(es_tsa_verify_token_rev(&trep, &gen,
                                             es_span_of(ASN1_STRING_get0_data(v->value.sequence),
                                                        (size_t)ASN1_STRING_length(v->value.sequence)),
                                             t, &vo, ro));
    ERR_clear_error();
    if (rc != ESEAL_OK) {
        ES_GUARD(es_report_check(rep, "timestamp", ESEAL_CHECK_FAILED, "signature", "not a token (%s)",
                                 eseal_error_last()->message));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_TIMESTAMP_INVALID, "the signature timestamp is not a token (%s)",
                                eseal_error_last()->message);
    }
    eseal_verdict vd = eseal_report_verdict(trep);
    es_result r = copy_objects(rep, trep);
    /* The token itself: a validation object of the signature (what it proves: its genTime, when VALID). */
    char token_id[ES_VOBJ_ID_LEN];
    const char *tsa = eseal_report_string(trep, "signer.subject");
    if (es_ok(r)) {
        r = es_report_evidence(rep, ES_VOBJ_TIMESTAMP,
                               es_span_of(ASN1_STRING_get0_data(v->value.sequence),
                                          (size_t)ASN1_STRING_length(v->value.sequence)),
                               tsa != NULL ? tsa : "signature timestamp", "signature", vd == ESEAL_VALID ? gen : 0,
                               token_id);
    }
    const char *code = NULL;
    const char *why = first_problem(trep, &code);
    if (es_ok(r) && vd == ESEAL_VALID) {
        *poe_ms = gen;
        r = timestamp_check(rep, trep, ESEAL_CHECK_PASSED, "signature", token_id, NULL);
        if (es_ok(r)) {
            r = time_from_token(rep, trep, token_id);
        }
    } else if (es_ok(r) && vd == ESEAL_INVALID) {
        r = timestamp_check(rep, trep, ESEAL_CHECK_FAILED, "signature", token_id, why);
        if (es_ok(r)) {
            r = es_report_reason(rep, ESEAL_INVALID, ESEAL_R_TIMESTAMP_INVALID,
                                 "the signature timestamp is invalid: %s (%s)", why, code);
        }
    } else if (es_ok(r)) {
        r = timestamp_check(rep, trep, ESEAL_CHECK_INDETERMINATE, "signature", token_id, why);
        if (es_ok(r)) {
            r = es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_TIMESTAMP_UNTRUSTED,
                                 "the signature timestamp cannot be trusted: %s (%s); the signing time is not proven",
                                 why, code);
        }
    }
    eseal_report_free(trep);
    return r;
}

/* A request carrying only `imprint` under the algorithm of the token's TSTInfo: what the token is checked against. */
static ES_RESULT request_for(es_buf *out, TS_TST_INFO *tst, const es_span *parts, size_t n, eseal_hash *hash)
{
    X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst));
    const ASN1_OBJECT *oid = NULL;
    X509_ALGOR_get0(&oid, NULL, NULL, alg);
    *hash = es_hash_from_nid(OBJ_obj2nid(oid));
    if (*hash == ESEAL_HASH_DEFAULT) {
        return ES_OK; /* not an accepted hash: the caller reports it */
    }
    uint8_t dg[64];
    size_t dn = 0;
    ES_GUARD(es_digest_spans(dg, &dn, *hash, parts, n));
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    int ok = req != NULL && mi != NULL && TS_REQ_set_version(req, 1) == 1 && TS_MSG_IMPRINT_set_algo(mi, alg) == 1 &&
             TS_MSG_IMPRINT_set_msg(mi, dg, (int)dn) == 1 && TS_REQ_set_msg_imprint(req, mi) == 1;
    unsigned char *der = NULL;
    int len = ok ? i2d_TS_REQ(req, &der) : -1;
    TS_MSG_IMPRINT_free(mi);
    TS_REQ_free(req);
    ES_ENSURE_OSSL(len > 0, ESEAL_ECRYPTO, "tsa: building the imprint to check a token against");
    es_result r = es_buf_append(out, der, (size_t)len);
    OPENSSL_free(der);
    return r;
}

ES_RESULT es_tsa_check_token_parts(eseal_report *rep, int64_t *gen_ms, es_span token, const es_span *parts, size_t n,
                                   const eseal_trust *t, const es_revocation_opts *ro)
{
    *gen_ms = 0;
    const unsigned char *p = token.ptr;
    PKCS7 *p7 = token.len > 0 && token.len <= LONG_MAX ? d2i_PKCS7(NULL, &p, (long)token.len) : NULL;
    es_x509_count_p7(p7);
    TS_TST_INFO *tst = p7 != NULL ? PKCS7_to_TS_TST_INFO(p7) : NULL;
    PKCS7_free(p7);
    ERR_clear_error();
    if (tst == NULL) {
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "/Contents is not a time-stamp token");
    }
    es_buf req = ES_BUF_INIT(ESEAL_TSA_MAX_REQUEST);
    eseal_hash hash = ESEAL_HASH_DEFAULT;
    es_result r = request_for(&req, tst, parts, n, &hash);
    TS_TST_INFO_free(tst);
    if (es_ok(r) && hash == ESEAL_HASH_DEFAULT) {
        r = es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_CRYPTO_CONSTRAINTS_FAILURE,
                             "the time-stamp token's imprint uses a hash that is not accepted");
    } else if (es_ok(r)) {
        eseal_tsa_verify_options vo = ESEAL_TSA_VERIFY_OPTIONS_INIT;
        vo.request = req.ptr;
        vo.request_len = req.len;
        eseal_report *trep = NULL;
        int rc = es_code(es_tsa_verify_token_rev(&trep, gen_ms, token, t, &vo, ro));
        /* The token's report as it is (signer, token, checks, reasons, validation objects): the PDF
         * verifier takes from it what a document timestamp's sections hold. */
        r = rc == ESEAL_OK ? es_report_merge(rep, trep, NULL)
                           : es_report_reason(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "the time-stamp token: %s",
                                              eseal_error_last()->message);
        if (rc == ESEAL_OK && eseal_report_verdict(trep) != ESEAL_VALID) {
            *gen_ms = 0; /* proves nothing */
        }
        eseal_report_free(trep);
    }
    es_buf_free(&req);
    return r;
}
