/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Grants and templates on an instance (src/governance, eseal/governance.h), through the front door:
 * who may grant (an org-admin or seal-keeper of the seal's organisation, the platform side), who
 * may not (a stamper; another organisation, which does not even see the seal); what a grant may
 * name (a user of the seal's organisation, a role of it, templates the organisation registered);
 * delegation by the holder, narrowed only; the lists each principal sees; revocation once; and the
 * audit entries, with the organisation and the whole grant, before and after.
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
#include "core/core.h" /* inst->store: uses counted as a stamp counts them */

#define PASS "grants-test-pass-1"
#define USCC_A "91110000MA01ABCDEX"
#define USCC_B "91110108MA01ABCD2H"
#define USER_PW "Grants-Test-Passphrase-7731"

static char tmpl[64];
static char ihome[600];
static eseal_instance *inst;
static eseal_org org_a, org_b;
static char seal_a[64], seal_b[64];

static const char *admin_r[] = {"org-admin"}, *keeper_r[] = {"seal-keeper"}, *stamper_r[] = {"stamper"},
                  *padmin_r[] = {"platform-admin"};

static void seal_of(const char *org_name, const char *uscc, char *esid, size_t n)
{
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.name = org_name;
    q.uscc = uscc;
    q.alg = ESEAL_ALG_P256;
    eseal_cert_record c;
    assert_int_equal(eseal_instance_cert_issue(inst, test_who(), &c, &q), ESEAL_OK);
    eseal_seal_request sq = ESEAL_SEAL_REQUEST_INIT;
    sq.cert_ref = c.id;
    sq.name = org_name;
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, NULL, &sq), ESEAL_OK);
    (void)snprintf(esid, n, "%s", rec.esid);
    eseal_seal_record_dispose(&rec);
    eseal_cert_record_dispose(&c);
}

static void user(const char *login, const eseal_org *o, const char *roles)
{
    eseal_user u;
    assert_int_equal(eseal_user_add(inst, test_who(), &u, login, login, o->id, roles, USER_PW), ESEAL_OK);
}

static int setup(void **state)
{
    (void)state;
    setenv("ESEAL_PW_PARAMS", "1,8192,1", 1);
    (void)snprintf(tmpl, sizeof(tmpl), "/tmp/eseal-grants-XXXXXX");
    test_instance_init(tmpl, ihome, sizeof(ihome), PASS);
    inst = test_instance_open(ihome, PASS);
    assert_int_equal(eseal_org_add(inst, test_who(), &org_a, "Alpha Trading Ltd", USCC_A), ESEAL_OK);
    assert_int_equal(eseal_org_add(inst, test_who(), &org_b, "Beta Works Ltd", USCC_B), ESEAL_OK);
    seal_of("Alpha Trading Ltd", USCC_A, seal_a, sizeof(seal_a));
    seal_of("Beta Works Ltd", USCC_B, seal_b, sizeof(seal_b));
    user("ada", &org_a, "org-admin");
    user("kim", &org_a, "seal-keeper");
    user("lena", &org_a, "stamper");
    user("li", &org_a, "stamper");
    user("bob", &org_b, "org-admin");
    user("bea", &org_b, "stamper");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_instance_done(inst, tmpl);
}

static eseal_grant_request req(const char *seal, const char *user_, const char *role)
{
    eseal_grant_request q = ESEAL_GRANT_REQUEST_INIT;
    q.seal = seal;
    q.user = user_;
    q.role = role;
    return q;
}

/* The newest audit entry the platform side reads: its type, rule, org and detail. */
typedef struct {
    char type[64], rule[64], org[64], detail[2600];
} last_entry;

static int keep_last(uint64_t index, const eseal_audit_entry *e, const char *org, void *p)
{
    (void)index;
    last_entry *l = p;
    (void)snprintf(l->type, sizeof(l->type), "%s", e->type);
    (void)snprintf(l->rule, sizeof(l->rule), "%s", e->policy_rule != NULL ? e->policy_rule : "");
    (void)snprintf(l->org, sizeof(l->org), "%s", org);
    (void)snprintf(l->detail, sizeof(l->detail), "%s", e->detail != NULL ? e->detail : "");
    return 0;
}

static last_entry newest(const eseal_principal *who)
{
    last_entry l;
    memset(&l, 0, sizeof(l));
    uint64_t from = 0, next = 0;
    for (;;) {
        assert_int_equal(eseal_instance_audit_read(inst, who, from, 1000, keep_last, &l, &next), ESEAL_OK);
        if (next == from) {
            break;
        }
        from = next;
    }
    return l;
}

static void who_may_grant(void **state)
{
    (void)state;
    eseal_principal ada = test_user("ada", org_a.id, admin_r, 1), kim = test_user("kim", org_a.id, keeper_r, 1),
                    lena = test_user("lena", org_a.id, stamper_r, 1), bob = test_user("bob", org_b.id, admin_r, 1),
                    root = test_user("root", "", padmin_r, 1);
    eseal_grant g;
    eseal_grant_request q = req(seal_a, NULL, "stamper");
    q.types = "contract,invoice";
    q.approval = "@approver";
    q.note = "finance staff";
    assert_int_equal(eseal_grant_add(inst, &ada, &q, &g), ESEAL_OK);
    assert_int_equal(strncmp(g.id, "grt_", 4), 0);
    assert_string_equal(g.org_id, org_a.id);
    assert_string_equal(g.seal, seal_a);
    assert_int_equal(g.holder_kind, ESEAL_GRANT_TO_ROLE);
    assert_string_equal(g.holder, "stamper");
    assert_string_equal(g.approval, "1:@approver"); /* canonical */
    assert_string_equal(g.created_by, "user:ada");
    assert_true(g.not_before_ms > 0); /* from now */
    last_entry l = newest(test_who());
    assert_string_equal(l.type, "grant.added");
    assert_string_equal(l.rule, "grant-admin");
    assert_string_equal(l.org, org_a.id);
    assert_non_null(strstr(l.detail, g.id));
    assert_non_null(strstr(l.detail, "to role stamper; types contract,invoice"));
    assert_non_null(strstr(l.detail, "note: finance staff"));
    /* the seal keeper too; the platform side too */
    q = req(seal_a, "lena", NULL);
    assert_int_equal(eseal_grant_add(inst, &kim, &q, &g), ESEAL_OK);
    assert_int_equal(eseal_grant_add(inst, &root, &q, &g), ESEAL_OK);
    assert_int_equal(eseal_grant_add(inst, test_who(), &q, &g), ESEAL_OK);
    /* a stamper may not grant (not even to itself) */
    assert_int_equal(eseal_grant_add(inst, &lena, &q, &g), ESEAL_EDENIED);
    /* another organisation's administrator does not see the seal */
    assert_int_equal(eseal_grant_add(inst, &bob, &q, &g), ESEAL_ENOTFOUND);
    /* a holder of another organisation does not exist there */
    q = req(seal_a, "bea", NULL);
    assert_int_equal(eseal_grant_add(inst, &ada, &q, &g), ESEAL_ENOTFOUND);
    assert_non_null(strstr(eseal_error_last()->message, "no user 'bea'"));
    /* malformed requests, each saying what */
    q = req(seal_a, "lena", "stamper");
    assert_int_equal(eseal_grant_add(inst, &ada, &q, &g), ESEAL_EINVAL);
    q = req(seal_a, NULL, "platform-admin");
    assert_int_equal(eseal_grant_add(inst, &ada, &q, &g), ESEAL_EINVAL);
    q = req(seal_a, NULL, "stamper");
    q.approval = "0:alice";
    assert_int_equal(eseal_grant_add(inst, &ada, &q, &g), ESEAL_EINVAL);
    q = req(seal_a, NULL, "stamper");
    q.not_before_ms = 2000000000000;
    q.not_after_ms = 1900000000000;
    assert_int_equal(eseal_grant_add(inst, &ada, &q, &g), ESEAL_EINVAL);
    q = req(seal_a, NULL, "stamper");
    q.templates = "1111111111111111111111111111111111111111111111111111111111111111";
    assert_int_equal(eseal_grant_add(inst, &ada, &q, &g), ESEAL_ENOTFOUND); /* not registered */
    assert_non_null(strstr(eseal_error_last()->message, "not registered"));
    q = req("no-such-seal", NULL, "stamper");
    assert_int_equal(eseal_grant_add(inst, &ada, &q, &g), ESEAL_ENOTFOUND);
}

static void templates_and_template_grants(void **state)
{
    (void)state;
    eseal_principal ada = test_user("ada", org_a.id, admin_r, 1), lena = test_user("lena", org_a.id, stamper_r, 1),
                    bob = test_user("bob", org_b.id, admin_r, 1);
    char pdf[1024];
    size_t n = test_pdf_bytes(pdf);
    eseal_template t;
    assert_int_equal(eseal_template_add(inst, &ada, NULL, "Purchase contract", pdf, n, &t), ESEAL_OK);
    assert_string_equal(t.format, "pdf");
    assert_int_equal(strlen(t.sha256), 64);
    assert_string_equal(newest(test_who()).type, "template.added");
    eseal_template again;
    assert_int_equal(eseal_template_add(inst, &ada, NULL, "Again", pdf, n, &again), ESEAL_EEXISTS);
    assert_string_equal(again.sha256, t.sha256);
    assert_string_equal(again.name, "Purchase contract");
    assert_int_equal(eseal_template_add(inst, &lena, NULL, "Mine", pdf, n, &again), ESEAL_EDENIED);
    assert_int_equal(eseal_template_add(inst, &ada, NULL, "Text", "hello", 5, &again), ESEAL_EMALFORMED);
    assert_int_equal(eseal_template_add(inst, &bob, org_a.id, "Theirs", pdf, n, &again), ESEAL_ENOTFOUND);
    /* the template grant names it; B's administrator cannot name A's template for B's seal */
    eseal_grant g;
    eseal_grant_request q = req(seal_a, NULL, "stamper");
    q.templates = t.sha256;
    assert_int_equal(eseal_grant_add(inst, &ada, &q, &g), ESEAL_OK);
    assert_string_equal(g.templates, t.sha256);
    q = req(seal_b, NULL, "stamper");
    q.templates = t.sha256;
    assert_int_equal(eseal_grant_add(inst, &bob, &q, &g), ESEAL_ENOTFOUND);
}

typedef struct {
    int n;
    char ids[16][ESEAL_GRANT_ID_LEN + 1];
} seen;

static int see(const eseal_grant *g, void *p)
{
    seen *s = p;
    if (s->n < 16) {
        (void)snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", g->id);
    }
    s->n++;
    return 0;
}

static void delegation_lists_revocation(void **state)
{
    (void)state;
    eseal_principal kim = test_user("kim", org_a.id, keeper_r, 1), lena = test_user("lena", org_a.id, stamper_r, 1),
                    li = test_user("li", org_a.id, stamper_r, 1), bob = test_user("bob", org_b.id, admin_r, 1),
                    bea = test_user("bea", org_b.id, stamper_r, 1);
    eseal_grant parent, child, g;
    eseal_grant_request q = req(seal_a, "lena", NULL);
    q.delegable = 1;
    q.max_uses = 10;
    q.not_after_ms = 4102444800000; /* 2100 */
    assert_int_equal(eseal_grant_add(inst, &kim, &q, &parent), ESEAL_OK);
    /* the holder delegates, narrowed */
    q = req(seal_a, "li", NULL);
    q.parent = parent.id;
    q.max_uses = 3;
    q.not_after_ms = 4000000000000;
    assert_int_equal(eseal_grant_add(inst, &lena, &q, &child), ESEAL_OK);
    assert_string_equal(child.parent, parent.id);
    assert_true(child.not_before_ms >= parent.not_before_ms);
    last_entry l = newest(test_who());
    assert_string_equal(l.type, "grant.delegated");
    assert_string_equal(l.rule, "holder");
    /* never widened: more uses, a later end, no end */
    q.max_uses = 11;
    assert_int_equal(eseal_grant_add(inst, &lena, &q, &g), ESEAL_EDENIED);
    q.max_uses = 3;
    q.not_after_ms = 0;
    assert_int_equal(eseal_grant_add(inst, &lena, &q, &g), ESEAL_EDENIED);
    /* who does not hold it may not delegate it (li holds the child, which is not delegable) */
    q = req(seal_a, "li", NULL);
    q.parent = parent.id;
    q.max_uses = 1;
    q.not_after_ms = 4000000000000;
    assert_int_equal(eseal_grant_add(inst, &li, &q, &g), ESEAL_EDENIED);
    q.parent = child.id;
    assert_int_equal(eseal_grant_add(inst, &li, &q, &g), ESEAL_EDENIED);
    assert_non_null(strstr(eseal_error_last()->message, "may not be delegated"));
    /* another organisation does not see the grant to delegate */
    q = req(seal_a, "bea", NULL);
    q.parent = parent.id;
    assert_int_equal(eseal_grant_add(inst, &bea, &q, &g), ESEAL_ENOTFOUND);

    /* lists: A's members see A's grants, B's none of them, the platform side all */
    seen a = {0}, b = {0}, all = {0};
    assert_int_equal(eseal_grant_list(inst, &li, NULL, see, &a), ESEAL_OK);
    assert_int_equal(eseal_grant_list(inst, &bob, NULL, see, &b), ESEAL_OK);
    assert_int_equal(eseal_grant_list(inst, test_who(), NULL, see, &all), ESEAL_OK);
    assert_true(a.n >= 2);
    assert_int_equal(b.n, 0);
    assert_int_equal(all.n, a.n);
    assert_int_equal(eseal_grant_list(inst, &bob, seal_a, see, &b), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_grant_find(inst, &bob, &g, parent.id), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_grant_find(inst, &li, &g, parent.id), ESEAL_OK);
    assert_int_equal(g.max_uses, 10);

    /* revocation: by a grant administrator, once, the grant as it was in the entry */
    assert_int_equal(eseal_grant_revoke(inst, &lena, parent.id, "mine"), ESEAL_EDENIED);
    assert_int_equal(eseal_grant_revoke(inst, &bob, parent.id, "theirs"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_grant_revoke(inst, &kim, parent.id, "lena moved to sales"), ESEAL_OK);
    l = newest(test_who());
    assert_string_equal(l.type, "grant.revoked");
    assert_string_equal(l.org, org_a.id);
    assert_non_null(strstr(l.detail, "revoked: lena moved to sales; it was: "));
    assert_non_null(strstr(l.detail, "uses 0 of 10"));
    assert_int_equal(eseal_grant_revoke(inst, &kim, parent.id, "again"), ESEAL_ESTATE);
    assert_int_equal(eseal_grant_find(inst, &li, &g, parent.id), ESEAL_OK);
    assert_true(g.revoked_ms > 0);
    /* a revoked grant cannot be delegated */
    q = req(seal_a, "li", NULL);
    q.parent = parent.id;
    q.max_uses = 1;
    q.not_after_ms = 4000000000000;
    assert_int_equal(eseal_grant_add(inst, &lena, &q, &g), ESEAL_EDENIED);
}

/* A change (issue 20 §1): what may change, who may, what is refused, and the audit entry with the
 * grant before and after. */
static void change_a_grant(void **state)
{
    (void)state;
    eseal_principal ada = test_user("ada", org_a.id, admin_r, 1), kim = test_user("kim", org_a.id, keeper_r, 1),
                    lena = test_user("lena", org_a.id, stamper_r, 1), bob = test_user("bob", org_b.id, admin_r, 1);
    eseal_grant g, out;
    eseal_grant_request q = req(seal_a, "lena", NULL);
    q.types = "contract";
    q.max_uses = 10;
    q.not_before_ms = 1900000000000;
    q.not_after_ms = 4000000000000;
    q.delegable = 1;
    assert_int_equal(eseal_grant_add(inst, &kim, &q, &g), ESEAL_OK);

    /* window, uses, types, approval: set ones replace, unset ones keep */
    eseal_grant_request c = ESEAL_GRANT_REQUEST_INIT;
    c.types = "contract,invoice";
    c.not_after_ms = 3000000000000;
    c.max_uses = 5;
    c.approval = "approver-less:ada"; /* malformed first: nothing changes */
    assert_int_equal(eseal_grant_change(inst, &ada, g.id, &c, "narrower", &out), ESEAL_EINVAL);
    c.approval = "2:ada,kim";
    assert_int_equal(eseal_grant_change(inst, &ada, g.id, &c, "narrower", &out), ESEAL_OK);
    assert_string_equal(out.id, g.id);
    assert_string_equal(out.types, "contract,invoice");
    assert_int_equal(out.not_before_ms, 1900000000000); /* kept */
    assert_int_equal(out.not_after_ms, 3000000000000);
    assert_int_equal(out.max_uses, 5);
    assert_string_equal(out.approval, "2:ada,kim");
    assert_int_equal(out.delegable, 1); /* kept */
    assert_string_equal(out.holder, "lena");
    eseal_grant got;
    assert_int_equal(eseal_grant_find(inst, &lena, &got, g.id), ESEAL_OK);
    assert_string_equal(got.types, "contract,invoice");
    assert_int_equal(got.not_after_ms, 3000000000000);
    assert_int_equal(got.max_uses, 5);
    assert_string_equal(got.approval, "2:ada,kim");
    assert_int_equal(got.created_ms, g.created_ms);
    /* the entry: who, why, before and after */
    last_entry l = newest(test_who());
    assert_string_equal(l.type, "grant.changed");
    assert_string_equal(l.rule, "grant-admin");
    assert_string_equal(l.org, org_a.id);
    assert_true(strlen(l.detail) <= 1000);
    char want[128];
    (void)snprintf(want, sizeof(want), "%s changed: narrower; before: %s seal", g.id, g.id);
    assert_true(strncmp(l.detail, want, strlen(want)) == 0);
    const char *after = strstr(l.detail, "; after: ");
    assert_non_null(after);
    const char *types_was = strstr(l.detail, "types contract; ");
    assert_true(types_was != NULL && types_was < after);
    assert_non_null(strstr(after, "types contract,invoice; "));
    assert_non_null(strstr(after, "uses 0 of 5; approval 2:ada,kim"));
    assert_true(strstr(l.detail, "uses 0 of 10; approval none") < after);

    /* a change too long to describe twice in 1,000 bytes: only the fields that differ, cut */
#define STEP4 "@approver,@org-admin,@seal-keeper,@auditor"
#define STEPS8(k) k STEP4 ";" k STEP4 ";" k STEP4 ";" k STEP4 ";" k STEP4 ";" k STEP4 ";" k STEP4 ";" k STEP4
    c = (eseal_grant_request)ESEAL_GRANT_REQUEST_INIT;
    c.approval = STEPS8("1:");
    assert_int_equal(eseal_grant_change(inst, &ada, g.id, &c, "eight steps", &out), ESEAL_OK);
    assert_true(strlen(out.approval) > 300);
    c.approval = STEPS8("2:");
    c.max_uses = 6;
    assert_int_equal(eseal_grant_change(inst, &ada, g.id, &c, "two each", &out), ESEAL_OK);
    l = newest(test_who());
    assert_string_equal(l.type, "grant.changed");
    assert_true(strlen(l.detail) <= 1000);
    (void)snprintf(want, sizeof(want), "%s changed: two each; max uses 5 -> 6; approval 1:@approver,", g.id);
    assert_true(strncmp(l.detail, want, strlen(want)) == 0);
    assert_non_null(strstr(l.detail, "... -> 2:@approver,")); /* the long policies cut */
    assert_null(strstr(l.detail, "before: "));                /* not the whole grant twice */
    assert_null(strstr(l.detail, "types "));                  /* what did not change is not there */
#undef STEPS8
#undef STEP4
    c = (eseal_grant_request)ESEAL_GRANT_REQUEST_INIT;
    c.approval = "2:ada,kim";
    c.max_uses = 5;
    assert_int_equal(eseal_grant_change(inst, &ada, g.id, &c, "back", &out), ESEAL_OK);

    /* clearing: "" a list or the approval, -1 a limit or delegation */
    c = (eseal_grant_request)ESEAL_GRANT_REQUEST_INIT;
    c.types = "";
    c.approval = "";
    c.not_after_ms = -1;
    c.max_uses = -1;
    c.delegable = -1;
    assert_int_equal(eseal_grant_change(inst, &kim, g.id, &c, NULL, &out), ESEAL_OK);
    assert_string_equal(out.types, "");
    assert_string_equal(out.approval, "");
    assert_int_equal(out.not_after_ms, 0);
    assert_int_equal(out.max_uses, 0);
    assert_int_equal(out.delegable, 0);
    assert_int_equal(out.not_before_ms, 1900000000000);
    assert_non_null(strstr(newest(test_who()).detail, " changed: no reason given; before: "));
    /* a change that changes nothing is refused, and writes nothing */
    c = (eseal_grant_request)ESEAL_GRANT_REQUEST_INIT;
    c.max_uses = -1;
    assert_int_equal(eseal_grant_change(inst, &kim, g.id, &c, NULL, &out), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "changes nothing"));

    /* refusals */
    c = (eseal_grant_request)ESEAL_GRANT_REQUEST_INIT;
    c.max_uses = 3;
    assert_int_equal(eseal_grant_change(inst, &bob, g.id, &c, NULL, &out), ESEAL_ENOTFOUND); /* not seen */
    assert_int_equal(eseal_grant_change(inst, &lena, g.id, &c, NULL, &out), ESEAL_EDENIED); /* its holder, a stamper */
    assert_int_equal(eseal_grant_change(inst, &ada, "grt_0000000000000000", &c, NULL, &out), ESEAL_ENOTFOUND);
    c.user = "li"; /* the holder does not change */
    assert_int_equal(eseal_grant_change(inst, &ada, g.id, &c, NULL, &out), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "seal and holder do not change"));
    c.user = NULL;
    c.seal = seal_a;
    assert_int_equal(eseal_grant_change(inst, &ada, g.id, &c, NULL, &out), ESEAL_EINVAL);
    c.seal = NULL;
    c.not_before_ms = 4100000000000; /* after its end: malformed */
    c.not_after_ms = 4000000000000;
    assert_int_equal(eseal_grant_change(inst, &ada, g.id, &c, NULL, &out), ESEAL_EINVAL);
    c = (eseal_grant_request)ESEAL_GRANT_REQUEST_INIT;
    c.templates = "1111111111111111111111111111111111111111111111111111111111111111";
    assert_int_equal(eseal_grant_change(inst, &ada, g.id, &c, NULL, &out), ESEAL_ENOTFOUND); /* not registered */
    assert_int_equal(eseal_grant_find(inst, &ada, &got, g.id), ESEAL_OK);
    assert_int_equal(got.max_uses, 0); /* nothing of the refused changes */
    assert_string_equal(got.templates, "");

    /* a delegated grant: narrowed still; the uses made count against both */
    c = (eseal_grant_request)ESEAL_GRANT_REQUEST_INIT;
    c.delegable = 1;
    c.max_uses = 10;
    c.not_after_ms = 4000000000000;
    assert_int_equal(eseal_grant_change(inst, &ada, g.id, &c, "delegable again", &out), ESEAL_OK);
    eseal_grant child;
    q = req(seal_a, "li", NULL);
    q.parent = g.id;
    q.max_uses = 4;
    q.not_after_ms = 3500000000000;
    assert_int_equal(eseal_grant_add(inst, &lena, &q, &child), ESEAL_OK);
    eseal_store *st = inst->store;
    for (int i = 0; i < 3; i++) { /* three uses of the child: each counts for the parent too */
        assert_int_equal(eseal_store_grant_use(st, child.id), ESEAL_OK);
        assert_int_equal(eseal_store_grant_use(st, g.id), ESEAL_OK);
    }
    c = (eseal_grant_request)ESEAL_GRANT_REQUEST_INIT;
    c.not_after_ms = -1; /* no end: wider than the parent's */
    assert_int_equal(eseal_grant_change(inst, &ada, child.id, &c, NULL, &out), ESEAL_EDENIED);
    assert_non_null(strstr(eseal_error_last()->message, "cannot end after its parent"));
    c = (eseal_grant_request)ESEAL_GRANT_REQUEST_INIT;
    c.types = "invoice"; /* the parent allows any type: a narrower list is fine */
    c.max_uses = 10;     /* 7 left for the parent, 7 more for the child: fits */
    assert_int_equal(eseal_grant_change(inst, &ada, child.id, &c, NULL, &out), ESEAL_OK);
    c.max_uses = 11; /* 8 more than the parent has left */
    assert_int_equal(eseal_grant_change(inst, &ada, child.id, &c, NULL, &out), ESEAL_EDENIED);
    c.max_uses = -1; /* no limit under a parent that has one */
    assert_int_equal(eseal_grant_change(inst, &ada, child.id, &c, NULL, &out), ESEAL_EDENIED);
    c.max_uses = 2; /* below the 3 uses made */
    assert_int_equal(eseal_grant_change(inst, &ada, child.id, &c, NULL, &out), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "was used 3 times"));
    c.max_uses = 0;
    c.approval = "1:@approver"; /* a delegated grant keeps its parent's approval policy */
    assert_int_equal(eseal_grant_change(inst, &ada, child.id, &c, NULL, &out), ESEAL_EDENIED);
    /* the parent too: not below its uses */
    c = (eseal_grant_request)ESEAL_GRANT_REQUEST_INIT;
    c.max_uses = 2;
    assert_int_equal(eseal_grant_change(inst, &ada, g.id, &c, NULL, &out), ESEAL_EINVAL);
    c.max_uses = 3;
    assert_int_equal(eseal_grant_change(inst, &ada, g.id, &c, "used up", &out), ESEAL_OK);

    /* a revoked grant does not change */
    assert_int_equal(eseal_grant_revoke(inst, &kim, child.id, "done"), ESEAL_OK);
    c = (eseal_grant_request)ESEAL_GRANT_REQUEST_INIT;
    c.types = "contract";
    assert_int_equal(eseal_grant_change(inst, &ada, child.id, &c, NULL, &out), ESEAL_ESTATE);
    assert_non_null(strstr(eseal_error_last()->message, "is revoked"));
    assert_string_equal(newest(test_who()).type, "grant.revoked");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(who_may_grant),
        cmocka_unit_test(templates_and_template_grants),
        cmocka_unit_test(delegation_lists_revocation),
        cmocka_unit_test(change_a_grant),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
