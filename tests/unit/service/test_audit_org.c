/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An organisation's auditor reads the audit entries about its organisation's accounts
 * (eseal_instance_audit_read, src/service/owner.c entry_org; the entry's `org` line,
 * docs/audit-log.md): what the platform's side does to a user of A (added by the local operator,
 * roles changed, a token made and revoked), and A's users' failed and throttled logins, are on A's
 * trail and on no other; a login that names nobody is on the platform's side only, also once a
 * user of that login is made later; a platform administrator who is a member of A adding a user to
 * B is on B's trail, not A's. Password hashing runs with cheap parameters (ESEAL_PW_PARAMS).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "eseal/eseal.h"
#include "../test_instance.h"
#include "../test_principal.h"

#define PASS "audit-org-test-pass"
#define GOOD_PW "Correct-Horse-Battery-9071"
#define MAX_SEEN 256

static char tmpl[64];
static char ihome[600];
static eseal_instance *inst;
static eseal_org org_a, org_b;
static eseal_context *ctx;
static int64_t clock_ms;

static int64_t test_clock(void *payload)
{
    (void)payload;
    return clock_ms;
}

static const char *const auditor_roles[] = {"auditor"};
static const char *const padmin_roles[] = {"platform-admin"};

/* One entry a reader was given: its type, actor, recorded org line, the org the read gave, detail. */
typedef struct {
    char type[64];
    char actor[64];
    char recorded[72]; /* the entry's org line, "" when absent */
    char org[40];      /* what eseal_instance_audit_read said the entry's organisation is */
    char detail[256];
} seen_entry;

typedef struct {
    seen_entry e[MAX_SEEN];
    size_t n;
} seen;

static int collect(uint64_t index, const eseal_audit_entry *e, const char *org, void *payload)
{
    (void)index;
    seen *s = payload;
    assert_true(s->n < MAX_SEEN);
    seen_entry *x = &s->e[s->n++];
    (void)snprintf(x->type, sizeof(x->type), "%s", e->type);
    (void)snprintf(x->actor, sizeof(x->actor), "%s", e->actor != NULL ? e->actor : "");
    (void)snprintf(x->recorded, sizeof(x->recorded), "%s", e->org != NULL ? e->org : "");
    (void)snprintf(x->org, sizeof(x->org), "%s", org);
    (void)snprintf(x->detail, sizeof(x->detail), "%s", e->detail != NULL ? e->detail : "");
    return 0;
}

/* Everything `who` reads of the trail (in pages of 7: the paging must not change what is seen). */
static void read_all(const eseal_principal *who, seen *s)
{
    memset(s, 0, sizeof(*s));
    uint64_t from = 0, next = 0, size = test_log_size(inst);
    while (from < size) {
        assert_int_equal(eseal_instance_audit_read(inst, who, from, 7, collect, s, &next), ESEAL_OK);
        assert_true(next > from);
        from = next;
    }
}

/* How many entries of `type` whose actor is `actor` (NULL: any) and whose detail holds `needle`
 * (NULL: any) `s` holds. */
static int count(const seen *s, const char *type, const char *actor, const char *needle)
{
    int n = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->e[i].type, type) == 0 && (actor == NULL || strcmp(s->e[i].actor, actor) == 0) &&
            (needle == NULL || strstr(s->e[i].detail, needle) != NULL)) {
            n++;
        }
    }
    return n;
}

static int setup(void **state)
{
    (void)state;
    setenv("ESEAL_PW_PARAMS", "1,8192,1", 1);
    (void)snprintf(tmpl, sizeof(tmpl), "/tmp/eseal-audit-org-XXXXXX");
    test_instance_init(tmpl, ihome, sizeof(ihome), PASS);
    inst = test_instance_open(ihome, PASS);
    /* the instance's clock, moved by the test (close to now: entries still get their time tokens) */
    assert_int_equal(eseal_context_new(&ctx), ESEAL_OK);
    clock_ms = eseal_context_now(NULL);
    assert_int_equal(eseal_context_set_clock(ctx, test_clock, NULL), ESEAL_OK);
    assert_int_equal(eseal_instance_set_context(inst, ctx), ESEAL_OK);
    assert_int_equal(eseal_org_add(inst, test_who(), &org_a, "Alpha Trading Ltd", "91110000MA01ABCDEX"), ESEAL_OK);
    assert_int_equal(eseal_org_add(inst, test_who(), &org_b, "Beta Works", NULL), ESEAL_OK);
    eseal_user u;
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "zed", NULL, org_a.id, "auditor", GOOD_PW), ESEAL_OK);
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "bzed", NULL, org_b.id, "auditor", GOOD_PW), ESEAL_OK);
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "root", NULL, org_a.id, "platform-admin", GOOD_PW),
                     ESEAL_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    (void)eseal_instance_set_context(inst, NULL);
    eseal_context_free(ctx);
    return test_instance_done(inst, tmpl);
}

static void auditors_see_their_organisations_accounts(void **state)
{
    (void)state;
    eseal_identity id;
    int64_t wait = 0;
    eseal_user u;
    /* the local operator adds alice to A and changes her roles */
    clock_ms += 1000;
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "alice", NULL, org_a.id, "stamper", GOOD_PW), ESEAL_OK);
    uint64_t added_at = test_log_size(inst) - 1;
    assert_int_equal(eseal_user_set_roles(inst, test_who(), "alice", "approver,stamper"), ESEAL_OK);
    /* a token made for her and revoked; the revoked token tried */
    char tok[ESEAL_TOKEN_MAX + 1];
    eseal_token_info ti;
    assert_int_equal(eseal_token_create(inst, test_who(), "alice", NULL, 0, tok, &ti), ESEAL_OK);
    assert_int_equal(eseal_token_revoke(inst, test_who(), ti.id), ESEAL_OK);
    assert_int_equal(eseal_auth_token(inst, &id, tok, "203.0.113.5"), ESEAL_EAUTH);
    /* her logins: one good, three wrong, then throttled */
    assert_int_equal(eseal_auth_password(inst, &id, "alice", GOOD_PW, "203.0.113.1", &wait), ESEAL_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(eseal_auth_password(inst, &id, "alice", "not-her-password", "203.0.113.1", &wait),
                         ESEAL_EAUTH);
    }
    assert_int_equal(eseal_auth_password(inst, &id, "alice", GOOD_PW, "203.0.113.1", &wait), ESEAL_ERATE);
    /* a login that names nobody, which later becomes a user of A */
    assert_int_equal(eseal_auth_password(inst, &id, "nobody", "not-a-password", "203.0.113.2", &wait), ESEAL_EAUTH);
    assert_int_equal(eseal_auth_password(inst, &id, "latecomer", "not-a-password", "203.0.113.2", &wait),
                     ESEAL_EAUTH);
    clock_ms += 1000;
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "latecomer", NULL, org_a.id, "stamper", GOOD_PW), ESEAL_OK);
    /* a platform administrator, member of A, adds a user to B */
    eseal_principal root = test_user("root", org_a.id, padmin_roles, 1);
    assert_int_equal(eseal_user_add(inst, &root, &u, "bill", NULL, org_b.id, "stamper", GOOD_PW), ESEAL_OK);

    /* the entry as written: its org line is A's id */
    eseal_audit_entry_parsed p;
    test_log_entry(inst, &p, added_at);
    assert_string_equal(p.e.type, "user.added");
    assert_string_equal(p.e.org, org_a.id);
    eseal_audit_entry_parsed_dispose(&p);

    static seen a, b, all;
    eseal_principal zed = test_user("zed", org_a.id, auditor_roles, 1);
    eseal_principal bzed = test_user("bzed", org_b.id, auditor_roles, 1);
    read_all(&zed, &a);
    read_all(&bzed, &b);
    read_all(test_who(), &all);

    /* A's auditor: A's accounts, every entry A's */
    assert_int_equal(count(&a, "org.added", "tester", org_a.id), 1);
    assert_int_equal(count(&a, "user.added", "tester", "alice of"), 1);
    assert_int_equal(count(&a, "user.roles", "tester", "alice: stamper -> approver,stamper"), 1);
    assert_int_equal(count(&a, "token.created", "tester", ti.id), 1);
    assert_int_equal(count(&a, "token.revoked", "tester", ti.id), 1);
    assert_int_equal(count(&a, "auth.failed", ti.id, "revoked token"), 1);
    assert_int_equal(count(&a, "auth.login", "alice", NULL), 1);
    assert_int_equal(count(&a, "auth.failed", "alice", "wrong password"), 3);
    assert_int_equal(count(&a, "auth.throttled", "alice", NULL), 1);
    assert_int_equal(count(&a, "user.added", "tester", "latecomer of"), 1);
    assert_int_equal(count(&a, "user.added", "tester", "zed of"), 1);
    for (size_t i = 0; i < a.n; i++) {
        assert_string_equal(a.e[i].org, org_a.id);
    }
    /* ... and nothing of B, nor of nobody: the unknown logins, bill (added to B by A's member) */
    assert_int_equal(count(&a, "org.added", NULL, org_b.id), 0);
    assert_int_equal(count(&a, "user.added", NULL, "bill of"), 0);
    assert_int_equal(count(&a, "user.added", NULL, "bzed of"), 0);
    assert_int_equal(count(&a, "auth.failed", "nobody", NULL), 0);
    assert_int_equal(count(&a, "auth.failed", "latecomer", NULL), 0);

    /* B's auditor: B's accounts only */
    assert_int_equal(count(&b, "org.added", "tester", org_b.id), 1);
    assert_int_equal(count(&b, "user.added", "root", "bill of"), 1);
    assert_int_equal(count(&b, "user.added", "tester", "bzed of"), 1);
    for (size_t i = 0; i < b.n; i++) {
        assert_string_equal(b.e[i].org, org_b.id);
    }
    assert_int_equal(count(&b, "user.added", NULL, "alice of"), 0);
    assert_int_equal(count(&b, "auth.failed", NULL, NULL), 0);
    assert_int_equal(count(&b, "auth.failed", "nobody", NULL), 0);

    /* the platform's side: all of it; the unknown logins' failures are nobody's, recorded without org */
    assert_int_equal(count(&all, "auth.failed", "nobody", "no such login"), 1);
    assert_int_equal(count(&all, "auth.failed", "latecomer", "no such login"), 1);
    for (size_t i = 0; i < all.n; i++) {
        if (strcmp(all.e[i].actor, "nobody") == 0 || strcmp(all.e[i].actor, "latecomer") == 0) {
            assert_string_equal(all.e[i].recorded, "");
            assert_string_equal(all.e[i].org, "");
        }
        if (strcmp(all.e[i].type, "user.added") == 0 && strstr(all.e[i].detail, "bill of") != NULL) {
            assert_string_equal(all.e[i].recorded, org_b.id);
        }
    }
    assert_int_equal(count(&all, "user.added", NULL, NULL), 6); /* zed, bzed, root, alice, latecomer, bill */
    assert_true(all.n > a.n + b.n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(auditors_see_their_organisations_accounts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
