/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The front door for cert.issue, cert.revoke and sign with the organisation they are about
 * (src/service/instance.c, issue 19 §2): an organisation administrator issues and revokes the
 * certificates of its own organisation (the USCC of the request; the organisation of the
 * certificate) and of no other, a stamper signs with a certificate of its organisation and of no
 * other; the other roles are refused; the local operator may everything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "eseal/eseal.h"
#include "../test_instance.h"

#define PASS "cert-acts-test-pass-1"
#define USCC_A "91110000MA01ABCDEX"
#define USCC_B "91110108MA01ABCD2H"

static char tmpl[64];
static char ihome[600];
static eseal_instance *inst;
static eseal_org org_a, org_b;
static eseal_cert_record cert_a, cert_b;

static const char *const admin[] = {"org-admin"}, *const stamper[] = {"stamper"}, *const keeper[] = {"seal-keeper"};

static eseal_principal user_who(const char *login, const char *org_id, const char *const *roles)
{
    eseal_principal p = ESEAL_PRINCIPAL_INIT;
    p.kind = ESEAL_PRINCIPAL_USER;
    p.id = login;
    p.organization = org_id;
    p.roles = roles;
    p.role_count = 1;
    return p;
}

static int issue(const eseal_principal *who, eseal_cert_record *out, const char *name, const char *uscc,
                 const char *org_id)
{
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.name = name;
    q.uscc = uscc;
    q.org_id = org_id;
    q.alg = ESEAL_ALG_P256;
    memset(out, 0, sizeof(*out));
    return eseal_instance_cert_issue(inst, who, out, &q);
}

static int setup(void **state)
{
    (void)state;
    setenv("ESEAL_PW_PARAMS", "1,8192,1", 1);
    (void)snprintf(tmpl, sizeof(tmpl), "/tmp/eseal-cert-acts-XXXXXX");
    test_instance_init(tmpl, ihome, sizeof(ihome), PASS);
    inst = test_instance_open(ihome, PASS);
    assert_int_equal(eseal_org_add(inst, test_who(), &org_a, "Alpha Trading Ltd", USCC_A), ESEAL_OK);
    assert_int_equal(eseal_org_add(inst, test_who(), &org_b, "Beta Works Ltd", USCC_B), ESEAL_OK);
    assert_int_equal(issue(test_who(), &cert_a, "Alpha Trading Ltd", USCC_A, NULL), ESEAL_OK);
    assert_int_equal(issue(test_who(), &cert_b, "Beta Works Ltd", USCC_B, NULL), ESEAL_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eseal_cert_record_dispose(&cert_a);
    eseal_cert_record_dispose(&cert_b);
    return test_instance_done(inst, tmpl);
}

static void issue_by_org(void **state)
{
    (void)state;
    eseal_principal ada = user_who("ada", org_a.id, admin), kim = user_who("kim", org_a.id, keeper),
                    sam = user_who("sam", org_a.id, stamper);
    eseal_cert_record rec;
    /* its own organisation's USCC, or the same as NTRCN-<USCC> */
    assert_int_equal(issue(&ada, &rec, "Alpha Trading Ltd", USCC_A, NULL), ESEAL_OK);
    char org[ESEAL_OWNER_ORG_MAX + 1];
    assert_int_equal(eseal_instance_cert_org(inst, org, &rec), ESEAL_OK);
    assert_string_equal(org, org_a.id);
    eseal_cert_record_dispose(&rec);
    assert_int_equal(issue(&ada, &rec, "Alpha Trading Ltd", NULL, "NTRCN-" USCC_A), ESEAL_OK);
    eseal_cert_record_dispose(&rec);
    /* another organisation's USCC, a USCC of none of the platform's organisations, no USCC at all */
    assert_int_equal(issue(&ada, &rec, "Beta Works Ltd", USCC_B, NULL), ESEAL_EDENIED);
    assert_non_null(strstr(eseal_error_last()->message, "another organisation"));
    assert_int_equal(issue(&ada, &rec, "Gamma", "91110000MA01ABCD5X", NULL), ESEAL_EDENIED);
    assert_int_equal(issue(&ada, &rec, "Alpha Trading Ltd", NULL, NULL), ESEAL_EDENIED);
    /* the other roles of its organisation */
    assert_int_equal(issue(&kim, &rec, "Alpha Trading Ltd", USCC_A, NULL), ESEAL_EDENIED);
    assert_int_equal(issue(&sam, &rec, "Alpha Trading Ltd", USCC_A, NULL), ESEAL_EDENIED);
}

static void revoke_by_org(void **state)
{
    (void)state;
    eseal_principal ada = user_who("ada", org_a.id, admin), bob = user_who("bob", org_b.id, admin),
                    kim = user_who("kim", org_a.id, keeper);
    eseal_cert_record rec;
    assert_int_equal(issue(test_who(), &rec, "Alpha Trading Ltd", USCC_A, NULL), ESEAL_OK);
    assert_int_equal(eseal_instance_cert_revoke(inst, &bob, rec.id, 1, 0), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_cert_revoke(inst, &kim, rec.id, 1, 0), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_cert_revoke(inst, &ada, rec.id, 1, 0), ESEAL_OK);
    eseal_cert_record back;
    assert_int_equal(eseal_instance_cert_get(inst, NULL, &back, rec.id), ESEAL_OK);
    assert_true(back.revoked_ms != 0);
    eseal_cert_record_dispose(&back);
    eseal_cert_record_dispose(&rec);
    /* a platform CA is nobody's organisation's: refused to an organisation administrator */
    assert_int_equal(eseal_instance_cert_revoke(inst, &ada, cert_a.issuer_id, 1, 0), ESEAL_EDENIED);
}

static void sign_by_org(void **state)
{
    (void)state;
    eseal_principal sam = user_who("sam", org_a.id, stamper), kim = user_who("kim", org_a.id, keeper),
                    bea = user_who("bea", org_b.id, stamper);
    char path[700];
    (void)snprintf(path, sizeof(path), "%s/data.txt", ihome);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs("an invoice\n", f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    eseal_buf p7s = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_sign_file(inst, &sam, &p7s, path, cert_a.id, NULL), ESEAL_OK);
    assert_true(p7s.size > 100);
    eseal_buf_dispose(&p7s);
    assert_int_equal(eseal_instance_sign_file(inst, &sam, &p7s, path, cert_b.id, NULL), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_sign_file(inst, &bea, &p7s, path, cert_a.id, NULL), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_sign_file(inst, &kim, &p7s, path, cert_a.id, NULL), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_sign_file(inst, &bea, &p7s, path, cert_b.id, NULL), ESEAL_OK);
    eseal_buf_dispose(&p7s);
    (void)unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(issue_by_org), cmocka_unit_test(revoke_by_org),
                                       cmocka_unit_test(sign_by_org)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
