/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issue 24: a chain that ends at an anchor another platform's trust list vouched for holds only while
 * that list granted each CA of it (es_trust_add_service, type CA, by its status history): a CA the list
 * withdrew later still vouches for what is judged at a time it was granted, nothing after. A chain to
 * an anchor of the instance's own (no note) is not touched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "util/report.h"
#include "../test_pki.h"

#define DAY_MS (24 * 3600 * 1000LL)

static eseal_cert *root, *ca, *leaf;
static eseal_key *root_key, *ca_key, *leaf_key;
static int64_t now;

static int setup(void **state)
{
    (void)state;
    now = eseal_time_now();
    test_issue(&root, &root_key, ESEAL_ALG_P256, ES_PROFILE_ROOT_CA, "P Root", NULL, NULL, now - 30 * DAY_MS,
               now + 365 * DAY_MS);
    test_issue(&ca, &ca_key, ESEAL_ALG_P256, ES_PROFILE_ISSUING_CA, "P Issuing CA", root_key, root, now - 30 * DAY_MS,
               now + 365 * DAY_MS);
    test_issue(&leaf, &leaf_key, ESEAL_ALG_P256, ES_PROFILE_ORG, "P Org", ca_key, ca, now - 20 * DAY_MS,
               now + 30 * DAY_MS);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eseal_cert_free(leaf);
    eseal_cert_free(ca);
    eseal_cert_free(root);
    eseal_key_free(leaf_key);
    eseal_key_free(ca_key);
    eseal_key_free(root_key);
    return 0;
}

/* The "chain" check of `leaf` at `at` with root and issuing CA from a list (noted, or not) whose CA service
 * for the issuing CA has the statuses given (none: the list names no CA service for it). */
static eseal_check_status chain_at(bool noted, const int64_t *since, const bool *granted, size_t n, int64_t at)
{
    eseal_trust *t = NULL;
    assert_int_equal(eseal_trust_new(&t), ESEAL_OK);
    eseal_buf rd = ESEAL_BUF_INIT, cd = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cert_der(&rd, root), ESEAL_OK);
    assert_int_equal(eseal_cert_der(&cd, ca), ESEAL_OK);
    if (noted) {
        assert_true(es_ok(es_trust_add_noted(t, es_span_of(rd.ptr, rd.size), true, "the trust list of P, sequence 2")));
        assert_true(es_ok(es_trust_add_noted(t, es_span_of(cd.ptr, cd.size), false, "the trust list of P, sequence 2")));
    } else {
        assert_int_equal(eseal_trust_add_anchor(t, root), ESEAL_OK);
        assert_int_equal(eseal_trust_add_intermediate(t, ca), ESEAL_OK);
    }
    if (n > 0) {
        assert_true(es_ok(es_trust_add_service(t, es_span_of(cd.ptr, cd.size), ES_TRUST_SVC_CA, since, granted, n)));
    }
    eseal_buf_dispose(&rd);
    eseal_buf_dispose(&cd);
    eseal_report *rep = NULL;
    assert_true(es_ok(es_report_new(&rep)));
    assert_true(es_ok(es_cert_chain_check(rep, t, leaf, NULL, 0, at, 0)));
    eseal_check_status st = eseal_report_check(rep, "chain");
    if (st == ESEAL_CHECK_INDETERMINATE) {
        assert_true(eseal_report_has_reason(rep, "CHAIN_CONSTRAINTS_FAILURE"));
        assert_non_null(strstr(eseal_report_string(rep, "checks.chain.detail"), "did not grant the CA"));
    }
    eseal_report_free(rep);
    eseal_trust_free(t);
    return st;
}

static void ca_status_history(void **state)
{
    (void)state;
    /* granted from 30 days ago, withdrawn from 10 days ago (newest first) */
    const int64_t since[] = {now - 10 * DAY_MS, now - 30 * DAY_MS};
    const bool granted[] = {false, true};
    assert_int_equal(chain_at(true, since, granted, 2, now - 15 * DAY_MS), ESEAL_CHECK_PASSED);
    assert_int_equal(chain_at(true, since, granted, 2, now - 5 * DAY_MS), ESEAL_CHECK_INDETERMINATE);
    assert_int_equal(chain_at(true, since, granted, 2, now), ESEAL_CHECK_INDETERMINATE);
    /* granted since 30 days ago, never withdrawn */
    const int64_t since1[] = {now - 30 * DAY_MS};
    const bool yes[] = {true};
    assert_int_equal(chain_at(true, since1, yes, 1, now), ESEAL_CHECK_PASSED);
    /* before the list granted it at all */
    assert_int_equal(chain_at(true, since1, yes, 1, now - 31 * DAY_MS), ESEAL_CHECK_INDETERMINATE);
    /* the list names no CA service for it: only the noted anchor counts (as before issue 24's history) */
    assert_int_equal(chain_at(true, NULL, NULL, 0, now), ESEAL_CHECK_PASSED);
    /* the instance's own anchors (no note): the services are not asked */
    assert_int_equal(chain_at(false, since, granted, 2, now), ESEAL_CHECK_PASSED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ca_status_history),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
