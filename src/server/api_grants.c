/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The grants' and templates' routes of the API (api.h; docs/openapi.yaml, docs/http-api.md,
 * docs/grants.md): who may stamp with which seal (issue 20), over eseal/governance.h.
 *
 *   GET  /api/v1/grants[?seal=ESID]      the grants the caller may see (of one seal), oldest first
 *   GET  /api/v1/grants/{id}             one grant
 *   POST /api/v1/grants                  add one (or delegate one: `parent`), JSON → 201 Grant
 *   POST /api/v1/grants/{id}/change      the keys of POST /grants and reason: absent keeps, null
 *                                        clears, a value replaces → 200 the grant, changed
 *   POST /api/v1/grants/{id}/revoke      {reason} → 200 the grant, revoked
 *   GET  /api/v1/templates[?org=ORG]     the templates the caller may see
 *   POST /api/v1/templates?name=NAME[&org=ORG]  the PDF or OFD itself (spooled) → 201 Template;
 *                                        409 CONFLICT when registered already (its sha256 in the detail)
 *
 * The scopes are the seals' (seals:read to read, seals:write to change): a grant is the use of a
 * seal. The library decides who may (rules grant-admin and holder, src/policy/policy.c); what the
 * caller may not see is 404, like what does not exist.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "eseal/governance.h"

/* max_uses: at most a billion stamps (as `eseal grant add --max-uses`). */
#define API_GRANT_MAX_USES 1000000000LL

/* ---- JSON of the records ---------------------------------------------------------------------- */

static json_t *grant_json(const eseal_grant *g)
{
    bool user = g->holder_kind == ESEAL_GRANT_TO_USER;
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:b, s:o, s:s, s:o, s:o}", "id",
                     g->id, "organisation", g->org_id, "seal", g->seal, "user",
                     user ? json_string(g->holder) : json_null(), "role", user ? json_null() : json_string(g->holder),
                     "types", es_api_list(g->types), "templates", es_api_list(g->templates), "not_before",
                     es_api_time(g->not_before_ms), "not_after", es_api_time(g->not_after_ms), "max_uses",
                     g->max_uses > 0 ? json_integer(g->max_uses) : json_null(), "uses", (json_int_t)g->uses,
                     "approval", es_api_str_or_null(g->approval), "delegable", g->delegable != 0, "parent",
                     es_api_str_or_null(g->parent), "created_by", g->created_by, "created", es_api_time(g->created_ms),
                     "revoked", es_api_time(g->revoked_ms));
}

static json_t *template_json(const eseal_template *t)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:o}", "sha256", t->sha256, "organisation", t->org_id, "name",
                     t->name, "format", t->format, "size", (json_int_t)t->size, "created_by", t->created_by,
                     "created", es_api_time(t->created_ms));
}

/* ---- grants ----------------------------------------------------------------------------------- */

static int add_grant(const eseal_grant *g, void *ctx)
{
    return json_array_append_new(ctx, grant_json(g)) == 0 ? 0 : ESEAL_ENOMEM;
}

static ES_RESULT grants_list(es_api_call *c)
{
    const char *seal = es_http_arg(c->rq, "seal");
    ES_ENSURE(seal == NULL || seal[0] != '\0', ESEAL_EINVAL, "seal: which seal? (?seal=ESID)");
    json_t *a = json_array();
    ES_ENSURE_ALLOC(a);
    return es_api_reply_list(c, eseal_grant_list(c->inst, es_api_who(c), seal, add_grant, a), a);
}

static ES_RESULT grants_get(es_api_call *c)
{
    char id[ESEAL_GRANT_ID_LEN + 8];
    ES_GUARD(es_api_segment(c, id, sizeof(id)));
    eseal_grant g;
    ES_GUARD(es_from_code(eseal_grant_find(c->inst, es_api_who(c), &g, id)));
    return es_api_reply(c, 200, grant_json(&g));
}

/* The array of strings o[key] (absent or null: "") joined with commas into out[cap]; an element
 * that is empty, not a string, or holds one of `forbidden` (the list's own separators) is 400. */
static ES_RESULT join_array(json_t *o, const char *key, const char *forbidden, char *out, size_t cap)
{
    out[0] = '\0';
    json_t *v = json_object_get(o, key);
    if (v == NULL || json_is_null(v)) {
        return ES_OK;
    }
    ES_ENSURE(json_is_array(v), ESEAL_EMALFORMED, "the field \"%s\" is not an array of strings", key);
    size_t len = 0, i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        ES_ENSURE(json_is_string(e), ESEAL_EMALFORMED, "the field \"%s\" is not an array of strings", key);
        const char *s = json_string_value(e);
        size_t n = json_string_length(e);
        ES_ENSURE(n > 0 && strlen(s) == n, ESEAL_EMALFORMED, "\"%s\" holds an empty string or a NUL", key);
        ES_ENSURE(strpbrk(s, forbidden) == NULL, ESEAL_EINVAL, "\"%s\": \"%.40s\" holds one of \"%s\"", key, s,
                  forbidden);
        ES_ENSURE(len + 1 + n < cap, ESEAL_EINVAL, "\"%s\" is longer than %zu characters", key, cap - 1);
        len += (size_t)snprintf(out + len, cap - len, "%s%s", len > 0 ? "," : "", s);
    }
    return ES_OK;
}

/* An RFC 3339 time member (absent or null: 0). */
static ES_RESULT time_member(json_t *o, const char *key, int64_t *out)
{
    const char *s = NULL;
    *out = 0;
    ES_GUARD(es_api_str(o, key, false, &s));
    if (s == NULL) {
        return ES_OK;
    }
    es_result r = es_time_parse_rfc3339(s, out);
    ES_ENSURE(es_ok(r) && *out > 0, ESEAL_EINVAL, "\"%s\" is not an RFC 3339 time after 1970: \"%.40s\"", key, s);
    return ES_OK;
}

/* An integer member in [lo, hi] (absent or null: *out unchanged). */
static ES_RESULT int_member(json_t *o, const char *key, json_int_t lo, json_int_t hi, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL || json_is_null(v)) {
        return ES_OK;
    }
    ES_ENSURE(json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi, ESEAL_EINVAL,
              "\"%s\" is a whole number in [%lld, %lld]", key, (long long)lo, (long long)hi);
    *out = (int64_t)json_integer_value(v);
    return ES_OK;
}

typedef struct {
    char types[ESEAL_GRANT_TYPES_MAX * (ESEAL_DOC_TYPE_MAX + 1) + 1];
    char templates[ESEAL_GRANT_TEMPLATES_MAX * 65 + 1];
    char approvers[ESEAL_APPROVAL_TEXT_MAX + 1];
    char approval[ESEAL_APPROVAL_TEXT_MAX + 1];
} grant_texts;

/*
 * The approval policy of a grant's body, for POST /grants and POST /grants/{id}/change alike:
 * "approval" (the policy's text, or null for none) or "approvers" [..] with "k" (one step: k of
 * them, 1 by default), never both. *given says whether the body names a policy at all; *out is the
 * policy's text (pointing into b or t), NULL for "approval": null or none given.
 */
static ES_RESULT approval_of(json_t *b, grant_texts *t, const char **out, bool *given)
{
    *out = NULL;
    json_t *av = json_object_get(b, "approval");
    const char *approval = NULL;
    ES_GUARD(es_api_str(b, "approval", false, &approval));
    ES_GUARD(join_array(b, "approvers", ",;:", t->approvers, sizeof(t->approvers)));
    json_t *kv = json_object_get(b, "k");
    bool has_k = kv != NULL && !json_is_null(kv);
    ES_ENSURE(av == NULL || (t->approvers[0] == '\0' && !has_k), ESEAL_EINVAL,
              "\"approval\" or \"approvers\" with \"k\", not both");
    ES_ENSURE(!has_k || t->approvers[0] != '\0', ESEAL_EINVAL, "\"k\" needs \"approvers\"");
    int64_t k = 1;
    ES_GUARD(int_member(b, "k", 1, ESEAL_APPROVAL_MEMBERS_MAX, &k));
    if (t->approvers[0] != '\0') {
        int w = snprintf(t->approval, sizeof(t->approval), "%lld:%s", (long long)k, t->approvers);
        ES_ENSURE(w > 0 && (size_t)w < sizeof(t->approval), ESEAL_EINVAL, "\"approvers\" is too long");
        *out = t->approval;
    } else {
        *out = approval;
    }
    *given = av != NULL || t->approvers[0] != '\0';
    return ES_OK;
}

/* The request of a POST /grants body (its strings point into b and t). */
static ES_RESULT grant_request_of(json_t *b, grant_texts *t, eseal_grant_request *q)
{
    ES_GUARD(es_from_code(eseal_grant_request_init(q, ESEAL_GRANT_REQUEST_VERSION)));
    ES_GUARD(es_api_str(b, "seal", true, &q->seal));
    ES_GUARD(es_api_str(b, "user", false, &q->user));
    ES_GUARD(es_api_str(b, "role", false, &q->role));
    ES_ENSURE((q->user != NULL) != (q->role != NULL), ESEAL_EINVAL, "give the holder as \"user\" or as \"role\" (one)");
    ES_GUARD(join_array(b, "types", ",", t->types, sizeof(t->types)));
    ES_GUARD(join_array(b, "templates", ",", t->templates, sizeof(t->templates)));
    q->types = t->types;
    q->templates = t->templates;
    ES_GUARD(time_member(b, "not_before", &q->not_before_ms));
    ES_GUARD(time_member(b, "not_after", &q->not_after_ms));
    ES_GUARD(int_member(b, "max_uses", 1, API_GRANT_MAX_USES, &q->max_uses));
    bool given = false;
    ES_GUARD(approval_of(b, t, &q->approval, &given));
    json_t *d = json_object_get(b, "delegable");
    ES_ENSURE(d == NULL || json_is_null(d) || json_is_boolean(d), ESEAL_EMALFORMED, "\"delegable\" is true or false");
    q->delegable = d != NULL && json_is_true(d) ? 1 : 0;
    ES_GUARD(es_api_str(b, "parent", false, &q->parent));
    ES_GUARD(es_api_str(b, "note", false, &q->note));
    return ES_OK;
}

static ES_RESULT grants_add(es_api_call *c)
{
    static const char *const known[] = {"seal",  "user",      "role",     "types",     "templates", "not_before",
                                        "not_after", "max_uses", "approval", "approvers", "k",     "delegable",
                                        "parent", "note",     NULL};
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    grant_texts *t = es_calloc(1, sizeof(*t));
    if (t == NULL) {
        json_decref(b);
        ES_BAIL(ESEAL_ENOMEM, "api: a grant's request");
    }
    eseal_grant_request q;
    eseal_grant g;
    es_result r = grant_request_of(b, t, &q);
    if (es_ok(r)) {
        r = es_from_code(eseal_grant_add(c->inst, es_api_who(c), &q, &g));
    }
    es_free(t);
    json_decref(b);
    ES_GUARD(r);
    return es_api_reply(c, 201, grant_json(&g));
}

static ES_RESULT grants_revoke(es_api_call *c)
{
    static const char *const known[] = {"reason", NULL};
    char id[ESEAL_GRANT_ID_LEN + 8];
    ES_GUARD(es_api_segment(c, id, sizeof(id)));
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    const char *reason = NULL;
    es_result r = es_api_str(b, "reason", true, &reason);
    if (es_ok(r)) {
        r = es_from_code(eseal_grant_revoke(c->inst, es_api_who(c), id, reason));
    }
    json_decref(b);
    ES_GUARD(r);
    eseal_grant g;
    ES_GUARD(es_from_code(eseal_grant_find(c->inst, es_api_who(c), &g, id)));
    return es_api_reply(c, 200, grant_json(&g));
}

/*
 * The request of a POST /grants/{id}/change body: a key absent keeps the grant's, null clears it
 * (types, templates: any; not_before, not_after, max_uses: none; approval: none; delegable: not),
 * a value replaces it (eseal_grant_change: NULL and 0 keep, "" and -1 clear). seal, user, role,
 * parent and note are passed on for the library to refuse (a grant's seal and holder do not change).
 */
static ES_RESULT change_request_of(json_t *b, grant_texts *t, eseal_grant_request *q)
{
    ES_GUARD(es_from_code(eseal_grant_request_init(q, ESEAL_GRANT_REQUEST_VERSION)));
    ES_GUARD(es_api_str(b, "seal", false, &q->seal));
    ES_GUARD(es_api_str(b, "user", false, &q->user));
    ES_GUARD(es_api_str(b, "role", false, &q->role));
    ES_GUARD(es_api_str(b, "parent", false, &q->parent));
    ES_GUARD(es_api_str(b, "note", false, &q->note));
    if (json_object_get(b, "types") != NULL) {
        ES_GUARD(join_array(b, "types", ",", t->types, sizeof(t->types)));
        q->types = t->types;
    }
    if (json_object_get(b, "templates") != NULL) {
        ES_GUARD(join_array(b, "templates", ",", t->templates, sizeof(t->templates)));
        q->templates = t->templates;
    }
    static const char *const times[] = {"not_before", "not_after"};
    int64_t *ms[] = {&q->not_before_ms, &q->not_after_ms};
    for (size_t i = 0; i < 2; i++) {
        json_t *v = json_object_get(b, times[i]);
        if (v != NULL && json_is_null(v)) {
            *ms[i] = -1;
        } else {
            ES_GUARD(time_member(b, times[i], ms[i]));
        }
    }
    json_t *mu = json_object_get(b, "max_uses");
    if (mu != NULL && json_is_null(mu)) {
        q->max_uses = -1;
    } else {
        ES_GUARD(int_member(b, "max_uses", 1, API_GRANT_MAX_USES, &q->max_uses));
    }
    /* "approval": null clears the grant's policy (eseal_grant_change: "" clears, NULL keeps) */
    const char *approval = NULL;
    bool given = false;
    ES_GUARD(approval_of(b, t, &approval, &given));
    if (given) {
        q->approval = approval != NULL ? approval : "";
    }
    json_t *d = json_object_get(b, "delegable");
    ES_ENSURE(d == NULL || json_is_null(d) || json_is_boolean(d), ESEAL_EMALFORMED, "\"delegable\" is true or false");
    q->delegable = d == NULL ? 0 : json_is_true(d) ? 1 : -1;
    return ES_OK;
}

static ES_RESULT grants_change(es_api_call *c)
{
    static const char *const known[] = {"seal",      "user",     "role",     "types",     "templates",
                                        "not_before", "not_after", "max_uses", "approval", "approvers",
                                        "k",         "delegable", "parent",   "note",      "reason",
                                        NULL};
    char id[ESEAL_GRANT_ID_LEN + 8];
    ES_GUARD(es_api_segment(c, id, sizeof(id)));
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    grant_texts *t = es_calloc(1, sizeof(*t));
    if (t == NULL) {
        json_decref(b);
        ES_BAIL(ESEAL_ENOMEM, "api: a grant's change");
    }
    eseal_grant_request q;
    eseal_grant g;
    const char *reason = NULL;
    es_result r = change_request_of(b, t, &q);
    if (es_ok(r)) {
        r = es_api_str(b, "reason", false, &reason);
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_grant_change(c->inst, es_api_who(c), id, &q, reason, &g));
    }
    es_free(t);
    json_decref(b);
    ES_GUARD(r);
    return es_api_reply(c, 200, grant_json(&g));
}

/* ---- templates -------------------------------------------------------------------------------- */

static int add_template(const eseal_template *t, void *ctx)
{
    return json_array_append_new(ctx, template_json(t)) == 0 ? 0 : ESEAL_ENOMEM;
}

static ES_RESULT templates_list(es_api_call *c)
{
    const char *org = es_http_arg(c->rq, "org");
    ES_ENSURE(org == NULL || org[0] != '\0', ESEAL_EINVAL, "org: which organisation? (?org=ORG)");
    json_t *a = json_array();
    ES_ENSURE_ALLOC(a);
    return es_api_reply_list(c, eseal_template_list(c->inst, es_api_who(c), org, add_template, a), a);
}

/* Whether the media type `ctype` (parameters after ';' aside) is `want`, case aside. */
static bool media_type_is(const char *ctype, const char *want)
{
    size_t n = strlen(want);
    if (ctype == NULL || strncasecmp(ctype, want, n) != 0) {
        return false;
    }
    return ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ' || ctype[n] == '\t';
}

static ES_RESULT templates_add(es_api_call *c)
{
    const char *ct = c->rq->content_type;
    ES_ENSURE(media_type_is(ct, "application/pdf") || media_type_is(ct, "application/ofd") ||
                  media_type_is(ct, "application/octet-stream"),
              ESEAL_EUNSUPPORTED, "the body must be application/pdf, application/ofd or application/octet-stream");
    const char *name = es_http_arg(c->rq, "name"), *org = es_http_arg(c->rq, "org");
    ES_ENSURE(name != NULL && name[0] != '\0', ESEAL_EINVAL, "a template needs a name (?name=NAME)");
    ES_ENSURE(org == NULL || org[0] != '\0', ESEAL_EINVAL, "org: which organisation? (?org=ORG)");
    eseal_template t;
    ES_GUARD(es_from_code(
        eseal_template_add(c->inst, es_api_who(c), org, name, c->rq->body.ptr, c->rq->body.len, &t)));
    return es_api_reply(c, 201, template_json(&t));
}

#define GET ES_ROUTE_GET
#define POST ES_ROUTE_POST
#define J ES_CT_JSON

const es_api_route es_api_grants_routes[] = {
    {GET, "/grants", ES_API_USER, "seals:read", NULL, 0, grants_list, "GET /api/v1/grants"},
    {GET, "/grants/*", ES_API_USER, "seals:read", NULL, 0, grants_get, "GET /api/v1/grants/{id}"},
    {POST, "/grants", ES_API_USER, "seals:write", J, 0, grants_add, "POST /api/v1/grants"},
    {POST, "/grants/*/change", ES_API_USER, "seals:write", J, 0, grants_change, "POST /api/v1/grants/{id}/change"},
    {POST, "/grants/*/revoke", ES_API_USER, "seals:write", J, 0, grants_revoke, "POST /api/v1/grants/{id}/revoke"},
    {GET, "/templates", ES_API_USER, "seals:read", NULL, 0, templates_list, "GET /api/v1/templates"},
    {POST | ES_ROUTE_SPOOL, "/templates", ES_API_USER, "seals:write", NULL, ESEAL_TEMPLATE_MAX_BYTES, templates_add,
     "POST /api/v1/templates"},
};
const size_t es_api_grants_route_count = sizeof(es_api_grants_routes) / sizeof(es_api_grants_routes[0]);
