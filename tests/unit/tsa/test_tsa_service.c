/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instance TSA's serial numbers (src/core/tsa.c): random, 126 bits under a leading 01
 * (eseal_tsa_config.random_serial), so no counter is kept and a token writes nothing to the store.
 * Two services on one instance, each with its own store connection as two `eseal tsa serve`
 * processes would have, answer from several threads at once and never hand out the same serial;
 * every serial is a positive INTEGER of 16 content octets in [2^126, 2^127) (above anything the
 * old counter handed out); tokens leave the store's files untouched; the old counter file is no
 * longer read (a garbled one is no error).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

#define SERIAL_LEN 16

/* The token's serial: its content octets (ASN1_STRING data of a positive INTEGER, big-endian) in
 * out[SERIAL_LEN]; false unless there are exactly 16 of them and the INTEGER is positive. */
static bool serial_of(const eseal_buf *resp, uint8_t out[SERIAL_LEN])
{
    const unsigned char *p = resp->ptr;
    TS_RESP *r = d2i_TS_RESP(NULL, &p, (long)resp->size);
    const ASN1_INTEGER *ai = r != NULL && TS_RESP_get_tst_info(r) != NULL ? TS_TST_INFO_get_serial(TS_RESP_get_tst_info(r)) : NULL;
    bool ok = ai != NULL && ASN1_STRING_type(ai) == V_ASN1_INTEGER && ASN1_STRING_length(ai) == SERIAL_LEN;
    if (ok) {
        memcpy(out, ASN1_STRING_get0_data(ai), SERIAL_LEN);
    }
    TS_RESP_free(r);
    return ok;
}

static void one_serial(eseal_tsa_service *t, uint8_t out[SERIAL_LEN])
{
    eseal_buf resp = ESEAL_BUF_INIT;
    assert_int_equal(eseal_tsa_service_respond(t, &resp, req, (size_t)req_len), ESEAL_OK);
    assert_true(serial_of(&resp, out));
    eseal_buf_dispose(&resp);
}

#define PER_THREAD 700
#define THREADS_PER_SERVICE 2

typedef struct {
    eseal_tsa_service *t;
    uint8_t serials[PER_THREAD][SERIAL_LEN];
    int failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        eseal_buf resp = ESEAL_BUF_INIT;
        if (eseal_tsa_service_respond(w->t, &resp, req, (size_t)req_len) != ESEAL_OK || !serial_of(&resp, w->serials[i])) {
            w->failures++;
        }
        eseal_buf_dispose(&resp);
    }
    return NULL;
}

static int cmp_serial(const void *a, const void *b) { return memcmp(a, b, SERIAL_LEN); }

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
    static uint8_t all[N * PER_THREAD][SERIAL_LEN];
    for (int i = 0; i < N; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
        memcpy(all[i * PER_THREAD], w[i].serials, sizeof(w[i].serials));
    }
    /* Every one in [2^126, 2^127): the leading octet is 01xxxxxx. */
    unsigned ones[8] = {0};
    for (int i = 0; i < N * PER_THREAD; i++) {
        assert_int_equal(all[i][0] & 0xc0, 0x40);
        for (int b = 0; b < 8; b++) {
            ones[b] += (all[i][SERIAL_LEN - 1] >> b) & 1;
        }
    }
    /* Drawn, not counted: each bit of the last octet is set in about half of the 2800 serials
     * (a counter would leave the high bits of a low octet almost never set; bounds at > 10 sigma). */
    for (int b = 0; b < 8; b++) {
        assert_in_range(ones[b], 1100, 1700);
    }
    qsort(all, N * PER_THREAD, SERIAL_LEN, cmp_serial);
    for (int i = 1; i < N * PER_THREAD; i++) {
        if (memcmp(all[i], all[i - 1], SERIAL_LEN) == 0) {
            fail_msg("serial %d handed out twice", i);
        }
    }
    eseal_tsa_service_close(t[0]);
    eseal_tsa_service_close(t[1]);
}

/* Size and modification time of HOME/<name> ("" when it does not exist). */
static void file_state(const char *name, char *out, size_t cap)
{
    char p[800];
    struct stat st;
    (void)snprintf(p, sizeof(p), "%s/%s", ihome, name);
    if (stat(p, &st) != 0) {
        out[0] = '\0';
        return;
    }
    (void)snprintf(out, cap, "%lld %lld.%09ld", (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static void test_tokens_write_nothing(void **state)
{
    (void)state;
    char db0[64], wal0[64], db1[64], wal1[64];
    file_state("eseal.db", db0, sizeof(db0));
    file_state("eseal.db-wal", wal0, sizeof(wal0));
    eseal_tsa_service *t = NULL;
    assert_int_equal(eseal_instance_tsa_open(inst1, &t, "p256"), ESEAL_OK);
    uint8_t a[SERIAL_LEN], b[SERIAL_LEN];
    one_serial(t, a);
    one_serial(t, b);
    assert_memory_not_equal(a, b, SERIAL_LEN);
    eseal_tsa_service_close(t);
    /* The one-shot path: its own serial, no write either. */
    eseal_buf r1 = ESEAL_BUF_INIT, r2 = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_tsa_respond(inst1, &r1, req, (size_t)req_len, "p256"), ESEAL_OK);
    assert_int_equal(eseal_instance_tsa_respond(inst2, &r2, req, (size_t)req_len, NULL), ESEAL_OK);
    uint8_t c[SERIAL_LEN], d[SERIAL_LEN];
    assert_true(serial_of(&r1, c));
    assert_true(serial_of(&r2, d));
    assert_memory_not_equal(c, d, SERIAL_LEN);
    assert_memory_not_equal(a, c, SERIAL_LEN);
    eseal_buf_dispose(&r1);
    eseal_buf_dispose(&r2);
    file_state("eseal.db", db1, sizeof(db1));
    file_state("eseal.db-wal", wal1, sizeof(wal1));
    assert_string_equal(db0, db1);
    assert_string_equal(wal0, wal1);
}

static void test_old_counter_file_not_read(void **state)
{
    (void)state;
    /* What the pre-store responder left, garbled: no longer read (the serials are above it anyway). */
    char dir[700], cmd[2400];
    (void)snprintf(dir, sizeof(dir), "%s/tsa", ihome);
    (void)snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && printf 'x\\n' >'%s/serial-sm2' && : >'%s/serial-sm2.lock'", dir,
                   dir, dir);
    assert_int_equal(system(cmd), 0);
    eseal_tsa_service *t = NULL;
    assert_int_equal(eseal_instance_tsa_open(inst1, &t, "sm2"), ESEAL_OK);
    uint8_t a[SERIAL_LEN];
    one_serial(t, a); /* SM2: the responder's own TSTInfo path */
    assert_int_equal(a[0] & 0xc0, 0x40);
    eseal_tsa_service_close(t);
    /* The RSA hierarchy has no TSA. */
    assert_int_equal(eseal_instance_tsa_open(inst1, &t, "rsa"), ESEAL_EUNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_services_never_collide),
        cmocka_unit_test(test_tokens_write_nothing),
        cmocka_unit_test(test_old_counter_file_not_read),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
