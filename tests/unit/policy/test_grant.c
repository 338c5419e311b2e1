/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Grants on their own (eseal/governance.h, src/policy/grant.h): approval policies parsed and
 * written back, grants checked, delegation that may only narrow, and the grant decision with a
 * clock given by the test: a window that ends at T allows at T and refuses at T + 1 s with nothing
 * having run, a delegated grant ends with its parent, and a refusal names what stands in the way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../test_principal.h"
#include "policy/grant.h"

#define SEAL "ES-91110000MA01ABCDEX-0001"
#define ORG "org_00112233aabbccdd"
#define T0 1796000000000LL /* 2026-12-01 */
#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"

static eseal_grant grant(const char *id, eseal_grant_holder kind, const char *holder)
{
    eseal_grant g;
    memset(&g, 0, sizeof(g));
    (void)snprintf(g.id, sizeof(g.id), "%s", id);
    (void)snprintf(g.org_id, sizeof(g.org_id), "%s", ORG);
    (void)snprintf(g.seal, sizeof(g.seal), "%s", SEAL);
    g.holder_kind = kind;
    (void)snprintf(g.holder, sizeof(g.holder), "%s", holder);
    g.created_ms = T0;
    return g;
}

static es_grant_use use_at(int64_t now)
{
    return (es_grant_use){.seal = SEAL, .seal_org = ORG, .doc_type = NULL, .template_sha256 = NULL, .now_ms = now,
                          .approved_policy = NULL};
}

/* The refusal code, or "ALLOWED:<grant id>". */
static const char *decide(const eseal_principal *who, const es_grant_use *u, const eseal_grant *g, size_t n)
{
    static char out[64];
    es_grant_decision d = es_grant_decide(who, u, g, n);
    if (d.refusal == NULL) {
        assert_non_null(d.grant);
        (void)snprintf(out, sizeof(out), "ALLOWED:%s", d.grant->id);
        return out;
    }
    assert_true(d.reason[0] != '\0');
    return d.refusal;
}

static void test_approval_policy(void **state)
{
    (void)state;
    static const struct {
        const char *in, *canon;
        size_t steps;
    } good[] = {{"", "", 0},
                {"alice", "1:alice", 1},
                {"2:alice,bob,carol", "2:alice,bob,carol", 1},
                {"@approver", "1:@approver", 1},
                {"3:@approver", "3:@approver", 1}, /* k of a role: checked when approving */
                {"1:dept.head;2:legal-1,legal-2;ceo", "1:dept.head;2:legal-1,legal-2;1:ceo", 3},
                {"1:@org-admin,lena", "1:@org-admin,lena", 1}};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        eseal_approval_policy p;
        assert_int_equal(eseal_approval_policy_parse(&p, good[i].in), ESEAL_OK);
        assert_int_equal(p.steps, good[i].steps);
        char text[ESEAL_APPROVAL_TEXT_MAX + 1];
        assert_int_equal(eseal_approval_policy_format(text, sizeof(text), &p), ESEAL_OK);
        assert_string_equal(text, good[i].canon);
        eseal_approval_policy q;
        assert_int_equal(eseal_approval_policy_parse(&q, text), ESEAL_OK);
        assert_memory_equal(&p, &q, sizeof(p));
    }
    static const char *const bad[] = {";", "alice;", ";alice", "0:alice", "3:alice,bob", "x:alice", "1:", ":alice",
                                      "alice,,bob", "alice,alice", "@platform-admin", "@nobody", "Alice", "al ice",
                                      "-alice", "1:alice;1:bob;1:c;1:d;1:e;1:f;1:g;1:h;1:i", "123:alice",
                                      "1:a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        eseal_approval_policy p;
        if (eseal_approval_policy_parse(&p, bad[i]) != ESEAL_EINVAL) {
            fail_msg("approval policy '%s' was accepted", bad[i]);
        }
        assert_true(strlen(eseal_error_last()->message) > 0);
    }
    eseal_approval_policy p;
    assert_int_equal(eseal_approval_policy_parse(&p, "2:alice,bob"), ESEAL_OK);
    char small[8];
    assert_int_equal(eseal_approval_policy_format(small, sizeof(small), &p), ESEAL_ELIMIT);
}

static void test_grant_check(void **state)
{
    (void)state;
    eseal_grant g = grant("grt_0000000000000001", ESEAL_GRANT_TO_ROLE, "stamper");
    assert_int_equal(eseal_grant_check(&g), ESEAL_OK);
    (void)snprintf(g.types, sizeof(g.types), "contract,invoice");
    (void)snprintf(g.templates, sizeof(g.templates), "%s,%s", H1, H2);
    (void)snprintf(g.approval, sizeof(g.approval), "1:@approver;2:alice,bob");
    g.not_before_ms = T0;
    g.not_after_ms = T0;
    g.max_uses = 5;
    assert_int_equal(eseal_grant_check(&g), ESEAL_OK);

    eseal_grant b = g;
    b.holder_kind = 0;
    assert_int_equal(eseal_grant_check(&b), ESEAL_EINVAL);
    b = g;
    (void)snprintf(b.holder, sizeof(b.holder), "platform-admin"); /* not a role of an organisation */
    assert_int_equal(eseal_grant_check(&b), ESEAL_EINVAL);
    b = g;
    b.holder_kind = ESEAL_GRANT_TO_USER;
    (void)snprintf(b.holder, sizeof(b.holder), "Li Lei");
    assert_int_equal(eseal_grant_check(&b), ESEAL_EINVAL);
    b = g;
    (void)snprintf(b.types, sizeof(b.types), "contract,contract");
    assert_int_equal(eseal_grant_check(&b), ESEAL_EINVAL);
    b = g;
    (void)snprintf(b.types, sizeof(b.types), "contract,");
    assert_int_equal(eseal_grant_check(&b), ESEAL_EINVAL);
    b = g;
    (void)snprintf(b.types, sizeof(b.types), ",contract");
    assert_int_equal(eseal_grant_check(&b), ESEAL_EINVAL);
    b = g;
    (void)snprintf(b.types, sizeof(b.types), "Contract");
    assert_int_equal(eseal_grant_check(&b), ESEAL_EINVAL);
    b = g;
    (void)snprintf(b.templates, sizeof(b.templates), "%.63s", H1); /* 63 digits */
    assert_int_equal(eseal_grant_check(&b), ESEAL_EINVAL);
    b = g;
    (void)snprintf(b.templates, sizeof(b.templates), "%.63sA", H1); /* upper case */
    assert_int_equal(eseal_grant_check(&b), ESEAL_EINVAL);
    b = g;
    (void)snprintf(b.templates, sizeof(b.templates), "%s,%s", H1, H1);
    assert_int_equal(eseal_grant_check(&b), ESEAL_EINVAL);
    b = g;
    b.not_after_ms = T0 - 1; /* ends before it starts */
    assert_int_equal(eseal_grant_check(&b), ESEAL_EINVAL);
    b = g;
    b.max_uses = -1;
    assert_int_equal(eseal_grant_check(&b), ESEAL_EINVAL);
    b = g;
    (void)snprintf(b.approval, sizeof(b.approval), "@approver"); /* not canonical: 1:@approver */
    assert_int_equal(eseal_grant_check(&b), ESEAL_EINVAL);
    b = g;
    (void)snprintf(b.approval, sizeof(b.approval), "1:nobody,");
    assert_int_equal(eseal_grant_check(&b), ESEAL_EINVAL);
    b = g;
    char many[ESEAL_GRANT_TYPES_MAX * (ESEAL_DOC_TYPE_MAX + 1)] = "";
    for (int i = 0; i <= ESEAL_GRANT_TYPES_MAX; i++) {
        size_t n = strlen(many);
        (void)snprintf(many + n, sizeof(many) - n, "%st%d", i > 0 ? "," : "", i);
    }
    (void)snprintf(b.types, sizeof(b.types), "%s", many); /* 17 types */
    assert_int_equal(eseal_grant_check(&b), ESEAL_EINVAL);
}

static void test_narrows(void **state)
{
    (void)state;
    eseal_grant p = grant("grt_00000000000000p1", ESEAL_GRANT_TO_USER, "lena");
    p.delegable = 1;
    p.not_before_ms = T0;
    p.not_after_ms = T0 + 7 * 86400000LL;
    p.max_uses = 10;
    p.uses = 4;
    (void)snprintf(p.types, sizeof(p.types), "contract,invoice");
    (void)snprintf(p.approval, sizeof(p.approval), "1:@approver");
    eseal_grant c = grant("grt_00000000000000c1", ESEAL_GRANT_TO_USER, "li");
    (void)snprintf(c.parent, sizeof(c.parent), "%s", p.id);
    c.not_before_ms = T0 + 86400000LL;
    c.not_after_ms = T0 + 2 * 86400000LL;
    c.max_uses = 6; /* all it has left */
    (void)snprintf(c.types, sizeof(c.types), "invoice");
    (void)snprintf(c.approval, sizeof(c.approval), "1:@approver");
    assert_int_equal(eseal_grant_narrows(&c, &p), ESEAL_OK);

    eseal_grant w = c;
    w.max_uses = 7; /* more than is left */
    assert_int_equal(eseal_grant_narrows(&w, &p), ESEAL_EDENIED);
    w = c;
    w.max_uses = 0; /* no limit under a limited parent */
    assert_int_equal(eseal_grant_narrows(&w, &p), ESEAL_EDENIED);
    w = c;
    w.not_after_ms = 0; /* no end under a parent that ends */
    assert_int_equal(eseal_grant_narrows(&w, &p), ESEAL_EDENIED);
    w = c;
    w.not_after_ms = p.not_after_ms + 1;
    assert_int_equal(eseal_grant_narrows(&w, &p), ESEAL_EDENIED);
    w = c;
    w.not_before_ms = p.not_before_ms - 1;
    assert_int_equal(eseal_grant_narrows(&w, &p), ESEAL_EDENIED);
    w = c;
    w.types[0] = '\0'; /* any type, under a parent that limits them */
    assert_int_equal(eseal_grant_narrows(&w, &p), ESEAL_EDENIED);
    w = c;
    (void)snprintf(w.types, sizeof(w.types), "invoice,payslip");
    assert_int_equal(eseal_grant_narrows(&w, &p), ESEAL_EDENIED);
    w = c;
    w.approval[0] = '\0'; /* without the approval its parent needs */
    assert_int_equal(eseal_grant_narrows(&w, &p), ESEAL_EDENIED);
    w = c;
    (void)snprintf(w.seal, sizeof(w.seal), "ES-OTHER");
    assert_int_equal(eseal_grant_narrows(&w, &p), ESEAL_EDENIED);
    eseal_grant q = p;
    q.delegable = 0;
    assert_int_equal(eseal_grant_narrows(&c, &q), ESEAL_EDENIED);
    q = p;
    q.revoked_ms = T0;
    assert_int_equal(eseal_grant_narrows(&c, &q), ESEAL_EDENIED);
    q = p;
    (void)snprintf(q.templates, sizeof(q.templates), "%s", H1);
    assert_int_equal(eseal_grant_narrows(&c, &q), ESEAL_EDENIED); /* the child would allow any document */
    w = c;
    (void)snprintf(w.templates, sizeof(w.templates), "%s", H1);
    assert_int_equal(eseal_grant_narrows(&w, &q), ESEAL_OK);
    (void)snprintf(w.templates, sizeof(w.templates), "%s", H2);
    assert_int_equal(eseal_grant_narrows(&w, &q), ESEAL_EDENIED);
}

static void test_decide_basics(void **state)
{
    (void)state;
    const char *stamper[] = {"stamper"}, *auditor[] = {"auditor"};
    eseal_principal lena = test_user("lena", ORG, stamper, 1);
    eseal_principal ann = test_user("ann", ORG, auditor, 1);
    eseal_principal other = test_user("lena", "org_ffffffffffffffff", stamper, 1);
    eseal_principal op = ESEAL_PRINCIPAL_INIT;
    op.kind = ESEAL_PRINCIPAL_OPERATOR;
    op.id = "root";
    es_grant_use u = use_at(T0);

    assert_string_equal(decide(&lena, &u, NULL, 0), ESEAL_REFUSAL_NO_GRANT);
    eseal_grant g[2] = {grant("grt_000000000000role", ESEAL_GRANT_TO_ROLE, "stamper"),
                        grant("grt_000000000000user", ESEAL_GRANT_TO_USER, "ann")};
    assert_string_equal(decide(&lena, &u, g, 2), "ALLOWED:grt_000000000000role");
    assert_string_equal(decide(&ann, &u, g, 2), "ALLOWED:grt_000000000000user");
    assert_string_equal(decide(&other, &u, g, 2), ESEAL_REFUSAL_NO_GRANT); /* another organisation's user */
    assert_string_equal(decide(&op, &u, g, 2), ESEAL_REFUSAL_NO_GRANT);    /* grants are for users */
    g[0].revoked_ms = T0 - 1;
    assert_string_equal(decide(&lena, &u, g, 2), ESEAL_REFUSAL_NO_GRANT);
    g[0].revoked_ms = 0;
    es_grant_use v = u;
    v.seal = "ES-ANOTHER-SEAL";
    assert_string_equal(decide(&lena, &v, g, 2), ESEAL_REFUSAL_NO_GRANT);
    v = u;
    v.seal_org = "org_ffffffffffffffff"; /* the seal is another organisation's: nothing of ours applies */
    assert_string_equal(decide(&lena, &v, g, 2), ESEAL_REFUSAL_NO_GRANT);
}

static void test_decide_window_quota_limits(void **state)
{
    (void)state;
    const char *stamper[] = {"stamper"};
    eseal_principal lena = test_user("lena", ORG, stamper, 1);
    const int64_t T = T0 + 3600000; /* the window ends at T */
    eseal_grant g = grant("grt_0000000000window", ESEAL_GRANT_TO_USER, "lena");
    g.not_before_ms = T0;
    g.not_after_ms = T;
    es_grant_use u = use_at(T0 - 1);
    assert_string_equal(decide(&lena, &u, &g, 1), ESEAL_REFUSAL_GRANT_NOT_YET_VALID);
    u.now_ms = T0;
    assert_string_equal(decide(&lena, &u, &g, 1), "ALLOWED:grt_0000000000window");
    u.now_ms = T;
    assert_string_equal(decide(&lena, &u, &g, 1), "ALLOWED:grt_0000000000window");
    u.now_ms = T + 1000; /* T + 1 s: refused, and nothing ran in between */
    assert_string_equal(decide(&lena, &u, &g, 1), ESEAL_REFUSAL_GRANT_EXPIRED);
    es_grant_decision d = es_grant_decide(&lena, &u, &g, 1);
    assert_non_null(strstr(d.reason, "ended at"));

    u.now_ms = T0 + 1;
    g.max_uses = 2;
    g.uses = 1;
    assert_string_equal(decide(&lena, &u, &g, 1), "ALLOWED:grt_0000000000window");
    g.uses = 2;
    assert_string_equal(decide(&lena, &u, &g, 1), ESEAL_REFUSAL_QUOTA_EXHAUSTED);
    g.uses = 0;

    (void)snprintf(g.types, sizeof(g.types), "contract,invoice");
    assert_string_equal(decide(&lena, &u, &g, 1), ESEAL_REFUSAL_DOCUMENT_TYPE_NOT_ALLOWED); /* none declared */
    u.doc_type = "payslip";
    assert_string_equal(decide(&lena, &u, &g, 1), ESEAL_REFUSAL_DOCUMENT_TYPE_NOT_ALLOWED);
    u.doc_type = "contrac"; /* a prefix is not the type */
    assert_string_equal(decide(&lena, &u, &g, 1), ESEAL_REFUSAL_DOCUMENT_TYPE_NOT_ALLOWED);
    u.doc_type = "invoice";
    assert_string_equal(decide(&lena, &u, &g, 1), "ALLOWED:grt_0000000000window");

    (void)snprintf(g.templates, sizeof(g.templates), "%s", H1);
    assert_string_equal(decide(&lena, &u, &g, 1), ESEAL_REFUSAL_DOCUMENT_NOT_ALLOWED);
    u.template_sha256 = H2;
    assert_string_equal(decide(&lena, &u, &g, 1), ESEAL_REFUSAL_DOCUMENT_NOT_ALLOWED);
    u.template_sha256 = H1;
    assert_string_equal(decide(&lena, &u, &g, 1), "ALLOWED:grt_0000000000window");
    u.template_sha256 = NULL; /* not read yet: the template limit waits */
    u.template_unknown = true;
    assert_string_equal(decide(&lena, &u, &g, 1), "ALLOWED:grt_0000000000window");
    u.template_unknown = false;
    u.template_sha256 = H1;

    (void)snprintf(g.approval, sizeof(g.approval), "1:@approver");
    assert_string_equal(decide(&lena, &u, &g, 1), ESEAL_REFUSAL_APPROVAL_REQUIRED);
    u.approved_policy = "1:@legal"; /* approved under another policy: not this grant's approval */
    assert_string_equal(decide(&lena, &u, &g, 1), ESEAL_REFUSAL_APPROVAL_REQUIRED);
    u.approved_policy = "1:@approver";
    assert_string_equal(decide(&lena, &u, &g, 1), "ALLOWED:grt_0000000000window");
}

static void test_decide_several(void **state)
{
    (void)state;
    const char *stamper[] = {"stamper"};
    eseal_principal lena = test_user("lena", ORG, stamper, 1);
    es_grant_use u = use_at(T0);
    eseal_grant g[3] = {grant("grt_00000000expired1", ESEAL_GRANT_TO_USER, "lena"),
                        grant("grt_0000000approval1", ESEAL_GRANT_TO_ROLE, "stamper"),
                        grant("grt_0000000000direct", ESEAL_GRANT_TO_ROLE, "stamper")};
    g[0].not_after_ms = T0 - 1;
    (void)snprintf(g[1].approval, sizeof(g[1].approval), "1:@approver");
    g[2].max_uses = 1;
    g[2].uses = 1;
    /* none allows: the refusal of the one that got furthest (approval), not of the first */
    es_grant_decision d = es_grant_decide(&lena, &u, g, 3);
    assert_string_equal(d.refusal, ESEAL_REFUSAL_APPROVAL_REQUIRED);
    assert_string_equal(d.grant->id, "grt_0000000approval1");
    assert_non_null(strstr(d.reason, "grt_0000000approval1"));
    /* one allows directly: it does, wherever it is in the list */
    g[2].uses = 0;
    assert_string_equal(decide(&lena, &u, g, 3), "ALLOWED:grt_0000000000direct");
    /* two refuse at the same stage: the first is named */
    eseal_grant two[2] = {grant("grt_000000000first01", ESEAL_GRANT_TO_USER, "lena"),
                          grant("grt_00000000second01", ESEAL_GRANT_TO_USER, "lena")};
    two[0].not_after_ms = two[1].not_after_ms = T0 - 1;
    d = es_grant_decide(&lena, &u, two, 2);
    assert_string_equal(d.refusal, ESEAL_REFUSAL_GRANT_EXPIRED);
    assert_string_equal(d.grant->id, "grt_000000000first01");
    /* two allow: the first */
    g[0].not_after_ms = 0;
    assert_string_equal(decide(&lena, &u, g, 3), "ALLOWED:grt_00000000expired1");
}

static void test_decide_delegation(void **state)
{
    (void)state;
    const char *stamper[] = {"stamper"};
    eseal_principal li = test_user("li", ORG, stamper, 1);
    eseal_grant g[3] = {grant("grt_00000000parent01", ESEAL_GRANT_TO_USER, "lena"),
                        grant("grt_00000000child001", ESEAL_GRANT_TO_USER, "li"),
                        grant("grt_00000000grandch1", ESEAL_GRANT_TO_USER, "wu")};
    g[0].delegable = 1;
    g[0].not_after_ms = T0 + 86400000LL;
    g[0].max_uses = 3;
    (void)snprintf(g[1].parent, sizeof(g[1].parent), "%s", g[0].id);
    g[1].delegable = 1;
    g[1].not_after_ms = T0 + 86400000LL;
    g[1].max_uses = 3;
    (void)snprintf(g[2].parent, sizeof(g[2].parent), "%s", g[1].id);
    es_grant_use u = use_at(T0);
    assert_string_equal(decide(&li, &u, g, 3), "ALLOWED:grt_00000000child001");
    es_grant_decision dc = es_grant_decide(&li, &u, g, 3); /* the chain that counts the use: child, parent */
    assert_int_equal(dc.chain_len, 2);
    assert_ptr_equal(dc.chain[0], &g[1]);
    assert_ptr_equal(dc.chain[1], &g[0]);
    /* the delegate does not get the parent's own grant, nor the grandchild's */
    eseal_principal lena = test_user("lena", ORG, stamper, 1), wu = test_user("wu", ORG, stamper, 1);
    assert_string_equal(decide(&lena, &u, g, 3), "ALLOWED:grt_00000000parent01");
    assert_string_equal(decide(&wu, &u, g, 3), "ALLOWED:grt_00000000grandch1");

    /* the parent revoked: the child and the grandchild end with it */
    g[0].revoked_ms = T0 - 1;
    assert_string_equal(decide(&li, &u, g, 3), ESEAL_REFUSAL_NO_GRANT);
    assert_string_equal(decide(&wu, &u, g, 3), ESEAL_REFUSAL_NO_GRANT);
    g[0].revoked_ms = 0;
    /* the parent's window ended: so did the child's, though its own says later */
    g[0].not_after_ms = T0 - 1;
    g[1].not_after_ms = T0 + 86400000LL;
    es_grant_decision d = es_grant_decide(&li, &u, g, 3);
    assert_string_equal(d.refusal, ESEAL_REFUSAL_GRANT_EXPIRED);
    assert_non_null(strstr(d.reason, "grt_00000000parent01"));
    g[0].not_after_ms = T0 + 86400000LL;
    /* a use counts against the whole chain: the parent's quota spent ends the child */
    g[0].uses = 3;
    assert_string_equal(decide(&li, &u, g, 3), ESEAL_REFUSAL_QUOTA_EXHAUSTED);
    assert_string_equal(decide(&wu, &u, g, 3), ESEAL_REFUSAL_QUOTA_EXHAUSTED);
    g[0].uses = 0;
    /* the parent's limits bind the child even if the child says nothing of them */
    (void)snprintf(g[0].types, sizeof(g[0].types), "contract");
    u.doc_type = "invoice";
    assert_string_equal(decide(&li, &u, g, 3), ESEAL_REFUSAL_DOCUMENT_TYPE_NOT_ALLOWED);
    u.doc_type = "contract";
    assert_string_equal(decide(&li, &u, g, 3), "ALLOWED:grt_00000000child001");
    /* a parent that is not among the seal's grants (deleted, of another seal): nothing */
    assert_string_equal(decide(&li, &u, &g[1], 2), ESEAL_REFUSAL_NO_GRANT);
    /* a loop of parents ends the walk: no grant */
    (void)snprintf(g[0].parent, sizeof(g[0].parent), "%s", g[2].id);
    assert_string_equal(decide(&li, &u, g, 3), ESEAL_REFUSAL_NO_GRANT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_approval_policy),
        cmocka_unit_test(test_grant_check),
        cmocka_unit_test(test_narrows),
        cmocka_unit_test(test_decide_basics),
        cmocka_unit_test(test_decide_window_quota_limits),
        cmocka_unit_test(test_decide_several),
        cmocka_unit_test(test_decide_delegation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
