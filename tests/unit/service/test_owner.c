/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ownership (src/service/owner.c, issue 19 §2): the organisation of a certificate by the USCC or
 * the organisation identifier (ETSI EN 319 412-1, exactly) of its subject's organizationIdentifier,
 * of a seal by its certificates; organisations' identifiers refused as eseal_org_add_ext says; then the front door with
 * it: a seal of another organisation is "not found" for every action, one of its own is allowed
 * or refused by the role (seal-keeper, stamper, org-admin), and the reads for a principal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "eseal/eseal.h"
#include "../test_instance.h"
#include "../test_principal.h"

#define PASS "owner-test-pass-1"
#define USCC_A "91110000MA01ABCDEX"
#define USCC_B "91110108MA01ABCD2H"

static char tmpl[64];
static char ihome[600];
static eseal_instance *inst;
static eseal_org org_a, org_b;
static eseal_cert_record cert_a, cert_b, cert_p;
static char seal_a[64];

static void issue(eseal_cert_record *out, const char *name, const char *uscc, int person)
{
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.name = name;
    q.uscc = uscc;
    q.person = person;
    q.alg = ESEAL_ALG_P256;
    assert_int_equal(eseal_instance_cert_issue(inst, test_who(), out, &q), ESEAL_OK);
}

static int setup(void **state)
{
    (void)state;
    setenv("ESEAL_PW_PARAMS", "1,8192,1", 1);
    (void)snprintf(tmpl, sizeof(tmpl), "/tmp/eseal-owner-XXXXXX");
    test_instance_init(tmpl, ihome, sizeof(ihome), PASS);
    inst = test_instance_open(ihome, PASS);
    assert_int_equal(eseal_org_add(inst, test_who(), &org_a, "Alpha Trading Ltd", USCC_A), ESEAL_OK);
    assert_int_equal(eseal_org_add(inst, test_who(), &org_b, "Beta Works Ltd", USCC_B), ESEAL_OK);
    issue(&cert_a, "Alpha Trading Ltd", USCC_A, 0);
    issue(&cert_b, "Beta Works Ltd", USCC_B, 0);
    issue(&cert_p, "Zhang San", NULL, 1);
    eseal_seal_request q = ESEAL_SEAL_REQUEST_INIT;
    q.cert_ref = cert_a.id;
    q.name = "Alpha Seal";
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, NULL, &q), ESEAL_OK);
    (void)snprintf(seal_a, sizeof(seal_a), "%s", rec.esid);
    eseal_seal_record_dispose(&rec);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eseal_cert_record_dispose(&cert_a);
    eseal_cert_record_dispose(&cert_b);
    eseal_cert_record_dispose(&cert_p);
    return test_instance_done(inst, tmpl);
}

/* The organisation of a record whose subject is `subject`. */
static const char *org_of_subject(const char *subject)
{
    static char org[ESEAL_OWNER_ORG_MAX + 1];
    eseal_cert_record r;
    memset(&r, 0, sizeof(r));
    r.subject = (char *)(uintptr_t)subject;
    assert_int_equal(eseal_instance_cert_org(inst, org, &r), ESEAL_OK);
    return org;
}

static void cert_ownership(void **state)
{
    (void)state;
    char org[ESEAL_OWNER_ORG_MAX + 1];
    assert_int_equal(eseal_instance_cert_org(inst, org, &cert_a), ESEAL_OK);
    assert_string_equal(org, org_a.id);
    assert_int_equal(eseal_instance_cert_org(inst, org, &cert_b), ESEAL_OK);
    assert_string_equal(org, org_b.id);
    /* a person's certificate and the platform's own belong to no organisation */
    assert_int_equal(eseal_instance_cert_org(inst, org, &cert_p), ESEAL_OK);
    assert_string_equal(org, "");
    eseal_cert_record ca;
    assert_int_equal(eseal_instance_cert_get(inst, NULL, &ca, cert_a.issuer_id), ESEAL_OK);
    assert_int_equal(eseal_instance_cert_org(inst, org, &ca), ESEAL_OK);
    assert_string_equal(org, "");
    eseal_cert_record_dispose(&ca);
    /* RFC 2253 subjects as the store keeps them */
    assert_string_equal(org_of_subject("CN=A,organizationIdentifier=NTRCN-" USCC_A ",O=A,C=CN"), org_a.id);
    assert_string_equal(org_of_subject("2.5.4.97=NTRCN-" USCC_B ",C=CN"), org_b.id);
    assert_string_equal(org_of_subject("CN=A+organizationIdentifier=NTRCN-" USCC_A), org_a.id);
    /* an attribute hidden inside another one's value (an escaped comma) is not one */
    assert_string_equal(org_of_subject("CN=x\\,organizationIdentifier=NTRCN-" USCC_A ",O=Evil,C=CN"), "");
    assert_string_equal(org_of_subject("CN=organizationIdentifier=NTRCN-" USCC_A ",C=CN"), "");
    /* identifiers other than a USCC; a wrong check character; a USCC no organisation has */
    assert_string_equal(org_of_subject("organizationIdentifier=VATDE-123456789,C=DE"), "");
    assert_string_equal(org_of_subject("organizationIdentifier=NTRCN-91110000MA01ABCDE5,C=CN"), "");
    char other[64] = "";
    for (const char *c = "0123456789ABCDEFGHJKLMNPQRTUWXY"; *c != '\0' && other[0] == '\0'; c++) {
        char code[19];
        (void)snprintf(code, sizeof(code), "91110105MA01ABCD1%c", *c);
        if (eseal_uscc_valid(code) == 1) {
            (void)snprintf(other, sizeof(other), "organizationIdentifier=NTRCN-%s", code);
        }
    }
    assert_true(other[0] != '\0');
    assert_string_equal(org_of_subject(other), "");
    /* an organisation's name is not its code */
    assert_string_equal(org_of_subject("organizationIdentifier=NTRCN-Alpha Trading Ltd"), "");
    assert_string_equal(org_of_subject(""), "");
}

static const char *org_of_certs(const char *ids)
{
    static char org[ESEAL_OWNER_ORG_MAX + 1];
    eseal_seal_record r;
    memset(&r, 0, sizeof(r));
    r.cert_ids = (char *)(uintptr_t)ids;
    assert_int_equal(eseal_instance_seal_org(inst, org, &r), ESEAL_OK);
    return org;
}

static void seal_ownership(void **state)
{
    (void)state;
    char both[128], with_person[128];
    (void)snprintf(both, sizeof(both), "%s,%s", cert_a.id, cert_b.id);
    (void)snprintf(with_person, sizeof(with_person), "%s,%s", cert_p.id, cert_a.id);
    assert_string_equal(org_of_certs(cert_a.id), org_a.id);
    assert_string_equal(org_of_certs(with_person), org_a.id);
    assert_string_equal(org_of_certs(both), ""); /* two organisations: nobody's but the platform's */
    assert_string_equal(org_of_certs(cert_p.id), "");
    assert_string_equal(org_of_certs(""), "");
    assert_string_equal(org_of_certs("0000000000000000"), "");
    eseal_seal_record rec;
    char org[ESEAL_OWNER_ORG_MAX + 1];
    assert_int_equal(eseal_instance_seal_read(inst, test_who(), &rec, NULL, seal_a, org), ESEAL_OK);
    assert_string_equal(org, org_a.id);
    eseal_seal_record_dispose(&rec);
}

static int count_seal(const eseal_seal_record *r, const char *org, void *ctx)
{
    (void)r;
    (void)org;
    (*(int *)ctx)++;
    return 0;
}

static int count_org(const eseal_org *o, void *ctx)
{
    (void)o;
    (*(int *)ctx)++;
    return 0;
}

static int count_cert(const eseal_cert_record *r, const char *org, void *ctx)
{
    (void)r;
    (void)org;
    (*(int *)ctx)++;
    return 0;
}

static void front_door(void **state)
{
    (void)state;
    const char *keeper[] = {"seal-keeper"}, *admin[] = {"org-admin"}, *stamper[] = {"stamper"};
    eseal_principal kay = test_user("kay", org_a.id, keeper, 1), ada = test_user("ada", org_a.id, admin, 1),
                    bek = test_user("bek", org_b.id, keeper, 1), sam = test_user("sam", org_a.id, stamper, 1);
    eseal_seal_record rec;
    /* reads: A's seal for A's members, not found for B's */
    assert_int_equal(eseal_instance_seal_read(inst, &ada, &rec, NULL, seal_a, NULL), ESEAL_OK);
    eseal_seal_record_dispose(&rec);
    assert_int_equal(eseal_instance_seal_read(inst, &bek, &rec, NULL, seal_a, NULL), ESEAL_ENOTFOUND);
    eseal_cert_record crec;
    assert_int_equal(eseal_instance_cert_read(inst, &bek, &crec, cert_a.id, NULL), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_instance_cert_read(inst, &ada, &crec, cert_a.id, NULL), ESEAL_OK);
    eseal_cert_record_dispose(&crec);
    int n = 0;
    assert_int_equal(eseal_instance_seal_list_for(inst, &bek, count_seal, &n), ESEAL_OK);
    assert_int_equal(n, 0);
    assert_int_equal(eseal_instance_seal_list_for(inst, &kay, count_seal, &n), ESEAL_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(eseal_instance_cert_list_for(inst, &kay, count_cert, &n), ESEAL_OK);
    assert_int_equal(n, 1); /* cert_a only: not the person's, not the platform's */
    /* the lifecycle: another organisation's keeper finds nothing, an org admin may not */
    assert_int_equal(eseal_instance_seal_transition(inst, &bek, NULL, seal_a, ESEAL_SEAL_SUSPEND, "x"),
                     ESEAL_ENOTFOUND);
    assert_int_equal(eseal_instance_seal_transition(inst, &ada, NULL, seal_a, ESEAL_SEAL_SUSPEND, "x"), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_seal_transition(inst, &sam, NULL, seal_a, ESEAL_SEAL_SUSPEND, "x"), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_seal_transition(inst, &kay, &rec, seal_a, ESEAL_SEAL_SUSPEND, "on leave"),
                     ESEAL_OK);
    assert_string_equal(rec.state, "suspended");
    eseal_seal_record_dispose(&rec);
    eseal_seal_status st;
    assert_int_equal(eseal_instance_seal_status(inst, &st, seal_a, 0), ESEAL_OK);
    assert_string_equal(st.actor, "user:kay");
    assert_int_equal(eseal_instance_seal_transition(inst, &kay, NULL, seal_a, ESEAL_SEAL_RESUME, "back"), ESEAL_OK);
    assert_int_equal(eseal_instance_seal_renew(inst, &bek, NULL, seal_a, "x"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_instance_seal_renew(inst, &ada, NULL, seal_a, "x"), ESEAL_EDENIED);
    /* making a seal: with its organisation's certificate; another's is not found */
    eseal_seal_request q = ESEAL_SEAL_REQUEST_INIT;
    q.cert_ref = cert_b.id;
    q.name = "Not Mine";
    assert_int_equal(eseal_instance_seal_make(inst, &kay, NULL, NULL, &q), ESEAL_ENOTFOUND);
    q.cert_ref = cert_a.id;
    q.name = "Alpha Second Seal";
    assert_int_equal(eseal_instance_seal_make(inst, &ada, NULL, NULL, &q), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_seal_make(inst, &kay, &rec, NULL, &q), ESEAL_OK);
    char org[ESEAL_OWNER_ORG_MAX + 1];
    assert_int_equal(eseal_instance_seal_org(inst, org, &rec), ESEAL_OK);
    assert_string_equal(org, org_a.id);
    eseal_seal_record_dispose(&rec);
    /* a certificate of the person and one of A: allowed, the seal is A's; with B's as well: nobody's */
    const char *more[] = {cert_b.id};
    q.name = "Two Organisations";
    q.more_certs = more;
    q.more_cert_count = 1;
    assert_int_equal(eseal_instance_seal_make(inst, &kay, NULL, NULL, &q), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, NULL, &q), ESEAL_OK);
    assert_int_equal(eseal_instance_seal_org(inst, org, &rec), ESEAL_OK);
    assert_string_equal(org, "");
    assert_int_equal(eseal_instance_seal_read(inst, &kay, NULL, NULL, rec.esid, NULL), ESEAL_EINVAL);
    eseal_seal_record nobody;
    /* a seal of no organisation: refused by the policy (the platform's only), not hidden */
    assert_int_equal(eseal_instance_seal_read(inst, &kay, &nobody, NULL, rec.esid, NULL), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_seal_transition(inst, &kay, NULL, rec.esid, ESEAL_SEAL_SUSPEND, "x"), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_cert_read(inst, &kay, &crec, cert_p.id, NULL), ESEAL_EDENIED);
    eseal_seal_record_dispose(&rec);
}

/* An organisation outside China, identified by its VAT number, owns the certificates issued with
 * that identifier and the seals made with them; its members see them, others find nothing. */
#define VAT_DE "VATDE-811569869"

static void identifier_ownership(void **state)
{
    (void)state;
    eseal_org de, none;
    assert_int_equal(eseal_org_add_ext(inst, test_who(), &de, "Deutsche Siegel GmbH", NULL, VAT_DE), ESEAL_OK);
    assert_string_equal(de.identifier, VAT_DE);
    assert_string_equal(de.uscc, "");
    eseal_org found;
    assert_int_equal(eseal_org_find(inst, test_who(), &found, VAT_DE), ESEAL_OK); /* found by it */
    assert_string_equal(found.id, de.id);
    assert_string_equal(found.identifier, VAT_DE);
    /* refusals, each with its code and words; nothing is added */
    assert_int_equal(eseal_org_add_ext(inst, test_who(), &none, "Andere GmbH", NULL, VAT_DE), ESEAL_EEXISTS);
    assert_string_equal(eseal_error_last()->message, "an organisation with identifier '" VAT_DE "' exists");
    assert_string_equal(none.id, "");
    assert_int_equal(eseal_org_add_ext(inst, test_who(), &none, "Gamma Ltd", NULL, "NTRCN-" USCC_A), ESEAL_EINVAL);
    assert_string_equal(eseal_error_last()->message,
                        "'NTRCN-" USCC_A "': an organisation in China is identified by its unified social credit "
                        "code: give it as the USCC (--uscc " USCC_A ", \"uscc\" in the API), not as an identifier");
    assert_int_equal(eseal_org_add_ext(inst, test_who(), &none, "Lei Bad", NULL, "LEIXG-5493001KJTIIGC8Y1R13"),
                     ESEAL_EINVAL);
    assert_string_equal(eseal_error_last()->message, "organisation identifier 'LEIXG-5493001KJTIIGC8Y1R13': the "
                                                     "LEI's check digits are wrong (ISO 17442, MOD 97-10)");
    assert_int_equal(eseal_org_add_ext(inst, test_who(), &none, "Lower", NULL, "vatde-811569869"), ESEAL_EINVAL);
    assert_int_equal(eseal_org_add_ext(inst, test_who(), &none, "Both Ltd", "91350100M000100Y43", "VATFR-12345678901"),
                     ESEAL_EINVAL);
    assert_string_equal(eseal_error_last()->message,
                        "an organisation has a unified social credit code or an organisation identifier, not both "
                        "(its certificates carry one organizationIdentifier)");
    int n = 0;
    assert_int_equal(eseal_org_list(inst, test_who(), count_org, &n), ESEAL_OK);
    assert_int_equal(n, 3); /* A, B and the German one */
    /* a good LEI is taken */
    eseal_org lei;
    assert_int_equal(eseal_org_add_ext(inst, test_who(), &lei, "Lei Good", "", "LEIXG-5493001KJTIIGC8Y1R12"),
                     ESEAL_OK);

    /* a certificate issued with --org-id VATDE-... is the German organisation's */
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.name = "Deutsche Siegel GmbH";
    q.org_id = VAT_DE;
    q.alg = ESEAL_ALG_P256;
    eseal_cert_record cert_de;
    assert_int_equal(eseal_instance_cert_issue(inst, test_who(), &cert_de, &q), ESEAL_OK);
    assert_non_null(strstr(cert_de.subject, VAT_DE));
    char org[ESEAL_OWNER_ORG_MAX + 1];
    assert_int_equal(eseal_instance_cert_org(inst, org, &cert_de), ESEAL_OK);
    assert_string_equal(org, de.id);
    /* exactly that identifier: another VAT number, another case, a prefix, its name: nobody's */
    assert_string_equal(org_of_subject("organizationIdentifier=" VAT_DE ",C=DE"), de.id);
    assert_string_equal(org_of_subject("organizationIdentifier=VATDE-811569868,C=DE"), "");
    assert_string_equal(org_of_subject("organizationIdentifier=vatde-811569869,C=DE"), "");
    assert_string_equal(org_of_subject("organizationIdentifier=VATde-811569869,C=DE"), "");
    assert_string_equal(org_of_subject("organizationIdentifier=VATDE-81156986,C=DE"), "");
    assert_string_equal(org_of_subject("organizationIdentifier=VATDE-8115698690,C=DE"), "");
    assert_string_equal(org_of_subject("organizationIdentifier=Deutsche Siegel GmbH,C=DE"), "");
    assert_string_equal(org_of_subject("organizationIdentifier=NTRCN-" VAT_DE), "");
    char by_id[64];
    (void)snprintf(by_id, sizeof(by_id), "organizationIdentifier=%s", de.id);
    assert_string_equal(org_of_subject(by_id), ""); /* an organisation's id is not its identifier */
    assert_string_equal(org_of_subject("organizationIdentifier=LEIXG-5493001KJTIIGC8Y1R12"), lei.id);
    /* the USCC's path is unchanged */
    assert_string_equal(org_of_subject("organizationIdentifier=NTRCN-" USCC_A), org_a.id);

    /* the seal made with it is the German organisation's: its keeper sees it, A's does not */
    eseal_seal_request sq = ESEAL_SEAL_REQUEST_INIT;
    sq.cert_ref = cert_de.id;
    sq.name = "Siegel DE";
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, NULL, &sq), ESEAL_OK);
    assert_int_equal(eseal_instance_seal_org(inst, org, &rec), ESEAL_OK);
    assert_string_equal(org, de.id);
    char esid[64];
    (void)snprintf(esid, sizeof(esid), "%s", rec.esid);
    eseal_seal_record_dispose(&rec);
    const char *keeper[] = {"seal-keeper"};
    eseal_principal dora = test_user("dora", de.id, keeper, 1), kay = test_user("kay", org_a.id, keeper, 1);
    assert_int_equal(eseal_instance_seal_read(inst, &dora, &rec, NULL, esid, org), ESEAL_OK);
    assert_string_equal(org, de.id);
    eseal_seal_record_dispose(&rec);
    assert_int_equal(eseal_instance_seal_read(inst, &kay, &rec, NULL, esid, NULL), ESEAL_ENOTFOUND);
    eseal_cert_record crec;
    assert_int_equal(eseal_instance_cert_read(inst, &dora, &crec, cert_de.id, NULL), ESEAL_OK);
    eseal_cert_record_dispose(&crec);
    assert_int_equal(eseal_instance_cert_read(inst, &kay, &crec, cert_de.id, NULL), ESEAL_ENOTFOUND);
    n = 0;
    assert_int_equal(eseal_instance_seal_list_for(inst, &dora, count_seal, &n), ESEAL_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(eseal_instance_cert_list_for(inst, &dora, count_cert, &n), ESEAL_OK);
    assert_int_equal(n, 1);
    eseal_cert_record_dispose(&cert_de);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cert_ownership),
        cmocka_unit_test(seal_ownership),
        cmocka_unit_test(front_door),
        cmocka_unit_test(identifier_ownership),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
