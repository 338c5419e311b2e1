/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two primitives of the transparency log (src/tlog): SHA-256 fast enough
 * for Merkle trees, and raw Ed25519 keys as C2SP signed notes use them.
 */
#include <pthread.h>
#include <string.h>

#include "ossl.h"

/* ---- SHA-256 ----------------------------------------------------------------------------- */

/*
 * A Merkle node is 65 bytes: the digest's own work is two compression rounds,
 * so per-call overhead decides the speed. EVP_sha256() is fetched implicitly on
 * every init (about 350 ns a call here); a digest fetched once and a context
 * kept per thread bring a node hash to about 125 ns (measured on this machine,
 * OpenSSL 3.0, SHA-NI).
 */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;
static pthread_key_t sha256_ctx_key;
static bool sha256_key_ok;

static void sha256_ctx_free(void *p) { EVP_MD_CTX_free(p); }

static void sha256_init_once(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    sha256_key_ok = pthread_key_create(&sha256_ctx_key, sha256_ctx_free) == 0;
}

ES_RESULT es_sha256(uint8_t out[32], const es_span *parts, size_t n)
{
    ES_ENSURE(pthread_once(&sha256_once, sha256_init_once) == 0, ESEAL_ECRYPTO, "sha256: initialisation failed");
    ES_ENSURE_OSSL(sha256_md != NULL, ESEAL_ECRYPTO, "sha256: fetching the digest");
    ES_ENSURE(sha256_key_ok, ESEAL_ECRYPTO, "sha256: no thread-local slot for the digest context");
    EVP_MD_CTX *ctx = pthread_getspecific(sha256_ctx_key);
    if (ctx == NULL) {
        ctx = EVP_MD_CTX_new();
        ES_ENSURE_ALLOC(ctx);
        if (pthread_setspecific(sha256_ctx_key, ctx) != 0) {
            EVP_MD_CTX_free(ctx);
            ES_BAIL(ESEAL_ENOMEM, "sha256: cannot keep the digest context");
        }
    }
    ES_GUARD_OSSL(EVP_DigestInit_ex2(ctx, sha256_md, NULL), "sha256: starting a digest");
    for (size_t i = 0; i < n; i++) {
        if (parts[i].len > 0) {
            ES_GUARD_OSSL(EVP_DigestUpdate(ctx, parts[i].ptr, parts[i].len), "sha256: hashing");
        }
    }
    unsigned int len = 0;
    ES_GUARD_OSSL(EVP_DigestFinal_ex(ctx, out, &len), "sha256: finishing a digest");
    ES_ENSURE(len == 32, ESEAL_ECRYPTO, "sha256: digest of %u bytes", len);
    return ES_OK;
}

/* ---- Ed25519 ------------------------------------------------------------------------------ */

ES_RESULT es_ed25519_key_from_seed(eseal_key **out, const uint8_t seed[32])
{
    /* RFC 8032 §5.1.5: the 32-byte private key is the seed; OpenSSL derives the rest. */
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    ES_ENSURE_OSSL(pk != NULL, ESEAL_ECRYPTO, "ed25519: making a key from a seed");
    es_result r = es_key_wrap_pkey(out, pk, "ed25519 seed");
    if (!es_ok(r)) {
        EVP_PKEY_free(pk);
    }
    return r;
}

ES_RESULT es_ed25519_public_raw(uint8_t out[32], const eseal_key *key)
{
    ES_ENSURE_ARG(key != NULL);
    ES_ENSURE(key->alg == ESEAL_ALG_ED25519, ESEAL_EINVAL, "ed25519: key %s is %s, not ed25519", key->label,
              eseal_key_alg_name(key->alg));
    size_t len = 32;
    ES_GUARD_OSSL(EVP_PKEY_get_raw_public_key(key->pub, out, &len), "ed25519: reading the public key");
    ES_ENSURE(len == 32, ESEAL_ECRYPTO, "ed25519: public key of %zu bytes", len);
    return ES_OK;
}

ES_RESULT es_ed25519_verify(bool *valid, const uint8_t pub[32], es_span msg, es_span sig)
{
    *valid = false;
    if (sig.len != 64) {
        return ES_OK; /* RFC 8032 §5.1.7: a signature is exactly 64 bytes */
    }
    ES_AUTO(EVP_PKEY_freep) EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    ES_ENSURE_OSSL(pk != NULL, ESEAL_ECRYPTO, "ed25519: reading a public key");
    ES_AUTO(EVP_MD_CTX_freep) EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    ES_ENSURE_ALLOC(mctx);
    ES_GUARD_OSSL(EVP_DigestVerifyInit_ex(mctx, NULL, NULL, NULL, NULL, pk, NULL), "ed25519: starting a check");
    int rc = EVP_DigestVerify(mctx, sig.ptr, sig.len, msg.ptr, msg.len);
    /* 0 = mismatch, < 0 = a signature OpenSSL refuses to parse (s >= L): both are "not valid". */
    *valid = rc == 1;
    ERR_clear_error();
    return ES_OK;
}
