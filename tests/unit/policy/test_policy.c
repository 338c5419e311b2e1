/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy's rules (src/policy/policy.h) on their own, cell by cell: every principal kind and
 * role against every accounts action, on an object of the principal's own organisation, of
 * another one, and of the platform; the rule named for each allowed cell. Then the seals',
 * certificates' and audit trail's rules: every role against every such action, on a seal or
 * certificate of its own organisation, of another one, and of none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../test_principal.h"
#include "policy/policy.h"

/* The rule that allows, or "-" when denied. */
static const char *rule(const eseal_principal *who, es_action a, const es_object *o)
{
    es_decision d = es_policy_may(who, a, o);
    return d.kind == ES_ALLOW ? d.rule : "-";
}

static void test_accounts_rules(void **state)
{
    (void)state;
    const char *admin[] = {"org-admin"}, *stamper[] = {"stamper"}, *padmin[] = {"platform-admin"},
               *auditor[] = {"auditor"};
    eseal_principal ada = test_user("ada", "orgA", admin, 1), sam = test_user("sam", "orgA", stamper, 1),
                    root = test_user("root", "orgB", padmin, 1), zed = test_user("zed", "orgA", auditor, 1);
    eseal_principal op = ESEAL_PRINCIPAL_INIT;
    op.kind = ESEAL_PRINCIPAL_OPERATOR;
    op.id = "alice";
    es_object kim = {"user", "kim", "orgA", "kim"}, self = {"user", "sam", "orgA", "sam"},
              other = {"user", "bob", "orgB", "bob"}, platform = {NULL, NULL, NULL, NULL},
              orgA = {"org", "orgA", "orgA", NULL};
    static const struct {
        es_action a;
        const char *op, *root, *ada_kim, *ada_other, *sam_kim, *sam_self, *zed_kim;
    } cells[] = {
        {ES_ACT_USER_ADD, "local-operator", "platform-admin", "org-admin", "-", "-", "-", "-"},
        {ES_ACT_USER_CHANGE, "local-operator", "platform-admin", "org-admin", "-", "-", "-", "-"},
        {ES_ACT_USER_READ, "local-operator", "platform-admin", "org-admin", "-", "-", "self", "-"},
        {ES_ACT_USER_PASSWD, "local-operator", "platform-admin", "org-admin", "-", "-", "self", "-"},
        {ES_ACT_TOKEN_CREATE, "local-operator", "platform-admin", "org-admin", "-", "-", "self", "-"},
        {ES_ACT_TOKEN_READ, "local-operator", "platform-admin", "org-admin", "-", "-", "self", "-"},
        {ES_ACT_TOKEN_REVOKE, "local-operator", "platform-admin", "org-admin", "-", "-", "self", "-"},
        {ES_ACT_USER_GRANT_ADMIN, "local-operator", "platform-admin", "-", "-", "-", "-", "-"},
        {ES_ACT_SEAL_MAKE, "local-operator", "platform-admin", "-", "-", "-", "-", "-"},
        /* grants: an org-admin or seal-keeper of the organisation changes and revokes them (issue 20 §1) */
        {ES_ACT_GRANT_REVOKE, "local-operator", "platform-admin", "grant-admin", "-", "-", "-", "-"},
        {ES_ACT_GRANT_CHANGE, "local-operator", "platform-admin", "grant-admin", "-", "-", "-", "-"},
        /* stamp requests: the grants and the approval policy decide the rest (governance/request.c) */
        {ES_ACT_REQUEST_SUBMIT, "local-operator", "platform-admin", "member", "-", "member", "member", "member"},
        {ES_ACT_REQUEST_READ, "local-operator", "platform-admin", "member", "-", "member", "member", "member"},
        {ES_ACT_REQUEST_DECIDE, "local-operator", "platform-admin", "member", "-", "member", "member", "member"},
        {ES_ACT_REQUEST_EXECUTE, "local-operator", "platform-admin", "-", "-", "-", "requester", "-"},
    };
    for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
        es_action a = cells[i].a;
        assert_string_equal(rule(&op, a, &kim), cells[i].op);
        assert_string_equal(rule(&root, a, &kim), cells[i].root);
        assert_string_equal(rule(&ada, a, &kim), cells[i].ada_kim);
        assert_string_equal(rule(&ada, a, &other), cells[i].ada_other);
        assert_string_equal(rule(&sam, a, &kim), cells[i].sam_kim);
        assert_string_equal(rule(&sam, a, &self), cells[i].sam_self);
        assert_string_equal(rule(&zed, a, &kim), cells[i].zed_kim);
        /* nothing of the platform as a whole for an organisation's users */
        assert_string_equal(rule(&ada, a, &platform), "-");
        assert_string_equal(rule(&ada, a, NULL), "-");
    }
    /* organisations: added by the platform's side only; read by their members */
    assert_string_equal(rule(&op, ES_ACT_ORG_ADD, &platform), "local-operator");
    assert_string_equal(rule(&root, ES_ACT_ORG_ADD, &platform), "platform-admin");
    assert_string_equal(rule(&ada, ES_ACT_ORG_ADD, &platform), "-");
    assert_string_equal(rule(&sam, ES_ACT_ORG_READ, &orgA), "member");
    es_object orgB = {"org", "orgB", "orgB", NULL};
    assert_string_equal(rule(&sam, ES_ACT_ORG_READ, &orgB), "-");
    /* a user without an organisation is nobody's member */
    eseal_principal lost = test_user("lost", NULL, admin, 1);
    assert_string_equal(rule(&lost, ES_ACT_USER_ADD, &kim), "-");
    /* the reason names another organisation */
    es_decision d = es_policy_may(&ada, ES_ACT_USER_CHANGE, &other);
    assert_non_null(strstr(d.reason, "another organisation"));
    /* a device has no rule yet */
    eseal_principal dev = ESEAL_PRINCIPAL_INIT;
    dev.kind = ESEAL_PRINCIPAL_DEVICE;
    dev.id = "scanner-1";
    assert_string_equal(rule(&dev, ES_ACT_USER_READ, &kim), "-");
    /* a principal that is not one */
    eseal_principal bad = test_user("has space", "orgA", admin, 1);
    assert_string_equal(es_policy_may(&bad, ES_ACT_USER_READ, &kim).rule, "principal-invalid");
}

static void test_seal_rules(void **state)
{
    (void)state;
    const char *keeper[] = {"seal-keeper"}, *stamper[] = {"stamper"}, *admin[] = {"org-admin"},
               *auditor[] = {"auditor"}, *approver[] = {"approver"}, *padmin[] = {"platform-admin"};
    eseal_principal kay = test_user("kay", "orgA", keeper, 1), sam = test_user("sam", "orgA", stamper, 1),
                    ada = test_user("ada", "orgA", admin, 1), zed = test_user("zed", "orgA", auditor, 1),
                    abe = test_user("abe", "orgA", approver, 1), root = test_user("root", "orgB", padmin, 1);
    eseal_principal op = ESEAL_PRINCIPAL_INIT;
    op.kind = ESEAL_PRINCIPAL_OPERATOR;
    op.id = "alice";
    es_object own = {"seal", "ESA", "orgA", NULL}, cert = {"cert", "c1", "orgA", NULL},
              other = {"seal", "ESB", "orgB", NULL}, none = {"seal", "ESN", NULL, NULL};
    static const struct {
        es_action a;
        const char *kay, *sam, *ada, *zed, *abe;
    } cells[] = {
        {ES_ACT_SEAL_READ, "member", "member", "member", "member", "member"},
        {ES_ACT_CERT_READ, "member", "member", "member", "member", "member"},
        {ES_ACT_SEAL_MAKE, "seal-keeper", "-", "-", "-", "-"},
        {ES_ACT_SEAL_TRANSITION, "seal-keeper", "-", "-", "-", "-"},
        {ES_ACT_SEAL_RENEW, "seal-keeper", "-", "-", "-", "-"},
        {ES_ACT_STAMP, "-", "stamper", "-", "-", "-"},
        {ES_ACT_AUDIT_READ, "-", "-", "org-admin", "auditor", "-"},
        {ES_ACT_CERT_ISSUE, "-", "-", "org-admin", "-", "-"},
        {ES_ACT_CERT_REVOKE, "-", "-", "org-admin", "-", "-"},
        {ES_ACT_SIGN, "-", "stamper", "-", "-", "-"},
    };
    for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
        es_action a = cells[i].a;
        const es_object *o = a == ES_ACT_CERT_READ || a == ES_ACT_CERT_ISSUE || a == ES_ACT_CERT_REVOKE || a == ES_ACT_SIGN
                                ? &cert : &own;
        assert_string_equal(rule(&kay, a, o), cells[i].kay);
        assert_string_equal(rule(&sam, a, o), cells[i].sam);
        assert_string_equal(rule(&ada, a, o), cells[i].ada);
        assert_string_equal(rule(&zed, a, o), cells[i].zed);
        assert_string_equal(rule(&abe, a, o), cells[i].abe);
        /* nothing of another organisation, nor of no organisation, whatever the role */
        const eseal_principal *all[] = {&kay, &sam, &ada, &zed, &abe};
        for (size_t k = 0; k < 5; k++) {
            assert_string_equal(rule(all[k], a, &other), "-");
            assert_string_equal(rule(all[k], a, &none), "-");
            assert_string_equal(rule(all[k], a, NULL), "-");
        }
        /* the platform's side may everything */
        assert_string_equal(rule(&op, a, &other), "local-operator");
        assert_string_equal(rule(&root, a, &own), "platform-admin");
    }
    /* every role at once: the first that allows names the rule */
    const char *both[] = {"stamper", "seal-keeper"};
    eseal_principal two = test_user("two", "orgA", both, 2);
    assert_string_equal(rule(&two, ES_ACT_STAMP, &own), "stamper");
    assert_string_equal(rule(&two, ES_ACT_SEAL_TRANSITION, &own), "seal-keeper");
    es_decision d = es_policy_may(&kay, ES_ACT_SEAL_TRANSITION, &other);
    assert_non_null(strstr(d.reason, "another organisation"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_accounts_rules), cmocka_unit_test(test_seal_rules)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
