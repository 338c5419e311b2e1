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
#include <string.h>

#include <openssl/ts.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "../test_pki.h"

#define DAY_MS (86400LL * 1000)

static eseal_key *root_key, *tsa_key, *seal_key;
static eseal_cert *root, *tsa_cert, *seal_cert;
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
    assert_int_equal(eseal_trust_new(&trust), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(trust, root), ESEAL_OK);
    es_buf crl = ES_BUF_INIT(1 << 20);
    assert_true(es_ok(es_crl_issue(&crl, root_key, root, NULL, 0, 1, now - 60000, now + DAY_MS)));
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
    assert_string_equal(eseal_report_get(rep, "checks.signing_certificate_attribute"), "good");
    assert_string_equal(eseal_report_get(rep, "checks.tsa_eku"), "good");
    assert_string_equal(eseal_report_get(rep, "checks.nonce"), "good");
    assert_string_equal(eseal_report_get(rep, "tst.accuracy_ms"), "1000");
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

static void test_granted_sm3(void **state)
{
    (void)state;
    eseal_tsa_config c = config();
    eseal_buf req = ESEAL_BUF_INIT, resp = ESEAL_BUF_INIT;
    make_req(&req, NID_sm3, 0, 1, 1, NULL);
    respond_status(&req, &c, ESEAL_TSA_GRANTED, 0, &resp);
    eseal_report *rep = verify(&resp, &req, "hello", NULL);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    assert_string_equal(eseal_report_get(rep, "imprint.algorithm"), "SM3");
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
    assert_string_equal(eseal_report_get(rep, "response.fail_info"), "unacceptedPolicy");
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
    assert_string_equal(eseal_report_get(rep, "checks.policy"), "good");
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
    eseal_key *sm2 = NULL;
    assert_int_equal(eseal_key_generate(&sm2, ESEAL_ALG_SM2), ESEAL_OK);
    c = config();
    c.key = sm2;
    assert_int_equal(eseal_tsa_respond(&resp, "x", 1, &c), ESEAL_EUNSUPPORTED);
    eseal_key_free(sm2);
}

static void test_not_a_tsa_cert(void **state)
{
    (void)state;
    /* OpenSSL refuses a signer without the critical timeStamping EKU: a configuration error. */
    eseal_tsa_config c = config();
    c.key = seal_key;
    c.cert = seal_cert;
    eseal_buf req = ESEAL_BUF_INIT, resp = ESEAL_BUF_INIT;
    make_req(&req, NID_sha256, 0, 1, 1, NULL);
    assert_int_equal(eseal_tsa_respond(&resp, req.ptr, req.size, &c), ESEAL_ECRYPTO);
    assert_null(resp.ptr);
    free_req(&req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_granted_sha256),   cmocka_unit_test(test_granted_sm3),
        cmocka_unit_test(test_nonce_echo),       cmocka_unit_test(test_serials_increase),
        cmocka_unit_test(test_bad_alg),          cmocka_unit_test(test_wrong_imprint_length),
        cmocka_unit_test(test_garbage),          cmocka_unit_test(test_policy),
        cmocka_unit_test(test_bad_config),       cmocka_unit_test(test_not_a_tsa_cert),
        cmocka_unit_test(test_cert_req), /* last: it adds the TSA certificate to the trust set */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
