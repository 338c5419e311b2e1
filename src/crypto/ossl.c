/* SPDX-License-Identifier: Apache-2.0 */
/* OpenSSL glue: error translation, digests, randomness, base64, time. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ossl.h"

es_result es_ossl_error(int code, const char *file, int line, const char *what)
{
    unsigned long e = 0;
    unsigned long first = 0;
    const char *data = NULL;
    int flags = 0;
    const char *first_data = NULL;
    /* The earliest error in the queue is the deepest, most specific one. */
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        if (first == 0) {
            first = e;
            first_data = (flags & ERR_TXT_STRING) != 0 ? data : NULL;
        }
    }
    if (first == 0) {
        return es_error_set(code, file, line, "%s", what);
    }
    const char *reason = ERR_reason_error_string(first);
    char buf[256];
    if (reason == NULL) {
        ERR_error_string_n(first, buf, sizeof(buf));
        reason = buf;
    }
    if (first_data != NULL && first_data[0] != '\0') {
        return es_error_set(code, file, line, "%s: %s (%s)", what, reason, first_data);
    }
    return es_error_set(code, file, line, "%s: %s", what, reason);
}

const EVP_MD *es_md(eseal_hash hash)
{
    switch (hash) {
    case ESEAL_HASH_SHA256:
        return EVP_sha256();
    case ESEAL_HASH_SHA384:
        return EVP_sha384();
    case ESEAL_HASH_SHA512:
        return EVP_sha512();
    case ESEAL_HASH_SM3:
        return EVP_sm3();
    case ESEAL_HASH_DEFAULT:
    default:
        return NULL;
    }
}

eseal_hash es_hash_from_nid(int nid)
{
    switch (nid) {
    case NID_sha256:
        return ESEAL_HASH_SHA256;
    case NID_sha384:
        return ESEAL_HASH_SHA384;
    case NID_sha512:
        return ESEAL_HASH_SHA512;
    case NID_sm3:
        return ESEAL_HASH_SM3;
    default:
        return ESEAL_HASH_DEFAULT;
    }
}

const char *eseal_hash_name(eseal_hash hash)
{
    switch (hash) {
    case ESEAL_HASH_SHA256:
        return "SHA256";
    case ESEAL_HASH_SHA384:
        return "SHA384";
    case ESEAL_HASH_SHA512:
        return "SHA512";
    case ESEAL_HASH_SM3:
        return "SM3";
    case ESEAL_HASH_DEFAULT:
    default:
        return "default";
    }
}

int eseal_hash_from_name(eseal_hash *out, const char *name)
{
    static const struct {
        const char *n;
        eseal_hash h;
    } map[] = {{"sha256", ESEAL_HASH_SHA256}, {"sha-256", ESEAL_HASH_SHA256}, {"sha384", ESEAL_HASH_SHA384},
               {"sha-384", ESEAL_HASH_SHA384}, {"sha512", ESEAL_HASH_SHA512}, {"sha-512", ESEAL_HASH_SHA512},
               {"sm3", ESEAL_HASH_SM3}};
    if (out == NULL || name == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument: hash name"));
    }
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (es_strcasecmp(map[i].n, name) == 0) {
            *out = map[i].h;
            return ESEAL_OK;
        }
    }
    return es_code(es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__,
                                "unsupported hash '%s' (use sha256, sha384, sha512 or sm3)", name));
}

size_t es_hash_size(eseal_hash hash)
{
    const EVP_MD *md = es_md(hash);
    return md == NULL ? 0 : (size_t)EVP_MD_get_size(md);
}

ES_RESULT es_digest(uint8_t out[64], size_t *out_len, eseal_hash hash, es_span data)
{
    const EVP_MD *md = es_md(hash);
    ES_ENSURE(md != NULL, ESEAL_EUNSUPPORTED, "unsupported hash algorithm");
    unsigned int n = 0;
    ES_GUARD_OSSL(EVP_Digest(data.ptr, data.len, out, &n, md, NULL), "hashing");
    *out_len = n;
    return ES_OK;
}

ES_RESULT es_digest_spans(uint8_t out[64], size_t *out_len, eseal_hash hash, const es_span *parts, size_t n)
{
    const EVP_MD *md = es_md(hash);
    ES_ENSURE(md != NULL, ESEAL_EUNSUPPORTED, "unsupported hash algorithm");
    ES_AUTO(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ES_ENSURE_ALLOC(ctx);
    ES_GUARD_OSSL(EVP_DigestInit_ex(ctx, md, NULL), "starting a digest");
    for (size_t i = 0; i < n; i++) {
        ES_GUARD_OSSL(EVP_DigestUpdate(ctx, parts[i].ptr, parts[i].len), "hashing");
    }
    unsigned int len = 0;
    ES_GUARD_OSSL(EVP_DigestFinal_ex(ctx, out, &len), "finishing a digest");
    *out_len = len;
    return ES_OK;
}

struct es_hash_ctx {
    EVP_MD_CTX *md;
};

ES_RESULT es_hash_begin(es_hash_ctx **out, eseal_hash hash)
{
    const EVP_MD *md = es_md(hash);
    ES_ENSURE(md != NULL, ESEAL_EUNSUPPORTED, "unsupported hash algorithm");
    es_hash_ctx *c = es_calloc(1, sizeof(*c));
    ES_ENSURE_ALLOC(c);
    c->md = EVP_MD_CTX_new();
    if (c->md == NULL || EVP_DigestInit_ex(c->md, md, NULL) != 1) {
        es_hash_free(c);
        return es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "starting a digest");
    }
    *out = c;
    return ES_OK;
}

ES_RESULT es_hash_copy(es_hash_ctx **out, const es_hash_ctx *src)
{
    es_hash_ctx *c = es_calloc(1, sizeof(*c));
    ES_ENSURE_ALLOC(c);
    c->md = EVP_MD_CTX_new();
    if (c->md == NULL || EVP_MD_CTX_copy_ex(c->md, src->md) != 1) {
        es_hash_free(c);
        return es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "copying a digest's state");
    }
    *out = c;
    return ES_OK;
}

ES_RESULT es_hash_copy_into(es_hash_ctx *dst, const es_hash_ctx *src)
{
    ES_GUARD_OSSL(EVP_MD_CTX_copy_ex(dst->md, src->md), "copying a digest's state");
    return ES_OK;
}

ES_RESULT es_hash_update(es_hash_ctx *c, es_span data)
{
    ES_GUARD_OSSL(EVP_DigestUpdate(c->md, data.ptr, data.len), "hashing");
    return ES_OK;
}

ES_RESULT es_hash_end(es_hash_ctx *c, uint8_t out[64], size_t *out_len)
{
    unsigned int len = 0;
    ES_GUARD_OSSL(EVP_DigestFinal_ex(c->md, out, &len), "finishing a digest");
    *out_len = len;
    return ES_OK;
}

void es_hash_free(es_hash_ctx *c)
{
    if (c != NULL) {
        EVP_MD_CTX_free(c->md);
        es_free(c);
    }
}

ES_RESULT es_digest_file(uint8_t out[64], size_t *out_len, eseal_hash hash, const char *path, uint64_t max_bytes)
{
    const EVP_MD *md = es_md(hash);
    ES_ENSURE(md != NULL, ESEAL_EUNSUPPORTED, "unsupported hash algorithm");
    int fd = -1;
    struct stat st;
    ES_GUARD(es_open_regular(&fd, &st, path, false));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestInit_ex(ctx, md, NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        (void)close(fd);
        return es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "starting a digest");
    }
    static _Thread_local uint8_t chunk[1 << 17];
    uint64_t total = 0;
    es_result r = ES_OK;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n == 0) {
            break;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            r = es_error_set(ESEAL_EIO, __FILE__, __LINE__, "reading %s: %s", path, strerror(errno));
            break;
        }
        total += (uint64_t)n;
        if (total > max_bytes) {
            r = es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "%s is larger than the limit of %llu bytes", path,
                             (unsigned long long)max_bytes);
            break;
        }
        if (EVP_DigestUpdate(ctx, chunk, (size_t)n) != 1) {
            r = es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "hashing");
            break;
        }
    }
    unsigned int len = 0;
    if (es_ok(r) && EVP_DigestFinal_ex(ctx, out, &len) != 1) {
        r = es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, "finishing a digest");
    }
    *out_len = len;
    EVP_MD_CTX_free(ctx);
    (void)close(fd);
    return r;
}

ES_RESULT es_take_der(es_buf *out, unsigned char *der, int n, const char *what)
{
    if (n <= 0) {
        OPENSSL_free(der);
        return es_ossl_error(ESEAL_ECRYPTO, __FILE__, __LINE__, what);
    }
    es_result r = es_buf_append(out, der, (size_t)n);
    OPENSSL_free(der);
    return r;
}

ES_RESULT es_random(uint8_t *out, size_t n)
{
    ES_ENSURE(n <= INT32_MAX, ESEAL_EINVAL, "too many random bytes");
    ES_GUARD_OSSL(RAND_bytes(out, (int)n), "generating random bytes");
    return ES_OK;
}

ES_RESULT es_base64_encode(es_buf *out, es_span in)
{
    ES_ENSURE(in.len <= (size_t)INT32_MAX / 4 * 3 - 3, ESEAL_ELIMIT, "data too large to encode");
    size_t need = (in.len + 2) / 3 * 4;
    ES_GUARD(es_buf_reserve(out, need));
    int n = EVP_EncodeBlock(out->ptr + out->len, in.ptr, (int)in.len);
    ES_ENSURE(n >= 0, ESEAL_ECRYPTO, "base64 encoding failed");
    out->len += (size_t)n;
    out->ptr[out->len] = '\0';
    return ES_OK;
}

ES_RESULT es_base64_decode(es_buf *out, es_span in)
{
    /* Strict: no whitespace, length a multiple of 4, padding only at the end. */
    ES_ENSURE(in.len % 4 == 0 && in.len <= (size_t)INT32_MAX, ESEAL_EMALFORMED, "base64 text has a bad length");
    size_t need = in.len / 4 * 3;
    ES_GUARD(es_buf_reserve(out, need));
    int n = EVP_DecodeBlock(out->ptr + out->len, in.ptr, (int)in.len);
    ES_ENSURE(n >= 0, ESEAL_EMALFORMED, "invalid base64 text");
    size_t pad = 0;
    if (in.len > 0 && in.ptr[in.len - 1] == '=') {
        pad++;
        if (in.len > 1 && in.ptr[in.len - 2] == '=') {
            pad++;
        }
    }
    out->len += (size_t)n - pad;
    out->ptr[out->len] = '\0';
    return ES_OK;
}

int64_t es_asn1_time_ms(const ASN1_TIME *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
        return 0;
    }
    int64_t days = es_days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
    return (days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) * 1000;
}

ES_RESULT es_asn1_time_from_ms(ASN1_TIME **out, int64_t ms)
{
    /* RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after; ASN1_TIME_adj picks. */
    time_t secs = (time_t)(ms / 1000);
    ASN1_TIME *t = ASN1_TIME_adj(NULL, secs, 0, 0);
    ES_ENSURE_OSSL(t != NULL, ESEAL_ECRYPTO, "encoding a time");
    *out = t;
    return ES_OK;
}

/* The secure heap (OpenSSL's CRYPTO_secure_malloc: one mapping, locked in memory, left out of core
 * dumps, guard pages around it), where OpenSSL 3 puts private key numbers (BN_secure_new: EC, SM2,
 * RSA, Ed25519 seeds). A long-lived process that keeps decoded keys (the agent) sets it up once
 * before it decodes any; elsewhere keys live in the ordinary heap for the life of a command. */
ES_RESULT es_secure_heap_init(size_t bytes, bool *locked)
{
    *locked = false;
    if (CRYPTO_secure_malloc_initialized()) {
        *locked = true;
        return ES_OK;
    }
    int rc = CRYPTO_secure_malloc_init(bytes, 32);
    ES_ENSURE_OSSL(rc != 0, ESEAL_ENOMEM, "setting up the secure heap");
    *locked = rc == 1; /* 2: made, but mlock(2) refused (RLIMIT_MEMLOCK) */
    return ES_OK;
}

size_t es_secure_heap_used(void) { return CRYPTO_secure_malloc_initialized() ? CRYPTO_secure_used() : 0; }
