/* SPDX-License-Identifier: Apache-2.0 */
/* OpenSSL glue private to src/crypto: error translation and owned-object cleanup. */
#ifndef ES_OSSL_H
#define ES_OSSL_H

#include <pthread.h>

#include <openssl/cms.h>
#include <openssl/pkcs7.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "eseal/sys/key_backend.h"

/* Records `what` plus the most specific reason from OpenSSL's error queue, drains it. */
es_result es_ossl_error(int code, const char *file, int line, const char *what);

/* OpenSSL calls return 1 on success (and some <= 0 on failure). */
#define ES_GUARD_OSSL(call, what)                                                                  \
    do {                                                                                           \
        if ((call) != 1) {                                                                         \
            return es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, (what));                       \
        }                                                                                          \
    } while (0)
#define ES_ENSURE_OSSL(cond, code, what)                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            return es_ossl_error((code), __FILE__, __LINE__, (what));                              \
        }                                                                                          \
    } while (0)

/*
 * Appends what an OpenSSL i2d_TYPE(x, &der) call returned (`n` bytes at `der`, freed here) to
 * `out`; n <= 0 is an encoding failure, reported as `what` with OpenSSL's reason.
 *     unsigned char *der = NULL;
 *     int n = i2d_X509_CRL(crl, &der);
 *     return es_take_der(out, der, n, "encoding a CRL");
 */
ES_RESULT es_take_der(es_buf *out, unsigned char *der, int n, const char *what);

#define ES_DEFINE_FREEP(type, fn)                                                                  \
    static inline void fn##p(type **p)                                                             \
    {                                                                                              \
        if (*p != NULL) {                                                                          \
            fn(*p);                                                                                \
        }                                                                                          \
    }
ES_DEFINE_FREEP(EVP_PKEY, EVP_PKEY_free)
ES_DEFINE_FREEP(EVP_PKEY_CTX, EVP_PKEY_CTX_free)
ES_DEFINE_FREEP(EVP_MD_CTX, EVP_MD_CTX_free)
ES_DEFINE_FREEP(EVP_MD, EVP_MD_free)
ES_DEFINE_FREEP(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free)
ES_DEFINE_FREEP(BIO, BIO_free_all)
ES_DEFINE_FREEP(X509, X509_free)
ES_DEFINE_FREEP(X509_CRL, X509_CRL_free)
ES_DEFINE_FREEP(X509_NAME, X509_NAME_free)
ES_DEFINE_FREEP(X509_STORE, X509_STORE_free)
ES_DEFINE_FREEP(X509_STORE_CTX, X509_STORE_CTX_free)
ES_DEFINE_FREEP(X509_ALGOR, X509_ALGOR_free)
ES_DEFINE_FREEP(CMS_ContentInfo, CMS_ContentInfo_free)
ES_DEFINE_FREEP(ASN1_INTEGER, ASN1_INTEGER_free)
ES_DEFINE_FREEP(ASN1_TIME, ASN1_TIME_free)
ES_DEFINE_FREEP(BIGNUM, BN_free)
static inline void es_x509_stack_freep(STACK_OF(X509) **p) { sk_X509_pop_free(*p, X509_free); }
static inline void es_ossl_bufp(unsigned char **p) { OPENSSL_free(*p); }

struct eseal_cert {
    X509 *x509;
    char *subject;
    char *issuer;
    char *serial;
    char fingerprint[65];
};

struct eseal_key {
    const eseal_key_backend *backend;
    void *ctx;
    eseal_key_alg alg;
    char *label;
    EVP_PKEY *pub;
};

/*
 * A certificate of a trust set (issue 18): kept as DER with its subject and issuer names, and
 * decoded (es_x509_from_der) only when a path may need it. `x` is written once, under the trust's
 * lock.
 */
typedef struct {
    unsigned char *der;
    size_t len;
    X509_NAME *subject;
    X509_NAME *issuer;
    X509 *x; /* NULL until decoded */
    bool anchor;
    char *note; /* where the trust in it came from (issue 24: "the trust list of P, sequence N"), or NULL */
} es_trust_cert;

/* A service another platform's trust list names (issue 24): a certificate's SHA-256, its type and its
 * statuses from a time on, newest first (es_trust_add_service). */
typedef struct {
    uint8_t sha256[32];
    int type;
    int64_t since[ES_TRUST_SERVICE_STATUSES];
    bool granted[ES_TRUST_SERVICE_STATUSES];
    size_t n;
} es_trust_service;

struct eseal_trust {
    es_trust_cert *certs; /* anchors and intermediates, in the order they were added */
    size_t n, cap, n_anchors;
    es_trust_service *services; /* the services of the trust lists its noted anchors came from */
    size_t n_services, cap_services;
    pthread_mutex_t *lock; /* guards the decoding of certs[i].x (a batch's threads share a trust) */
    STACK_OF(X509_CRL) *crls;
};

/* Certificate i of t (decoded now if it was not), borrowed from t; NULL (error set) if it does not decode. */
X509 *es_trust_cert_at(const eseal_trust *t, size_t i);

/*
 * The certificates of t that can be on a path from any of `from` (the certificate to validate and the
 * untrusted ones that may complete its path; NULLs are skipped): every certificate of t whose subject
 * is the subject or issuer name of one of them or of a certificate taken, repeated to the closure.
 * A chain builder looks its candidates up by these names only (RFC 5280 §6.1, OpenSSL's
 * X509_check_issued and X509_STORE lookups by subject), so the rest of t cannot change its answer.
 * Appends references, in t's order, to `anchors` and `intermediates` (either may be NULL).
 */
ES_RESULT es_trust_path_certs(const eseal_trust *t, X509 *const *from, size_t n_from, const STACK_OF(X509) *more,
                              STACK_OF(X509) *anchors, STACK_OF(X509) *intermediates);

/* The certificates of t whose issuer name is `issuer` (e.g. a SignerInfo's issuerAndSerialNumber), as references. */
ES_RESULT es_trust_issued_by(const eseal_trust *t, const X509_NAME *issuer, STACK_OF(X509) *intermediates,
                             STACK_OF(X509) *anchors);

/* x is an intermediate (a non-anchor) of t, compared by DER without decoding t's certificates. */
bool es_trust_has_intermediate(const eseal_trust *t, X509 *x);

/* The EVP_MD for a hash (never DEFAULT); NULL when unsupported. */
const EVP_MD *es_md(eseal_hash hash);
/* The eseal_hash for an OpenSSL digest NID, or DEFAULT when not accepted. */
eseal_hash es_hash_from_nid(int nid);
/* The eseal alg of a public/private EVP_PKEY (ESEAL_ALG_NONE if unsupported). */
eseal_key_alg es_pkey_alg(const EVP_PKEY *pk);
/* Wraps an X509 (takes ownership on success). */
ES_RESULT es_cert_wrap(eseal_cert **out, X509 *x);
/* Wraps a private EVP_PKEY in the file backend (takes ownership on success). */
ES_RESULT es_key_wrap_pkey(eseal_key **out, EVP_PKEY *pk, const char *label);
/* A private key read from `what` as an eseal_key labelled "file:what"; takes pk (freed on failure). */
ES_RESULT es_key_from_pkey(eseal_key **out, EVP_PKEY *pk, const char *what);
/* Signs `data` with `pk` as eseal_key_sign does (hash defaults, PSS, the SM2 ID): the file backend's
 * signature, and the PKCS#11 backend's through libp11's EVP_PKEY (the token signs). */
ES_RESULT es_sign_pkey(es_buf *out, EVP_PKEY *pk, eseal_hash hash, eseal_sig_scheme scheme, es_span data);
/* The private EVP_PKEY of an in-memory key, NULL for token keys. */
EVP_PKEY *es_key_private_pkey(const eseal_key *key);
/* An EVP_PKEY that signs with key (file or libp11 backends), NULL otherwise. */
EVP_PKEY *es_key_signing_pkey(const eseal_key *key);
/* Signature AlgorithmIdentifier (DER) for pub/hash/scheme, via the provider. */
ES_RESULT es_sigalg_der(es_buf *out, EVP_PKEY *pub, eseal_hash hash, eseal_sig_scheme scheme);
/* Signs `data` with `key` through its backend. */
ES_RESULT es_key_sign_span(es_buf *out, eseal_key *key, eseal_hash hash, eseal_sig_scheme scheme,
                           es_span data);
/* Verifies sig over data with pub. *valid = 1/0. For SM2 `id` selects the distinguishing ID. */
ES_RESULT es_verify_pkey(int *valid, EVP_PKEY *pub, eseal_hash hash, eseal_sig_scheme scheme,
                         const char *sm2_id, es_span data, es_span sig);
/* es_x509_decodes (crypto.h) for the certificates a decoded PKCS7 or CMS SignedData carries; call it
 * right after decoding: their CA certificates are offered to the memo (es_x509_from_der). */
void es_x509_count_p7(PKCS7 *p7);
void es_x509_count_cms(CMS_ContentInfo *cms);
/*
 * The certificate of DER `der` (exactly one, nothing after it), decoded at most once per process: a
 * reference to the memo's copy when these bytes were decoded before (es_x509_memo_hits), else decoded
 * (es_x509_decodes) and kept. SM2-signed ones carry the GM/T 0009 ID. The X509 may be shared: do not
 * modify it. The caller frees its reference with X509_free.
 */
ES_RESULT es_x509_from_der(X509 **out, es_span der);
/* Marks an SM2-signed certificate so that chain checks use the GM/T 0009 ID. */
ES_RESULT es_x509_set_sm2_id(X509 *x);
bool es_x509_is_sm2_signed(const X509 *x);
/* Verifies a CRL's signature with the issuer's key (SM2 ID aware). */
ES_RESULT es_crl_verify_sig(int *valid, X509_CRL *crl, EVP_PKEY *issuer_pub);
int64_t es_asn1_time_ms(const ASN1_TIME *t);
ES_RESULT es_asn1_time_from_ms(ASN1_TIME **out, int64_t ms);
/* An EVP_MD_CTX ready to sign certificates, CRLs and OCSP responses with key (SM2 ID set; the
 * natural hash of the key: SM3, SHA-384 for P-384, SHA-256 otherwise). */
ES_RESULT es_x509_signing_ctx(EVP_MD_CTX **out, eseal_key *key);
/* Fills an EVP_PKEY_CTX (from DigestSign/VerifyInit) with SM2 ID or RSA-PSS params. */
ES_RESULT es_pctx_setup(EVP_PKEY_CTX *pctx, const EVP_PKEY *pk, eseal_sig_scheme scheme, const char *sm2_id);

/*
 * A CMS SignedData built and signed the way eseal signs (cms.c): the signed attributes
 * contentType, [signingTime], messageDigest (= `digest`, the content's digest under
 * `hash`) and signing-certificate-v2, DER-encoded and signed through the key's backend,
 * so SM2 uses SM3 with the Z value of the GM/T 0009 ID (probes.md §2). The detached CAdES
 * signatures of eseal_cms_sign* and the TSA's SM2 time-stamp tokens share it.
 */
typedef struct {
    int content_type;         /* eContentType NID: NID_pkcs7_data, NID_id_smime_ct_TSTInfo */
    es_span content;          /* the encapsulated content; ptr NULL: detached */
    eseal_hash hash;          /* the digest algorithm (not DEFAULT) */
    eseal_sig_scheme scheme;  /* RSA padding */
    bool signing_time;        /* add signingTime, at signing_time_ms (the caller's "now" when it was */
    int64_t signing_time_ms;  /* given none: the builder reads no clock) */
    eseal_hash ess_hash;      /* the ESSCertIDv2 hash (DEFAULT: SHA-256) */
    bool no_certs;            /* no certificates at all (RFC 3161 certReq false) */
    const eseal_cert *const *chain; /* issuers to include after the signer's certificate */
    size_t chain_len;
} es_cms_build;
ES_RESULT es_cms_build_signed(es_buf *out, eseal_key *key, const eseal_cert *cert, es_span digest,
                              const es_cms_build *b);
/*
 * Checks the signature of one SignerInfo over its signed attributes with `signer`'s key
 * (SM2: with the GM/T 0009 ID; an empty-ID signature is INDETERMINATE SM2_EMPTY_ID) and
 * records signature.algorithm, checks.signature and the reason in `rep`.
 */
ES_RESULT es_cms_check_signature(eseal_report *rep, CMS_SignerInfo *si, X509 *signer, eseal_hash hash);

#endif
