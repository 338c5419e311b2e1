/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The own TSA's pinned check (src/crypto/ts_pin.c, src/core/timestamper.c; issue 18). Counted, never
 * timed (the test hooks es_chain_validations, es_x509_decodes, es_ts_pin_accepted/_refused):
 * - a timestamper's tokens from the instance's TSA: the first passes the whole checklist (one chain
 *   validation), the others the pinned check: still one chain validation and no certificate decoded
 *   after the first two tokens, and every token passes the full eseal_tsa_verify_token afterwards;
 * - a response whose signature or imprint was changed (es_own_tsa_tamper) is refused by the pinned
 *   check; changed every time, the stamp fails (the full checklist refuses it too); changed once, the
 *   fresh token asked through the full checklist is taken; a well-signed response to another request
 *   (a replay) is refused by the pin for its imprint and nonce;
 * - a genTime past the pin's window (the instance's clock moved past a CRL's nextUpdate) is refused
 *   by the pin and by the full checklist; just before the end of the window the pin takes it;
 * - the SM2 TSA likewise (SM3 imprints, SM2 signatures with the GM/T 0009 ID);
 * - a stamp of 1 B-B document validates the TSA chain once and decodes at most 14 certificates; batches
 *   of 2 and 6 validate it once too and decode the same number: nothing grows per document.
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

#include <openssl/ts.h>

#include "core/core.h"
#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "util/util.h"
#include "../test_instance.h"

static char home[] = "/tmp/eseal-tsa-pin-XXXXXX";
static const char pass[] = "tsa-pin-pass-1";
static eseal_instance *inst;
static char esid[64];

static int setup(void **state)
{
    (void)state;
    inst = test_instance_with_seal(home, NULL, 0, pass, ESEAL_ALG_P256, esid, sizeof(esid));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_instance_done(inst, home);
}

/* One token over digest {i, ...} through the timestamper; its result in *got (caller frees). */
static int one_token(es_timestamper *ts, es_doc_time *dt, eseal_buf *token, uint8_t i)
{
    uint8_t dg[32];
    memset(dg, i, sizeof(dg));
    dt->t = ts;
    return es_doc_timestamp(dt, token, ESEAL_HASH_SHA256, dg, sizeof(dg));
}

/* The token passes the whole client checklist against the instance's trust, over digest {i, ...}
 * (a request without nonce, so every check applies). */
static void full_check(const eseal_buf *token, uint8_t i)
{
    eseal_trust *trust = NULL;
    assert_int_equal(eseal_instance_trust(inst, &trust), ESEAL_OK);
    uint8_t dg[32];
    memset(dg, i, sizeof(dg));
    TS_REQ *r = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    assert_int_equal(X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL), 1);
    assert_int_equal(TS_MSG_IMPRINT_set_algo(mi, alg), 1);
    assert_int_equal(TS_MSG_IMPRINT_set_msg(mi, dg, 32), 1);
    assert_int_equal(TS_REQ_set_version(r, 1), 1);
    assert_int_equal(TS_REQ_set_msg_imprint(r, mi), 1);
    unsigned char *req = NULL;
    int req_len = i2d_TS_REQ(r, &req);
    assert_true(req_len > 0);
    eseal_tsa_verify_options vo = ESEAL_TSA_VERIFY_OPTIONS_INIT;
    vo.request = req;
    vo.request_len = (size_t)req_len;
    eseal_report *rep = NULL;
    int64_t gen = 0;
    assert_int_equal(eseal_tsa_verify_token(&rep, &gen, token->ptr, token->size, trust, &vo), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    assert_true(gen > 0);
    /* The pin hands out the token's bytes as found in the response; the checklist re-encoded it
     * (es_ts_response_token): for the own TSA's tokens both are the same bytes. */
    const unsigned char *tp = token->ptr;
    PKCS7 *p7 = d2i_PKCS7(NULL, &tp, (long)token->size);
    assert_non_null(p7);
    unsigned char *re = NULL;
    int re_len = i2d_PKCS7(p7, &re);
    assert_int_equal(re_len, (int)token->size);
    assert_memory_equal(re, token->ptr, token->size);
    OPENSSL_free(re);
    PKCS7_free(p7);
    eseal_report_free(rep);
    OPENSSL_free(req);
    TS_MSG_IMPRINT_free(mi);
    X509_ALGOR_free(alg);
    TS_REQ_free(r);
    eseal_trust_free(trust);
}

static void pinned_after_the_first(void **state)
{
    (void)state;
    es_timestamper ts;
    assert_true(es_ok(es_timestamper_open(&ts, inst, NULL, 0, 0, NULL)));
    size_t chains = es_chain_validations, acc = es_ts_pin_accepted, ref = es_ts_pin_refused, dec = 0;
    eseal_buf tokens[12];
    for (uint8_t i = 0; i < 12; i++) {
        es_doc_time dt = {&ts, {ESEAL_BUF_INIT, 0, "", "", NULL}};
        tokens[i] = (eseal_buf)ESEAL_BUF_INIT;
        assert_int_equal(one_token(&ts, &dt, &tokens[i], i), ESEAL_OK);
        assert_true(dt.got.gen_time_ms > 0);
        assert_true(strlen(dt.got.serial) == 32); /* 16 octets, random (tsa.c) */
        assert_non_null(strstr(dt.got.source, "in-process"));
        eseal_tsa_client_result_free(&dt.got);
        if (i == 1) {
            dec = es_x509_decodes;
        }
    }
    assert_int_equal(es_chain_validations - chains, 1); /* the first token's, not 12 */
    assert_int_equal(es_ts_pin_accepted - acc, 11);
    assert_int_equal(es_ts_pin_refused - ref, 0);
    assert_int_equal(es_x509_decodes - dec, 0); /* tokens 3..12 decode no certificate */
    for (uint8_t i = 0; i < 12; i++) {
        full_check(&tokens[i], i);
        eseal_buf_dispose(&tokens[i]);
    }
    es_timestamper_close(&ts);
}

/* The SM2 TSA (SM2/SM3 tokens, the signature checked with the GM/T 0009 ID) is pinned the same way. */
static void sm2_tsa_pinned(void **state)
{
    (void)state;
    es_timestamper ts;
    assert_true(es_ok(es_timestamper_open(&ts, inst, NULL, 0, 0, "sm2")));
    size_t chains = es_chain_validations, acc = es_ts_pin_accepted, ref = es_ts_pin_refused;
    for (uint8_t i = 0; i < 5; i++) {
        es_doc_time dt = {&ts, {ESEAL_BUF_INIT, 0, "", "", NULL}};
        eseal_buf tok = ESEAL_BUF_INIT;
        uint8_t dg[32];
        memset(dg, i, sizeof(dg));
        assert_int_equal(es_doc_timestamp(&dt, &tok, ESEAL_HASH_SM3, dg, sizeof(dg)), ESEAL_OK);
        assert_non_null(strstr(dt.got.source, "SM2"));
        eseal_buf_dispose(&tok);
        eseal_tsa_client_result_free(&dt.got);
    }
    assert_int_equal(es_chain_validations - chains, 1);
    assert_int_equal(es_ts_pin_accepted - acc, 4);
    assert_int_equal(es_ts_pin_refused - ref, 0);
    es_timestamper_close(&ts);
}

/* Test hooks changing the own TSA's responses. */
static int tamper_left; /* how many more responses to change (-1: all) */
static uint8_t tamper_digest[32];

static bool tamper_now(void)
{
    if (tamper_left == 0) {
        return false;
    }
    if (tamper_left > 0) {
        tamper_left--;
    }
    return true;
}

/* The signature is the last element of the response: its last octet changed. */
static void bad_signature(eseal_buf *resp)
{
    if (tamper_now() && resp->size > 0) {
        resp->ptr[resp->size - 1] ^= 0x01;
    }
}

/* The TSTInfo's messageImprint: the digest asked for, changed in place. */
static void bad_imprint(eseal_buf *resp)
{
    if (!tamper_now()) {
        return;
    }
    uint8_t *at = memmem(resp->ptr, resp->size, tamper_digest, sizeof(tamper_digest));
    assert_non_null(at);
    at[5] ^= 0x80;
}

/* A response kept from an earlier request and given again: signed by the TSA, for another imprint
 * and nonce (a replay). The first call of a test keeps one, the next ones replay it. */
static eseal_buf kept;
static void replayed(eseal_buf *resp)
{
    if (kept.size == 0) {
        kept.ptr = malloc(resp->size);
        assert_non_null(kept.ptr);
        memcpy(kept.ptr, resp->ptr, resp->size);
        kept.size = resp->size;
        return;
    }
    if (tamper_now()) {
        es_buf b = ES_BUF_INIT(kept.size + 1);
        assert_true(es_ok(es_buf_append(&b, kept.ptr, kept.size)));
        eseal_buf_dispose(resp);
        es_buf_move_out(resp, &b);
        es_buf_free(&b);
    }
}

static void tampered(void (*hook)(eseal_buf *), bool always)
{
    es_timestamper ts;
    assert_true(es_ok(es_timestamper_open(&ts, inst, NULL, 0, 0, NULL)));
    es_doc_time dt = {&ts, {ESEAL_BUF_INIT, 0, "", "", NULL}};
    eseal_buf tok = ESEAL_BUF_INIT;
    assert_int_equal(one_token(&ts, &dt, &tok, 1), ESEAL_OK); /* pins */
    eseal_buf_dispose(&tok);
    size_t ref = es_ts_pin_refused, acc = es_ts_pin_accepted;
    memset(tamper_digest, 2, sizeof(tamper_digest));
    tamper_left = always ? -1 : 1;
    es_own_tsa_tamper = hook;
    int rc = one_token(&ts, &dt, &tok, 2);
    es_own_tsa_tamper = NULL;
    assert_int_equal(es_ts_pin_refused - ref, 1);
    assert_int_equal(es_ts_pin_accepted - acc, 0);
    if (always) {
        /* the full checklist refuses the fresh token as well: no token at all */
        assert_int_not_equal(rc, ESEAL_OK);
        assert_non_null(strstr(eseal_error_last()->message, "no time-stamp could be obtained"));
        assert_int_equal(tok.size, 0);
    } else {
        assert_int_equal(rc, ESEAL_OK); /* the fresh one, through the full checklist */
        full_check(&tok, 2);
    }
    eseal_buf_dispose(&tok);
    eseal_tsa_client_result_free(&dt.got);
    /* untouched again: the pin takes the next one */
    assert_int_equal(one_token(&ts, &dt, &tok, 3), ESEAL_OK);
    assert_int_equal(es_ts_pin_accepted - acc, 1);
    eseal_buf_dispose(&tok);
    eseal_tsa_client_result_free(&dt.got);
    es_timestamper_close(&ts);
}

static void wrong_signature_refused(void **state)
{
    (void)state;
    tampered(bad_signature, true);
    tampered(bad_signature, false);
}

static void wrong_imprint_refused(void **state)
{
    (void)state;
    tampered(bad_imprint, true);
    tampered(bad_imprint, false);
}

/* A well-signed token of this TSA for another request: refused for its imprint and nonce. */
static void replayed_token_refused(void **state)
{
    (void)state;
    es_timestamper ts;
    assert_true(es_ok(es_timestamper_open(&ts, inst, NULL, 0, 0, NULL)));
    es_doc_time dt = {&ts, {ESEAL_BUF_INIT, 0, "", "", NULL}};
    eseal_buf tok = ESEAL_BUF_INIT;
    kept = (eseal_buf)ESEAL_BUF_INIT;
    tamper_left = 0;
    es_own_tsa_tamper = replayed;
    assert_int_equal(one_token(&ts, &dt, &tok, 1), ESEAL_OK); /* pins; the response is kept */
    eseal_buf_dispose(&tok);
    eseal_tsa_client_result_free(&dt.got);
    size_t ref = es_ts_pin_refused, acc = es_ts_pin_accepted;
    tamper_left = 1;
    assert_int_equal(one_token(&ts, &dt, &tok, 2), ESEAL_OK); /* the fresh one, through the checklist */
    es_own_tsa_tamper = NULL;
    assert_int_equal(es_ts_pin_refused - ref, 1);
    assert_int_equal(es_ts_pin_accepted - acc, 0);
    full_check(&tok, 2);
    eseal_buf_dispose(&tok);
    eseal_tsa_client_result_free(&dt.got);
    free(kept.ptr);
    kept = (eseal_buf)ESEAL_BUF_INIT;
    es_timestamper_close(&ts);
}

/* The instance's clock, moved by the test (0: the system's). */
static int64_t clock_at;
static int64_t test_clock(void *payload)
{
    (void)payload;
    return clock_at != 0 ? clock_at : es_ctx_now(NULL);
}

/* A genTime past the window's end (a CRL's nextUpdate, a certificate's notAfter) is not taken by the
 * pin; the full checklist then refuses it as well (the CRL is stale). Inside the window it is. */
static void outside_the_window_refused(void **state)
{
    (void)state;
    eseal_context *ctx = NULL;
    assert_int_equal(eseal_context_new(&ctx), ESEAL_OK);
    assert_int_equal(eseal_context_set_clock(ctx, test_clock, NULL), ESEAL_OK);
    assert_int_equal(eseal_instance_set_context(inst, ctx), ESEAL_OK);
    clock_at = 0;
    es_timestamper ts;
    assert_true(es_ok(es_timestamper_open(&ts, inst, NULL, 0, 0, NULL)));
    es_doc_time dt = {&ts, {ESEAL_BUF_INIT, 0, "", "", NULL}};
    eseal_buf tok = ESEAL_BUF_INIT;
    assert_int_equal(one_token(&ts, &dt, &tok, 1), ESEAL_OK);
    eseal_buf_dispose(&tok);
    eseal_tsa_client_result_free(&dt.got);
    int64_t lo = 0, hi = 0;
    assert_non_null(es_timestamper_pin(&ts));
    es_ts_pin_window(es_timestamper_pin(&ts), &lo, &hi);
    int64_t now = es_ctx_now(NULL);
    assert_true(lo <= now && now < hi);
    /* the end is a CRL's nextUpdate (days), before the certificates' notAfter (years) */
    assert_true(hi - now < (int64_t)400 * 24 * 3600 * 1000);
    size_t ref = es_ts_pin_refused, acc = es_ts_pin_accepted;
    clock_at = hi + 2000;
    assert_int_not_equal(one_token(&ts, &dt, &tok, 2), ESEAL_OK);
    assert_int_equal(es_ts_pin_refused - ref, 1);
    eseal_buf_dispose(&tok);
    eseal_tsa_client_result_free(&dt.got);
    clock_at = hi - 2000;
    assert_int_equal(one_token(&ts, &dt, &tok, 3), ESEAL_OK);
    assert_int_equal(es_ts_pin_accepted - acc, 1);
    eseal_buf_dispose(&tok);
    eseal_tsa_client_result_free(&dt.got);
    es_timestamper_close(&ts);
    clock_at = 0;
    assert_int_equal(eseal_instance_set_context(inst, NULL), ESEAL_OK);
    eseal_context_free(ctx);
}

static void batch_validates_once(void **state)
{
    (void)state;
    size_t chains[3], decodes[3];
    const size_t sizes[3] = {1, 2, 6};
    char ihome[700];
    (void)snprintf(ihome, sizeof(ihome), "%s/i", home);
    eseal_instance *bi = NULL;
    for (int b = 0; b < 3; b++) {
        /* Each batch in an instance of its own: what one process pays (an instance keeps its own
         * TSA's timestamper between calls, service/stamp.c; tested below). */
        eseal_instance_close(bi);
        bi = test_instance_open(ihome, pass);
        const char *ins[6], *outs[6];
        static char names[2][6][700]; /* inputs, outputs */
        for (size_t i = 0; i < sizes[b]; i++) {
            (void)snprintf(names[0][i], sizeof(names[0][i]), "%s/in-%d-%zu.pdf", home, b, i);
            (void)snprintf(names[1][i], sizeof(names[1][i]), "%s/out-%d-%zu.pdf", home, b, i);
            test_write_pdf(names[0][i]);
            ins[i] = names[0][i];
            outs[i] = names[1][i];
        }
        eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
        q.who = test_who();
        q.seal_ref = esid;
        q.jobs = 2;
        size_t c0 = es_chain_validations, d0 = es_x509_decodes, a0 = es_ts_pin_accepted;
        assert_int_equal(eseal_instance_stamp_pdfs(bi, NULL, ins, outs, sizes[b], &q), ESEAL_OK);
        chains[b] = es_chain_validations - c0;
        decodes[b] = es_x509_decodes - d0;
        assert_int_equal(es_ts_pin_accepted - a0, sizes[b] - 1); /* the audit entries' tokens but the first */
        print_message("batch of %zu: %zu chain validations, %zu certificate decodes\n", sizes[b], chains[b], decodes[b]);
    }
    /* One document: its own TSA's chain validated once; certificates decoded: 14 measured on this
     * instance (6 CA certificates for the trust, signer and issuer, the TSA and its issuer, the first
     * token's two twice in the checklist; the pin decodes none), the same for 2 and 6 documents. */
    assert_int_equal(chains[0], 1);
    assert_true(decodes[0] <= 14);
    assert_int_equal(chains[1], 1);
    assert_int_equal(chains[2], 1);
    assert_int_equal(decodes[1], decodes[0]);
    assert_int_equal(decodes[2], decodes[0]);
    /* A later batch of the same instance: its TSA pinned already, no chain validated, every token
     * checked against the pin, no certificate of the trust decoded again. */
    const char *ins[2], *outs[2];
    static char again[2][2][700];
    for (size_t i = 0; i < 2; i++) {
        (void)snprintf(again[0][i], sizeof(again[0][i]), "%s/in-again-%zu.pdf", home, i);
        (void)snprintf(again[1][i], sizeof(again[1][i]), "%s/out-again-%zu.pdf", home, i);
        test_write_pdf(again[0][i]);
        ins[i] = again[0][i];
        outs[i] = again[1][i];
    }
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    size_t c0 = es_chain_validations, d0 = es_x509_decodes, a0 = es_ts_pin_accepted;
    assert_int_equal(eseal_instance_stamp_pdfs(bi, NULL, ins, outs, 2, &q), ESEAL_OK);
    assert_int_equal(es_chain_validations - c0, 0);
    assert_int_equal(es_ts_pin_accepted - a0, 2);
    print_message("a later batch of the same instance: %zu certificate decodes\n", es_x509_decodes - d0);
    assert_true(es_x509_decodes - d0 < decodes[0]);
    eseal_instance_close(bi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pinned_after_the_first),
        cmocka_unit_test(sm2_tsa_pinned),
        cmocka_unit_test(wrong_signature_refused),
        cmocka_unit_test(wrong_imprint_refused),
        cmocka_unit_test(replayed_token_refused),
        cmocka_unit_test(outside_the_window_refused),
        cmocka_unit_test(batch_validates_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
