/* SPDX-License-Identifier: Apache-2.0 */
/* API tokens (eseal/accounts.h): made for a user, shown once, kept as their SHA-256, revocable. */
#include <stdio.h>
#include <string.h>

#include "accounts.h"
#include "secret.h"

typedef struct {
    const eseal_token_info *t;
    const char *digest;
} token_insert_ctx;

static ES_RESULT insert_token(eseal_instance *inst, void *ctx)
{
    token_insert_ctx *c = ctx;
    return es_from_code(eseal_store_token_insert(inst->store, c->t, c->digest));
}

static ES_RESULT token_create(eseal_instance *inst, const eseal_principal *who, const char *login,
                              const char *scopes, int64_t expires_ms, char token[ESEAL_TOKEN_MAX + 1],
                              eseal_token_info *out)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && token != NULL);
    token[0] = '\0';
    eseal_user u;
    ES_GUARD(es_acc_user_visible(inst, who, &u, NULL, login));
    es_acting by;
    es_object obj = {"token", u.login, u.org_id, u.login};
    ES_GUARD(es_act_on(&by, who, ES_ACT_TOKEN_CREATE, &obj));
    ES_ENSURE(u.status == ESEAL_USER_ACTIVE, ESEAL_ESTATE, "user %s is disabled: no token is made for it", u.login);
    eseal_token_info t;
    memset(&t, 0, sizeof(t));
    ES_GUARD(es_acc_scopes(t.scopes, scopes));
    int64_t now = es_inst_now(inst);
    ES_ENSURE(expires_ms == 0 || expires_ms > now, ESEAL_EINVAL, "a token's expiry is in the future");
    ES_GUARD(es_acc_random_id(t.id, sizeof(t.id), "tok_"));
    memcpy(t.login, u.login, sizeof(t.login));
    memcpy(t.org_id, u.org_id, sizeof(t.org_id));
    t.created_ms = now;
    t.expires_ms = expires_ms;
    char cred[ES_CRED_MAX], digest[ES_CRED_DIGEST_HEX];
    ES_GUARD(es_cred_new(cred, "esk_"));
    es_result r = es_cred_digest(digest, cred);
    char detail[ESEAL_TOKEN_ID_LEN + ESEAL_LOGIN_MAX + ESEAL_SCOPES_MAX + 64];
    (void)snprintf(detail, sizeof(detail), "%s for %s, scopes %s%s", t.id, t.login, t.scopes,
                   expires_ms != 0 ? ", expires" : "");
    if (es_ok(r)) {
        token_insert_ctx c = {&t, digest};
        r = es_acc_change(inst, &by, "token.created", t.org_id, detail, insert_token, &c);
    }
    if (es_ok(r)) {
        ES_ENSURE(strlen(cred) <= ESEAL_TOKEN_MAX, ESEAL_ELIMIT, "a token longer than %d characters", ESEAL_TOKEN_MAX);
        memcpy(token, cred, strlen(cred) + 1);
        if (out != NULL) {
            *out = t;
        }
    }
    es_wipe(cred, sizeof(cred));
    return r;
}

int eseal_token_create(eseal_instance *inst, const eseal_principal *who, const char *login, const char *scopes,
                       int64_t expires_ms, char token[ESEAL_TOKEN_MAX + 1], eseal_token_info *out)
{
    ES_RETURN_PUBLIC(token_create(inst, who, login, scopes, expires_ms, token, out));
}

typedef struct {
    const eseal_principal *who;
    int (*cb)(const eseal_token_info *, void *);
    void *ctx;
} token_walk;

static int each_token(const eseal_token_info *t, void *payload)
{
    token_walk *w = payload;
    es_object obj = {"token", t->id, t->org_id, t->login};
    if (es_policy_may(w->who, ES_ACT_TOKEN_READ, &obj).kind != ES_ALLOW) {
        return 0;
    }
    return w->cb(t, w->ctx);
}

static ES_RESULT token_list(eseal_instance *inst, const eseal_principal *who, const char *login,
                            int (*cb)(const eseal_token_info *, void *), void *ctx)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && cb != NULL);
    const char *org_id = NULL;
    eseal_user u;
    if (login != NULL) {
        ES_GUARD(es_acc_user_visible(inst, who, &u, NULL, login));
        login = u.login;
    } else if (!es_acc_sees_all(who)) {
        org_id = who->organization != NULL ? who->organization : "";
    }
    token_walk w = {who, cb, ctx};
    return es_from_code(eseal_store_token_list(inst->store, login, org_id, each_token, &w));
}

int eseal_token_list(eseal_instance *inst, const eseal_principal *who, const char *login,
                     int (*cb)(const eseal_token_info *t, void *ctx), void *ctx)
{
    ES_RETURN_PUBLIC(token_list(inst, who, login, cb, ctx));
}

typedef struct {
    const char *id;
    int64_t at;
} token_revoke_ctx;

static ES_RESULT revoke_token(eseal_instance *inst, void *ctx)
{
    token_revoke_ctx *c = ctx;
    return es_from_code(eseal_store_token_update(inst->store, c->id, 0, c->at));
}

static ES_RESULT token_revoke(eseal_instance *inst, const eseal_principal *who, const char *token_id)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL);
    ES_ENSURE(token_id != NULL && token_id[0] != '\0', ESEAL_EINVAL, "which token?");
    eseal_token_info t;
    int rc = strlen(token_id) <= ESEAL_TOKEN_ID_LEN ? eseal_store_token_get(inst->store, &t, token_id) : ESEAL_ENOTFOUND;
    if (rc == ESEAL_OK && !es_acc_sees_org(who, t.org_id)) {
        rc = ESEAL_ENOTFOUND;
    }
    if (rc == ESEAL_ENOTFOUND) {
        return es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no token '%.40s'", token_id);
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    es_acting by;
    es_object obj = {"token", t.id, t.org_id, t.login};
    ES_GUARD(es_act_on(&by, who, ES_ACT_TOKEN_REVOKE, &obj));
    ES_ENSURE(t.revoked_ms == 0, ESEAL_ESTATE, "token %s is already revoked", t.id);
    char detail[ESEAL_TOKEN_ID_LEN + ESEAL_LOGIN_MAX + 16];
    (void)snprintf(detail, sizeof(detail), "%s of %s", t.id, t.login);
    token_revoke_ctx c = {t.id, es_inst_now(inst)};
    return es_acc_change(inst, &by, "token.revoked", t.org_id, detail, revoke_token, &c);
}

int eseal_token_revoke(eseal_instance *inst, const eseal_principal *who, const char *token_id)
{
    ES_RETURN_PUBLIC(token_revoke(inst, who, token_id));
}
