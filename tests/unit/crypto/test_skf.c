/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SKF (GM/T 0016-2012) key backend, src/crypto/skf.c (issue 23 §2), against the project's test
 * double (tests/skf/, libeseal_skf_double.so: SM2 keys in a folder) or, when ESEAL_TEST_SKF_MODULE
 * is set, a real vendor module:
 *   ESEAL_TEST_SKF_MODULE  the vendor's SKF library (path)
 *   ESEAL_TEST_SKF_REF     the key: skf:dev=...;app=...;con=... (its container holds an SM2 signing pair)
 *   ESEAL_TEST_SKF_PIN     the user PIN
 * With a real module the tests that need the double's switches (wrong PINs, removal, a faulty
 * device) are skipped: a real device's tries are not ours to spend.
 *
 * The key refs, the signature (the Z value checked against OpenSSL's own SM2 computation both ways),
 * where the key is held, a wrong PIN counting down and locking, a device removed mid-use, a device
 * answering bad signatures, and a GB/T 38540 seal, a stamp and a CMS signature made with the key
 * through the library's public calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "../test_pki.h"

static struct {
    char dir[256];
    char module[4096];
    char ref[ES_SKF_REF_MAX + 1];
    char pin[ES_SKF_PIN_MAX + 1];
    bool real;
} g;

static const char *const double_ref = "skf:dev=eseal-double-1;app=ESEAL;con=seal";

static void path_in(char *out, size_t cap, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", g.dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

static void touch(const char *name)
{
    char p[512];
    path_in(p, sizeof(p), name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
}

static void untouch(const char *name)
{
    char p[512];
    path_in(p, sizeof(p), name);
    (void)unlink(p);
}

static long read_count(const char *name)
{
    char p[512], buf[32] = "";
    path_in(p, sizeof(p), name);
    FILE *f = fopen(p, "r");
    if (f == NULL) {
        return -1;
    }
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

static void write_count(const char *name, long v)
{
    char p[512];
    path_in(p, sizeof(p), name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fprintf(f, "%ld\n", v);
    fclose(f);
}

static int group_setup(void **state)
{
    (void)state;
    const char *m = getenv("ESEAL_TEST_SKF_MODULE");
    if (m != NULL && m[0] != '\0') {
        const char *r = getenv("ESEAL_TEST_SKF_REF"), *p = getenv("ESEAL_TEST_SKF_PIN");
        if (r == NULL || p == NULL) {
            fprintf(stderr, "ESEAL_TEST_SKF_MODULE needs ESEAL_TEST_SKF_REF and ESEAL_TEST_SKF_PIN\n");
            return -1;
        }
        g.real = true;
        snprintf(g.module, sizeof(g.module), "%s", m);
        snprintf(g.ref, sizeof(g.ref), "%s", r);
        snprintf(g.pin, sizeof(g.pin), "%s", p);
        return 0;
    }
    snprintf(g.dir, sizeof(g.dir), "/tmp/eseal-skf-XXXXXX");
    if (mkdtemp(g.dir) == NULL) {
        return -1;
    }
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "'%s' '%s' eseal-double-1 SN-0001-ESEAL 123456 seal signer", ESEAL_SKF_SETUP, g.dir);
    if (system(cmd) != 0) {
        return -1;
    }
    setenv("ESEAL_SKF_DOUBLE_DIR", g.dir, 1);
    snprintf(g.module, sizeof(g.module), "%s", ESEAL_SKF_DOUBLE);
    snprintf(g.ref, sizeof(g.ref), "%s", double_ref);
    snprintf(g.pin, sizeof(g.pin), "123456");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (!g.real && g.dir[0] != '\0') {
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g.dir);
        return system(cmd) == 0 ? 0 : -1;
    }
    return 0;
}

/* Each test starts from a present, sound device with all its tries. */
static int reset(void **state)
{
    (void)state;
    if (!g.real) {
        untouch("removed");
        untouch("faulty");
        untouch("hostile");
        write_count("retries", 6);
    }
    return 0;
}

static void open_key(eseal_key **k)
{
    es_result r = es_skf_key_open(k, g.module, g.ref, g.pin, strlen(g.pin));
    if (!es_ok(r)) {
        fail_msg("es_skf_key_open: %s", eseal_error_last()->message);
    }
}

/* ---- key refs --------------------------------------------------------------------------------- */

static void ref_parse_accepts(void **state)
{
    (void)state;
    es_skf_ref r;
    const char *t = "skf:dev=UKey%20A;app=ESEAL;con=seal";
    assert_true(es_ok(es_skf_ref_parse(&r, t, strlen(t))));
    assert_string_equal(r.dev, "UKey A");
    assert_string_equal(r.app, "ESEAL");
    assert_string_equal(r.con, "seal");
    /* Any order, the scheme in any case, dev and app may be left out, escapes of reserved bytes. */
    t = "SKF:con=a%3Bb%3Dc%25;app=x";
    assert_true(es_ok(es_skf_ref_parse(&r, t, strlen(t))));
    assert_string_equal(r.con, "a;b=c%");
    assert_string_equal(r.app, "x");
    assert_string_equal(r.dev, "");
    /* UTF-8 names as they are. */
    t = "skf:con=合同专用章";
    assert_true(es_ok(es_skf_ref_parse(&r, t, strlen(t))));
    assert_string_equal(r.con, "合同专用章");
    /* A value of exactly ES_SKF_NAME_MAX bytes. */
    char buf[ES_SKF_REF_MAX + 2];
    memset(buf, 0, sizeof(buf));
    memcpy(buf, "skf:con=", 8);
    memset(buf + 8, 'c', ES_SKF_NAME_MAX);
    assert_true(es_ok(es_skf_ref_parse(&r, buf, strlen(buf))));
    assert_int_equal(strlen(r.con), ES_SKF_NAME_MAX);
}

static void ref_parse_refuses(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int code;
    } bad[] = {
        {"", ESEAL_EMALFORMED},
        {"pkcs11:token=a;object=b", ESEAL_EMALFORMED},
        {"skf:", ESEAL_EMALFORMED},                       /* no con */
        {"skf:dev=a;app=b", ESEAL_EMALFORMED},            /* no con */
        {"skf:con=", ESEAL_EMALFORMED},                   /* empty value */
        {"skf:con", ESEAL_EMALFORMED},                    /* no '=' */
        {"skf:con=a;", ESEAL_EMALFORMED},                 /* trailing ';' */
        {"skf:con=a;;dev=b", ESEAL_EMALFORMED},           /* empty attribute */
        {"skf:con=a;con=b", ESEAL_EMALFORMED},            /* twice */
        {"skf:con=a;object=b", ESEAL_EMALFORMED},         /* unknown */
        {"skf:CON=a", ESEAL_EMALFORMED},                  /* names are case-sensitive */
        {"skf:con=a b", ESEAL_EMALFORMED},                /* a raw space */
        {"skf:con=a\tb", ESEAL_EMALFORMED},               /* a control byte */
        {"skf:con=a=b", ESEAL_EMALFORMED},                /* a raw '=' */
        {"skf:con=a%", ESEAL_EMALFORMED},                 /* a cut escape */
        {"skf:con=a%4", ESEAL_EMALFORMED},
        {"skf:con=a%zz", ESEAL_EMALFORMED},
        {"skf:con=a%00b", ESEAL_EMALFORMED},              /* a NUL */
        {"skf:con=a?x", ESEAL_EMALFORMED},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        es_skf_ref r;
        es_result res = es_skf_ref_parse(&r, bad[i].text, strlen(bad[i].text));
        if (es_code(res) != bad[i].code) {
            fail_msg("%s: got %d (%s)", bad[i].text, es_code(res), eseal_error_last()->message);
        }
    }
    /* Limits: a value one byte over, a ref over ES_SKF_REF_MAX (the key_id field's size). */
    char buf[ES_SKF_REF_MAX + 64];
    memset(buf, 0, sizeof(buf));
    memcpy(buf, "skf:con=", 8);
    memset(buf + 8, 'c', ES_SKF_NAME_MAX + 1);
    es_skf_ref r;
    assert_int_equal(es_code(es_skf_ref_parse(&r, buf, strlen(buf))), ESEAL_ELIMIT);
    memset(buf, 0, sizeof(buf));
    memcpy(buf, "skf:con=%41%41", 14);
    memset(buf + 14, 'c', ES_SKF_REF_MAX);
    assert_int_equal(es_code(es_skf_ref_parse(&r, buf, strlen(buf))), ESEAL_ELIMIT);
    /* The length given is the bound, not the NUL: bytes after it are not read. */
    assert_true(es_ok(es_skf_ref_parse(&r, "skf:con=ab;garbage", 10)));
    assert_string_equal(r.con, "ab");
}

/* ---- signing ---------------------------------------------------------------------------------- */

static EVP_PKEY *spki_pkey(eseal_key *k)
{
    eseal_buf spki = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_public_der(&spki, k), ESEAL_OK);
    const unsigned char *p = spki.ptr;
    EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)spki.size);
    assert_non_null(pk);
    assert_true(EVP_PKEY_is_a(pk, "SM2"));
    eseal_buf_dispose(&spki);
    return pk;
}

/* OpenSSL's own SM2 verification (it computes Z from the key and the ID itself). */
static int openssl_verify(EVP_PKEY *pk, const void *msg, size_t len, const uint8_t *sig, size_t sig_len)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    assert_int_equal(EVP_DigestVerifyInit(m, &pc, EVP_sm3(), NULL, pk), 1);
    assert_true(EVP_PKEY_CTX_set1_id(pc, "1234567812345678", 16) > 0);
    int ok = EVP_DigestVerify(m, sig, sig_len, msg, len);
    EVP_MD_CTX_free(m);
    return ok;
}

static void sign_and_verify(void **state)
{
    (void)state;
    eseal_key *k = NULL;
    open_key(&k);
    assert_int_equal(eseal_key_algorithm(k), ESEAL_ALG_SM2);
    assert_string_equal(eseal_key_label(k), g.ref);
    long before = g.real ? 0 : read_count("sign_count");
    static const char msg[] = "GB/T 38540 TBS_Sign bytes, for example";
    eseal_buf sig = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_sign(&sig, k, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT, msg, sizeof(msg) - 1), ESEAL_OK);
    if (!g.real) {
        assert_int_equal(read_count("sign_count"), before < 0 ? 1 : before + 1); /* the device signed */
    }
    int valid = 0;
    assert_int_equal(eseal_key_verify(&valid, k, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, msg, sizeof(msg) - 1, sig.ptr,
                                      sig.size),
                     ESEAL_OK);
    assert_int_equal(valid, 1);
    EVP_PKEY *pk = spki_pkey(k);
    assert_int_equal(openssl_verify(pk, msg, sizeof(msg) - 1, sig.ptr, sig.size), 1);
    /* Another message does not verify: the test can fail. */
    assert_int_not_equal(openssl_verify(pk, "other", 5, sig.ptr, sig.size), 1);
    /* Only SM3. */
    eseal_buf s2 = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_sign(&s2, k, ESEAL_HASH_SHA256, ESEAL_SCHEME_DEFAULT, msg, 3), ESEAL_EUNSUPPORTED);
    /* Two signatures of the same message differ (SM2's k is random) and both verify. */
    assert_int_equal(eseal_key_sign(&s2, k, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, msg, sizeof(msg) - 1), ESEAL_OK);
    assert_false(s2.size == sig.size && memcmp(s2.ptr, sig.ptr, sig.size) == 0);
    assert_int_equal(openssl_verify(pk, msg, sizeof(msg) - 1, s2.ptr, s2.size), 1);
    EVP_PKEY_free(pk);
    eseal_buf_dispose(&s2);
    eseal_buf_dispose(&sig);
    eseal_key_free(k);
}

/*
 * Z computed on our side is OpenSSL's: the device signed e = SM3(Z || M) with our Z, and OpenSSL's
 * SM2 (which derives Z itself) verifies it; the raw e verifies with EVP_PKEY_verify (no hashing);
 * and a signature OpenSSL makes in software with the container's key verifies through eseal.
 */
static void z_value_is_openssls(void **state)
{
    (void)state;
    eseal_key *k = NULL;
    open_key(&k);
    eseal_buf spki = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_public_der(&spki, k), ESEAL_OK);
    uint8_t z[32];
    assert_true(es_ok(es_sm2_z(z, es_span_of(spki.ptr, spki.size))));
    static const char msg[] = "abc";
    uint8_t e[32];
    unsigned int elen = 0;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestInit_ex(m, EVP_sm3(), NULL), 1);
    assert_int_equal(EVP_DigestUpdate(m, z, sizeof(z)), 1);
    assert_int_equal(EVP_DigestUpdate(m, msg, 3), 1);
    assert_int_equal(EVP_DigestFinal_ex(m, e, &elen), 1);
    EVP_MD_CTX_free(m);
    eseal_buf sig = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_sign(&sig, k, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, msg, 3), ESEAL_OK);
    EVP_PKEY *pk = spki_pkey(k);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pk, NULL);
    assert_int_equal(EVP_PKEY_verify_init(pc), 1);
    assert_int_equal(EVP_PKEY_verify(pc, sig.ptr, sig.size, e, elen), 1);
    e[0] ^= 1;
    assert_int_not_equal(EVP_PKEY_verify(pc, sig.ptr, sig.size, e, elen), 1);
    EVP_PKEY_CTX_free(pc);
    assert_int_equal(openssl_verify(pk, msg, 3, sig.ptr, sig.size), 1);
    if (!g.real) {
        /* OpenSSL signs in software with the key in the double's folder; eseal's SKF key verifies it. */
        char p[512];
        path_in(p, sizeof(p), "containers/seal/key.pem");
        FILE *f = fopen(p, "r");
        assert_non_null(f);
        EVP_PKEY *priv = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
        assert_non_null(priv);
        EVP_MD_CTX *s = EVP_MD_CTX_new();
        EVP_PKEY_CTX *spc = NULL;
        assert_int_equal(EVP_DigestSignInit(s, &spc, EVP_sm3(), NULL, priv), 1);
        assert_true(EVP_PKEY_CTX_set1_id(spc, "1234567812345678", 16) > 0);
        uint8_t soft[128];
        size_t slen = sizeof(soft);
        assert_int_equal(EVP_DigestSign(s, soft, &slen, (const uint8_t *)msg, 3), 1);
        EVP_MD_CTX_free(s);
        EVP_PKEY_free(priv);
        int valid = 0;
        assert_int_equal(eseal_key_verify(&valid, k, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, msg, 3, soft, slen),
                         ESEAL_OK);
        assert_int_equal(valid, 1);
    }
    EVP_PKEY_free(pk);
    eseal_buf_dispose(&sig);
    eseal_buf_dispose(&spki);
    eseal_key_free(k);
}

static void hardware_info(void **state)
{
    (void)state;
    eseal_key *k = NULL;
    open_key(&k);
    eseal_key_hardware hw;
    assert_int_equal(eseal_key_hardware_info(k, &hw), ESEAL_OK);
    assert_string_equal(hw.kind, "skf");
    assert_string_equal(hw.key_id, g.ref);
    assert_true(hw.serial[0] != '\0');
    assert_string_equal(hw.chip_id, "");
    if (!g.real) {
        assert_string_equal(hw.serial, "SN-0001-ESEAL");
        assert_string_equal(hw.label, "eseal-double");
        assert_string_equal(hw.maker, "eseal tests (test double)");
    }
    /* The certificate in the container, for the key. */
    es_buf der = ES_BUF_INIT(ES_SKF_CERT_MAX);
    assert_true(es_ok(es_skf_key_cert(&der, k)));
    eseal_cert *c = NULL;
    assert_int_equal(eseal_cert_parse(&c, der.ptr, der.len), ESEAL_OK);
    assert_int_equal(eseal_cert_matches_key(c, k), 1);
    eseal_cert_free(c);
    es_buf_free(&der);
    /* A software key is not in hardware, and has no SKF certificate. */
    eseal_key *soft = NULL;
    assert_int_equal(eseal_key_generate(&soft, ESEAL_ALG_SM2), ESEAL_OK);
    assert_int_equal(eseal_key_hardware_info(soft, &hw), ESEAL_ENOTFOUND);
    es_buf d2 = ES_BUF_INIT(ES_SKF_CERT_MAX);
    assert_int_equal(es_code(es_skf_key_cert(&d2, soft)), ESEAL_EINVAL);
    eseal_key_free(soft);
    eseal_key_free(k);
}

static void wrong_pin_counts_down_and_locks(void **state)
{
    (void)state;
    if (g.real) {
        skip();
    }
    eseal_key *k = NULL;
    assert_int_equal(es_code(es_skf_key_open(&k, g.module, g.ref, "000000", 6)), ESEAL_EPASS);
    assert_null(k);
    assert_non_null(strstr(eseal_error_last()->message, "5 tries left"));
    assert_int_equal(es_code(es_skf_key_open(&k, g.module, g.ref, "000000", 6)), ESEAL_EPASS);
    assert_non_null(strstr(eseal_error_last()->message, "4 tries left"));
    assert_int_equal(read_count("retries"), 4);
    /* The right PIN resets the counter. */
    open_key(&k);
    eseal_key_free(k);
    assert_int_equal(read_count("retries"), 6);
    /* Six wrong ones: five say what is left, the sixth locks; then the right PIN is refused too. */
    for (int i = 5; i >= 1; i--) {
        assert_int_equal(es_code(es_skf_key_open(&k, g.module, g.ref, "999999", 6)), ESEAL_EPASS);
        char want[32];
        snprintf(want, sizeof(want), "%d %s left", i, i == 1 ? "try" : "tries");
        if (strstr(eseal_error_last()->message, want) == NULL) {
            fail_msg("want \"%s\" in: %s", want, eseal_error_last()->message);
        }
    }
    assert_int_equal(es_code(es_skf_key_open(&k, g.module, g.ref, "999999", 6)), ESEAL_ERATE);
    assert_non_null(strstr(eseal_error_last()->message, "locked"));
    assert_int_equal(es_code(es_skf_key_open(&k, g.module, g.ref, g.pin, strlen(g.pin))), ESEAL_ERATE);
    assert_null(k);
    assert_int_equal(read_count("retries"), 0);
    /* No PIN, a PIN with a NUL, an over-long PIN: refused before the device counts them. */
    write_count("retries", 6);
    assert_int_equal(es_code(es_skf_key_open(&k, g.module, g.ref, "", 0)), ESEAL_EPASS);
    assert_int_equal(es_code(es_skf_key_open(&k, g.module, g.ref, "12\0456", 6)), ESEAL_EPASS);
    char longpin[ES_SKF_PIN_MAX + 2];
    memset(longpin, '1', sizeof(longpin));
    assert_int_equal(es_code(es_skf_key_open(&k, g.module, g.ref, longpin, sizeof(longpin))), ESEAL_ELIMIT);
    assert_int_equal(read_count("retries"), 6);
}

static void removed_mid_use(void **state)
{
    (void)state;
    if (g.real) {
        skip();
    }
    eseal_key *k = NULL;
    open_key(&k);
    eseal_buf sig = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_sign(&sig, k, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, "a", 1), ESEAL_OK);
    touch("removed");
    eseal_buf_dispose(&sig);
    assert_int_equal(eseal_key_sign(&sig, k, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, "a", 1), ESEAL_EIO);
    assert_non_null(strstr(eseal_error_last()->message, "removed"));
    assert_int_equal(sig.size, 0);
    eseal_key_hardware hw;
    assert_int_equal(eseal_key_hardware_info(k, &hw), ESEAL_EIO);
    assert_non_null(strstr(eseal_error_last()->message, "eseal-double-1 was removed"));
    /* Opening while it is out: no device. */
    eseal_key *k2 = NULL;
    assert_int_equal(es_code(es_skf_key_open(&k2, g.module, g.ref, g.pin, strlen(g.pin))), ESEAL_ENOTFOUND);
    assert_non_null(strstr(eseal_error_last()->message, "no device named \"eseal-double-1\""));
    /* Back in: the same handles answer again (the double keeps them; a real device may not). */
    untouch("removed");
    assert_int_equal(eseal_key_hardware_info(k, &hw), ESEAL_OK);
    assert_int_equal(eseal_key_sign(&sig, k, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, "a", 1), ESEAL_OK);
    eseal_buf_dispose(&sig);
    eseal_key_free(k); /* closes what it opened, whether or not the device answers */
}

static void faulty_device_refused(void **state)
{
    (void)state;
    if (g.real) {
        skip();
    }
    eseal_key *k = NULL;
    open_key(&k);
    size_t bad = es_skf_bad_signatures;
    touch("faulty");
    eseal_buf sig = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_sign(&sig, k, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, "a", 1), ESEAL_EVERIFY);
    assert_non_null(strstr(eseal_error_last()->message, "does not verify"));
    assert_int_equal(sig.size, 0);
    assert_int_equal(es_skf_bad_signatures, bad + 1);
    untouch("faulty");
    assert_int_equal(eseal_key_sign(&sig, k, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, "a", 1), ESEAL_OK);
    assert_int_equal(es_skf_bad_signatures, bad + 1);
    eseal_buf_dispose(&sig);
    eseal_key_free(k);
}

static void not_found_and_bad_modules(void **state)
{
    (void)state;
    eseal_key *k = NULL;
    assert_int_equal(es_code(es_skf_key_open(&k, "/nonexistent/libskf.so", g.ref, g.pin, strlen(g.pin))),
                     ESEAL_EUNSUPPORTED);
    assert_non_null(strstr(eseal_error_last()->message, "cannot load the SKF module"));
    /* A library that is not an SKF module. */
    assert_int_equal(es_code(es_skf_key_open(&k, "libc.so.6", g.ref, g.pin, strlen(g.pin))), ESEAL_EUNSUPPORTED);
    assert_non_null(strstr(eseal_error_last()->message, "has no SKF_"));
    assert_int_equal(es_code(es_skf_key_open(&k, g.module, "skf:con=", g.pin, strlen(g.pin))), ESEAL_EMALFORMED);
    if (g.real) {
        return;
    }
    assert_int_equal(es_code(es_skf_key_open(&k, g.module, "skf:dev=other;con=seal", g.pin, 6)), ESEAL_ENOTFOUND);
    assert_non_null(strstr(eseal_error_last()->message, "(there: eseal-double-1)"));
    assert_int_equal(es_code(es_skf_key_open(&k, g.module, "skf:app=NOPE;con=seal", g.pin, 6)), ESEAL_ENOTFOUND);
    assert_int_equal(es_code(es_skf_key_open(&k, g.module, "skf:con=nope", g.pin, 6)), ESEAL_ENOTFOUND);
    assert_non_null(strstr(eseal_error_last()->message, "(there: seal, signer)"));
    /* dev and app left out: the only device and application; the other container. */
    assert_true(es_ok(es_skf_key_open(&k, g.module, "skf:con=signer", g.pin, 6)));
    eseal_key_hardware hw;
    assert_int_equal(eseal_key_hardware_info(k, &hw), ESEAL_OK);
    assert_string_equal(hw.key_id, "skf:con=signer");
    assert_string_equal(hw.serial, "SN-0001-ESEAL");
    eseal_key_free(k);
    /* A container whose certificate is for another key: refused when opened. */
    char from[512], to[512];
    path_in(from, sizeof(from), "containers/signer/cert.der");
    path_in(to, sizeof(to), "containers/signer/cert.keep");
    assert_int_equal(rename(from, to), 0);
    char seal_cert[512], cmd[1200];
    path_in(seal_cert, sizeof(seal_cert), "containers/seal/cert.der");
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", seal_cert, from);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(es_code(es_skf_key_open(&k, g.module, "skf:con=signer", g.pin, 6)), ESEAL_EVERIFY);
    assert_non_null(strstr(eseal_error_last()->message, "does not hold the container's signing key"));
    /* No certificate at all: the key opens (a certificate is issued for it later). */
    assert_int_equal(unlink(from), 0);
    assert_true(es_ok(es_skf_key_open(&k, g.module, "skf:con=signer", g.pin, 6)));
    es_buf der = ES_BUF_INIT(ES_SKF_CERT_MAX);
    assert_int_equal(es_code(es_skf_key_cert(&der, k)), ESEAL_ENOTFOUND);
    eseal_key_free(k);
    assert_int_equal(rename(to, from), 0);
}

static void hostile_module_answers_refused(void **state)
{
    (void)state;
    if (g.real) {
        skip();
    }
    static const struct {
        const char *mode;
        int code;
        const char *says;
    } cases[] = {
        {"list_huge", ESEAL_ELIMIT, "a list of 2147483647 bytes"},
        {"list_no_nul", ESEAL_EMALFORMED, "has a name without its NUL"},
        {"blob_bits", ESEAL_EUNSUPPORTED, "512 bits"},
        {"blob_off_curve", ESEAL_EMALFORMED, "not a point of the SM2 curve"},
    };
    char p[512];
    path_in(p, sizeof(p), "hostile");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fputs(cases[i].mode, f);
        fclose(f);
        eseal_key *k = NULL;
        int rc = es_code(es_skf_key_open(&k, g.module, g.ref, g.pin, strlen(g.pin)));
        if (rc != cases[i].code || strstr(eseal_error_last()->message, cases[i].says) == NULL) {
            fail_msg("%s: %d %s", cases[i].mode, rc, eseal_error_last()->message);
        }
        assert_null(k);
    }
    /* A signature with bytes left of its 256 bits: refused before any DER is made. */
    untouch("hostile");
    eseal_key *k = NULL;
    open_key(&k);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("sig_wide", f);
    fclose(f);
    size_t bad = es_skf_bad_signatures;
    eseal_buf sig = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_sign(&sig, k, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, "a", 1), ESEAL_EVERIFY);
    assert_non_null(strstr(eseal_error_last()->message, "longer than 256 bits"));
    assert_int_equal(es_skf_bad_signatures, bad + 1);
    untouch("hostile");
    eseal_key_free(k);
}

/* A serial filling DEVINFO's 32 bytes without a NUL is read as its 32 bytes, nothing after. */
static void full_width_serial(void **state)
{
    (void)state;
    if (g.real) {
        skip();
    }
    char p[512], keep[512];
    path_in(p, sizeof(p), "device");
    path_in(keep, sizeof(keep), "device.keep");
    assert_int_equal(rename(p, keep), 0);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("name=eseal-double-1\nserial=0123456789ABCDEF0123456789ABCDEFXYZ\nlabel=L\nmaker=M\napp=ESEAL\n", f);
    fclose(f);
    eseal_key *k = NULL;
    open_key(&k);
    eseal_key_hardware hw;
    assert_int_equal(eseal_key_hardware_info(k, &hw), ESEAL_OK);
    assert_string_equal(hw.serial, "0123456789ABCDEF0123456789ABCDEF");
    eseal_key_free(k);
    assert_int_equal(rename(keep, p), 0);
}

/* A key made in the device: a new container, a new pair; it signs, and the same name is refused again. */
static void generate_in_device(void **state)
{
    (void)state;
    if (g.real) {
        skip(); /* containers are not the tests' to make on a real device */
    }
    eseal_key *k = NULL;
    const char *ref = "skf:con=made%20here";
    es_result r = es_skf_key_generate(&k, g.module, ref, g.pin, strlen(g.pin));
    if (!es_ok(r)) {
        fail_msg("es_skf_key_generate: %s", eseal_error_last()->message);
    }
    assert_int_equal(eseal_key_algorithm(k), ESEAL_ALG_SM2);
    eseal_buf sig = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_sign(&sig, k, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, "m", 1), ESEAL_OK);
    EVP_PKEY *pk = spki_pkey(k);
    assert_int_equal(openssl_verify(pk, "m", 1, sig.ptr, sig.size), 1);
    EVP_PKEY_free(pk);
    eseal_key_hardware hw;
    assert_int_equal(eseal_key_hardware_info(k, &hw), ESEAL_OK);
    assert_string_equal(hw.key_id, ref);
    es_buf der = ES_BUF_INIT(ES_SKF_CERT_MAX);
    assert_int_equal(es_code(es_skf_key_cert(&der, k)), ESEAL_ENOTFOUND); /* no certificate yet */
    eseal_buf_dispose(&sig);
    eseal_key_free(k);
    /* Opened again by its ref: the same key. */
    eseal_key *again = NULL;
    assert_true(es_ok(es_skf_key_open(&again, g.module, ref, g.pin, strlen(g.pin))));
    eseal_buf a = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_sign(&a, again, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, "m", 1), ESEAL_OK);
    eseal_buf_dispose(&a);
    eseal_key_free(again);
    assert_int_equal(es_code(es_skf_key_generate(&k, g.module, ref, g.pin, strlen(g.pin))), ESEAL_EEXISTS);
    assert_int_equal(es_code(es_skf_key_generate(&k, g.module, "skf:con=seal", g.pin, strlen(g.pin))), ESEAL_EEXISTS);
    assert_null(k);
    /* A wrong PIN makes nothing. */
    assert_int_equal(es_code(es_skf_key_generate(&k, g.module, "skf:con=other", "000000", 6)), ESEAL_EPASS);
    char p[512];
    struct stat st;
    path_in(p, sizeof(p), "containers/other");
    assert_int_not_equal(stat(p, &st), 0);
}

/* One key shared by threads (a server's workers): the backend serialises the calls into the module. */
static void *sign_many(void *arg)
{
    eseal_key *k = arg;
    for (int i = 0; i < 10; i++) {
        char msg[32];
        snprintf(msg, sizeof(msg), "message %d", i);
        eseal_buf sig = ESEAL_BUF_INIT;
        int valid = 0;
        if (eseal_key_sign(&sig, k, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, msg, strlen(msg)) != ESEAL_OK ||
            eseal_key_verify(&valid, k, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, msg, strlen(msg), sig.ptr, sig.size) !=
                ESEAL_OK ||
            !valid) {
            eseal_buf_dispose(&sig);
            return (void *)1;
        }
        eseal_buf_dispose(&sig);
    }
    return NULL;
}

static void threads_share_a_key(void **state)
{
    (void)state;
    eseal_key *k = NULL;
    open_key(&k);
    long before = g.real ? 0 : read_count("sign_count");
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, sign_many, k), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *rv = NULL;
        assert_int_equal(pthread_join(t[i], &rv), 0);
        assert_null(rv);
    }
    if (!g.real) {
        assert_int_equal(read_count("sign_count"), (before < 0 ? 0 : before) + 40);
    }
    eseal_key_free(k);
}

/* ---- the key through the library's signing calls ----------------------------------------------- */

static void seal_stamp_and_cms_with_skf_key(void **state)
{
    (void)state;
    eseal_key *k = NULL;
    open_key(&k);
    int64_t now = eseal_time_now();
    /* A software root certifies the device's key as a seal maker and as an organisation's key. */
    eseal_cert *root = NULL, *maker = NULL, *org = NULL;
    eseal_key *root_key = NULL;
    test_issue(&root, &root_key, ESEAL_ALG_SM2, ES_PROFILE_ROOT_CA, "Root", NULL, NULL, now - 60000,
               now + 86400000LL * 365);
    eseal_buf spki = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_public_der(&spki, k), ESEAL_OK);
    static const uint8_t serial1[] = {0x11, 0x22}, serial2[] = {0x33, 0x44};
    es_cert_spec s = {0};
    s.profile = ES_PROFILE_SEAL_MAKER;
    s.common_name = "SKF seal maker";
    s.organization = "Test";
    s.country = "CN";
    s.not_before_ms = now - 60000;
    s.not_after_ms = now + 86400000LL * 365;
    s.serial = serial1;
    s.serial_len = sizeof(serial1);
    assert_true(es_ok(es_cert_issue(&maker, &s, es_span_of(spki.ptr, spki.size), root_key, root)));
    s.profile = ES_PROFILE_ORG;
    s.common_name = "SKF organisation";
    s.serial = serial2;
    s.serial_len = sizeof(serial2);
    assert_true(es_ok(es_cert_issue(&org, &s, es_span_of(spki.ptr, spki.size), root_key, root)));
    assert_int_equal(eseal_cert_matches_key(maker, k), 1);

    /* The seal, made (signed by the device) and verified against the root. */
    eseal_buf org_der = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cert_der(&org_der, org), ESEAL_OK);
    eseal_bytes cert = {org_der.ptr, org_der.size};
    static const uint8_t png[] = "\x89PNG\r\n\x1a\n-not-a-real-picture";
    int64_t t = now / 1000 * 1000;
    eseal_seal_info in = ESEAL_SEAL_INFO_INIT;
    in.esid = "ES-SKF-0001";
    in.type = ESEAL_SEAL_CONTRACT;
    in.name = "北京示例科技有限公司合同专用章";
    in.cert_count = 1;
    in.certs = &cert;
    in.create_ms = t;
    in.valid_start_ms = t - 1000;
    in.valid_end_ms = t + 86400000LL * 30;
    in.picture_type = "PNG";
    in.picture = (eseal_bytes){png, sizeof(png) - 1};
    in.picture_width_mm = 40;
    in.picture_height_mm = 40;
    eseal_buf seal = ESEAL_BUF_INIT;
    assert_int_equal(eseal_ses_seal_make(&seal, &in, maker, k), ESEAL_OK);
    eseal_ses_seal *ss = NULL;
    assert_int_equal(eseal_ses_seal_decode(&ss, seal.ptr, seal.size), ESEAL_OK);
    int valid = 0;
    assert_int_equal(eseal_ses_seal_verify_signature(&valid, ss), ESEAL_OK);
    assert_int_equal(valid, 1);
    eseal_trust *trust = NULL;
    assert_int_equal(eseal_trust_new(&trust), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(trust, root), ESEAL_OK);
    eseal_report *rep = NULL;
    assert_int_equal(eseal_ses_seal_verify(&rep, ss, trust, 0), ESEAL_OK);
    /* No CRL for the root: the chain may be INDETERMINATE, never INVALID. */
    assert_int_not_equal(eseal_report_verdict(rep), ESEAL_INVALID);
    eseal_report_free(rep);

    /* A stamp (SES_Signature) signed by the device with the organisation's certificate. */
    uint8_t hash[32];
    memset(hash, 0x5a, sizeof(hash));
    eseal_ses_sign_request req = ESEAL_SES_SIGN_REQUEST_INIT;
    req.seal_der = seal.ptr;
    req.seal_len = seal.size;
    req.data_hash = hash;
    req.data_hash_len = sizeof(hash);
    req.property_info = "/Doc_0/Signs/Sign_0/Signature.xml";
    eseal_buf st = ESEAL_BUF_INIT;
    assert_int_equal(eseal_ses_signature_make(&st, &req, org, k), ESEAL_OK);
    eseal_ses_signature *sig = NULL;
    assert_int_equal(eseal_ses_signature_decode(&sig, st.ptr, st.size), ESEAL_OK);
    valid = 0;
    assert_int_equal(eseal_ses_signature_verify_signature(&valid, sig), ESEAL_OK);
    assert_int_equal(valid, 1);
    eseal_ses_signature_free(sig);

    /* A detached CMS signature, verified by eseal's CMS checks (signature and signer). */
    static const char doc[] = "a document signed with a key in an SKF device";
    eseal_buf p7s = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cms_sign(&p7s, k, org, doc, sizeof(doc) - 1, NULL), ESEAL_OK);
    assert_int_equal(eseal_cms_verify(&rep, p7s.ptr, p7s.size, doc, sizeof(doc) - 1, trust, NULL), ESEAL_OK);
    assert_int_not_equal(eseal_report_verdict(rep), ESEAL_INVALID);
    eseal_report_free(rep);
    assert_int_equal(eseal_cms_verify(&rep, p7s.ptr, p7s.size, "tampered", 8, trust, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_INVALID);
    eseal_report_free(rep);

    /* For tests/interop/skf_interop.sh: the files, checked there with plain OpenSSL and nothing of eseal. */
    const char *out_dir = getenv("ESEAL_SKF_OUT_DIR");
    if (out_dir != NULL && out_dir[0] != '\0') {
        const struct {
            const char *name;
            const void *p;
            size_t n;
        } files[] = {{"seal.esl", seal.ptr, seal.size}, {"stamp.dat", st.ptr, st.size},
                     {"doc.p7s", p7s.ptr, p7s.size},    {"doc.txt", doc, sizeof(doc) - 1},
                     {"root.der", NULL, 0}};
        eseal_buf root_der = ESEAL_BUF_INIT;
        assert_int_equal(eseal_cert_der(&root_der, root), ESEAL_OK);
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
            char p[4096];
            snprintf(p, sizeof(p), "%s/%s", out_dir, files[i].name);
            FILE *f = fopen(p, "wb");
            assert_non_null(f);
            const void *ptr = files[i].p != NULL ? files[i].p : root_der.ptr;
            size_t n = files[i].p != NULL ? files[i].n : root_der.size;
            assert_int_equal(fwrite(ptr, 1, n, f), n);
            fclose(f);
        }
        eseal_buf_dispose(&root_der);
    }

    /* The device gone: no seal is made, nothing is written. */
    if (!g.real) {
        touch("removed");
        eseal_buf none = ESEAL_BUF_INIT;
        assert_int_equal(eseal_ses_seal_make(&none, &in, maker, k), ESEAL_EIO);
        assert_int_equal(none.size, 0);
        untouch("removed");
    }

    eseal_buf_dispose(&p7s);
    eseal_buf_dispose(&st);
    eseal_ses_seal_free(ss);
    eseal_trust_free(trust);
    eseal_buf_dispose(&seal);
    eseal_buf_dispose(&org_der);
    eseal_buf_dispose(&spki);
    eseal_cert_free(maker);
    eseal_cert_free(org);
    eseal_cert_free(root);
    eseal_key_free(root_key);
    eseal_key_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ref_parse_accepts),
        cmocka_unit_test(ref_parse_refuses),
        cmocka_unit_test_setup(sign_and_verify, reset),
        cmocka_unit_test_setup(z_value_is_openssls, reset),
        cmocka_unit_test_setup(hardware_info, reset),
        cmocka_unit_test_setup(wrong_pin_counts_down_and_locks, reset),
        cmocka_unit_test_setup(removed_mid_use, reset),
        cmocka_unit_test_setup(faulty_device_refused, reset),
        cmocka_unit_test_setup(not_found_and_bad_modules, reset),
        cmocka_unit_test_setup(hostile_module_answers_refused, reset),
        cmocka_unit_test_setup(full_width_serial, reset),
        cmocka_unit_test_setup(threads_share_a_key, reset),
        cmocka_unit_test_setup(generate_in_device, reset),
        cmocka_unit_test_setup(seal_stamp_and_cms_with_skf_key, reset),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
