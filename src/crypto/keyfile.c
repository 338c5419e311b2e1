/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Encrypted key files: PKCS#8 PEM with PBES2 (RFC 8018) = scrypt (RFC 7914) +
 * AES-256-CBC. Created 0600 with O_EXCL, read with O_NOFOLLOW, passphrases
 * wiped after use.
 */
#include <string.h>

#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include "ossl.h"

#define ES_KEYFILE_MAX ES_KEYFILE_PEM_MAX

static ES_RESULT encrypt_pkcs8(es_buf *out_pem, EVP_PKEY *pk, const char *pass, size_t pass_len)
{
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);
    ES_ENSURE_OSSL(p8 != NULL, ESEAL_ECRYPTO, "encoding the private key");
    uint8_t salt[16];
    es_result r = es_random(salt, sizeof(salt));
    X509_ALGOR *pbe = NULL;
    if (es_ok(r)) {
        pbe = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), salt, sizeof(salt), NULL, ES_SCRYPT_N, ES_SCRYPT_R,
                                    ES_SCRYPT_P);
        if (pbe == NULL) {
            r = es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "setting up scrypt");
        }
    }
    X509_SIG *enc = NULL;
    if (es_ok(r)) {
        es_kdf_derivations++; /* PKCS8_set0_pbe derives the key from the passphrase */
        enc = PKCS8_set0_pbe(pass, (int)pass_len, p8, pbe);
        if (enc == NULL) {
            X509_ALGOR_free(pbe);
            r = es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "encrypting the private key");
        }
    }
    PKCS8_PRIV_KEY_INFO_free(p8);
    if (!es_ok(r)) {
        return r;
    }
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || PEM_write_bio_PKCS8(bio, enc) != 1) {
        BIO_free(bio);
        X509_SIG_free(enc);
        return es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "writing the encrypted key");
    }
    X509_SIG_free(enc);
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    r = es_buf_append(out_pem, data, (size_t)n);
    BIO_free(bio);
    return r;
}

int eseal_key_save(const eseal_key *key, const char *path, const char *pass, size_t pass_len)
{
    if (key == NULL || path == NULL || pass == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument to eseal_key_save"));
    }
    if (pass_len == 0) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__,
                                    "refusing to save %s with an empty passphrase", path));
    }
    if (pass_len > INT32_MAX) {
        return es_code(es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "passphrase too long"));
    }
    EVP_PKEY *pk = es_key_private_pkey(key);
    if (pk == NULL) {
        return es_code(es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__,
                                    "key %s lives in a token and cannot be written to a file", key->label));
    }
    es_buf pem = ES_BUF_INIT(ES_KEYFILE_MAX);
    pem.secret = true;
    es_result r = encrypt_pkcs8(&pem, pk, pass, pass_len);
    if (es_ok(r)) {
        r = es_file_write_new(path, pem.ptr, pem.len, 0600);
    }
    es_buf_free(&pem);
    return es_code(r);
}

typedef struct {
    const char *pass;
    size_t len;
    bool asked;
} pass_cb_data;

static int pass_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    pass_cb_data *d = u;
    d->asked = true;
    if (d->pass == NULL || d->len > (size_t)size) {
        return -1;
    }
    memcpy(buf, d->pass, d->len);
    return (int)d->len;
}

ES_RESULT es_key_load_pem(eseal_key **out, es_span pem, const char *what, const char *pass, size_t pass_len)
{
    ES_ENSURE(pem.len <= ES_KEYFILE_MAX, ESEAL_ELIMIT, "%s is larger than %d bytes", what, ES_KEYFILE_MAX);
    ES_AUTO(BIO_free_allp) BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    ES_ENSURE_ALLOC(bio);
    pass_cb_data d = {pass, pass_len, false};
    ERR_clear_error();
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, &d);
    es_kdf_derivations += d.asked && pass != NULL ? 1 : 0; /* an encrypted file: one derivation */
    if (pk == NULL) {
        unsigned long e = ERR_peek_last_error();
        int lib = ERR_GET_LIB(e);
        int reason = ERR_GET_REASON(e);
        bool has_begin = memmem(pem.ptr, pem.len, "-----BEGIN", 10) != NULL;
        bool encrypted = memmem(pem.ptr, pem.len, "ENCRYPTED", 9) != NULL;
        if (!has_begin) {
            ERR_clear_error();
            ES_BAIL(ESEAL_EMALFORMED, "%s is not a PEM private key", what);
        }
        if (encrypted && pass == NULL) {
            ERR_clear_error();
            ES_BAIL(ESEAL_EPASS, "%s is encrypted and no passphrase was given", what);
        }
        /* A wrong passphrase shows up as a decryption or padding failure. */
        if (encrypted && (reason == EVP_R_BAD_DECRYPT || lib == ERR_LIB_PKCS12 || lib == ERR_LIB_EVP ||
                          reason == PEM_R_BAD_DECRYPT || reason == PEM_R_BAD_PASSWORD_READ)) {
            ERR_clear_error();
            ES_BAIL(ESEAL_EPASS, "wrong passphrase for %s", what);
        }
        return es_ossl_error(ESEAL_EMALFORMED, __FILE__, __LINE__, what);
    }
    return es_key_from_pkey(out, pk, what);
}

ES_RESULT es_key_from_pkey(eseal_key **out, EVP_PKEY *pk, const char *what)
{
    if (es_pkey_alg(pk) == ESEAL_ALG_NONE) {
        EVP_PKEY_free(pk);
        ES_BAIL(ESEAL_EUNSUPPORTED, "%s holds a key algorithm eseal does not sign with", what);
    }
    es_buf label = ES_BUF_INIT(ES_KEY_LABEL_MAX);
    es_result r = es_buf_printf(&label, "file:%s", what);
    if (es_ok(r)) {
        r = es_key_wrap_pkey(out, pk, es_buf_cstr(&label));
    }
    es_buf_free(&label);
    if (!es_ok(r)) {
        EVP_PKEY_free(pk);
    }
    return r;
}

int eseal_key_load_mem(eseal_key **out, const void *pem, size_t len, const char *pass, size_t pass_len)
{
    if (out == NULL || pem == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument to eseal_key_load_mem"));
    }
    return es_code(es_key_load_pem(out, es_span_of(pem, len), "key", pass, pass_len));
}

int eseal_key_load(eseal_key **out, const char *path, const char *pass, size_t pass_len)
{
    if (out == NULL || path == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument to eseal_key_load"));
    }
    es_buf pem = ES_BUF_INIT(ES_KEYFILE_MAX);
    pem.secret = true;
    es_keyfile_opens++;
    es_result r = es_file_read(&pem, path, ES_KEYFILE_MAX);
    if (es_ok(r)) {
        r = es_key_load_pem(out, es_buf_span(&pem), path, pass, pass_len);
    }
    es_buf_free(&pem);
    return es_code(r);
}
