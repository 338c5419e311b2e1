/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The RFC 3161 responder (src/tsa): granted tokens for SHA-256 and SM3 imprints, nonce
 * echo, certReq, increasing serials, and the rejections of RFC 3161 §2.4.2 (badAlg for
 * MD5 / SHA-1 / wrong imprint length, badDataFormat for garbage, unacceptedPolicy);
 * then the client check (eseal_tsa_verify_token) on good and bad tokens.
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

#include <openssl/ts.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "../test_pki.h"
#include "../test_report_json.h"

#define DAY_MS (86400LL * 1000)

static eseal_key *root_key, *tsa_key, *seal_key, *sm2_root_key, *sm2_tsa_key;
static eseal_cert *root, *tsa_cert, *seal_cert, *sm2_root, *sm2_tsa_cert;
static eseal_trust *trust;
static uint64_t counter;

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
    test_issue(&sm2_root, &sm2_root_key, ESEAL_ALG_SM2, ES_PROFILE_ROOT_CA, "Test SM2 TSA Root", NULL, NULL,
               now - DAY_MS, now + 365 * DAY_MS);
    test_issue(&sm2_tsa_cert, &sm2_tsa_key, ESEAL_ALG_SM2, ES_PROFILE_TSA, "Test SM2 TSA", sm2_root_key, sm2_root,
               now - DAY_MS, now + 30 * DAY_MS);
    assert_int_equal(eseal_trust_new(&trust), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(trust, root), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(trust, sm2_root), ESEAL_OK);
    es_buf crl = ES_BUF_INIT(1 << 20);
    assert_true(es_ok(es_crl_issue(&crl, root_key, root, NULL, 0, 1, now - 60000, now + DAY_MS)));
    assert_int_equal(eseal_trust_add_crl(trust, crl.ptr, crl.len), ESEAL_OK);
    crl.len = 0;
    assert_true(es_ok(es_crl_issue(&crl, sm2_root_key, sm2_root, NULL, 0, 1, now - 60000, now + DAY_MS)));
    assert_int_equal(eseal_trust_add_crl(trust, crl.ptr, crl.len), ESEAL_OK);
    es_buf_free(&crl);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eseal_trust_free(trust);
    eseal_cert_free(root);
    eseal_cert_free(tsa_cert);
    eseal_cert_free(seal_cert);
    eseal_key_free(root_key);
    eseal_key_free(tsa_key);
    eseal_key_free(seal_key);
    eseal_cert_free(sm2_root);
    eseal_cert_free(sm2_tsa_cert);
    eseal_key_free(sm2_root_key);
    eseal_key_free(sm2_tsa_key);
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

static eseal_tsa_config sm2_config(void)
{
    eseal_tsa_config c = ESEAL_TSA_CONFIG_INIT;
    c.key = sm2_tsa_key;
    c.cert = sm2_tsa_cert;
    c.next_serial = next_serial;
    return c;
}

/* A DER TimeStampReq: imprint under md_nid (digest_len bytes; 0: the real size of `data`'s hash). */
static void make_req(eseal_buf *out, int md_nid, size_t digest_len, int with_nonce, int cert_req, const char *policy)
{
    TS_REQ *req = TS_REQ_new();
    assert_non_null(req);
    assert_int_equal(TS_REQ_set_version(req, 1), 1);
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    assert_int_equal(X509_ALGOR_set0(alg, OBJ_nid2obj(md_nid), V_ASN1_NULL, NULL), 1);
    assert_int_equal(TS_MSG_IMPRINT_set_algo(mi, alg), 1);
    unsigned char dg[64];
    unsigned int dl = 0;
    const EVP_MD *md = EVP_get_digestbynid(md_nid);
    if (md != NULL) {
        assert_int_equal(EVP_Digest("hello", 5, dg, &dl, md, NULL), 1);
    } else {
        memset(dg, 0x11, sizeof(dg));
        dl = 32;
    }
    if (digest_len != 0) {
        dl = (unsigned int)digest_len;
    }
    assert_int_equal(TS_MSG_IMPRINT_set_msg(mi, dg, (int)dl), 1);
    assert_int_equal(TS_REQ_set_msg_imprint(req, mi), 1);
    if (with_nonce) {
        ASN1_INTEGER *n = ASN1_INTEGER_new();
        assert_int_equal(ASN1_INTEGER_set_uint64(n, 0x1122334455667788ULL), 1);
        assert_int_equal(TS_REQ_set_nonce(req, n), 1);
        ASN1_INTEGER_free(n);
    }
    assert_int_equal(TS_REQ_set_cert_req(req, cert_req), 1);
    if (policy != NULL) {
        ASN1_OBJECT *o = OBJ_txt2obj(policy, 1);
        assert_int_equal(TS_REQ_set_policy_id(req, o), 1);
        ASN1_OBJECT_free(o);
    }
    unsigned char *der = NULL;
    int n = i2d_TS_REQ(req, &der);
    assert_true(n > 0);
    out->ptr = (uint8_t *)der;
    out->size = (size_t)n;
    TS_MSG_IMPRINT_free(mi);
    X509_ALGOR_free(alg);
    TS_REQ_free(req);
}

static void free_req(eseal_buf *b) { OPENSSL_free(b->ptr); }

static TS_RESP *decode(const eseal_buf *resp)
{
    const unsigned char *p = resp->ptr;
    TS_RESP *r = d2i_TS_RESP(NULL, &p, (long)resp->size);
    assert_non_null(r);
    assert_ptr_equal(p, resp->ptr + resp->size);
    return r;
}

static void respond_status(const eseal_buf *req, const eseal_tsa_config *c, int want_status, unsigned want_fail,
                           eseal_buf *resp_out)
{
    eseal_buf resp = ESEAL_BUF_INIT;
    assert_int_equal(eseal_tsa_respond(&resp, req->ptr, req->size, c), ESEAL_OK);
    int st = -1;
    unsigned fail = 0;
    assert_int_equal(eseal_tsa_response_status(&st, &fail, resp.ptr, resp.size), ESEAL_OK);
    assert_int_equal(st, want_status);
    assert_int_equal(fail, want_fail);
    TS_RESP_free(decode(&resp)); /* always a parseable TimeStampResp */
    if (resp_out != NULL) {
        *resp_out = resp;
    } else {
        eseal_buf_dispose(&resp);
    }
}

static eseal_report *verify(const eseal_buf *resp, const eseal_buf *req, const char *data, int64_t *gen)
{
    eseal_tsa_verify_options o = ESEAL_TSA_VERIFY_OPTIONS_INIT;
    if (req != NULL) {
        o.request = req->ptr;
        o.request_len = req->size;
    }
    if (data != NULL) {
        o.data = data;
        o.data_len = strlen(data);
    }
    eseal_report *rep = NULL;
    assert_int_equal(eseal_tsa_verify_token(&rep, gen, resp->ptr, resp->size, trust, &o), ESEAL_OK);
    for (size_t i = 0; i < eseal_report_reason_count(rep); i++) {
        print_message("reason %s: %s\n", eseal_report_reason_code(rep, i), eseal_report_reason_text(rep, i));
    }
    return rep;
}

/*
 * A token's report is no document report (the schema is for PDF, OFD and CMS verification), but
 * its JSON hides no number, boolean or list in a string either: tests/lib/report_schema.py's check.
 */
static void assert_typed_json(const eseal_report *rep) { assert_report_json(rep, false); }

static void test_granted_sha256(void **state)
{
    (void)state;
    eseal_tsa_config c = config();
    eseal_buf req = ESEAL_BUF_INIT, resp = ESEAL_BUF_INIT;
    make_req(&req, NID_sha256, 0, 1, 1, NULL);
    int64_t before = eseal_time_now();
    respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, &resp);
    TS_RESP *r = decode(&resp);
    TS_TST_INFO *tst = TS_RESP_get_tst_info(r);
    assert_non_null(tst);
    assert_int_equal(TS_TST_INFO_get_version(tst), 1);
    char pol[64];
    OBJ_obj2txt(pol, sizeof(pol), TS_TST_INFO_get_policy_id(tst), 1);
    assert_string_equal(pol, ESEAL_TSA_DEFAULT_POLICY);
    TS_ACCURACY *acc = TS_TST_INFO_get_accuracy(tst);
    assert_non_null(acc);
    assert_int_equal(ASN1_INTEGER_get(TS_ACCURACY_get_seconds(acc)), 1);
    /* The token carries signing-certificate-v2 (RFC 5816), not the SHA-1 v1. */
    PKCS7_SIGNER_INFO *si = sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(TS_RESP_get_token(r)), 0);
    assert_non_null(PKCS7_get_signed_attribute(si, NID_id_smime_aa_signingCertificateV2));
    assert_null(PKCS7_get_signed_attribute(si, NID_id_smime_aa_signingCertificate));
    TS_RESP_free(r);

    int64_t gen = 0;
    eseal_report *rep = verify(&resp, &req, "hello", &gen);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    assert_true(gen >= before - 1000 && gen <= eseal_time_now() + 1000);
    assert_int_equal(eseal_report_check(rep, "signing_certificate"), ESEAL_CHECK_PASSED);
    assert_int_equal(eseal_report_check(rep, "ts_tsa_eku"), ESEAL_CHECK_PASSED);
    assert_int_equal(eseal_report_check(rep, "ts_nonce"), ESEAL_CHECK_PASSED);
    int64_t acc_ms = 0;
    assert_int_equal(eseal_report_integer(rep, "token.accuracy_ms", &acc_ms), ESEAL_OK);
    assert_int_equal(acc_ms, 1000);
    int64_t gt = 0;
    assert_int_equal(eseal_report_time(rep, "token.gen_time", &gt), ESEAL_OK);
    assert_int_equal(gt, gen);
    assert_string_equal(eseal_report_string(rep, "token.policy"), ESEAL_TSA_DEFAULT_POLICY);
    assert_non_null(strstr(eseal_report_string(rep, "signer.subject"), "Test TSA"));
    /* The TSA's certificate is a validation object of the token's report, named by check "chain". */
    const char *cert = eseal_report_string(rep, "signer.certificate");
    assert_non_null(cert);
    assert_string_equal(eseal_report_string(rep, "checks.chain.objects.0"), cert);
    const char *serial = eseal_report_string(rep, "token.serial");
    assert_non_null(serial);
    assert_int_equal(strspn(serial, "0123456789ABCDEF"), strlen(serial));
    assert_typed_json(rep);
    eseal_report_free(rep);

    /* Other data: HASH_FAILURE. */
    rep = verify(&resp, NULL, "other", NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_INVALID);
    assert_true(eseal_report_has_reason(rep, "HASH_FAILURE"));
    eseal_report_free(rep);

    /* A required policy that is not the token's. */
    eseal_tsa_verify_options o = ESEAL_TSA_VERIFY_OPTIONS_INIT;
    o.data = "hello";
    o.data_len = 5;
    o.policy_oid = "1.2.3.4";
    assert_int_equal(eseal_tsa_verify_token(&rep, NULL, resp.ptr, resp.size, trust, &o), ESEAL_OK);
    assert_true(eseal_report_has_reason(rep, "POLICY_MISMATCH"));
    eseal_report_free(rep);

    /* No anchors: INDETERMINATE, not VALID. */
    o.policy_oid = NULL;
    assert_int_equal(eseal_tsa_verify_token(&rep, NULL, resp.ptr, resp.size, NULL, &o), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_INDETERMINATE);
    eseal_report_free(rep);

    /* The bare token (ContentInfo) verifies too. */
    r = decode(&resp);
    unsigned char *tok = NULL;
    int tn = i2d_PKCS7(TS_RESP_get_token(r), &tok);
    assert_true(tn > 0);
    assert_int_equal(eseal_tsa_verify_token(&rep, NULL, tok, (size_t)tn, trust, &o), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
    OPENSSL_free(tok);
    TS_RESP_free(r);

    /* Garbage is not a token. */
    assert_int_equal(eseal_tsa_verify_token(&rep, NULL, "junk", 4, trust, &o), ESEAL_EMALFORMED);
    eseal_buf_dispose(&resp);
    free_req(&req);
}

/*
 * Issue 24: a TSA whose chain ends at an anchor another platform's trust list vouched for counts only
 * as that list's TSA service, granted at the token's time (crypto/trust.c, es_chain_check_svc).
 */
static eseal_verdict listed_verdict(const eseal_buf *resp, int type, const int64_t *since, const bool *granted,
                                    size_t n)
{
    eseal_trust *t = NULL;
    assert_int_equal(eseal_trust_new(&t), ESEAL_OK);
    eseal_buf der = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cert_der(&der, root), ESEAL_OK);
    assert_true(es_ok(es_trust_add_noted(t, es_span_of(der.ptr, der.size), true, "the trust list of P, sequence 1")));
    eseal_buf_dispose(&der);
    int64_t now = eseal_time_now();
    es_buf crl = ES_BUF_INIT(1 << 20);
    assert_true(es_ok(es_crl_issue(&crl, root_key, root, NULL, 0, 1, now - 60000, now + DAY_MS)));
    assert_int_equal(eseal_trust_add_crl(t, crl.ptr, crl.len), ESEAL_OK);
    es_buf_free(&crl);
    if (type != 0) {
        assert_int_equal(eseal_cert_der(&der, tsa_cert), ESEAL_OK);
        assert_true(es_ok(es_trust_add_service(t, es_span_of(der.ptr, der.size), type, since, granted, n)));
        eseal_buf_dispose(&der);
    }
    eseal_tsa_verify_options o = ESEAL_TSA_VERIFY_OPTIONS_INIT;
    o.data = "hello";
    o.data_len = 5;
    eseal_report *rep = NULL;
    assert_int_equal(eseal_tsa_verify_token(&rep, NULL, resp->ptr, resp->size, t, &o), ESEAL_OK);
    eseal_verdict v = eseal_report_verdict(rep);
    if (v != ESEAL_VALID) {
        assert_true(eseal_report_has_reason(rep, "CHAIN_CONSTRAINTS_FAILURE"));
        assert_int_equal(eseal_report_check(rep, "chain"), ESEAL_CHECK_INDETERMINATE);
    }
    eseal_report_free(rep);
    eseal_trust_free(t);
    return v;
}

static void test_listed_tsa_service(void **state)
{
    (void)state;
    eseal_tsa_config c = config();
    eseal_buf req = ESEAL_BUF_INIT, resp = ESEAL_BUF_INIT;
    make_req(&req, NID_sha256, 0, 1, 1, NULL);
    respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, &resp);
    int64_t now = eseal_time_now();
    const int64_t long_ago[] = {now - DAY_MS};
    const bool yes[] = {true};
    /* the list names the TSA as a TSA service, granted since yesterday: VALID */
    assert_int_equal(listed_verdict(&resp, ES_TRUST_SVC_TSA, long_ago, yes, 1), ESEAL_VALID);
    /* not named at all, or named as another kind of service: not trusted as a TSA */
    assert_int_equal(listed_verdict(&resp, 0, NULL, NULL, 0), ESEAL_INDETERMINATE);
    assert_int_equal(listed_verdict(&resp, ES_TRUST_SVC_SEAL_MAKER, long_ago, yes, 1), ESEAL_INDETERMINATE);
    /* withdrawn an hour before the token: INDETERMINATE; withdrawn an hour after it: granted then, VALID */
    const int64_t before[] = {now - 3600000, now - DAY_MS};
    const bool withdrawn_then_granted[] = {false, true};
    assert_int_equal(listed_verdict(&resp, ES_TRUST_SVC_TSA, before, withdrawn_then_granted, 2), ESEAL_INDETERMINATE);
    const int64_t after[] = {now + 3600000, now - DAY_MS};
    assert_int_equal(listed_verdict(&resp, ES_TRUST_SVC_TSA, after, withdrawn_then_granted, 2), ESEAL_VALID);
    /* granted only from tomorrow: not yet a service at the token's time */
    const int64_t tomorrow[] = {now + DAY_MS};
    assert_int_equal(listed_verdict(&resp, ES_TRUST_SVC_TSA, tomorrow, yes, 1), ESEAL_INDETERMINATE);
    free_req(&req);
    eseal_buf_dispose(&resp);
}

static void test_granted_sm3(void **state)
{
    (void)state;
    eseal_tsa_config c = config();
    eseal_buf req = ESEAL_BUF_INIT, resp = ESEAL_BUF_INIT;
    make_req(&req, NID_sm3, 0, 1, 1, NULL);
    respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, &resp);
    eseal_report *rep = verify(&resp, &req, "hello", NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    assert_string_equal(eseal_report_string(rep, "token.imprint_algorithm"), "SM3");
    eseal_report_free(rep);
    eseal_buf_dispose(&resp);
    free_req(&req);
    make_req(&req, NID_sha512, 0, 0, 1, NULL);
    respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, NULL);
    free_req(&req);
}

static void test_nonce_echo(void **state)
{
    (void)state;
    eseal_tsa_config c = config();
    eseal_buf req = ESEAL_BUF_INIT, resp = ESEAL_BUF_INIT;
    make_req(&req, NID_sha256, 0, 1, 0, NULL);
    respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, &resp);
    TS_RESP *r = decode(&resp);
    const ASN1_INTEGER *n = TS_TST_INFO_get_nonce(TS_RESP_get_tst_info(r));
    assert_non_null(n);
    uint64_t v = 0;
    assert_int_equal(ASN1_INTEGER_get_uint64(&v, n), 1);
    assert_true(v == 0x1122334455667788ULL);
    TS_RESP_free(r);
    eseal_buf_dispose(&resp);
    free_req(&req);

    make_req(&req, NID_sha256, 0, 0, 0, NULL);
    respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, &resp);
    r = decode(&resp);
    assert_null(TS_TST_INFO_get_nonce(TS_RESP_get_tst_info(r)));
    TS_RESP_free(r);
    eseal_buf_dispose(&resp);
    free_req(&req);
}

static int token_cert_count(const eseal_buf *resp)
{
    TS_RESP *r = decode(resp);
    PKCS7 *p7 = TS_RESP_get_token(r);
    int n = p7->d.sign->cert != NULL ? sk_X509_num(p7->d.sign->cert) : 0;
    TS_RESP_free(r);
    return n;
}

static void test_cert_req(void **state)
{
    (void)state;
    eseal_tsa_config c = config();
    const eseal_cert *chain[] = {root};
    c.chain = chain;
    c.chain_len = 1;
    eseal_buf req = ESEAL_BUF_INIT, resp = ESEAL_BUF_INIT;
    make_req(&req, NID_sha256, 0, 1, 1, NULL);
    respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, &resp);
    assert_int_equal(token_cert_count(&resp), 2);
    eseal_buf_dispose(&resp);
    free_req(&req);

    make_req(&req, NID_sha256, 0, 1, 0, NULL);
    respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, &resp);
    assert_int_equal(token_cert_count(&resp), 0);
    /* Without the certificate in the token the verifier needs it from the trust set. */
    eseal_report *rep = verify(&resp, &req, NULL, NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_INDETERMINATE);
    assert_true(eseal_report_has_reason(rep, "NO_SIGNING_CERTIFICATE_FOUND"));
    eseal_report_free(rep);
    assert_int_equal(eseal_trust_add_intermediate(trust, tsa_cert), ESEAL_OK);
    rep = verify(&resp, &req, NULL, NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
    eseal_buf_dispose(&resp);
    free_req(&req);
}

static uint64_t serial_of(const eseal_buf *resp)
{
    TS_RESP *r = decode(resp);
    uint64_t v = 0;
    assert_int_equal(ASN1_INTEGER_get_uint64(&v, TS_TST_INFO_get_serial(TS_RESP_get_tst_info(r))), 1);
    TS_RESP_free(r);
    return v;
}

static void test_serials_increase(void **state)
{
    (void)state;
    eseal_tsa_config c = config();
    eseal_buf req = ESEAL_BUF_INIT;
    make_req(&req, NID_sha256, 0, 1, 0, NULL);
    uint64_t last = 0;
    for (int i = 0; i < 5; i++) {
        eseal_buf resp = ESEAL_BUF_INIT;
        respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, &resp);
        uint64_t s = serial_of(&resp);
        assert_true(s > last);
        last = s;
        eseal_buf_dispose(&resp);
    }
    /* A failing serial source: rejection, addInfoNotAvailable; never a token without a serial. */
    c.next_serial = failing_serial;
    respond_status(&req, &c, ESEAL_TSA_REJECTION, ESEAL_TSA_FAIL_ADD_INFO_NOT_AVAILABLE, NULL);
    free_req(&req);
}

/* The serial's INTEGER content octets (big-endian) and their count. */
static size_t serial_octets(const eseal_buf *resp, uint8_t out[32])
{
    TS_RESP *r = decode(resp);
    const ASN1_INTEGER *ai = TS_TST_INFO_get_serial(TS_RESP_get_tst_info(r));
    assert_int_equal(ASN1_STRING_type(ai), V_ASN1_INTEGER); /* positive (a negative one is V_ASN1_NEG_INTEGER) */
    size_t n = (size_t)ASN1_STRING_length(ai);
    assert_true(n <= 32);
    memcpy(out, ASN1_STRING_get0_data(ai), n);
    TS_RESP_free(r);
    return n;
}

/* random_serial (configuration version 2): no serial source needed, 16 content octets in
 * [2^126, 2^127), a new one each token, on the OpenSSL (ECDSA) and the SM2 paths; version 1 and
 * random_serial 0 still need next_serial. */
static void test_random_serials(void **state)
{
    (void)state;
    eseal_tsa_config cfgs[2] = {config(), sm2_config()};
    for (int k = 0; k < 2; k++) {
        eseal_tsa_config c = cfgs[k];
        c.next_serial = NULL;
        c.random_serial = 1;
        eseal_buf req = ESEAL_BUF_INIT;
        make_req(&req, k == 0 ? NID_sha256 : NID_sm3, 0, 1, 0, NULL);
        uint8_t prev[32] = {0};
        for (int i = 0; i < 5; i++) {
            eseal_buf resp = ESEAL_BUF_INIT;
            respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, &resp);
            uint8_t o[32];
            assert_int_equal(serial_octets(&resp, o), 16);
            assert_int_equal(o[0] & 0xc0, 0x40);
            assert_memory_not_equal(o, prev, 16);
            memcpy(prev, o, 16);
            eseal_buf_dispose(&resp);
        }
        free_req(&req);
        eseal_buf resp = ESEAL_BUF_INIT;
        c.random_serial = 0;
        assert_int_equal(eseal_tsa_respond(&resp, "x", 1, &c), ESEAL_EINVAL);
        c.random_serial = 1;
        c.version = 1; /* a version-1 configuration has no random_serial */
        assert_int_equal(eseal_tsa_respond(&resp, "x", 1, &c), ESEAL_EINVAL);
    }
}

static void test_bad_alg(void **state)
{
    (void)state;
    eseal_tsa_config c = config();
    eseal_buf req = ESEAL_BUF_INIT;
    make_req(&req, NID_md5, 0, 1, 1, NULL);
    respond_status(&req, &c, ESEAL_TSA_REJECTION, ESEAL_TSA_FAIL_BAD_ALG, NULL);
    free_req(&req);
    make_req(&req, NID_sha1, 0, 1, 1, NULL);
    respond_status(&req, &c, ESEAL_TSA_REJECTION, ESEAL_TSA_FAIL_BAD_ALG, NULL);
    free_req(&req);
    /* An OID that is no hash at all. */
    make_req(&req, NID_commonName, 0, 1, 1, NULL);
    respond_status(&req, &c, ESEAL_TSA_REJECTION, ESEAL_TSA_FAIL_BAD_ALG, NULL);
    free_req(&req);
}

static void test_wrong_imprint_length(void **state)
{
    (void)state;
    eseal_tsa_config c = config();
    eseal_buf req = ESEAL_BUF_INIT;
    /* OpenSSL's TS responder says badDataFormat here ("Bad message digest."): the algorithm is
     * fine, the submitted data has the wrong format (RFC 3161 §2.4.2). */
    make_req(&req, NID_sha256, 20, 1, 1, NULL);
    respond_status(&req, &c, ESEAL_TSA_REJECTION, ESEAL_TSA_FAIL_BAD_DATA_FORMAT, NULL);
    free_req(&req);
    make_req(&req, NID_sm3, 48, 1, 1, NULL);
    respond_status(&req, &c, ESEAL_TSA_REJECTION, ESEAL_TSA_FAIL_BAD_DATA_FORMAT, NULL);
    free_req(&req);
}

static void test_garbage(void **state)
{
    (void)state;
    eseal_tsa_config c = config();
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01, 0xff, 0x00};
    eseal_buf b = {(uint8_t *)(uintptr_t)junk, sizeof(junk)};
    respond_status(&b, &c, ESEAL_TSA_REJECTION, ESEAL_TSA_FAIL_BAD_DATA_FORMAT, NULL);
    b.size = 0;
    respond_status(&b, &c, ESEAL_TSA_REJECTION, ESEAL_TSA_FAIL_BAD_DATA_FORMAT, NULL);
    /* A good request with a trailing byte, and one over the 64 KiB cap. */
    eseal_buf req = ESEAL_BUF_INIT;
    make_req(&req, NID_sha256, 0, 1, 1, NULL);
    uint8_t *big = es_calloc(ESEAL_TSA_MAX_REQUEST + 1, 1);
    assert_non_null(big);
    memcpy(big, req.ptr, req.size);
    b.ptr = big;
    b.size = req.size + 1;
    respond_status(&b, &c, ESEAL_TSA_REJECTION, ESEAL_TSA_FAIL_BAD_DATA_FORMAT, NULL);
    b.size = ESEAL_TSA_MAX_REQUEST + 1;
    respond_status(&b, &c, ESEAL_TSA_REJECTION, ESEAL_TSA_FAIL_BAD_DATA_FORMAT, NULL);
    es_free(big);
    free_req(&req);
}

static void test_policy(void **state)
{
    (void)state;
    eseal_tsa_config c = config();
    eseal_buf req = ESEAL_BUF_INIT, resp = ESEAL_BUF_INIT;
    make_req(&req, NID_sha256, 0, 1, 1, "1.2.3.4.5");
    respond_status(&req, &c, ESEAL_TSA_REJECTION, ESEAL_TSA_FAIL_UNACCEPTED_POLICY, &resp);
    /* The client sees the rejection as such. */
    eseal_report *rep = verify(&resp, &req, NULL, NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_INVALID);
    assert_true(eseal_report_has_reason(rep, "TSA_REJECTED"));
    assert_int_equal(eseal_report_check(rep, "ts_status"), ESEAL_CHECK_FAILED);
    assert_string_equal(eseal_report_string(rep, "checks.ts_status.detail"), "rejection: unacceptedPolicy");
    eseal_report_free(rep);
    eseal_buf_dispose(&resp);
    free_req(&req);
    make_req(&req, NID_sha256, 0, 1, 1, ESEAL_TSA_DEFAULT_POLICY);
    respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, NULL);
    free_req(&req);
    c.policy_oid = "1.2.3.4.5";
    make_req(&req, NID_sha256, 0, 1, 1, "1.2.3.4.5");
    respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, &resp);
    rep = verify(&resp, &req, NULL, NULL);
    assert_int_equal(eseal_report_check(rep, "ts_policy"), ESEAL_CHECK_PASSED);
    eseal_report_free(rep);
    eseal_buf_dispose(&resp);
    free_req(&req);
}

static void test_bad_config(void **state)
{
    (void)state;
    eseal_buf resp = ESEAL_BUF_INIT;
    eseal_tsa_config c = config();
    c.next_serial = NULL;
    assert_int_equal(eseal_tsa_respond(&resp, "x", 1, &c), ESEAL_EINVAL);
    c = config();
    c.cert = root; /* not the key's certificate */
    assert_int_equal(eseal_tsa_respond(&resp, "x", 1, &c), ESEAL_EINVAL);
    eseal_key *ed = NULL;
    assert_int_equal(eseal_key_generate(&ed, ESEAL_ALG_ED25519), ESEAL_OK);
    c = config();
    c.key = ed;
    assert_int_equal(eseal_tsa_respond(&resp, "x", 1, &c), ESEAL_EUNSUPPORTED);
    eseal_key_free(ed);
    c = sm2_config();
    c.cert = tsa_cert; /* an SM2 key with a P-256 certificate */
    assert_int_equal(eseal_tsa_respond(&resp, "x", 1, &c), ESEAL_EINVAL);
    c = sm2_config();
    c.policy_oid = "not an oid";
    assert_int_equal(eseal_tsa_respond(&resp, "x", 1, &c), ESEAL_EINVAL);
}

static void test_not_a_tsa_cert(void **state)
{
    (void)state;
    /* A signer without the critical timeStamping EKU: a configuration error (RFC 3161 §2.3). */
    eseal_tsa_config c = config();
    c.key = seal_key;
    c.cert = seal_cert;
    eseal_buf req = ESEAL_BUF_INIT, resp = ESEAL_BUF_INIT;
    make_req(&req, NID_sha256, 0, 1, 1, NULL);
    assert_int_equal(eseal_tsa_respond(&resp, req.ptr, req.size, &c), ESEAL_EINVAL);
    c = sm2_config();
    c.key = sm2_root_key;
    c.cert = sm2_root;
    assert_int_equal(eseal_tsa_respond(&resp, req.ptr, req.size, &c), ESEAL_EINVAL);
    assert_null(resp.ptr);
    free_req(&req);
}

/* ---- SM2 tokens ---------------------------------------------------------------------- */

/* A SHA-256 request with a request version, an extension, or hash parameters that are not NULL. */
static void make_odd_req(eseal_buf *out, long version, int with_ext, int with_params)
{
    TS_REQ *req = TS_REQ_new();
    assert_non_null(req);
    assert_int_equal(TS_REQ_set_version(req, version), 1);
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    if (with_params) {
        ASN1_INTEGER *one = ASN1_INTEGER_new();
        assert_int_equal(ASN1_INTEGER_set(one, 1), 1);
        assert_int_equal(X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_INTEGER, one), 1);
    } else {
        assert_int_equal(X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL), 1);
    }
    assert_int_equal(TS_MSG_IMPRINT_set_algo(mi, alg), 1);
    unsigned char dg[32] = {1};
    assert_int_equal(TS_MSG_IMPRINT_set_msg(mi, dg, 32), 1);
    assert_int_equal(TS_REQ_set_msg_imprint(req, mi), 1);
    if (with_ext) {
        ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
        assert_int_equal(ASN1_OCTET_STRING_set(v, (const unsigned char *)"\x05\x00", 2), 1);
        X509_EXTENSION *e = X509_EXTENSION_create_by_NID(NULL, NID_id_pkix_OCSP_Nonce, 0, v);
        assert_non_null(e);
        assert_int_equal(TS_REQ_add_ext(req, e, -1), 1);
        X509_EXTENSION_free(e);
        ASN1_OCTET_STRING_free(v);
    }
    unsigned char *der = NULL;
    int n = i2d_TS_REQ(req, &der);
    assert_true(n > 0);
    out->ptr = der;
    out->size = (size_t)n;
    TS_MSG_IMPRINT_free(mi);
    X509_ALGOR_free(alg);
    TS_REQ_free(req);
}

static void test_sm2_granted(void **state)
{
    (void)state;
    eseal_tsa_config c = sm2_config();
    const eseal_cert *chain[] = {sm2_root};
    c.chain = chain;
    c.chain_len = 1;
    c.include_tsa_name = 1;
    eseal_buf req = ESEAL_BUF_INIT, resp = ESEAL_BUF_INIT;
    make_req(&req, NID_sm3, 0, 1, 1, NULL);
    int64_t before = eseal_time_now();
    respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, &resp);

    TS_RESP *r = decode(&resp);
    TS_TST_INFO *tst = TS_RESP_get_tst_info(r);
    assert_non_null(tst);
    assert_int_equal(TS_TST_INFO_get_version(tst), 1);
    char txt[64];
    OBJ_obj2txt(txt, sizeof(txt), TS_TST_INFO_get_policy_id(tst), 1);
    assert_string_equal(txt, ESEAL_TSA_DEFAULT_POLICY);
    assert_int_equal(ASN1_INTEGER_get(TS_ACCURACY_get_seconds(TS_TST_INFO_get_accuracy(tst))), 1);
    assert_non_null(TS_TST_INFO_get_tsa(tst));
    assert_non_null(TS_TST_INFO_get_serial(tst));
    /* The nonce is echoed. */
    uint64_t v = 0;
    assert_int_equal(ASN1_INTEGER_get_uint64(&v, TS_TST_INFO_get_nonce(tst)), 1);
    assert_true(v == 0x1122334455667788ULL);
    /* genTime has milliseconds or none (trailing zeros dropped): YYYYMMDDHHMMSS[.f[f[f]]]Z. */
    const ASN1_GENERALIZEDTIME *gt = TS_TST_INFO_get_time(tst);
    int gl = ASN1_STRING_length(gt);
    const char *gs = (const char *)ASN1_STRING_get0_data(gt);
    assert_true(gl == 15 || (gl >= 17 && gl <= 19 && gs[14] == '.' && gs[gl - 2] != '0'));
    /* The token: SignedData over id-ct-TSTInfo, SM3 / SM2-with-SM3, signingCertificateV2 (SM3), certReq honoured. */
    PKCS7 *tok = TS_RESP_get_token(r);
    assert_int_equal(OBJ_obj2nid(tok->d.sign->contents->type), NID_id_smime_ct_TSTInfo);
    assert_int_equal(sk_X509_num(tok->d.sign->cert), 2);
    PKCS7_SIGNER_INFO *si = sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(tok), 0);
    assert_int_equal(OBJ_obj2nid(si->digest_alg->algorithm), NID_sm3);
    assert_int_equal(OBJ_obj2nid(si->digest_enc_alg->algorithm), NID_SM2_with_SM3);
    ASN1_TYPE *ct = PKCS7_get_signed_attribute(si, NID_pkcs9_contentType);
    assert_non_null(ct);
    assert_int_equal(OBJ_obj2nid(ct->value.object), NID_id_smime_ct_TSTInfo);
    assert_non_null(PKCS7_get_signed_attribute(si, NID_pkcs9_messageDigest));
    assert_null(PKCS7_get_signed_attribute(si, NID_pkcs9_signingTime));
    ASN1_TYPE *scv2 = PKCS7_get_signed_attribute(si, NID_id_smime_aa_signingCertificateV2);
    assert_non_null(scv2);
    const unsigned char *p = scv2->value.sequence->data;
    ESS_SIGNING_CERT_V2 *sc = d2i_ESS_SIGNING_CERT_V2(NULL, &p, scv2->value.sequence->length);
    assert_non_null(sc);
    ESS_SIGNING_CERT_V2_free(sc);
    assert_non_null(memmem(scv2->value.sequence->data, (size_t)scv2->value.sequence->length,
                           "\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x11", 10)); /* sm3 1.2.156.10197.1.401 */
    TS_RESP_free(r);

    int64_t gen = 0;
    eseal_report *rep = verify(&resp, &req, "hello", &gen);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    assert_true(gen >= before - 1000 && gen <= eseal_time_now() + 1000);
    assert_int_equal(eseal_report_check(rep, "signature"), ESEAL_CHECK_PASSED);
    assert_int_equal(eseal_report_check(rep, "signing_certificate"), ESEAL_CHECK_PASSED);
    assert_int_equal(eseal_report_check(rep, "ts_tsa_eku"), ESEAL_CHECK_PASSED);
    assert_int_equal(eseal_report_check(rep, "ts_nonce"), ESEAL_CHECK_PASSED);
    assert_int_equal(eseal_report_check(rep, "ts_imprint"), ESEAL_CHECK_PASSED);
    assert_int_equal(eseal_report_check(rep, "ts_request"), ESEAL_CHECK_PASSED);
    assert_string_equal(eseal_report_string(rep, "token.imprint_algorithm"), "SM3");
    eseal_report_free(rep);

    /* The imprint is checked: other data, or another request. */
    rep = verify(&resp, NULL, "other", NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_INVALID);
    assert_true(eseal_report_has_reason(rep, "HASH_FAILURE"));
    eseal_report_free(rep);
    eseal_buf other = ESEAL_BUF_INIT;
    make_req(&other, NID_sm3, 0, 0, 1, NULL); /* same imprint, no nonce: the token's nonce is extra, fine */
    rep = verify(&resp, &other, NULL, NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
    free_req(&other);
    make_req(&other, NID_sha256, 0, 1, 1, NULL); /* another imprint */
    rep = verify(&resp, &other, NULL, NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_INVALID);
    assert_true(eseal_report_has_reason(rep, "HASH_FAILURE"));
    eseal_report_free(rep);
    free_req(&other);
    eseal_buf_dispose(&resp);
    free_req(&req);

    /* A SHA-256 imprint is fine with an SM2 TSA too (the token itself is SM3). */
    make_req(&req, NID_sha256, 0, 0, 1, NULL);
    respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, &resp);
    rep = verify(&resp, &req, "hello", NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
    eseal_buf_dispose(&resp);
    free_req(&req);
}

static void test_sm2_no_cert_req(void **state)
{
    (void)state;
    eseal_tsa_config c = sm2_config();
    const eseal_cert *chain[] = {sm2_root};
    c.chain = chain;
    c.chain_len = 1;
    eseal_buf req = ESEAL_BUF_INIT, resp = ESEAL_BUF_INIT;
    make_req(&req, NID_sm3, 0, 0, 0, NULL);
    respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, &resp);
    assert_int_equal(token_cert_count(&resp), 0);
    TS_RESP *r = decode(&resp);
    assert_null(TS_TST_INFO_get_nonce(TS_RESP_get_tst_info(r)));
    TS_RESP_free(r);
    eseal_report *rep = verify(&resp, &req, NULL, NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_INDETERMINATE);
    assert_true(eseal_report_has_reason(rep, "NO_SIGNING_CERTIFICATE_FOUND"));
    eseal_report_free(rep);
    eseal_buf_dispose(&resp);
    free_req(&req);
}

/* The last bytes of a TimeStampResp are the end of the SignerInfo's signature value. */
static void flip_last_byte(eseal_buf *resp) { resp->ptr[resp->size - 1] ^= 0x01; }

/* Changes the echoed nonce inside the TSTInfo (the signed content), leaving the DER valid. */
static void flip_nonce(eseal_buf *resp)
{
    static const uint8_t nonce[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    uint8_t *at = memmem(resp->ptr, resp->size, nonce, sizeof(nonce));
    assert_non_null(at);
    at[7] ^= 0x01;
}

static void tampered(const eseal_tsa_config *c, int md_nid)
{
    eseal_buf req = ESEAL_BUF_INIT, resp = ESEAL_BUF_INIT;
    make_req(&req, md_nid, 0, 1, 1, NULL);
    respond_status(&req, c, ESEAL_TSA_GRANTED, 0, &resp);
    eseal_report *rep = verify(&resp, NULL, "hello", NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);

    /* The signature value: SIG_CRYPTO_FAILURE. */
    flip_last_byte(&resp);
    rep = verify(&resp, NULL, "hello", NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_INVALID);
    assert_true(eseal_report_has_reason(rep, "SIG_CRYPTO_FAILURE"));
    assert_int_equal(eseal_report_check(rep, "signature"), ESEAL_CHECK_FAILED);
    eseal_report_free(rep);
    flip_last_byte(&resp);

    /* The TSTInfo (checked against the data only, so that only the signature can catch it). */
    flip_nonce(&resp);
    rep = verify(&resp, NULL, "hello", NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_INVALID);
    assert_int_equal(eseal_report_check(rep, "signature"), ESEAL_CHECK_FAILED);
    eseal_report_free(rep);
    /* ... and against the request, the nonce no longer matches either. */
    rep = verify(&resp, &req, NULL, NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_INVALID);
    assert_true(eseal_report_has_reason(rep, "NONCE_MISMATCH"));
    assert_true(eseal_report_has_reason(rep, "REQUEST_MISMATCH"));
    eseal_report_free(rep);
    eseal_buf_dispose(&resp);
    free_req(&req);
}

static void test_sm2_tampered(void **state)
{
    (void)state;
    eseal_tsa_config c = sm2_config();
    tampered(&c, NID_sm3);
    c = config();
    tampered(&c, NID_sha256);
}

/* Both paths answer every request alike: same PKIStatus, same PKIFailureInfo. */
static void test_sm2_rejections_match_ecdsa(void **state)
{
    (void)state;
    eseal_tsa_config ec = config(), sm = sm2_config();
    struct {
        int nid;
        size_t len;
        const char *policy;
        unsigned want;
    } cases[] = {
        {NID_md5, 0, NULL, ESEAL_TSA_FAIL_BAD_ALG},
        {NID_sha1, 0, NULL, ESEAL_TSA_FAIL_BAD_ALG},
        {NID_commonName, 0, NULL, ESEAL_TSA_FAIL_BAD_ALG},
        {NID_sha256, 20, NULL, ESEAL_TSA_FAIL_BAD_DATA_FORMAT},
        {NID_sm3, 48, NULL, ESEAL_TSA_FAIL_BAD_DATA_FORMAT},
        {NID_sha256, 0, "1.2.3.4.5", ESEAL_TSA_FAIL_UNACCEPTED_POLICY},
        {NID_sha384, 0, ESEAL_TSA_DEFAULT_POLICY, 0},
        {NID_sha512, 0, NULL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        eseal_buf req = ESEAL_BUF_INIT;
        make_req(&req, cases[i].nid, cases[i].len, 1, 1, cases[i].policy);
        int st = cases[i].want != 0 ? ESEAL_TSA_REJECTION : ESEAL_TSA_GRANTED;
        respond_status(&req, &ec, st, cases[i].want, NULL);
        respond_status(&req, &sm, st, cases[i].want, NULL);
        free_req(&req);
    }
    struct {
        long version;
        int ext, params;
        unsigned want;
    } odd[] = {
        {2, 0, 0, ESEAL_TSA_FAIL_BAD_REQUEST},
        {1, 1, 0, ESEAL_TSA_FAIL_UNACCEPTED_EXTENSION},
        {1, 0, 1, ESEAL_TSA_FAIL_BAD_ALG},
    };
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        eseal_buf req = ESEAL_BUF_INIT;
        make_odd_req(&req, odd[i].version, odd[i].ext, odd[i].params);
        respond_status(&req, &ec, ESEAL_TSA_REJECTION, odd[i].want, NULL);
        respond_status(&req, &sm, ESEAL_TSA_REJECTION, odd[i].want, NULL);
        free_req(&req);
    }
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01, 0xff, 0x00};
    eseal_buf b = {(uint8_t *)(uintptr_t)junk, sizeof(junk)};
    respond_status(&b, &sm, ESEAL_TSA_REJECTION, ESEAL_TSA_FAIL_BAD_DATA_FORMAT, NULL);
    b.size = 0;
    respond_status(&b, &sm, ESEAL_TSA_REJECTION, ESEAL_TSA_FAIL_BAD_DATA_FORMAT, NULL);
    /* The serial source failing: addInfoNotAvailable, never a token without a serial. */
    eseal_buf req = ESEAL_BUF_INIT;
    make_req(&req, NID_sm3, 0, 1, 1, NULL);
    sm.next_serial = failing_serial;
    respond_status(&req, &sm, ESEAL_TSA_REJECTION, ESEAL_TSA_FAIL_ADD_INFO_NOT_AVAILABLE, NULL);
    free_req(&req);
}

/* ---- one responder, many threads ----------------------------------------------------- */

#include <pthread.h>

#define THREADS 4
#define PER_THREAD 150

static uint64_t shared_counter;

static int atomic_serial(void *ctx, uint64_t *serial)
{
    (void)ctx;
    *serial = __atomic_add_fetch(&shared_counter, 1, __ATOMIC_SEQ_CST);
    return ESEAL_OK;
}

typedef struct {
    eseal_tsa_responder *r;
    const eseal_buf *req;
    uint64_t serials[PER_THREAD];
    int failures;
} worker;

static uint64_t serial_of(const eseal_buf *resp);

static void *work(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        eseal_buf resp = ESEAL_BUF_INIT;
        int st = -1;
        if (eseal_tsa_responder_respond(w->r, &resp, w->req->ptr, w->req->size) != ESEAL_OK ||
            eseal_tsa_response_status(&st, NULL, resp.ptr, resp.size) != ESEAL_OK || st != ESEAL_TSA_GRANTED) {
            w->failures++;
        } else {
            w->serials[i] = serial_of(&resp);
        }
        eseal_buf_dispose(&resp);
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void responder_threads(eseal_tsa_config c, int md_nid)
{
    c.next_serial = atomic_serial;
    eseal_tsa_responder *r = NULL;
    assert_int_equal(eseal_tsa_responder_new(&r, &c), ESEAL_OK);
    eseal_buf req = ESEAL_BUF_INIT;
    make_req(&req, md_nid, 0, 1, 1, NULL);
    static worker w[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].r = r;
        w[i].req = &req;
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    static uint64_t all[THREADS * PER_THREAD];
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
        memcpy(all + i * PER_THREAD, w[i].serials, sizeof(w[i].serials));
    }
    qsort(all, THREADS * PER_THREAD, sizeof(all[0]), cmp_u64);
    for (int i = 1; i < THREADS * PER_THREAD; i++) {
        assert_true(all[i] > all[i - 1]);
    }
    /* A token from the shared responder still verifies. */
    eseal_buf resp = ESEAL_BUF_INIT;
    assert_int_equal(eseal_tsa_responder_respond(r, &resp, req.ptr, req.size), ESEAL_OK);
    eseal_report *rep = verify(&resp, &req, "hello", NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
    eseal_buf_dispose(&resp);
    free_req(&req);
    eseal_tsa_responder_free(r);
}

static void test_responder_threads(void **state)
{
    (void)state;
    responder_threads(config(), NID_sha256);
    responder_threads(sm2_config(), NID_sm3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_granted_sha256),   cmocka_unit_test(test_granted_sm3),
        cmocka_unit_test(test_nonce_echo),       cmocka_unit_test(test_serials_increase),
        cmocka_unit_test(test_random_serials),
        cmocka_unit_test(test_bad_alg),          cmocka_unit_test(test_wrong_imprint_length),
        cmocka_unit_test(test_garbage),          cmocka_unit_test(test_policy),
        cmocka_unit_test(test_bad_config),       cmocka_unit_test(test_not_a_tsa_cert),
        cmocka_unit_test(test_sm2_granted),      cmocka_unit_test(test_sm2_no_cert_req),
        cmocka_unit_test(test_sm2_tampered),     cmocka_unit_test(test_sm2_rejections_match_ecdsa),
        cmocka_unit_test(test_responder_threads),
        cmocka_unit_test(test_listed_tsa_service),
        cmocka_unit_test(test_cert_req), /* last: it adds the TSA certificate to the trust set */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
