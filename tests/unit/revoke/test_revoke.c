/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Revocation: the RFC 6960 responder (src/revoke) and the verifiers' OCSP/CRL checks
 * (src/crypto/revocation.c through es_chain_check_ex): good/revoked/unknown, nonce, delegated
 * responder, forged and unauthorised signers, stale responses, revoked before/after the
 * validation time, online fetch (OCSP, then the CRL), the cache and the collector.
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

#include <openssl/ocsp.h>

#include "crypto/chain.h"
#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "http/http.h"
#include "util/report.h"

#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)

typedef struct {
    eseal_key *key;
    eseal_cert *cert;
} kc;

static kc root, leaf, stranger, responder, other_root, rogue, no_eku;
static eseal_trust *trust;

/* What the lookup answers about `leaf`; every other serial is unknown. */
static struct {
    eseal_ocsp_cert_status status;
    int64_t revoked_ms;
    int reason;
    int calls;
} state;

static int64_t pinned_ms;
static int64_t clock_cb(void *ctx)
{
    (void)ctx;
    return pinned_ms != 0 ? pinned_ms : es_now_ms();
}

static int lookup(void *ctx, size_t ca, const uint8_t *serial, size_t len, eseal_ocsp_status *out)
{
    (void)ctx;
    (void)ca;
    state.calls++;
    es_buf hex = ES_BUF_INIT(256);
    assert_true(es_ok(es_buf_append_hex(&hex, serial, len, true)));
    bool is_leaf = strcmp(es_buf_cstr(&hex), eseal_cert_serial(leaf.cert)) == 0;
    es_buf_free(&hex);
    out->status = is_leaf ? state.status : ESEAL_OCSP_UNKNOWN;
    out->revoked_ms = state.revoked_ms;
    out->reason = state.reason;
    return ESEAL_OK;
}

static void issue(kc *out, es_cert_profile prof, const char *cn, const kc *issuer, const char *ocsp_url,
                  const char *crl_url)
{
    assert_int_equal(eseal_key_generate(&out->key, ESEAL_ALG_P256), ESEAL_OK);
    eseal_buf spki = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_public_der(&spki, out->key), ESEAL_OK);
    uint8_t serial[12];
    assert_true(es_ok(es_random(serial, sizeof(serial))));
    serial[0] = (uint8_t)((serial[0] & 0x3f) | 0x40);
    es_cert_spec s = {0};
    s.profile = prof;
    s.common_name = cn;
    s.organization = "Revocation Test";
    s.country = "CN";
    s.not_before_ms = es_now_ms() - 10 * DAY_MS;
    s.not_after_ms = es_now_ms() + 365 * DAY_MS;
    s.serial = serial;
    s.serial_len = sizeof(serial);
    s.ocsp_url = ocsp_url;
    s.crl_url = crl_url;
    assert_true(es_ok(es_cert_issue(&out->cert, &s, es_span_of(spki.ptr, spki.size),
                                    issuer != NULL ? issuer->key : out->key, issuer != NULL ? issuer->cert : NULL)));
    eseal_buf_dispose(&spki);
}

static void kc_free(kc *k)
{
    eseal_key_free(k->key);
    eseal_cert_free(k->cert);
    memset(k, 0, sizeof(*k));
}

static int setup(void **st)
{
    (void)st;
    issue(&root, ES_PROFILE_ROOT_CA, "Test Root", NULL, NULL, NULL);
    issue(&leaf, ES_PROFILE_ORG, "Leaf Org", &root, NULL, NULL);
    issue(&stranger, ES_PROFILE_ORG, "Stranger Org", &root, NULL, NULL);
    issue(&responder, ES_PROFILE_OCSP, "Test OCSP Responder", &root, NULL, NULL);
    issue(&no_eku, ES_PROFILE_ORG, "Not A Responder", &root, NULL, NULL);
    issue(&other_root, ES_PROFILE_ROOT_CA, "Other Root", NULL, NULL, NULL);
    issue(&rogue, ES_PROFILE_OCSP, "Rogue OCSP Responder", &other_root, NULL, NULL);
    assert_int_equal(eseal_trust_new(&trust), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(trust, root.cert), ESEAL_OK);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    kc *all[] = {&root, &leaf, &stranger, &responder, &other_root, &rogue, &no_eku};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        kc_free(all[i]);
    }
    eseal_trust_free(trust);
    return 0;
}

static void reset(void)
{
    state.status = ESEAL_OCSP_GOOD;
    state.revoked_ms = 0;
    state.reason = -1;
    state.calls = 0;
    pinned_ms = 0;
}

/* A response about `cert` (CertID SHA-1 or SHA-256), signed by `signer` for the CA `ca`. */
static void answer(eseal_buf *resp, const kc *cert, const kc *ca, const kc *signer, int sha256, int nonce,
                   eseal_buf *req_out)
{
    eseal_buf req = ESEAL_BUF_INIT;
    assert_int_equal(eseal_ocsp_request(&req, cert->cert, ca->cert, sha256, nonce), ESEAL_OK);
    eseal_ocsp_issuer is = {ca->cert, signer->cert, signer->key};
    eseal_ocsp_config c = ESEAL_OCSP_CONFIG_INIT;
    c.issuers = &is;
    c.issuer_count = 1;
    c.lookup = lookup;
    c.clock = clock_cb;
    assert_int_equal(eseal_ocsp_respond(resp, req.ptr, req.size, &c), ESEAL_OK);
    if (req_out != NULL) {
        *req_out = req;
    } else {
        eseal_buf_dispose(&req);
    }
}

static int cert_status_of(const eseal_buf *resp)
{
    int status = -1, cs = -1;
    assert_int_equal(eseal_ocsp_response_status(&status, &cs, resp->ptr, resp->size), ESEAL_OK);
    assert_int_equal(status, ESEAL_OCSP_SUCCESSFUL);
    return cs;
}

static void responder_statuses(void **st)
{
    (void)st;
    reset();
    eseal_buf resp = ESEAL_BUF_INIT;
    answer(&resp, &leaf, &root, &responder, 0, 1, NULL);
    assert_int_equal(cert_status_of(&resp), ESEAL_OCSP_GOOD);
    eseal_buf_dispose(&resp);
    /* SHA-256 CertIDs too. */
    answer(&resp, &leaf, &root, &responder, 1, 0, NULL);
    assert_int_equal(cert_status_of(&resp), ESEAL_OCSP_GOOD);
    eseal_buf_dispose(&resp);
    state.status = ESEAL_OCSP_REVOKED;
    state.revoked_ms = es_now_ms() - HOUR_MS;
    state.reason = 1;
    answer(&resp, &leaf, &root, &responder, 0, 0, NULL);
    assert_int_equal(cert_status_of(&resp), ESEAL_OCSP_REVOKED);
    eseal_buf_dispose(&resp);
    /* A serial of this CA that the lookup does not know. */
    answer(&resp, &stranger, &root, &responder, 0, 0, NULL);
    assert_int_equal(cert_status_of(&resp), ESEAL_OCSP_UNKNOWN);
    eseal_buf_dispose(&resp);
}

static void responder_rejections(void **st)
{
    (void)st;
    reset();
    eseal_ocsp_issuer is = {root.cert, responder.cert, responder.key};
    eseal_ocsp_config c = ESEAL_OCSP_CONFIG_INIT;
    c.issuers = &is;
    c.issuer_count = 1;
    c.lookup = lookup;
    eseal_buf resp = ESEAL_BUF_INIT;
    int status = -1;
    /* Garbage, a truncated request, an oversized one: malformedRequest, never an error. */
    assert_int_equal(eseal_ocsp_respond(&resp, "garbage", 7, &c), ESEAL_OK);
    assert_int_equal(eseal_ocsp_response_status(&status, NULL, resp.ptr, resp.size), ESEAL_OK);
    assert_int_equal(status, ESEAL_OCSP_MALFORMED_REQUEST);
    eseal_buf_dispose(&resp);
    eseal_buf req = ESEAL_BUF_INIT;
    assert_int_equal(eseal_ocsp_request(&req, leaf.cert, root.cert, 0, 1), ESEAL_OK);
    assert_int_equal(eseal_ocsp_respond(&resp, req.ptr, req.size - 1, &c), ESEAL_OK);
    assert_int_equal(eseal_ocsp_response_status(&status, NULL, resp.ptr, resp.size), ESEAL_OK);
    assert_int_equal(status, ESEAL_OCSP_MALFORMED_REQUEST);
    eseal_buf_dispose(&resp);
    uint8_t *big = calloc(1, ESEAL_OCSP_MAX_REQUEST + 1);
    assert_non_null(big);
    memcpy(big, req.ptr, req.size);
    assert_int_equal(eseal_ocsp_respond(&resp, big, ESEAL_OCSP_MAX_REQUEST + 1, &c), ESEAL_OK);
    free(big);
    assert_int_equal(eseal_ocsp_response_status(&status, NULL, resp.ptr, resp.size), ESEAL_OK);
    assert_int_equal(status, ESEAL_OCSP_MALFORMED_REQUEST);
    eseal_buf_dispose(&resp);
    eseal_buf_dispose(&req);
    /* A certificate of a CA this responder does not serve: unauthorized (RFC 5019 §2.2.3). */
    assert_int_equal(eseal_ocsp_request(&req, rogue.cert, other_root.cert, 0, 0), ESEAL_OK);
    assert_int_equal(eseal_ocsp_respond(&resp, req.ptr, req.size, &c), ESEAL_OK);
    assert_int_equal(eseal_ocsp_response_status(&status, NULL, resp.ptr, resp.size), ESEAL_OK);
    assert_int_equal(status, ESEAL_OCSP_UNAUTHORIZED);
    assert_int_equal(state.calls, 0);
    eseal_buf_dispose(&resp);
    eseal_buf_dispose(&req);
    /* A key that is not the responder certificate's: a configuration error. */
    eseal_ocsp_issuer bad = {root.cert, responder.cert, leaf.key};
    c.issuers = &bad;
    assert_int_equal(eseal_ocsp_request(&req, leaf.cert, root.cert, 0, 0), ESEAL_OK);
    assert_int_equal(eseal_ocsp_respond(&resp, req.ptr, req.size, &c), ESEAL_EINVAL);
    eseal_buf_dispose(&req);
}

static void nonce_echoed(void **st)
{
    (void)st;
    reset();
    eseal_buf resp = ESEAL_BUF_INIT, req = ESEAL_BUF_INIT;
    answer(&resp, &leaf, &root, &responder, 0, 1, &req);
    const unsigned char *p = req.ptr;
    OCSP_REQUEST *rq = d2i_OCSP_REQUEST(NULL, &p, (long)req.size);
    p = resp.ptr;
    OCSP_RESPONSE *rs = d2i_OCSP_RESPONSE(NULL, &p, (long)resp.size);
    assert_non_null(rq);
    assert_non_null(rs);
    OCSP_BASICRESP *bs = OCSP_response_get1_basic(rs);
    assert_non_null(bs);
    assert_int_equal(OCSP_check_nonce(rq, bs), 1); /* present in both and equal */
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(rs);
    OCSP_REQUEST_free(rq);
    eseal_buf_dispose(&resp);
    eseal_buf_dispose(&req);
    /* Without a nonce in the request, none in the response. */
    answer(&resp, &leaf, &root, &responder, 0, 0, &req);
    p = req.ptr;
    rq = d2i_OCSP_REQUEST(NULL, &p, (long)req.size);
    p = resp.ptr;
    rs = d2i_OCSP_RESPONSE(NULL, &p, (long)resp.size);
    bs = OCSP_response_get1_basic(rs);
    assert_int_equal(OCSP_check_nonce(rq, bs), 2); /* absent in both */
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(rs);
    OCSP_REQUEST_free(rq);
    eseal_buf_dispose(&resp);
    eseal_buf_dispose(&req);
}

/* es_chain_check_ex of `leaf` with one embedded response (and more options) at at_ms. */
static eseal_report *check(const eseal_buf *resp, int64_t at_ms, int64_t claimed_ms, es_revocation_opts *more)
{
    es_revocation_opts ro = ES_REVOCATION_OPTS_INIT;
    if (more != NULL) {
        ro = *more;
    }
    es_span one = resp != NULL ? es_span_of(resp->ptr, resp->size) : es_span_of(NULL, 0);
    if (resp != NULL) {
        ro.ocsp = &one;
        ro.ocsp_count = 1;
    }
    eseal_report *rep = NULL;
    assert_true(es_ok(es_report_new(&rep)));
    assert_true(es_ok(es_chain_check_ex(rep, trust, leaf.cert->x509, NULL, at_ms, claimed_ms, &ro)));
    return rep;
}

static void expect(eseal_report *r, eseal_verdict v, const char *code, const char *field, const char *value)
{
    const char *got = field != NULL ? eseal_report_string(r, field) : NULL;
    if (eseal_report_verdict(r) != v || (code != NULL && !eseal_report_has_reason(r, code)) ||
        (field != NULL && (got == NULL || strstr(got, value) == NULL))) {
        eseal_buf txt = ESEAL_BUF_INIT;
        (void)eseal_report_to_text(&txt, r, 0);
        print_error("unexpected report (want %s %s, %s ~ %s):\n%s", eseal_verdict_name(v), code != NULL ? code : "",
                    field != NULL ? field : "", value != NULL ? value : "", txt.ptr);
        eseal_buf_dispose(&txt);
        fail();
    }
    eseal_report_free(r);
}

static void verify_good_and_unknown(void **st)
{
    (void)st;
    reset();
    int64_t now = es_now_ms();
    eseal_buf resp = ESEAL_BUF_INIT;
    /* Nothing at all: unknown, as before. */
    expect(check(NULL, now, 0, NULL), ESEAL_INDETERMINATE, "REVOCATION_UNKNOWN", NULL, NULL);
    /* The delegated responder's signature is checked and accepted. */
    answer(&resp, &leaf, &root, &responder, 0, 1, NULL);
    expect(check(&resp, now, 0, NULL), ESEAL_VALID, NULL, "checks.revocation.detail", "signer: OCSP, embedded");
    /* The check names the response it used, a validation object from the document (a PDF's /DSS). */
    eseal_report *g = check(&resp, now, 0, NULL);
    assert_int_equal(eseal_report_check(g, "revocation"), ESEAL_CHECK_PASSED);
    assert_string_equal(eseal_report_string(g, "checks.revocation.source"), "ocsp");
    const char *oid = eseal_report_string(g, "checks.revocation.objects.0");
    assert_non_null(oid);
    assert_true(strncmp(oid, "OCSP-", 5) == 0);
    const eseal_value *objs = eseal_report_find(g, "validation_objects");
    bool listed = false;
    for (size_t i = 0; i < eseal_value_count(objs); i++) {
        const eseal_value *o = eseal_value_item(objs, i);
        if (strcmp(eseal_value_string(eseal_value_find(o, "id")), oid) == 0) {
            listed = true;
            assert_string_equal(eseal_value_string(eseal_value_find(o, "type")), "ocsp_response");
            assert_string_equal(eseal_value_string(eseal_value_find(o, "origin")), "dss");
        }
    }
    assert_true(listed);
    expect(g, ESEAL_VALID, NULL, "checks.revocation.detail", "signer: OCSP, embedded");
    eseal_buf_dispose(&resp);
    /* Signed by the CA itself. */
    answer(&resp, &leaf, &root, &root, 1, 0, NULL);
    expect(check(&resp, now, 0, NULL), ESEAL_VALID, NULL, "checks.revocation.detail", "signer: OCSP, embedded");
    eseal_buf_dispose(&resp);
    /* "unknown" covers nothing. */
    state.status = ESEAL_OCSP_UNKNOWN;
    answer(&resp, &leaf, &root, &responder, 0, 0, NULL);
    expect(check(&resp, now, 0, NULL), ESEAL_INDETERMINATE, "REVOCATION_UNKNOWN", NULL, NULL);
    eseal_buf_dispose(&resp);
    /* A response about another certificate says nothing about this one. */
    state.status = ESEAL_OCSP_GOOD;
    answer(&resp, &stranger, &root, &responder, 0, 0, NULL);
    expect(check(&resp, now, 0, NULL), ESEAL_INDETERMINATE, "REVOCATION_UNKNOWN", NULL, NULL);
    eseal_buf_dispose(&resp);
}

static void verify_rejects_bad_signers(void **st)
{
    (void)st;
    reset();
    int64_t now = es_now_ms();
    eseal_buf resp = ESEAL_BUF_INIT;
    /* A responder certificate of another CA (with the OCSPSigning EKU) is not authorised. */
    answer(&resp, &leaf, &root, &rogue, 0, 0, NULL);
    eseal_report *r = check(&resp, now, 0, NULL);
    assert_non_null(strstr(eseal_report_reason_text(r, 0), "not issued by the certificate's issuer"));
    expect(r, ESEAL_INDETERMINATE, "REVOCATION_UNKNOWN", NULL, NULL);
    eseal_buf_dispose(&resp);
    /* A certificate of the CA without the OCSPSigning EKU is not a responder. */
    answer(&resp, &leaf, &root, &no_eku, 0, 0, NULL);
    r = check(&resp, now, 0, NULL);
    assert_non_null(strstr(eseal_report_reason_text(r, 0), "OCSPSigning"));
    expect(r, ESEAL_INDETERMINATE, "REVOCATION_UNKNOWN", NULL, NULL);
    eseal_buf_dispose(&resp);
    /* A forged signature (one bit of the signature value flipped). */
    answer(&resp, &leaf, &root, &responder, 0, 0, NULL);
    const unsigned char *p = resp.ptr;
    OCSP_RESPONSE *rs = d2i_OCSP_RESPONSE(NULL, &p, (long)resp.size);
    OCSP_BASICRESP *bs = OCSP_response_get1_basic(rs);
    const ASN1_OCTET_STRING *sig = OCSP_resp_get0_signature(bs);
    const unsigned char *sp = ASN1_STRING_get0_data(sig);
    uint8_t *at = memmem(resp.ptr, resp.size, sp, (size_t)ASN1_STRING_length(sig));
    assert_non_null(at);
    at[ASN1_STRING_length(sig) - 3] ^= 0x01;
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(rs);
    r = check(&resp, now, 0, NULL);
    assert_non_null(strstr(eseal_report_reason_text(r, 0), "signature does not verify"));
    expect(r, ESEAL_INDETERMINATE, "REVOCATION_UNKNOWN", NULL, NULL);
    eseal_buf_dispose(&resp);
}

static void verify_stale_response(void **st)
{
    (void)st;
    reset();
    int64_t now = es_now_ms();
    eseal_buf resp = ESEAL_BUF_INIT;
    /* Produced three days ago, valid for an hour: expired for a validation now. */
    pinned_ms = now - 3 * DAY_MS;
    answer(&resp, &leaf, &root, &responder, 0, 0, NULL);
    expect(check(&resp, now, 0, NULL), ESEAL_INDETERMINATE, "REVOCATION_OUT_OF_DATE", NULL, NULL);
    /* ...but it spoke for a validation time inside its window. */
    expect(check(&resp, now - 3 * DAY_MS + 60000, 0, NULL), ESEAL_VALID, NULL, "checks.revocation.detail", "signer: OCSP");
    eseal_buf_dispose(&resp);
    /* A thisUpdate in the future is not believed. */
    pinned_ms = now + DAY_MS;
    answer(&resp, &leaf, &root, &responder, 0, 0, NULL);
    expect(check(&resp, now, 0, NULL), ESEAL_INDETERMINATE, "REVOCATION_UNKNOWN", NULL, NULL);
    eseal_buf_dispose(&resp);
}

static void verify_revoked_before_and_after(void **st)
{
    (void)st;
    reset();
    int64_t now = es_now_ms();
    eseal_buf resp = ESEAL_BUF_INIT;
    state.status = ESEAL_OCSP_REVOKED;
    state.revoked_ms = now - HOUR_MS;
    state.reason = 1; /* keyCompromise */
    answer(&resp, &leaf, &root, &responder, 0, 0, NULL);
    /* Revoked before the validation time: INVALID, with time and reason. */
    eseal_report *r = check(&resp, now, 0, NULL);
    const char *detail = eseal_report_string(r, "checks.revocation.detail");
    assert_non_null(detail);
    assert_non_null(strstr(detail, "(keyCompromise)"));
    assert_non_null(strstr(detail, ", revoked at "));
    assert_int_equal(eseal_report_check(r, "revocation"), ESEAL_CHECK_FAILED);
    expect(r, ESEAL_INVALID, "REVOKED", "checks.revocation.detail", "signer: OCSP, embedded");
    /* The signature claims a time before the revocation, with no timestamp: REVOKED_NO_POE. */
    expect(check(&resp, now, now - 2 * HOUR_MS, NULL), ESEAL_INDETERMINATE, "REVOKED_NO_POE", NULL, NULL);
    eseal_buf_dispose(&resp);
    /* Validated before the revocation (a response that covers that time): valid then. */
    pinned_ms = now - 2 * HOUR_MS;
    answer(&resp, &leaf, &root, &responder, 0, 0, NULL);
    expect(check(&resp, now - 90 * 60000, 0, NULL), ESEAL_VALID, NULL, "checks.revocation.detail", ", revoked later, at ");
    eseal_buf_dispose(&resp);
}

/* ---- online: a responder and a CRL over HTTP ----------------------------------------------- */

static es_buf served_crl;
static int ocsp_hits, crl_hits;

static ES_RESULT serve(void *ctx, const es_http_request *rq, es_http_response *rs)
{
    (void)ctx;
    if (strcmp(rq->path, "/crl/root.crl") == 0) {
        crl_hits++;
        (void)snprintf(rs->content_type, sizeof(rs->content_type), "application/pkix-crl");
        return es_buf_append(&rs->body, served_crl.ptr, served_crl.len);
    }
    if (strcmp(rq->path, "/ocsp") != 0) {
        rs->status = 404;
        return ES_OK;
    }
    ocsp_hits++;
    eseal_ocsp_issuer is = {root.cert, responder.cert, responder.key};
    eseal_ocsp_config c = ESEAL_OCSP_CONFIG_INIT;
    c.issuers = &is;
    c.issuer_count = 1;
    c.lookup = lookup;
    eseal_buf resp = ESEAL_BUF_INIT;
    ES_GUARD((es_result){eseal_ocsp_respond(&resp, rq->body.ptr, rq->body.len, &c)});
    es_result r = es_buf_append(&rs->body, resp.ptr, resp.size);
    eseal_buf_dispose(&resp);
    (void)snprintf(rs->content_type, sizeof(rs->content_type), "application/ocsp-response");
    return r;
}

static void online_cache_and_collector(void **st)
{
    (void)st;
    reset();
    es_http_server *srv = NULL;
    es_http_options o = {"127.0.0.1:0", 65536, 2, 5, serve, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    assert_true(es_ok(es_http_start(&srv, &o)));
    char ocsp_url[128], crl_url[128], cache[64];
    (void)snprintf(ocsp_url, sizeof(ocsp_url), "http://127.0.0.1:%u/ocsp", es_http_port(srv));
    (void)snprintf(crl_url, sizeof(crl_url), "http://127.0.0.1:%u/crl/root.crl", es_http_port(srv));
    (void)snprintf(cache, sizeof(cache), "/tmp/eseal-revoke-test-%d", (int)getpid());
    served_crl = (es_buf)ES_BUF_INIT(1 << 20);
    int64_t now = es_now_ms();
    assert_true(es_ok(es_crl_issue(&served_crl, root.key, root.cert, NULL, 0, 1, now - 60000, now + DAY_MS)));

    /* The leaf names the responder: OCSP is fetched, used, cached and collected. */
    kc_free(&leaf);
    issue(&leaf, ES_PROFILE_ORG, "Online Leaf", &root, ocsp_url, crl_url);
    es_revocation_data used = {{NULL, 0, 0}, {NULL, 0, 0}};
    es_revocation_opts ro = ES_REVOCATION_OPTS_INIT;
    ro.online = true;
    ro.fetch = es_http_fetcher();
    ro.cache_dir = cache;
    ro.used = &used;
    char want[160];
    (void)snprintf(want, sizeof(want), "signer: OCSP, %s", ocsp_url);
    expect(check(NULL, now, 0, &ro), ESEAL_VALID, NULL, "checks.revocation.detail", want);
    assert_int_equal(ocsp_hits, 1);
    assert_int_equal(used.ocsp.n, 1);
    assert_int_equal(used.crls.n, 0);
    int cs = -1, status = -1;
    assert_int_equal(eseal_ocsp_response_status(&status, &cs, used.ocsp.items[0].ptr, used.ocsp.items[0].len),
                     ESEAL_OK);
    assert_int_equal(cs, ESEAL_OCSP_GOOD);
    /* Offline now: the cached response is reused until its nextUpdate, without a request. */
    ro.online = false;
    expect(check(NULL, now, 0, &ro), ESEAL_VALID, NULL, "checks.revocation.detail", "signer: OCSP, cache");
    assert_int_equal(ocsp_hits, 1);
    assert_int_equal(used.ocsp.n, 1); /* the same DER is collected once */
    /* No cache and offline: unknown, as before. */
    ro.cache_dir = NULL;
    expect(check(NULL, now, 0, &ro), ESEAL_INDETERMINATE, "REVOCATION_UNKNOWN", NULL, NULL);

    /* A responder that does not know the certificate: the CRL from the distribution point. */
    state.status = ESEAL_OCSP_UNKNOWN;
    ro.online = true;
    (void)snprintf(want, sizeof(want), "signer: CRL, %s", crl_url);
    expect(check(NULL, now, 0, &ro), ESEAL_VALID, NULL, "checks.revocation.detail", want);
    assert_int_equal(crl_hits, 1);
    assert_int_equal(used.crls.n, 1);
    assert_true(es_span_eq(es_buf_span(&used.crls.items[0]), es_buf_span(&served_crl)));

    /* The CRL lists the leaf as revoked an hour ago. */
    es_buf serial = ES_BUF_INIT(64);
    assert_true(es_ok(es_hex_decode(&serial, eseal_cert_serial(leaf.cert))));
    es_crl_entry e = {serial.ptr, serial.len, now - HOUR_MS, 1};
    es_buf_clear(&served_crl);
    assert_true(es_ok(es_crl_issue(&served_crl, root.key, root.cert, &e, 1, 2, now - 60000, now + DAY_MS)));
    expect(check(NULL, now, 0, &ro), ESEAL_INVALID, "REVOKED", "checks.revocation.detail", "signer: CRL, http://");
    es_buf_free(&serial);

    /* The same evidence gathered for the stamping side (es_revocation_fetch). */
    state.status = ESEAL_OCSP_GOOD;
    es_revocation_data ev = {{NULL, 0, 0}, {NULL, 0, 0}};
    es_revocation_opts fo = ES_REVOCATION_OPTS_INIT;
    fo.online = true;
    fo.fetch = es_http_fetcher();
    fo.used = &ev;
    bool found = false;
    char src[320];
    assert_true(es_ok(es_revocation_fetch(&found, leaf.cert, root.cert, &fo, src, sizeof(src))));
    assert_true(found);
    assert_non_null(strstr(src, "OCSP, http://"));
    assert_int_equal(ev.ocsp.n, 1);
    es_revocation_data_free(&ev);

    es_http_stop(srv);
    /* es_http_get: an unreachable server is an error, not a hang. */
    es_buf body = ES_BUF_INIT(0);
    long code = 0;
    es_http_client_options ho = {.timeout_ms = 2000};
    assert_false(es_ok(es_http_get(crl_url, &ho, &body, &code, NULL, 0)));
    assert_int_equal(es_code(es_http_get("file:///etc/passwd", &ho, &body, &code, NULL, 0)), ESEAL_EINVAL);
    es_buf_free(&body);
    es_revocation_data_free(&used);
    es_buf_free(&served_crl);
    char cmd[128];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf %s", cache);
    assert_int_equal(system(cmd), 0);
    kc_free(&leaf);
    issue(&leaf, ES_PROFILE_ORG, "Leaf Org", &root, NULL, NULL);
}

/* A fetcher handed down instead of the network (util/fetch.h): what crypto asked for, and answers. */
typedef struct {
    int calls;
    char url[128];
    char type[64];
    bool fail;
} fake_net;

static ES_RESULT fake_fetch(void *ctx, const char *url, const char *content_type, es_span body,
                            unsigned int timeout_ms, size_t max_response, es_buf *resp, long *status)
{
    fake_net *n = ctx;
    n->calls++;
    (void)snprintf(n->url, sizeof(n->url), "%s", url);
    (void)snprintf(n->type, sizeof(n->type), "%s", content_type != NULL ? content_type : "GET");
    assert_true(timeout_ms > 0);
    assert_true(max_response > 0);
    ES_ENSURE(!n->fail, ESEAL_EIO, "fake: the network is down");
    ES_ENSURE(content_type != NULL, ESEAL_EIO, "fake: no CRL here");
    eseal_ocsp_issuer is = {root.cert, responder.cert, responder.key};
    eseal_ocsp_config c = ESEAL_OCSP_CONFIG_INIT;
    c.issuers = &is;
    c.issuer_count = 1;
    c.lookup = lookup;
    eseal_buf der = ESEAL_BUF_INIT;
    ES_GUARD((es_result){eseal_ocsp_respond(&der, body.ptr, body.len, &c)});
    es_result r = es_buf_append(resp, der.ptr, der.size);
    eseal_buf_dispose(&der);
    *status = 200;
    return r;
}

/* Online revocation reaches the network only through the fetcher it is handed (crypto has no HTTP). */
static void online_goes_through_the_fetcher(void **st)
{
    (void)st;
    reset();
    kc_free(&leaf);
    issue(&leaf, ES_PROFILE_ORG, "Fetched Leaf", &root, "http://ocsp.invalid/ocsp", "http://crl.invalid/root.crl");
    int64_t now = es_now_ms();
    fake_net net = {0};
    es_revocation_opts ro = ES_REVOCATION_OPTS_INIT;
    ro.online = true;
    ro.fetch = (es_fetcher){fake_fetch, &net};
    expect(check(NULL, now, 0, &ro), ESEAL_VALID, NULL, "checks.revocation.detail", "signer: OCSP, http://ocsp.invalid/ocsp");
    assert_int_equal(net.calls, 1);
    assert_string_equal(net.url, "http://ocsp.invalid/ocsp");
    assert_string_equal(net.type, "application/ocsp-request");

    /* The fetcher's failure is the reason given; then the CRL distribution point is asked (a GET). */
    net = (fake_net){0};
    net.fail = true;
    expect(check(NULL, now, 0, &ro), ESEAL_INDETERMINATE, "REVOCATION_UNKNOWN", NULL, NULL);
    assert_int_equal(net.calls, 2);
    assert_string_equal(net.url, "http://crl.invalid/root.crl");
    assert_string_equal(net.type, "GET");

    /* Online without a fetcher is the caller's mistake, never a silent offline check. */
    es_revocation_opts bare = ES_REVOCATION_OPTS_INIT;
    bare.online = true;
    bool found = true;
    char src[320];
    assert_int_equal(es_code(es_revocation_fetch(&found, leaf.cert, root.cert, &bare, src, sizeof(src))), ESEAL_EINVAL);
    kc_free(&leaf);
    issue(&leaf, ES_PROFILE_ORG, "Leaf Org", &root, NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(responder_statuses),
        cmocka_unit_test(responder_rejections),
        cmocka_unit_test(nonce_echoed),
        cmocka_unit_test(verify_good_and_unknown),
        cmocka_unit_test(verify_rejects_bad_signers),
        cmocka_unit_test(verify_stale_response),
        cmocka_unit_test(verify_revoked_before_and_after),
        cmocka_unit_test(online_cache_and_collector),
        cmocka_unit_test(online_goes_through_the_fetcher),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
