/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A public key given by someone else (a physical seal's chip, issue 23 §4): PEM ("PUBLIC KEY") or
 * SubjectPublicKeyInfo DER, read strictly (nothing may follow the key) and told apart by its curve,
 * so that the caller stores the DER eseal_signature_verify reads and knows which hash goes with it.
 */
#include <string.h>

#include <openssl/pem.h>

#include "ossl.h"

ES_RESULT es_spki_parse(es_buf *der, eseal_key_alg *alg, es_span in)
{
    ES_ENSURE(in.len > 0 && in.len <= 8192, ESEAL_EINVAL, "public key: %zu bytes (1 to 8192)", in.len);
    ES_AUTO(EVP_PKEY_freep) EVP_PKEY *pk = NULL;
    static const char pem_head[] = "-----BEGIN PUBLIC KEY-----";
    if (in.len >= sizeof(pem_head) - 1 && memmem(in.ptr, in.len, pem_head, sizeof(pem_head) - 1) != NULL) {
        ES_AUTO(BIO_free_allp) BIO *bio = BIO_new_mem_buf(in.ptr, (int)in.len);
        ES_ENSURE_ALLOC(bio);
        pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        ES_ENSURE_OSSL(pk != NULL, ESEAL_EMALFORMED, "public key: the PEM holds no SubjectPublicKeyInfo");
    } else {
        const unsigned char *p = in.ptr;
        pk = d2i_PUBKEY(NULL, &p, (long)in.len);
        ES_ENSURE_OSSL(pk != NULL && p == in.ptr + in.len, ESEAL_EMALFORMED,
                       "public key: neither PEM nor a DER SubjectPublicKeyInfo (with nothing after it)");
    }
    if (EVP_PKEY_is_a(pk, "SM2")) {
        *alg = ESEAL_ALG_SM2;
    } else if (EVP_PKEY_is_a(pk, "EC")) {
        char group[64] = "";
        size_t n = 0;
        ES_ENSURE(EVP_PKEY_get_utf8_string_param(pk, "group", group, sizeof(group), &n) == 1, ESEAL_EUNSUPPORTED,
                  "public key: an EC key without a named curve");
        if (strcmp(group, "SM2") == 0) {
            *alg = ESEAL_ALG_SM2;
        } else {
            ES_ENSURE(strcmp(group, "prime256v1") == 0, ESEAL_EUNSUPPORTED,
                      "public key: curve %s (a chip's key is P-256 or SM2)", group);
            *alg = ESEAL_ALG_P256;
        }
    } else {
        ES_BAIL(ESEAL_EUNSUPPORTED, "public key: a chip's key is P-256 or SM2, not %s", EVP_PKEY_get0_type_name(pk));
    }
    unsigned char *out = NULL;
    int n = i2d_PUBKEY(pk, &out);
    return es_take_der(der, out, n, "encoding a public key");
}
