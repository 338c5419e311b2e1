/* SPDX-License-Identifier: Apache-2.0 */
/* HMAC-SHA256 over parts (crypto.h): OpenSSL's EVP_MAC, for the webhooks' signatures (docs/webhooks.md). */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ossl.h"

ES_RESULT es_hmac_sha256(uint8_t out[32], es_span key, const es_span *parts, size_t n)
{
    ES_ENSURE_ARG(out != NULL && (parts != NULL || n == 0) && (key.ptr != NULL || key.len == 0));
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    static const unsigned char none = 0;
    bool ok = ctx != NULL && EVP_MAC_init(ctx, key.len > 0 ? key.ptr : &none, key.len, params) == 1;
    for (size_t i = 0; ok && i < n; i++) {
        ok = parts[i].len == 0 || EVP_MAC_update(ctx, parts[i].ptr, parts[i].len) == 1;
    }
    size_t len = 0;
    ok = ok && EVP_MAC_final(ctx, out, &len, 32) == 1 && len == 32;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    ES_ENSURE_OSSL(ok, ESEAL_ECRYPTO, "HMAC-SHA256");
    return ES_OK;
}
