/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Detached CMS (RFC 5652) / CAdES signatures.
 *
 * Signing does not let OpenSSL sign: it builds the SignerInfo, adds the signed
 * attributes, encodes them (DER SET OF, RFC 5652 §5.4) and has the key's
 * backend sign them, so token keys and SM2 with the GM/T 0009 ID work alike
 * (probes.md §2: CMS_final leaves SM2's signatureAlgorithm empty and signs with
 * an empty ID). Verification is by hand for the same reason.
 */
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/ess.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>

#include "chain.h"
#include "ossl.h"
#include "tsattr.h"
#include "util/report.h"
#include "util/versions.h"

eseal_hash eseal_cms_default_hash(eseal_key_alg alg)
{
    switch (alg) {
    case ESEAL_ALG_SM2:
        return ESEAL_HASH_SM3;
    case ESEAL_ALG_P384:
        return ESEAL_HASH_SHA384;
    case ESEAL_ALG_ED25519:
        return ESEAL_HASH_SHA512; /* RFC 8419 §3.1 */
    default:
        return ESEAL_HASH_SHA256;
    }
}

static ES_RESULT encode_attrs(es_buf *out, CMS_SignerInfo *si, const ASN1_ITEM *it)
{
    STACK_OF(X509_ATTRIBUTE) *sk = sk_X509_ATTRIBUTE_new_null();
    ES_ENSURE_ALLOC(sk);
    for (int i = 0; i < CMS_signed_get_attr_count(si); i++) {
        if (sk_X509_ATTRIBUTE_push(sk, CMS_signed_get_attr(si, i)) <= 0) {
            sk_X509_ATTRIBUTE_free(sk);
            ES_BAIL(ESEAL_ENOMEM, "out of memory");
        }
    }
    unsigned char *der = NULL;
    int n = ASN1_item_i2d((ASN1_VALUE *)sk, &der, it);
    sk_X509_ATTRIBUTE_free(sk); /* the attributes themselves belong to si */
    ES_ENSURE_OSSL(n > 0, ESEAL_ECRYPTO, "encoding the signed attributes");
    es_result r = es_buf_append(out, der, (size_t)n);
    OPENSSL_free(der);
    return r;
}

static ES_RESULT add_signing_cert_v2(CMS_SignerInfo *si, X509 *cert, eseal_hash hash)
{
    /* RFC 5035 / ETSI EN 319 122-1 §5.2.2: ESSCertIDv2 (SHA-256 unless told) and issuerSerial. */
    ESS_SIGNING_CERT_V2 *sc = OSSL_ESS_signing_cert_v2_new_init(es_md(hash), cert, NULL, 1);
    ES_ENSURE_OSSL(sc != NULL, ESEAL_ECRYPTO, "building signing-certificate-v2");
    unsigned char *der = NULL;
    int n = i2d_ESS_SIGNING_CERT_V2(sc, &der);
    ESS_SIGNING_CERT_V2_free(sc);
    ES_ENSURE_OSSL(n > 0, ESEAL_ECRYPTO, "encoding signing-certificate-v2");
    int ok = CMS_signed_add1_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE, der, n);
    OPENSSL_free(der);
    ES_GUARD_OSSL(ok, "adding signing-certificate-v2");
    return ES_OK;
}

ES_RESULT es_cms_build_signed(es_buf *out, eseal_key *key, const eseal_cert *cert, es_span digest,
                              const es_cms_build *b)
{
    ES_ENSURE(eseal_cert_matches_key(cert, key), ESEAL_EINVAL,
              "certificate %s does not belong to key %s", cert->subject, eseal_key_label(key));
    eseal_hash hash = b->hash;
    ES_ENSURE(digest.len == es_hash_size(hash), ESEAL_EINVAL, "digest has %zu bytes, %s needs %zu", digest.len,
              eseal_hash_name(hash), es_hash_size(hash));
    ES_ENSURE((hash == ESEAL_HASH_SM3) == (key->alg == ESEAL_ALG_SM2) || key->alg == ESEAL_ALG_ED25519,
              ESEAL_EUNSUPPORTED, "%s", key->alg == ESEAL_ALG_SM2 ? "SM2 keys sign with SM3 only"
                                                                   : "SM3 is used with SM2 keys only");
    const EVP_MD *md = es_md(hash);
    bool attached = b->content.ptr != NULL;

    unsigned int flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP | (attached ? 0 : CMS_DETACHED) |
                         (b->no_certs ? CMS_NOCERTS : 0);
    ES_AUTO(CMS_ContentInfo_freep) CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
    ES_ENSURE_OSSL(cms != NULL, ESEAL_ECRYPTO, "creating SignedData");
    if (attached) {
        /* RFC 5652 §5.2: the encapsulated content, e.g. a TSTInfo (RFC 3161 §2.4.2). */
        ES_GUARD_OSSL(CMS_set_detached(cms, 0), "embedding the content");
        ASN1_OCTET_STRING **pos = CMS_get0_content(cms);
        ES_ENSURE(pos != NULL && *pos != NULL, ESEAL_ECRYPTO, "embedding the content");
        ES_ENSURE(b->content.len <= INT_MAX, ESEAL_ELIMIT, "content too large");
        ES_GUARD_OSSL(ASN1_OCTET_STRING_set(*pos, b->content.ptr, (int)b->content.len), "embedding the content");
        (*pos)->flags &= ~ASN1_STRING_FLAG_CONT; /* the content is here, not streamed later */
    }
    if (b->content_type != NID_pkcs7_data) {
        ES_GUARD_OSSL(CMS_set1_eContentType(cms, OBJ_nid2obj(b->content_type)), "setting the content type");
    }
    /* The public key is enough: CMS_PARTIAL without CMS_KEY_PARAM signs nothing here. */
    CMS_SignerInfo *si = CMS_add1_signer(cms, cert->x509, key->pub, md, flags);
    ES_ENSURE_OSSL(si != NULL, ESEAL_ECRYPTO, "adding the signer");
    for (size_t i = 0; !b->no_certs && i < b->chain_len; i++) {
        ES_GUARD_OSSL(CMS_add1_cert(cms, b->chain[i]->x509), "adding a chain certificate");
    }

    ES_GUARD_OSSL(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
                                              OBJ_nid2obj(b->content_type), -1),
                  "adding contentType");
    if (b->signing_time) {
        ES_AUTO(ASN1_TIME_freep) ASN1_TIME *t = NULL;
        ES_GUARD(es_asn1_time_from_ms(&t, b->signing_time_ms));
        ES_GUARD_OSSL(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, ASN1_STRING_type(t), t, -1),
                      "adding signingTime");
    }
    ES_GUARD_OSSL(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, digest.ptr,
                                              (int)digest.len),
                  "adding messageDigest");
    ES_GUARD(add_signing_cert_v2(si, cert->x509, b->ess_hash != ESEAL_HASH_DEFAULT ? b->ess_hash : ESEAL_HASH_SHA256));

    ES_AUTO(es_buf_freep) es_buf attrs = ES_BUF_INIT(ES_CMS_ATTRS_MAX);
    ES_GUARD(encode_attrs(&attrs, si, ASN1_ITEM_rptr(PKCS7_ATTR_SIGN)));
    ES_AUTO(es_buf_freep) es_buf sig = ES_BUF_INIT(ES_SIG_MAX);
    ES_GUARD(es_key_sign_span(&sig, key, hash, b->scheme, es_buf_span(&attrs)));

    /* The signature algorithm as the provider names it (SM2: 1.2.156.10197.1.501). */
    ES_AUTO(es_buf_freep) es_buf aid = ES_BUF_INIT(ES_ALGID_DER_MAX);
    ES_GUARD(es_sigalg_der(&aid, key->pub, hash, b->scheme));
    const unsigned char *p = aid.ptr;
    ES_AUTO(X509_ALGOR_freep) X509_ALGOR *alg = d2i_X509_ALGOR(NULL, &p, (long)aid.len);
    ES_ENSURE_OSSL(alg != NULL, ESEAL_ECRYPTO, "decoding the signature algorithm");
    X509_ALGOR *sigalg = NULL;
    CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &sigalg);
    ES_GUARD_OSSL(X509_ALGOR_copy(sigalg, alg), "setting the signature algorithm");

    unsigned char *sigcopy = OPENSSL_memdup(sig.ptr, sig.len);
    ES_ENSURE_ALLOC(sigcopy);
    ASN1_STRING_set0(CMS_SignerInfo_get0_signature(si), sigcopy, (int)sig.len);

    unsigned char *der = NULL;
    int n = i2d_CMS_ContentInfo(cms, &der);
    return es_take_der(out, der, n, "encoding the CMS signature");
}

static ES_RESULT sign_digest(es_buf *out, eseal_key *key, const eseal_cert *cert, es_span digest,
                             const eseal_cms_sign_options *o)
{
    int64_t when = o->signing_time_ms != 0 ? o->signing_time_ms : es_ctx_now(ES_OPT_CTX(o, 2));
    es_cms_build b = {NID_pkcs7_data, {NULL, 0}, o->hash != ESEAL_HASH_DEFAULT ? o->hash : eseal_cms_default_hash(key->alg),
                      o->scheme, !o->omit_signing_time, when, ESEAL_HASH_SHA256, false, o->chain,
                      o->chain_len};
    return es_cms_build_signed(out, key, cert, digest, &b);
}

static const eseal_cms_sign_options default_sign_opts = ESEAL_CMS_SIGN_OPTIONS_INIT;

static ES_RESULT check_sign_args(eseal_buf *out, eseal_key *key, const eseal_cert *cert,
                                 const eseal_cms_sign_options **o)
{
    ES_CHECK_VERSION_OPT(*o, cms_sign_options);
    ES_ENSURE_ARG(out != NULL && key != NULL && cert != NULL);
    if (*o == NULL) {
        *o = &default_sign_opts;
    }
    return ES_OK;
}

static int finish_sign(eseal_buf *out, eseal_key *key, const eseal_cert *cert, es_span digest,
                       const eseal_cms_sign_options *o)
{
    es_buf b = ES_BUF_INIT(es_ctx_limits(NULL)->max_der_bytes);
    es_result r = sign_digest(&b, key, cert, digest, o);
    if (!es_ok(r)) {
        es_buf_free(&b);
        return es_code(r);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

int eseal_cms_sign_digest(eseal_buf *out, eseal_key *key, const eseal_cert *cert, const void *digest,
                          size_t digest_len, const eseal_cms_sign_options *opts)
{
    es_result r = check_sign_args(out, key, cert, &opts);
    if (!es_ok(r)) {
        return es_code(r);
    }
    if (digest == NULL) {
        ES_BAIL_ARG("digest == NULL");
    }
    return finish_sign(out, key, cert, es_span_of(digest, digest_len), opts);
}

int eseal_cms_sign(eseal_buf *out, eseal_key *key, const eseal_cert *cert, const void *data, size_t len,
                   const eseal_cms_sign_options *opts)
{
    es_result r = check_sign_args(out, key, cert, &opts);
    if (!es_ok(r)) {
        return es_code(r);
    }
    if (data == NULL && len > 0) {
        ES_BAIL_ARG("data == NULL && len > 0");
    }
    eseal_hash h = opts->hash != ESEAL_HASH_DEFAULT ? opts->hash : eseal_cms_default_hash(key->alg);
    uint8_t dg[64];
    size_t dlen = 0;
    r = es_digest(dg, &dlen, h, es_span_of(data, len));
    if (!es_ok(r)) {
        return es_code(r);
    }
    return finish_sign(out, key, cert, es_span_of(dg, dlen), opts);
}

int eseal_cms_sign_file(eseal_buf *out, eseal_key *key, const eseal_cert *cert, const char *path,
                        const eseal_cms_sign_options *opts)
{
    es_result r = check_sign_args(out, key, cert, &opts);
    if (!es_ok(r)) {
        return es_code(r);
    }
    if (path == NULL) {
        ES_BAIL_ARG("path == NULL");
    }
    eseal_hash h = opts->hash != ESEAL_HASH_DEFAULT ? opts->hash : eseal_cms_default_hash(key->alg);
    uint8_t dg[64];
    size_t dlen = 0;
    r = es_digest_file(dg, &dlen, h, path, es_ctx_limits(ES_OPT_CTX(opts, 2))->max_input_bytes);
    if (!es_ok(r)) {
        return es_code(r);
    }
    return finish_sign(out, key, cert, es_span_of(dg, dlen), opts);
}

/* ---- verification --------------------------------------------------------------------- */

typedef struct {
    const char *path;     /* either a file ... */
    es_span mem;          /* ... or memory ... */
    const es_span *parts; /* ... or several pieces of memory, hashed in order (PDF byte ranges) */
    size_t nparts;
    const es_revocation_opts *ro; /* revocation data beyond the trust set (a PDF's /DSS), or NULL */
    eseal_cert **signer;          /* when not NULL: the first SignerInfo's certificate goes there */
    uint64_t max_input;   /* a file's limit (the caller's max_input_bytes); set by cms_verify */
    bool part_of_document; /* a PDF's signature: the PDF's report keeps the signature, not this document section */
    es_prefix_hasher *prefix; /* parts: the document's running digests (one pass for all its signatures), or NULL */
    unsigned int digests; /* the document section's ESEAL_DOCUMENT_* digests (set by cms_verify) */
} content_src;

static ES_RESULT content_digest(uint8_t out[64], size_t *len, eseal_hash h, const content_src *src)
{
    if (src->path != NULL) {
        return es_digest_file(out, len, h, src->path, src->max_input);
    }
    if (src->parts != NULL) {
        return es_prefix_digest(src->prefix, out, len, h, src->parts, src->nparts);
    }
    return es_digest(out, len, h, src->mem);
}

static bool is_sm2_sigalg(int nid, const ASN1_OBJECT *oid)
{
    if (nid == NID_SM2_with_SM3 || nid == NID_sm2) {
        return true;
    }
    /* GM/T 0006: 1.2.156.10197.1.301.1 (sm2-1, signature) is also seen in the wild. */
    char txt[64];
    OBJ_obj2txt(txt, sizeof(txt), oid, 1);
    return strcmp(txt, "1.2.156.10197.1.301.1") == 0;
}

ES_RESULT es_cms_check_signature(eseal_report *rep, CMS_SignerInfo *si, X509 *signer, eseal_hash hash)
{
    EVP_PKEY *pub = X509_get0_pubkey(signer);
    ES_ENSURE_OSSL(pub != NULL, ESEAL_ECRYPTO, "reading the signer public key");
    X509_ALGOR *sigalg = NULL;
    CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &sigalg);
    const ASN1_OBJECT *oid = NULL;
    X509_ALGOR_get0(&oid, NULL, NULL, sigalg);
    int nid = OBJ_obj2nid(oid);
    char oidtxt[80];
    OBJ_obj2txt(oidtxt, sizeof(oidtxt), oid, 1);
    ES_GUARD(es_report_str(rep, "signature.algorithm", "%s", nid != NID_undef ? OBJ_nid2ln(nid) : oidtxt));

    eseal_sig_scheme scheme = ESEAL_SCHEME_DEFAULT;
    bool key_ok = false;
    if (EVP_PKEY_is_a(pub, "SM2")) {
        key_ok = is_sm2_sigalg(nid, oid);
    } else if (EVP_PKEY_is_a(pub, "RSA")) {
        int md_nid = 0, pk_nid = 0;
        if (nid == NID_rsassaPss) {
            scheme = ESEAL_SCHEME_RSA_PSS;
            key_ok = true;
        } else if (nid == NID_rsaEncryption) {
            key_ok = true;
        } else if (OBJ_find_sigid_algs(nid, &md_nid, &pk_nid) == 1 && pk_nid == NID_rsaEncryption) {
            key_ok = es_hash_from_nid(md_nid) == hash;
        }
    } else if (EVP_PKEY_is_a(pub, "EC")) {
        int md_nid = 0, pk_nid = 0;
        key_ok = OBJ_find_sigid_algs(nid, &md_nid, &pk_nid) == 1 && pk_nid == NID_X9_62_id_ecPublicKey &&
                 es_hash_from_nid(md_nid) == hash;
        if (nid == NID_X9_62_id_ecPublicKey) {
            key_ok = true; /* some signers put the key OID here (RFC 5753 allows it) */
        }
    } else if (EVP_PKEY_is_a(pub, "ED25519")) {
        key_ok = nid == NID_ED25519;
    }
    if (!key_ok) {
        ES_GUARD(es_report_check(rep, "signature", ESEAL_CHECK_FAILED, NULL, "the algorithm %s does not fit the key",
                                 oidtxt));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SIG_CRYPTO_FAILURE,
                                "signature algorithm %s does not fit the signer's key or the digest algorithm %s",
                                oidtxt, eseal_hash_name(hash));
    }

    ES_AUTO(es_buf_freep) es_buf attrs = ES_BUF_INIT(ES_CMS_ATTRS_MAX);
    /* As received, not re-sorted (RFC 5652 §5.4: the DER the signer signed). */
    ES_GUARD(encode_attrs(&attrs, si, ASN1_ITEM_rptr(PKCS7_ATTR_VERIFY)));
    ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
    es_span sigsp = es_span_of(ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig));
    int valid = 0;
    ES_GUARD(es_verify_pkey(&valid, pub, EVP_PKEY_is_a(pub, "ED25519") ? ESEAL_HASH_DEFAULT : hash, scheme, NULL,
                            es_buf_span(&attrs), sigsp));
    if (valid) {
        return es_report_check(rep, "signature", ESEAL_CHECK_PASSED, NULL, "%s",
                               nid != NID_undef ? OBJ_nid2ln(nid) : oidtxt);
    }
    ES_GUARD(es_report_check(rep, "signature", ESEAL_CHECK_FAILED, NULL, "%s", "the signature value does not verify"));
    if (EVP_PKEY_is_a(pub, "SM2")) {
        int empty_ok = 0;
        ES_GUARD(es_verify_pkey(&empty_ok, pub, hash, scheme, "", es_buf_span(&attrs), sigsp));
        if (empty_ok) {
            ES_GUARD(es_report_check(rep, "signature", ESEAL_CHECK_INDETERMINATE, NULL, "%s",
                                     "verifies only with an empty SM2 distinguishing ID"));
            return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_SM2_EMPTY_ID,
                                    "the SM2 signature verifies only with an empty distinguishing ID (OpenSSL's "
                                    "default), not with 1234567812345678 as GM/T 0009 requires");
        }
    }
    return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SIG_CRYPTO_FAILURE,
                            "the signature value does not verify with the signer certificate's public key");
}

static ES_RESULT check_signing_cert_attr(eseal_report *rep, CMS_SignerInfo *si, X509 *signer)
{
    int idx = CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1);
    if (idx < 0) {
        return es_report_check(rep, "signing_certificate", ESEAL_CHECK_NOT_APPLICABLE, NULL, "%s",
                               "no signing-certificate-v2 attribute");
    }
    ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, idx), 0);
    if (t == NULL || t->type != V_ASN1_SEQUENCE) {
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "signing-certificate-v2 attribute is malformed");
    }
    const unsigned char *p = t->value.sequence->data;
    long len = t->value.sequence->length;
    ESS_SIGNING_CERT_V2 *sc = d2i_ESS_SIGNING_CERT_V2(NULL, &p, len);
    if (sc == NULL) {
        ERR_clear_error();
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "signing-certificate-v2 attribute is malformed");
    }
    STACK_OF(X509) *one = sk_X509_new_null();
    int found = -1;
    if (one != NULL && sk_X509_push(one, signer) > 0) {
        /* OSSL_ESS_check_signing_certs checks that the first ESSCertIDv2 names this cert. */
        found = OSSL_ESS_check_signing_certs(NULL, sc, one, 0);
    }
    sk_X509_free(one);
    ESS_SIGNING_CERT_V2_free(sc);
    ERR_clear_error();
    if (found != 1) {
        ES_GUARD(es_report_check(rep, "signing_certificate", ESEAL_CHECK_FAILED, NULL, "%s",
                                 "signing-certificate-v2 names another certificate"));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SIGNING_CERTIFICATE_MISMATCH,
                                "the signing-certificate-v2 attribute names a different certificate than the one "
                                "used to verify");
    }
    return es_report_check(rep, "signing_certificate", ESEAL_CHECK_PASSED, NULL, "%s",
                           "signing-certificate-v2 names the signer certificate");
}

/* A DER CMS ContentInfo that is SignedData, with nothing after it. */
static ES_RESULT decode_signed_data(CMS_ContentInfo **out, es_span der)
{
    ES_ENSURE(der.len > 0 && der.len <= LONG_MAX, ESEAL_EMALFORMED, "not a CMS signature");
    const unsigned char *p = der.ptr;
    ES_AUTO(CMS_ContentInfo_freep) CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)der.len);
    es_x509_count_cms(cms);
    ES_ENSURE_OSSL(cms != NULL, ESEAL_EMALFORMED, "not a CMS signature");
    ES_ENSURE(p == der.ptr + der.len, ESEAL_EMALFORMED, "CMS signature has %zu trailing bytes",
              (size_t)(der.ptr + der.len - p));
    ES_ENSURE(OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed, ESEAL_EMALFORMED,
              "CMS content is not SignedData");
    *out = cms;
    cms = NULL;
    return ES_OK;
}

static X509 *find_signer(CMS_SignerInfo *si, STACK_OF(X509) *certs, const eseal_trust *t, const eseal_cert *expected)
{
    if (expected != NULL && CMS_SignerInfo_cert_cmp(si, expected->x509) == 0) {
        return expected->x509;
    }
    for (int i = 0; certs != NULL && i < sk_X509_num(certs); i++) {
        if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0) {
            return sk_X509_value(certs, i);
        }
    }
    /* The trust set's intermediates (decoded now if they were not: a signature that brings no
     * certificate is rare, and the SignerIdentifier may be a key identifier, not a name). */
    bool undecodable = false;
    for (size_t i = 0; t != NULL && i < t->n; i++) {
        X509 *x = t->certs[i].anchor ? NULL : es_trust_cert_at(t, i);
        undecodable = undecodable || (!t->certs[i].anchor && x == NULL);
        if (x != NULL && CMS_SignerInfo_cert_cmp(si, x) == 0) {
            return x;
        }
    }
    if (undecodable) {
        /* A certificate of the set that does not decode cannot be the signer: as not found. */
        ERR_clear_error();
        eseal_error_clear();
    }
    return NULL;
}

/* Where the signer's certificate came from: the signature's certificates, else the trust set, else the caller. */
static const char *signer_origin(X509 *x, STACK_OF(X509) *certs, const eseal_trust *t)
{
    for (int i = 0; certs != NULL && i < sk_X509_num(certs); i++) {
        if (X509_cmp(x, sk_X509_value(certs, i)) == 0) {
            return "signature";
        }
    }
    if (es_trust_has_intermediate(t, x)) {
        return "trust_set";
    }
    return NULL; /* the expected signer the caller gave */
}

/*
 * The sections of SignerInfo i before it is judged (es_report_signature_init): a plain CAdES
 * signature (no seal) over the whole detached content, named by the SHA-256 of its value.
 */
static ES_RESULT signature_section(eseal_report *rep, CMS_SignerInfo *si, int i)
{
    ES_GUARD(es_report_signature_init(rep));
    ES_GUARD(es_report_str(rep, "signature.id", "signerInfo %d", i + 1));
    ES_GUARD(es_report_str(rep, "signature.type", "signature"));
    ES_GUARD(es_report_str(rep, "signature.format", "CAdES detached"));
    ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
    if (sig != NULL && ASN1_STRING_length(sig) > 0) {
        char hex[129];
        ES_GUARD(es_report_digest_hex(hex, ESEAL_HASH_SHA256,
                                      es_span_of(ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig))));
        ES_GUARD(es_report_str(rep, "signature.identifier", "%s", hex));
    }
    /* No page, no revisions: null, so that CMS signatures show the keys PDF ones do (same sections). */
    ES_GUARD(es_report_null(rep, "signature.appearance"));
    ES_GUARD(es_report_null(rep, "coverage.revision"));
    ES_GUARD(es_report_bool(rep, "coverage.whole_document", true)); /* detached: the content is all of it */
    return es_report_str(rep, "time.source", "none");
}

/*
 * The document section: the signed content's size, SHA-256 and SM3 (from the bytes in memory, or
 * the file or pieces hashed as they are read), and one part {kind content}.
 */
static ES_RESULT report_content(eseal_report *rep, const content_src *src, int64_t at_ms)
{
    uint8_t dg[64];
    size_t dlen = 0;
    char sha256[129] = "", sm3[129] = "";
    /* First the digests: a file that cannot be read fails here with the reader's message. A PDF's
     * byte ranges are not hashed twice more: its verifier reports the document itself. */
    if (!src->part_of_document && (src->digests & ESEAL_DOCUMENT_SHA256) != 0) {
        ES_GUARD(content_digest(dg, &dlen, ESEAL_HASH_SHA256, src));
        es_hex_lower(sha256, dg, dlen);
    }
    if (!src->part_of_document && (src->digests & ESEAL_DOCUMENT_SM3) != 0) {
        ES_GUARD(content_digest(dg, &dlen, ESEAL_HASH_SM3, src));
        es_hex_lower(sm3, dg, dlen);
    }
    uint64_t size = 0;
    if (src->path != NULL) {
        struct stat sb;
        ES_ENSURE(stat(src->path, &sb) == 0, ESEAL_EIO, "%s: cannot stat", src->path);
        size = (uint64_t)sb.st_size;
    } else if (src->parts != NULL) {
        for (size_t i = 0; i < src->nparts; i++) {
            size += src->parts[i].len;
        }
    } else {
        size = src->mem.len;
    }
    ES_GUARD(es_report_document_init(rep, "cms", size, sha256[0] != '\0' ? sha256 : NULL, sm3[0] != '\0' ? sm3 : NULL,
                                     at_ms));
    eseal_value *part = NULL;
    ES_GUARD(es_value_append(es_report_root(rep), "document.parts", ESEAL_VALUE_OBJECT, &part));
    ES_GUARD(es_value_str(part, "kind", "content"));
    ES_GUARD(es_value_str(part, "name", "content"));
    ES_GUARD(es_value_null(part, "offset"));
    ES_ENSURE(size <= INT64_MAX, ESEAL_ELIMIT, "content too large");
    return es_value_int(part, "size", (int64_t)size);
}

static ES_RESULT verify_signer(eseal_report *rep, CMS_SignerInfo *si, STACK_OF(X509) *certs, const content_src *src,
                               const eseal_trust *t, const eseal_cms_verify_options *o, int64_t at_ms)
{
    X509 *signer = find_signer(si, certs, t, o->expected_signer);
    if (signer == NULL) {
        if (o->expected_signer != NULL) {
            return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SIGNER_MISMATCH,
                                    "the signature was not made with the expected certificate %s",
                                    o->expected_signer->subject);
        }
        return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_NO_SIGNING_CERTIFICATE_FOUND,
                                "the signer's certificate is neither in the signature nor supplied");
    }
    ES_GUARD(es_report_signer(rep, signer, signer_origin(signer, certs, t)));

    X509_ALGOR *digalg = NULL;
    CMS_SignerInfo_get0_algs(si, NULL, NULL, &digalg, NULL);
    const ASN1_OBJECT *doid = NULL;
    X509_ALGOR_get0(&doid, NULL, NULL, digalg);
    int dnid = OBJ_obj2nid(doid);
    eseal_hash hash = es_hash_from_nid(dnid);
    if (hash == ESEAL_HASH_DEFAULT) {
        return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_CRYPTO_CONSTRAINTS_FAILURE,
                                "digest algorithm %s is not accepted (SHA-256/384/512 or SM3 are)",
                                dnid != NID_undef ? OBJ_nid2sn(dnid) : "(unknown)");
    }
    ES_GUARD(es_report_str(rep, "signature.digest_algorithm", "%s", eseal_hash_name(hash)));

    if (CMS_signed_get_attr_count(si) <= 0) {
        return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_FORMAT_FAILURE,
                                "the SignerInfo has no signed attributes (CAdES requires them)");
    }
    /* RFC 5652 §11.1: contentType must be present and match eContentType. */
    int ct = CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1);
    ASN1_TYPE *ctv = ct >= 0 ? X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, ct), 0) : NULL;
    if (ctv == NULL || ctv->type != V_ASN1_OBJECT || OBJ_obj2nid(ctv->value.object) != NID_pkcs7_data) {
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE,
                                  "the contentType signed attribute is missing or is not id-data"));
    }
    int64_t claimed = 0;
    int st = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
    if (st >= 0) {
        ASN1_TYPE *tv = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, st), 0);
        if (tv != NULL && (tv->type == V_ASN1_UTCTIME || tv->type == V_ASN1_GENERALIZEDTIME)) {
            claimed = es_asn1_time_ms(tv->value.utctime);
        }
    }
    if (claimed != 0) {
        /* The signingTime attribute: claimed by the signer, not proven by a timestamp. */
        ES_GUARD(es_report_time(rep, "time.value", claimed));
        ES_GUARD(es_report_str(rep, "time.source", "claimed"));
    } else {
        ES_GUARD(es_report_str(rep, "time.source", "none"));
    }

    ASN1_OCTET_STRING *md = CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3,
                                                        V_ASN1_OCTET_STRING);
    uint8_t dg[64];
    size_t dlen = 0;
    ES_GUARD(content_digest(dg, &dlen, hash, src));
    if (md != NULL && ASN1_STRING_length(md) > 0 && ASN1_STRING_length(md) <= 64) {
        char hex[129];
        es_hex_lower(hex, ASN1_STRING_get0_data(md), (size_t)ASN1_STRING_length(md));
        ES_GUARD(es_report_str(rep, "signature.signed_digest", "%s", hex));
    }
    if (md == NULL) {
        ES_GUARD(es_report_check(rep, "digest", ESEAL_CHECK_FAILED, NULL, "%s", "no messageDigest signed attribute"));
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "the messageDigest signed attribute is missing"));
    } else if ((size_t)ASN1_STRING_length(md) != dlen || memcmp(ASN1_STRING_get0_data(md), dg, dlen) != 0) {
        ES_GUARD(es_report_check(rep, "digest", ESEAL_CHECK_FAILED, NULL, "the %s digest of the content differs",
                                 eseal_hash_name(hash)));
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_HASH_FAILURE,
                                  "the data does not match the signature: its %s digest differs from the signed "
                                  "message digest (the data was changed or is not the signed file)",
                                  eseal_hash_name(hash)));
    } else {
        ES_GUARD(es_report_check(rep, "digest", ESEAL_CHECK_PASSED, NULL, "the %s digest of the content",
                                 eseal_hash_name(hash)));
    }
    ES_GUARD(check_signing_cert_attr(rep, si, signer));
    ES_GUARD(es_cms_check_signature(rep, si, signer, hash));
    if (o->expected_signer != NULL && X509_cmp(signer, o->expected_signer->x509) != 0) {
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SIGNER_MISMATCH,
                                  "the signature was made by another certificate than the expected %s",
                                  o->expected_signer->subject));
    }
    /*
     * A signature timestamp proves the signature existed at its genTime (POE): the signer's
     * certificate is then judged at that time, so a later expiry or revocation does not undo it.
     */
    int64_t poe = 0;
    ES_GUARD(es_cms_check_signature_timestamp(rep, si, t, src->ro, &poe));
    if (poe != 0) {
        /* time.tsa, .serial, .accuracy_ms and .token are the token's (es_cms_check_signature_timestamp). */
        ES_GUARD(es_report_time(rep, "time.value", poe));
        ES_GUARD(es_report_str(rep, "time.source", "timestamp"));
        ES_GUARD(es_report_time(rep, "time.judged_at", poe < at_ms ? poe : at_ms));
        ES_GUARD(es_report_str(rep, "time.judged_by", "timestamp"));
        return es_chain_check_ex(rep, t, signer, certs, poe < at_ms ? poe : at_ms, 0, src->ro);
    }
    return es_chain_check_ex(rep, t, signer, certs, at_ms, claimed, src->ro);
}

static const eseal_cms_verify_options default_verify_opts = ESEAL_CMS_VERIFY_OPTIONS_INIT;

static ES_RESULT cms_verify(eseal_report **out, es_span p7s, const content_src *src_in, const eseal_trust *t,
                            const eseal_cms_verify_options *o)
{
    ES_CHECK_VERSION_OPT(o, cms_verify_options);
    ES_ENSURE_ARG(out != NULL && p7s.ptr != NULL);
    if (o == NULL) {
        o = &default_verify_opts;
    }
    const eseal_context *ctx = ES_OPT_CTX(o, 2);
    const eseal_limits *lim = es_ctx_limits(ctx);
    content_src bounded = *src_in;
    bounded.max_input = lim->max_input_bytes;
    ES_GUARD(es_document_digests(&bounded.digests, ES_OPT_DIGESTS(o, 3)));
    const content_src *src = &bounded;
    size_t max = lim->max_der_bytes;
    ES_ENSURE(p7s.len <= max, ESEAL_ELIMIT, "signature is %zu bytes, more than the limit of %zu (max_der_bytes)",
              p7s.len, max);
    es_span der = p7s;
    ES_AUTO(es_buf_freep) es_buf decoded = ES_BUF_INIT(max);
    if (memmem(p7s.ptr, p7s.len, "-----BEGIN", 10) != NULL) {
        ES_AUTO(BIO_free_allp) BIO *bio = BIO_new_mem_buf(p7s.ptr, (int)p7s.len);
        ES_ENSURE_ALLOC(bio);
        char *name = NULL, *header = NULL;
        unsigned char *data = NULL;
        long len = 0;
        ES_ENSURE_OSSL(PEM_read_bio(bio, &name, &header, &data, &len) == 1, ESEAL_EMALFORMED, "reading PEM signature");
        es_result r = es_buf_append(&decoded, data, (size_t)len);
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        ES_GUARD(r);
        der = es_buf_span(&decoded);
    }
    ES_AUTO(CMS_ContentInfo_freep) CMS_ContentInfo *cms = NULL;
    ES_GUARD(decode_signed_data(&cms, der));
    ASN1_OCTET_STRING **content = CMS_get0_content(cms);
    ES_ENSURE(content == NULL || *content == NULL, ESEAL_EUNSUPPORTED,
              "the CMS signature embeds its content; eseal verifies detached signatures (use --data)");
    ES_ENSURE(OBJ_obj2nid(CMS_get0_eContentType(cms)) == NID_pkcs7_data, ESEAL_EUNSUPPORTED,
              "the CMS signature covers a content type other than id-data");
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    int nsi = sis == NULL ? 0 : sk_CMS_SignerInfo_num(sis);
    ES_ENSURE(nsi > 0, ESEAL_EMALFORMED, "the CMS signature has no signers");
    ES_ENSURE(nsi <= ES_CMS_MAX_SIGNERS, ESEAL_ELIMIT, "the CMS signature has %d signers (at most %d)", nsi,
              ES_CMS_MAX_SIGNERS);
    ES_AUTO(es_x509_stack_freep) STACK_OF(X509) *certs = CMS_get1_certs(cms);
    ES_ENSURE(certs == NULL || sk_X509_num(certs) <= (int)lim->max_certs, ESEAL_ELIMIT,
              "the CMS signature carries more than %u certificates (max_certs)", lim->max_certs);
    for (int i = 0; certs != NULL && i < sk_X509_num(certs); i++) {
        if (es_x509_is_sm2_signed(sk_X509_value(certs, i))) {
            ES_GUARD(es_x509_set_sm2_id(sk_X509_value(certs, i)));
        }
    }
    int64_t at_ms = o->at_ms != 0 ? o->at_ms : es_ctx_now(ctx);
    ES_AUTO(es_report_freep) eseal_report *rep = NULL;
    ES_GUARD(es_report_new(&rep));
    ES_GUARD(report_content(rep, src, at_ms));
    for (int i = 0; i < nsi; i++) {
        eseal_report *child = NULL;
        ES_GUARD(es_report_add_child(rep, &child));
        ES_GUARD(signature_section(child, sk_CMS_SignerInfo_value(sis, i), i));
        ES_GUARD(verify_signer(child, sk_CMS_SignerInfo_value(sis, i), certs, src, t, o, at_ms));
    }
    if (src->signer != NULL) {
        /* The certificate verify_signer found for SignerInfo 1 (signer_cert's lookup without an expected signer). */
        X509 *x = find_signer(sk_CMS_SignerInfo_value(sis, 0), certs, t, o->expected_signer);
        if (x != NULL) {
            ES_ENSURE_OSSL(X509_up_ref(x) == 1, ESEAL_ECRYPTO, "referencing a certificate");
            es_result r = es_cert_wrap(src->signer, x);
            if (!es_ok(r)) {
                X509_free(x);
                return r;
            }
        }
    }
    ERR_clear_error();
    *out = rep;
    rep = NULL;
    return ES_OK;
}

int eseal_cms_verify_file(eseal_report **out, const void *p7s, size_t p7s_len, const char *data_path,
                          const eseal_trust *trust, const eseal_cms_verify_options *opts)
{
    ES_CHECK_VERSION_OPT_INT(opts, cms_verify_options);
    if (data_path == NULL) {
        ES_BAIL_ARG("data_path == NULL");
    }
    content_src src = {data_path, {NULL, 0}, NULL, 0, NULL, NULL, 0, false, NULL, 0};
    return es_code(cms_verify(out, es_span_of(p7s, p7s_len), &src, trust, opts));
}

int eseal_cms_verify(eseal_report **out, const void *p7s, size_t p7s_len, const void *data, size_t len,
                     const eseal_trust *trust, const eseal_cms_verify_options *opts)
{
    ES_CHECK_VERSION_OPT_INT(opts, cms_verify_options);
    if (data == NULL && len > 0) {
        ES_BAIL_ARG("data == NULL && len > 0");
    }
    content_src src = {NULL, es_span_of(data, len), NULL, 0, NULL, NULL, 0, false, NULL, 0};
    return es_code(cms_verify(out, es_span_of(p7s, p7s_len), &src, trust, opts));
}

int eseal_cms_verify_parts(eseal_report **out, const void *p7s, size_t p7s_len, const eseal_bytes_part *parts,
                           size_t nparts, const eseal_trust *trust, const eseal_cms_verify_options *opts)
{
    ES_CHECK_VERSION_OPT_INT(opts, cms_verify_options);
    if (parts == NULL || nparts == 0 || nparts > ES_CMS_MAX_PARTS) {
        ES_BAIL_ARG("parts == NULL || nparts == 0 || nparts > ES_CMS_MAX_PARTS");
    }
    es_span sp[16];
    for (size_t i = 0; i < nparts; i++) {
        sp[i] = es_span_of(parts[i].ptr, parts[i].len);
    }
    content_src src = {NULL, {NULL, 0}, sp, nparts, NULL, NULL, 0, false, NULL, 0};
    return es_code(cms_verify(out, es_span_of(p7s, p7s_len), &src, trust, opts));
}

ES_RESULT es_cms_verify_parts_rev(eseal_report **out, eseal_cert **signer, es_span p7s, const es_span *parts,
                                  size_t nparts, const eseal_trust *trust, const eseal_cms_verify_options *opts,
                                  const es_revocation_opts *ro, es_prefix_hasher *prefix)
{
    ES_ENSURE_ARG(parts != NULL && nparts > 0 && nparts <= ES_CMS_MAX_PARTS);
    if (signer != NULL) {
        *signer = NULL;
    }
    content_src src = {NULL, {NULL, 0}, parts, nparts, ro, signer, 0, true, prefix, 0};
    return cms_verify(out, p7s, &src, trust, opts);
}

static ES_RESULT signer_cert(eseal_cert **out, es_span p7s, size_t index, const eseal_trust *trust)
{
    ES_AUTO(CMS_ContentInfo_freep) CMS_ContentInfo *cms = NULL;
    ES_GUARD(decode_signed_data(&cms, p7s));
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    ES_ENSURE(sis != NULL && index < (size_t)sk_CMS_SignerInfo_num(sis), ESEAL_EINVAL,
              "the CMS signature has no signer %zu", index + 1);
    ES_AUTO(es_x509_stack_freep) STACK_OF(X509) *certs = CMS_get1_certs(cms);
    X509 *x = find_signer(sk_CMS_SignerInfo_value(sis, (int)index), certs, trust, NULL);
    ES_ENSURE(x != NULL, ESEAL_ENOTFOUND, "the signer's certificate is neither in the signature nor supplied");
    ES_ENSURE_OSSL(X509_up_ref(x) == 1, ESEAL_ECRYPTO, "referencing a certificate");
    es_result r = es_cert_wrap(out, x);
    if (!es_ok(r)) {
        X509_free(x);
    }
    return r;
}

int eseal_cms_signer_cert(eseal_cert **out, const void *p7s, size_t p7s_len, size_t index, const eseal_trust *trust)
{
    if (out == NULL || (p7s == NULL && p7s_len > 0)) {
        ES_BAIL_ARG("out == NULL || (p7s == NULL && p7s_len > 0)");
    }
    *out = NULL;
    return es_code(signer_cert(out, es_span_of(p7s, p7s_len), index, trust));
}
