/* SPDX-License-Identifier: Apache-2.0 */
/* What the accounts' calls share (accounts.h): names, lists, who sees what, the change transaction. */
#include <stdio.h>
#include <string.h>

#include "accounts.h"

static const char *const role_table[] = {ESEAL_ROLE_PLATFORM_ADMIN, ESEAL_ROLE_ORG_ADMIN, ESEAL_ROLE_SEAL_KEEPER,
                                         ESEAL_ROLE_APPROVER,       ESEAL_ROLE_STAMPER,   ESEAL_ROLE_AUDITOR};
static const char *const scope_table[] = {"stamp",      "verify",     "seals:read", "seals:write",
                                          "audit:read", "users:read", "users:write"};

ES_RESULT es_acc_login(char out[ESEAL_LOGIN_MAX + 1], const char *login)
{
    ES_ENSURE(login != NULL && login[0] != '\0', ESEAL_EINVAL, "a login is needed");
    size_t n = strnlen(login, ESEAL_LOGIN_MAX + 1);
    ES_ENSURE(n <= ESEAL_LOGIN_MAX, ESEAL_EINVAL, "a login has at most %d characters", ESEAL_LOGIN_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = login[i];
        c = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        ES_ENSURE(alnum || (i > 0 && (c == '.' || c == '_' || c == '-')), ESEAL_EINVAL,
                  "login '%.64s': letters, digits and . _ - only, starting with a letter or digit", login);
        out[i] = c;
    }
    out[n] = '\0';
    return ES_OK;
}

/* The names of `list` found in table[0..n), each once, written in the table's order. */
static ES_RESULT known_list(char *out, size_t cap, const char *list, const char *const *table, size_t n,
                            const char *what)
{
    bool seen[16] = {false};
    const char *p = list != NULL ? list : "";
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        size_t i = 0;
        while (i < n && (strlen(table[i]) != len || strncmp(p, table[i], len) != 0)) {
            i++;
        }
        ES_ENSURE(len > 0 && i < n, ESEAL_EINVAL, "unknown %s '%.*s' (known: %s)", what, (int)(len > 64 ? 64 : len),
                  p, what[0] == 'r' ? "platform-admin, org-admin, seal-keeper, approver, stamper, auditor"
                                    : ESEAL_SCOPE_LIST);
        ES_ENSURE(!seen[i], ESEAL_EINVAL, "the %s '%s' is named twice", what, table[i]);
        seen[i] = true;
        p += len;
        if (*p == ',') {
            p++;
            ES_ENSURE(*p != '\0', ESEAL_EINVAL, "a %s list ends with a comma", what);
        }
    }
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (seen[i]) {
            int w = snprintf(out + at, cap - at, "%s%s", at > 0 ? "," : "", table[i]);
            ES_ENSURE(w > 0 && (size_t)w < cap - at, ESEAL_ELIMIT, "too long a %s list", what);
            at += (size_t)w;
        }
    }
    return ES_OK;
}

ES_RESULT es_acc_roles(char out[ESEAL_ROLES_MAX + 1], const char *roles)
{
    ES_GUARD(known_list(out, ESEAL_ROLES_MAX + 1, roles, role_table, sizeof(role_table) / sizeof(role_table[0]),
                        "role"));
    ES_ENSURE(out[0] != '\0', ESEAL_EINVAL, "a user needs at least one role");
    return ES_OK;
}

ES_RESULT es_acc_scopes(char out[ESEAL_SCOPES_MAX + 1], const char *scopes)
{
    ES_GUARD(known_list(out, ESEAL_SCOPES_MAX + 1, scopes, scope_table,
                        sizeof(scope_table) / sizeof(scope_table[0]), "scope"));
    if (out[0] == '\0') {
        (void)snprintf(out, ESEAL_SCOPES_MAX + 1, "%s", ESEAL_SCOPE_LIST);
    }
    return ES_OK;
}

bool es_acc_list_has(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p != NULL && *p != '\0';) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, name, n) == 0) {
            return true;
        }
        p += len + (p[len] == ',' ? 1 : 0);
    }
    return false;
}

bool es_acc_sees_all(const eseal_principal *who)
{
    es_object platform = {NULL, NULL, NULL, NULL};
    /* Whoever may add an organisation sees them all (the operator, a platform administrator). */
    return es_policy_may(who, ES_ACT_ORG_ADD, &platform).kind == ES_ALLOW;
}

bool es_acc_sees_org(const eseal_principal *who, const char *org_id)
{
    return es_acc_sees_all(who) ||
           (who != NULL && who->organization != NULL && org_id != NULL && strcmp(who->organization, org_id) == 0);
}

ES_RESULT es_acc_org_visible(eseal_instance *inst, const eseal_principal *who, eseal_org *out, const char *ref)
{
    ES_ENSURE(ref != NULL && ref[0] != '\0', ESEAL_EINVAL, "which organisation?");
    int rc = eseal_store_org_find(inst->store, out, ref);
    if (rc == ESEAL_OK && !es_acc_sees_org(who, out->id)) {
        rc = ESEAL_ENOTFOUND;
    }
    if (rc == ESEAL_ENOTFOUND) {
        return es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no organisation '%.200s'", ref);
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

ES_RESULT es_acc_user_visible(eseal_instance *inst, const eseal_principal *who, eseal_user *out, char *pw_hash,
                              const char *login)
{
    char l[ESEAL_LOGIN_MAX + 1];
    ES_GUARD(es_acc_login(l, login));
    int rc = eseal_store_user_get(inst->store, out, pw_hash, l);
    if (rc == ESEAL_OK && !es_acc_sees_org(who, out->org_id)) {
        rc = ESEAL_ENOTFOUND;
    }
    if (rc == ESEAL_ENOTFOUND) {
        return es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no user '%s'", l);
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

ES_RESULT es_acc_change(eseal_instance *inst, const es_acting *by, const char *type, const char *org,
                        const char *detail, ES_RESULT (*fn)(eseal_instance *inst, void *ctx), void *ctx)
{
    ES_GUARD(es_audit_prepare(inst->auditlog));
    ES_GUARD(es_from_code(eseal_store_begin(inst->store)));
    es_result r = fn(inst, ctx);
    if (es_ok(r)) {
        r = es_audit_account_event(inst->auditlog, by, type, org, detail, false);
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_store_commit(inst->store));
    }
    if (!es_ok(r)) {
        (void)eseal_store_rollback(inst->store);
    }
    return r;
}
