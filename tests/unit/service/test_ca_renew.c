/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service: eseal_instance_ca_renew and eseal_instance_cert_status. What the library decides:
 * which certificate of a role is current, what a revoked issuing CA stops (issuing, CRLs, the
 * seal maker, the TSA), what a renewal replaces (and takes along), and what it refuses.
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

#include "eseal/eseal.h"
#include "eseal/sys/store.h"
#include "../test_instance.h"

static char home[] = "/tmp/eseal-carenew-XXXXXX";
static char ihome[600];
static const char pass[] = "correct-horse-battery";
static eseal_instance *inst;
static eseal_store *db; /* a reading connection of the test's own: changes go through the front door */

static int setup(void **state)
{
    (void)state;
    test_instance_init(home, ihome, sizeof(ihome), pass);
    inst = test_instance_open(ihome, pass);
    char path[700];
    test_store_location(ihome, path, sizeof(path));
    assert_int_equal(eseal_store_open(&db, path), ESEAL_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eseal_store_close(db);
    eseal_instance_close(inst);
    return test_scratch_remove(home);
}

static void current_id(char out[32], const char *role, const char *h)
{
    eseal_cert_record r;
    int rc = eseal_store_cert_find_role(db, &r, role, h);
    if (rc != ESEAL_OK) {
        fail_msg("%s/%s: %s", h, role, eseal_error_last()->message);
    }
    (void)snprintf(out, 32, "%s", r.id);
    eseal_cert_record_dispose(&r);
}

static eseal_cert_status status_of(const char *id)
{
    eseal_cert_record r;
    assert_int_equal(eseal_store_cert_find(db, &r, id), ESEAL_OK);
    eseal_cert_status s = ESEAL_CERT_EXPIRED;
    assert_int_equal(eseal_instance_cert_status(inst, &s, &r), ESEAL_OK);
    eseal_cert_record_dispose(&r);
    return s;
}

typedef struct {
    int n;
    char roles[4][16], old_ids[4][32], new_ids[4][32];
    int old_revoked[4];
    int stop_at; /* return non-zero at this call (1-based), 0: never */
} renew_log;

static int on_renew(const eseal_cert_record *old, const eseal_cert_record *renewed, void *payload)
{
    renew_log *l = payload;
    assert_true(l->n < 4);
    assert_string_equal(old->role, renewed->role);
    assert_string_equal(old->hierarchy, renewed->hierarchy);
    (void)snprintf(l->roles[l->n], 16, "%s", renewed->role);
    (void)snprintf(l->old_ids[l->n], 32, "%s", old->id);
    (void)snprintf(l->new_ids[l->n], 32, "%s", renewed->id);
    l->old_revoked[l->n] = old->revoked_ms != 0;
    l->n++;
    return l->stop_at == l->n ? 1 : 0;
}

static char last_org[32];

static int issue_org(eseal_key_alg alg)
{
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.name = "上海某某贸易有限公司";
    q.uscc = "91110000MA01ABCDEX";
    q.alg = alg;
    eseal_cert_record rec;
    int rc = eseal_instance_cert_issue(inst, test_who(), &rec, &q);
    if (rc == ESEAL_OK) {
        (void)snprintf(last_org, sizeof(last_org), "%s", rec.id);
        eseal_cert_record_dispose(&rec);
    }
    return rc;
}

static void refusals(void **state)
{
    (void)state;
    eseal_cert_record out;
    assert_int_equal(eseal_instance_ca_renew(inst, test_who(), &out, "root-ca", "sm2", NULL, NULL), ESEAL_EUNSUPPORTED);
    assert_non_null(strstr(eseal_error_last()->message, "new trust anchor"));
    assert_int_equal(eseal_instance_ca_renew(inst, test_who(), &out, "ocsp", "sm2", NULL, NULL), ESEAL_EUNSUPPORTED);
    assert_int_equal(eseal_instance_ca_renew(inst, test_who(), &out, "org", "sm2", NULL, NULL), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "unknown role 'org'"));
    assert_int_equal(eseal_instance_ca_renew(inst, test_who(), &out, "seal-maker", "rsa", NULL, NULL), ESEAL_EINVAL);
    assert_int_equal(eseal_instance_ca_renew(inst, test_who(), &out, "tsa", "ed448", NULL, NULL), ESEAL_EINVAL);
    assert_int_equal(eseal_instance_ca_renew(NULL, test_who(), &out, "tsa", "sm2", NULL, NULL), ESEAL_EINVAL);
    /* Without the passphrase nothing happens. */
    eseal_instance *locked = NULL;
    assert_int_equal(eseal_instance_open(&locked, ihome), ESEAL_OK);
    char before[32], after[32];
    current_id(before, "issuing-ca", "rsa");
    assert_int_equal(eseal_instance_ca_renew(locked, test_who(), &out, "issuing-ca", "rsa", NULL, NULL), ESEAL_EPASS);
    eseal_instance_close(locked);
    current_id(after, "issuing-ca", "rsa");
    assert_string_equal(before, after);
}

/* A planned renewal: the old issuing CA is superseded, not revoked; what it certified stays. */
static void planned_renewal(void **state)
{
    (void)state;
    char ca1[32], maker[32], tsa[32], ca2[32];
    current_id(ca1, "issuing-ca", "p256");
    current_id(maker, "seal-maker", "p256");
    current_id(tsa, "tsa", "p256");
    renew_log l = {0};
    eseal_cert_record out;
    assert_int_equal(eseal_instance_ca_renew(inst, test_who(), &out, "issuing-ca", "p256", on_renew, &l), ESEAL_OK);
    assert_int_equal(l.n, 1); /* the seal maker and TSA under a superseded CA are left alone */
    assert_string_equal(l.old_ids[0], ca1);
    assert_string_equal(l.new_ids[0], out.id);
    assert_int_equal(l.old_revoked[0], 0);
    assert_string_equal(out.role, "issuing-ca");
    assert_non_null(strstr(out.subject, "Issuing CA (P-256) G2"));
    current_id(ca2, "issuing-ca", "p256");
    assert_string_equal(ca2, out.id);
    eseal_cert_record_dispose(&out);
    assert_int_equal(status_of(ca1), ESEAL_CERT_SUPERSEDED);
    assert_int_equal(status_of(ca2), ESEAL_CERT_CURRENT);
    assert_int_equal(status_of(maker), ESEAL_CERT_CURRENT);
    /* The TSA, still certified by the superseded CA, answers. */
    eseal_tsa_service *t = NULL;
    assert_int_equal(eseal_instance_tsa_open(inst, &t, "p256"), ESEAL_OK);
    eseal_tsa_service_close(t);
    /* New certificates come from the new CA; CRLs go on for both. */
    assert_int_equal(issue_org(ESEAL_ALG_P256), ESEAL_OK);
    eseal_buf crl = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_crl_issue(inst, test_who(), &crl, "p256"), ESEAL_OK);
    eseal_buf old_crl = ESEAL_BUF_INIT;
    assert_int_equal(eseal_store_crl_latest(db, &old_crl, ca1), ESEAL_OK);
    assert_true(crl.size > 0 && old_crl.size > 0);
    assert_false(crl.size == old_crl.size && memcmp(crl.ptr, old_crl.ptr, crl.size) == 0);
    eseal_buf_dispose(&crl);
    eseal_buf_dispose(&old_crl);
    /* A renewal stopped by the caller reports it. */
    renew_log stop = {0};
    stop.stop_at = 1;
    assert_int_equal(eseal_instance_ca_renew(inst, test_who(), NULL, "tsa", "p256", on_renew, &stop), ESEAL_ERROR);
}

/* Revoking the issuing CA stops issuing, CRLs, the seal maker and the TSA; renewing restores them. */
static void revoked_issuing_ca(void **state)
{
    (void)state;
    char ca1[32], maker1[32], tsa1[32];
    current_id(ca1, "issuing-ca", "sm2");
    current_id(maker1, "seal-maker", "sm2");
    current_id(tsa1, "tsa", "sm2");
    assert_int_equal(issue_org(ESEAL_ALG_SM2), ESEAL_OK);
    char org[32];
    (void)snprintf(org, sizeof(org), "%s", last_org);
    assert_int_equal(eseal_instance_cert_revoke(inst, test_who(), ca1, 1 /* keyCompromise */, 0), ESEAL_OK);
    assert_int_equal(status_of(ca1), ESEAL_CERT_REVOKED);

    eseal_cert_record r;
    assert_int_equal(eseal_store_cert_find_role(db, &r, "issuing-ca", "sm2"), ESEAL_ESTATE);
    assert_int_equal(issue_org(ESEAL_ALG_SM2), ESEAL_ESTATE);
    assert_non_null(strstr(eseal_error_last()->message, "eseal ca renew issuing-ca --alg sm2"));
    eseal_buf crl = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_crl_issue(inst, test_who(), &crl, "sm2"), ESEAL_ESTATE);
    eseal_tsa_service *t = NULL;
    assert_int_equal(eseal_instance_tsa_open(inst, &t, "sm2"), ESEAL_ESTATE);
    assert_non_null(strstr(eseal_error_last()->message, "TSA's issuing CA"));
    eseal_seal_request sq = ESEAL_SEAL_REQUEST_INIT;
    sq.cert_ref = org;
    sq.name = "合同专用章";
    eseal_seal_record srec;
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &srec, NULL, &sq), ESEAL_ESTATE);
    assert_non_null(strstr(eseal_error_last()->message, "seal maker's issuing CA"));

    renew_log l = {0};
    eseal_cert_record out;
    assert_int_equal(eseal_instance_ca_renew(inst, test_who(), &out, "issuing-ca", "sm2", on_renew, &l), ESEAL_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.roles[0], "issuing-ca");
    assert_string_equal(l.roles[1], "seal-maker");
    assert_string_equal(l.roles[2], "tsa");
    assert_string_equal(l.old_ids[0], ca1);
    assert_int_equal(l.old_revoked[0], 1);
    assert_string_equal(l.old_ids[1], maker1);
    assert_string_equal(l.old_ids[2], tsa1);
    assert_string_equal(out.id, l.new_ids[0]);
    char ca2[32], maker2[32], tsa2[32];
    current_id(ca2, "issuing-ca", "sm2");
    current_id(maker2, "seal-maker", "sm2");
    current_id(tsa2, "tsa", "sm2");
    assert_string_equal(ca2, out.id);
    assert_string_equal(maker2, l.new_ids[1]);
    assert_string_equal(tsa2, l.new_ids[2]);
    eseal_cert_record_dispose(&out);
    /* The new seal maker and TSA are certified by the new CA. */
    assert_int_equal(eseal_store_cert_find(db, &r, maker2), ESEAL_OK);
    assert_string_equal(r.issuer_id, ca2);
    eseal_cert_record_dispose(&r);
    assert_int_equal(status_of(ca1), ESEAL_CERT_REVOKED);
    assert_int_equal(status_of(maker1), ESEAL_CERT_SUPERSEDED);
    assert_int_equal(status_of(tsa1), ESEAL_CERT_SUPERSEDED);
    assert_int_equal(status_of(maker2), ESEAL_CERT_CURRENT);
    assert_int_equal(status_of(tsa2), ESEAL_CERT_CURRENT);
    assert_string_equal(eseal_cert_status_name(ESEAL_CERT_SUPERSEDED), "superseded");

    assert_int_equal(issue_org(ESEAL_ALG_SM2), ESEAL_OK);
    assert_int_equal(eseal_instance_crl_issue(inst, test_who(), &crl, "sm2"), ESEAL_OK);
    eseal_buf_dispose(&crl);
    assert_int_equal(eseal_instance_tsa_open(inst, &t, "sm2"), ESEAL_OK);
    eseal_tsa_service_close(t);
    /* The revoked CA signs no new CRL: its last one is what ca crl left. */
    eseal_buf last = ESEAL_BUF_INIT, again = ESEAL_BUF_INIT;
    assert_int_equal(eseal_store_crl_latest(db, &last, ca1), ESEAL_OK);
    assert_int_equal(eseal_instance_crl_issue(inst, test_who(), NULL, "sm2"), ESEAL_OK);
    assert_int_equal(eseal_store_crl_latest(db, &again, ca1), ESEAL_OK);
    assert_int_equal(last.size, again.size);
    assert_memory_equal(last.ptr, again.ptr, last.size);
    eseal_buf_dispose(&last);
    eseal_buf_dispose(&again);
    /* Its trust set still holds it, so that what it certified can be judged. */
    eseal_trust *tr = NULL;
    assert_int_equal(eseal_instance_trust(inst, &tr), ESEAL_OK);
    eseal_trust_free(tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refusals),
        cmocka_unit_test(planned_renewal),
        cmocka_unit_test(revoked_issuing_ca),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
