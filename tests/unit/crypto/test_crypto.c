/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crypto: keys (every algorithm), key files (errors), SM2 known answers from
 * shared/testdata, certificates, and CMS verdicts (tampered, wrong signer,
 * revoked, expired, untrusted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "eseal/sys/key_backend.h"
#include "../test_pki.h"
#include "../test_vectors.h"
#include "../test_report_json.h"

static const char *testdata; /* the vector sets (test_vectors.h), NULL when there are none */
static char tmpdir[] = "/tmp/eseal-crypto-XXXXXX";

static void path_in(char *out, size_t n, const char *name) { (void)snprintf(out, n, "%s/%s", tmpdir, name); }

static void sign_verify_every_algorithm(void **state)
{
    (void)state;
    static const struct {
        eseal_key_alg alg;
        eseal_sig_scheme scheme;
    } cases[] = {{ESEAL_ALG_SM2, ESEAL_SCHEME_DEFAULT},     {ESEAL_ALG_P256, ESEAL_SCHEME_DEFAULT},
                 {ESEAL_ALG_P384, ESEAL_SCHEME_DEFAULT},    {ESEAL_ALG_RSA2048, ESEAL_SCHEME_DEFAULT},
                 {ESEAL_ALG_RSA2048, ESEAL_SCHEME_RSA_PSS}, {ESEAL_ALG_ED25519, ESEAL_SCHEME_DEFAULT}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        eseal_key *k = NULL;
        assert_int_equal(eseal_key_generate(&k, cases[i].alg), ESEAL_OK);
        assert_int_equal(eseal_key_algorithm(k), cases[i].alg);
        eseal_buf sig = ESEAL_BUF_INIT, spki = ESEAL_BUF_INIT;
        assert_int_equal(eseal_key_sign(&sig, k, ESEAL_HASH_DEFAULT, cases[i].scheme, "message", 7), ESEAL_OK);
        assert_int_equal(eseal_key_public_der(&spki, k), ESEAL_OK);
        int valid = -1;
        assert_int_equal(eseal_signature_verify(&valid, spki.ptr, spki.size, ESEAL_HASH_DEFAULT, cases[i].scheme,
                                                "message", 7, sig.ptr, sig.size),
                         ESEAL_OK);
        assert_int_equal(valid, 1);
        assert_int_equal(eseal_signature_verify(&valid, spki.ptr, spki.size, ESEAL_HASH_DEFAULT, cases[i].scheme,
                                                "messagE", 7, sig.ptr, sig.size),
                         ESEAL_OK);
        assert_int_equal(valid, 0);
        eseal_buf_dispose(&sig);
        eseal_buf_dispose(&spki);
        eseal_key_free(k);
    }
}

/* A backend over a software key that says it is a token's (as a PKCS#11 or SKF backend would), and
 * can be "removed": eseal_key_hardware_info asks it each time. */
typedef struct {
    eseal_key *inner;
    bool removed;
} fake_token;

static int fake_sign(void *ctx, eseal_buf *out, eseal_hash hash, eseal_sig_scheme scheme, const uint8_t *d, size_t n)
{
    return eseal_key_sign(out, ((fake_token *)ctx)->inner, hash, scheme, d, n);
}
static int fake_public(void *ctx, eseal_buf *out) { return eseal_key_public_der(out, ((fake_token *)ctx)->inner); }
static int fake_hardware(void *ctx, eseal_key_hardware *out)
{
    if (((fake_token *)ctx)->removed) {
        return ESEAL_EIO;
    }
    (void)snprintf(out->kind, sizeof(out->kind), "pkcs11");
    (void)snprintf(out->serial, sizeof(out->serial), "0123456789abcdef");
    memset(out->label, 'L', sizeof(out->label)); /* not terminated: the library ends it */
    return ESEAL_OK;
}

static void key_hardware_info_from_its_backend(void **state)
{
    (void)state;
    fake_token t = {NULL, false};
    assert_int_equal(eseal_key_generate(&t.inner, ESEAL_ALG_P256), ESEAL_OK);
    eseal_key_hardware hw;
    /* A key file's key is in software. */
    assert_int_equal(eseal_key_hardware_info(t.inner, &hw), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_key_hardware_info(NULL, &hw), ESEAL_EINVAL);
    assert_int_equal(eseal_key_hardware_info(t.inner, NULL), ESEAL_EINVAL);

    /* A version-1 backend has no `hardware`: software, whatever else it is. */
    eseal_key_backend v1 = ESEAL_KEY_BACKEND_INIT;
    v1.version = 1;
    v1.name = "v1";
    v1.sign = fake_sign;
    v1.public_der = fake_public;
    eseal_key *k1 = NULL;
    assert_int_equal(eseal_key_from_backend(&k1, &v1, &t, NULL), ESEAL_OK);
    assert_int_equal(eseal_key_hardware_info(k1, &hw), ESEAL_ENOTFOUND);
    eseal_key_free(k1);

    eseal_key_backend v2 = ESEAL_KEY_BACKEND_INIT;
    v2.name = "token";
    v2.sign = fake_sign;
    v2.public_der = fake_public;
    v2.hardware = fake_hardware;
    eseal_key *k2 = NULL;
    assert_int_equal(eseal_key_from_backend(&k2, &v2, &t, "pkcs11:token=t;object=k"), ESEAL_OK);
    memset(&hw, 'x', sizeof(hw));
    assert_int_equal(eseal_key_hardware_info(k2, &hw), ESEAL_OK);
    assert_string_equal(hw.kind, "pkcs11");
    assert_string_equal(hw.serial, "0123456789abcdef");
    assert_string_equal(hw.chip_id, ""); /* zeroed before the backend is asked */
    assert_int_equal(strlen(hw.label), sizeof(hw.label) - 1);
    t.removed = true; /* asked again, not remembered */
    assert_int_equal(eseal_key_hardware_info(k2, &hw), ESEAL_EIO);
    eseal_key_free(k2);
    eseal_key_free(t.inner);
}

static void sm2_rejects_other_hashes(void **state)
{
    (void)state;
    eseal_key *k = NULL;
    assert_int_equal(eseal_key_generate(&k, ESEAL_ALG_SM2), ESEAL_OK);
    eseal_buf sig = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_sign(&sig, k, ESEAL_HASH_SHA256, ESEAL_SCHEME_DEFAULT, "m", 1), ESEAL_EUNSUPPORTED);
    eseal_key_free(k);
    assert_int_equal(eseal_key_generate(&k, ESEAL_ALG_P256), ESEAL_OK);
    assert_int_equal(eseal_key_sign(&sig, k, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, "m", 1), ESEAL_EUNSUPPORTED);
    eseal_key_free(k);
}

static void key_files_encrypted_and_strict(void **state)
{
    (void)state;
    char path[256];
    path_in(path, sizeof(path), "k.pem");
    eseal_key *k = NULL;
    assert_int_equal(eseal_key_generate(&k, ESEAL_ALG_SM2), ESEAL_OK);
    assert_int_equal(eseal_key_save(k, path, "", 0), ESEAL_EINVAL); /* empty passphrase refused */
    assert_int_equal(eseal_key_save(k, path, "correct horse", 13), ESEAL_OK);
    assert_int_equal(eseal_key_save(k, path, "correct horse", 13), ESEAL_EEXISTS); /* O_EXCL */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    eseal_buf pem = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&pem, path, 65536), ESEAL_OK);
    assert_non_null(strstr((char *)pem.ptr, "BEGIN ENCRYPTED PRIVATE KEY"));
    eseal_key *l = NULL;
    assert_int_equal(eseal_key_load(&l, path, "wrong horse", 11), ESEAL_EPASS);
    assert_non_null(strstr(eseal_error_last()->message, "wrong passphrase"));
    assert_int_equal(eseal_key_load(&l, path, NULL, 0), ESEAL_EPASS);
    assert_int_equal(eseal_key_load(&l, path, "correct horse", 13), ESEAL_OK);
    assert_int_equal(eseal_key_algorithm(l), ESEAL_ALG_SM2);
    /* The loaded key signs what the original key's public key verifies. */
    eseal_buf sig = ESEAL_BUF_INIT, spki = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_sign(&sig, l, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT, "x", 1), ESEAL_OK);
    assert_int_equal(eseal_key_public_der(&spki, k), ESEAL_OK);
    int valid = 0;
    assert_int_equal(eseal_signature_verify(&valid, spki.ptr, spki.size, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT,
                                            "x", 1, sig.ptr, sig.size),
                     ESEAL_OK);
    assert_int_equal(valid, 1);
    /* Corrupt: flip a byte in the middle of the base64 body. */
    pem.ptr[pem.size / 2] = pem.ptr[pem.size / 2] == 'A' ? 'B' : 'A';
    eseal_key *c = NULL;
    int rc = eseal_key_load_mem(&c, pem.ptr, pem.size, "correct horse", 13);
    assert_true(rc == ESEAL_EMALFORMED || rc == ESEAL_EPASS);
    assert_int_equal(eseal_key_load_mem(&c, "not a key", 9, "x", 1), ESEAL_EMALFORMED);
    /* Unsupported algorithm: an Ed448 key (valid, but eseal does not sign with it). */
    static const char ed448[] =
                              "-----BEGIN PRIVATE KEY-----\n"
                              "MEcCAQAwBQYDK2VxBDsEOUK1B8mSpWmvzTvy9zts9A4AdIHHyUbyo+kOr2vJkf5F\n"
                              "kOu3f9OCql+Ry4ix+1FbLqggBU527HCG4g==\n"
                              "-----END PRIVATE KEY-----\n";
    assert_int_equal(eseal_key_load_mem(&c, ed448, sizeof(ed448) - 1, NULL, 0), ESEAL_EUNSUPPORTED);
    eseal_buf_dispose(&pem);
    eseal_buf_dispose(&sig);
    eseal_buf_dispose(&spki);
    eseal_key_free(k);
    eseal_key_free(l);
    unlink(path);
}

static void sm2_known_answers_from_ofdrw(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    char p[512];
    /* shared/testdata/ofd-samples/SOURCES.md: Z of the USER key with ID 1234567812345678. */
    (void)snprintf(p, sizeof(p), "%s/ofd-samples/keys/pem/USER.cert.pem", testdata);
    eseal_cert *user = NULL;
    assert_int_equal(eseal_cert_load(&user, p), ESEAL_OK);
    assert_int_equal(eseal_cert_key_alg(user), ESEAL_ALG_SM2);
    eseal_buf der = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cert_der(&der, user), ESEAL_OK);
    /* The SPKI is inside the cert; take it from the key file's public half instead. */
    (void)snprintf(p, sizeof(p), "%s/ofd-samples/keys/pem/USER.key.pem", testdata);
    eseal_key *k = NULL;
    assert_int_equal(eseal_key_load(&k, p, NULL, 0), ESEAL_OK);
    assert_int_equal(eseal_cert_matches_key(user, k), 1);
    eseal_buf spki = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_public_der(&spki, k), ESEAL_OK);
    uint8_t z[32];
    assert_true(es_ok(es_sm2_z(z, es_span_of(spki.ptr, spki.size))));
    es_buf hex = ES_BUF_INIT(128);
    assert_true(es_ok(es_buf_append_hex(&hex, z, 32, false)));
    assert_string_equal(es_buf_cstr(&hex), "565bd8146e3c2b3568e37dadce4fa090aad1f044eba07b0714ecf92ab4508209");
    es_buf_free(&hex);
    /* The raw SM2 signature of sign-raw-sm2-DigitalSign.ofd over Signature.xml (extracted by ctest). */
    const char *sv = getenv("ESEAL_KAT_SIGNEDVALUE");
    const char *xml = getenv("ESEAL_KAT_SIGNATURE_XML");
    assert_non_null(sv);
    assert_non_null(xml);
    eseal_buf sig = ESEAL_BUF_INIT, data = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&sig, sv, 4096), ESEAL_OK);
    assert_int_equal(eseal_file_read(&data, xml, 1 << 20), ESEAL_OK);
    int valid = 0;
    assert_int_equal(eseal_signature_verify(&valid, spki.ptr, spki.size, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT,
                                            data.ptr, data.size, sig.ptr, sig.size),
                     ESEAL_OK);
    assert_int_equal(valid, 1);
    data.ptr[data.size / 2] ^= 1;
    assert_int_equal(eseal_signature_verify(&valid, spki.ptr, spki.size, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT,
                                            data.ptr, data.size, sig.ptr, sig.size),
                     ESEAL_OK);
    assert_int_equal(valid, 0);
    eseal_buf_dispose(&sig);
    eseal_buf_dispose(&data);
    eseal_buf_dispose(&spki);
    eseal_buf_dispose(&der);
    eseal_key_free(k);
    eseal_cert_free(user);
}

static void legacy_pkcs12_imports(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    char p[512];
    (void)snprintf(p, sizeof(p), "%s/ofd-samples/keys/USER.p12", testdata);
    es_buf data = ES_BUF_INIT(1 << 20);
    assert_true(es_ok(es_file_read(&data, p, data.max)));
    eseal_key *k = NULL;
    eseal_cert *c = NULL;
    es_result r = es_pkcs12_import(&k, &c, NULL, NULL, es_buf_span(&data), "000000");
    assert_int_equal(es_code(r), ESEAL_EPASS);
    assert_true(es_ok(es_pkcs12_import(&k, &c, NULL, NULL, es_buf_span(&data), "777777")));
    assert_non_null(k);
    assert_non_null(c);
    assert_int_equal(eseal_key_algorithm(k), ESEAL_ALG_SM2);
    assert_int_equal(eseal_cert_matches_key(c, k), 1);
    assert_string_equal(eseal_cert_serial(c), "01719D2DAB60");
    eseal_key_free(k);
    eseal_cert_free(c);
    es_buf_free(&data);
}

/* ---- a small PKI for CMS verdicts -------------------------------------------------------- */

typedef struct {
    eseal_key *root_key, *ca_key, *leaf_key, *other_key;
    eseal_cert *root, *ca, *leaf, *other;
} pki;

static pki P;

static void make_pki(eseal_key_alg alg)
{
    int64_t now = eseal_time_now();
    int64_t year = 365LL * 86400 * 1000;
    test_issue(&P.root, &P.root_key, alg, ES_PROFILE_ROOT_CA, "Root", NULL, NULL, now - 1000, now + 10 * year);
    test_issue(&P.ca, &P.ca_key, alg, ES_PROFILE_ISSUING_CA, "Issuing", P.root_key, P.root, now - 1000, now + 5 * year);
    test_issue(&P.leaf, &P.leaf_key, alg, ES_PROFILE_ORG, "Leaf", P.ca_key, P.ca, now - 1000, now + year);
    test_issue(&P.other, &P.other_key, alg, ES_PROFILE_ORG, "Other", P.ca_key, P.ca, now - 1000, now + year);
}

static void free_pki(void)
{
    eseal_key_free(P.root_key);
    eseal_key_free(P.ca_key);
    eseal_key_free(P.leaf_key);
    eseal_key_free(P.other_key);
    eseal_cert_free(P.root);
    eseal_cert_free(P.ca);
    eseal_cert_free(P.leaf);
    eseal_cert_free(P.other);
    memset(&P, 0, sizeof(P));
}

static eseal_trust *trust_with_crl(const es_crl_entry *entries, size_t n)
{
    eseal_trust *t = NULL;
    assert_int_equal(eseal_trust_new(&t), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(t, P.root), ESEAL_OK);
    int64_t now = eseal_time_now();
    es_buf crl = ES_BUF_INIT(1 << 20);
    assert_true(es_ok(es_crl_issue(&crl, P.ca_key, P.ca, entries, n, 1, now - 1000, now + 86400000)));
    assert_int_equal(eseal_trust_add_crl(t, crl.ptr, crl.len), ESEAL_OK);
    es_buf_clear(&crl);
    assert_true(es_ok(es_crl_issue(&crl, P.root_key, P.root, NULL, 0, 1, now - 1000, now + 86400000)));
    assert_int_equal(eseal_trust_add_crl(t, crl.ptr, crl.len), ESEAL_OK);
    es_buf_free(&crl);
    return t;
}

static eseal_report *verify(const eseal_buf *p7s, const char *data, const eseal_trust *t, int64_t at,
                            const eseal_cert *expected)
{
    eseal_cms_verify_options o = ESEAL_CMS_VERIFY_OPTIONS_INIT;
    o.at_ms = at;
    o.expected_signer = expected;
    eseal_report *r = NULL;
    assert_int_equal(eseal_cms_verify(&r, p7s->ptr, p7s->size, data, strlen(data), t, &o), ESEAL_OK);
    return r;
}

static void expect(eseal_report *r, eseal_verdict v, const char *code)
{
    if (eseal_report_verdict(r) != v || (code != NULL && !eseal_report_has_reason(r, code))) {
        eseal_buf txt = ESEAL_BUF_INIT;
        (void)eseal_report_to_text(&txt, r, 0);
        print_error("unexpected report (want %s %s):\n%s", eseal_verdict_name(v), code != NULL ? code : "", txt.ptr);
        eseal_buf_dispose(&txt);
        fail();
    }
    eseal_report_free(r);
}

static void cms_verdicts_for(eseal_key_alg alg, eseal_sig_scheme scheme)
{
    make_pki(alg);
    const char *data = "the document";
    eseal_cms_sign_options so = ESEAL_CMS_SIGN_OPTIONS_INIT;
    so.scheme = scheme;
    const eseal_cert *chain[] = {P.ca};
    so.chain = chain;
    so.chain_len = 1;
    eseal_buf p7s = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cms_sign(&p7s, P.leaf_key, P.other, data, strlen(data), &so), ESEAL_EINVAL); /* wrong cert */
    if (alg != ESEAL_ALG_ED25519) {
        eseal_cms_sign_options wrong_hash = so;
        wrong_hash.hash = alg == ESEAL_ALG_SM2 ? ESEAL_HASH_SHA256 : ESEAL_HASH_SM3;
        assert_int_equal(eseal_cms_sign(&p7s, P.leaf_key, P.leaf, data, strlen(data), &wrong_hash),
                         ESEAL_EUNSUPPORTED);
    }
    assert_int_equal(eseal_cms_sign(&p7s, P.leaf_key, P.leaf, data, strlen(data), &so), ESEAL_OK);
    eseal_trust *t = trust_with_crl(NULL, 0);
    int64_t now = eseal_time_now();

    expect(verify(&p7s, data, t, 0, NULL), ESEAL_VALID, NULL);
    expect(verify(&p7s, data, t, 0, P.leaf), ESEAL_VALID, NULL);
    /* The signer's certificate, as verification found it. */
    eseal_cert *sc = NULL;
    assert_int_equal(eseal_cms_signer_cert(&sc, p7s.ptr, p7s.size, 0, NULL), ESEAL_OK);
    assert_string_equal(eseal_cert_fingerprint(sc), eseal_cert_fingerprint(P.leaf));
    eseal_cert_free(sc);
    assert_int_equal(eseal_cms_signer_cert(&sc, p7s.ptr, p7s.size, 1, NULL), ESEAL_EINVAL);
    assert_int_equal(eseal_cms_signer_cert(&sc, p7s.ptr, p7s.size - 1, 0, NULL), ESEAL_EMALFORMED);
    assert_int_equal(eseal_cms_signer_cert(&sc, "junk", 4, 0, NULL), ESEAL_EMALFORMED);
    assert_null(sc);
    expect(verify(&p7s, "the documenT", t, 0, NULL), ESEAL_INVALID, "HASH_FAILURE");
    expect(verify(&p7s, data, t, 0, P.other), ESEAL_INVALID, "SIGNER_MISMATCH");
    /* Expired: validated after the leaf's notAfter, with no timestamp to prove earlier existence. */
    expect(verify(&p7s, data, t, eseal_cert_not_after(P.leaf) + 1000, NULL), ESEAL_INDETERMINATE,
           "OUT_OF_BOUNDS_NO_POE");
    /* No anchors: cannot be trusted. */
    expect(verify(&p7s, data, NULL, 0, NULL), ESEAL_INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND");
    eseal_trust *other_root = NULL;
    assert_int_equal(eseal_trust_new(&other_root), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(other_root, P.other), ESEAL_OK);
    expect(verify(&p7s, data, other_root, 0, NULL), ESEAL_INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND");
    eseal_trust_free(other_root);
    /* No CRL at all: revocation status unknown. */
    eseal_trust *no_crl = NULL;
    assert_int_equal(eseal_trust_new(&no_crl), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(no_crl, P.root), ESEAL_OK);
    expect(verify(&p7s, data, no_crl, 0, NULL), ESEAL_INDETERMINATE, "REVOCATION_UNKNOWN");
    eseal_trust_free(no_crl);

    /* Revoked before the claimed signing time: INVALID; after it: REVOKED_NO_POE. */
    es_buf serial = ES_BUF_INIT(64);
    assert_true(es_ok(es_hex_decode(&serial, eseal_cert_serial(P.leaf))));
    es_crl_entry e = {serial.ptr, serial.len, now - 60000, 1};
    eseal_trust *revoked = trust_with_crl(&e, 1);
    expect(verify(&p7s, data, revoked, 0, NULL), ESEAL_INVALID, "REVOKED");
    eseal_trust_free(revoked);
    e.revoked_at_ms = now + 60000;
    revoked = trust_with_crl(&e, 1);
    expect(verify(&p7s, data, revoked, now + 120000, NULL), ESEAL_INDETERMINATE, "REVOKED_NO_POE");
    /* Validated before the revocation date: the certificate was not yet revoked then. */
    eseal_report *early = verify(&p7s, data, revoked, now + 1000, NULL);
    const char *rd = eseal_report_string(eseal_report_child(early, 0), "checks.revocation.detail");
    assert_non_null(rd);
    assert_non_null(strstr(rd, "revoked later, at "));
    assert_int_equal(eseal_report_check(eseal_report_child(early, 0), "revocation"), ESEAL_CHECK_PASSED);
    expect(early, ESEAL_VALID, NULL);
    eseal_trust_free(revoked);
    es_buf_free(&serial);

    /* A flipped bit in the signature value. */
    p7s.ptr[p7s.size - 5] ^= 0x01;
    eseal_report *r = NULL;
    int rc = eseal_cms_verify(&r, p7s.ptr, p7s.size, data, strlen(data), t, NULL);
    if (rc == ESEAL_OK) {
        expect(r, ESEAL_INVALID, NULL);
    } else {
        assert_int_equal(rc, ESEAL_EMALFORMED);
    }
    /* Truncated and garbage signatures are errors, not verdicts. */
    assert_int_equal(eseal_cms_verify(&r, p7s.ptr, p7s.size / 2, data, strlen(data), t, NULL), ESEAL_EMALFORMED);
    assert_int_equal(eseal_cms_verify(&r, "garbage", 7, data, strlen(data), t, NULL), ESEAL_EMALFORMED);
    eseal_buf_dispose(&p7s);
    eseal_trust_free(t);
    free_pki();
}

static void cms_verdicts_sm2(void **s) { (void)s; cms_verdicts_for(ESEAL_ALG_SM2, ESEAL_SCHEME_DEFAULT); }
static void cms_verdicts_p256(void **s) { (void)s; cms_verdicts_for(ESEAL_ALG_P256, ESEAL_SCHEME_DEFAULT); }
static void cms_verdicts_p384(void **s) { (void)s; cms_verdicts_for(ESEAL_ALG_P384, ESEAL_SCHEME_DEFAULT); }
static void cms_verdicts_rsa(void **s) { (void)s; cms_verdicts_for(ESEAL_ALG_RSA2048, ESEAL_SCHEME_DEFAULT); }
static void cms_verdicts_rsa_pss(void **s) { (void)s; cms_verdicts_for(ESEAL_ALG_RSA2048, ESEAL_SCHEME_RSA_PSS); }
static void cms_verdicts_ed25519(void **s) { (void)s; cms_verdicts_for(ESEAL_ALG_ED25519, ESEAL_SCHEME_DEFAULT); }

static void cms_without_signing_time(void **state)
{
    (void)state;
    make_pki(ESEAL_ALG_P256);
    eseal_cms_sign_options so = ESEAL_CMS_SIGN_OPTIONS_INIT;
    so.omit_signing_time = 1;
    eseal_buf p7s = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cms_sign(&p7s, P.leaf_key, P.leaf, "d", 1, &so), ESEAL_OK);
    eseal_trust *t = trust_with_crl(NULL, 0);
    assert_int_equal(eseal_trust_add_intermediate(t, P.ca), ESEAL_OK); /* chain not embedded here */
    eseal_report *r = verify(&p7s, "d", t, 0, NULL);
    int64_t ms = 0;
    assert_int_equal(eseal_report_time(eseal_report_child(r, 0), "time.value", &ms), ESEAL_ENOTFOUND);
    assert_string_equal(eseal_report_string(eseal_report_child(r, 0), "time.source"), "none");
    expect(r, ESEAL_VALID, NULL);
    eseal_buf_dispose(&p7s);
    eseal_trust_free(t);
    free_pki();
}

static void sm2_certificates_carry_the_standard_id(void **state)
{
    (void)state;
    /* A chain signed with the GM/T 0009 ID verifies only when the verifier uses that ID too. */
    make_pki(ESEAL_ALG_SM2);
    eseal_trust *t = trust_with_crl(NULL, 0);
    eseal_buf p7s = ESEAL_BUF_INIT;
    const eseal_cert *chain[] = {P.ca};
    eseal_cms_sign_options so = ESEAL_CMS_SIGN_OPTIONS_INIT;
    so.chain = chain;
    so.chain_len = 1;
    assert_int_equal(eseal_cms_sign(&p7s, P.leaf_key, P.leaf, "d", 1, &so), ESEAL_OK);
    eseal_report *r = verify(&p7s, "d", t, 0, NULL);
    assert_int_equal(eseal_report_check(eseal_report_child(r, 0), "chain"), ESEAL_CHECK_PASSED);
    assert_string_equal(eseal_report_string(eseal_report_child(r, 0), "signature.algorithm"), "SM2-with-SM3");
    expect(r, ESEAL_VALID, NULL);
    eseal_buf_dispose(&p7s);
    eseal_trust_free(t);
    free_pki();
}

/* ---- the CMS report as data: evidence and schema ---------------------------------------- */

typedef struct {
    eseal_key *key;
    eseal_cert *cert;
} test_tsa;

static int next_tsa_serial(void *ctx, uint64_t *serial)
{
    (void)ctx;
    /* From 0xA0: tests/lib/report_schema.py refuses a serial of digits only ("01") as a number in a string. */
    static uint64_t n = 0x9f;
    *serial = ++n;
    return ESEAL_OK;
}

/* An eseal_timestamp_fn: a token from an in-process TSA (eseal_tsa_respond) for the digest. */
static int tsa_token(void *ctx, eseal_buf *token, eseal_hash hash, const void *digest, size_t len)
{
    const test_tsa *tsa = ctx;
    es_buf req = ES_BUF_INIT(1 << 16);
    assert_true(es_ok(es_ts_request_der(&req, hash, es_span_of(digest, len), NULL)));
    eseal_tsa_config c = ESEAL_TSA_CONFIG_INIT;
    c.key = tsa->key;
    c.cert = tsa->cert;
    c.next_serial = next_tsa_serial;
    eseal_buf resp = ESEAL_BUF_INIT;
    assert_int_equal(eseal_tsa_respond(&resp, req.ptr, req.len, &c), ESEAL_OK);
    char serial[64];
    assert_true(es_ok(es_ts_response_token(token, serial, sizeof(serial), es_span_of(resp.ptr, resp.size))));
    eseal_buf_dispose(&resp);
    es_buf_free(&req);
    return ESEAL_OK;
}

/* The validation object `id` of the document report: its type, or NULL when it is not listed. */
static const char *object_type(const eseal_report *doc, const char *id)
{
    const eseal_value *objs = eseal_report_find(doc, "validation_objects");
    for (size_t i = 0; id != NULL && i < eseal_value_count(objs); i++) {
        const eseal_value *o = eseal_value_item(objs, i);
        if (strcmp(eseal_value_string(eseal_value_find(o, "id")), id) == 0) {
            return eseal_value_string(eseal_value_find(o, "type"));
        }
    }
    return NULL;
}

/* How many objects check `check` of `sig` names that are listed in `doc` with `type`; fails on one that is not listed. */
static size_t named(const eseal_report *doc, const eseal_report *sig, const char *check, const char *type)
{
    char path[64];
    (void)snprintf(path, sizeof(path), "checks.%s.objects", check);
    const eseal_value *objs = eseal_report_find(sig, path);
    assert_non_null(objs);
    size_t n = 0;
    for (size_t i = 0; i < eseal_value_count(objs); i++) {
        const char *t = object_type(doc, eseal_value_string(eseal_value_item(objs, i)));
        assert_non_null(t); /* every object a check names is in the document's list */
        n += strcmp(t, type) == 0;
    }
    return n;
}

static bool names(const eseal_report *sig, const char *check, const char *id)
{
    char path[64];
    (void)snprintf(path, sizeof(path), "checks.%s.objects", check);
    const eseal_value *objs = eseal_report_find(sig, path);
    for (size_t i = 0; id != NULL && i < eseal_value_count(objs); i++) {
        if (strcmp(eseal_value_string(eseal_value_item(objs, i)), id) == 0) {
            return true;
        }
    }
    return false;
}

static void cms_report_names_its_evidence(void **state)
{
    (void)state;
    make_pki(ESEAL_ALG_P256);
    int64_t now = eseal_time_now();
    test_tsa tsa = {NULL, NULL};
    test_issue(&tsa.cert, &tsa.key, ESEAL_ALG_P256, ES_PROFILE_TSA, "Test CMS TSA", P.root_key, P.root,
               now - 86400000, now + 30 * 86400000LL);
    const char *data = "the document";
    const eseal_cert *chain[] = {P.ca};
    eseal_cms_sign_options so = ESEAL_CMS_SIGN_OPTIONS_INIT;
    so.chain = chain;
    so.chain_len = 1;
    eseal_buf p7s = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cms_sign(&p7s, P.leaf_key, P.leaf, data, strlen(data), &so), ESEAL_OK);
    es_buf der = ES_BUF_INIT(1 << 20);
    assert_true(es_ok(es_buf_append(&der, p7s.ptr, p7s.size)));
    assert_true(es_ok(es_cms_add_signature_timestamp(&der, ESEAL_HASH_SHA256, tsa_token, &tsa)));
    eseal_trust *t = trust_with_crl(NULL, 0); /* the CA's and the root's CRLs */
    eseal_report *doc = NULL;
    assert_int_equal(eseal_cms_verify(&doc, der.ptr, der.len, data, strlen(data), t, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(doc), ESEAL_VALID);
    assert_string_equal(eseal_report_string(doc, "format"), "cms");
    int64_t size = 0;
    assert_int_equal(eseal_report_integer(doc, "document.size", &size), ESEAL_OK);
    assert_int_equal(size, (int64_t)strlen(data));
    assert_string_equal(eseal_report_string(doc, "document.parts.0.kind"), "content");
    const eseal_report *sig = eseal_report_child(doc, 0);
    assert_string_equal(eseal_report_string(sig, "signature.id"), "signerInfo 1");
    assert_string_equal(eseal_report_string(sig, "signature.format"), "CAdES detached");
    assert_non_null(eseal_report_string(sig, "signature.signed_digest"));
    assert_int_equal(strlen(eseal_report_string(sig, "signature.identifier")), 64);
    int whole = 0;
    assert_int_equal(eseal_report_boolean(sig, "coverage.whole_document", &whole), ESEAL_OK);
    assert_true(whole);

    /* The time: proven by the timestamp, whose token and TSA certificate check "timestamp" names. */
    assert_string_equal(eseal_report_string(sig, "time.source"), "timestamp");
    int64_t tv = 0, judged = 0;
    assert_int_equal(eseal_report_time(sig, "time.value", &tv), ESEAL_OK);
    assert_int_equal(eseal_report_time(sig, "time.judged_at", &judged), ESEAL_OK);
    assert_true(tv > now - 60000 && tv <= judged);
    assert_string_equal(eseal_report_string(sig, "time.judged_by"), "timestamp");
    assert_non_null(strstr(eseal_report_string(sig, "time.tsa"), "Test CMS TSA"));
    assert_non_null(eseal_report_string(sig, "time.serial"));
    const char *token = eseal_report_string(sig, "time.token");
    assert_non_null(token);
    assert_string_equal(object_type(doc, token), "timestamp");
    assert_int_equal(eseal_report_check(sig, "timestamp"), ESEAL_CHECK_PASSED);
    assert_true(names(sig, "timestamp", token));
    /* the TSA's certificate and the root it chains to, which the token's own chain check used */
    assert_int_equal(named(doc, sig, "timestamp", "certificate"), 2);

    /* The chain: the signer's certificate, the CA's and the root's, each a validation object. */
    const char *signer = eseal_report_string(sig, "signer.certificate");
    assert_string_equal(object_type(doc, signer), "certificate");
    assert_int_equal(eseal_report_check(sig, "chain"), ESEAL_CHECK_PASSED);
    assert_true(names(sig, "chain", signer));
    assert_int_equal(named(doc, sig, "chain", "certificate"), 3);
    assert_string_equal(eseal_report_string(sig, "checks.chain.source"), "trust_set");
    int64_t ms = 0;
    assert_int_equal(eseal_report_time(sig, "signer.not_after", &ms), ESEAL_OK);
    assert_int_equal(ms, eseal_cert_not_after(P.leaf));
    assert_string_equal(eseal_report_string(sig, "signer.serial"), eseal_cert_serial(P.leaf));

    /* The revocation: the CA's CRL for the signer, the root's for the CA, both from the trust set. */
    assert_int_equal(eseal_report_check(sig, "revocation"), ESEAL_CHECK_PASSED);
    assert_string_equal(eseal_report_string(sig, "checks.revocation.source"), "crl");
    assert_int_equal(named(doc, sig, "revocation", "crl"), 2);
    const eseal_value *objs = eseal_report_find(doc, "validation_objects");
    size_t crls = 0;
    for (size_t i = 0; i < eseal_value_count(objs); i++) {
        const eseal_value *o = eseal_value_item(objs, i);
        if (strcmp(eseal_value_string(eseal_value_find(o, "type")), "crl") == 0) {
            crls++;
            assert_string_equal(eseal_value_string(eseal_value_find(o, "origin")), "trust_set");
        }
    }
    assert_int_equal(crls, 2);
    assert_int_equal(eseal_report_check(sig, "digest"), ESEAL_CHECK_PASSED);
    assert_int_equal(eseal_report_check(sig, "signature"), ESEAL_CHECK_PASSED);
    assert_int_equal(eseal_report_check(sig, "signing_certificate"), ESEAL_CHECK_PASSED);
    assert_int_equal(eseal_report_check(sig, "validity"), ESEAL_CHECK_PASSED);

    /* The JSON passes the schema, the typed-values check and the evidence rule. */
    assert_report_json(doc, true);

    eseal_report_free(doc);
    eseal_trust_free(t);
    es_buf_free(&der);
    eseal_buf_dispose(&p7s);
    eseal_cert_free(tsa.cert);
    eseal_key_free(tsa.key);
    free_pki();
}

static int setup(void **state)
{
    (void)state;
    testdata = test_vectors_root();
    return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sign_verify_every_algorithm),
        cmocka_unit_test(sm2_rejects_other_hashes),
        cmocka_unit_test(key_hardware_info_from_its_backend),
        cmocka_unit_test(key_files_encrypted_and_strict),
        cmocka_unit_test(sm2_known_answers_from_ofdrw),
        cmocka_unit_test(legacy_pkcs12_imports),
        cmocka_unit_test(cms_verdicts_sm2),
        cmocka_unit_test(cms_verdicts_p256),
        cmocka_unit_test(cms_verdicts_p384),
        cmocka_unit_test(cms_verdicts_rsa),
        cmocka_unit_test(cms_verdicts_rsa_pss),
        cmocka_unit_test(cms_verdicts_ed25519),
        cmocka_unit_test(cms_without_signing_time),
        cmocka_unit_test(sm2_certificates_carry_the_standard_id),
        cmocka_unit_test(cms_report_names_its_evidence),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
