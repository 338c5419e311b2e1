/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The secrets of the accounts room (src/accounts/secret.h): argon2id password hashes through the
 * module eseal-pw.so, their bounds, password quality, and credentials.
 * ESEAL_PW_PARAMS=1,8192,1 keeps the hashes fast, except in test_default_params.
 * ESEAL_PW_TIMING=1 makes test_default_params print the time of one hash with the defaults (how
 * they were tuned, docs/accounts.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts/secret.h"
#include "util/module.h"

#define FAST "1,8192,1"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void expect_error(es_result r, int code, const char *part)
{
    assert_int_equal(es_code(r), code);
    const eseal_error *e = eseal_error_last();
    assert_int_equal(e->code, code);
    if (strstr(e->message, part) == NULL) {
        fail_msg("message \"%s\" lacks \"%s\"", e->message, part);
    }
}

/* Runs first: every malformed or out-of-bounds stored hash is refused before any work, so the
 * module is not even loaded by them (and needs_rehash never loads it). */
static void test_malformed_without_work(void **state)
{
    (void)state;
    assert_null(es_module_loaded("pw"));
    const char *salt = "c29tZXNhbHRzb21lc2FsdA"; /* 16 bytes */
    const char *tag = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; /* 32 bytes */
    char buf[400];
    struct {
        const char *fmt; /* %s salt, %s tag */
        const char *why;
    } bad[] = {
        {"$argon2i$v=19$m=8192,t=1,p=1$%s$%s", "not an argon2id"},
        {"$argon2d$v=19$m=8192,t=1,p=1$%s$%s", "not an argon2id"},
        {"$scrypt$ln=16,r=8,p=1$%s$%s", "not an argon2id"},
        {"$argon2id$v=16$m=8192,t=1,p=1$%s$%s", "version 19"},
        {"$argon2id$m=8192,t=1,p=1$%s$%s", "version 19"},
        {"$argon2id$v=19$m=2000000000,t=1,p=1$%s$%s", "m=2000000000 KiB is more than 1048576"},
        {"$argon2id$v=19$m=1048577,t=1,p=1$%s$%s", "m=1048577 KiB"},
        {"$argon2id$v=19$m=4294967296,t=1,p=1$%s$%s", "parameters are not"},
        {"$argon2id$v=19$m=8192,t=11,p=1$%s$%s", "t=11 is not 1..10"},
        {"$argon2id$v=19$m=8192,t=0,p=1$%s$%s", "t=0 is not"},
        {"$argon2id$v=19$m=8192,t=1,p=5$%s$%s", "p=5 is not 1..4"},
        {"$argon2id$v=19$m=16,t=1,p=4$%s$%s", "less than 8p"},
        {"$argon2id$v=19$m=08192,t=1,p=1$%s$%s", "parameters are not"},
        {"$argon2id$v=19$m=8192,p=1,t=1$%s$%s", "parameters are not"},
        {"$argon2id$v=19$m=8192,t=1$%s$%s", "parameters are not"},
        {"$argon2id$v=19$m=8192,t=1,p=1$%s", "two base64 fields"},
        {"$argon2id$v=19$m=8192,t=1,p=1$%s$%s$", "two base64 fields"},
        {"$argon2id$v=19$m=8192,t=1,p=1$$%s%s", "two base64 fields"},
        {"$argon2id$v=19$m=8192,t=1,p=1$%s$%s=", "two base64 fields"},
        {"$argon2id$v=19$m=8192,t=1,p=1$%s$%s-", "two base64 fields"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral" /* the table's formats, all with two %s */
        (void)snprintf(buf, sizeof(buf), bad[i].fmt, salt, tag);
#pragma GCC diagnostic pop
        bool ok = true;
        es_result r = es_pw_verify(buf, "correct horse", &ok);
        if (es_code(r) != ESEAL_EMALFORMED || strstr(eseal_error_last()->message, bad[i].why) == NULL) {
            fail_msg("%s: code %d, \"%s\" (wanted ESEAL_EMALFORMED, \"%s\")", buf, es_code(r),
                     eseal_error_last()->message, bad[i].why);
        }
        assert_false(ok);
        assert_true(es_pw_needs_rehash(buf, &(es_pw_params){1, 8192, 1}));
    }
    /* Salt and tag lengths: 8..64 bytes (a 7-byte salt is 10 characters, a 65-byte tag 87). */
    (void)snprintf(buf, sizeof(buf), "$argon2id$v=19$m=8192,t=1,p=1$AAAAAAAAAA$%s", tag);
    bool ok = true;
    expect_error(es_pw_verify(buf, "x", &ok), ESEAL_EMALFORMED, "a salt of 7 bytes (8..64)");
    (void)snprintf(buf, sizeof(buf), "$argon2id$v=19$m=8192,t=1,p=1$%s$AAAAAAAAAA", salt);
    expect_error(es_pw_verify(buf, "x", &ok), ESEAL_EMALFORMED, "a hash of 7 bytes (8..64)");
    /* Non-canonical base64 (bits left in the last character): libargon2 refuses it too. */
    (void)snprintf(buf, sizeof(buf), "$argon2id$v=19$m=8192,t=1,p=1$c29tZXNhbHRzb21lc2FsdB$%s", tag);
    expect_error(es_pw_verify(buf, "x", &ok), ESEAL_EMALFORMED, "two base64 fields");
    /* Overlong: ES_PW_HASH_MAX bytes or more, whatever they hold. */
    char lng[ES_PW_HASH_MAX + 8];
    memset(lng, 'A', sizeof(lng) - 1);
    lng[sizeof(lng) - 1] = '\0';
    memcpy(lng, "$argon2id$v=19$m=8192,t=1,p=1$", 30);
    expect_error(es_pw_verify(lng, "x", &ok), ESEAL_EMALFORMED, "longer than 191 bytes");
    expect_error(es_pw_verify("", "x", &ok), ESEAL_EMALFORMED, "not an argon2id");
    assert_false(ok);
    assert_null(es_module_loaded("pw"));
}

static void test_roundtrip(void **state)
{
    (void)state;
    es_pw_params p = es_pw_params_default();
    assert_int_equal(p.t_cost, 1);
    assert_int_equal(p.m_cost_kib, 8192);
    assert_int_equal(p.lanes, 1);
    char h[ES_PW_HASH_MAX];
    assert_int_equal(es_code(es_pw_hash(h, "correct horse battery staple", &p)), ESEAL_OK);
    assert_non_null(es_module_loaded("pw"));
    assert_true(strncmp(h, "$argon2id$v=19$m=8192,t=1,p=1$", 30) == 0);
    /* 16-byte salt (22 characters) and 32-byte tag (43 characters). */
    const char *salt = h + 30;
    const char *tag = strchr(salt, '$');
    assert_non_null(tag);
    assert_int_equal(tag - salt, 22);
    assert_int_equal(strlen(tag + 1), 43);
    bool ok = false;
    assert_int_equal(es_code(es_pw_verify(h, "correct horse battery staple", &ok)), ESEAL_OK);
    assert_true(ok);
    assert_int_equal(es_code(es_pw_verify(h, "correct horse battery stapl", &ok)), ESEAL_OK);
    assert_false(ok);
    assert_int_equal(es_code(es_pw_verify(h, "Correct horse battery staple", &ok)), ESEAL_OK);
    assert_false(ok);
    /* NULL params: the defaults (here ESEAL_PW_PARAMS). */
    char h2[ES_PW_HASH_MAX];
    assert_int_equal(es_code(es_pw_hash(h2, "correct horse battery staple", NULL)), ESEAL_OK);
    assert_true(strncmp(h2, "$argon2id$v=19$m=8192,t=1,p=1$", 30) == 0);
    /* Two hashes of one password differ (the salt), and both verify. */
    assert_string_not_equal(h, h2);
    assert_true(strncmp(h + 30, h2 + 30, 22) != 0);
    assert_int_equal(es_code(es_pw_verify(h2, "correct horse battery staple", &ok)), ESEAL_OK);
    assert_true(ok);
    /* Other parameters verify with the parameters written in the hash. */
    es_pw_params q = {2, 1024, 2};
    assert_int_equal(es_code(es_pw_hash(h2, "pw", &q)), ESEAL_OK);
    assert_true(strncmp(h2, "$argon2id$v=19$m=1024,t=2,p=2$", 30) == 0);
    assert_int_equal(es_code(es_pw_verify(h2, "pw", &ok)), ESEAL_OK);
    assert_true(ok);
    /* Parameters out of bounds are refused for new hashes too. */
    es_pw_params bad[] = {{0, 8192, 1}, {11, 8192, 1}, {1, 4, 1}, {1, 1048577, 1}, {1, 8192, 0}, {1, 8192, 5},
                          {1, 16, 4}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_error(es_pw_hash(h2, "pw", &bad[i]), ESEAL_EINVAL, "out of bounds");
        assert_string_equal(h2, "");
    }
}

/* One character of the tag, then of the salt, changed: a well-formed hash that no longer matches. */
static void test_tampered(void **state)
{
    (void)state;
    es_pw_params p = es_pw_params_default();
    char h[ES_PW_HASH_MAX];
    assert_int_equal(es_code(es_pw_hash(h, "Tr0ub4dor&3", &p)), ESEAL_OK);
    size_t salt_at = 30;
    size_t tag_at = (size_t)(strrchr(h, '$') - h) + 1;
    size_t at[] = {tag_at, tag_at + 20, salt_at, salt_at + 10};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        char t[ES_PW_HASH_MAX];
        memcpy(t, h, sizeof(t));
        t[at[i]] = t[at[i]] == 'A' ? 'B' : 'A'; /* a first or middle character: no unused bits */
        bool ok = true;
        assert_int_equal(es_code(es_pw_verify(t, "Tr0ub4dor&3", &ok)), ESEAL_OK);
        assert_false(ok);
    }
    /* Parameters changed in the string: another hash, no match either. */
    char t[ES_PW_HASH_MAX];
    memcpy(t, h, sizeof(t));
    t[24] = '2'; /* "t=1" -> "t=2" */
    assert_true(strncmp(t, "$argon2id$v=19$m=8192,t=2,p=1$", 30) == 0);
    bool ok = true;
    assert_int_equal(es_code(es_pw_verify(t, "Tr0ub4dor&3", &ok)), ESEAL_OK);
    assert_false(ok);
    assert_int_equal(es_code(es_pw_verify(h, "Tr0ub4dor&3", &ok)), ESEAL_OK);
    assert_true(ok);
}

static void test_password_length(void **state)
{
    (void)state;
    char h[ES_PW_HASH_MAX];
    char big[ES_PASSWORD_MAX + 2];
    memset(big, 'a', ES_PASSWORD_MAX + 1);
    big[ES_PASSWORD_MAX + 1] = '\0';
    expect_error(es_pw_hash(h, "", NULL), ESEAL_EINVAL, "password: empty");
    expect_error(es_pw_hash(h, big, NULL), ESEAL_EINVAL, "password: longer than 1024 bytes");
    assert_string_equal(h, "");
    /* 1024 bytes is allowed, and only its own 1024 bytes match. */
    big[ES_PASSWORD_MAX] = '\0';
    assert_int_equal(es_code(es_pw_hash(h, big, NULL)), ESEAL_OK);
    bool ok = false;
    assert_int_equal(es_code(es_pw_verify(h, big, &ok)), ESEAL_OK);
    assert_true(ok);
    big[ES_PASSWORD_MAX - 1] = 'b';
    assert_int_equal(es_code(es_pw_verify(h, big, &ok)), ESEAL_OK);
    assert_false(ok);
    /* Verify refuses the same lengths, with ok false. */
    ok = true;
    expect_error(es_pw_verify(h, "", &ok), ESEAL_EINVAL, "password: empty");
    assert_false(ok);
    big[ES_PASSWORD_MAX] = 'a';
    expect_error(es_pw_verify(h, big, &ok), ESEAL_EINVAL, "password: longer than 1024 bytes");
    expect_error(es_pw_quality(big, NULL), ESEAL_EINVAL, "password: longer than 1024 bytes");
    es_pw_burn(big); /* refused as fast as verify refuses it: nothing to see but no crash */
}

static void test_needs_rehash(void **state)
{
    (void)state;
    es_pw_params p = es_pw_params_default();
    char h[ES_PW_HASH_MAX];
    assert_int_equal(es_code(es_pw_hash(h, "a password", &p)), ESEAL_OK);
    assert_false(es_pw_needs_rehash(h, &p));
    assert_false(es_pw_needs_rehash(h, &(es_pw_params){1, 8192, 1}));
    assert_true(es_pw_needs_rehash(h, &(es_pw_params){2, 8192, 1}));
    assert_true(es_pw_needs_rehash(h, &(es_pw_params){1, 65536, 1}));
    assert_true(es_pw_needs_rehash(h, &(es_pw_params){1, 8192, 2}));
    assert_true(es_pw_needs_rehash("$argon2i$v=19$m=8192,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAA", &p));
    /* Same parameters but an 8-byte salt (another implementation's): rehashed to ours. */
    assert_true(es_pw_needs_rehash("$argon2id$v=19$m=8192,t=1,p=1$AAAAAAAAAAA$"
                                   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                   &p));
    assert_true(es_pw_needs_rehash(NULL, &p));
}

/* ESEAL_PW_PARAMS: taken when well formed and bounded, else ignored. */
static void test_params_env(void **state)
{
    (void)state;
    struct {
        const char *env;
        uint32_t t, m, p;
    } cases[] = {
        {"3,16384,2", 3, 16384, 2},  {"10,1048576,4", 10, 1048576, 4}, {"1,8,1", 1, 8, 1},
        {"0,8192,1", 1, 65536, 1},   {"11,8192,1", 1, 65536, 1},       {"1,1048577,1", 1, 65536, 1},
        {"1,8192,5", 1, 65536, 1},   {"1,16,4", 1, 65536, 1},          {"1,8192", 1, 65536, 1},
        {"1,8192,1,", 1, 65536, 1},  {" 1,8192,1", 1, 65536, 1},       {"", 1, 65536, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(setenv("ESEAL_PW_PARAMS", cases[i].env, 1), 0);
        es_pw_params p = es_pw_params_default();
        if (p.t_cost != cases[i].t || p.m_cost_kib != cases[i].m || p.lanes != cases[i].p) {
            fail_msg("ESEAL_PW_PARAMS=\"%s\": %u,%u,%u", cases[i].env, (unsigned)p.t_cost, (unsigned)p.m_cost_kib,
                     (unsigned)p.lanes);
        }
    }
    assert_int_equal(unsetenv("ESEAL_PW_PARAMS"), 0);
    es_pw_params d = es_pw_params_default();
    assert_int_equal(d.t_cost, 1);
    assert_int_equal(d.m_cost_kib, 65536);
    assert_int_equal(d.lanes, 1);
    assert_int_equal(setenv("ESEAL_PW_PARAMS", FAST, 1), 0);
}

/* The one test with the real defaults: at least OWASP's 19 MiB, and a round trip. */
static void test_default_params(void **state)
{
    (void)state;
    assert_int_equal(unsetenv("ESEAL_PW_PARAMS"), 0);
    es_pw_params d = es_pw_params_default();
    assert_true(d.m_cost_kib >= 19 * 1024);
    char h[ES_PW_HASH_MAX];
    double t0 = now_ms();
    assert_int_equal(es_code(es_pw_hash(h, "a default password", NULL)), ESEAL_OK);
    double t1 = now_ms();
    char want[64];
    (void)snprintf(want, sizeof(want), "$argon2id$v=19$m=%u,t=%u,p=%u$", (unsigned)d.m_cost_kib, (unsigned)d.t_cost,
                   (unsigned)d.lanes);
    assert_true(strncmp(h, want, strlen(want)) == 0);
    bool ok = false;
    assert_int_equal(es_code(es_pw_verify(h, "a default password", &ok)), ESEAL_OK);
    double t2 = now_ms();
    assert_true(ok);
    assert_false(es_pw_needs_rehash(h, &d));
    es_pw_burn("a default password");
    double t3 = now_ms();
    const char *timing = getenv("ESEAL_PW_TIMING");
    if (timing != NULL && timing[0] == '1') {
        /* Tuning: the median of 21 hashes (the first three above warm the module and the pages). */
        double ms[21];
        for (size_t i = 0; i < 21; i++) {
            double a = now_ms();
            assert_int_equal(es_code(es_pw_hash(h, "a default password", NULL)), ESEAL_OK);
            ms[i] = now_ms() - a;
        }
        for (size_t i = 1; i < 21; i++) {
            for (size_t j = i; j > 0 && ms[j - 1] > ms[j]; j--) {
                double x = ms[j];
                ms[j] = ms[j - 1];
                ms[j - 1] = x;
            }
        }
        printf("# argon2id t=%u m=%u KiB p=%u: hash %.1f ms, verify %.1f ms, burn %.1f ms; 21 hashes: min %.1f "
               "median %.1f max %.1f ms\n",
               (unsigned)d.t_cost, (unsigned)d.m_cost_kib, (unsigned)d.lanes, t1 - t0, t2 - t1, t3 - t2, ms[0], ms[10],
               ms[20]);
    }
    assert_int_equal(setenv("ESEAL_PW_PARAMS", FAST, 1), 0);
}

static void test_quality(void **state)
{
    (void)state;
    const char *weak[] = {"password", "123456", "Password1", "qwertyuiop"};
    for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
        eseal_error_clear();
        es_result r = es_pw_quality(weak[i], "alice");
        if (es_code(r) != ESEAL_EINVAL || strncmp(eseal_error_last()->message, "password too weak: ", 19) != 0 ||
            strlen(eseal_error_last()->message) <= 19) {
            fail_msg("\"%s\": code %d, \"%s\"", weak[i], es_code(r), eseal_error_last()->message);
        }
    }
    /* The login itself, and the login inside the password (reversed too, libpwquality's user check). */
    expect_error(es_pw_quality("margaret.hamilton", "margaret.hamilton"), ESEAL_EINVAL,
                 "password too weak: The password contains the user name in some form");
    expect_error(es_pw_quality("xQ7#margarethamilton", "margarethamilton"), ESEAL_EINVAL,
                 "password too weak: The password contains the user name in some form");
    /* The dictionary (cracklib) says why. */
    expect_error(es_pw_quality("dictionary", NULL), ESEAL_EINVAL, "password too weak: ");
    expect_error(es_pw_quality("", NULL), ESEAL_EINVAL, "password too weak: ");
    /* A long random passphrase, with and without a login. */
    assert_int_equal(es_code(es_pw_quality("vivid-otter-quantum-basalt-47", "alice")), ESEAL_OK);
    assert_int_equal(es_code(es_pw_quality("Gq8#vLm2!rT9zWk4", NULL)), ESEAL_OK);
}

static bool url_safe(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

static void test_cred_new(void **state)
{
    (void)state;
    char a[ES_CRED_MAX];
    char b[ES_CRED_MAX];
    assert_int_equal(es_code(es_cred_new(a, "esk_")), ESEAL_OK);
    assert_int_equal(es_code(es_cred_new(b, "esk_")), ESEAL_OK);
    assert_int_equal(strlen(a), 4 + 43);
    assert_true(strncmp(a, "esk_", 4) == 0);
    assert_true(url_safe(a + 4, 43));
    assert_string_not_equal(a, b);
    assert_int_equal(es_code(es_cred_new(a, "")), ESEAL_OK);
    assert_int_equal(strlen(a), 43);
    assert_true(url_safe(a, 43));
    assert_int_equal(es_code(es_cred_new(a, "abcdefg_")), ESEAL_OK);
    assert_int_equal(strlen(a), 8 + 43);
    assert_true(strncmp(a, "abcdefg_", 8) == 0);
    /* Over many credentials every base64url character shows up, and never '=', '+' or '/'. */
    bool seen[256] = {false};
    for (int i = 0; i < 200; i++) {
        assert_int_equal(es_code(es_cred_new(a, NULL)), ESEAL_OK);
        assert_int_equal(strlen(a), 43);
        assert_true(url_safe(a, 43));
        for (size_t j = 0; j < 43; j++) {
            seen[(unsigned char)a[j]] = true;
        }
    }
    assert_true(seen['-'] && seen['_'] && seen['A'] && seen['z'] && seen['0'] && seen['9']);
    expect_error(es_cred_new(a, "abcdefghi"), ESEAL_EINVAL, "a prefix of more than 8 characters");
    assert_string_equal(a, "");
    expect_error(es_cred_new(a, "Esk_"), ESEAL_EINVAL, "only a-z and _");
    expect_error(es_cred_new(a, "esk-"), ESEAL_EINVAL, "only a-z and _");
}

static void test_cred_digest(void **state)
{
    (void)state;
    /* printf %s esk_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG | sha256sum */
    const char *cred = "esk_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const char *want = "9286cef64ab72925de8c24d212af6545f495ba1ff9d58d24310f626427d805d5";
    char hex[ES_CRED_DIGEST_HEX];
    assert_int_equal(es_code(es_cred_digest(hex, cred)), ESEAL_OK);
    assert_string_equal(hex, want);
    assert_int_equal(strlen(hex), 64);
    assert_true(es_cred_matches(cred, want));
    /* One character off in the credential, or in the digest; an upper-case or short digest. */
    assert_false(es_cred_matches("esk_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFH", want));
    assert_false(es_cred_matches("esk_abcdefghijklmnopqrstuvwxyz0123456789ABCDEF", want));
    char other[ES_CRED_DIGEST_HEX];
    memcpy(other, want, sizeof(other));
    other[63] = '4';
    assert_false(es_cred_matches(cred, other));
    memcpy(other, want, sizeof(other));
    other[0] = 'A';
    assert_false(es_cred_matches(cred, other));
    assert_false(es_cred_matches(cred, "9286cef64ab72925de8c24d212af6545f495ba1ff9d58d24310f626427d805d"));
    assert_false(es_cred_matches(cred, "9286cef64ab72925de8c24d212af6545f495ba1ff9d58d24310f626427d805d5a"));
    assert_false(es_cred_matches(cred, ""));
    assert_false(es_cred_matches(NULL, want));
    /* A fresh credential matches its own digest and not another's. */
    char a[ES_CRED_MAX];
    char b[ES_CRED_MAX];
    assert_int_equal(es_code(es_cred_new(a, "esk_")), ESEAL_OK);
    assert_int_equal(es_code(es_cred_new(b, "esk_")), ESEAL_OK);
    assert_int_equal(es_code(es_cred_digest(hex, a)), ESEAL_OK);
    assert_true(es_cred_matches(a, hex));
    assert_false(es_cred_matches(b, hex));
    /* Empty and overlong presented credentials are refused, never digested. */
    expect_error(es_cred_digest(hex, ""), ESEAL_EINVAL, "not 1..63 characters");
    char big[ES_CRED_MAX + 1];
    memset(big, 'a', ES_CRED_MAX);
    big[ES_CRED_MAX] = '\0';
    expect_error(es_cred_digest(hex, big), ESEAL_EINVAL, "not 1..63 characters");
    assert_false(es_cred_matches(big, want));
}

/* The server checks passwords on several threads: each thread's verdicts and messages are its own
 * (the last error is per thread; pwquality_check runs one at a time inside the module). */
#define THREADS 4
#define ROUNDS 20

static void *worker(void *arg)
{
    int *bad = arg;
    char h[ES_PW_HASH_MAX];
    for (int i = 0; i < ROUNDS; i++) {
        bool ok = false;
        if (es_code(es_pw_quality("password", NULL)) != ESEAL_EINVAL ||
            strncmp(eseal_error_last()->message, "password too weak: ", 19) != 0) {
            (*bad)++;
        }
        if (es_code(es_pw_quality("vivid-otter-quantum-basalt-47", "alice")) != ESEAL_OK) {
            (*bad)++;
        }
        if (es_code(es_pw_hash(h, "vivid-otter-quantum-basalt-47", NULL)) != ESEAL_OK ||
            es_code(es_pw_verify(h, "vivid-otter-quantum-basalt-47", &ok)) != ESEAL_OK || !ok ||
            es_code(es_pw_verify(h, "vivid-otter-quantum-basalt-48", &ok)) != ESEAL_OK || ok) {
            (*bad)++;
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[THREADS];
    int bad[THREADS] = {0};
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, worker, &bad[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(bad[i], 0);
    }
}

int main(void)
{
    if (setenv("ESEAL_PW_PARAMS", FAST, 1) != 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_without_work), /* first: the module is not loaded yet */
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_password_length),
        cmocka_unit_test(test_needs_rehash),
        cmocka_unit_test(test_params_env),
        cmocka_unit_test(test_default_params),
        cmocka_unit_test(test_quality),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_cred_new),
        cmocka_unit_test(test_cred_digest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
