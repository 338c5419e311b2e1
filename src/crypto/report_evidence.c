/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parts of a report that need a digest: the document's SHA-256 and SM3, and the validation
 * objects (certificates, CRLs, OCSP responses, timestamps, seals) named by the SHA-256 of their DER
 * (ETSI TS 119 102-2 §4.4, "validation objects"). src/util/report.c keeps the tree; this file hashes.
 */
#include <string.h>

#include "chain.h"
#include "crypto.h"
#include "util/report.h"

static ES_RESULT hex_digest(char out[129], eseal_hash h, es_span data)
{
    uint8_t md[64];
    size_t n = 0;
    ES_GUARD(es_digest(md, &n, h, data));
    es_hex_lower(out, md, n);
    return ES_OK;
}

ES_RESULT es_report_document(eseal_report *r, const char *format, es_span data, int64_t validation_time_ms,
                             unsigned int digests)
{
    char sha256[129], sm3[129];
    if ((digests & ESEAL_DOCUMENT_SHA256) != 0) {
        ES_GUARD(hex_digest(sha256, ESEAL_HASH_SHA256, data));
    }
    if ((digests & ESEAL_DOCUMENT_SM3) != 0) {
        ES_GUARD(hex_digest(sm3, ESEAL_HASH_SM3, data));
    }
    return es_report_document_init(r, format, data.len, (digests & ESEAL_DOCUMENT_SHA256) != 0 ? sha256 : NULL,
                                   (digests & ESEAL_DOCUMENT_SM3) != 0 ? sm3 : NULL, validation_time_ms);
}

ES_RESULT es_report_evidence(eseal_report *r, es_vobj_type type, es_span der, const char *name, const char *origin,
                             int64_t poe_ms, char id[ES_VOBJ_ID_LEN])
{
    char sha256[129];
    ES_GUARD(hex_digest(sha256, ESEAL_HASH_SHA256, der));
    return es_report_object(r, type, sha256, name, origin, poe_ms, id);
}

ES_RESULT es_report_digest_hex(char out[129], eseal_hash h, es_span data) { return hex_digest(out, h, data); }

ES_RESULT es_x509_evidence(eseal_report *rep, X509 *x, const char *origin, char id[ES_VOBJ_ID_LEN])
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    ES_ENSURE_OSSL(n > 0, ESEAL_ECRYPTO, "encoding a certificate");
    /* The subject as eseal prints names (RFC 2253, UTF-8): es_cert_wrap's. */
    eseal_cert *c = NULL;
    es_result r = ES_OK;
    if (X509_up_ref(x) != 1) {
        r = es_error_set(ESEAL_ECRYPTO, __FILE__, __LINE__, "referencing a certificate");
    } else if (!es_ok(r = es_cert_wrap(&c, x))) {
        X509_free(x);
    }
    if (es_ok(r)) {
        r = es_report_evidence(rep, ES_VOBJ_CERTIFICATE, es_span_of(der, (size_t)n), c->subject, origin, 0, id);
    }
    eseal_cert_free(c);
    OPENSSL_free(der);
    return r;
}

/*
 * signer.uscc (report version 5): the unified social credit code the subject's organizationIdentifier
 * (2.5.4.97) carries as ETSI EN 319 412-1 §5.1.4 writes it for China, "NTRCN-<USCC>", read from the
 * attribute itself (a DN string could hide a second one in an escaped value). Null when the subject
 * has no such attribute, more than one, another scheme (LEIXG-, VATDE-, ...), or a value that is not
 * 18 characters of the code's alphabet (GB 32100-2015 §4); the check character is the registry's to
 * judge (eseal_uscc_valid, a layer above), the report says what the certificate carries.
 */
static ES_RESULT signer_uscc(eseal_value *root, X509 *x)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    X509_NAME *nm = X509_get_subject_name(x);
    int i = nm != NULL ? X509_NAME_get_index_by_NID(nm, NID_organizationIdentifier, -1) : -1;
    if (i < 0 || X509_NAME_get_index_by_NID(nm, NID_organizationIdentifier, i) >= 0) {
        return es_value_null(root, "signer.uscc");
    }
    const ASN1_STRING *v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i));
    const unsigned char *d = v != NULL ? ASN1_STRING_get0_data(v) : NULL;
    int n = v != NULL ? ASN1_STRING_length(v) : 0;
    bool ok = d != NULL && n == 6 + 18 && memcmp(d, "NTRCN-", 6) == 0;
    for (int k = 6; ok && k < n; k++) {
        ok = d[k] != '\0' && strchr(alphabet, d[k]) != NULL;
    }
    return ok ? es_value_str(root, "signer.uscc", "%.18s", (const char *)d + 6) : es_value_null(root, "signer.uscc");
}

ES_RESULT es_report_signer_uscc(eseal_report *r, const eseal_cert *cert)
{
    return signer_uscc(es_report_root(r), cert->x509);
}

ES_RESULT es_report_signer(eseal_report *rep, X509 *x, const char *origin)
{
    char id[ES_VOBJ_ID_LEN];
    ES_GUARD(es_x509_evidence(rep, x, origin, id));
    eseal_cert *c = NULL;
    ES_GUARD_OSSL(X509_up_ref(x), "referencing a certificate");
    es_result r = es_cert_wrap(&c, x);
    if (!es_ok(r)) {
        X509_free(x);
        return r;
    }
    eseal_value *root = es_report_root(rep);
    r = es_value_str(root, "signer.subject", "%s", c->subject);
    if (es_ok(r)) {
        r = es_value_str(root, "signer.issuer", "%s", c->issuer);
    }
    if (es_ok(r)) {
        r = es_value_str(root, "signer.serial", "%s", c->serial);
    }
    if (es_ok(r)) {
        r = es_value_str(root, "signer.fingerprint_sha256", "%s", c->fingerprint);
    }
    if (es_ok(r)) {
        r = es_value_str(root, "signer.key_algorithm", "%s", eseal_key_alg_name(eseal_cert_key_alg(c)));
    }
    if (es_ok(r)) {
        r = es_value_time(root, "signer.not_before", eseal_cert_not_before(c));
    }
    if (es_ok(r)) {
        r = es_value_time(root, "signer.not_after", eseal_cert_not_after(c));
    }
    if (es_ok(r)) {
        r = es_value_str(root, "signer.certificate", "%s", id);
    }
    if (es_ok(r)) {
        r = signer_uscc(root, x);
    }
    eseal_cert_free(c);
    return r;
}
