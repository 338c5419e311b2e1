/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issuing certificates and CRLs for the built-in CA (RFC 5280 profiles;
 * organisation certificates after ETSI EN 319 412-1/-3). SM2 signatures carry
 * the GM/T 0009 ID "1234567812345678" (probes.md §1: X509_sign would use "").
 */
#include <string.h>

#include "ossl.h"

static ES_RESULT add_name(X509_NAME *n, int nid, const char *v)
{
    if (v == NULL || v[0] == '\0') {
        return ES_OK;
    }
    ES_ENSURE(strlen(v) <= ES_X509_NAME_ATTR_MAX, ESEAL_ELIMIT, "name attribute longer than %d bytes", ES_X509_NAME_ATTR_MAX);
    ES_GUARD_OSSL(X509_NAME_add_entry_by_NID(n, nid, MBSTRING_UTF8, (const unsigned char *)v, -1, -1, 0),
                  "building a name");
    return ES_OK;
}

static ES_RESULT add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    ES_ENSURE_OSSL(ext != NULL, ESEAL_ECRYPTO, "building an extension");
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    ES_GUARD_OSSL(ok, "adding an extension");
    return ES_OK;
}

static eseal_hash sign_hash_for(EVP_PKEY *pk)
{
    switch (es_pkey_alg(pk)) {
    case ESEAL_ALG_SM2:
        return ESEAL_HASH_SM3;
    case ESEAL_ALG_P384:
        return ESEAL_HASH_SHA384;
    case ESEAL_ALG_ED25519:
        return ESEAL_HASH_DEFAULT;
    default:
        return ESEAL_HASH_SHA256;
    }
}

ES_RESULT es_x509_signing_ctx(EVP_MD_CTX **out, eseal_key *key)
{
    EVP_PKEY *pk = es_key_signing_pkey(key);
    ES_ENSURE(pk != NULL, ESEAL_EUNSUPPORTED, "key %s cannot sign certificates (no OpenSSL handle)",
              eseal_key_label(key));
    eseal_hash h = sign_hash_for(pk);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    ES_ENSURE_ALLOC(m);
    EVP_PKEY_CTX *pctx = NULL;
    const char *mdname = h == ESEAL_HASH_DEFAULT ? NULL : EVP_MD_get0_name(es_md(h));
    if (EVP_DigestSignInit_ex(m, &pctx, mdname, NULL, NULL, pk, NULL) != 1) {
        EVP_MD_CTX_free(m);
        return es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "starting a certificate signature");
    }
    es_result r = es_pctx_setup(pctx, pk, ESEAL_SCHEME_DEFAULT, NULL);
    if (!es_ok(r)) {
        EVP_MD_CTX_free(m);
        return r;
    }
    *out = m;
    return ES_OK;
}

static ES_RESULT set_profile_exts(X509 *x, X509V3_CTX *ctx, const es_cert_spec *s)
{
    switch (s->profile) {
    case ES_PROFILE_ROOT_CA:
        ES_GUARD(add_ext(x, ctx, NID_basic_constraints, "critical,CA:TRUE"));
        ES_GUARD(add_ext(x, ctx, NID_key_usage, "critical,keyCertSign,cRLSign"));
        break;
    case ES_PROFILE_ISSUING_CA:
        ES_GUARD(add_ext(x, ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
        ES_GUARD(add_ext(x, ctx, NID_key_usage, "critical,keyCertSign,cRLSign"));
        break;
    case ES_PROFILE_TSA:
        /* RFC 3161 §2.3: exactly one EKU, id-kp-timeStamping, critical. */
        ES_GUARD(add_ext(x, ctx, NID_basic_constraints, "critical,CA:FALSE"));
        ES_GUARD(add_ext(x, ctx, NID_key_usage, "critical,digitalSignature,nonRepudiation"));
        ES_GUARD(add_ext(x, ctx, NID_ext_key_usage, "critical,timeStamping"));
        break;
    case ES_PROFILE_OCSP:
        /* RFC 6960 §4.2.2.2: id-kp-OCSPSigning in the EKU of a delegated responder issued by the CA;
         * §4.2.2.2.1: id-pkix-ocsp-nocheck, so clients trust it for its (short) lifetime. */
        ES_GUARD(add_ext(x, ctx, NID_basic_constraints, "critical,CA:FALSE"));
        ES_GUARD(add_ext(x, ctx, NID_key_usage, "critical,digitalSignature"));
        ES_GUARD(add_ext(x, ctx, NID_ext_key_usage, "OCSPSigning"));
        ES_GUARD(add_ext(x, ctx, NID_id_pkix_OCSP_noCheck, "ignored"));
        break;
    case ES_PROFILE_SEAL_MAKER:
    case ES_PROFILE_ORG:
    case ES_PROFILE_PERSON:
    default:
        /* ETSI EN 319 412-2 §4.3.2 / -3: content commitment for seals and signatures. */
        ES_GUARD(add_ext(x, ctx, NID_basic_constraints, "critical,CA:FALSE"));
        ES_GUARD(add_ext(x, ctx, NID_key_usage, "critical,digitalSignature,nonRepudiation"));
        break;
    }
    return ES_OK;
}

ES_RESULT es_cert_issue(eseal_cert **out, const es_cert_spec *s, es_span subject_spki, eseal_key *issuer_key,
                        const eseal_cert *issuer)
{
    ES_ENSURE_ARG(out != NULL && s != NULL && issuer_key != NULL);
    ES_ENSURE(s->serial_len >= 1 && s->serial_len <= ES_X509_SERIAL_MAX, ESEAL_EINVAL,
              "serial must be 1..%d bytes (RFC 5280 §4.1.2.2)", ES_X509_SERIAL_MAX);
    ES_ENSURE(s->not_after_ms > s->not_before_ms, ESEAL_EINVAL, "validity ends before it starts");
    const unsigned char *p = subject_spki.ptr;
    ES_AUTO(EVP_PKEY_freep) EVP_PKEY *subject_pub = d2i_PUBKEY(NULL, &p, (long)subject_spki.len);
    ES_ENSURE_OSSL(subject_pub != NULL, ESEAL_EMALFORMED, "reading the subject public key");

    ES_AUTO(X509_freep) X509 *x = X509_new();
    ES_ENSURE_ALLOC(x);
    ES_GUARD_OSSL(X509_set_version(x, X509_VERSION_3), "setting the version");
    ES_AUTO(BN_freep) BIGNUM *bn = BN_bin2bn(s->serial, (int)s->serial_len, NULL);
    ES_ENSURE_ALLOC(bn);
    ES_ENSURE(!BN_is_zero(bn), ESEAL_EINVAL, "serial must be positive");
    ES_ENSURE_OSSL(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL, ESEAL_ECRYPTO, "setting the serial");

    ES_AUTO(X509_NAME_freep) X509_NAME *name = X509_NAME_new();
    ES_ENSURE_ALLOC(name);
    ES_GUARD(add_name(name, NID_countryName, s->country));
    ES_GUARD(add_name(name, NID_organizationName, s->organization));
    ES_GUARD(add_name(name, NID_organizationalUnitName, s->org_unit));
    ES_GUARD(add_name(name, NID_organizationIdentifier, s->org_identifier));
    ES_GUARD(add_name(name, NID_serialNumber, s->serial_number));
    ES_GUARD(add_name(name, NID_commonName, s->common_name));
    ES_GUARD(add_name(name, NID_pkcs9_emailAddress, s->email));
    ES_ENSURE(X509_NAME_entry_count(name) > 0, ESEAL_EINVAL, "certificate subject is empty");
    ES_GUARD_OSSL(X509_set_subject_name(x, name), "setting the subject");
    ES_GUARD_OSSL(X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer->x509) : name),
                  "setting the issuer");
    ES_AUTO(ASN1_TIME_freep) ASN1_TIME *nb = NULL;
    ES_AUTO(ASN1_TIME_freep) ASN1_TIME *na = NULL;
    ES_GUARD(es_asn1_time_from_ms(&nb, s->not_before_ms));
    ES_GUARD(es_asn1_time_from_ms(&na, s->not_after_ms));
    ES_GUARD_OSSL(X509_set1_notBefore(x, nb), "setting notBefore");
    ES_GUARD_OSSL(X509_set1_notAfter(x, na), "setting notAfter");
    ES_GUARD_OSSL(X509_set_pubkey(x, subject_pub), "setting the public key");

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer != NULL ? issuer->x509 : x, x, NULL, NULL, 0);
    ES_GUARD(set_profile_exts(x, &ctx, s));
    ES_GUARD(add_ext(x, &ctx, NID_subject_key_identifier, "hash"));
    if (issuer != NULL) {
        ES_GUARD(add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always"));
        if (s->crl_url != NULL && s->crl_url[0] != '\0') {
            es_buf v = ES_BUF_INIT(ES_URL_BUF_MAX);
            es_result r = es_buf_printf(&v, "URI:%s", s->crl_url);
            if (es_ok(r)) {
                r = add_ext(x, &ctx, NID_crl_distribution_points, es_buf_cstr(&v));
            }
            es_buf_free(&v);
            ES_GUARD(r);
        }
        es_buf aia = ES_BUF_INIT(ES_X509_AIA_MAX);
        es_result r = ES_OK;
        if (s->ocsp_url != NULL && s->ocsp_url[0] != '\0') {
            r = es_buf_printf(&aia, "OCSP;URI:%s", s->ocsp_url);
        }
        if (es_ok(r) && s->ca_issuers_url != NULL && s->ca_issuers_url[0] != '\0') {
            r = es_buf_printf(&aia, "%scaIssuers;URI:%s", aia.len > 0 ? "," : "", s->ca_issuers_url);
        }
        if (es_ok(r) && aia.len > 0) {
            r = add_ext(x, &ctx, NID_info_access, es_buf_cstr(&aia));
        }
        es_buf_free(&aia);
        ES_GUARD(r);
    }
    if (issuer != NULL) {
        EVP_PKEY *ipub = X509_get0_pubkey(issuer->x509);
        ES_ENSURE(ipub != NULL && EVP_PKEY_eq(ipub, es_key_signing_pkey(issuer_key)) == 1, ESEAL_EINVAL,
                  "issuer key does not match the issuer certificate");
    }
    ES_AUTO(EVP_MD_CTX_freep) EVP_MD_CTX *m = NULL;
    ES_GUARD(es_x509_signing_ctx(&m, issuer_key));
    ES_ENSURE_OSSL(X509_sign_ctx(x, m) > 0, ESEAL_ECRYPTO, "signing the certificate");
    ES_GUARD(es_cert_wrap(out, x));
    x = NULL; /* ownership moved */
    return ES_OK;
}

ES_RESULT es_crl_issue(es_buf *out_der, eseal_key *issuer_key, const eseal_cert *issuer, const es_crl_entry *entries,
                       size_t n, uint64_t crl_number, int64_t this_update_ms, int64_t next_update_ms)
{
    ES_AUTO(X509_CRL_freep) X509_CRL *crl = X509_CRL_new();
    ES_ENSURE_ALLOC(crl);
    ES_GUARD_OSSL(X509_CRL_set_version(crl, X509_CRL_VERSION_2), "setting the CRL version");
    ES_GUARD_OSSL(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer->x509)), "setting the CRL issuer");
    ES_AUTO(ASN1_TIME_freep) ASN1_TIME *tu = NULL;
    ES_AUTO(ASN1_TIME_freep) ASN1_TIME *nu = NULL;
    ES_GUARD(es_asn1_time_from_ms(&tu, this_update_ms));
    ES_GUARD(es_asn1_time_from_ms(&nu, next_update_ms));
    ES_GUARD_OSSL(X509_CRL_set1_lastUpdate(crl, tu), "setting thisUpdate");
    ES_GUARD_OSSL(X509_CRL_set1_nextUpdate(crl, nu), "setting nextUpdate");
    for (size_t i = 0; i < n; i++) {
        X509_REVOKED *rv = X509_REVOKED_new();
        ES_ENSURE_ALLOC(rv);
        BIGNUM *bn = BN_bin2bn(entries[i].serial, (int)entries[i].serial_len, NULL);
        ASN1_INTEGER *ai = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
        BN_free(bn);
        ASN1_TIME *rt = NULL;
        es_result r = es_asn1_time_from_ms(&rt, entries[i].revoked_at_ms);
        bool ok = es_ok(r) && ai != NULL && X509_REVOKED_set_serialNumber(rv, ai) == 1 &&
                  X509_REVOKED_set_revocationDate(rv, rt) == 1;
        if (ok && entries[i].reason >= 0) {
            ASN1_ENUMERATED *reason = ASN1_ENUMERATED_new();
            ok = reason != NULL && ASN1_ENUMERATED_set(reason, entries[i].reason) == 1 &&
                 X509_REVOKED_add1_ext_i2d(rv, NID_crl_reason, reason, 0, 0) == 1;
            ASN1_ENUMERATED_free(reason);
        }
        ASN1_INTEGER_free(ai);
        ASN1_TIME_free(rt);
        if (!ok || X509_CRL_add0_revoked(crl, rv) != 1) {
            X509_REVOKED_free(rv);
            return es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "adding a CRL entry");
        }
    }
    ES_GUARD_OSSL(X509_CRL_sort(crl), "sorting the CRL");
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    ES_ENSURE_ALLOC(num);
    int ok = ASN1_INTEGER_set_uint64(num, crl_number) == 1 && X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) == 1;
    ASN1_INTEGER_free(num);
    ES_ENSURE_OSSL(ok, ESEAL_ECRYPTO, "setting the CRL number");
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer->x509, NULL, NULL, crl, 0);
    X509_EXTENSION *aki = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
    ES_ENSURE_OSSL(aki != NULL, ESEAL_ECRYPTO, "building the CRL authority key identifier");
    ok = X509_CRL_add_ext(crl, aki, -1);
    X509_EXTENSION_free(aki);
    ES_GUARD_OSSL(ok, "adding the CRL authority key identifier");
    ES_AUTO(EVP_MD_CTX_freep) EVP_MD_CTX *m = NULL;
    ES_GUARD(es_x509_signing_ctx(&m, issuer_key));
    ES_ENSURE_OSSL(X509_CRL_sign_ctx(crl, m) > 0, ESEAL_ECRYPTO, "signing the CRL");
    unsigned char *der = NULL;
    int len = i2d_X509_CRL(crl, &der);
    return es_take_der(out_der, der, len, "encoding the CRL");
}

ES_RESULT es_crl_verify_sig(int *valid, X509_CRL *crl, EVP_PKEY *issuer_pub)
{
    *valid = 0;
    if (!EVP_PKEY_is_a(issuer_pub, "SM2")) {
        *valid = X509_CRL_verify(crl, issuer_pub) == 1;
        ERR_clear_error();
        return ES_OK;
    }
    /* No X509_CRL distinguishing-ID setter in OpenSSL 3.0: check the TBS by hand. */
    const ASN1_BIT_STRING *sig = NULL;
    const X509_ALGOR *alg = NULL;
    X509_CRL_get0_signature(crl, &sig, &alg);
    const ASN1_OBJECT *oid = NULL;
    X509_ALGOR_get0(&oid, NULL, NULL, alg);
    if (OBJ_obj2nid(oid) != NID_SM2_with_SM3) {
        return ES_OK;
    }
    unsigned char *tbs = NULL;
    int n = i2d_re_X509_CRL_tbs(crl, &tbs);
    ES_ENSURE_OSSL(n > 0, ESEAL_ECRYPTO, "encoding the CRL body");
    es_result r = es_verify_pkey(valid, issuer_pub, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, NULL,
                                 es_span_of(tbs, (size_t)n),
                                 es_span_of(ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig)));
    OPENSSL_free(tbs);
    return r;
}
