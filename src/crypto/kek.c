/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instance key-encryption key (KEK): one scrypt derivation opens every key of an instance.
 *
 * An instance's key files are ordinary encrypted PKCS#8 files (RFC 5958, PBES2 of RFC 8018 with
 * scrypt of RFC 7914 and AES-256-CBC), as eseal_key_save writes them and `openssl pkey -passin`
 * reads them, with one difference: they all carry the SAME scrypt salt and parameters, the
 * instance's (HOME/keys/kdf.params, core/kek.c). PBES2 uses the scrypt output directly as the
 * AES key, so that output is the key of every file: derived once (~0.1 s, 16 MiB) it opens them
 * all with one AES decryption each, where each file with its own salt cost one derivation. All
 * the keys are under one passphrase, so the extra derivations bought no resistance to guessing;
 * each file keeps its own random IV, so no two files are encrypted alike.
 *
 * OpenSSL's PKCS#8 functions derive from the passphrase every time and take no derived key, so
 * the two ends of PBES2 are done here with OpenSSL's primitives (EVP_PBE_scrypt, the PBES2 and
 * scrypt parameter structures, EVP AES-256-CBC): the files written are checked against OpenSSL's
 * own reader in tests/unit/crypto/test_kek.c, both ways.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ossl.h"

#define KEK_CHECK_LABEL "eseal instance key-encryption key check v1"
#define KEK_IV 16
#define KEYFILE_MAX ES_KEYFILE_PEM_MAX
/* OpenSSL's PKCS#8 reader caps scrypt memory at 32 MiB; the derivation here allows as much. */
#define KEK_MAXMEM (32u * 1024 * 1024)

_Atomic size_t es_kdf_derivations = 0;
_Atomic size_t es_keyfile_opens = 0;

ES_RESULT es_kek_derive(es_kek *k, const char *pass, size_t pass_len)
{
    ES_ENSURE_ARG(k != NULL && pass != NULL);
    ES_ENSURE(pass_len > 0, ESEAL_EPASS, "an empty passphrase opens no key");
    es_kdf_derivations++;
    ES_ENSURE_OSSL(EVP_PBE_scrypt(pass, pass_len, k->salt, sizeof(k->salt), k->n, k->r, k->p, KEK_MAXMEM, k->key,
                                  sizeof(k->key)) == 1,
                   ESEAL_ECRYPTO, "deriving the instance key-encryption key (scrypt)");
    return ES_OK;
}

ES_RESULT es_kek_new(es_kek *k, const char *pass, size_t pass_len)
{
    ES_ENSURE_ARG(k != NULL);
    memset(k, 0, sizeof(*k));
    k->n = ES_SCRYPT_N;
    k->r = ES_SCRYPT_R;
    k->p = ES_SCRYPT_P;
    ES_GUARD(es_random(k->salt, sizeof(k->salt)));
    return es_kek_derive(k, pass, pass_len);
}

ES_RESULT es_kek_check(const es_kek *k, uint8_t out[ES_KEK_CHECK])
{
    unsigned int n = 0;
    ES_ENSURE_OSSL(HMAC(EVP_sha256(), k->key, (int)sizeof(k->key), (const unsigned char *)KEK_CHECK_LABEL,
                        strlen(KEK_CHECK_LABEL), out, &n) != NULL &&
                       n == ES_KEK_CHECK,
                   ESEAL_ECRYPTO, "computing the key-encryption key's check value");
    return ES_OK;
}

ES_RESULT es_kek_verify(const es_kek *k, const uint8_t want[ES_KEK_CHECK], const char *what)
{
    uint8_t mine[ES_KEK_CHECK];
    ES_GUARD(es_kek_check(k, mine));
    bool same = CRYPTO_memcmp(mine, want, ES_KEK_CHECK) == 0;
    OPENSSL_cleanse(mine, sizeof(mine));
    ES_ENSURE(same, ESEAL_EPASS, "wrong passphrase for %s", what);
    return ES_OK;
}

void es_kek_wipe(es_kek *k)
{
    if (k != NULL) {
        OPENSSL_cleanse(k, sizeof(*k));
    }
}

static bool uint_is(const ASN1_INTEGER *a, uint64_t want)
{
    uint64_t v = 0;
    return a != NULL && ASN1_INTEGER_get_uint64(&v, a) == 1 && v == want;
}

/* Whether `alg` is PBES2 with scrypt under exactly k's salt and parameters and AES-256-CBC; the IV
 * into iv. Anything else (another salt: a file written before the instance had a KEK, or copied
 * from elsewhere) is not an error: the caller opens it with the passphrase. */
static bool under_kek(const X509_ALGOR *alg, const es_kek *k, uint8_t iv[KEK_IV])
{
    const ASN1_OBJECT *oid = NULL;
    int ptype = 0;
    const void *pval = NULL;
    X509_ALGOR_get0(&oid, &ptype, &pval, alg);
    if (OBJ_obj2nid(oid) != NID_pbes2 || ptype != V_ASN1_SEQUENCE) {
        return false;
    }
    PBE2PARAM *p2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
    if (p2 == NULL) {
        ERR_clear_error();
        return false;
    }
    bool ok = false;
    SCRYPT_PARAMS *sp = NULL;
    if (OBJ_obj2nid(p2->keyfunc->algorithm) == NID_id_scrypt && p2->keyfunc->parameter != NULL &&
        p2->keyfunc->parameter->type == V_ASN1_SEQUENCE) {
        sp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(SCRYPT_PARAMS), p2->keyfunc->parameter);
    }
    const ASN1_TYPE *ivp = p2->encryption->parameter;
    if (sp != NULL && ASN1_STRING_length(sp->salt) == (int)sizeof(k->salt) &&
        memcmp(ASN1_STRING_get0_data(sp->salt), k->salt, sizeof(k->salt)) == 0 &&
        uint_is(sp->costParameter, k->n) && uint_is(sp->blockSize, k->r) &&
        uint_is(sp->parallelizationParameter, k->p) && (sp->keyLength == NULL || uint_is(sp->keyLength, 32)) &&
        OBJ_obj2nid(p2->encryption->algorithm) == NID_aes_256_cbc && ivp != NULL &&
        ivp->type == V_ASN1_OCTET_STRING && ASN1_STRING_length(ivp->value.octet_string) == KEK_IV) {
        memcpy(iv, ASN1_STRING_get0_data(ivp->value.octet_string), KEK_IV);
        ok = true;
    }
    SCRYPT_PARAMS_free(sp);
    PBE2PARAM_free(p2);
    ERR_clear_error();
    return ok;
}

/* AES-256-CBC with PKCS#7 padding, as PBES2 specifies, in one call each way. */
static ES_RESULT cbc(es_buf *out, const es_kek *k, const uint8_t iv[KEK_IV], es_span in, bool enc)
{
    ES_AUTO(EVP_CIPHER_CTX_freep) EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    ES_ENSURE_ALLOC(c);
    ES_GUARD(es_buf_reserve(out, in.len + KEK_IV));
    int n = 0;
    int m = 0;
    int ok = EVP_CipherInit_ex(c, EVP_aes_256_cbc(), NULL, k->key, iv, enc ? 1 : 0) == 1 &&
             EVP_CipherUpdate(c, (unsigned char *)out->ptr, &n, in.ptr, (int)in.len) == 1 &&
             EVP_CipherFinal_ex(c, (unsigned char *)out->ptr + n, &m) == 1;
    ES_ENSURE_OSSL(ok, enc ? ESEAL_ECRYPTO : ESEAL_EPASS, enc ? "encrypting a key" : "decrypting a key");
    out->len = (size_t)n + (size_t)m;
    return ES_OK;
}

ES_RESULT es_key_load_kek(eseal_key **out, bool *other, es_span pem, const es_kek *k, const char *what)
{
    ES_ENSURE_ARG(out != NULL && other != NULL && k != NULL);
    *other = false;
    es_keyfile_opens++;
    ES_ENSURE(pem.len <= KEYFILE_MAX, ESEAL_ELIMIT, "%s is larger than %d bytes", what, KEYFILE_MAX);
    ES_AUTO(BIO_free_allp) BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    ES_ENSURE_ALLOC(bio);
    X509_SIG *sig = PEM_read_bio_PKCS8(bio, NULL, NULL, NULL);
    ERR_clear_error();
    const X509_ALGOR *alg = NULL;
    const ASN1_OCTET_STRING *ct = NULL;
    uint8_t iv[KEK_IV];
    if (sig != NULL) {
        X509_SIG_get0(sig, &alg, &ct);
    }
    if (sig == NULL || !under_kek(alg, k, iv)) {
        X509_SIG_free(sig);
        *other = true; /* not an encrypted PKCS#8 file under this KEK */
        return ES_OK;
    }
    es_buf der = ES_BUF_INIT(KEYFILE_MAX);
    der.secret = true;
    es_result r = cbc(&der, k, iv, es_span_of(ASN1_STRING_get0_data(ct), (size_t)ASN1_STRING_length(ct)), false);
    X509_SIG_free(sig);
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    if (es_ok(r)) {
        const unsigned char *p = (const unsigned char *)der.ptr;
        p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)der.len);
    }
    EVP_PKEY *pk = p8 != NULL ? EVP_PKCS82PKEY(p8) : NULL;
    PKCS8_PRIV_KEY_INFO_free(p8);
    es_buf_free(&der);
    ERR_clear_error();
    if (!es_ok(r) || pk == NULL) {
        /* The KEK was checked against the instance's check value: a file that does not open
         * under it was damaged or made under another passphrase with the same salt. */
        eseal_error_clear();
        ES_BAIL(ESEAL_EPASS, "%s does not open with the instance key (wrong passphrase, or a damaged key file)", what);
    }
    return es_key_from_pkey(out, pk, what);
}

ES_RESULT es_key_pem_kek(es_buf *out, const eseal_key *key, const es_kek *k)
{
    ES_ENSURE_ARG(out != NULL && key != NULL && k != NULL);
    EVP_PKEY *pk = es_key_private_pkey(key);
    ES_ENSURE(pk != NULL, ESEAL_EUNSUPPORTED, "key %s lives in a token and cannot be written to a file", key->label);
    uint8_t iv[KEK_IV];
    ES_GUARD(es_random(iv, sizeof(iv)));
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);
    ES_ENSURE_OSSL(p8 != NULL, ESEAL_ECRYPTO, "encoding the private key");
    unsigned char *der = NULL;
    int dn = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
    PKCS8_PRIV_KEY_INFO_free(p8);
    ES_ENSURE_OSSL(dn > 0, ESEAL_ECRYPTO, "encoding the private key");
    es_buf ct = ES_BUF_INIT(KEYFILE_MAX);
    es_result r = cbc(&ct, k, iv, es_span_of(der, (size_t)dn), true);
    OPENSSL_clear_free(der, (size_t)dn);
    /* The same AlgorithmIdentifier as eseal_key_save writes, with the instance's salt and this IV. */
    X509_ALGOR *pbe = NULL;
    if (es_ok(r)) {
        pbe = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), k->salt, sizeof(k->salt), iv, k->n, k->r, k->p);
        if (pbe == NULL) {
            r = es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "setting up the PBES2 parameters");
        }
    }
    X509_SIG *sig = es_ok(r) ? X509_SIG_new() : NULL;
    if (es_ok(r) && sig == NULL) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    }
    if (es_ok(r)) {
        X509_ALGOR *alg = NULL;
        ASN1_OCTET_STRING *oct = NULL;
        X509_SIG_getm(sig, &alg, &oct);
        const ASN1_OBJECT *oid = NULL;
        int ptype = 0;
        const void *pval = NULL;
        X509_ALGOR_get0(&oid, &ptype, &pval, pbe);
        ASN1_STRING *params = ASN1_STRING_dup(pval);
        ASN1_OBJECT *o = OBJ_dup(oid);
        if (params == NULL || o == NULL || X509_ALGOR_set0(alg, o, ptype, params) != 1 ||
            ASN1_OCTET_STRING_set(oct, (const unsigned char *)ct.ptr, (int)ct.len) != 1) {
            ASN1_STRING_free(params);
            ASN1_OBJECT_free(o);
            r = es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "assembling the encrypted key");
        }
    }
    X509_ALGOR_free(pbe);
    es_buf_free(&ct);
    BIO *bio = es_ok(r) ? BIO_new(BIO_s_mem()) : NULL;
    if (es_ok(r) && (bio == NULL || PEM_write_bio_PKCS8(bio, sig) != 1)) {
        r = es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "writing the encrypted key");
    }
    if (es_ok(r)) {
        char *data = NULL;
        long n = BIO_get_mem_data(bio, &data);
        r = es_buf_append(out, data, (size_t)n);
    }
    BIO_free(bio);
    X509_SIG_free(sig);
    return r;
}
