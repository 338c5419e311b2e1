/* SPDX-License-Identifier: Apache-2.0 */
/* Certificates: parsing (strict, one object), getters, SM2 ID marking. */
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/pem.h>

#include "chain.h"
#include "ossl.h"

static ES_RESULT name_string(char **out, const X509_NAME *name)
{
    ES_AUTO(BIO_free_allp) BIO *bio = BIO_new(BIO_s_mem());
    ES_ENSURE_ALLOC(bio);
    /* RFC 2253 order and escaping, UTF-8 kept as is (ASN1_STRFLGS_ESC_MSB off). */
    unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
    ES_ENSURE_OSSL(X509_NAME_print_ex(bio, name, 0, flags) >= 0, ESEAL_ECRYPTO, "printing a name");
    char *p = NULL;
    long n = BIO_get_mem_data(bio, &p);
    *out = es_strndup(p, (size_t)n);
    ES_ENSURE_ALLOC(*out);
    return ES_OK;
}

ES_RESULT es_cert_wrap(eseal_cert **out, X509 *x)
{
    eseal_cert *c = es_calloc(1, sizeof(*c));
    ES_ENSURE_ALLOC(c);
    es_result r = name_string(&c->subject, X509_get_subject_name(x));
    if (es_ok(r)) {
        r = name_string(&c->issuer, X509_get_issuer_name(x));
    }
    if (es_ok(r)) {
        BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
        char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
        c->serial = hex != NULL ? es_strdup(hex) : NULL;
        OPENSSL_free(hex);
        BN_free(bn);
        if (c->serial == NULL) {
            r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
        }
    }
    if (es_ok(r)) {
        unsigned char md[32];
        unsigned int n = 0;
        if (X509_digest(x, EVP_sha256(), md, &n) != 1) {
            r = es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "fingerprinting a certificate");
        } else {
            for (unsigned int i = 0; i < n; i++) {
                static const char hx[] = "0123456789abcdef";
                c->fingerprint[2 * i] = hx[md[i] >> 4];
                c->fingerprint[2 * i + 1] = hx[md[i] & 15];
            }
            c->fingerprint[64] = '\0';
        }
    }
    if (!es_ok(r)) {
        es_free(c->subject);
        es_free(c->issuer);
        es_free(c->serial);
        es_free(c);
        return r;
    }
    if (es_ok(r) && es_x509_is_sm2_signed(x)) {
        r = es_x509_set_sm2_id(x);
    }
    if (!es_ok(r)) {
        es_free(c->subject);
        es_free(c->issuer);
        es_free(c->serial);
        es_free(c);
        return r;
    }
    c->x509 = x;
    *out = c;
    return ES_OK;
}

bool es_x509_is_sm2_signed(const X509 *x)
{
    return X509_get_signature_nid(x) == NID_SM2_with_SM3;
}

ES_RESULT es_x509_set_sm2_id(X509 *x)
{
    /* probes.md §1: chain checks use an empty ID unless each SM2-signed cert carries one. A
     * certificate that already carries it is left alone: a decoded certificate may be shared
     * (es_x509_from_der), and another thread may be reading its ID. */
    ASN1_OCTET_STRING *had = X509_get0_distinguishing_id(x);
    if (had != NULL && ASN1_STRING_length(had) == (int)ES_SM2_ID_LEN &&
        memcmp(ASN1_STRING_get0_data(had), ES_SM2_ID, ES_SM2_ID_LEN) == 0) {
        return ES_OK;
    }
    ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
    ES_ENSURE_ALLOC(id);
    if (ASN1_OCTET_STRING_set(id, (const unsigned char *)ES_SM2_ID, ES_SM2_ID_LEN) != 1) {
        ASN1_OCTET_STRING_free(id);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    X509_set0_distinguishing_id(x, id);
    return ES_OK;
}

_Atomic size_t es_x509_decodes = 0;
_Atomic size_t es_x509_memo_hits = 0;

/*
 * Certificates decoded once per process (issue 18). A d2i_X509 is dear in OpenSSL 3 (its public key
 * goes through an OSSL_DECODER), and one stamp met the same CA certificates several times: the
 * signer's issuer, the TSA's certificate and issuer, and the same ones again in the instance's
 * trust. The memo keeps the first ES_X509_MEMO_MAX certificates decoded from DER, keyed by their
 * exact bytes (so a hit is the same certificate, never a look-alike), and hands out references.
 * The shared X509 is never modified after it is published: the SM2 ID is set before, and
 * es_x509_set_sm2_id leaves a certificate that has it alone. Full, the memo decodes without keeping.
 */
#define ES_X509_MEMO_MAX 64
static struct {
    unsigned char *der;
    size_t len;
    X509 *x;
} memo[ES_X509_MEMO_MAX];
static size_t memo_n;
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;

static X509 *memo_find(es_span der)
{
    X509 *x = NULL;
    (void)pthread_mutex_lock(&memo_lock);
    for (size_t i = 0; i < memo_n && x == NULL; i++) {
        if (memo[i].len == der.len && memcmp(memo[i].der, der.ptr, der.len) == 0 && X509_up_ref(memo[i].x) == 1) {
            x = memo[i].x;
        }
    }
    (void)pthread_mutex_unlock(&memo_lock);
    return x;
}

static void memo_keep(es_span der, X509 *x)
{
    (void)pthread_mutex_lock(&memo_lock);
    bool seen = false;
    for (size_t i = 0; i < memo_n && !seen; i++) {
        seen = memo[i].len == der.len && memcmp(memo[i].der, der.ptr, der.len) == 0;
    }
    unsigned char *copy = !seen && memo_n < ES_X509_MEMO_MAX ? es_malloc(der.len) : NULL;
    if (copy != NULL && X509_up_ref(x) == 1) {
        memcpy(copy, der.ptr, der.len);
        memo[memo_n].der = copy;
        memo[memo_n].len = der.len;
        memo[memo_n].x = x;
        memo_n++;
    } else {
        es_free(copy);
    }
    (void)pthread_mutex_unlock(&memo_lock);
}

void es_x509_memo_clear(void)
{
    (void)pthread_mutex_lock(&memo_lock);
    for (size_t i = 0; i < memo_n; i++) {
        X509_free(memo[i].x);
        es_free(memo[i].der);
    }
    memset(memo, 0, sizeof(memo));
    memo_n = 0;
    (void)pthread_mutex_unlock(&memo_lock);
}

/* strict: nothing may follow the certificate; else (the PEM path, as PEM_read_bio_X509) what follows is ignored. */
static ES_RESULT x509_from_der(X509 **out, es_span der, bool strict)
{
    *out = NULL;
    ES_ENSURE(der.len > 0 && der.len <= LONG_MAX, ESEAL_EMALFORMED, "not a PEM or DER certificate (%zu bytes)", der.len);
    X509 *x = memo_find(der);
    if (x != NULL) {
        es_x509_memo_hits++;
        *out = x;
        return ES_OK;
    }
    const unsigned char *p = der.ptr;
    x = d2i_X509(NULL, &p, (long)der.len);
    es_x509_decodes += x != NULL;
    if (x == NULL) {
        return es_ossl_error(ESEAL_EMALFORMED, __FILE__, __LINE__, "not a PEM or DER certificate");
    }
    if (strict && p != der.ptr + der.len) {
        X509_free(x);
        ES_BAIL(ESEAL_EMALFORMED, "certificate DER has %zu trailing bytes", (size_t)(der.ptr + der.len - p));
    }
    es_result r = es_x509_is_sm2_signed(x) ? es_x509_set_sm2_id(x) : ES_OK;
    if (!es_ok(r)) {
        X509_free(x);
        return r;
    }
    memo_keep(es_span_of(der.ptr, (size_t)(p - der.ptr)), x);
    *out = x;
    return ES_OK;
}

ES_RESULT es_x509_from_der(X509 **out, es_span der) { return x509_from_der(out, der, true); }

/* The next PEM certificate of `bio` (blocks of other types are skipped, as PEM_read_bio_X509 does), decoded
 * through the memo; NULL with OpenSSL's error queue set at the end or on a defect. */
static X509 *pem_next_x509(BIO *bio)
{
    unsigned char *der = NULL;
    long len = 0;
    if (PEM_bytes_read_bio(&der, &len, NULL, PEM_STRING_X509, bio, NULL, NULL) != 1) {
        return NULL;
    }
    X509 *x = NULL;
    es_result r = x509_from_der(&x, es_span_of(der, (size_t)len), false);
    OPENSSL_free(der);
    if (!es_ok(r)) {
        ERR_raise_data(ERR_LIB_PEM, ERR_R_ASN1_LIB, "%s", eseal_error_last()->message);
        eseal_error_clear();
        return NULL;
    }
    return x;
}

/*
 * A CA certificate a signature or token brought, offered to the memo (just decoded, not yet seen by
 * anyone else: its SM2 ID is set here, as the verifiers set it on every SM2-signed certificate they
 * are given). The trust set's copy of the same CA (the issuer of the signer or of the TSA, the root)
 * then costs no decode of its own. Only CA certificates, and a few per object: a document's
 * end-entity certificates would only fill the memo.
 */
static bool memo_full(void)
{
    (void)pthread_mutex_lock(&memo_lock);
    bool full = memo_n >= ES_X509_MEMO_MAX;
    (void)pthread_mutex_unlock(&memo_lock);
    return full;
}

static void memo_offer(X509 *x)
{
    if (memo_full() || X509_check_ca(x) <= 0 ||
        (es_x509_is_sm2_signed(x) && !es_ok(es_x509_set_sm2_id(x)))) {
        ERR_clear_error();
        eseal_error_clear();
        return;
    }
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    if (n > 0) {
        memo_keep(es_span_of(der, (size_t)n), x);
    }
    OPENSSL_free(der);
    ERR_clear_error();
}

#define ES_X509_MEMO_OFFER_MAX 8 /* certificates of one signature or token looked at for the memo */

void es_x509_count_p7(PKCS7 *p7)
{
    if (p7 != NULL && PKCS7_type_is_signed(p7) && p7->d.sign != NULL && p7->d.sign->cert != NULL) {
        es_x509_decodes += (size_t)sk_X509_num(p7->d.sign->cert);
        for (int i = 0; i < sk_X509_num(p7->d.sign->cert) && i < ES_X509_MEMO_OFFER_MAX; i++) {
            memo_offer(sk_X509_value(p7->d.sign->cert, i));
        }
    }
}

void es_x509_count_cms(CMS_ContentInfo *cms)
{
    STACK_OF(X509) *certs = cms != NULL ? CMS_get1_certs(cms) : NULL;
    if (certs != NULL) {
        es_x509_decodes += (size_t)sk_X509_num(certs);
        for (int i = 0; i < sk_X509_num(certs) && i < ES_X509_MEMO_OFFER_MAX; i++) {
            memo_offer(sk_X509_value(certs, i));
        }
    }
    sk_X509_pop_free(certs, X509_free);
    ERR_clear_error();
}

static bool looks_pem(es_span s) { return memmem(s.ptr, s.len, "-----BEGIN", 10) != NULL; }

ES_RESULT es_cert_parse_all(eseal_cert ***out, size_t *n, es_span data, size_t max_certs)
{
    *out = NULL;
    *n = 0;
    ES_ENSURE(data.len <= es_ctx_limits(NULL)->max_text_bytes, ESEAL_ELIMIT,
              "certificate data is larger than %zu bytes", es_ctx_limits(NULL)->max_text_bytes);
    eseal_cert **list = NULL;
    size_t count = 0;
    es_result r = ES_OK;
    if (looks_pem(data)) {
        BIO *bio = BIO_new_mem_buf(data.ptr, (int)data.len);
        ES_ENSURE_ALLOC(bio);
        for (;;) {
            X509 *x = pem_next_x509(bio);
            if (x == NULL) {
                unsigned long e = ERR_peek_last_error();
                if (ERR_GET_REASON(e) == PEM_R_NO_START_LINE && count > 0) {
                    ERR_clear_error(); /* end of bundle */
                } else {
                    r = es_ossl_error(ESEAL_EMALFORMED, __FILE__, __LINE__, "reading a PEM certificate");
                }
                break;
            }
            if (count >= max_certs) {
                X509_free(x);
                r = es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "more than %zu certificates", max_certs);
                break;
            }
            eseal_cert **grown = es_realloc(list, (count + 1) * sizeof(*list));
            if (grown == NULL) {
                X509_free(x);
                r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
                break;
            }
            list = grown;
            r = es_cert_wrap(&list[count], x);
            if (!es_ok(r)) {
                X509_free(x);
                break;
            }
            count++;
        }
        BIO_free(bio);
    } else {
        X509 *x = NULL;
        r = x509_from_der(&x, data, true);
        if (es_ok(r)) {
            list = es_calloc(1, sizeof(*list));
            if (list == NULL) {
                X509_free(x);
                r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
            } else {
                r = es_cert_wrap(&list[0], x);
                if (!es_ok(r)) {
                    X509_free(x);
                } else {
                    count = 1;
                }
            }
        }
    }
    if (!es_ok(r)) {
        es_cert_list_free(list, count);
        return r;
    }
    *out = list;
    *n = count;
    return ES_OK;
}

void es_cert_list_free(eseal_cert **list, size_t n)
{
    for (size_t i = 0; list != NULL && i < n; i++) {
        eseal_cert_free(list[i]);
    }
    es_free(list);
}

int eseal_cert_parse(eseal_cert **out, const void *data, size_t len)
{
    if (out == NULL || data == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument to eseal_cert_parse"));
    }
    return ES_PUBLIC(es_cert_parse(out, es_span_of(data, len)));
}

ES_RESULT es_cert_parse(eseal_cert **out, es_span data)
{
    eseal_cert **list = NULL;
    size_t n = 0;
    ES_GUARD(es_cert_parse_all(&list, &n, data, 1));
    *out = list[0];
    es_free(list);
    return ES_OK;
}

ES_RESULT es_cert_parse_as(eseal_cert **out, es_span data, const eseal_cert *known)
{
    if (known == NULL || data.len > es_ctx_limits(NULL)->max_text_bytes || data.len > INT_MAX || looks_pem(data) ||
        i2d_X509(known->x509, NULL) != (int)data.len) {
        return es_cert_parse(out, data);
    }
    unsigned char *der = NULL;
    int n = i2d_X509(known->x509, &der);
    bool same = n == (int)data.len && memcmp(der, data.ptr, data.len) == 0;
    OPENSSL_free(der);
    /* The same DER parses to the same certificate: share the parsed one (an X.509 parse is the dear part). */
    return same ? es_cert_dup(out, known) : es_cert_parse(out, data);
}

int eseal_cert_load(eseal_cert **out, const char *path)
{
    if (out == NULL || path == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument to eseal_cert_load"));
    }
    es_buf data = ES_BUF_INIT(es_ctx_limits(NULL)->max_text_bytes);
    es_result r = es_file_read(&data, path, data.max);
    if (!es_ok(r)) {
        return es_code(r);
    }
    eseal_cert **list = NULL;
    size_t n = 0;
    r = es_cert_parse_all(&list, &n, es_buf_span(&data), es_ctx_limits(NULL)->max_certs);
    es_buf_free(&data);
    if (!es_ok(r)) {
        return es_code(es_error_set(es_code(r), __FILE__, __LINE__, "%s: %s", path, eseal_error_last()->message));
    }
    *out = list[0];
    for (size_t i = 1; i < n; i++) {
        eseal_cert_free(list[i]);
    }
    es_free(list);
    return ESEAL_OK;
}

ES_RESULT es_cert_dup(eseal_cert **out, const eseal_cert *in)
{
    ES_ENSURE_OSSL(X509_up_ref(in->x509) == 1, ESEAL_ECRYPTO, "referencing a certificate");
    es_result r = es_cert_wrap(out, in->x509);
    if (!es_ok(r)) {
        X509_free(in->x509);
    }
    return r;
}

const char *eseal_cert_subject(const eseal_cert *c) { return c == NULL ? "" : c->subject; }
const char *eseal_cert_issuer(const eseal_cert *c) { return c == NULL ? "" : c->issuer; }
const char *eseal_cert_serial(const eseal_cert *c) { return c == NULL ? "" : c->serial; }
const char *eseal_cert_fingerprint(const eseal_cert *c) { return c == NULL ? "" : c->fingerprint; }

int64_t eseal_cert_not_before(const eseal_cert *c) { return c == NULL ? 0 : es_asn1_time_ms(X509_get0_notBefore(c->x509)); }
int64_t eseal_cert_not_after(const eseal_cert *c) { return c == NULL ? 0 : es_asn1_time_ms(X509_get0_notAfter(c->x509)); }

eseal_key_alg eseal_cert_key_alg(const eseal_cert *c)
{
    EVP_PKEY *pk = c == NULL ? NULL : X509_get0_pubkey(c->x509);
    return pk == NULL ? ESEAL_ALG_NONE : es_pkey_alg(pk);
}

int eseal_cert_der(eseal_buf *out, const eseal_cert *c)
{
    if (out == NULL || c == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument to eseal_cert_der"));
    }
    return ES_PUBLIC(es_cert_der(out, c));
}

ES_RESULT es_cert_der(eseal_buf *out, const eseal_cert *c)
{
    unsigned char *der = NULL;
    int n = i2d_X509(c->x509, &der);
    if (n <= 0) {
        return es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "encoding a certificate");
    }
    es_buf b = ES_BUF_INIT((size_t)n);
    es_result r = es_buf_append(&b, der, (size_t)n);
    OPENSSL_free(der);
    ES_GUARD(r);
    es_buf_move_out(out, &b);
    return ES_OK;
}

int eseal_cert_pem(eseal_buf *out, const eseal_cert *c)
{
    if (out == NULL || c == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument to eseal_cert_pem"));
    }
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || PEM_write_bio_X509(bio, c->x509) != 1) {
        BIO_free(bio);
        return es_code(es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "writing a PEM certificate"));
    }
    char *p = NULL;
    long n = BIO_get_mem_data(bio, &p);
    es_buf b = ES_BUF_INIT((size_t)n);
    es_result r = es_buf_append(&b, p, (size_t)n);
    BIO_free(bio);
    if (!es_ok(r)) {
        return es_code(r);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

int eseal_cert_matches_key(const eseal_cert *c, const eseal_key *key)
{
    if (c == NULL || key == NULL) {
        return 0;
    }
    EVP_PKEY *cpub = X509_get0_pubkey(c->x509);
    return cpub != NULL && EVP_PKEY_eq(cpub, key->pub) == 1;
}

ES_RESULT es_cert_describe(es_buf *out, const eseal_cert *c)
{
    uint32_t ku = X509_get_key_usage(c->x509);
    static const struct {
        uint32_t bit;
        const char *name;
    } kus[] = {{KU_DIGITAL_SIGNATURE, "digitalSignature"}, {KU_NON_REPUDIATION, "nonRepudiation"},
               {KU_KEY_CERT_SIGN, "keyCertSign"}, {KU_CRL_SIGN, "cRLSign"}};
    bool first = true;
    for (size_t i = 0; i < sizeof(kus) / sizeof(kus[0]); i++) {
        if (ku != UINT32_MAX && (ku & kus[i].bit) != 0) {
            ES_GUARD(es_buf_printf(out, "%s%s", first ? "" : ",", kus[i].name));
            first = false;
        }
    }
    uint32_t xku = X509_get_extended_key_usage(c->x509);
    if (xku != UINT32_MAX && (xku & XKU_TIMESTAMP) != 0) {
        ES_GUARD(es_buf_printf(out, "%stimeStamping", first ? "" : ","));
    }
    return ES_OK;
}

int eseal_cert_verify_data(int *valid, const eseal_cert *cert, eseal_hash hash, eseal_sig_scheme scheme,
                           const void *data, size_t len, const void *sig, size_t sig_len)
{
    if (valid == NULL || cert == NULL || sig == NULL || (data == NULL && len > 0)) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument to eseal_cert_verify_data"));
    }
    EVP_PKEY *pub = X509_get0_pubkey(cert->x509);
    if (pub == NULL) {
        return es_code(es_ossl_error(ESEAL_EMALFORMED, __FILE__, __LINE__, "reading the certificate's public key"));
    }
    return es_code(es_verify_pkey(valid, pub, hash, scheme, NULL, es_span_of(data, len), es_span_of(sig, sig_len)));
}

ES_RESULT es_cert_chain_check(eseal_report *rep, const eseal_trust *t, const eseal_cert *cert,
                              const eseal_cert *const *extra, size_t n_extra, int64_t at_ms, int64_t claimed_ms)
{
    return es_cert_chain_check_ex(rep, t, cert, extra, n_extra, at_ms, claimed_ms, NULL);
}

ES_RESULT es_cert_chain_check_ex(eseal_report *rep, const eseal_trust *t, const eseal_cert *cert,
                                 const eseal_cert *const *extra, size_t n_extra, int64_t at_ms, int64_t claimed_ms,
                                 const es_revocation_opts *ro)
{
    ES_AUTO(es_x509_stack_freep) STACK_OF(X509) *sk = sk_X509_new_null();
    ES_ENSURE_ALLOC(sk);
    for (size_t i = 0; i < n_extra; i++) {
        ES_GUARD_OSSL(X509_up_ref(extra[i]->x509), "certificate reference");
        if (sk_X509_push(sk, extra[i]->x509) <= 0) {
            X509_free(extra[i]->x509);
            ES_BAIL(ESEAL_ENOMEM, "out of memory");
        }
    }
    return es_chain_check_ex(rep, t, cert->x509, sk, at_ms, claimed_ms, ro);
}

void eseal_cert_free(eseal_cert *c)
{
    if (c == NULL) {
        return;
    }
    X509_free(c->x509);
    es_free(c->subject);
    es_free(c->issuer);
    es_free(c->serial);
    es_free(c);
}
