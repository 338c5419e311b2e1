/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The secrets of the accounts room (secret.h), host side: argument checks, the salt, the parsing
 * and bounding of stored hashes, and the credentials. The work on passwords is done by the
 * module eseal-pw.so (pw_module.h), loaded by the first call that needs it.
 *
 * A stored hash is read before anything is done with it. libargon2's argon2id_verify takes the
 * cost parameters out of the string it is given and allocates m KiB and runs t passes on p
 * threads: a stored hash with m=4294967295 would make it try to allocate 4 TiB. So the PHC string
 * is parsed here, strictly (the one form argon2id_hash_encoded writes, RFC 9106 parameters in the
 * PHC string format), and refused as ESEAL_EMALFORMED unless m <= 1 GiB, t <= 10, p <= 4 and its
 * salt and tag are 8..64 bytes, without loading the module.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "pw_module.h"

/* The defaults (docs/accounts.md, "Passwords and credentials"): 64 MiB, one lane, and the number
 * of passes that makes one hash take about 50 ms on the project's 2-core machine: t=1 measured
 * 52-66 ms (median), t=2 86-106 ms. The time through the module is printed by
 * tests/unit/accounts/test_secret.c's test_default_params with ESEAL_PW_TIMING=1. */
#define PW_DEFAULT_T 1
#define PW_DEFAULT_M_KIB 65536
#define PW_DEFAULT_P 1

/* The bounds of parameters, for ESEAL_PW_PARAMS, es_pw_hash's argument and a stored hash. */
#define PW_T_MAX 10
#define PW_M_MIN_KIB 8
#define PW_M_MAX_KIB 1048576 /* 1 GiB */
#define PW_P_MAX 4
#define PW_BYTES_MIN 8  /* salt and tag */
#define PW_BYTES_MAX 64 /* salt and tag */

/* RFC 9106 §3.1: at least 8p KiB of memory (libargon2 refuses fewer: ARGON2_MEMORY_TOO_LITTLE). */
static bool params_ok(const es_pw_params *p)
{
    return p->t_cost >= 1 && p->t_cost <= PW_T_MAX && p->lanes >= 1 && p->lanes <= PW_P_MAX &&
           p->m_cost_kib >= PW_M_MIN_KIB && p->m_cost_kib <= PW_M_MAX_KIB && p->m_cost_kib >= 8 * p->lanes;
}

/* A decimal number of at most 10 digits at *s, without a leading zero, not above max; *s moves
 * past it. */
static bool take_u32(const char **s, uint64_t max, uint32_t *out)
{
    const char *q = *s;
    uint64_t v = 0;
    size_t n = 0;
    while (q[n] >= '0' && q[n] <= '9') {
        if (n == 10) {
            return false;
        }
        v = v * 10 + (uint64_t)(q[n] - '0');
        n++;
    }
    if (n == 0 || (n > 1 && q[0] == '0') || v > max) {
        return false;
    }
    *out = (uint32_t)v;
    *s = q + n;
    return true;
}

static bool take_lit(const char **s, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*s, lit, n) != 0) {
        return false;
    }
    *s += n;
    return true;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The PHC string's base64 (RFC 4648 §4 alphabet, no padding) from *s to `end` (a '$' or the NUL):
 * its decoded length into *len; canonical only (the unused bits of the last character zero, as
 * libargon2's decoder also demands). */
static bool take_b64(const char **s, char end, size_t *len)
{
    const char *q = *s;
    size_t n = 0;
    while (q[n] != end && q[n] != '\0') {
        if (b64_value(q[n]) < 0) {
            return false;
        }
        n++;
    }
    if (q[n] != end || n % 4 == 1 || n == 0) {
        return false;
    }
    if (n % 4 != 0) {
        int last = b64_value(q[n - 1]);
        int unused = n % 4 == 2 ? 0x0f : 0x03;
        if ((last & unused) != 0) {
            return false;
        }
    }
    *len = n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
    *s = q + n;
    return true;
}

typedef struct {
    es_pw_params p;
    size_t salt_len;
    size_t tag_len;
} phc;

/* "$argon2id$v=19$m=M,t=T,p=P$SALT$TAG", the one form libargon2 writes, with bounded values. */
static ES_RESULT phc_parse(const char *enc, phc *out)
{
    size_t len = strnlen(enc, ES_PW_HASH_MAX);
    ES_ENSURE(len < ES_PW_HASH_MAX, ESEAL_EMALFORMED, "password hash: longer than %d bytes", ES_PW_HASH_MAX - 1);
    const char *s = enc;
    ES_ENSURE(take_lit(&s, "$argon2id$"), ESEAL_EMALFORMED, "password hash: not an argon2id PHC string");
    ES_ENSURE(take_lit(&s, "v=19$"), ESEAL_EMALFORMED, "password hash: not argon2 version 19 (0x13)");
    uint32_t m = 0;
    uint32_t t = 0;
    uint32_t p = 0;
    ES_ENSURE(take_lit(&s, "m=") && take_u32(&s, UINT32_MAX, &m) && take_lit(&s, ",t=") &&
                  take_u32(&s, UINT32_MAX, &t) && take_lit(&s, ",p=") && take_u32(&s, UINT32_MAX, &p) &&
                  take_lit(&s, "$"),
              ESEAL_EMALFORMED, "password hash: the parameters are not m=<KiB>,t=<passes>,p=<lanes>");
    ES_ENSURE(m <= PW_M_MAX_KIB, ESEAL_EMALFORMED, "password hash: m=%u KiB is more than %d KiB (1 GiB)", (unsigned)m,
              PW_M_MAX_KIB);
    ES_ENSURE(t >= 1 && t <= PW_T_MAX, ESEAL_EMALFORMED, "password hash: t=%u is not 1..%d", (unsigned)t, PW_T_MAX);
    ES_ENSURE(p >= 1 && p <= PW_P_MAX, ESEAL_EMALFORMED, "password hash: p=%u is not 1..%d", (unsigned)p, PW_P_MAX);
    ES_ENSURE(m >= 8 * p, ESEAL_EMALFORMED, "password hash: m=%u KiB is less than 8p (RFC 9106 §3.1)", (unsigned)m);
    size_t salt_len = 0;
    size_t tag_len = 0;
    ES_ENSURE(take_b64(&s, '$', &salt_len) && take_lit(&s, "$") && take_b64(&s, '\0', &tag_len), ESEAL_EMALFORMED,
              "password hash: the salt and the hash are not two base64 fields");
    ES_ENSURE(salt_len >= PW_BYTES_MIN && salt_len <= PW_BYTES_MAX, ESEAL_EMALFORMED,
              "password hash: a salt of %zu bytes (%d..%d)", salt_len, PW_BYTES_MIN, PW_BYTES_MAX);
    ES_ENSURE(tag_len >= PW_BYTES_MIN && tag_len <= PW_BYTES_MAX, ESEAL_EMALFORMED,
              "password hash: a hash of %zu bytes (%d..%d)", tag_len, PW_BYTES_MIN, PW_BYTES_MAX);
    *out = (phc){{t, m, p}, salt_len, tag_len};
    return ES_OK;
}

es_pw_params es_pw_params_default(void)
{
    es_pw_params d = {PW_DEFAULT_T, PW_DEFAULT_M_KIB, PW_DEFAULT_P};
    const char *env = secure_getenv("ESEAL_PW_PARAMS");
    if (env == NULL) {
        return d;
    }
    es_pw_params e = {0, 0, 0};
    const char *s = env;
    if (take_u32(&s, UINT32_MAX, &e.t_cost) && take_lit(&s, ",") && take_u32(&s, UINT32_MAX, &e.m_cost_kib) &&
        take_lit(&s, ",") && take_u32(&s, UINT32_MAX, &e.lanes) && *s == '\0' && params_ok(&e)) {
        return e;
    }
    return d;
}

static ES_RESULT module(const es_pw_module **out)
{
    const void *t = NULL;
    ES_GUARD(es_module_get(&t, "pw", sizeof(es_pw_module)));
    *out = t;
    return ES_OK;
}

static ES_RESULT password_len(const char *password, size_t *len)
{
    size_t n = strnlen(password, ES_PASSWORD_MAX + 1);
    ES_ENSURE(n > 0, ESEAL_EINVAL, "password: empty");
    ES_ENSURE(n <= ES_PASSWORD_MAX, ESEAL_EINVAL, "password: longer than %d bytes", ES_PASSWORD_MAX);
    *len = n;
    return ES_OK;
}

ES_RESULT es_pw_hash(char out[ES_PW_HASH_MAX], const char *password, const es_pw_params *p)
{
    ES_ENSURE_ARG(out != NULL && password != NULL);
    out[0] = '\0';
    size_t n = 0;
    ES_GUARD(password_len(password, &n));
    es_pw_params use = p != NULL ? *p : es_pw_params_default();
    ES_ENSURE(params_ok(&use), ESEAL_EINVAL, "password hash: parameters t=%u,m=%u,p=%u out of bounds",
              (unsigned)use.t_cost, (unsigned)use.m_cost_kib, (unsigned)use.lanes);
    const es_pw_module *m = NULL;
    ES_GUARD(module(&m));
    uint8_t salt[ES_PW_SALT_LEN];
    ES_GUARD(es_random(salt, sizeof(salt)));
    es_result r = m->hash(out, ES_PW_HASH_MAX, password, n, salt, sizeof(salt), &use);
    es_wipe(salt, sizeof(salt));
    if (!es_ok(r)) {
        out[0] = '\0';
    }
    return r;
}

ES_RESULT es_pw_verify(const char *encoded, const char *password, bool *ok)
{
    ES_ENSURE_ARG(encoded != NULL && password != NULL && ok != NULL);
    *ok = false;
    size_t n = 0;
    ES_GUARD(password_len(password, &n));
    phc h;
    ES_GUARD(phc_parse(encoded, &h));
    const es_pw_module *m = NULL;
    ES_GUARD(module(&m));
    return m->verify(encoded, password, n, ok);
}

void es_pw_burn(const char *password)
{
    size_t n = 0;
    if (password == NULL || !es_ok(password_len(password, &n))) {
        return; /* es_pw_verify refuses it as fast */
    }
    const es_pw_module *m = NULL;
    if (!es_ok(module(&m))) {
        return;
    }
    /* One hash with the current parameters: what es_pw_verify does for a hash made with them. The
     * salt need not be random (the result is thrown away) but must have a stored salt's length. */
    es_pw_params d = es_pw_params_default();
    uint8_t salt[ES_PW_SALT_LEN] = {0};
    char out[ES_PW_HASH_MAX];
    (void)es_ok(m->hash(out, sizeof(out), password, n, salt, sizeof(salt), &d));
    es_wipe(out, sizeof(out)); /* a hash of the password with a known salt: not to be left behind */
}

bool es_pw_needs_rehash(const char *encoded, const es_pw_params *p)
{
    phc h;
    if (encoded == NULL || p == NULL || !es_ok(phc_parse(encoded, &h))) {
        return true;
    }
    return h.p.t_cost != p->t_cost || h.p.m_cost_kib != p->m_cost_kib || h.p.lanes != p->lanes ||
           h.salt_len != ES_PW_SALT_LEN || h.tag_len != ES_PW_TAG_LEN;
}

ES_RESULT es_pw_quality(const char *password, const char *login)
{
    ES_ENSURE_ARG(password != NULL);
    ES_ENSURE(strnlen(password, ES_PASSWORD_MAX + 1) <= ES_PASSWORD_MAX, ESEAL_EINVAL,
              "password: longer than %d bytes", ES_PASSWORD_MAX);
    const es_pw_module *m = NULL;
    ES_GUARD(module(&m));
    bool ok = false;
    char why[256];
    ES_GUARD(m->quality(password, login, &ok, why, sizeof(why)));
    ES_ENSURE(ok, ESEAL_EINVAL, "password too weak: %s", why);
    return ES_OK;
}

/* RFC 4648 §5 (base64url), without padding: 4n/3 characters rounded up, and a NUL. */
static void b64url(char *out, const uint8_t *p, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n) {
            v |= (uint32_t)p[i + 1] << 8;
        }
        if (i + 2 < n) {
            v |= p[i + 2];
        }
        out[o++] = abc[(v >> 18) & 63];
        out[o++] = abc[(v >> 12) & 63];
        if (i + 1 < n) {
            out[o++] = abc[(v >> 6) & 63];
        }
        if (i + 2 < n) {
            out[o++] = abc[v & 63];
        }
    }
    out[o] = '\0';
}

#define CRED_BYTES 32
#define CRED_PREFIX_MAX 8

ES_RESULT es_cred_new(char out[ES_CRED_MAX], const char *prefix)
{
    ES_ENSURE_ARG(out != NULL);
    out[0] = '\0';
    if (prefix == NULL) {
        prefix = "";
    }
    size_t pn = strnlen(prefix, CRED_PREFIX_MAX + 1);
    ES_ENSURE(pn <= CRED_PREFIX_MAX, ESEAL_EINVAL, "credential: a prefix of more than %d characters",
              CRED_PREFIX_MAX);
    for (size_t i = 0; i < pn; i++) {
        ES_ENSURE((prefix[i] >= 'a' && prefix[i] <= 'z') || prefix[i] == '_', ESEAL_EINVAL,
                  "credential: the prefix may hold only a-z and _");
    }
    uint8_t raw[CRED_BYTES];
    ES_GUARD(es_random(raw, sizeof(raw)));
    memcpy(out, prefix, pn);
    b64url(out + pn, raw, sizeof(raw));
    es_wipe(raw, sizeof(raw));
    return ES_OK;
}

ES_RESULT es_cred_digest(char hex[ES_CRED_DIGEST_HEX], const char *cred)
{
    ES_ENSURE_ARG(hex != NULL && cred != NULL);
    hex[0] = '\0';
    size_t n = strnlen(cred, ES_CRED_MAX);
    ES_ENSURE(n > 0 && n < ES_CRED_MAX, ESEAL_EINVAL, "credential: not 1..%d characters", ES_CRED_MAX - 1);
    uint8_t d[32];
    es_span part = es_span_of(cred, n);
    ES_GUARD(es_sha256(d, &part, 1));
    es_hex_lower(hex, d, sizeof(d));
    es_wipe(d, sizeof(d));
    return ES_OK;
}

bool es_cred_matches(const char *cred, const char *digest_hex)
{
    if (cred == NULL || digest_hex == NULL || strnlen(digest_hex, ES_CRED_DIGEST_HEX) != ES_CRED_DIGEST_HEX - 1 ||
        !es_is_lower_hex(digest_hex, ES_CRED_DIGEST_HEX - 1)) {
        return false;
    }
    char mine[ES_CRED_DIGEST_HEX];
    if (!es_ok(es_cred_digest(mine, cred))) {
        return false;
    }
    bool same = es_ct_equal(mine, digest_hex, ES_CRED_DIGEST_HEX - 1);
    es_wipe(mine, sizeof(mine));
    return same;
}
