/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ES256 keys and signatures in the forms JOSE writes them (trust lists and registry answers, issue 24):
 * a JWK carries a P-256 key as its two affine coordinates (RFC 7518 §6.2.1), and a JWS carries an
 * ECDSA signature as r || s, 32 bytes each (RFC 7518 §3.4), where OpenSSL and eseal_key_sign speak
 * SubjectPublicKeyInfo and DER SEQUENCE{r, s}. Only this directory may include OpenSSL, so the
 * conversions live here and src/trustlist calls them.
 */
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>

#include "ossl.h"

/* RFC 5480 §2.1.1: SEQUENCE{SEQUENCE{id-ecPublicKey, prime256v1}, BIT STRING} and the point's 0x04
 * (uncompressed, SEC 1 §2.3.3); the 64 bytes of x and y follow. */
static const uint8_t p256_spki_head[27] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                           0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                           0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};

static void bn_freep(BIGNUM **p) { BN_free(*p); }
static void sig_freep(ECDSA_SIG **p) { ECDSA_SIG_free(*p); }

ES_RESULT es_p256_spki_point(uint8_t x[32], uint8_t y[32], es_span spki)
{
    ES_ENSURE(spki.len > 0 && spki.len <= ES_SPKI_DER_MAX, ESEAL_EMALFORMED, "public key: %zu bytes (1 to %d)",
              spki.len, ES_SPKI_DER_MAX);
    const unsigned char *p = spki.ptr;
    ES_AUTO(EVP_PKEY_freep) EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)spki.len);
    ES_ENSURE_OSSL(pk != NULL, ESEAL_EMALFORMED, "public key: not a DER SubjectPublicKeyInfo");
    ES_ENSURE(p == spki.ptr + spki.len, ESEAL_EMALFORMED, "public key: %zu bytes after the SubjectPublicKeyInfo",
              (size_t)(spki.ptr + spki.len - p));
    eseal_key_alg alg = es_pkey_alg(pk);
    ES_ENSURE(alg == ESEAL_ALG_P256, ESEAL_EUNSUPPORTED, "public key: %s, where ES256 takes a P-256 key",
              alg == ESEAL_ALG_NONE ? "an algorithm eseal does not use" : eseal_key_alg_name(alg));
    ES_AUTO(bn_freep) BIGNUM *bx = NULL;
    ES_AUTO(bn_freep) BIGNUM *by = NULL;
    ES_GUARD_OSSL(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &bx), "reading a P-256 point");
    ES_GUARD_OSSL(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &by), "reading a P-256 point");
    ES_ENSURE(BN_bn2binpad(bx, x, 32) == 32 && BN_bn2binpad(by, y, 32) == 32, ESEAL_EMALFORMED,
              "public key: a P-256 coordinate longer than 32 bytes");
    return ES_OK;
}

ES_RESULT es_p256_spki_from_point(es_buf *spki, const uint8_t x[32], const uint8_t y[32])
{
    uint8_t der[ES_P256_SPKI_LEN];
    memcpy(der, p256_spki_head, sizeof(p256_spki_head));
    memcpy(der + sizeof(p256_spki_head), x, 32);
    memcpy(der + sizeof(p256_spki_head) + 32, y, 32);
    /* Decoding sets the point, which OpenSSL refuses off the curve (EC_POINT_set_affine_coordinates);
     * the public check says it again, with the point at infinity and the coordinates' range. */
    const unsigned char *p = der;
    ES_AUTO(EVP_PKEY_freep) EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)sizeof(der));
    ES_ENSURE_OSSL(pk != NULL && p == der + sizeof(der), ESEAL_EMALFORMED, "JWK: (x, y) is not a point of P-256");
    ES_AUTO(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    ES_ENSURE_ALLOC(c);
    ES_ENSURE_OSSL(EVP_PKEY_public_check(c) == 1, ESEAL_EMALFORMED, "JWK: (x, y) is not a point of P-256");
    return es_buf_append(spki, der, sizeof(der));
}

ES_RESULT es_ecdsa_p256_der_to_raw(uint8_t raw[64], es_span der)
{
    ES_ENSURE(der.len > 0 && der.len <= 128, ESEAL_EMALFORMED, "ECDSA signature: %zu bytes of DER", der.len);
    const unsigned char *p = der.ptr;
    ES_AUTO(sig_freep) ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der.len);
    ES_ENSURE_OSSL(sig != NULL && p == der.ptr + der.len, ESEAL_EMALFORMED,
                   "ECDSA signature: not one DER SEQUENCE{r, s}");
    const BIGNUM *r = NULL, *s = NULL;
    ECDSA_SIG_get0(sig, &r, &s);
    ES_ENSURE(!BN_is_negative(r) && !BN_is_negative(s) && BN_bn2binpad(r, raw, 32) == 32 &&
                  BN_bn2binpad(s, raw + 32, 32) == 32,
              ESEAL_EMALFORMED, "ECDSA signature: r or s is not a P-256 number");
    return ES_OK;
}

ES_RESULT es_ecdsa_p256_raw_to_der(es_buf *der, const uint8_t raw[64])
{
    ES_AUTO(sig_freep) ECDSA_SIG *sig = ECDSA_SIG_new();
    ES_ENSURE_ALLOC(sig);
    BIGNUM *r = BN_bin2bn(raw, 32, NULL);
    BIGNUM *s = BN_bin2bn(raw + 32, 32, NULL);
    if (r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    unsigned char *out = NULL;
    int n = i2d_ECDSA_SIG(sig, &out);
    return es_take_der(der, out, n, "encoding an ECDSA signature");
}
