/* SPDX-License-Identifier: Apache-2.0 */
/* Users (eseal/accounts.h): their roles, status and password, managed through the front door. */
#include <stdio.h>
#include <string.h>

#include "accounts.h"
#include "secret.h"

/* Whether `who` may give `roles`: platform-admin only from whoever sees the whole platform. */
static ES_RESULT may_give(const eseal_principal *who, const char *roles, const eseal_user *u)
{
    if (!es_acc_list_has(roles, ESEAL_ROLE_PLATFORM_ADMIN)) {
        return ES_OK;
    }
    es_acting by;
    es_object obj = {"user", u->login, u->org_id, u->login};
    return es_act_on(&by, who, ES_ACT_USER_GRANT_ADMIN, &obj);
}

typedef struct {
    eseal_user *u;
    const char *pw_hash;
} user_insert_ctx;

static ES_RESULT insert_user(eseal_instance *inst, void *ctx)
{
    user_insert_ctx *c = ctx;
    return es_from_code(eseal_store_user_insert(inst->store, c->u, c->pw_hash));
}

static ES_RESULT user_add(eseal_instance *inst, const eseal_principal *who, eseal_user *out, const char *login,
                          const char *display_name, const char *org_ref, const char *roles, const char *password)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    eseal_org org;
    ES_GUARD(es_acc_org_visible(inst, who, &org, org_ref));
    ES_GUARD(es_acc_login(out->login, login));
    es_acting by;
    es_object obj = {"user", out->login, org.id, out->login};
    ES_GUARD(es_act_on(&by, who, ES_ACT_USER_ADD, &obj));
    ES_GUARD(es_acc_roles(out->roles, roles));
    memcpy(out->org_id, org.id, sizeof(out->org_id));
    ES_GUARD(may_give(who, out->roles, out));
    const char *dn = display_name != NULL && display_name[0] != '\0' ? display_name : out->login;
    size_t n = strnlen(dn, ESEAL_DISPLAY_NAME_MAX + 1);
    ES_ENSURE(n <= ESEAL_DISPLAY_NAME_MAX, ESEAL_EINVAL, "a display name has at most %d bytes",
              ESEAL_DISPLAY_NAME_MAX);
    for (size_t i = 0; i < n; i++) {
        ES_ENSURE((unsigned char)dn[i] >= 0x20 && dn[i] != 0x7f, ESEAL_EINVAL, "a display name has no control characters");
    }
    memcpy(out->display_name, dn, n + 1);
    ES_ENSURE(password != NULL, ESEAL_EINVAL, "a new user needs a password");
    ES_GUARD(es_pw_quality(password, out->login));
    char hash[ES_PW_HASH_MAX];
    es_pw_params p = es_pw_params_default();
    ES_GUARD(es_pw_hash(hash, password, &p));
    out->status = ESEAL_USER_ACTIVE;
    out->created_ms = out->updated_ms = es_inst_now(inst);
    char detail[ESEAL_LOGIN_MAX + ESEAL_ORG_ID_LEN + ESEAL_ROLES_MAX + 32];
    (void)snprintf(detail, sizeof(detail), "%s of %s, roles %s", out->login, out->org_id, out->roles);
    user_insert_ctx c = {out, hash};
    es_result r = es_acc_change(inst, &by, "user.added", out->org_id, detail, insert_user, &c);
    es_wipe(hash, sizeof(hash));
    if (!es_ok(r)) {
        memset(out, 0, sizeof(*out));
    }
    return r;
}

int eseal_user_add(eseal_instance *inst, const eseal_principal *who, eseal_user *out, const char *login,
                   const char *display_name, const char *org_ref, const char *roles, const char *password)
{
    ES_RETURN_PUBLIC(user_add(inst, who, out, login, display_name, org_ref, roles, password));
}

static ES_RESULT user_find(eseal_instance *inst, const eseal_principal *who, eseal_user *out, const char *login)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    ES_GUARD(es_acc_user_visible(inst, who, out, NULL, login));
    es_acting by;
    es_object obj = {"user", out->login, out->org_id, out->login};
    return es_act_on(&by, who, ES_ACT_USER_READ, &obj);
}

int eseal_user_find(eseal_instance *inst, const eseal_principal *who, eseal_user *out, const char *login)
{
    ES_RETURN_PUBLIC(user_find(inst, who, out, login));
}

typedef struct {
    const eseal_principal *who;
    int (*cb)(const eseal_user *, void *);
    void *ctx;
} user_walk;

static int each_user(const eseal_user *u, void *payload)
{
    user_walk *w = payload;
    es_object obj = {"user", u->login, u->org_id, u->login};
    if (es_policy_may(w->who, ES_ACT_USER_READ, &obj).kind != ES_ALLOW) {
        return 0;
    }
    return w->cb(u, w->ctx);
}

static ES_RESULT user_list(eseal_instance *inst, const eseal_principal *who, const char *org_ref,
                           int (*cb)(const eseal_user *, void *), void *ctx)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && cb != NULL);
    eseal_org org;
    const char *org_id = NULL;
    if (org_ref != NULL) {
        ES_GUARD(es_acc_org_visible(inst, who, &org, org_ref));
        org_id = org.id;
    } else if (!es_acc_sees_all(who)) {
        org_id = who->organization != NULL ? who->organization : "";
    }
    user_walk w = {who, cb, ctx};
    return es_from_code(eseal_store_user_list(inst->store, org_id, each_user, &w));
}

int eseal_user_list(eseal_instance *inst, const eseal_principal *who, const char *org_ref,
                    int (*cb)(const eseal_user *u, void *ctx), void *ctx)
{
    ES_RETURN_PUBLIC(user_list(inst, who, org_ref, cb, ctx));
}

/* ---- changes -------------------------------------------------------------------------------- */

typedef struct {
    const char *login;
    const char *roles;
    int status;
    const char *pw_hash;
} user_update_ctx;

static ES_RESULT update_user(eseal_instance *inst, void *ctx)
{
    user_update_ctx *c = ctx;
    ES_GUARD(es_from_code(
        eseal_store_user_update(inst->store, c->login, c->roles, c->status, c->pw_hash, es_inst_now(inst))));
    /* A change of password, roles or status ends the user's sessions: the next request logs in anew. */
    return es_from_code(eseal_store_session_end_user(inst->store, c->login));
}

static ES_RESULT user_set_status(eseal_instance *inst, const eseal_principal *who, const char *login,
                                 eseal_user_status status)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL);
    ES_ENSURE(status == ESEAL_USER_ACTIVE || status == ESEAL_USER_DISABLED, ESEAL_EINVAL, "unknown user status %d",
              (int)status);
    eseal_user u;
    ES_GUARD(es_acc_user_visible(inst, who, &u, NULL, login));
    es_acting by;
    es_object obj = {"user", u.login, u.org_id, u.login};
    ES_GUARD(es_act_on(&by, who, ES_ACT_USER_CHANGE, &obj));
    ES_ENSURE(u.status != status, ESEAL_ESTATE, "user %s is already %s", u.login,
              status == ESEAL_USER_ACTIVE ? "active" : "disabled");
    /* A platform administrator is changed only by whoever may make one. */
    ES_GUARD(may_give(who, u.roles, &u));
    user_update_ctx c = {u.login, NULL, (int)status, NULL};
    return es_acc_change(inst, &by, status == ESEAL_USER_ACTIVE ? "user.enabled" : "user.disabled", u.org_id,
                         u.login, update_user, &c);
}

int eseal_user_set_status(eseal_instance *inst, const eseal_principal *who, const char *login,
                          eseal_user_status status)
{
    ES_RETURN_PUBLIC(user_set_status(inst, who, login, status));
}

static ES_RESULT user_set_roles(eseal_instance *inst, const eseal_principal *who, const char *login,
                                const char *roles)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL);
    eseal_user u;
    ES_GUARD(es_acc_user_visible(inst, who, &u, NULL, login));
    es_acting by;
    es_object obj = {"user", u.login, u.org_id, u.login};
    ES_GUARD(es_act_on(&by, who, ES_ACT_USER_CHANGE, &obj));
    char canon[ESEAL_ROLES_MAX + 1];
    ES_GUARD(es_acc_roles(canon, roles));
    ES_GUARD(may_give(who, canon, &u));
    ES_GUARD(may_give(who, u.roles, &u)); /* taking the role away too */
    char detail[ESEAL_LOGIN_MAX + 2 * ESEAL_ROLES_MAX + 16];
    (void)snprintf(detail, sizeof(detail), "%s: %s -> %s", u.login, u.roles, canon);
    user_update_ctx c = {u.login, canon, 0, NULL};
    return es_acc_change(inst, &by, "user.roles", u.org_id, detail, update_user, &c);
}

int eseal_user_set_roles(eseal_instance *inst, const eseal_principal *who, const char *login, const char *roles)
{
    ES_RETURN_PUBLIC(user_set_roles(inst, who, login, roles));
}

static ES_RESULT user_passwd(eseal_instance *inst, const eseal_principal *who, const char *login,
                             const char *password)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL);
    eseal_user u;
    ES_GUARD(es_acc_user_visible(inst, who, &u, NULL, login));
    es_acting by;
    es_object obj = {"user", u.login, u.org_id, u.login};
    ES_GUARD(es_act_on(&by, who, ES_ACT_USER_PASSWD, &obj));
    ES_ENSURE(password != NULL, ESEAL_EINVAL, "a new password is needed");
    ES_GUARD(es_pw_quality(password, u.login));
    char hash[ES_PW_HASH_MAX];
    es_pw_params p = es_pw_params_default();
    ES_GUARD(es_pw_hash(hash, password, &p));
    user_update_ctx c = {u.login, NULL, 0, hash};
    es_result r = es_acc_change(inst, &by, "user.password", u.org_id, u.login, update_user, &c);
    es_wipe(hash, sizeof(hash));
    return r;
}

int eseal_user_passwd(eseal_instance *inst, const eseal_principal *who, const char *login, const char *password)
{
    ES_RETURN_PUBLIC(user_passwd(inst, who, login, password));
}
