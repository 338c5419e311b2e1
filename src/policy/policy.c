/* SPDX-License-Identifier: Apache-2.0 */
/* The policy (policy.h): the local operator, platform administrators, organisation
 * administrators, seal keepers, stampers, auditors and every user for itself (docs/accounts.md,
 * "Who may do what"). */
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "util/versions.h"

#define PRINCIPAL_ID_MAX 128
#define PRINCIPAL_ROLES_MAX 32

static const char *const action_names[] = {
#define ES_X_ACTION(e, name) [e] = name,
    ES_POLICY_ACTION_TABLE(ES_X_ACTION)
#undef ES_X_ACTION
};

const char *es_action_name(es_action a)
{
    return (unsigned)a < ES_ACT_COUNT_ ? action_names[a] : "?";
}

const char *eseal_principal_kind_name(eseal_principal_kind kind)
{
    switch (kind) {
    case ESEAL_PRINCIPAL_OPERATOR:
        return "operator";
    case ESEAL_PRINCIPAL_USER:
        return "user";
    case ESEAL_PRINCIPAL_DEVICE:
        return "device";
    }
    return "?";
}

static ES_RESULT principal_check(const eseal_principal *who)
{
    ES_ENSURE(who != NULL, ESEAL_EINVAL, "no principal: every change of state names who asks for it");
    ES_CHECK_VERSION(who, principal);
    ES_ENSURE(strcmp(eseal_principal_kind_name(who->kind), "?") != 0, ESEAL_EINVAL, "principal: unknown kind %d",
              (int)who->kind);
    ES_ENSURE(who->id != NULL && who->id[0] != '\0', ESEAL_EINVAL, "principal: no id (who is acting?)");
    size_t n = strnlen(who->id, PRINCIPAL_ID_MAX + 1);
    ES_ENSURE(n <= PRINCIPAL_ID_MAX, ESEAL_EINVAL, "principal: id longer than %d characters", PRINCIPAL_ID_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)who->id[i];
        ES_ENSURE(c > 0x20 && c != 0x7F, ESEAL_EINVAL, "principal: id \"%s\" has a space or a control character",
                  who->id);
    }
    ES_ENSURE(who->role_count <= PRINCIPAL_ROLES_MAX && (who->role_count == 0 || who->roles != NULL), ESEAL_EINVAL,
              "principal: %zu roles (at most %d)", who->role_count, PRINCIPAL_ROLES_MAX);
    return ES_OK;
}

int eseal_principal_check(const eseal_principal *who) { ES_RETURN_PUBLIC(principal_check(who)); }

static bool has_role(const eseal_principal *who, const char *role)
{
    for (size_t i = 0; i < who->role_count; i++) {
        if (who->roles[i] != NULL && strcmp(who->roles[i], role) == 0) {
            return true;
        }
    }
    return false;
}

static bool same(const char *a, const char *b) { return a != NULL && b != NULL && strcmp(a, b) == 0; }

/* The rule of an organisation's own users, or NULL: none allows. */
static const char *user_rule(const eseal_principal *who, es_action action, const es_object *obj)
{
    if (obj == NULL || !same(obj->org, who->organization)) {
        return NULL; /* nothing of another organisation, nor of the platform as a whole */
    }
    bool self = same(obj->owner, who->id);
    switch (action) {
    case ES_ACT_ORG_READ:
    case ES_ACT_SEAL_READ:
    case ES_ACT_CERT_READ:
    case ES_ACT_GRANT_READ:
    case ES_ACT_TEMPLATE_READ:
    case ES_ACT_REQUEST_SUBMIT: /* the grants decide (governance/request.c) */
    case ES_ACT_REQUEST_READ:
    case ES_ACT_REQUEST_DECIDE: /* the request's approval policy decides */
        return "member";
    case ES_ACT_REQUEST_EXECUTE:
        return self ? "requester" : NULL;
    case ES_ACT_DEVICE_READ:
        return "member";
    case ES_ACT_DEVICE_ADD:
    case ES_ACT_DEVICE_RETIRE:
        return has_role(who, "org-admin") || has_role(who, "seal-keeper") ? "device-admin" : NULL;
    case ES_ACT_GRANT_ADD:
    case ES_ACT_GRANT_REVOKE:
    case ES_ACT_GRANT_CHANGE:
    case ES_ACT_TEMPLATE_ADD:
        return has_role(who, "org-admin") || has_role(who, "seal-keeper") ? "grant-admin" : NULL;
    case ES_ACT_GRANT_DELEGATE:
        return self ? "holder" : has_role(who, "org-admin") || has_role(who, "seal-keeper") ? "grant-admin" : NULL;
    case ES_ACT_SEAL_MAKE:
    case ES_ACT_SEAL_TRANSITION:
    case ES_ACT_SEAL_RENEW:
        return has_role(who, "seal-keeper") ? "seal-keeper" : NULL;
    case ES_ACT_CERT_ISSUE:
    case ES_ACT_CERT_REVOKE:
        /* the certificates of its own organisation (its USCC), issue 19 §2 */
        return has_role(who, "org-admin") ? "org-admin" : NULL;
    case ES_ACT_SIGN:
        /* a detached signature with a certificate of its organisation, as a stamp with its seal */
        return has_role(who, "stamper") ? "stamper" : NULL;
    case ES_ACT_STAMP:
        /* A user's stamp is decided by the grants (service/grant_gate.c), not here; this cell says
         * only who may read its organisation's stamp receipts as a stamper (owner.c receipt_for). */
        return has_role(who, "stamper") ? "stamper" : NULL;
    case ES_ACT_WEBHOOK_ADD:
    case ES_ACT_WEBHOOK_READ:
    case ES_ACT_WEBHOOK_REMOVE:
    case ES_ACT_WEBHOOK_REPLAY:
        return has_role(who, "org-admin") ? "org-admin" : NULL;
    case ES_ACT_AUDIT_READ:
        return has_role(who, "auditor") ? "auditor" : has_role(who, "org-admin") ? "org-admin" : NULL;
    case ES_ACT_USER_ADD:
    case ES_ACT_USER_CHANGE:
        return has_role(who, "org-admin") ? "org-admin" : NULL;
    case ES_ACT_USER_READ:
    case ES_ACT_USER_PASSWD:
    case ES_ACT_TOKEN_CREATE:
    case ES_ACT_TOKEN_READ:
    case ES_ACT_TOKEN_REVOKE:
        return has_role(who, "org-admin") ? "org-admin" : self ? "self" : NULL;
    default:
        return NULL;
    }
}

/* The rule of a physical seal's device (issue 23 §4): only its own protocol, only as itself. */
static const char *device_rule(const eseal_principal *who, es_action action, const es_object *obj)
{
    if (obj == NULL || !same(obj->kind, "device") || !same(obj->owner, who->id)) {
        return NULL;
    }
    return action == ES_ACT_DEVICE_UNLOCK || action == ES_ACT_DEVICE_REPORT ? "device" : NULL;
}

es_decision es_policy_may(const eseal_principal *who, es_action action, const es_object *obj)
{
    es_decision d = {ES_DENY, "principal-invalid", ""};
    if (!es_ok(principal_check(who))) {
        (void)snprintf(d.reason, sizeof(d.reason), "%s", eseal_error_last()->message);
        eseal_error_clear();
        return d;
    }
    if (who->kind == ESEAL_PRINCIPAL_OPERATOR) {
        d.kind = ES_ALLOW;
        d.rule = "local-operator";
        (void)snprintf(d.reason, sizeof(d.reason), "the local operator may %s", es_action_name(action));
        return d;
    }
    if (who->kind == ESEAL_PRINCIPAL_USER && has_role(who, "platform-admin")) {
        d.kind = ES_ALLOW;
        d.rule = "platform-admin";
        (void)snprintf(d.reason, sizeof(d.reason), "a platform administrator may %s", es_action_name(action));
        return d;
    }
    const char *rule = who->kind == ESEAL_PRINCIPAL_USER     ? user_rule(who, action, obj)
                       : who->kind == ESEAL_PRINCIPAL_DEVICE ? device_rule(who, action, obj)
                                                             : NULL;
    if (rule != NULL) {
        d.kind = ES_ALLOW;
        d.rule = rule;
        (void)snprintf(d.reason, sizeof(d.reason), "allowed by the rule %s", rule);
        return d;
    }
    d.rule = "no-grants";
    if (who->kind == ESEAL_PRINCIPAL_USER && obj != NULL && obj->org != NULL && !same(obj->org, who->organization)) {
        (void)snprintf(d.reason, sizeof(d.reason), "it belongs to another organisation");
    } else {
        (void)snprintf(d.reason, sizeof(d.reason), "no role or grant of this %s allows it",
                       eseal_principal_kind_name(who->kind));
    }
    return d;
}

ES_RESULT es_policy_require(const eseal_principal *who, es_action action, const es_object *obj, es_decision *out)
{
    es_decision d = es_policy_may(who, action, obj);
    if (out != NULL) {
        *out = d;
    }
    ES_ENSURE(d.kind == ES_ALLOW, ESEAL_EDENIED, "%s %s may not %s%s%s: %s",
              who != NULL ? eseal_principal_kind_name(who->kind) : "nobody",
              who != NULL && who->id != NULL ? who->id : "", es_action_name(action),
              obj != NULL && obj->id != NULL ? " " : "", obj != NULL && obj->id != NULL ? obj->id : "", d.reason);
    return ES_OK;
}
