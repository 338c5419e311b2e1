/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The time-stamp client (src/tsa/tsa_client.c) against a good TSA and misbehaving ones:
 * a wrong nonce, a wrong imprint, a certificate without the timeStamping EKU, rejections
 * (addInfoNotAvailable, unacceptedPolicy, timeNotAvailable), a TSA that never answers,
 * HTTP errors, an untrusted TSA; the ordered fallback and bad arguments. Every failure
 * asserts the code, a distinctive part of eseal_error_last() and that no token came back.
 *
 * The in-process transports run on the test thread (cmocka asserts are fine there); the
 * HTTP handlers run on the server's threads and therefore assert nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/ess.h>
#include <openssl/ts.h>

#include "crypto/crypto.h"
#include "crypto/ossl.h"
#include "eseal/eseal.h"
#include "eseal/tsa_client.h"
#include "http/http.h"
#include "../test_pki.h"

#define DAY_MS (86400LL * 1000)
#define OTHER_POLICY "1.2.3.4.5"

static eseal_key *root_key, *tsa_key, *seal_key, *other_root_key, *other_tsa_key;
static eseal_cert *root, *tsa_cert, *seal_cert, *other_root, *other_tsa_cert;
static eseal_trust *trust;
static uint64_t counter;
static uint8_t digest[32]; /* SHA-256("hello") */

static int next_serial(void *ctx, uint64_t *serial)
{
    (void)ctx;
    *serial = ++counter;
    return ESEAL_OK;
}

static int failing_serial(void *ctx, uint64_t *serial)
{
    (void)ctx;
    (void)serial;
    return ESEAL_EIO;
}

/* A TSA whose clock has no trusted time (time_cb answers timeNotAvailable). */
static int64_t no_clock(void *ctx)
{
    (void)ctx;
    return 0;
}

static int setup(void **state)
{
    (void)state;
    int64_t now = eseal_time_now();
    test_issue(&root, &root_key, ESEAL_ALG_P256, ES_PROFILE_ROOT_CA, "Test TSA Root", NULL, NULL, now - DAY_MS,
               now + 365 * DAY_MS);
    test_issue(&tsa_cert, &tsa_key, ESEAL_ALG_P256, ES_PROFILE_TSA, "Test TSA", root_key, root, now - DAY_MS,
               now + 30 * DAY_MS);
    test_issue(&seal_cert, &seal_key, ESEAL_ALG_P256, ES_PROFILE_SEAL_MAKER, "Not a TSA", root_key, root,
               now - DAY_MS, now + 30 * DAY_MS);
    /* A proper TSA under a root the client does not trust. */
    test_issue(&other_root, &other_root_key, ESEAL_ALG_P256, ES_PROFILE_ROOT_CA, "Other Root", NULL, NULL,
               now - DAY_MS, now + 365 * DAY_MS);
    test_issue(&other_tsa_cert, &other_tsa_key, ESEAL_ALG_P256, ES_PROFILE_TSA, "Other TSA", other_root_key,
               other_root, now - DAY_MS, now + 30 * DAY_MS);
    assert_int_equal(eseal_trust_new(&trust), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(trust, root), ESEAL_OK);
    es_buf crl = ES_BUF_INIT(1 << 20);
    assert_true(es_ok(es_crl_issue(&crl, root_key, root, NULL, 0, 1, now - 60000, now + DAY_MS)));
    assert_int_equal(eseal_trust_add_crl(trust, crl.ptr, crl.len), ESEAL_OK);
    es_buf_free(&crl);
    unsigned int dl = 0;
    assert_int_equal(EVP_Digest("hello", 5, digest, &dl, EVP_sha256(), NULL), 1);
    assert_int_equal(dl, sizeof(digest));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eseal_trust_free(trust);
    eseal_cert_free(root);
    eseal_cert_free(tsa_cert);
    eseal_cert_free(seal_cert);
    eseal_cert_free(other_root);
    eseal_cert_free(other_tsa_cert);
    eseal_key_free(root_key);
    eseal_key_free(tsa_key);
    eseal_key_free(seal_key);
    eseal_key_free(other_root_key);
    eseal_key_free(other_tsa_key);
    return 0;
}

static eseal_tsa_config config(void)
{
    eseal_tsa_config c = ESEAL_TSA_CONFIG_INIT;
    c.key = tsa_key;
    c.cert = tsa_cert;
    c.next_serial = next_serial;
    return c;
}

/* ---- an in-process TSA that misbehaves on request -------------------------------------- */

typedef enum {
    TSA_GOOD,          /* eseal_tsa_respond on the request as sent */
    TSA_WRONG_NONCE,   /* ... on the request with another nonce */
    TSA_WRONG_IMPRINT, /* ... on the request with one imprint byte flipped */
    TSA_BAD_SIGNATURE, /* eseal_tsa_respond's answer with the last byte (of the signature) flipped */
    TSA_HAND_MADE,     /* a granted response built here, signed by hm_key/hm_cert under hm_policy */
    TSA_RAW,           /* the bytes raw/raw_len */
} tsa_mode;

typedef struct {
    tsa_mode mode;
    eseal_tsa_config cfg;
    eseal_key *hm_key;
    const eseal_cert *hm_cert;
    const eseal_cert *hm_ess_cert; /* what signing-certificate-v2 names; NULL: no such attribute */
    const char *hm_policy;
    const uint8_t *raw;
    size_t raw_len;
    int calls;
    uint64_t nonce; /* the nonce of the last request */
} fake_tsa;

static fake_tsa fake(tsa_mode mode)
{
    fake_tsa t;
    memset(&t, 0, sizeof(t));
    t.mode = mode;
    t.cfg = config();
    t.hm_key = tsa_key;
    t.hm_cert = tsa_cert;
    t.hm_ess_cert = tsa_cert;
    t.hm_policy = ESEAL_TSA_DEFAULT_POLICY;
    return t;
}

static void set_out(eseal_buf *out, const uint8_t *p, size_t n)
{
    es_buf b = ES_BUF_INIT(1 << 20);
    assert_true(es_ok(es_buf_append(&b, p, n)));
    es_buf_move_out(out, &b);
}

/*
 * A granted TimeStampResp made by hand, as OpenSSL's TS responder refuses a signer
 * without the timeStamping EKU: TSTInfo -> CMS SignedData (eContentType id-ct-TSTInfo,
 * signing-certificate-v2 of RFC 5816) -> PKCS7 -> TimeStampResp.
 */
static void hand_made_response(eseal_buf *out, TS_REQ *req, eseal_key *key, const eseal_cert *cert,
                               const eseal_cert *ess_cert, const char *policy)
{
    TS_TST_INFO *tst = TS_TST_INFO_new();
    assert_non_null(tst);
    assert_int_equal(TS_TST_INFO_set_version(tst, 1), 1);
    ASN1_OBJECT *pol = OBJ_txt2obj(policy, 1);
    assert_non_null(pol);
    assert_int_equal(TS_TST_INFO_set_policy_id(tst, pol), 1);
    ASN1_OBJECT_free(pol);
    assert_int_equal(TS_TST_INFO_set_msg_imprint(tst, TS_REQ_get_msg_imprint(req)), 1);
    ASN1_INTEGER *serial = ASN1_INTEGER_new();
    assert_non_null(serial);
    assert_int_equal(ASN1_INTEGER_set_uint64(serial, ++counter), 1);
    assert_int_equal(TS_TST_INFO_set_serial(tst, serial), 1);
    ASN1_INTEGER_free(serial);
    ASN1_GENERALIZEDTIME *gt = ASN1_GENERALIZEDTIME_set(NULL, time(NULL));
    assert_non_null(gt);
    assert_int_equal(TS_TST_INFO_set_time(tst, gt), 1);
    ASN1_GENERALIZEDTIME_free(gt);
    if (TS_REQ_get_nonce(req) != NULL) {
        assert_int_equal(TS_TST_INFO_set_nonce(tst, TS_REQ_get_nonce(req)), 1);
    }
    unsigned char *tder = NULL;
    int tn = i2d_TS_TST_INFO(tst, &tder);
    assert_true(tn > 0);

    EVP_PKEY *pk = es_key_signing_pkey(key);
    assert_non_null(pk);
    CMS_ContentInfo *cms = CMS_sign(cert->x509, pk, NULL, NULL, CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP);
    assert_non_null(cms);
    assert_int_equal(CMS_set1_eContentType(cms, OBJ_nid2obj(NID_id_smime_ct_TSTInfo)), 1);
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
    assert_non_null(si);
    if (ess_cert != NULL) {
        ESS_SIGNING_CERT_V2 *sc = OSSL_ESS_signing_cert_v2_new_init(EVP_sha256(), ess_cert->x509, NULL, 1);
        assert_non_null(sc);
        unsigned char *scder = NULL;
        int scn = i2d_ESS_SIGNING_CERT_V2(sc, &scder);
        assert_true(scn > 0);
        assert_int_equal(CMS_signed_add1_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE,
                                                     scder, scn),
                         1);
        OPENSSL_free(scder);
        ESS_SIGNING_CERT_V2_free(sc);
    }
    BIO *bio = BIO_new_mem_buf(tder, tn);
    assert_non_null(bio);
    assert_int_equal(CMS_final(cms, bio, NULL, CMS_BINARY), 1);
    BIO_free(bio);
    OPENSSL_free(tder);
    unsigned char *cder = NULL;
    int cn = i2d_CMS_ContentInfo(cms, &cder);
    assert_true(cn > 0);
    CMS_ContentInfo_free(cms);
    const unsigned char *q = cder;
    PKCS7 *p7 = d2i_PKCS7(NULL, &q, cn);
    assert_non_null(p7);
    OPENSSL_free(cder);

    TS_RESP *resp = TS_RESP_new();
    TS_STATUS_INFO *st = TS_STATUS_INFO_new();
    assert_non_null(resp);
    assert_non_null(st);
    assert_int_equal(TS_STATUS_INFO_set_status(st, TS_STATUS_GRANTED), 1);
    assert_int_equal(TS_RESP_set_status_info(resp, st), 1);
    TS_STATUS_INFO_free(st);
    TS_RESP_set_tst_info(resp, p7, tst); /* takes both */
    unsigned char *rder = NULL;
    int rn = i2d_TS_RESP(resp, &rder);
    assert_true(rn > 0);
    TS_RESP_free(resp);
    set_out(out, rder, (size_t)rn);
    OPENSSL_free(rder);
}

static int fake_transport(void *ctx, eseal_buf *resp, const void *req, size_t len)
{
    fake_tsa *t = ctx;
    t->calls++;
    const unsigned char *p = req;
    TS_REQ *r = d2i_TS_REQ(NULL, &p, (long)len);
    assert_non_null(r);
    assert_ptr_equal(p, (const unsigned char *)req + len);
    /* The client's request: version 1, a nonce, certReq. */
    assert_int_equal(TS_REQ_get_version(r), 1);
    assert_non_null(TS_REQ_get_nonce(r));
    assert_int_equal(ASN1_INTEGER_get_uint64(&t->nonce, TS_REQ_get_nonce(r)), 1);
    assert_int_equal(TS_REQ_get_cert_req(r), 1);
    switch (t->mode) {
    case TSA_WRONG_NONCE: {
        ASN1_INTEGER *n = ASN1_INTEGER_new();
        assert_non_null(n);
        assert_int_equal(ASN1_INTEGER_set_uint64(n, t->nonce ^ 1), 1);
        assert_int_equal(TS_REQ_set_nonce(r, n), 1);
        ASN1_INTEGER_free(n);
        break;
    }
    case TSA_WRONG_IMPRINT: {
        TS_MSG_IMPRINT *mi = TS_REQ_get_msg_imprint(r);
        ASN1_OCTET_STRING *os = TS_MSG_IMPRINT_get_msg(mi);
        unsigned char d[64];
        int dn = ASN1_STRING_length(os);
        assert_true(dn > 0 && dn <= (int)sizeof(d));
        memcpy(d, ASN1_STRING_get0_data(os), (size_t)dn);
        d[dn / 2] ^= 0x01;
        assert_int_equal(TS_MSG_IMPRINT_set_msg(mi, d, dn), 1);
        break;
    }
    case TSA_HAND_MADE:
        hand_made_response(resp, r, t->hm_key, t->hm_cert, t->hm_ess_cert, t->hm_policy);
        TS_REQ_free(r);
        return ESEAL_OK;
    case TSA_RAW:
        set_out(resp, t->raw, t->raw_len);
        TS_REQ_free(r);
        return ESEAL_OK;
    case TSA_GOOD:
    case TSA_BAD_SIGNATURE:
        break;
    }
    unsigned char *der = NULL;
    int n = i2d_TS_REQ(r, &der);
    assert_true(n > 0);
    TS_REQ_free(r);
    int rc = eseal_tsa_respond(resp, der, (size_t)n, &t->cfg);
    OPENSSL_free(der);
    if (rc == ESEAL_OK && t->mode == TSA_BAD_SIGNATURE) {
        /* The SignerInfo comes last and ends with the signature (no unsigned attributes). */
        assert_true(resp->size > 0);
        resp->ptr[resp->size - 1] ^= 0x01;
    }
    return rc;
}

static eseal_tsa_source via(fake_tsa *t, const char *name)
{
    eseal_tsa_source s = {NULL, fake_transport, t, name};
    return s;
}

static eseal_tsa_source url(const char *u)
{
    eseal_tsa_source s = {u, NULL, NULL, NULL};
    return s;
}

static int stamp_opts(eseal_tsa_client_result *res, const eseal_tsa_source *src, size_t n, const char *policy,
                      unsigned int timeout_ms)
{
    eseal_tsa_client_options o = ESEAL_TSA_CLIENT_OPTIONS_INIT;
    o.sources = src;
    o.n_sources = n;
    o.trust = trust;
    o.policy_oid = policy;
    o.timeout_ms = timeout_ms;
    return eseal_tsa_client_stamp(res, ESEAL_HASH_SHA256, digest, sizeof(digest), &o);
}

static int stamp(eseal_tsa_client_result *res, const eseal_tsa_source *src, size_t n)
{
    return stamp_opts(res, src, n, NULL, 5000);
}

/* The last error message holds `want`. */
static void expect_msg(const char *want)
{
    const char *msg = eseal_error_last()->message;
    if (strstr(msg, want) == NULL) {
        fail_msg("\"%s\" is not in \"%s\"", want, msg);
    }
}

/* The call failed with `want_rc`, the message holds `want`, and nothing came back. */
static void expect_failure(const eseal_tsa_client_result *res, int rc, int want_rc, const char *want)
{
    const char *msg = eseal_error_last()->message;
    print_message("error: %s\n", msg);
    assert_int_equal(rc, want_rc);
    expect_msg(want);
    assert_null(res->token.ptr);
    assert_int_equal(res->token.size, 0);
    assert_null(res->report);
    assert_string_equal(res->source, "");
    assert_string_equal(res->serial, "");
    assert_int_equal(res->gen_time_ms, 0);
}

static void expect_one_failure(fake_tsa *t, const char *policy, const char *want)
{
    eseal_tsa_source s = via(t, "misbehaving TSA");
    eseal_tsa_client_result res;
    int rc = stamp_opts(&res, &s, 1, policy, 5000);
    expect_failure(&res, rc, ESEAL_EIO, want);
    expect_msg("(misbehaving TSA: ");
    expect_msg("the local clock is never used");
    assert_int_equal(t->calls, 1);
}

/* The result holds a token over `digest` with the nonce the TSA saw, from `source`. */
static void expect_token(const eseal_tsa_client_result *res, const char *source, uint64_t nonce,
                         int64_t before_ms)
{
    assert_non_null(res->token.ptr);
    assert_string_equal(res->source, source);
    assert_non_null(res->report);
    assert_int_equal(eseal_report_verdict(res->report), ESEAL_VALID);
    assert_int_equal(eseal_report_check(res->report, "ts_nonce"), ESEAL_CHECK_PASSED);
    assert_int_equal(eseal_report_check(res->report, "ts_imprint"), ESEAL_CHECK_PASSED);
    assert_true(res->gen_time_ms >= before_ms - 2000 && res->gen_time_ms <= eseal_time_now() + 2000);
    /* A bare ContentInfo over a TSTInfo with our imprint and nonce. */
    const unsigned char *p = res->token.ptr;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)res->token.size);
    assert_non_null(p7);
    assert_ptr_equal(p, res->token.ptr + res->token.size);
    TS_TST_INFO *tst = PKCS7_to_TS_TST_INFO(p7);
    assert_non_null(tst);
    ASN1_OCTET_STRING *mi = TS_MSG_IMPRINT_get_msg(TS_TST_INFO_get_msg_imprint(tst));
    assert_int_equal(ASN1_STRING_length(mi), sizeof(digest));
    assert_memory_equal(ASN1_STRING_get0_data(mi), digest, sizeof(digest));
    uint64_t n = 0;
    assert_int_equal(ASN1_INTEGER_get_uint64(&n, TS_TST_INFO_get_nonce(tst)), 1);
    assert_true(n == nonce);
    /* The serial, in the hexadecimal of BN_bn2hex. */
    BIGNUM *bn = ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(tst), NULL);
    char *hex = BN_bn2hex(bn);
    assert_true(strlen(res->serial) > 0);
    assert_string_equal(res->serial, hex);
    OPENSSL_free(hex);
    BN_free(bn);
    TS_TST_INFO_free(tst);
    PKCS7_free(p7);
    /* And the token passes the check on its own. */
    eseal_tsa_verify_options vo = ESEAL_TSA_VERIFY_OPTIONS_INIT;
    vo.data = "hello";
    vo.data_len = 5;
    eseal_report *rep = NULL;
    assert_int_equal(eseal_tsa_verify_token(&rep, NULL, res->token.ptr, res->token.size, trust, &vo), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
}

/* ---- 1. a good TSA ------------------------------------------------------------------------ */

static void good_in_process_tsa(void **state)
{
    (void)state;
    fake_tsa t = fake(TSA_GOOD);
    eseal_tsa_source s = via(&t, "eseal TSA");
    eseal_tsa_client_result res;
    int64_t before = eseal_time_now();
    assert_int_equal(stamp(&res, &s, 1), ESEAL_OK);
    assert_int_equal(t.calls, 1);
    expect_token(&res, "eseal TSA", t.nonce, before);
    char want[32];
    (void)snprintf(want, sizeof(want), "%02" PRIX64, counter);
    assert_true(counter < 256);
    assert_string_equal(res.serial, want);
    eseal_tsa_client_result_free(&res);
    assert_null(res.token.ptr);
    assert_null(res.report);
    assert_string_equal(res.source, "");

    /* A fresh nonce each time; an unnamed transport is "in-process TSA"; SM3 and SHA-512 too. */
    uint64_t first = t.nonce;
    s.name = NULL;
    assert_int_equal(stamp(&res, &s, 1), ESEAL_OK);
    assert_true(t.nonce != first);
    assert_string_equal(res.source, "in-process TSA");
    eseal_tsa_client_result_free(&res);
    eseal_tsa_client_options o = ESEAL_TSA_CLIENT_OPTIONS_INIT;
    o.sources = &s;
    o.n_sources = 1;
    o.trust = trust;
    uint8_t d[64] = {1};
    assert_int_equal(eseal_tsa_client_stamp(&res, ESEAL_HASH_SM3, d, 32, &o), ESEAL_OK);
    assert_string_equal(eseal_report_string(res.report, "token.imprint_algorithm"), "SM3");
    eseal_tsa_client_result_free(&res);
    assert_int_equal(eseal_tsa_client_stamp(&res, ESEAL_HASH_SHA512, d, 64, &o), ESEAL_OK);
    assert_string_equal(eseal_report_string(res.report, "token.imprint_algorithm"), "SHA512");
    eseal_tsa_client_result_free(&res);
    eseal_tsa_client_result_free(NULL);
}

/* ---- 2-5. tokens that fail the checklist, and rejections ----------------------------------- */

static void wrong_nonce(void **state)
{
    (void)state;
    fake_tsa t = fake(TSA_WRONG_NONCE);
    expect_one_failure(&t, NULL, "the token's nonce is not the request's (NONCE_MISMATCH)");
}

static void wrong_imprint(void **state)
{
    (void)state;
    fake_tsa t = fake(TSA_WRONG_IMPRINT);
    expect_one_failure(&t, NULL, "message imprint is not the one of the request or the data (HASH_FAILURE)");
}

static void hand_made_token_of_the_tsa_is_accepted(void **state)
{
    (void)state;
    /* The control for the next two: the hand-made response is good when the TSA signs it. */
    fake_tsa t = fake(TSA_HAND_MADE);
    eseal_tsa_source s = via(&t, "hand-made TSA");
    eseal_tsa_client_result res;
    int64_t before = eseal_time_now();
    assert_int_equal(stamp(&res, &s, 1), ESEAL_OK);
    expect_token(&res, "hand-made TSA", t.nonce, before - 1000); /* genTime in whole seconds */
    eseal_tsa_client_result_free(&res);
}

static void non_tsa_certificate(void **state)
{
    (void)state;
    fake_tsa t = fake(TSA_HAND_MADE);
    t.hm_key = seal_key;
    t.hm_cert = seal_cert; /* chains to the trusted root, but its EKU is not timeStamping */
    t.hm_ess_cert = seal_cert;
    expect_one_failure(&t, NULL, "is not a critical timeStamping (CHAIN_CONSTRAINTS_FAILURE)");
}

static void signing_certificate_v2_missing_or_wrong(void **state)
{
    (void)state;
    /* RFC 5816: the SignerInfo names the TSA certificate by ESSCertIDv2. */
    fake_tsa t = fake(TSA_HAND_MADE);
    t.hm_ess_cert = NULL;
    expect_one_failure(&t, NULL, "has no signing-certificate-v2 attribute (RFC 5816) (SIGNING_CERTIFICATE_MISSING)");
    t = fake(TSA_HAND_MADE);
    t.hm_ess_cert = other_tsa_cert;
    expect_one_failure(&t, NULL, "does not name the signer certificate (SIGNING_CERTIFICATE_MISMATCH)");
}

static void bad_signature(void **state)
{
    (void)state;
    fake_tsa t = fake(TSA_BAD_SIGNATURE);
    expect_one_failure(&t, NULL, "the time-stamp token's signature does not verify");
    expect_msg("(SIG_CRYPTO_FAILURE)");
}

static void policy_not_the_required_one(void **state)
{
    (void)state;
    /* A TSA that ignores reqPolicy and stamps under its own. */
    fake_tsa t = fake(TSA_HAND_MADE);
    t.hm_policy = OTHER_POLICY;
    expect_one_failure(&t, ESEAL_TSA_DEFAULT_POLICY,
                       "the token's policy is " OTHER_POLICY ", not " ESEAL_TSA_DEFAULT_POLICY " (POLICY_MISMATCH)");
}

static void rejections(void **state)
{
    (void)state;
    /* The serial source fails: rejection, addInfoNotAvailable. */
    fake_tsa t = fake(TSA_GOOD);
    t.cfg.next_serial = failing_serial;
    expect_one_failure(&t, NULL, "the TSA did not grant the time-stamp (status 2, addInfoNotAvailable) (TSA_REJECTED)");
    /* A policy the TSA does not serve. */
    t = fake(TSA_GOOD);
    expect_one_failure(&t, OTHER_POLICY, "did not grant the time-stamp (status 2, unacceptedPolicy)");
}

static void time_not_available(void **state)
{
    (void)state;
    /* The responder itself, its clock saying there is no time. */
    fake_tsa t = fake(TSA_GOOD);
    t.cfg.clock = no_clock;
    expect_one_failure(&t, NULL, "the TSA has no trusted time source now (timeNotAvailable)");
    /* A rejection made by hand: PKIStatusInfo { rejection, failInfo bit 14 timeNotAvailable }. */
    static const uint8_t rej[] = {0x30, 0x0a, 0x30, 0x08, 0x02, 0x01, 0x02, 0x03, 0x03, 0x01, 0x00, 0x02};
    int st = -1;
    unsigned int fail = 0;
    assert_int_equal(eseal_tsa_response_status(&st, &fail, rej, sizeof(rej)), ESEAL_OK);
    assert_int_equal(st, ESEAL_TSA_REJECTION);
    assert_int_equal(fail, ESEAL_TSA_FAIL_TIME_NOT_AVAILABLE);
    t = fake(TSA_RAW);
    t.raw = rej;
    t.raw_len = sizeof(rej);
    expect_one_failure(&t, NULL, "the TSA has no trusted time source now (timeNotAvailable)");
}

static void untrusted_tsa(void **state)
{
    (void)state;
    fake_tsa t = fake(TSA_GOOD);
    t.cfg.key = other_tsa_key;
    t.cfg.cert = other_tsa_cert;
    expect_one_failure(&t, NULL, "(NO_CERTIFICATE_CHAIN_FOUND)");
}

static int failing_transport(void *ctx, eseal_buf *resp, const void *req, size_t len)
{
    /* An in-process TSA with a broken configuration (no serial source). */
    (void)ctx;
    eseal_tsa_config c = config();
    c.next_serial = NULL;
    return eseal_tsa_respond(resp, req, len, &c);
}

static void transport_error(void **state)
{
    (void)state;
    eseal_tsa_source s = {NULL, failing_transport, NULL, "broken TSA"};
    eseal_tsa_client_result res;
    int rc = stamp(&res, &s, 1);
    expect_failure(&res, rc, ESEAL_EIO, "broken TSA: tsa: the configuration needs a serial number source");
    /* Not a TimeStampResp at all. */
    fake_tsa t = fake(TSA_RAW);
    t.raw = (const uint8_t *)"<html>";
    t.raw_len = 6;
    expect_one_failure(&t, NULL, "neither a DER TimeStampResp nor a time-stamp token");
}

/* ---- 6-7. HTTP: a TSA that never answers, HTTP errors ------------------------------------- */

/* A listening socket nobody accepts on: the kernel completes the handshake, no answer comes. */
static int silent_socket(unsigned int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 16), 0);
    socklen_t al = sizeof(a);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void timeout(void **state)
{
    (void)state;
    unsigned int port = 0;
    int fd = silent_socket(&port);
    char u[64];
    (void)snprintf(u, sizeof(u), "http://127.0.0.1:%u/tsa", port);
    eseal_tsa_source s = url(u);
    eseal_tsa_client_result res;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = stamp_opts(&res, &s, 1, NULL, 300);
    double took = seconds_since(&t0);
    print_message("timed out after %.3f s\n", took);
    expect_failure(&res, rc, ESEAL_EIO, "timed out");
    expect_msg(u);
    assert_true(took < 5.0);
    close(fd);
}

typedef struct {
    int status;
    const char *type;
    int garbage; /* answer with a body that is not DER */
    char seen_type[96];
    char seen_method[8];
} web_tsa;

/* Runs on a server thread: no cmocka asserts here. */
static ES_RESULT web_handler(void *ctx, const es_http_request *rq, es_http_response *rs)
{
    web_tsa *w = ctx;
    (void)snprintf(w->seen_type, sizeof(w->seen_type), "%s", rq->content_type);
    (void)snprintf(w->seen_method, sizeof(w->seen_method), "%s", rq->method);
    rs->status = w->status;
    (void)snprintf(rs->content_type, sizeof(rs->content_type), "%s", w->type);
    if (w->garbage) {
        return es_buf_printf(&rs->body, "this is not a TimeStampResp");
    }
    eseal_tsa_config c = config();
    eseal_buf out = ESEAL_BUF_INIT;
    int rc = eseal_tsa_respond(&out, rq->body.ptr, rq->body.len, &c);
    ES_ENSURE(rc == ESEAL_OK, rc, "the test TSA failed");
    es_result r = es_buf_append(&rs->body, out.ptr, out.size);
    eseal_buf_dispose(&out);
    return r;
}

static void http_answers(void **state)
{
    (void)state;
    web_tsa w = {200, "application/timestamp-reply", 0, "", ""};
    es_http_options ho = {"127.0.0.1:0", 65536, 2, 5, web_handler, &w, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    es_http_server *srv = NULL;
    assert_true(es_ok(es_http_start(&srv, &ho)));
    char u[64];
    (void)snprintf(u, sizeof(u), "http://127.0.0.1:%u/tsa", es_http_port(srv));
    eseal_tsa_source s = url(u);
    eseal_tsa_client_result res;

    /* Good: the URL is the source; the request went as a POST of application/timestamp-query. */
    int64_t before = eseal_time_now();
    assert_int_equal(stamp(&res, &s, 1), ESEAL_OK);
    assert_string_equal(w.seen_method, "POST");
    assert_string_equal(w.seen_type, "application/timestamp-query");
    assert_string_equal(res.source, u);
    assert_int_equal(eseal_report_verdict(res.report), ESEAL_VALID);
    assert_true(res.gen_time_ms >= before - 2000);
    eseal_tsa_client_result_free(&res);
    /* The -response spelling some servers use is accepted too. */
    w.type = "application/timestamp-response";
    assert_int_equal(stamp(&res, &s, 1), ESEAL_OK);
    eseal_tsa_client_result_free(&res);

    /* A server error (the body is a good response, the status decides). */
    w.status = 500;
    w.type = "application/timestamp-reply";
    int rc = stamp(&res, &s, 1);
    expect_failure(&res, rc, ESEAL_EIO, "HTTP status 500");
    expect_msg(u);
    /* A good response under the wrong Content-Type. */
    w.status = 200;
    w.type = "text/html";
    rc = stamp(&res, &s, 1);
    expect_failure(&res, rc, ESEAL_EIO, "the answer is text/html, not application/timestamp-reply");
    w.type = "";
    rc = stamp(&res, &s, 1);
    expect_failure(&res, rc, ESEAL_EIO, "the answer is untyped, not application/timestamp-reply");
    /* The right type, a body that is not DER. */
    w.type = "application/timestamp-reply";
    w.garbage = 1;
    rc = stamp(&res, &s, 1);
    expect_failure(&res, rc, ESEAL_EIO, "neither a DER TimeStampResp nor a time-stamp token");
    es_http_stop(srv);

    /* Nobody listens any more; and a scheme the client does not speak. */
    rc = stamp(&res, &s, 1);
    expect_failure(&res, rc, ESEAL_EIO, u);
    eseal_tsa_source ftp = url("ftp://127.0.0.1/tsa");
    rc = stamp(&res, &ftp, 1);
    expect_failure(&res, rc, ESEAL_EIO, "only http:// and https:// URLs are fetched");
}

/* ---- 8. the sources in order --------------------------------------------------------------- */

static void ordered_fallback(void **state)
{
    (void)state;
    unsigned int port = 0;
    int fd = silent_socket(&port);
    char u[64];
    (void)snprintf(u, sizeof(u), "http://127.0.0.1:%u/tsa", port);
    fake_tsa bad_nonce = fake(TSA_WRONG_NONCE), good = fake(TSA_GOOD);
    eseal_tsa_source srcs[3] = {url(u), via(&bad_nonce, "TSA two"), via(&good, "TSA three")};
    eseal_tsa_client_result res;
    int64_t before = eseal_time_now();
    assert_int_equal(stamp_opts(&res, srcs, 3, NULL, 300), ESEAL_OK);
    assert_int_equal(bad_nonce.calls, 1);
    assert_int_equal(good.calls, 1);
    expect_token(&res, "TSA three", good.nonce, before);
    /* Both TSAs saw the one request, with the one nonce. */
    assert_true(bad_nonce.nonce == good.nonce);
    eseal_tsa_client_result_free(&res);

    /* The first good one wins; the rest are not asked. */
    fake_tsa second = fake(TSA_GOOD);
    good.calls = 0;
    eseal_tsa_source two[2] = {via(&good, "first"), via(&second, "second")};
    assert_int_equal(stamp(&res, two, 2), ESEAL_OK);
    assert_string_equal(res.source, "first");
    assert_int_equal(second.calls, 0);
    eseal_tsa_client_result_free(&res);

    /* None gives a token: every source is named, in order, with its reason. */
    fake_tsa bad_imprint = fake(TSA_WRONG_IMPRINT);
    srcs[2] = via(&bad_imprint, "TSA three");
    int rc = stamp_opts(&res, srcs, 3, NULL, 300);
    expect_failure(&res, rc, ESEAL_EIO, "no time-stamp could be obtained");
    expect_msg("the local clock is never used instead");
    const char *msg = eseal_error_last()->message;
    char one[256];
    (void)snprintf(one, sizeof(one), "(%s: timed out; ", u); /* the URL once, not twice */
    const char *p1 = strstr(msg, one);
    const char *p2 = strstr(msg, "; TSA two: the token's nonce is not the request's");
    const char *p3 = strstr(msg, "; TSA three: the token's message imprint is not");
    assert_non_null(p1);
    assert_non_null(p2);
    assert_non_null(p3);
    assert_true(p1 < p2 && p2 < p3);
    close(fd);
}

/* ---- 10. bad arguments --------------------------------------------------------------------- */

static void bad_arguments(void **state)
{
    (void)state;
    fake_tsa t = fake(TSA_GOOD);
    eseal_tsa_source s = via(&t, "eseal TSA");
    eseal_tsa_client_options o = ESEAL_TSA_CLIENT_OPTIONS_INIT;
    o.sources = &s;
    o.n_sources = 1;
    o.trust = trust;
    eseal_tsa_client_result res;
    int rc = eseal_tsa_client_stamp(&res, ESEAL_HASH_SHA256, digest, 20, &o);
    expect_failure(&res, rc, ESEAL_EINVAL, "a SHA256 digest is 32 bytes, not 20");
    rc = eseal_tsa_client_stamp(&res, ESEAL_HASH_DEFAULT, digest, 31, &o);
    expect_failure(&res, rc, ESEAL_EINVAL, "a SHA256 digest is 32 bytes, not 31");
    rc = eseal_tsa_client_stamp(&res, ESEAL_HASH_SHA384, digest, 32, &o);
    expect_failure(&res, rc, ESEAL_EINVAL, "a SHA384 digest is 48 bytes, not 32");
    rc = eseal_tsa_client_stamp(&res, (eseal_hash)99, digest, 32, &o);
    expect_failure(&res, rc, ESEAL_EINVAL, "tsa client: unsupported hash");
    rc = eseal_tsa_client_stamp(&res, ESEAL_HASH_SHA256, NULL, 32, &o);
    expect_failure(&res, rc, ESEAL_EINVAL, "invalid argument");

    o.n_sources = 0;
    rc = eseal_tsa_client_stamp(&res, ESEAL_HASH_SHA256, digest, 32, &o);
    expect_failure(&res, rc, ESEAL_EINVAL, "no time-stamp authority configured");
    o.n_sources = 1;
    o.sources = NULL;
    rc = eseal_tsa_client_stamp(&res, ESEAL_HASH_SHA256, digest, 32, &o);
    expect_failure(&res, rc, ESEAL_EINVAL, "no time-stamp authority configured");
    rc = eseal_tsa_client_stamp(&res, ESEAL_HASH_SHA256, digest, 32, NULL);
    expect_failure(&res, rc, ESEAL_EINVAL, "no time-stamp authority configured");

    eseal_tsa_source none[2] = {s, {NULL, NULL, NULL, "nothing"}};
    o.sources = none;
    o.n_sources = 2;
    rc = eseal_tsa_client_stamp(&res, ESEAL_HASH_SHA256, digest, 32, &o);
    expect_failure(&res, rc, ESEAL_EINVAL, "source 2 has no URL");
    o.sources = &s;
    o.n_sources = 1;
    o.trust = NULL;
    rc = eseal_tsa_client_stamp(&res, ESEAL_HASH_SHA256, digest, 32, &o);
    expect_failure(&res, rc, ESEAL_EINVAL, "no TSA trust anchors given");
    o.trust = trust;
    o.policy_oid = "not an oid";
    rc = eseal_tsa_client_stamp(&res, ESEAL_HASH_SHA256, digest, 32, &o);
    expect_failure(&res, rc, ESEAL_EINVAL, "\"not an oid\" is not an OID");
    o.policy_oid = NULL;
    o.version = 99;
    rc = eseal_tsa_client_stamp(&res, ESEAL_HASH_SHA256, digest, 32, &o);
    expect_failure(&res, rc, ESEAL_EINVAL, "TSA client options: version 99, this library knows 1");
    /* None of these asked the TSA. */
    assert_int_equal(t.calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_in_process_tsa),
        cmocka_unit_test(wrong_nonce),
        cmocka_unit_test(wrong_imprint),
        cmocka_unit_test(hand_made_token_of_the_tsa_is_accepted),
        cmocka_unit_test(non_tsa_certificate),
        cmocka_unit_test(signing_certificate_v2_missing_or_wrong),
        cmocka_unit_test(bad_signature),
        cmocka_unit_test(policy_not_the_required_one),
        cmocka_unit_test(rejections),
        cmocka_unit_test(time_not_available),
        cmocka_unit_test(untrusted_tsa),
        cmocka_unit_test(transport_error),
        cmocka_unit_test(timeout),
        cmocka_unit_test(http_answers),
        cmocka_unit_test(ordered_fallback),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
