/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PKCS#11 keys (issue 23 §1; src/crypto/p11uri.c, pkcs11.c): RFC 7512 URIs parsed strictly (every
 * refusal with its code), formatted back canonically; the login errors, CKR_PIN_LOCKED included
 * (SoftHSM2 never reports it); the PIN's locked page; and, when SoftHSM2 is installed, a token in a
 * temporary folder: keys generated, opened by URI, signing P-256, RSA PKCS#1 v1.5 and PSS
 * (verified in software), certificates signed by the token (CA signing through OpenSSL), hardware()
 * asking the token each call, a removed token an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "eseal/sys/key_backend.h"

static int parse(es_p11_uri *u, const char *s) { return es_code(es_p11_uri_parse(u, es_span_of(s, strlen(s)))); }

static void uri_accepted(void **state)
{
    (void)state;
    es_p11_uri u;
    assert_int_equal(parse(&u, "pkcs11:token=My%20Token;object=seal-1"), ESEAL_OK);
    assert_string_equal(u.token, "My Token");
    assert_string_equal(u.object, "seal-1");
    assert_int_equal(u.id_len, 0);
    assert_int_equal(parse(&u, "PKCS11:serial=0123abcd;id=%01%02%ff;type=private"), ESEAL_OK);
    assert_string_equal(u.serial, "0123abcd");
    assert_int_equal(u.id_len, 3);
    assert_int_equal(u.id[2], 0xff);
    assert_int_equal(u.type, ES_P11_TYPE_PRIVATE);
    /* 公章 in UTF-8, percent-encoded, as a label */
    assert_int_equal(parse(&u, "pkcs11:token=t;object=%E5%85%AC%E7%AB%A0"), ESEAL_OK);
    assert_string_equal(u.object, "\xe5\x85\xac\xe7\xab\xa0");
    /* Round trip through the canonical form. */
    assert_int_equal(parse(&u, "pkcs11:token=a%3Bb&c;serial=S1;object=x=y;id=%00%10"), ESEAL_OK);
    es_buf b = ES_BUF_INIT(ES_P11_URI_MAX);
    assert_true(es_ok(es_p11_uri_format(&b, &u)));
    assert_string_equal(es_buf_cstr(&b), "pkcs11:token=a%3Bb%26c;serial=S1;object=x%3Dy;id=%00%10");
    es_p11_uri back;
    assert_int_equal(parse(&back, es_buf_cstr(&b)), ESEAL_OK);
    assert_memory_equal(&back, &u, sizeof(u));
    es_buf_free(&b);
    assert_true(es_p11_is_uri("pkcs11:token=x"));
    assert_true(es_p11_is_uri("Pkcs11:"));
    assert_false(es_p11_is_uri("keys/abc.key"));
    assert_false(es_p11_is_uri("pkcs1"));
}

static void uri_refused(void **state)
{
    (void)state;
    static const struct {
        const char *uri;
        int code;
    } bad[] = {
        {"", ESEAL_EMALFORMED},
        {"pkcs11", ESEAL_EMALFORMED},
        {"pkcs12:token=a;object=b", ESEAL_EMALFORMED},
        {"pkcs11:", ESEAL_EMALFORMED},                              /* names nothing */
        {"pkcs11:token=a", ESEAL_EMALFORMED},                       /* no key */
        {"pkcs11:object=b", ESEAL_EMALFORMED},                      /* no token */
        {"pkcs11:token=a;object=b;", ESEAL_EMALFORMED},             /* trailing ';' */
        {"pkcs11:token=a;;object=b", ESEAL_EMALFORMED},             /* empty attribute */
        {"pkcs11:token=a;object", ESEAL_EMALFORMED},                /* no '=' */
        {"pkcs11:token=;object=b", ESEAL_EMALFORMED},               /* empty value */
        {"pkcs11:token=a;token=b;object=c", ESEAL_EMALFORMED},      /* twice */
        {"pkcs11:token=a;object=b;object=c", ESEAL_EMALFORMED},
        {"pkcs11:token=a;id=%01;id=%02", ESEAL_EMALFORMED},
        {"pkcs11:token=a;object=b%2", ESEAL_EMALFORMED},            /* short escape */
        {"pkcs11:token=a;object=b%zz", ESEAL_EMALFORMED},           /* not hex */
        {"pkcs11:token=a;object=b%00", ESEAL_EMALFORMED},           /* NUL in a label */
        {"pkcs11:token=a;object=b%0A", ESEAL_EMALFORMED},           /* control character */
        {"pkcs11:token=a b;object=c", ESEAL_EMALFORMED},            /* space not encoded */
        {"pkcs11:token=a;object=b/c", ESEAL_EMALFORMED},            /* '/' is not a p11-pchar */
        {"pkcs11:token=a;object=b?pin-value=1234", ESEAL_EUNSUPPORTED},
        {"pkcs11:token=a;object=b;pin-value=1234", ESEAL_EUNSUPPORTED},
        {"pkcs11:token=a;object=b;module-path=/tmp/x.so", ESEAL_EUNSUPPORTED},
        {"pkcs11:token=a;object=b;slot-id=1", ESEAL_EUNSUPPORTED},
        {"pkcs11:token=a;object=b;x-vendor=1", ESEAL_EUNSUPPORTED},
        {"pkcs11:token=a;object=b;type=cert", ESEAL_EUNSUPPORTED},  /* eseal signs with private keys */
        {"pkcs11:token=a;object=b;type=secret-key", ESEAL_EMALFORMED},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        es_p11_uri u;
        int rc = parse(&u, bad[i].uri);
        if (rc != bad[i].code) {
            fail_msg("'%s': %d, wanted %d (%s)", bad[i].uri, rc, bad[i].code, eseal_error_last()->message);
        }
    }
    /* Bounds: a value of ES_P11_VALUE_MAX bytes is read, one more is refused; so is a long URI. */
    char s[ES_P11_URI_MAX + 64];
    int n = snprintf(s, sizeof(s), "pkcs11:token=t;object=");
    memset(s + n, 'a', ES_P11_VALUE_MAX);
    s[n + ES_P11_VALUE_MAX] = '\0';
    es_p11_uri u;
    assert_int_equal(parse(&u, s), ESEAL_OK);
    s[n + ES_P11_VALUE_MAX] = 'a';
    s[n + ES_P11_VALUE_MAX + 1] = '\0';
    assert_int_equal(parse(&u, s), ESEAL_ELIMIT);
    memset(s, 'a', sizeof(s) - 1);
    memcpy(s, "pkcs11:token=", 13);
    s[sizeof(s) - 1] = '\0';
    assert_int_equal(parse(&u, s), ESEAL_ELIMIT);
}

/* PKCS#11 v2.40 values, written out: the test does not include a PKCS#11 header. */
#define T_CKR_PIN_INCORRECT 0xa0UL
#define T_CKR_PIN_LOCKED 0xa4UL
#define T_CKR_DEVICE_REMOVED 0x32UL
#define T_CKF_COUNT_LOW (1UL << 16)
#define T_CKF_FINAL_TRY (1UL << 17)
#define T_CKF_LOCKED (1UL << 18)

static void login_errors(void **state)
{
    (void)state;
    assert_int_equal(es_code(es_p11_login_error(T_CKR_PIN_INCORRECT, 0, "tok")), ESEAL_EPASS);
    assert_string_equal(eseal_error_last()->message, "wrong PIN for token 'tok'");
    assert_int_equal(es_code(es_p11_login_error(T_CKR_PIN_INCORRECT, T_CKF_COUNT_LOW, "tok")), ESEAL_EPASS);
    assert_non_null(strstr(eseal_error_last()->message, "few tries left"));
    assert_int_equal(es_code(es_p11_login_error(T_CKR_PIN_INCORRECT, T_CKF_FINAL_TRY | T_CKF_COUNT_LOW, "tok")),
                     ESEAL_EPASS);
    assert_non_null(strstr(eseal_error_last()->message, "one try left"));
    /* What a token that counts says at its limit, and after it (SoftHSM2 never does). */
    assert_int_equal(es_code(es_p11_login_error(T_CKR_PIN_LOCKED, T_CKF_LOCKED, "tok")), ESEAL_EDENIED);
    assert_non_null(strstr(eseal_error_last()->message, "is locked"));
    assert_int_equal(es_code(es_p11_login_error(T_CKR_PIN_INCORRECT, T_CKF_LOCKED, "tok")), ESEAL_EDENIED);
    assert_int_equal(es_code(es_p11_login_error(T_CKR_DEVICE_REMOVED, 0, "tok")), ESEAL_EIO);
    assert_non_null(strstr(eseal_error_last()->message, "no longer present"));
}

static void pin_page(void **state)
{
    (void)state;
    es_p11_pin *p = NULL;
    assert_int_equal(es_code(es_p11_pin_new(&p, "", 0)), ESEAL_EINVAL);
    assert_int_equal(es_code(es_p11_pin_new(&p, "12\0" "34", 5)), ESEAL_EINVAL);
    assert_int_equal(es_code(es_p11_pin_new(&p, "123456", 6)), ESEAL_OK);
    es_p11_pin_free(p);
    es_p11_pin_free(NULL);
    es_p11_uri u;
    assert_int_equal(parse(&u, "pkcs11:token=x;object=y"), ESEAL_OK);
    eseal_key *k = NULL;
    assert_int_equal(es_code(es_p11_key_open(&k, NULL, &u, NULL)), ESEAL_ENOTFOUND);
    assert_int_equal(es_code(es_p11_key_open(&k, "/nonexistent/libpkcs11.so", &u, NULL)), ESEAL_ENOTFOUND);
}

/* ---- with SoftHSM2 ---- */

/* CA signing through the token: a self-signed root certificate of `key` made by es_cert_issue (which
 * signs with the EVP_PKEY openssl_pkey gives: libp11's, the token signs), checked by OpenSSL
 * against the token key's public key; and a leaf for a software key under it. */
static void ca_sign_check(eseal_key *key)
{
    uint8_t serial[8] = {0x41, 2, 3, 4, 5, 6, 7, 8};
    es_cert_spec s = {0};
    s.profile = ES_PROFILE_ROOT_CA;
    s.common_name = "Token root";
    s.organization = "PKCS#11 Test";
    s.country = "CN";
    s.not_before_ms = es_now_ms() - 60000;
    s.not_after_ms = es_now_ms() + 86400000;
    s.serial = serial;
    s.serial_len = sizeof(serial);
    eseal_buf spki = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_public_der(&spki, key), ESEAL_OK);
    eseal_cert *root = NULL;
    assert_true(es_ok(es_cert_issue(&root, &s, es_span_of(spki.ptr, spki.size), key, NULL)));
    eseal_key *soft = NULL;
    assert_int_equal(eseal_key_generate(&soft, ESEAL_ALG_P256), ESEAL_OK);
    eseal_buf soft_spki = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_public_der(&soft_spki, soft), ESEAL_OK);
    s.profile = ES_PROFILE_ORG;
    s.common_name = "Leaf";
    serial[7] = 9;
    eseal_cert *leaf = NULL;
    assert_true(es_ok(es_cert_issue(&leaf, &s, es_span_of(soft_spki.ptr, soft_spki.size), key, root)));
    const unsigned char *p = spki.ptr;
    EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)spki.size);
    assert_non_null(pub);
    eseal_cert *both[2] = {root, leaf};
    for (size_t i = 0; i < 2; i++) {
        eseal_buf pem = ESEAL_BUF_INIT;
        assert_int_equal(eseal_cert_pem(&pem, both[i]), ESEAL_OK);
        BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.size);
        X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        assert_non_null(x);
        assert_int_equal(X509_verify(x, pub), 1);
        X509_free(x);
        BIO_free(bio);
        eseal_buf_dispose(&pem);
    }
    EVP_PKEY_free(pub);
    eseal_cert_free(root);
    eseal_cert_free(leaf);
    eseal_key_free(soft);
    eseal_buf_dispose(&spki);
    eseal_buf_dispose(&soft_spki);
}

static const char *softhsm_module(void)
{
    static const char *const paths[] = {"/usr/lib/softhsm/libsofthsm2.so",
                                        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (access(paths[i], R_OK) == 0) {
            return paths[i];
        }
    }
    return NULL;
}

/* One SoftHSM2 token for the process (the module is loaded once and sees the tokens of the
 * SOFTHSM2_CONF it was loaded with): made by the group setup, token "unit", PIN UNIT_PIN (long and
 * unlike anything else, for the heap scan of token_keys). */
#define UNIT_PIN "q7Pin-probe-4321"
static char tok_dir[] = "/tmp/eseal-p11-XXXXXX";
static bool have_token;

static int token_setup(void **state)
{
    (void)state;
    if (softhsm_module() == NULL || access("/usr/bin/softhsm2-util", X_OK) != 0 || mkdtemp(tok_dir) == NULL) {
        return 0; /* the token tests skip */
    }
    char conf[300], cmd[1200];
    snprintf(conf, sizeof(conf), "%s/softhsm2.conf", tok_dir);
    FILE *f = fopen(conf, "w");
    if (f == NULL) {
        return -1;
    }
    fprintf(f, "directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n", tok_dir);
    fclose(f);
    setenv("SOFTHSM2_CONF", conf, 1);
    snprintf(cmd, sizeof(cmd), "mkdir %s/tokens && softhsm2-util --init-token --free --label unit --pin " UNIT_PIN " "
             "--so-pin 87654321 >/dev/null", tok_dir);
    have_token = system(cmd) == 0;
    return have_token ? 0 : -1;
}

static int token_teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tok_dir);
    return have_token && system(cmd) != 0 ? -1 : 0;
}

static void sign_check(eseal_key *k, eseal_sig_scheme scheme)
{
    static const char msg[] = "an electronic seal";
    eseal_buf sig = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_sign(&sig, k, ESEAL_HASH_SHA256, scheme, msg, sizeof(msg)), ESEAL_OK);
    int valid = 0;
    assert_int_equal(eseal_key_verify(&valid, k, ESEAL_HASH_SHA256, scheme, msg, sizeof(msg), sig.ptr, sig.size),
                     ESEAL_OK);
    assert_int_equal(valid, 1);
    ((uint8_t *)sig.ptr)[sig.size / 2] ^= 1;
    assert_int_equal(eseal_key_verify(&valid, k, ESEAL_HASH_SHA256, scheme, msg, sizeof(msg), sig.ptr, sig.size),
                     ESEAL_OK);
    assert_int_equal(valid, 0);
    eseal_buf_dispose(&sig);
}

/* True when `needle` is in the process's heap (the [heap] mapping of /proc/self/maps): where a
 * library's copy of the PIN (strdup, malloc) would be. */
#ifndef __SANITIZE_ADDRESS__
static bool in_heap(const char *needle, size_t n)
{
    FILE *f = fopen("/proc/self/maps", "r");
    assert_non_null(f);
    char line[512];
    bool found = false;
    bool scanned = false;
    while (!found && fgets(line, sizeof(line), f) != NULL) {
        unsigned long lo = 0, hi = 0;
        if (strstr(line, "[heap]") == NULL || sscanf(line, "%lx-%lx", &lo, &hi) != 2) {
            continue;
        }
        scanned = true;
        found = memmem((const void *)lo, hi - lo, needle, n) != NULL;
    }
    fclose(f);
    assert_true(scanned);
    return found;
}
#endif

static void token_keys(void **state)
{
    (void)state;
    const char *mod = softhsm_module();
    if (!have_token) {
        skip(); /* SoftHSM2 not installed (scripts/deps.sh installs it) */
    }
    char tokens[300], away[300];
    snprintf(tokens, sizeof(tokens), "%s/tokens", tok_dir);
    snprintf(away, sizeof(away), "%s/tokens.away", tok_dir);
    es_p11_pin *pin = NULL;
    assert_true(es_ok(es_p11_pin_new(&pin, UNIT_PIN, strlen(UNIT_PIN))));
    es_buf uri_ec = ES_BUF_INIT(ES_P11_URI_MAX + 1);
    es_buf uri_rsa = ES_BUF_INIT(ES_P11_URI_MAX + 1);
    assert_true(es_ok(es_p11_key_generate(&uri_ec, mod, "unit", ESEAL_ALG_P256, "ec", pin)));
    assert_true(es_ok(es_p11_key_generate(&uri_rsa, mod, "unit", ESEAL_ALG_RSA2048, "rsa", pin)));
    assert_int_equal(es_code(es_p11_key_generate(&uri_rsa, mod, "unit", ESEAL_ALG_P256, "ec", pin)), ESEAL_EEXISTS);
    assert_int_equal(es_code(es_p11_key_generate(&uri_rsa, mod, "unit", ESEAL_ALG_SM2, "sm2", pin)),
                     ESEAL_EUNSUPPORTED);

    /* Opened by its label alone; recorded under the canonical URI (serial and id added). */
    es_p11_uri u;
    assert_int_equal(parse(&u, "pkcs11:token=unit;object=ec"), ESEAL_OK);
    eseal_key *ec = NULL;
    assert_true(es_ok(es_p11_key_open(&ec, mod, &u, pin)));
    assert_int_equal(eseal_key_algorithm(ec), ESEAL_ALG_P256);
    sign_check(ec, ESEAL_SCHEME_DEFAULT);
    ca_sign_check(ec);
    eseal_key_hardware hw;
    memset(&hw, 0, sizeof(hw));
    assert_int_equal(eseal_key_hardware_info(ec, &hw), ESEAL_OK);
    assert_string_equal(hw.kind, "pkcs11");
    assert_string_equal(hw.label, "unit");
    assert_string_equal(hw.maker, "SoftHSM project");
    assert_string_equal(hw.key_id, es_buf_cstr(&uri_ec));
    assert_true(strlen(hw.serial) > 0 && strstr(hw.key_id, hw.serial) != NULL);

    es_p11_uri ur;
    assert_int_equal(parse(&ur, es_buf_cstr(&uri_rsa)), ESEAL_OK);
    eseal_key *rsa = NULL;
    assert_true(es_ok(es_p11_key_open(&rsa, mod, &ur, pin)));
    assert_int_equal(eseal_key_algorithm(rsa), ESEAL_ALG_RSA2048);
    sign_check(rsa, ESEAL_SCHEME_RSA_PKCS1);
    sign_check(rsa, ESEAL_SCHEME_RSA_PSS);
    ca_sign_check(rsa);
    /* Logged in and signing: the PIN is in its locked page only, in no library's heap copy (libp11's
     * PKCS11_login would keep one; pkcs11.c logs in on a session of its own instead). AddressSanitizer
     * replaces malloc with its own mappings (no [heap]): the scan is the plain build's. */
#ifndef __SANITIZE_ADDRESS__
    assert_false(in_heap(UNIT_PIN, strlen(UNIT_PIN)));
#endif

    /* No key by that name; a wrong PIN on a fresh slot is tested by pkcs11_softhsm (the login is per process). */
    es_p11_uri none;
    assert_int_equal(parse(&none, "pkcs11:token=unit;object=nothing"), ESEAL_OK);
    eseal_key *k = NULL;
    assert_int_equal(es_code(es_p11_key_open(&k, mod, &none, pin)), ESEAL_ENOTFOUND);
    assert_int_equal(parse(&none, "pkcs11:token=other;object=ec"), ESEAL_OK);
    assert_int_equal(es_code(es_p11_key_open(&k, mod, &none, pin)), ESEAL_ENOTFOUND);

    /* The token taken away: hardware() and sign() ask it, and say it is gone. */
    assert_int_equal(rename(tokens, away), 0);
    memset(&hw, 0, sizeof(hw));
    assert_int_equal(eseal_key_hardware_info(ec, &hw), ESEAL_EIO);
    assert_non_null(strstr(eseal_error_last()->message, "no longer present"));
    eseal_buf sig = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_sign(&sig, ec, ESEAL_HASH_SHA256, ESEAL_SCHEME_DEFAULT, "x", 1), ESEAL_EIO);
    /* SoftHSM2 does not take the token back in this process once it failed (a new process does:
     * pkcs11_softhsm stamps again after the batch), so the key stays refused. */
    assert_int_equal(rename(away, tokens), 0);
    assert_int_equal(eseal_key_hardware_info(ec, &hw), ESEAL_EIO);

    eseal_key_free(ec);
    eseal_key_free(rsa);
    es_p11_pin_free(pin);
    es_buf_free(&uri_ec);
    es_buf_free(&uri_rsa);
}

/* The instance's PIN (include/eseal/instance.h): a callback asked when a token first needs the PIN;
 * a PIN the token refuses is forgotten (the callback is asked again), an accepted one is kept; a
 * PIN set directly is used without asking, and a handle made with open_like has it too. */
typedef struct {
    int calls;
    const char *answers[4];
} pin_answers;

static int pin_cb(void *payload, const char *token, char *pin, size_t cap, size_t *len)
{
    pin_answers *a = payload;
    assert_string_equal(token, "unit");
    const char *p = a->answers[a->calls++];
    if (p == NULL) {
        return ESEAL_EPASS; /* !checksrc! allowed: the library says what to do */
    }
    assert_true(strlen(p) < cap);
    memcpy(pin, p, strlen(p));
    *len = strlen(p);
    return ESEAL_OK;
}

static void instance_pin(void **state)
{
    (void)state;
    if (!have_token) {
        skip();
    }
    char home[300], cmd[400];
    snprintf(home, sizeof(home), "%s/home", tok_dir);
    eseal_instance_init_options o = ESEAL_INSTANCE_INIT_OPTIONS_INIT;
    o.passphrase = "pkcs11-unit-passphrase";
    o.passphrase_len = strlen(o.passphrase);
    assert_int_equal(eseal_instance_init(home, &o), ESEAL_OK);
    eseal_instance *inst = NULL;
    assert_int_equal(eseal_instance_open(&inst, home), ESEAL_OK);

    pin_answers a = {0, {"0000", UNIT_PIN, NULL, NULL}};
    assert_int_equal(eseal_instance_set_token_pin_callback(inst, pin_cb, &a), ESEAL_OK);
    eseal_buf uri = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_token_key_generate(inst, &uri, "unit", ESEAL_ALG_P256, "k"), ESEAL_EPASS);
    assert_non_null(strstr(eseal_error_last()->message, "wrong PIN for token 'unit'"));
    assert_null(strstr(eseal_error_last()->message, "0000"));
    assert_int_equal(a.calls, 1);
    assert_int_equal(eseal_instance_token_key_generate(inst, &uri, "unit", ESEAL_ALG_P256, "k"), ESEAL_OK);
    assert_int_equal(a.calls, 2); /* the refused PIN was forgotten: asked again */
    eseal_key *k = NULL;
    assert_int_equal(eseal_instance_open_hw_key(inst, &k, (const char *)uri.ptr), ESEAL_OK);
    assert_int_equal(a.calls, 2); /* the accepted one is kept */
    eseal_key_free(k);

    /* Set directly, and copied by open_like (no callback there to ask). */
    eseal_instance *inst2 = NULL;
    assert_int_equal(eseal_instance_open(&inst2, home), ESEAL_OK);
    assert_int_equal(eseal_instance_set_token_pin(inst2, UNIT_PIN, strlen(UNIT_PIN)), ESEAL_OK);
    eseal_instance *like = NULL;
    assert_int_equal(eseal_instance_open_like(&like, inst2), ESEAL_OK);
    assert_int_equal(eseal_instance_open_hw_key(like, &k, "pkcs11:token=unit;object=k"), ESEAL_OK);
    eseal_key_free(k);
    /* No PIN and no callback: refused, saying where a PIN comes from. */
    eseal_instance *bare = NULL;
    assert_int_equal(eseal_instance_open(&bare, home), ESEAL_OK);
    assert_int_equal(eseal_instance_open_hw_key(bare, &k, "pkcs11:token=unit;object=nothing"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_instance_open_hw_key(bare, &k, "skf:dev=x;app=y;con=z"), ESEAL_EUNSUPPORTED);
    assert_int_equal(eseal_instance_open_hw_key(bare, &k, "pkcs11:token=unit;object=k;pin-value=" UNIT_PIN),
                     ESEAL_EUNSUPPORTED);
    eseal_instance_close(bare);
    eseal_instance_close(like);
    eseal_instance_close(inst2);
    eseal_instance_close(inst);
    eseal_buf_dispose(&uri);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", home);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uri_accepted), cmocka_unit_test(uri_refused), cmocka_unit_test(login_errors),
        cmocka_unit_test(pin_page),
        /* instance_pin first: token_keys takes the token away at its end */
        cmocka_unit_test(instance_pin), cmocka_unit_test(token_keys),
    };
    return cmocka_run_group_tests(tests, token_setup, token_teardown);
}
