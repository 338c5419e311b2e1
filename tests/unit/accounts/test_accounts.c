/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Organisations, users, roles and tokens through the front door (eseal/accounts.h): who may do
 * what (the policy's rules), what each sees, the audit entries, and authentication with its
 * throttling. Password hashing runs with cheap parameters (ESEAL_PW_PARAMS) to stay fast.
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

#define PASS "accounts-test-pass"
#define GOOD_PW "Correct-Horse-Battery-9071"

static char tmpl[64];
static char ihome[600];
static eseal_instance *inst;
static eseal_org org_a, org_b;

/* A user principal as the server would make it from a credential. */
static int setup(void **state)
{
    (void)state;
    setenv("ESEAL_PW_PARAMS", "1,8192,1", 1);
    (void)snprintf(tmpl, sizeof(tmpl), "/tmp/eseal-accounts-XXXXXX");
    test_instance_init(tmpl, ihome, sizeof(ihome), PASS);
    inst = test_instance_open(ihome, PASS);
    assert_int_equal(eseal_org_add(inst, test_who(), &org_a, "Alpha Trading Ltd", "91110000MA01ABCDEX"), ESEAL_OK);
    assert_int_equal(eseal_org_add(inst, test_who(), &org_b, "Beta Works", NULL), ESEAL_OK);
    eseal_user u;
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "ada", "Ada A.", org_a.id, "org-admin", GOOD_PW), ESEAL_OK);
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "sam", NULL, org_a.id, "stamper", GOOD_PW), ESEAL_OK);
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "bob", NULL, "Beta Works", "org-admin,auditor", GOOD_PW),
                     ESEAL_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_instance_done(inst, tmpl);
}

/* The newest entry of the audit log. */
static void last_entry(eseal_audit_entry_parsed *p)
{
    uint64_t n = test_log_size(inst);
    assert_true(n > 0);
    test_log_entry(inst, p, n - 1);
}

static void test_orgs(void **state)
{
    (void)state;
    assert_int_equal(strlen(org_a.id), ESEAL_ORG_ID_LEN);
    assert_true(strncmp(org_a.id, "org_", 4) == 0);
    assert_string_equal(org_a.uscc, "91110000MA01ABCDEX");
    eseal_org o;
    assert_int_equal(eseal_org_add(inst, test_who(), &o, "Alpha Trading Ltd", NULL), ESEAL_EEXISTS);
    assert_int_equal(eseal_org_add(inst, test_who(), &o, "Gamma", "91110000MA01ABCDEX"), ESEAL_EEXISTS);
    assert_int_equal(eseal_org_add(inst, test_who(), &o, "Gamma", "91110000MA01ABCDE0"), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "unified social credit code"));
    assert_int_equal(eseal_org_add(inst, test_who(), &o, "", NULL), ESEAL_EINVAL);
    assert_int_equal(eseal_org_add(inst, test_who(), &o, "Tab\there", NULL), ESEAL_EINVAL);
    /* found by id, code and name */
    assert_int_equal(eseal_org_find(inst, test_who(), &o, org_a.id), ESEAL_OK);
    assert_string_equal(o.name, "Alpha Trading Ltd");
    assert_int_equal(eseal_org_find(inst, test_who(), &o, "91110000MA01ABCDEX"), ESEAL_OK);
    assert_string_equal(o.id, org_a.id);
    assert_int_equal(eseal_org_find(inst, test_who(), &o, "Beta Works"), ESEAL_OK);
    assert_string_equal(o.id, org_b.id);
    /* the audit entry of an organisation */
    eseal_org g;
    assert_int_equal(eseal_org_add(inst, test_who(), &g, "Gamma Audit Co", NULL), ESEAL_OK);
    eseal_audit_entry_parsed p;
    last_entry(&p);
    assert_string_equal(p.e.type, "org.added");
    assert_string_equal(p.e.actor, "tester");
    assert_string_equal(p.e.policy_rule, "local-operator");
    assert_non_null(strstr(p.e.detail, g.id));
    eseal_audit_entry_parsed_dispose(&p);
}

/* An organisation identified by an ETSI EN 319 412-1 identifier: added by the platform's side only
 * (the policy before the identifier is looked at), its audit entry names it, found by it exactly,
 * invisible to another organisation's user like any other organisation. */
static void test_org_identifier(void **state)
{
    (void)state;
    const char *admin_roles[] = {"org-admin"};
    eseal_principal ada = test_user("ada", org_a.id, admin_roles, 1);
    eseal_org o;
    assert_int_equal(eseal_org_add_ext(inst, &ada, &o, "Deutsche Siegel GmbH", NULL, "VATDE-811569869"), ESEAL_EDENIED);
    assert_int_equal(eseal_org_add_ext(inst, &ada, &o, "Deutsche Siegel GmbH", NULL, "LEIXG-5493001KJTIIGC8Y1R13"),
                     ESEAL_EDENIED); /* refused by the policy first: a bad identifier does not matter */
    assert_int_equal(eseal_org_find(inst, test_who(), &o, "Deutsche Siegel GmbH"), ESEAL_ENOTFOUND);
    eseal_org de;
    assert_int_equal(eseal_org_add_ext(inst, test_who(), &de, "Deutsche Siegel GmbH", "", "VATDE-811569869"), ESEAL_OK);
    eseal_audit_entry_parsed p;
    last_entry(&p);
    assert_string_equal(p.e.type, "org.added");
    char want[200];
    (void)snprintf(want, sizeof(want), "%s \"Deutsche Siegel GmbH\" identifier VATDE-811569869", de.id);
    assert_string_equal(p.e.detail, want);
    eseal_audit_entry_parsed_dispose(&p);
    /* a refusal writes no entry */
    uint64_t before = test_log_size(inst);
    assert_int_equal(eseal_org_add_ext(inst, test_who(), &o, "Zweite GmbH", NULL, "VATDE-811569869"), ESEAL_EEXISTS);
    assert_int_equal(eseal_org_add_ext(inst, test_who(), &o, "Dritte GmbH", NULL, "NTRDE-"), ESEAL_EINVAL);
    assert_int_equal(test_log_size(inst), before);
    /* found by it, exactly; another organisation's user does not see it, by any reference */
    assert_int_equal(eseal_org_find(inst, test_who(), &o, "VATDE-811569869"), ESEAL_OK);
    assert_string_equal(o.id, de.id);
    assert_int_equal(eseal_org_find(inst, test_who(), &o, "VATDE-811569869 "), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_org_find(inst, &ada, &o, "VATDE-811569869"), ESEAL_ENOTFOUND);
    assert_string_equal(eseal_error_last()->message, "no organisation 'VATDE-811569869'");
    /* and a user is added to it by its identifier */
    eseal_user u;
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "dora", NULL, "VATDE-811569869", "seal-keeper", GOOD_PW),
                     ESEAL_OK);
    assert_string_equal(u.org_id, de.id);
}

static int count_org(const eseal_org *o, void *ctx)
{
    (void)o;
    (*(int *)ctx)++;
    return 0;
}

static int count_user(const eseal_user *u, void *ctx)
{
    (void)u;
    (*(int *)ctx)++;
    return 0;
}

static void test_what_each_sees(void **state)
{
    (void)state;
    const char *admin_roles[] = {"org-admin"};
    const char *stamper_roles[] = {"stamper"};
    eseal_principal ada = test_user("ada", org_a.id, admin_roles, 1);
    eseal_principal sam = test_user("sam", org_a.id, stamper_roles, 1);
    eseal_org o;
    /* another organisation does not exist for a user */
    assert_int_equal(eseal_org_find(inst, &ada, &o, org_a.id), ESEAL_OK);
    assert_int_equal(eseal_org_find(inst, &ada, &o, org_b.id), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_org_find(inst, &ada, &o, "Beta Works"), ESEAL_ENOTFOUND);
    assert_non_null(strstr(eseal_error_last()->message, "no organisation"));
    int n = 0;
    assert_int_equal(eseal_org_list(inst, &ada, count_org, &n), ESEAL_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(eseal_org_list(inst, test_who(), count_org, &n), ESEAL_OK);
    assert_true(n >= 2);
    /* users: the admin sees its organisation's, the stamper itself only */
    eseal_user u;
    assert_int_equal(eseal_user_find(inst, &ada, &u, "sam"), ESEAL_OK);
    assert_int_equal(eseal_user_find(inst, &ada, &u, "bob"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_user_find(inst, &sam, &u, "sam"), ESEAL_OK);
    assert_int_equal(eseal_user_find(inst, &sam, &u, "ada"), ESEAL_EDENIED);
    n = 0;
    assert_int_equal(eseal_user_list(inst, &ada, NULL, count_user, &n), ESEAL_OK);
    assert_int_equal(n, 2);
    n = 0;
    assert_int_equal(eseal_user_list(inst, &sam, NULL, count_user, &n), ESEAL_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(eseal_user_list(inst, &ada, "Beta Works", count_user, &n), ESEAL_ENOTFOUND);
}

static void test_who_may_change(void **state)
{
    (void)state;
    const char *admin_roles[] = {"org-admin"};
    const char *stamper_roles[] = {"stamper"};
    const char *padmin_roles[] = {"platform-admin"};
    eseal_principal ada = test_user("ada", org_a.id, admin_roles, 1);
    eseal_principal sam = test_user("sam", org_a.id, stamper_roles, 1);
    eseal_principal root = test_user("pat", org_b.id, padmin_roles, 1);
    eseal_user u;
    /* an organisation admin adds users to its own organisation only */
    assert_int_equal(eseal_user_add(inst, &ada, &u, "kim", NULL, org_a.id, "seal-keeper", GOOD_PW), ESEAL_OK);
    assert_string_equal(u.org_id, org_a.id);
    assert_string_equal(u.roles, "seal-keeper");
    eseal_audit_entry_parsed p;
    last_entry(&p);
    assert_string_equal(p.e.type, "user.added");
    assert_string_equal(p.e.actor, "ada");
    assert_string_equal(p.e.actor_kind, "user");
    assert_string_equal(p.e.policy_rule, "org-admin");
    eseal_audit_entry_parsed_dispose(&p);
    assert_int_equal(eseal_user_add(inst, &ada, &u, "kim2", NULL, org_b.id, "stamper", GOOD_PW), ESEAL_ENOTFOUND);
    /* but never a platform administrator */
    assert_int_equal(eseal_user_add(inst, &ada, &u, "eve", NULL, org_a.id, "platform-admin", GOOD_PW), ESEAL_EDENIED);
    assert_int_equal(eseal_user_set_roles(inst, &ada, "kim", "platform-admin"), ESEAL_EDENIED);
    /* a stamper adds nobody and changes nobody else */
    assert_int_equal(eseal_user_add(inst, &sam, &u, "sue", NULL, org_a.id, "stamper", GOOD_PW), ESEAL_EDENIED);
    assert_int_equal(eseal_user_set_status(inst, &sam, "kim", ESEAL_USER_DISABLED), ESEAL_EDENIED);
    /* a platform administrator does what the operator does */
    assert_int_equal(eseal_user_add(inst, &root, &u, "eve", NULL, org_a.id, "platform-admin,auditor", GOOD_PW),
                     ESEAL_OK);
    assert_string_equal(u.roles, "platform-admin,auditor");
    /* roles are checked and kept in the table's order */
    assert_int_equal(eseal_user_set_roles(inst, &ada, "kim", "stamper,seal-keeper"), ESEAL_OK);
    assert_int_equal(eseal_user_find(inst, &ada, &u, "kim"), ESEAL_OK);
    assert_string_equal(u.roles, "seal-keeper,stamper");
    assert_int_equal(eseal_user_set_roles(inst, &ada, "kim", "stamper,janitor"), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "janitor"));
    assert_int_equal(eseal_user_set_roles(inst, &ada, "kim", "stamper,stamper"), ESEAL_EINVAL);
    assert_int_equal(eseal_user_set_roles(inst, &ada, "kim", ""), ESEAL_EINVAL);
    /* logins */
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "KIM", NULL, org_a.id, "stamper", GOOD_PW), ESEAL_EEXISTS);
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "-x", NULL, org_a.id, "stamper", GOOD_PW), ESEAL_EINVAL);
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "a b", NULL, org_a.id, "stamper", GOOD_PW), ESEAL_EINVAL);
    /* weak passwords */
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "weak", NULL, org_a.id, "stamper", "password"), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "too weak"));
    assert_int_equal(eseal_user_passwd(inst, test_who(), "kim", "kim"), ESEAL_EINVAL);
    /* everyone sets its own password, nobody else's */
    assert_int_equal(eseal_user_passwd(inst, &sam, "sam", "Another-Long-Passphrase-4411"), ESEAL_OK);
    assert_int_equal(eseal_user_passwd(inst, &sam, "kim", "Another-Long-Passphrase-4411"), ESEAL_EDENIED);
    /* disabling twice */
    assert_int_equal(eseal_user_set_status(inst, &ada, "kim", ESEAL_USER_DISABLED), ESEAL_OK);
    assert_int_equal(eseal_user_set_status(inst, &ada, "kim", ESEAL_USER_DISABLED), ESEAL_ESTATE);
    assert_int_equal(eseal_user_set_status(inst, &ada, "kim", ESEAL_USER_ACTIVE), ESEAL_OK);
    /* every change names a principal */
    assert_int_equal(eseal_user_set_status(inst, NULL, "kim", ESEAL_USER_DISABLED), ESEAL_EINVAL);
}

static void test_tokens(void **state)
{
    (void)state;
    const char *stamper_roles[] = {"stamper"};
    const char *bob_roles[] = {"org-admin", "auditor"};
    eseal_principal sam = test_user("sam", org_a.id, stamper_roles, 1);
    eseal_principal bob = test_user("bob", org_b.id, bob_roles, 2);
    char tok[ESEAL_TOKEN_MAX + 1];
    eseal_token_info t;
    assert_int_equal(eseal_token_create(inst, &sam, "sam", "stamp,verify", 0, tok, &t), ESEAL_OK);
    assert_int_equal(strlen(tok), 47);
    assert_true(strncmp(tok, "esk_", 4) == 0);
    assert_string_equal(t.scopes, "stamp,verify");
    assert_string_equal(t.login, "sam");
    /* only for oneself, unless admin; another organisation's user does not exist */
    char tok2[ESEAL_TOKEN_MAX + 1];
    assert_int_equal(eseal_token_create(inst, &sam, "ada", NULL, 0, tok2, NULL), ESEAL_EDENIED);
    assert_int_equal(eseal_token_create(inst, &bob, "sam", NULL, 0, tok2, NULL), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_token_create(inst, &sam, "sam", "stamp,fly", 0, tok2, NULL), ESEAL_EINVAL);
    /* the token authenticates as its user, with its scopes */
    eseal_identity id;
    assert_int_equal(eseal_auth_token(inst, &id, tok, "198.51.100.1"), ESEAL_OK);
    assert_string_equal(id.who.id, "sam");
    assert_string_equal(id.who.organization, org_a.id);
    assert_int_equal(id.who.role_count, 1);
    assert_string_equal(id.who.roles[0], "stamper");
    assert_string_equal(id.token_id, t.id);
    assert_int_equal(eseal_identity_has_scope(&id, "stamp"), 1);
    assert_int_equal(eseal_identity_has_scope(&id, "seals:write"), 0);
    assert_int_equal(eseal_principal_check(&id.who), ESEAL_OK);
    /* a changed character, a foreign string: refused with the same words */
    char bad[ESEAL_TOKEN_MAX + 1];
    memcpy(bad, tok, sizeof(bad));
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    assert_int_equal(eseal_auth_token(inst, &id, bad, NULL), ESEAL_EAUTH);
    assert_string_equal(eseal_error_last()->message, "invalid token");
    assert_int_equal(eseal_auth_token(inst, &id, "ghp_abcdef", NULL), ESEAL_EAUTH);
    eseal_audit_entry_parsed p;
    last_entry(&p);
    assert_string_equal(p.e.type, "auth.failed");
    eseal_audit_entry_parsed_dispose(&p);
    /* revoked: refused; revoked twice: a state error; another organisation's admin cannot */
    assert_int_equal(eseal_token_revoke(inst, &bob, t.id), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_token_revoke(inst, &sam, t.id), ESEAL_OK);
    assert_int_equal(eseal_token_revoke(inst, &sam, t.id), ESEAL_ESTATE);
    assert_int_equal(eseal_auth_token(inst, &id, tok, NULL), ESEAL_EAUTH);
    /* a disabled user's tokens are refused */
    assert_int_equal(eseal_token_create(inst, test_who(), "bob", NULL, 0, tok2, &t), ESEAL_OK);
    assert_string_equal(t.scopes, ESEAL_SCOPE_LIST);
    assert_int_equal(eseal_auth_token(inst, &id, tok2, NULL), ESEAL_OK);
    assert_int_equal(eseal_user_set_status(inst, test_who(), "bob", ESEAL_USER_DISABLED), ESEAL_OK);
    assert_int_equal(eseal_auth_token(inst, &id, tok2, NULL), ESEAL_EAUTH);
    assert_int_equal(eseal_user_set_status(inst, test_who(), "bob", ESEAL_USER_ACTIVE), ESEAL_OK);
    /* an expiry in the past is refused */
    assert_int_equal(eseal_token_create(inst, test_who(), "bob", NULL, 1000, tok2, NULL), ESEAL_EINVAL);
}

static void test_password_login(void **state)
{
    (void)state;
    eseal_identity id;
    int64_t wait = -1;
    assert_int_equal(eseal_auth_password(inst, &id, "Ada", GOOD_PW, "203.0.113.5", &wait), ESEAL_OK);
    assert_int_equal(wait, 0);
    assert_string_equal(id.who.id, "ada");
    assert_string_equal(id.who.organization, org_a.id);
    assert_string_equal(id.token_id, "");
    assert_int_equal(eseal_identity_has_scope(&id, "users:write"), 1);
    eseal_audit_entry_parsed p;
    last_entry(&p);
    assert_string_equal(p.e.type, "auth.login");
    eseal_audit_entry_parsed_dispose(&p);
    /* an unknown login and a wrong password: the same answer */
    assert_int_equal(eseal_auth_password(inst, &id, "nobody", GOOD_PW, "203.0.113.5", &wait), ESEAL_EAUTH);
    assert_string_equal(eseal_error_last()->message, "wrong login or password");
    assert_int_equal(eseal_auth_password(inst, &id, "ada", "wrong-one", "203.0.113.6", &wait), ESEAL_EAUTH);
    assert_string_equal(eseal_error_last()->message, "wrong login or password");
    last_entry(&p);
    assert_string_equal(p.e.type, "auth.failed");
    assert_string_equal(p.e.actor, "ada");
    assert_non_null(strstr(p.e.detail, "wrong password"));
    eseal_audit_entry_parsed_dispose(&p);
    /* the third failure of one login makes the next attempt wait, even with the right password */
    assert_int_equal(eseal_auth_password(inst, &id, "ada", "wrong-two", "203.0.113.7", &wait), ESEAL_EAUTH);
    assert_int_equal(eseal_auth_password(inst, &id, "ada", "wrong-three", "203.0.113.8", &wait), ESEAL_EAUTH);
    assert_int_equal(eseal_auth_password(inst, &id, "ada", GOOD_PW, "203.0.113.9", &wait), ESEAL_ERATE);
    assert_true(wait > 0 && wait <= 1000);
    last_entry(&p);
    assert_string_equal(p.e.type, "auth.throttled");
    eseal_audit_entry_parsed_dispose(&p);
    /* another login from another address is not held back */
    assert_int_equal(eseal_auth_password(inst, &id, "sam", "Another-Long-Passphrase-4411", "203.0.113.10", &wait),
                     ESEAL_OK);
    /* a disabled user: the same words as a wrong password */
    assert_int_equal(eseal_user_set_status(inst, test_who(), "sam", ESEAL_USER_DISABLED), ESEAL_OK);
    assert_int_equal(eseal_auth_password(inst, &id, "sam", "Another-Long-Passphrase-4411", "203.0.113.11", &wait),
                     ESEAL_EAUTH);
    assert_string_equal(eseal_error_last()->message, "wrong login or password");
    assert_int_equal(eseal_user_set_status(inst, test_who(), "sam", ESEAL_USER_ACTIVE), ESEAL_OK);
}

static int64_t clock_ms;
static int64_t test_clock(void *payload)
{
    (void)payload;
    return clock_ms;
}

static void test_sessions(void **state)
{
    (void)state;
    eseal_identity id, again;
    int64_t wait = 0;
    assert_int_equal(eseal_auth_password(inst, &id, "bob", GOOD_PW, "203.0.113.20", &wait), ESEAL_OK);
    char s1[ESEAL_SESSION_MAX + 1], c1[ESEAL_SESSION_MAX + 1];
    assert_int_equal(eseal_session_open(inst, &id, s1, c1), ESEAL_OK);
    assert_int_equal(strlen(s1), 43);
    assert_int_equal(strlen(c1), 43);
    assert_string_not_equal(s1, c1);
    /* a safe request needs no CSRF token; an unsafe one needs the right one */
    assert_int_equal(eseal_session_check(inst, &again, s1, NULL, "203.0.113.20"), ESEAL_OK);
    assert_string_equal(again.who.id, "bob");
    assert_string_equal(again.who.organization, org_b.id);
    assert_int_equal(again.who.role_count, 2);
    assert_int_equal(eseal_session_check(inst, &again, s1, c1, NULL), ESEAL_OK);
    assert_int_equal(eseal_session_check(inst, &again, s1, "", NULL), ESEAL_EDENIED);
    assert_non_null(strstr(eseal_error_last()->message, "CSRF"));
    assert_int_equal(eseal_session_check(inst, &again, s1, s1, NULL), ESEAL_EDENIED);
    /* a session from a token is refused; an unknown id is "no session" */
    eseal_identity tok = id;
    (void)snprintf(tok.token_id, sizeof(tok.token_id), "tok_0000000000000000");
    char s2[ESEAL_SESSION_MAX + 1], c2[ESEAL_SESSION_MAX + 1];
    assert_int_equal(eseal_session_open(inst, &tok, s2, c2), ESEAL_EINVAL);
    assert_int_equal(eseal_session_check(inst, &again, "nonsense", NULL, NULL), ESEAL_EAUTH);
    assert_string_equal(eseal_error_last()->message, "no session");
    /* each login is a session of its own; logout ends one */
    assert_int_equal(eseal_session_open(inst, &id, s2, c2), ESEAL_OK);
    assert_string_not_equal(s1, s2);
    assert_int_equal(eseal_session_close(inst, s2), ESEAL_OK);
    assert_int_equal(eseal_session_check(inst, &again, s2, NULL, NULL), ESEAL_EAUTH);
    assert_int_equal(eseal_session_close(inst, s2), ESEAL_OK); /* twice: no error */
    /* a change of roles ends the user's sessions */
    assert_int_equal(eseal_user_set_roles(inst, test_who(), "bob", "org-admin"), ESEAL_OK);
    assert_int_equal(eseal_session_check(inst, &again, s1, NULL, NULL), ESEAL_EAUTH);
    /* idle and absolute expiry, by the instance's clock */
    eseal_context *ctx = NULL;
    assert_int_equal(eseal_context_new(&ctx), ESEAL_OK);
    clock_ms = 1893456000000LL; /* 2030-01-01 */
    assert_int_equal(eseal_context_set_clock(ctx, test_clock, NULL), ESEAL_OK);
    assert_int_equal(eseal_instance_set_context(inst, ctx), ESEAL_OK);
    assert_int_equal(eseal_session_open(inst, &id, s1, c1), ESEAL_OK);
    clock_ms += ESEAL_SESSION_IDLE_MS - 1000;
    assert_int_equal(eseal_session_check(inst, &again, s1, NULL, NULL), ESEAL_OK); /* used: idle again from here */
    clock_ms += ESEAL_SESSION_IDLE_MS + 1;
    assert_int_equal(eseal_session_check(inst, &again, s1, NULL, NULL), ESEAL_EAUTH);
    assert_int_equal(eseal_session_open(inst, &id, s1, c1), ESEAL_OK);
    int64_t opened = clock_ms;
    while (clock_ms - opened <= ESEAL_SESSION_ABSOLUTE_MS - ESEAL_SESSION_IDLE_MS / 2) {
        clock_ms += ESEAL_SESSION_IDLE_MS / 2;
        assert_int_equal(eseal_session_check(inst, &again, s1, NULL, NULL), ESEAL_OK);
    }
    clock_ms = opened + ESEAL_SESSION_ABSOLUTE_MS + 1;
    assert_int_equal(eseal_session_check(inst, &again, s1, NULL, NULL), ESEAL_EAUTH);
    /* a token past its expiry (a clock a minute ahead: the audit entry of the refusal is still
     * time-stamped by the instance's TSA, whose CRL is good for days, not years) */
    assert_int_equal(eseal_instance_set_context(inst, NULL), ESEAL_OK);
    int64_t now = eseal_context_now(NULL);
    char t[ESEAL_TOKEN_MAX + 1];
    assert_int_equal(eseal_token_create(inst, test_who(), "bob", NULL, now + 60000, t, NULL), ESEAL_OK);
    assert_int_equal(eseal_auth_token(inst, &again, t, NULL), ESEAL_OK);
    clock_ms = now + 61000;
    assert_int_equal(eseal_instance_set_context(inst, ctx), ESEAL_OK);
    assert_int_equal(eseal_auth_token(inst, &again, t, NULL), ESEAL_EAUTH);
    assert_int_equal(eseal_instance_set_context(inst, NULL), ESEAL_OK);
    eseal_context_free(ctx);
}

/* A day without a failure forgets the count: the next failure is a first one again. */
static void test_throttle_forgets(void **state)
{
    (void)state;
    eseal_identity id;
    int64_t wait = 0;
    eseal_context *ctx = NULL;
    assert_int_equal(eseal_context_new(&ctx), ESEAL_OK);
    clock_ms = eseal_context_now(NULL);
    assert_int_equal(eseal_context_set_clock(ctx, test_clock, NULL), ESEAL_OK);
    assert_int_equal(eseal_instance_set_context(inst, ctx), ESEAL_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(eseal_auth_password(inst, &id, "kim", "not-it", "198.51.100.77", &wait), ESEAL_EAUTH);
    }
    assert_int_equal(eseal_auth_password(inst, &id, "kim", GOOD_PW, "198.51.100.77", &wait), ESEAL_ERATE);
    /* an hour later the wait is over, but the count is not: one more failure waits again */
    clock_ms += 60LL * 60 * 1000;
    assert_int_equal(eseal_auth_password(inst, &id, "kim", "not-it", "198.51.100.77", &wait), ESEAL_EAUTH);
    assert_int_equal(eseal_auth_password(inst, &id, "kim", GOOD_PW, "198.51.100.77", &wait), ESEAL_ERATE);
    assert_true(wait > 1000); /* the 4th failure: two seconds */
    /* a day and more later: forgotten, one failure is a first one (no wait after it) */
    clock_ms += 25LL * 60 * 60 * 1000;
    assert_int_equal(eseal_auth_password(inst, &id, "kim", "not-it", "198.51.100.77", &wait), ESEAL_EAUTH);
    assert_int_equal(eseal_auth_password(inst, &id, "kim", GOOD_PW, "198.51.100.77", &wait), ESEAL_OK);
    assert_int_equal(eseal_instance_set_context(inst, NULL), ESEAL_OK);
    eseal_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orgs),
        cmocka_unit_test(test_what_each_sees),
        cmocka_unit_test(test_who_may_change),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_password_login),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_throttle_forgets),
        cmocka_unit_test(test_org_identifier),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
