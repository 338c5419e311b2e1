/* SPDX-License-Identifier: Apache-2.0 */
/* PKCS#12 import, including legacy files (RC2-40 cert bags need OpenSSL's legacy provider). */
#include <stdlib.h>
#include <string.h>

#include <openssl/pkcs12.h>
#include <openssl/provider.h>

#include "ossl.h"

static OSSL_PROVIDER *legacy_prov, *default_prov;

/*
 * Unloaded at exit by us: a library linked into the same process (libqpdf)
 * may keep OpenSSL from cleaning up at exit, and the providers would then
 * outlive everything (leak checkers report them).
 */
static void unload_legacy(void)
{
    OSSL_PROVIDER_unload(legacy_prov);
    OSSL_PROVIDER_unload(default_prov);
    legacy_prov = default_prov = NULL;
}

static ES_RESULT load_legacy(void)
{
    /* Loaded once per process, on demand, for imports only; default stays available. */
    static _Thread_local bool loaded;
    if (loaded) {
        return ES_OK;
    }
    if (OSSL_PROVIDER_available(NULL, "legacy") != 1) {
        legacy_prov = OSSL_PROVIDER_load(NULL, "legacy");
        ES_ENSURE_OSSL(legacy_prov != NULL, ESEAL_EUNSUPPORTED,
                       "loading OpenSSL's legacy provider (needed for old PKCS#12 files)");
        default_prov = OSSL_PROVIDER_load(NULL, "default");
        ES_ENSURE_OSSL(default_prov != NULL, ESEAL_ECRYPTO, "loading the default provider");
        (void)atexit(unload_legacy);
    }
    loaded = true;
    return ES_OK;
}

ES_RESULT es_pkcs12_import(eseal_key **key, eseal_cert **cert, eseal_cert ***chain, size_t *chain_n, es_span p12,
                           const char *pass)
{
    ES_ENSURE(p12.len <= es_ctx_limits(NULL)->max_der_bytes, ESEAL_ELIMIT, "PKCS#12 file too large");
    const unsigned char *p = p12.ptr;
    PKCS12 *pk12 = d2i_PKCS12(NULL, &p, (long)p12.len);
    ES_ENSURE_OSSL(pk12 != NULL, ESEAL_EMALFORMED, "not a PKCS#12 file");
    if (PKCS12_verify_mac(pk12, pass, -1) != 1) {
        PKCS12_free(pk12);
        ERR_clear_error();
        ES_BAIL(ESEAL_EPASS, "wrong PKCS#12 password");
    }
    EVP_PKEY *pk = NULL;
    X509 *x = NULL;
    STACK_OF(X509) *ca = NULL;
    int ok = PKCS12_parse(pk12, pass, &pk, &x, &ca);
    if (ok != 1) {
        ERR_clear_error();
        es_result lr = load_legacy();
        if (!es_ok(lr)) {
            PKCS12_free(pk12);
            return lr;
        }
        ok = PKCS12_parse(pk12, pass, &pk, &x, &ca);
    }
    PKCS12_free(pk12);
    ES_ENSURE_OSSL(ok == 1, ESEAL_EMALFORMED, "reading the PKCS#12 contents");
    es_result r = ES_OK;
    if (key != NULL && pk != NULL) {
        if (es_pkey_alg(pk) == ESEAL_ALG_NONE) {
            r = es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__, "the PKCS#12 key algorithm is not supported");
        } else {
            r = es_key_wrap_pkey(key, pk, "pkcs12");
            if (es_ok(r)) {
                pk = NULL;
            }
        }
    }
    if (es_ok(r) && cert != NULL && x != NULL) {
        r = es_cert_wrap(cert, x);
        if (es_ok(r)) {
            x = NULL;
        }
    }
    if (es_ok(r) && chain != NULL) {
        int n = ca == NULL ? 0 : sk_X509_num(ca);
        *chain = n > 0 ? es_calloc((size_t)n, sizeof(eseal_cert *)) : NULL;
        *chain_n = 0;
        for (int i = 0; i < n && es_ok(r); i++) {
            X509 *c = sk_X509_value(ca, i);
            r = es_cert_wrap(&(*chain)[i], c);
            if (es_ok(r)) {
                (void)sk_X509_set(ca, i, NULL);
                (*chain_n)++;
            }
        }
    }
    EVP_PKEY_free(pk);
    X509_free(x);
    sk_X509_pop_free(ca, X509_free);
    return r;
}
