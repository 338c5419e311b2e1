/* SPDX-License-Identifier: Apache-2.0 */
/* Keys: the backend table, the in-memory ("file") backend, signing and verifying. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "ossl.h"
#include "util/versions.h"

static const struct {
    eseal_key_alg alg;
    const char *name;
} alg_names[] = {
    {ESEAL_ALG_SM2, "sm2"},         {ESEAL_ALG_P256, "p256"},       {ESEAL_ALG_P384, "p384"},
    {ESEAL_ALG_RSA2048, "rsa2048"}, {ESEAL_ALG_RSA3072, "rsa3072"}, {ESEAL_ALG_ED25519, "ed25519"},
};

const char *eseal_key_alg_name(eseal_key_alg alg)
{
    for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
        if (alg_names[i].alg == alg) {
            return alg_names[i].name;
        }
    }
    return "none";
}

int eseal_key_alg_from_name(eseal_key_alg *out, const char *name)
{
    if (out == NULL || name == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument: algorithm name"));
    }
    for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
        if (es_strcasecmp(alg_names[i].name, name) == 0) {
            *out = alg_names[i].alg;
            return ESEAL_OK;
        }
    }
    if (es_strcasecmp(name, "rsa") == 0) {
        *out = ESEAL_ALG_RSA2048;
        return ESEAL_OK;
    }
    if (es_strcasecmp(name, "ecdsa") == 0 || es_strcasecmp(name, "p-256") == 0) {
        *out = ESEAL_ALG_P256;
        return ESEAL_OK;
    }
    if (es_strcasecmp(name, "p-384") == 0) {
        *out = ESEAL_ALG_P384;
        return ESEAL_OK;
    }
    return es_code(es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__,
                                "unsupported algorithm '%s' (use sm2, p256, p384, rsa2048, rsa3072 or ed25519)",
                                name));
}

eseal_key_alg es_pkey_alg(const EVP_PKEY *pk)
{
    /* probes.md §1: test SM2 with EVP_PKEY_is_a, never EVP_PKEY_get_id (it is -1 after PEM). */
    if (EVP_PKEY_is_a(pk, "SM2")) {
        return ESEAL_ALG_SM2;
    }
    if (EVP_PKEY_is_a(pk, "ED25519")) {
        return ESEAL_ALG_ED25519;
    }
    if (EVP_PKEY_is_a(pk, "RSA")) {
        int bits = EVP_PKEY_get_bits(pk);
        return bits == 2048 ? ESEAL_ALG_RSA2048 : bits == 3072 ? ESEAL_ALG_RSA3072 : ESEAL_ALG_NONE;
    }
    if (EVP_PKEY_is_a(pk, "EC")) {
        char group[64] = "";
        size_t glen = 0;
        if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen) != 1) {
            return ESEAL_ALG_NONE;
        }
        if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0) {
            return ESEAL_ALG_P256;
        }
        if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0) {
            return ESEAL_ALG_P384;
        }
        /* An EC-typed key on the SM2 curve would make ECDSA-with-SM3, not SM2 (probes.md §1). */
        return ESEAL_ALG_NONE;
    }
    return ESEAL_ALG_NONE;
}

ES_RESULT es_pctx_setup(EVP_PKEY_CTX *pctx, const EVP_PKEY *pk, eseal_sig_scheme scheme, const char *sm2_id)
{
    if (EVP_PKEY_is_a(pk, "SM2")) {
        const char *id = sm2_id != NULL ? sm2_id : ES_SM2_ID;
        ES_GUARD_OSSL(EVP_PKEY_CTX_set1_id(pctx, id, strlen(id)) > 0 ? 1 : 0, "setting the SM2 ID");
    } else if (EVP_PKEY_is_a(pk, "RSA") && scheme == ESEAL_SCHEME_RSA_PSS) {
        ES_GUARD_OSSL(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 ? 1 : 0, "setting PSS padding");
        ES_GUARD_OSSL(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0 ? 1 : 0,
                      "setting the PSS salt length");
    }
    return ES_OK;
}

static const char *md_name_for(const EVP_PKEY *pk, eseal_hash hash)
{
    if (EVP_PKEY_is_a(pk, "ED25519")) {
        return NULL; /* pure EdDSA: no separate digest */
    }
    const EVP_MD *md = es_md(hash);
    return md == NULL ? NULL : EVP_MD_get0_name(md);
}

static eseal_hash resolve_hash(const EVP_PKEY *pk, eseal_hash hash)
{
    if (hash != ESEAL_HASH_DEFAULT) {
        return hash;
    }
    if (EVP_PKEY_is_a(pk, "SM2")) {
        return ESEAL_HASH_SM3;
    }
    if (EVP_PKEY_is_a(pk, "ED25519")) {
        return ESEAL_HASH_SHA512;
    }
    return es_pkey_alg(pk) == ESEAL_ALG_P384 ? ESEAL_HASH_SHA384 : ESEAL_HASH_SHA256;
}

static ES_RESULT check_hash(const EVP_PKEY *pk, eseal_hash hash)
{
    /* probes.md §1: SM2 only accepts SM3; and SM3 with ECDSA is not SM2. */
    if (EVP_PKEY_is_a(pk, "SM2")) {
        ES_ENSURE(hash == ESEAL_HASH_SM3, ESEAL_EUNSUPPORTED, "SM2 keys sign with SM3 only, not %s",
                  eseal_hash_name(hash));
    } else if (!EVP_PKEY_is_a(pk, "ED25519")) {
        ES_ENSURE(hash != ESEAL_HASH_SM3, ESEAL_EUNSUPPORTED, "SM3 is used with SM2 keys only");
    }
    return ES_OK;
}

/* ---- the in-memory backend ------------------------------------------------ */

typedef struct {
    EVP_PKEY *pk;
} mem_key;

static int mem_sign(void *ctx, eseal_buf *out, eseal_hash hash, eseal_sig_scheme scheme, const uint8_t *data,
                    size_t len);
static int mem_public_der(void *ctx, eseal_buf *out);
static void mem_free(void *ctx);

static void *mem_openssl_pkey(void *ctx) { return ((mem_key *)ctx)->pk; }

static const eseal_key_backend mem_backend = {.version = ESEAL_KEY_BACKEND_VERSION,
                                              .name = "file",
                                              .sign = mem_sign,
                                              .public_der = mem_public_der,
                                              .free = mem_free,
                                              .openssl_pkey = mem_openssl_pkey,
                                              .hardware = NULL};

ES_RESULT es_sign_pkey(es_buf *out, EVP_PKEY *pk, eseal_hash hash, eseal_sig_scheme scheme, es_span data)
{
    hash = resolve_hash(pk, hash);
    ES_GUARD(check_hash(pk, hash));
    ES_AUTO(EVP_MD_CTX_freep) EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    ES_ENSURE_ALLOC(mctx);
    EVP_PKEY_CTX *pctx = NULL; /* owned by mctx */
    ES_GUARD_OSSL(EVP_DigestSignInit_ex(mctx, &pctx, md_name_for(pk, hash), NULL, NULL, pk, NULL),
                  "starting a signature");
    ES_GUARD(es_pctx_setup(pctx, pk, scheme, NULL));
    size_t siglen = 0;
    ES_GUARD_OSSL(EVP_DigestSign(mctx, NULL, &siglen, data.ptr, data.len), "sizing a signature");
    ES_GUARD(es_buf_reserve(out, siglen));
    ES_GUARD_OSSL(EVP_DigestSign(mctx, out->ptr + out->len, &siglen, data.ptr, data.len), "signing");
    out->len += siglen;
    out->ptr[out->len] = '\0';
    return ES_OK;
}

static int mem_sign(void *ctx, eseal_buf *out, eseal_hash hash, eseal_sig_scheme scheme, const uint8_t *data,
                    size_t len)
{
    mem_key *k = ctx;
    es_buf b = ES_BUF_INIT(ES_SIG_MAX);
    es_result r = es_sign_pkey(&b, k->pk, hash, scheme, es_span_of(data, len));
    if (!es_ok(r)) {
        es_buf_free(&b);
        return es_code(r);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

static ES_RESULT pkey_public_der(es_buf *out, const EVP_PKEY *pk)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(pk, &der);
    return es_take_der(out, der, n, "encoding a public key");
}

static int mem_public_der(void *ctx, eseal_buf *out)
{
    mem_key *k = ctx;
    es_buf b = ES_BUF_INIT(ES_SPKI_DER_MAX);
    es_result r = pkey_public_der(&b, k->pk);
    if (!es_ok(r)) {
        es_buf_free(&b);
        return es_code(r);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

static void mem_free(void *ctx)
{
    mem_key *k = ctx;
    if (k != NULL) {
        EVP_PKEY_free(k->pk); /* OpenSSL clears private key material on free */
        es_free(k);
    }
}

int eseal_key_from_backend(eseal_key **out, const eseal_key_backend *backend, void *ctx, const char *label)
{
    ES_CHECK_VERSION_INT(backend, key_backend);
    if (out == NULL || backend->sign == NULL || backend->public_der == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid key backend"));
    }
    eseal_buf spki = ESEAL_BUF_INIT;
    int rc = backend->public_der(ctx, &spki);
    if (rc != ESEAL_OK) {
        return rc;
    }
    const unsigned char *p = spki.ptr;
    EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)spki.size);
    bool exact = pub != NULL && p == spki.ptr + spki.size;
    eseal_buf_dispose(&spki);
    if (!exact) {
        EVP_PKEY_free(pub);
        return es_code(es_ossl_error(ESEAL_EMALFORMED, __FILE__, __LINE__, "key backend returned a bad public key"));
    }
    eseal_key_alg alg = es_pkey_alg(pub);
    if (alg == ESEAL_ALG_NONE) {
        EVP_PKEY_free(pub);
        return es_code(es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__,
                                    "key algorithm is not one eseal signs with (SM2, P-256, P-384, RSA 2048/3072, Ed25519)"));
    }
    eseal_key *k = es_calloc(1, sizeof(*k));
    char *lab = es_strdup(label != NULL ? label : backend->name);
    if (k == NULL || lab == NULL) {
        es_free(k);
        es_free(lab);
        EVP_PKEY_free(pub);
        return es_code(es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory"));
    }
    k->backend = backend;
    k->ctx = ctx;
    k->alg = alg;
    k->label = lab;
    k->pub = pub;
    *out = k;
    return ESEAL_OK;
}

ES_RESULT es_key_wrap_pkey(eseal_key **out, EVP_PKEY *pk, const char *label)
{
    mem_key *mk = es_calloc(1, sizeof(*mk));
    ES_ENSURE_ALLOC(mk);
    mk->pk = pk;
    int rc = eseal_key_from_backend(out, &mem_backend, mk, label);
    if (rc != ESEAL_OK) {
        es_free(mk); /* the caller keeps pk */
        return es_from_code(rc);
    }
    return ES_OK;
}

EVP_PKEY *es_key_private_pkey(const eseal_key *key)
{
    if (key == NULL || key->backend != &mem_backend) {
        return NULL;
    }
    return ((mem_key *)key->ctx)->pk;
}

bool es_key_is_exportable(const eseal_key *key) { return es_key_private_pkey(key) != NULL; }

int eseal_key_hardware_info(const eseal_key *key, eseal_key_hardware *out)
{
    if (key == NULL || out == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "a key and an output are needed"));
    }
    memset(out, 0, sizeof(*out));
    if (key->backend->version < 2 || key->backend->hardware == NULL) {
        return es_code(es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "key %s is held in software", key->label));
    }
    int rc = key->backend->hardware(key->ctx, out);
    if (rc == ESEAL_OK) {
        /* Whatever the backend wrote, the strings end inside their fields. */
        out->kind[sizeof(out->kind) - 1] = '\0';
        out->serial[sizeof(out->serial) - 1] = '\0';
        out->label[sizeof(out->label) - 1] = '\0';
        out->key_id[sizeof(out->key_id) - 1] = '\0';
        out->chip_id[sizeof(out->chip_id) - 1] = '\0';
        out->maker[sizeof(out->maker) - 1] = '\0';
    }
    return rc;
}

EVP_PKEY *es_key_signing_pkey(const eseal_key *key)
{
    if (key == NULL || key->backend->openssl_pkey == NULL) {
        return NULL;
    }
    return key->backend->openssl_pkey(key->ctx);
}

static ES_RESULT generate(eseal_key **out, eseal_key_alg alg)
{
    EVP_PKEY *pk = NULL;
    switch (alg) {
    case ESEAL_ALG_SM2:
        /* probes.md §1: type "SM2", not EC on the SM2 curve. */
        pk = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
        break;
    case ESEAL_ALG_P256:
        pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        break;
    case ESEAL_ALG_P384:
        pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
        break;
    case ESEAL_ALG_RSA2048:
        pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
        break;
    case ESEAL_ALG_RSA3072:
        pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
        break;
    case ESEAL_ALG_ED25519:
        pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        break;
    case ESEAL_ALG_NONE:
    default:
        ES_BAIL(ESEAL_EUNSUPPORTED, "cannot generate a key of algorithm %d", (int)alg);
    }
    ES_ENSURE_OSSL(pk != NULL, ESEAL_ECRYPTO, "generating a key");
    es_result r = es_key_wrap_pkey(out, pk, "memory");
    if (!es_ok(r)) {
        EVP_PKEY_free(pk);
    }
    return r;
}

int eseal_key_generate(eseal_key **out, eseal_key_alg alg)
{
    if (out == NULL) {
        ES_BAIL_ARG("out == NULL");
    }
    return es_code(generate(out, alg));
}

eseal_key_alg eseal_key_algorithm(const eseal_key *key) { return key == NULL ? ESEAL_ALG_NONE : key->alg; }

const char *eseal_key_label(const eseal_key *key) { return key == NULL ? "" : key->label; }

int eseal_key_public_der(eseal_buf *out, const eseal_key *key)
{
    if (out == NULL || key == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument: key"));
    }
    es_buf b = ES_BUF_INIT(ES_SPKI_DER_MAX);
    es_result r = pkey_public_der(&b, key->pub);
    if (!es_ok(r)) {
        es_buf_free(&b);
        return es_code(r);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

ES_RESULT es_key_public_pem(es_buf *out, const eseal_key *key)
{
    ES_AUTO(BIO_free_allp) BIO *bio = BIO_new(BIO_s_mem());
    ES_ENSURE_ALLOC(bio);
    ES_GUARD_OSSL(PEM_write_bio_PUBKEY(bio, key->pub), "writing a public key");
    char *p = NULL;
    long n = BIO_get_mem_data(bio, &p);
    return es_buf_append(out, p, (size_t)n);
}

ES_RESULT es_key_sign_span(es_buf *out, eseal_key *key, eseal_hash hash, eseal_sig_scheme scheme, es_span data)
{
    ES_ENSURE_ARG(key != NULL);
    hash = resolve_hash(key->pub, hash);
    ES_GUARD(check_hash(key->pub, hash));
    eseal_buf sig = ESEAL_BUF_INIT;
    int rc = key->backend->sign(key->ctx, &sig, hash, scheme, data.ptr, data.len);
    if (rc != ESEAL_OK) {
        eseal_buf_dispose(&sig);
        return es_from_code(rc);
    }
    es_result r = es_buf_append(out, sig.ptr, sig.size);
    eseal_buf_dispose(&sig);
    return r;
}

int eseal_key_sign(eseal_buf *out, eseal_key *key, eseal_hash hash, eseal_sig_scheme scheme, const void *data,
                   size_t len)
{
    if (out == NULL || key == NULL || (data == NULL && len > 0)) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument to eseal_key_sign"));
    }
    hash = resolve_hash(key->pub, hash);
    es_result r = check_hash(key->pub, hash);
    if (!es_ok(r)) {
        return es_code(r);
    }
    /* Hand the caller's buffer straight to the backend: no copy on the hot path. */
    eseal_buf_dispose(out);
    return key->backend->sign(key->ctx, out, hash, scheme, data, len);
}

ES_RESULT es_verify_pkey(int *valid, EVP_PKEY *pub, eseal_hash hash, eseal_sig_scheme scheme, const char *sm2_id,
                         es_span data, es_span sig)
{
    *valid = 0;
    hash = resolve_hash(pub, hash);
    ES_GUARD(check_hash(pub, hash));
    ES_AUTO(EVP_MD_CTX_freep) EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    ES_ENSURE_ALLOC(mctx);
    EVP_PKEY_CTX *pctx = NULL;
    ES_GUARD_OSSL(EVP_DigestVerifyInit_ex(mctx, &pctx, md_name_for(pub, hash), NULL, NULL, pub, NULL),
                  "starting a signature check");
    ES_GUARD(es_pctx_setup(pctx, pub, scheme, sm2_id));
    if (scheme == ESEAL_SCHEME_RSA_PSS && EVP_PKEY_is_a(pub, "RSA")) {
        /* Accept any salt length the signer chose (RFC 4055 §3.1 lets it vary). */
        ES_GUARD_OSSL(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) > 0 ? 1 : 0, "PSS salt");
    }
    int rc = EVP_DigestVerify(mctx, sig.ptr, sig.len, data.ptr, data.len);
    /* 0 = mismatch, < 0 = malformed signature: both are "not valid", not errors. */
    *valid = rc == 1;
    ERR_clear_error();
    return ES_OK;
}

int eseal_signature_verify(int *valid, const void *spki_der, size_t spki_len, eseal_hash hash,
                           eseal_sig_scheme scheme, const void *data, size_t len, const void *sig, size_t sig_len)
{
    if (valid == NULL || spki_der == NULL || sig == NULL || (data == NULL && len > 0)) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument to eseal_signature_verify"));
    }
    const unsigned char *p = spki_der;
    EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)spki_len);
    if (pub == NULL || p != (const unsigned char *)spki_der + spki_len) {
        EVP_PKEY_free(pub);
        return es_code(es_ossl_error(ESEAL_EMALFORMED, __FILE__, __LINE__, "public key is not a DER SubjectPublicKeyInfo"));
    }
    es_result r = es_verify_pkey(valid, pub, hash, scheme, NULL, es_span_of(data, len), es_span_of(sig, sig_len));
    EVP_PKEY_free(pub);
    return es_code(r);
}

int eseal_key_verify(int *valid, const eseal_key *key, eseal_hash hash, eseal_sig_scheme scheme, const void *data,
                     size_t len, const void *sig, size_t sig_len)
{
    if (valid == NULL || key == NULL || sig == NULL || (data == NULL && len > 0)) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument to eseal_key_verify"));
    }
    return es_code(
        es_verify_pkey(valid, key->pub, hash, scheme, NULL, es_span_of(data, len), es_span_of(sig, sig_len)));
}

ES_RESULT es_sigalg_der(es_buf *out, EVP_PKEY *pub, eseal_hash hash, eseal_sig_scheme scheme)
{
    hash = resolve_hash(pub, hash);
    ES_GUARD(check_hash(pub, hash));
    ES_AUTO(EVP_MD_CTX_freep) EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    ES_ENSURE_ALLOC(mctx);
    EVP_PKEY_CTX *pctx = NULL;
    ES_GUARD_OSSL(EVP_DigestVerifyInit_ex(mctx, &pctx, md_name_for(pub, hash), NULL, NULL, pub, NULL),
                  "preparing a signature algorithm");
    ES_GUARD(es_pctx_setup(pctx, pub, scheme, NULL));
    unsigned char aid[256];
    OSSL_PARAM params[2] = {OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, aid, sizeof(aid)),
                            OSSL_PARAM_END};
    ES_GUARD_OSSL(EVP_PKEY_CTX_get_params(pctx, params), "getting the signature algorithm identifier");
    ES_ENSURE(OSSL_PARAM_modified(&params[0]) && params[0].return_size > 0, ESEAL_EUNSUPPORTED,
              "no algorithm identifier for this key and hash");
    return es_buf_append(out, aid, params[0].return_size);
}

ES_RESULT es_sm2_z(uint8_t out[32], es_span spki)
{
    /* GM/T 0003.2-2012 §5.5: Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA). */
    static const uint8_t curve[] = {
        /* a */ 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFC,
        /* b */ 0x28, 0xE9, 0xFA, 0x9E, 0x9D, 0x9F, 0x5E, 0x34, 0x4D, 0x5A, 0x9E, 0x4B, 0xCF, 0x65, 0x09, 0xA7,
        0xF3, 0x97, 0x89, 0xF5, 0x15, 0xAB, 0x8F, 0x92, 0xDD, 0xBC, 0xBD, 0x41, 0x4D, 0x94, 0x0E, 0x93,
        /* xG */ 0x32, 0xC4, 0xAE, 0x2C, 0x1F, 0x19, 0x81, 0x19, 0x5F, 0x99, 0x04, 0x46, 0x6A, 0x39, 0xC9, 0x94,
        0x8F, 0xE3, 0x0B, 0xBF, 0xF2, 0x66, 0x0B, 0xE1, 0x71, 0x5A, 0x45, 0x89, 0x33, 0x4C, 0x74, 0xC7,
        /* yG */ 0xBC, 0x37, 0x36, 0xA2, 0xF4, 0xF6, 0x77, 0x9C, 0x59, 0xBD, 0xCE, 0xE3, 0x6B, 0x69, 0x21, 0x53,
        0xD0, 0xA9, 0x87, 0x7C, 0xC6, 0x2A, 0x47, 0x40, 0x02, 0xDF, 0x32, 0xE5, 0x21, 0x39, 0xF0, 0xA0};
    const unsigned char *p = spki.ptr;
    ES_AUTO(EVP_PKEY_freep) EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)spki.len);
    ES_ENSURE_OSSL(pub != NULL, ESEAL_EMALFORMED, "reading an SM2 public key");
    ES_ENSURE(EVP_PKEY_is_a(pub, "SM2"), ESEAL_EINVAL, "not an SM2 public key");
    uint8_t point[65];
    size_t plen = 0;
    ES_GUARD_OSSL(EVP_PKEY_get_octet_string_param(pub, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof(point), &plen),
                  "reading the SM2 public point");
    ES_ENSURE(plen == 65 && point[0] == 0x04, ESEAL_EMALFORMED, "SM2 public point is not uncompressed");
    ES_AUTO(EVP_MD_CTX_freep) EVP_MD_CTX *m = EVP_MD_CTX_new();
    ES_ENSURE_ALLOC(m);
    uint8_t entl[2] = {0, ES_SM2_ID_LEN * 8};
    unsigned int zlen = 0;
    ES_GUARD_OSSL(EVP_DigestInit_ex(m, EVP_sm3(), NULL), "SM3");
    ES_GUARD_OSSL(EVP_DigestUpdate(m, entl, 2), "SM3");
    ES_GUARD_OSSL(EVP_DigestUpdate(m, ES_SM2_ID, ES_SM2_ID_LEN), "SM3");
    ES_GUARD_OSSL(EVP_DigestUpdate(m, curve, sizeof(curve)), "SM3");
    ES_GUARD_OSSL(EVP_DigestUpdate(m, point + 1, 64), "SM3");
    ES_GUARD_OSSL(EVP_DigestFinal_ex(m, out, &zlen), "SM3");
    return ES_OK;
}

void eseal_key_free(eseal_key *key)
{
    if (key == NULL) {
        return;
    }
    const eseal_key_backend *be = key->backend;
    if (be->free != NULL) {
        be->free(key->ctx);
    }
    EVP_PKEY_free(key->pub);
    es_free(key->label);
    es_free(key);
}
