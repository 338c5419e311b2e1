/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The governance tests' instance (grants, requests, events): a fresh instance whose context's clock
 * the test sets, organisation A with a P-256 certificate and a seal, and optionally organisation B.
 * Each test file keeps its own variables; gov_setup fills them.
 */
#ifndef ESEAL_TEST_GOV_FIXTURE_H
#define ESEAL_TEST_GOV_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "eseal/eseal.h"
#include "../test_instance.h"

typedef struct {
    const char *tag;  /* the instance lives under /tmp/eseal-<tag>-XXXXXX */
    const char *pass; /* its passphrase */
    char *tmpl;       /* receives that folder (64 bytes) */
    char *ihome;      /* receives the instance's home */
    size_t ihome_cap;
    eseal_instance **inst;
    eseal_context **ctx;
    int64_t (*clock)(void *payload); /* the context's clock (payload NULL) */
    eseal_org *org_a;
    const char *name_a, *uscc_a;
    eseal_org *org_b; /* NULL: no second organisation */
    const char *name_b, *uscc_b;
    char *seal_a; /* receives the esID of A's seal (64 bytes) */
    const char *seal_name;
} gov_setup_args;

static inline void gov_setup(const gov_setup_args *a)
{
    setenv("ESEAL_PW_PARAMS", "1,8192,1", 1); /* users' passwords: a cheap hash in tests */
    (void)snprintf(a->tmpl, 64, "/tmp/eseal-%s-XXXXXX", a->tag);
    test_instance_init(a->tmpl, a->ihome, a->ihome_cap, a->pass);
    *a->inst = test_instance_open(a->ihome, a->pass);
    assert_int_equal(eseal_context_new(a->ctx), ESEAL_OK);
    assert_int_equal(eseal_context_set_clock(*a->ctx, a->clock, NULL), ESEAL_OK);
    assert_int_equal(eseal_instance_set_context(*a->inst, *a->ctx), ESEAL_OK);
    assert_int_equal(eseal_org_add(*a->inst, test_who(), a->org_a, a->name_a, a->uscc_a), ESEAL_OK);
    if (a->org_b != NULL) {
        assert_int_equal(eseal_org_add(*a->inst, test_who(), a->org_b, a->name_b, a->uscc_b), ESEAL_OK);
    }
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.name = a->name_a;
    q.uscc = a->uscc_a;
    q.alg = ESEAL_ALG_P256;
    eseal_cert_record c;
    assert_int_equal(eseal_instance_cert_issue(*a->inst, test_who(), &c, &q), ESEAL_OK);
    eseal_seal_request sq = ESEAL_SEAL_REQUEST_INIT;
    sq.cert_ref = c.id;
    sq.name = a->seal_name;
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_make(*a->inst, test_who(), &rec, NULL, &sq), ESEAL_OK);
    (void)snprintf(a->seal_a, 64, "%s", rec.esid);
    eseal_seal_record_dispose(&rec);
    eseal_cert_record_dispose(&c);
}

#endif
