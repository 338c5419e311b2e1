/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "Now" comes from the caller's context on every path that used to read the wall clock itself
 * (issue #16): a fixed clock set with eseal_context_set_clock() is what each path sees.
 * - CMS signingTime (eseal_cms_sign_options.ctx, version 2; a version 1 struct's ctx is not read);
 * - a certificate checked at a context time after its notAfter is refused (CMS verify); files
 *   signed and verified are bounded by the options' context (max_input_bytes);
 * - a seal signature's timeInfo (eseal_ses_sign_request.ctx, version 2);
 * - an OFD stamp's SignatureDateTime and timeInfo (es_ofd_stamp_options.ctx);
 * - OCSP evidence: "thisUpdate in the future" judged by the context's clock, and the response's
 *   size by its max_der_bytes (revocation.c parse_basic);
 * - witness cosignature timestamps (eseal_witness_set_context), never going back;
 * - an instance's TSA genTime, OCSP thisUpdate and certificate records' creation time (the
 *   instance's context);
 * - a document timestamp's parse bounded by the context's limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include <openssl/ocsp.h>
#include <openssl/ts.h>

#include "crypto/chain.h"
#include "crypto/crypto.h"
#include "crypto/ossl.h"
#include "eseal/eseal.h"
#include "ofd/ofd.h"
#include "pdf/pdf.h"
#include "util/ctx.h"
#include "test_pki.h"
#include "pdf/pdf_fixture.h"
#include "ofd/ofd_fixture.h"
#include "test_instance.h"
#include "witness/testlog.h"

typedef struct {
    int64_t at;
    int calls;
} fixed_clock;

static int64_t clock_now(void *payload)
{
    fixed_clock *c = payload;
    c->calls++;
    return c->at;
}

/* A context whose clock says c->at. */
static eseal_context *clock_ctx(fixed_clock *c)
{
    eseal_context *ctx = NULL;
    assert_int_equal(eseal_context_new(&ctx), ESEAL_OK);
    assert_int_equal(eseal_context_set_clock(ctx, clock_now, c), ESEAL_OK);
    return ctx;
}

/* A minute from now, to the second: inside the fixture's validity, distinct from the wall clock. */
static int64_t soon(void) { return (eseal_time_now() / 1000 + 60) * 1000; }

/* The report time at `path` is `ms` to the second (signing times are whole seconds). */
static void assert_time_is(const eseal_report *r, const char *path, int64_t ms)
{
    int64_t got = 0;
    if (eseal_report_time(r, path, &got) != ESEAL_OK) {
        fail_msg("no time at %s", path);
    }
    if (got / 1000 != ms / 1000) {
        fail_msg("time %lld at %s, wanted %lld", (long long)got, path, (long long)ms);
    }
}

/* ---- CMS ---------------------------------------------------------------------------------------- */

static const char data[] = "the signed content";

static void cms_sign_with(eseal_buf *p7s, const fixture *f, unsigned int version, const eseal_context *ctx)
{
    eseal_cms_sign_options so = ESEAL_CMS_SIGN_OPTIONS_INIT;
    so.version = version;
    so.ctx = ctx;
    assert_int_equal(eseal_cms_sign(p7s, f->key, f->cert, data, sizeof(data) - 1, &so), ESEAL_OK);
}

/* The signer's (claimed) signing time in the CMS report. */
static const eseal_report *cms_signer(eseal_report **rep, const eseal_buf *p7s, const fixture *f)
{
    assert_int_equal(eseal_cms_verify(rep, p7s->ptr, p7s->size, data, sizeof(data) - 1, f->trust, NULL), ESEAL_OK);
    const eseal_report *sig = eseal_report_child(*rep, 0);
    assert_string_equal(eseal_report_string(sig, "time.source"), "claimed");
    return sig;
}

static void cms_signing_time_from_context(void **state)
{
    fixture *f = *state;
    fixed_clock c = {soon(), 0};
    eseal_context *ctx = clock_ctx(&c);
    eseal_buf p7s = ESEAL_BUF_INIT;
    cms_sign_with(&p7s, f, ESEAL_CMS_SIGN_OPTIONS_VERSION, ctx);
    assert_true(c.calls > 0);
    eseal_report *rep = NULL;
    assert_time_is(cms_signer(&rep, &p7s, f), "time.value", c.at);
    eseal_report_free(rep);
    eseal_buf_dispose(&p7s);

    /* A version 1 struct ends before ctx: the field is not read, the default clock signs. */
    c.calls = 0;
    cms_sign_with(&p7s, f, 1, ctx);
    assert_int_equal(c.calls, 0);
    int64_t claimed = 0;
    assert_int_equal(eseal_report_time(cms_signer(&rep, &p7s, f), "time.value", &claimed), ESEAL_OK);
    assert_true(claimed / 1000 != c.at / 1000);
    eseal_report_free(rep);
    eseal_buf_dispose(&p7s);
    eseal_context_free(ctx);
}

/* Checked at a context time after the signer certificate's notAfter (30 days): not VALID. */
static void cert_after_not_after_refused(void **state)
{
    fixture *f = *state;
    eseal_buf p7s = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cms_sign(&p7s, f->key, f->cert, data, sizeof(data) - 1, NULL), ESEAL_OK);
    fixed_clock c = {eseal_cert_not_after(f->cert) + 86400000LL, 0};
    eseal_context *ctx = clock_ctx(&c);
    eseal_cms_verify_options o = ESEAL_CMS_VERIFY_OPTIONS_INIT;
    o.ctx = ctx;
    eseal_report *rep = NULL;
    assert_int_equal(eseal_cms_verify(&rep, p7s.ptr, p7s.size, data, sizeof(data) - 1, f->trust, &o), ESEAL_OK);
    assert_int_not_equal(eseal_report_verdict(rep), ESEAL_VALID);
    assert_time_is(rep, "validation_time", c.at);
    eseal_report_free(rep);
    /* The same signature under the default context (now): VALID. */
    assert_int_equal(eseal_cms_verify(&rep, p7s.ptr, p7s.size, data, sizeof(data) - 1, f->trust, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
    eseal_buf_dispose(&p7s);
    eseal_context_free(ctx);
}

/* Files signed and verified are bounded by the options' context (max_input_bytes), not the defaults. */
static void cms_files_limited_by_context(void **state)
{
    fixture *f = *state;
    char path[] = "/tmp/eseal-ctxclock-data-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, sizeof(data) - 1), (ssize_t)(sizeof(data) - 1));
    (void)close(fd);
    eseal_context *ctx = NULL;
    assert_int_equal(eseal_context_new(&ctx), ESEAL_OK);
    eseal_limits l = ESEAL_LIMITS_INIT;
    l.max_input_bytes = sizeof(data) - 2;
    assert_int_equal(eseal_context_set_limits(ctx, &l), ESEAL_OK);
    eseal_cms_sign_options so = ESEAL_CMS_SIGN_OPTIONS_INIT;
    so.ctx = ctx;
    eseal_buf p7s = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cms_sign_file(&p7s, f->key, f->cert, path, &so), ESEAL_ELIMIT);
    assert_int_equal(eseal_cms_sign_file(&p7s, f->key, f->cert, path, NULL), ESEAL_OK);
    eseal_cms_verify_options vo = ESEAL_CMS_VERIFY_OPTIONS_INIT;
    vo.ctx = ctx;
    eseal_report *rep = NULL;
    assert_int_equal(eseal_cms_verify_file(&rep, p7s.ptr, p7s.size, path, f->trust, &vo), ESEAL_ELIMIT);
    l.max_input_bytes = sizeof(data) - 1;
    assert_int_equal(eseal_context_set_limits(ctx, &l), ESEAL_OK);
    assert_int_equal(eseal_cms_verify_file(&rep, p7s.ptr, p7s.size, path, f->trust, &vo), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
    eseal_buf_dispose(&p7s);
    assert_int_equal(unlink(path), 0);
    eseal_context_free(ctx);
}

/* ---- seal signature and OFD stamp --------------------------------------------------------------- */

static int64_t ses_time(const fixture *f, unsigned int version, const eseal_context *ctx)
{
    static const uint8_t dg[32] = {1, 2, 3};
    eseal_ses_sign_request rq = ESEAL_SES_SIGN_REQUEST_INIT;
    rq.version = version;
    rq.seal_der = f->seal.ptr;
    rq.seal_len = f->seal.size;
    rq.data_hash = dg;
    rq.data_hash_len = sizeof(dg);
    rq.property_info = "/Doc_0/Signs/Sign_0/Signature.xml";
    rq.ctx = ctx;
    eseal_buf der = ESEAL_BUF_INIT;
    assert_int_equal(eseal_ses_signature_make(&der, &rq, f->cert, f->key), ESEAL_OK);
    eseal_ses_signature *sig = NULL;
    assert_int_equal(eseal_ses_signature_decode(&sig, der.ptr, der.size), ESEAL_OK);
    int64_t t = eseal_ses_signature_time(sig);
    eseal_ses_signature_free(sig);
    eseal_buf_dispose(&der);
    return t;
}

static void seal_signature_time_from_context(void **state)
{
    fixture *f = *state;
    fixed_clock c = {soon(), 0};
    eseal_context *ctx = clock_ctx(&c);
    assert_true(ses_time(f, ESEAL_SES_SIGN_REQUEST_VERSION, ctx) == c.at);
    assert_true(ses_time(f, 1, ctx) != c.at); /* version 1: ctx not read */
    eseal_context_free(ctx);
}

static void ofd_stamp_time_from_context(void **state)
{
    fixture *f = *state;
    char path[] = "/tmp/eseal-ctxclock-ofd-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    (void)close(fd);
    write_ofd(path, NULL);
    eseal_buf in = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&in, path, 1 << 20), ESEAL_OK);
    assert_int_equal(unlink(path), 0);

    fixed_clock c = {soon(), 0};
    eseal_context *ctx = clock_ctx(&c);
    es_ofd_stamp_options o = {.page = 1, .x_mm = 20, .y_mm = 30, .ctx = ctx}; /* time_ms 0: the context's now */
    es_buf out = ES_BUF_INIT(1 << 24);
    assert_true(es_ok(es_ofd_stamp(&out, es_span_of(in.ptr, in.size), es_span_of(f->seal.ptr, f->seal.size), f->key,
                                   f->cert, &o)));
    assert_true(c.calls > 0);
    eseal_report *rep = NULL;
    assert_int_equal(eseal_ofd_verify(&rep, out.ptr, out.len, f->trust, NULL), ESEAL_OK);
    const eseal_report *sig = eseal_report_child(rep, 0);
    assert_non_null(sig);
    assert_time_is(sig, "time.value", c.at);
    eseal_report_free(rep);
    es_buf_free(&out);
    eseal_buf_dispose(&in);
    eseal_context_free(ctx);
}

/* ---- OCSP evidence ------------------------------------------------------------------------------- */

static int lookup_good(void *ctx, size_t ca, const uint8_t *serial, size_t len, eseal_ocsp_status *out)
{
    (void)ctx, (void)ca, (void)serial, (void)len;
    out->status = ESEAL_OCSP_GOOD;
    return ESEAL_OK;
}

static int64_t ocsp_clock(void *ctx) { return *(const int64_t *)ctx; }

/* An OCSP response by the root for the fixture's signer, produced at `at` (its thisUpdate). */
static void ocsp_response(eseal_buf *resp, const fixture *f, int64_t *at)
{
    eseal_buf req = ESEAL_BUF_INIT;
    assert_int_equal(eseal_ocsp_request(&req, f->cert, f->root, 0, 0), ESEAL_OK);
    eseal_ocsp_issuer is = {f->root, f->root, f->root_key};
    eseal_ocsp_config cfg = ESEAL_OCSP_CONFIG_INIT;
    cfg.issuers = &is;
    cfg.issuer_count = 1;
    cfg.lookup = lookup_good;
    cfg.clock = ocsp_clock;
    cfg.clock_ctx = at;
    assert_int_equal(eseal_ocsp_respond(resp, req.ptr, req.size, &cfg), ESEAL_OK);
    eseal_buf_dispose(&req);
}

static es_rev_status ocsp_judged(const fixture *f, const eseal_buf *resp, int64_t at, const eseal_context *ctx)
{
    es_span one = es_span_of(resp->ptr, resp->size);
    es_revocation_opts ro = ES_REVOCATION_OPTS_INIT;
    ro.ocsp = &one;
    ro.ocsp_count = 1;
    ro.ctx = ctx;
    es_rev_status st;
    assert_true(es_ok(es_revocation_status(&st, NULL, f->cert->x509, f->root->x509, NULL, at, &ro)));
    return st;
}

static void ocsp_this_update_by_context(void **state)
{
    fixture *f = *state;
    int64_t produced = eseal_time_now() / 1000 * 1000;
    eseal_buf resp = ESEAL_BUF_INIT;
    ocsp_response(&resp, f, &produced);

    fixed_clock c = {produced, 0};
    eseal_context *ctx = clock_ctx(&c);
    es_rev_status st = ocsp_judged(f, &resp, produced, ctx);
    assert_true(st.found);
    assert_false(st.revoked);
    /* The context's clock ten minutes earlier: thisUpdate is in its future (beyond the 5-minute skew). */
    c.at = produced - 10 * 60000;
    c.calls = 0;
    st = ocsp_judged(f, &resp, produced, ctx);
    assert_true(c.calls > 0);
    assert_false(st.found);
    assert_non_null(strstr(st.note, "in the future"));
    /* The context's max_der_bytes one byte short of the response: it is not even read. */
    c.at = produced;
    eseal_limits l = ESEAL_LIMITS_INIT;
    l.max_der_bytes = resp.size - 1;
    assert_int_equal(eseal_context_set_limits(ctx, &l), ESEAL_OK);
    st = ocsp_judged(f, &resp, produced, ctx);
    assert_false(st.found);
    l.max_der_bytes = resp.size;
    assert_int_equal(eseal_context_set_limits(ctx, &l), ESEAL_OK);
    st = ocsp_judged(f, &resp, produced, ctx);
    assert_true(st.found);
    eseal_buf_dispose(&resp);
    eseal_context_free(ctx);
}

/* ---- witness ------------------------------------------------------------------------------------- */

#define WPASS "ctx-clock-witness"

/* Submits log size n (from old size m) and returns the cosignature's timestamp. */
static uint64_t cosign(eseal_witness *w, testlog *t, uint64_t m, uint64_t n)
{
    es_buf body = ES_BUF_INIT(1 << 20), text = ES_BUF_INIT(4096), note = ES_BUF_INIT(8192);
    testlog_body(t, m, n, &body);
    testlog_text(t, n, NULL, &text);
    int status = 0;
    char ctype[96];
    eseal_buf resp = ESEAL_BUF_INIT;
    assert_int_equal(eseal_witness_add_checkpoint(w, body.ptr, body.len, &status, &resp, ctype, sizeof(ctype)),
                     ESEAL_OK);
    assert_int_equal(status, 200);
    /* The checkpoint text, an empty line, the cosignature line: a note the witness key verifies. */
    assert_true(es_ok(es_buf_append(&note, text.ptr, text.len)));
    assert_true(es_ok(es_buf_append_byte(&note, '\n')));
    assert_true(es_ok(es_buf_append(&note, resp.ptr, resp.size)));
    eseal_buf vk = ESEAL_BUF_INIT;
    assert_int_equal(eseal_witness_vkey(w, &vk), ESEAL_OK);
    es_note_verifier v;
    assert_true(es_ok(es_note_vkey_parse(&v, (const char *)vk.ptr)));
    es_note *parsed = calloc(1, sizeof(*parsed));
    assert_non_null(parsed);
    assert_true(es_ok(es_note_parse(parsed, es_buf_span(&note))));
    uint64_t verified = 0, ts = 0;
    assert_true(es_ok(es_note_verify(parsed, &v, 1, &verified, &ts)));
    assert_int_equal(verified, 1);
    free(parsed);
    eseal_buf_dispose(&vk);
    eseal_buf_dispose(&resp);
    es_buf_free(&body);
    es_buf_free(&text);
    es_buf_free(&note);
    return ts;
}

static void witness_time_from_context(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/eseal-ctxclock-w-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char home[300];
    (void)snprintf(home, sizeof(home), "%s/w", tmpl);
    assert_int_equal(eseal_witness_init(home, "witness.example.org", WPASS, strlen(WPASS)), ESEAL_OK);
    testlog t;
    testlog_new(&t, "log.example.org/ctx", 8);
    char vk[512];
    testlog_vkey(&t, vk, sizeof(vk));
    assert_int_equal(eseal_witness_add_log(home, t.origin, vk), ESEAL_OK);
    eseal_witness *w = NULL;
    assert_int_equal(eseal_witness_open(&w, home, WPASS, strlen(WPASS)), ESEAL_OK);

    fixed_clock c = {1700000000000LL, 0};
    eseal_context *ctx = clock_ctx(&c);
    assert_int_equal(eseal_witness_set_context(w, ctx), ESEAL_OK);
    assert_int_equal(cosign(w, &t, 0, 3), 1700000000u);
    assert_true(c.calls > 0);
    /* The clock goes back a day: the cosignature keeps the last time (never earlier). */
    c.at -= 86400000LL;
    assert_int_equal(cosign(w, &t, 3, 5), 1700000000u);
    c.at = 1700000100000LL;
    assert_int_equal(cosign(w, &t, 5, 6), 1700000100u);
    /* Back to the default context: the wall clock. */
    assert_int_equal(eseal_witness_set_context(w, NULL), ESEAL_OK);
    uint64_t now = (uint64_t)(eseal_time_now() / 1000);
    uint64_t ts = cosign(w, &t, 6, 8);
    assert_true(ts + 60 >= now && ts <= now + 1);
    assert_int_equal(eseal_witness_set_context(NULL, ctx), ESEAL_EINVAL);
    eseal_witness_close(w);
    testlog_free(&t);
    eseal_context_free(ctx);
    assert_int_equal(test_scratch_remove(tmpl), 0);
}

/* ---- the instance: its TSA and its certificate records ------------------------------------------ */

/* A SHA-256 TimeStampReq without nonce or certReq. */
static int ts_request(unsigned char **der)
{
    TS_REQ *r = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    unsigned char dg[32] = {7};
    assert_int_equal(X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL), 1);
    assert_int_equal(TS_MSG_IMPRINT_set_algo(mi, alg), 1);
    assert_int_equal(TS_MSG_IMPRINT_set_msg(mi, dg, 32), 1);
    assert_int_equal(TS_REQ_set_version(r, 1), 1);
    assert_int_equal(TS_REQ_set_msg_imprint(r, mi), 1);
    int n = i2d_TS_REQ(r, der);
    assert_true(n > 0);
    TS_MSG_IMPRINT_free(mi);
    X509_ALGOR_free(alg);
    TS_REQ_free(r);
    return n;
}

/* genTime of a TimeStampResp, in whole seconds since the epoch. */
static int64_t gen_time_s(const eseal_buf *resp)
{
    const unsigned char *p = resp->ptr;
    TS_RESP *r = d2i_TS_RESP(NULL, &p, (long)resp->size);
    assert_non_null(r);
    assert_non_null(TS_RESP_get_tst_info(r));
    struct tm tm;
    assert_int_equal(ASN1_TIME_to_tm(TS_TST_INFO_get_time(TS_RESP_get_tst_info(r)), &tm), 1);
    TS_RESP_free(r);
    return (int64_t)timegm(&tm);
}

static void instance_tsa_and_records_from_context(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/eseal-ctxclock-i-XXXXXX";
    char home[256];
    test_instance_init(tmpl, home, sizeof(home), "ctx-clock-pass");
    eseal_instance *inst = test_instance_open(home, "ctx-clock-pass");
    fixed_clock c = {soon() + 3600000LL, 0};
    eseal_context *ctx = clock_ctx(&c);
    assert_int_equal(eseal_instance_set_context(inst, ctx), ESEAL_OK);

    unsigned char *req = NULL;
    int n = ts_request(&req);
    eseal_buf resp = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_tsa_respond(inst, &resp, req, (size_t)n, NULL), ESEAL_OK);
    assert_true(gen_time_s(&resp) == c.at / 1000);
    eseal_buf_dispose(&resp);

    /* A certificate issued now: its record's creation time is the context's. */
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.name = "上海某某贸易有限公司";
    q.uscc = "91110000MA01ABCDEX";
    q.alg = ESEAL_ALG_P256;
    eseal_cert_record rec;
    assert_int_equal(eseal_instance_cert_issue(inst, test_who(), &rec, &q), ESEAL_OK);
    assert_true(rec.created_ms == c.at);

    /* The instance's OCSP responder: thisUpdate is the context's now. */
    eseal_cert *cert = NULL, *issuer = NULL;
    assert_int_equal(eseal_instance_cert_get(inst, &cert, NULL, rec.id), ESEAL_OK);
    assert_int_equal(eseal_instance_cert_get(inst, &issuer, NULL, rec.issuer_id), ESEAL_OK);
    eseal_buf oreq = ESEAL_BUF_INIT;
    assert_int_equal(eseal_ocsp_request(&oreq, cert, issuer, 0, 0), ESEAL_OK);
    assert_int_equal(eseal_instance_ocsp_respond(inst, &resp, oreq.ptr, oreq.size, NULL), ESEAL_OK);
    const unsigned char *p = resp.ptr;
    OCSP_RESPONSE *or = d2i_OCSP_RESPONSE(NULL, &p, (long)resp.size);
    assert_non_null(or);
    OCSP_BASICRESP *bs = OCSP_response_get1_basic(or);
    assert_non_null(bs);
    /* thisUpdate (not producedAt: OpenSSL's OCSP_basic_sign_ctx sets that from the system clock). */
    ASN1_GENERALIZEDTIME *thisupd = NULL, *nextupd = NULL, *rev = NULL;
    int reason = 0;
    assert_int_equal(OCSP_single_get0_status(OCSP_resp_get0(bs, 0), &reason, &rev, &thisupd, &nextupd),
                     V_OCSP_CERTSTATUS_GOOD);
    struct tm tm;
    assert_int_equal(ASN1_TIME_to_tm(thisupd, &tm), 1);
    assert_true((int64_t)timegm(&tm) == c.at / 1000);
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(or);
    eseal_buf_dispose(&oreq);
    eseal_buf_dispose(&resp);
    eseal_cert_free(cert);
    eseal_cert_free(issuer);
    eseal_cert_record_dispose(&rec);

    OPENSSL_free(req);
    eseal_instance_close(inst);
    eseal_context_free(ctx);
    assert_int_equal(test_scratch_remove(tmpl), 0);
}

/* ---- a document timestamp's parse takes the context's limits ------------------------------------ */

static int fake_token(void *ctx, eseal_buf *token, eseal_hash hash, const void *digest, size_t len)
{
    (void)ctx, (void)hash, (void)digest, (void)len;
    static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    token->ptr = malloc(sizeof(der));
    memcpy(token->ptr, der, sizeof(der));
    token->size = sizeof(der);
    return ESEAL_OK;
}

static void doc_timestamp_parse_limited(void **state)
{
    (void)state;
    char body[1024];
    size_t n = test_pdf_bytes(body);
    eseal_context *ctx = NULL;
    assert_int_equal(eseal_context_new(&ctx), ESEAL_OK);
    eseal_limits l = ESEAL_LIMITS_INIT;
    l.max_input_bytes = n - 1;
    assert_int_equal(eseal_context_set_limits(ctx, &l), ESEAL_OK);
    es_buf out = ES_BUF_INIT(1 << 20);
    assert_int_equal(es_code(es_pdf_add_doc_timestamp(&out, es_span_of(body, n), ESEAL_HASH_SHA256, fake_token, NULL,
                                                      0, ctx)),
                     ESEAL_ELIMIT);
    l.max_input_bytes = n;
    assert_int_equal(eseal_context_set_limits(ctx, &l), ESEAL_OK);
    assert_true(es_ok(es_pdf_add_doc_timestamp(&out, es_span_of(body, n), ESEAL_HASH_SHA256, fake_token, NULL, 0, ctx)));
    assert_true(out.len > n);
    es_buf_free(&out);
    eseal_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(cms_signing_time_from_context, setup, teardown),
        cmocka_unit_test_setup_teardown(cert_after_not_after_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(cms_files_limited_by_context, setup, teardown),
        cmocka_unit_test_setup_teardown(seal_signature_time_from_context, setup, teardown),
        cmocka_unit_test_setup_teardown(ofd_stamp_time_from_context, setup, teardown),
        cmocka_unit_test_setup_teardown(ocsp_this_update_by_context, setup, teardown),
        cmocka_unit_test(witness_time_from_context),
        cmocka_unit_test(instance_tsa_and_records_from_context),
        cmocka_unit_test(doc_timestamp_parse_limited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
