/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The accounts' routes of the API (api.h; docs/openapi.yaml): login and logout, the caller,
 * organisations, users and API tokens. Each handler reads the request, calls eseal/accounts.h
 * with the caller's principal and writes the answer; the library decides who may.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"

/* ---- JSON of the records ---------------------------------------------------------------------- */

static json_t *org_json(const eseal_org *o)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o}", "id", o->id, "name", o->name, "uscc",
                     o->uscc[0] != '\0' ? json_string(o->uscc) : json_null(), "identifier",
                     o->identifier[0] != '\0' ? json_string(o->identifier) : json_null(), "created",
                     es_api_time(o->created_ms));
}

static json_t *user_json(const eseal_user *u)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:o}", "login", u->login, "display_name", u->display_name,
                     "organisation", u->org_id, "roles", es_api_list(u->roles), "status",
                     u->status == ESEAL_USER_ACTIVE ? "active" : "disabled", "created", es_api_time(u->created_ms),
                     "updated", es_api_time(u->updated_ms));
}

static json_t *token_json(const eseal_token_info *t)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "id", t->id, "login", t->login, "organisation",
                     t->org_id, "scopes", es_api_list(t->scopes), "created", es_api_time(t->created_ms), "expires",
                     es_api_time(t->expires_ms), "last_used", es_api_time(t->last_used_ms), "revoked",
                     es_api_time(t->revoked_ms));
}

/* A list being built by a library callback. */
static int add_org(const eseal_org *o, void *ctx)
{
    return json_array_append_new(ctx, org_json(o)) == 0 ? 0 : ESEAL_ENOMEM;
}
static int add_user(const eseal_user *u, void *ctx)
{
    return json_array_append_new(ctx, user_json(u)) == 0 ? 0 : ESEAL_ENOMEM;
}
static int add_token(const eseal_token_info *t, void *ctx)
{
    return json_array_append_new(ctx, token_json(t)) == 0 ? 0 : ESEAL_ENOMEM;
}

/* ---- login, logout, me -------------------------------------------------------------------------- */

static ES_RESULT login(es_api_call *c)
{
    static const char *const known[] = {"login", "password", NULL};
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    const char *l = NULL, *pw = NULL;
    es_result r = es_api_str(b, "login", true, &l);
    if (es_ok(r)) {
        r = es_api_str(b, "password", true, &pw);
    }
    eseal_identity id;
    int64_t wait = 0;
    if (es_ok(r)) {
        r = es_from_code(
            eseal_auth_password(c->inst, &id, l, pw, c->rq->remote[0] != '\0' ? c->rq->remote : NULL, &wait));
    }
    json_decref(b); /* the password is jansson's copy: freed here */
    if (es_code(r) == ESEAL_ERATE) {
        char secs[24];
        (void)snprintf(secs, sizeof(secs), "%lld", (long long)((wait + 999) / 1000));
        ES_GUARD(es_api_fail(c->rs, ESEAL_ERATE));
        return es_http_header_add(c->rs, "Retry-After", secs);
    }
    ES_GUARD(r);
    char session[ESEAL_SESSION_MAX + 1], csrf[ESEAL_SESSION_MAX + 1];
    r = es_from_code(eseal_session_open(c->inst, &id, session, csrf));
    if (es_ok(r)) {
        char cookie[ES_HTTP_HEADER_VALUE_MAX];
        (void)snprintf(cookie, sizeof(cookie), "eseal_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
                       session, (long long)(ESEAL_SESSION_ABSOLUTE_MS / 1000), es_api_tls(c->api) ? "; Secure" : "");
        r = es_api_reply(c, 200,
                  json_pack("{s:s, s:s, s:s, s:o}", "csrf", csrf, "login", id.login, "organisation", id.org_id, "roles",
                            es_api_list(id.roles_text[0] != '\0' ? id.roles_text : "")));
        if (es_ok(r)) {
            r = es_http_header_add(c->rs, "Set-Cookie", cookie);
        }
        es_wipe(cookie, sizeof(cookie));
    }
    es_wipe(session, sizeof(session));
    es_wipe(csrf, sizeof(csrf));
    return r;
}

static ES_RESULT logout(es_api_call *c)
{
    if (c->by_session) {
        ES_GUARD(es_from_code(eseal_session_close(c->inst, c->session)));
    }
    c->rs->status = 204;
    es_buf_clear(&c->rs->body);
    (void)snprintf(c->rs->content_type, sizeof(c->rs->content_type), ES_CT_JSON);
    return es_http_header_add(c->rs, "Set-Cookie",
                              es_api_tls(c->api)
                                  ? "eseal_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure"
                                  : "eseal_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

static ES_RESULT me(es_api_call *c)
{
    eseal_user u;
    ES_GUARD(es_from_code(eseal_user_find(c->inst, es_api_who(c), &u, c->id.login)));
    json_t *v = user_json(&u);
    ES_ENSURE_ALLOC(v);
    (void)json_object_set_new(v, "via", json_string(c->by_session ? "session" : "token"));
    (void)json_object_set_new(v, "scopes", c->id.token_id[0] != '\0' ? es_api_list(c->id.scopes) : json_null());
    return es_api_reply(c, 200, v);
}

/* ---- organisations ------------------------------------------------------------------------------ */

static ES_RESULT orgs_list(es_api_call *c)
{
    json_t *a = json_array();
    ES_ENSURE_ALLOC(a);
    return es_api_reply_list(c, eseal_org_list(c->inst, es_api_who(c), add_org, a), a);
}

static ES_RESULT orgs_add(es_api_call *c)
{
    static const char *const known[] = {"name", "uscc", "identifier", NULL};
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    const char *name = NULL, *uscc = NULL, *identifier = NULL;
    es_result r = es_api_str(b, "name", true, &name);
    r = es_ok(r) ? es_api_str(b, "uscc", false, &uscc) : r;
    r = es_ok(r) ? es_api_str(b, "identifier", false, &identifier) : r;
    eseal_org o;
    if (es_ok(r)) {
        r = es_from_code(eseal_org_add_ext(c->inst, es_api_who(c), &o, name, uscc, identifier));
    }
    json_decref(b);
    ES_GUARD(r);
    return es_api_reply(c, 201, org_json(&o));
}

static ES_RESULT orgs_get(es_api_call *c)
{
    char ref[ESEAL_ORG_NAME_MAX + 1];
    ES_GUARD(es_api_segment(c, ref, sizeof(ref)));
    eseal_org o;
    ES_GUARD(es_from_code(eseal_org_find(c->inst, es_api_who(c), &o, ref)));
    return es_api_reply(c, 200, org_json(&o));
}

/* ---- users -------------------------------------------------------------------------------------- */

static ES_RESULT users_list(es_api_call *c)
{
    json_t *a = json_array();
    ES_ENSURE_ALLOC(a);
    return es_api_reply_list(c, eseal_user_list(c->inst, es_api_who(c), es_http_arg(c->rq, "org"), add_user, a), a);
}

/* "roles" as a JSON array of names, written as the library's comma-separated list. */
static ES_RESULT roles_of(json_t *b, const char *key, char *out, size_t cap)
{
    json_t *a = json_object_get(b, key);
    ES_ENSURE(json_is_array(a), ESEAL_EMALFORMED, "the field \"%s\" is not a list of names", key);
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *v = json_array_get(a, i);
        ES_ENSURE(json_is_string(v) && strchr(json_string_value(v), ',') == NULL &&
                      strlen(json_string_value(v)) == json_string_length(v),
                  ESEAL_EMALFORMED, "the field \"%s\" is not a list of names", key);
        int n = snprintf(out + at, cap - at, "%s%s", at > 0 ? "," : "", json_string_value(v));
        ES_ENSURE(n > 0 && (size_t)n < cap - at, ESEAL_ELIMIT, "the field \"%s\" is too long", key);
        at += (size_t)n;
    }
    return ES_OK;
}

static ES_RESULT users_add(es_api_call *c)
{
    static const char *const known[] = {"login", "display_name", "organisation", "roles", "password", NULL};
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    const char *l = NULL, *dn = NULL, *org = NULL, *pw = NULL;
    char roles[ESEAL_ROLES_MAX + 1];
    es_result r = es_api_str(b, "login", true, &l);
    r = es_ok(r) ? es_api_str(b, "display_name", false, &dn) : r;
    r = es_ok(r) ? es_api_str(b, "organisation", true, &org) : r;
    r = es_ok(r) ? es_api_str(b, "password", true, &pw) : r;
    r = es_ok(r) ? roles_of(b, "roles", roles, sizeof(roles)) : r;
    eseal_user u;
    if (es_ok(r)) {
        r = es_from_code(eseal_user_add(c->inst, es_api_who(c), &u, l, dn, org, roles, pw));
    }
    json_decref(b);
    ES_GUARD(r);
    return es_api_reply(c, 201, user_json(&u));
}

static ES_RESULT users_get(es_api_call *c)
{
    char l[ESEAL_LOGIN_MAX + 1];
    ES_GUARD(es_api_segment(c, l, sizeof(l)));
    eseal_user u;
    ES_GUARD(es_from_code(eseal_user_find(c->inst, es_api_who(c), &u, l)));
    return es_api_reply(c, 200, user_json(&u));
}

/* After a change: the user as it is now. */
static ES_RESULT user_now(es_api_call *c, const char *l)
{
    eseal_user u;
    ES_GUARD(es_from_code(eseal_user_find(c->inst, es_api_who(c), &u, l)));
    return es_api_reply(c, 200, user_json(&u));
}

static ES_RESULT users_status(es_api_call *c, eseal_user_status s)
{
    char l[ESEAL_LOGIN_MAX + 1];
    ES_GUARD(es_api_segment(c, l, sizeof(l)));
    ES_GUARD(es_from_code(eseal_user_set_status(c->inst, es_api_who(c), l, s)));
    return user_now(c, l);
}

static ES_RESULT users_disable(es_api_call *c) { return users_status(c, ESEAL_USER_DISABLED); }
static ES_RESULT users_enable(es_api_call *c) { return users_status(c, ESEAL_USER_ACTIVE); }

static ES_RESULT users_roles(es_api_call *c)
{
    static const char *const known[] = {"roles", NULL};
    char l[ESEAL_LOGIN_MAX + 1], roles[ESEAL_ROLES_MAX + 1];
    ES_GUARD(es_api_segment(c, l, sizeof(l)));
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    es_result r = roles_of(b, "roles", roles, sizeof(roles));
    json_decref(b);
    ES_GUARD(r);
    ES_GUARD(es_from_code(eseal_user_set_roles(c->inst, es_api_who(c), l, roles)));
    return user_now(c, l);
}

static ES_RESULT users_password(es_api_call *c)
{
    static const char *const known[] = {"password", NULL};
    char l[ESEAL_LOGIN_MAX + 1];
    ES_GUARD(es_api_segment(c, l, sizeof(l)));
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    const char *pw = NULL;
    es_result r = es_api_str(b, "password", true, &pw);
    if (es_ok(r)) {
        r = es_from_code(eseal_user_passwd(c->inst, es_api_who(c), l, pw));
    }
    json_decref(b);
    ES_GUARD(r);
    return es_api_no_content(c);
}

/* ---- tokens ------------------------------------------------------------------------------------- */

static ES_RESULT tokens_list(es_api_call *c)
{
    json_t *a = json_array();
    ES_ENSURE_ALLOC(a);
    return es_api_reply_list(c, eseal_token_list(c->inst, es_api_who(c), es_http_arg(c->rq, "login"), add_token, a), a);
}

static ES_RESULT tokens_add(es_api_call *c)
{
    static const char *const known[] = {"login", "scopes", "expires", NULL};
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    const char *l = NULL, *exp = NULL;
    char scopes[ESEAL_SCOPES_MAX + 1] = "";
    es_result r = es_api_str(b, "login", false, &l);
    r = es_ok(r) ? es_api_str(b, "expires", false, &exp) : r;
    if (es_ok(r) && json_object_get(b, "scopes") != NULL) {
        r = roles_of(b, "scopes", scopes, sizeof(scopes));
    }
    int64_t expires = 0;
    if (es_ok(r) && exp != NULL) {
        r = es_time_parse_rfc3339(exp, &expires);
    }
    char token[ESEAL_TOKEN_MAX + 1];
    eseal_token_info t;
    if (es_ok(r)) {
        r = es_from_code(eseal_token_create(c->inst, es_api_who(c), l != NULL ? l : c->id.login, scopes, expires,
                                            token, &t));
    }
    json_decref(b);
    ES_GUARD(r);
    json_t *v = token_json(&t);
    if (v != NULL) {
        (void)json_object_set_new(v, "token", json_string(token));
    }
    r = es_api_reply(c, 201, v);
    es_wipe(token, sizeof(token));
    return r;
}

static ES_RESULT tokens_revoke(es_api_call *c)
{
    char id[ESEAL_TOKEN_ID_LEN + 1];
    ES_GUARD(es_api_segment(c, id, sizeof(id)));
    ES_GUARD(es_from_code(eseal_token_revoke(c->inst, es_api_who(c), id)));
    return es_api_no_content(c);
}

#define GET ES_ROUTE_GET
#define POST ES_ROUTE_POST
#define J ES_CT_JSON

const es_api_route es_api_accounts_routes[] = {
    {POST, "/login", ES_API_PUBLIC, NULL, J, 0, login, "POST /api/v1/login"},
    {POST, "/logout", ES_API_USER, NULL, NULL, 0, logout, "POST /api/v1/logout"},
    {GET, "/me", ES_API_USER, NULL, NULL, 0, me, "GET /api/v1/me"},
    {GET, "/orgs", ES_API_USER, "users:read", NULL, 0, orgs_list, "GET /api/v1/orgs"},
    {POST, "/orgs", ES_API_USER, "users:write", J, 0, orgs_add, "POST /api/v1/orgs"},
    {GET, "/orgs/*", ES_API_USER, "users:read", NULL, 0, orgs_get, "GET /api/v1/orgs/{ref}"},
    {GET, "/users", ES_API_USER, "users:read", NULL, 0, users_list, "GET /api/v1/users"},
    {POST, "/users", ES_API_USER, "users:write", J, 0, users_add, "POST /api/v1/users"},
    {GET, "/users/*", ES_API_USER, "users:read", NULL, 0, users_get, "GET /api/v1/users/{login}"},
    {POST, "/users/*/disable", ES_API_USER, "users:write", NULL, 0, users_disable,
     "POST /api/v1/users/{login}/disable"},
    {POST, "/users/*/enable", ES_API_USER, "users:write", NULL, 0, users_enable, "POST /api/v1/users/{login}/enable"},
    {POST, "/users/*/roles", ES_API_USER, "users:write", J, 0, users_roles, "POST /api/v1/users/{login}/roles"},
    {POST, "/users/*/password", ES_API_USER, "users:write", J, 0, users_password,
     "POST /api/v1/users/{login}/password"},
    {GET, "/tokens", ES_API_USER, "users:read", NULL, 0, tokens_list, "GET /api/v1/tokens"},
    {POST, "/tokens", ES_API_USER, "users:write", J, 0, tokens_add, "POST /api/v1/tokens"},
    {POST, "/tokens/*/revoke", ES_API_USER, "users:write", NULL, 0, tokens_revoke, "POST /api/v1/tokens/{id}/revoke"},
};
const size_t es_api_accounts_route_count = sizeof(es_api_accounts_routes) / sizeof(es_api_accounts_routes[0]);
