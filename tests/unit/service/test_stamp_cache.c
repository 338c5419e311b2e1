/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a long-lived instance (the agent's, a server's) keeps between one-document stamps (issue
 * #18; service/stamp.c "what stamps keep between calls"): the own TSA's timestamper of each
 * hierarchy and each signer's decoded key are prepared once, counted through the test hooks
 * es_stamp_ts_opens and es_stamp_key_loads (never timed). What can change is not kept: a seal
 * suspended or a certificate revoked by another process is refused by the next stamp of the warm
 * instance, and a resumed seal stamps again.
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

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "service/service.h"
#include "../test_instance.h"

#define PASS "stamp-cache-pass"

typedef struct {
    char dir[64];
    char home[600];
    char esid[64];
    char in[700];
    eseal_instance *inst;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    (void)snprintf(f->dir, sizeof(f->dir), "/tmp/eseal-stampcache-XXXXXX");
    f->inst = test_instance_with_seal(f->dir, f->home, sizeof(f->home), PASS, ESEAL_ALG_P256, f->esid, sizeof(f->esid));
    (void)snprintf(f->in, sizeof(f->in), "%s/in.pdf", f->dir);
    test_write_pdf(f->in);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    int rc = test_instance_done(f->inst, f->dir);
    free(f);
    return rc;
}

static int stamp(eseal_instance *inst, fixture *f, const char *name, int level, eseal_stamp_result *res)
{
    char out[800];
    (void)snprintf(out, sizeof(out), "%s/%s", f->dir, name);
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.seal_ref = f->esid;
    q.who = test_who();
    q.level = level;
    return eseal_instance_stamp_pdf(inst, res, f->in, out, &q);
}

static bool exists(const fixture *f, const char *name)
{
    char p[800];
    (void)snprintf(p, sizeof(p), "%s/%s", f->dir, name);
    return access(p, F_OK) == 0;
}

/* Three B-B stamps, then two B-T ones, in one instance: one audit timestamper, one P-256 one, one
 * key; a fresh instance prepares its own. */
static void test_prepared_once(void **state)
{
    fixture *f = *state;
    unsigned long ts0 = es_stamp_ts_opens, k0 = es_stamp_key_loads;
    eseal_stamp_result res[5];
    size_t dec[3];
    for (int i = 0; i < 3; i++) {
        char name[16];
        (void)snprintf(name, sizeof(name), "bb%d.pdf", i);
        size_t d0 = es_x509_decodes;
        assert_int_equal(stamp(f->inst, f, name, ESEAL_LEVEL_B_B, &res[i]), ESEAL_OK);
        dec[i] = es_x509_decodes - d0;
    }
    print_message("certificates decoded by three stamps of one instance: %zu, %zu, %zu\n", dec[0], dec[1], dec[2]);
    assert_true(dec[0] > 0);
    assert_int_equal(dec[1], 0); /* signer, issuer, TSA and trust: parsed once; later tokens pinned */
    assert_int_equal(dec[2], 0);
    assert_string_not_equal(res[0].serial, res[1].serial);
    assert_int_equal(es_stamp_ts_opens - ts0, 1);
    assert_int_equal(es_stamp_key_loads - k0, 1);
    assert_int_equal(stamp(f->inst, f, "bt0.pdf", ESEAL_LEVEL_B_T, &res[3]), ESEAL_OK);
    assert_int_equal(stamp(f->inst, f, "bt1.pdf", ESEAL_LEVEL_B_T, &res[4]), ESEAL_OK);
    assert_int_equal(es_stamp_ts_opens - ts0, 2); /* the signer's hierarchy's, once */
    assert_int_equal(es_stamp_key_loads - k0, 1);
    assert_true(res[4].time_ms >= res[3].time_ms);
    assert_non_null(strstr(res[4].time_source, "RFC 3161"));

    eseal_instance *other = test_instance_open(f->home, PASS);
    eseal_stamp_result r2;
    assert_int_equal(stamp(other, f, "other.pdf", ESEAL_LEVEL_B_B, &r2), ESEAL_OK);
    assert_int_equal(es_stamp_ts_opens - ts0, 3);
    assert_int_equal(es_stamp_key_loads - k0, 2);
    eseal_instance_close(other);

    /* Every stamp of the warm instance verifies. */
    for (int i = 0; i < 5; i++) {
        char p[800];
        (void)snprintf(p, sizeof(p), "%s/%s", f->dir, i < 3 ? (const char *[]){"bb0.pdf", "bb1.pdf", "bb2.pdf"}[i]
                                                           : (i == 3 ? "bt0.pdf" : "bt1.pdf"));
        eseal_buf pdf = ESEAL_BUF_INIT;
        assert_int_equal(eseal_file_read(&pdf, p, 1 << 20), ESEAL_OK);
        eseal_report *rep = NULL;
        assert_int_equal(eseal_instance_verify_pdf(f->inst, &rep, pdf.ptr, pdf.size, NULL), ESEAL_OK);
        eseal_buf_dispose(&pdf);
        assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
        eseal_report_free(rep);
    }
}

/* A change made by another process (another instance of the same home) between two stamps of the
 * warm instance is seen by the next one. */
static void test_changes_seen(void **state)
{
    fixture *f = *state;
    eseal_stamp_result res;
    assert_int_equal(stamp(f->inst, f, "warm.pdf", ESEAL_LEVEL_B_B, &res), ESEAL_OK);

    eseal_instance *other = test_instance_open(f->home, PASS);
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_transition(other, test_who(), &rec, f->esid, ESEAL_SEAL_SUSPEND, "test"),
                     ESEAL_OK);
    eseal_seal_record_dispose(&rec);
    assert_int_equal(stamp(f->inst, f, "suspended.pdf", ESEAL_LEVEL_B_B, &res), ESEAL_ESTATE);
    assert_false(exists(f, "suspended.pdf"));
    assert_int_equal(eseal_instance_seal_transition(other, test_who(), &rec, f->esid, ESEAL_SEAL_RESUME, "test"),
                     ESEAL_OK);
    eseal_seal_record_dispose(&rec);
    assert_int_equal(stamp(f->inst, f, "resumed.pdf", ESEAL_LEVEL_B_B, &res), ESEAL_OK);

    /* The signer's certificate revoked: the cached key signs nothing more. */
    assert_int_equal(eseal_instance_seal_get(other, &rec, NULL, f->esid), ESEAL_OK);
    assert_non_null(rec.cert_ids);
    char cert[64];
    (void)snprintf(cert, sizeof(cert), "%.16s", rec.cert_ids); /* the first id (16 hex digits) */
    eseal_seal_record_dispose(&rec);
    int reason = 0;
    assert_int_equal(eseal_crl_reason_from_name(&reason, "keyCompromise"), ESEAL_OK);
    assert_int_equal(eseal_instance_cert_revoke(other, test_who(), cert, reason, 0), ESEAL_OK);
    eseal_instance_close(other);
    assert_int_not_equal(stamp(f->inst, f, "revoked.pdf", ESEAL_LEVEL_B_B, &res), ESEAL_OK);
    assert_false(exists(f, "revoked.pdf"));
}

/* With OpenSSL's secure heap set up (as the agent does), the signer's key a warm instance keeps is
 * in it, and leaves it when the instance closes. */
static void test_keys_in_secure_heap(void **state)
{
    fixture *f = *state;
    bool locked = false;
    assert_int_equal(es_code(es_secure_heap_init(512u * 1024u, &locked)), ESEAL_OK);
    eseal_instance *warm = test_instance_open(f->home, PASS);
    size_t before = es_secure_heap_used();
    eseal_stamp_result res;
    assert_int_equal(stamp(warm, f, "secure.pdf", ESEAL_LEVEL_B_B, &res), ESEAL_OK);
    size_t during = es_secure_heap_used();
    assert_true(during > before); /* the signer's and the TSA's private numbers */
    eseal_instance_close(warm);
    assert_int_equal(es_secure_heap_used(), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prepared_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes_seen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_in_secure_heap, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
