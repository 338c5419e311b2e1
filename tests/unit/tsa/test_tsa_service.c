/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instance TSA's serial numbers (src/core/tsa.c): blocks reserved in the store.
 * Two services on one instance, each with its own store connection as two `eseal tsa
 * serve` processes would have, answer from several threads at once and never hand out
 * the same serial; a reopened service continues above every block reserved before; the
 * one-shot path skips nothing; a pre-store counter file is a floor.
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

#include <openssl/ts.h>

#include "eseal/eseal.h"

static char home[] = "/tmp/eseal-tsa-svc-XXXXXX";
static char ihome[600];
static const char pass[] = "tsa-service-pass-1";
static eseal_instance *inst1, *inst2;
static unsigned char *req;
static int req_len;

static int setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(home));
    (void)snprintf(ihome, sizeof(ihome), "%s/i", home);
    eseal_instance_init_options o = ESEAL_INSTANCE_INIT_OPTIONS_INIT;
    o.passphrase = pass;
    o.passphrase_len = strlen(pass);
    assert_int_equal(eseal_instance_init(ihome, &o), ESEAL_OK);
    /* Two handles, two store connections: what two processes on one HOME have. */
    assert_int_equal(eseal_instance_open(&inst1, ihome), ESEAL_OK);
    assert_int_equal(eseal_instance_open(&inst2, ihome), ESEAL_OK);
    assert_int_equal(eseal_instance_set_passphrase(inst1, pass, strlen(pass)), ESEAL_OK);
    assert_int_equal(eseal_instance_set_passphrase(inst2, pass, strlen(pass)), ESEAL_OK);
    /* A SHA-256 request without nonce or certReq (the smallest token). */
    TS_REQ *r = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    unsigned char dg[32] = {7};
    assert_int_equal(X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL), 1);
    assert_int_equal(TS_MSG_IMPRINT_set_algo(mi, alg), 1);
    assert_int_equal(TS_MSG_IMPRINT_set_msg(mi, dg, 32), 1);
    assert_int_equal(TS_REQ_set_version(r, 1), 1);
    assert_int_equal(TS_REQ_set_msg_imprint(r, mi), 1);
    req_len = i2d_TS_REQ(r, &req);
    assert_true(req_len > 0);
    TS_MSG_IMPRINT_free(mi);
    X509_ALGOR_free(alg);
    TS_REQ_free(r);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    OPENSSL_free(req);
    eseal_instance_close(inst1);
    eseal_instance_close(inst2);
    char cmd[700];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
    return system(cmd) == 0 ? 0 : -1;
}

static uint64_t serial_of(const eseal_buf *resp)
{
    const unsigned char *p = resp->ptr;
    TS_RESP *r = d2i_TS_RESP(NULL, &p, (long)resp->size);
    uint64_t v = 0;
    if (r == NULL || TS_RESP_get_tst_info(r) == NULL ||
        ASN1_INTEGER_get_uint64(&v, TS_TST_INFO_get_serial(TS_RESP_get_tst_info(r))) != 1) {
        v = 0;
    }
    TS_RESP_free(r);
    return v;
}

static uint64_t one_serial(eseal_tsa_service *t)
{
    eseal_buf resp = ESEAL_BUF_INIT;
    assert_int_equal(eseal_tsa_service_respond(t, &resp, req, (size_t)req_len), ESEAL_OK);
    uint64_t s = serial_of(&resp);
    assert_true(s > 0);
    eseal_buf_dispose(&resp);
    return s;
}

#define PER_THREAD 700
#define THREADS_PER_SERVICE 2

typedef struct {
    eseal_tsa_service *t;
    uint64_t serials[PER_THREAD];
    int failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        eseal_buf resp = ESEAL_BUF_INIT;
        if (eseal_tsa_service_respond(w->t, &resp, req, (size_t)req_len) != ESEAL_OK ||
            (w->serials[i] = serial_of(&resp)) == 0) {
            w->failures++;
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

static uint64_t highest;

static void test_two_services_never_collide(void **state)
{
    (void)state;
    eseal_tsa_service *t[2] = {NULL, NULL};
    assert_int_equal(eseal_instance_tsa_open(inst1, &t[0], "p256"), ESEAL_OK);
    assert_int_equal(eseal_instance_tsa_open(inst2, &t[1], "p256"), ESEAL_OK);
    enum { N = 2 * THREADS_PER_SERVICE };
    static worker w[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].t = t[i % 2];
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    static uint64_t all[N * PER_THREAD];
    for (int i = 0; i < N; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
        memcpy(all + i * PER_THREAD, w[i].serials, sizeof(w[i].serials));
    }
    qsort(all, N * PER_THREAD, sizeof(all[0]), cmp_u64);
    for (int i = 1; i < N * PER_THREAD; i++) {
        if (all[i] == all[i - 1]) {
            fail_msg("serial %llu handed out twice", (unsigned long long)all[i]);
        }
    }
    /* 1400 serials per service: both needed a second block, so the blocks interleaved. */
    assert_true(all[N * PER_THREAD - 1] > 2048);
    highest = all[N * PER_THREAD - 1];
    eseal_tsa_service_close(t[0]);
    eseal_tsa_service_close(t[1]);
}

static void test_reopen_continues_above(void **state)
{
    (void)state;
    eseal_tsa_service *t = NULL;
    assert_int_equal(eseal_instance_tsa_open(inst1, &t, "p256"), ESEAL_OK);
    uint64_t a = one_serial(t);
    assert_true(a > highest); /* above every block reserved before, even the unused rest */
    uint64_t b = one_serial(t);
    assert_true(b == a + 1);  /* within a block, one by one */
    eseal_tsa_service_close(t);
    assert_int_equal(eseal_instance_tsa_open(inst2, &t, "p256"), ESEAL_OK);
    uint64_t c = one_serial(t);
    assert_true(c >= a + 1024); /* the rest of the previous block is skipped, never reused */
    eseal_tsa_service_close(t);

    /* The one-shot path reserves one serial at a time: nothing skipped. */
    eseal_buf r1 = ESEAL_BUF_INIT, r2 = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_tsa_respond(inst1, &r1, req, (size_t)req_len, "p256"), ESEAL_OK);
    assert_int_equal(eseal_instance_tsa_respond(inst2, &r2, req, (size_t)req_len, NULL), ESEAL_OK);
    assert_true(serial_of(&r1) > c);
    assert_true(serial_of(&r2) == serial_of(&r1) + 1);
    eseal_buf_dispose(&r1);
    eseal_buf_dispose(&r2);
}

static void test_legacy_counter_file_is_a_floor(void **state)
{
    (void)state;
    /* What the pre-store responder left: HOME/tsa/serial-sm2 and its lock file. */
    char dir[700], path[2400];
    (void)snprintf(dir, sizeof(dir), "%s/tsa", ihome);
    (void)snprintf(path, sizeof(path), "mkdir -p '%s' && printf '5000000\\n' >'%s/serial-sm2' && : >'%s/serial-sm2.lock'",
                   dir, dir, dir);
    assert_int_equal(system(path), 0);
    eseal_tsa_service *t = NULL;
    assert_int_equal(eseal_instance_tsa_open(inst1, &t, "sm2"), ESEAL_OK);
    assert_true(one_serial(t) == 5000001);
    eseal_tsa_service_close(t);
    /* A garbled counter file is an error, not a reset to 1. */
    (void)snprintf(path, sizeof(path), "printf 'x\\n' >'%s/serial-sm2'", dir);
    assert_int_equal(system(path), 0);
    assert_int_equal(eseal_instance_tsa_open(inst1, &t, "sm2"), ESEAL_EMALFORMED);
    /* The RSA hierarchy has no TSA. */
    assert_int_equal(eseal_instance_tsa_open(inst1, &t, "rsa"), ESEAL_EUNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_services_never_collide),
        cmocka_unit_test(test_reopen_continues_above),
        cmocka_unit_test(test_legacy_counter_file_is_a_floor),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
