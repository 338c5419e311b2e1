/* SPDX-License-Identifier: Apache-2.0 */
/* The API's frame (api.h): credentials, access, CSRF, the lock, problem+json. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api.h"

/* One route of the API on the router: the route and the API it belongs to. */
typedef struct {
    es_api *api;
    const es_api_route *route;
    char pattern[128];
} api_binding;

#define API_ROUTES_MAX 96
/* Instances of the pooled routes: at most one per server thread is in use at a time. */
#define API_POOL_MAX 64

struct es_api {
    eseal_instance *inst;
    size_t max_upload; /* the cap of a spooled route with max_body 0 */
    pthread_mutex_t lock;
    api_binding bind[API_ROUTES_MAX];
    size_t n;
    /* The pool: idle instances (opened on inst's home when none is idle), under pool_lock. */
    pthread_mutex_t pool_lock;
    eseal_instance *idle[API_POOL_MAX];
    size_t n_idle;
    bool tls;
};

void es_api_set_tls(es_api *a, bool tls) { a->tls = tls; }
bool es_api_tls(const es_api *a) { return a != NULL && a->tls; }

/* An instance of the pool, or NULL with eseal_error_last() set. */
static eseal_instance *pool_take(es_api *a)
{
    eseal_instance *i = NULL;
    (void)pthread_mutex_lock(&a->pool_lock);
    if (a->n_idle > 0) {
        i = a->idle[--a->n_idle];
    }
    (void)pthread_mutex_unlock(&a->pool_lock);
    /* Opened like the server's own (its context, its passphrase and KEK: a pooled execution stamps).
     * Without the API's lock: what is read of the server's instance is set before it serves and never
     * changed after (no route changes the instance passphrase), and its KEK is read under passwd.c's
     * own lock, which is made for a server's threads asking at once. */
    if (i == NULL && eseal_instance_open_like(&i, a->inst) != ESEAL_OK) {
        i = NULL;
    }
    return i;
}

static void pool_give(es_api *a, eseal_instance *i)
{
    (void)pthread_mutex_lock(&a->pool_lock);
    if (a->n_idle < API_POOL_MAX) {
        a->idle[a->n_idle++] = i;
        i = NULL;
    }
    (void)pthread_mutex_unlock(&a->pool_lock);
    eseal_instance_close(i); /* more at once than the pool keeps: not kept */
}

/* ---- answers ---------------------------------------------------------------------------------- */

/* The stable code of a status (RFC 9457 `code` member; docs/http-api.md lists them). */
static const char *code_of(int status, int code)
{
    switch (code) {
    case ESEAL_EAUTH:
        return "UNAUTHENTICATED";
    case ESEAL_EDENIED:
        return "FORBIDDEN";
    case ESEAL_ENOTFOUND:
        return "NOT_FOUND";
    case ESEAL_ERATE:
        return "RATE_LIMITED";
    case ESEAL_ELIMIT:
        return "TOO_LARGE";
    case ESEAL_EINVAL:
    case ESEAL_EMALFORMED:
        return "BAD_INPUT";
    case ESEAL_EEXISTS:
    case ESEAL_EAMBIGUOUS:
        return "CONFLICT";
    case ESEAL_ESTATE:
        return "WRONG_STATE";
    case ESEAL_EUNSUPPORTED:
        return "UNSUPPORTED";
    case ESEAL_EVERIFY:
        return "NOT_VERIFIED";
    case ESEAL_EPASS:
        return "LOCKED";
    default:
        return status == 503 ? "UNAVAILABLE" : "INTERNAL";
    }
}

ES_RESULT es_api_problem(es_http_response *rs, int status, const char *code, const char *detail)
{
    json_t *o = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title", es_server_reason(status), "status",
                          status, "code", code);
    ES_ENSURE_ALLOC(o);
    if (detail != NULL && json_object_set_new(o, "detail", json_string(detail)) != 0) {
        json_decref(o);
        ES_BAIL(ESEAL_ENOMEM, "api: building a problem");
    }
    es_result r = es_api_json(rs, status, o);
    json_decref(o);
    ES_GUARD(r);
    (void)snprintf(rs->content_type, sizeof(rs->content_type), ES_CT_PROBLEM);
    return ES_OK;
}

ES_RESULT es_api_fail(es_http_response *rs, int code)
{
    int status = es_server_status(code);
    const eseal_error *e = eseal_error_last();
    /* A 5xx says nothing of our insides; a 4xx says what was wrong with the request. */
    const char *detail = status < 500 && e->code == code && e->message[0] != '\0' ? e->message : NULL;
    /* a refusal that names its reason (a grant's: NO_GRANT, GRANT_EXPIRED...) is its stable code */
    const char *stable = status < 500 && e->code == code && e->reason != NULL && e->reason[0] != '\0'
                             ? e->reason
                             : code_of(status, code);
    return es_api_problem(rs, status, stable, detail);
}

ES_RESULT es_api_json(es_http_response *rs, int status, json_t *v)
{
    char *txt = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
    ES_ENSURE_ALLOC(txt);
    rs->status = status;
    (void)snprintf(rs->content_type, sizeof(rs->content_type), ES_CT_JSON);
    es_buf_clear(&rs->body);
    es_result r = es_buf_append_str(&rs->body, txt);
    free(txt); /* !checksrc! allowed: jansson's allocation */
    return r;
}

json_t *es_api_time(int64_t ms)
{
    if (ms == 0) {
        return json_null();
    }
    char t[ES_RFC3339_LEN];
    es_time_rfc3339(t, ms);
    return json_string(t);
}

json_t *es_api_str_or_null(const char *s) { return s != NULL && s[0] != '\0' ? json_string(s) : json_null(); }

json_t *es_api_list(const char *csv)
{
    json_t *a = json_array();
    for (const char *p = csv; a != NULL && p != NULL && *p != '\0';) {
        size_t n = strcspn(p, ",");
        (void)json_array_append_new(a, json_stringn(p, n));
        p += n + (p[n] == ',' ? 1 : 0);
    }
    return a;
}

ES_RESULT es_api_reply(es_api_call *c, int status, json_t *v)
{
    ES_ENSURE_ALLOC(v);
    es_result r = es_api_json(c->rs, status, v);
    json_decref(v);
    return r;
}

ES_RESULT es_api_reply_list(es_api_call *c, int rc, json_t *a)
{
    if (rc != ESEAL_OK) {
        json_decref(a);
        return es_from_code(rc);
    }
    return es_api_reply(c, 200, a);
}

ES_RESULT es_api_reply_bytes(es_api_call *c, const char *type, const void *p, size_t n)
{
    c->rs->status = 200;
    (void)snprintf(c->rs->content_type, sizeof(c->rs->content_type), "%s", type);
    es_buf_clear(&c->rs->body);
    return es_buf_append(&c->rs->body, p, n);
}

ES_RESULT es_api_no_content(es_api_call *c)
{
    c->rs->status = 204;
    es_buf_clear(&c->rs->body);
    (void)snprintf(c->rs->content_type, sizeof(c->rs->content_type), ES_CT_JSON);
    return ES_OK;
}

/* (api.h) A private directory (0700) for a request's files, under the instance's HOME/tmp (the
 * server makes it 0700 for uploads), else TMPDIR. */
ES_RESULT es_api_temp_dir(const es_api_call *c, char *dir, size_t cap)
{
    const char *home = eseal_instance_home(c->inst);
    struct stat st;
    char base[4096];
    int b = home != NULL ? snprintf(base, sizeof(base), "%s/tmp", home) : -1;
    if (b <= 0 || (size_t)b >= sizeof(base) || stat(base, &st) != 0 || !S_ISDIR(st.st_mode)) {
        const char *tmp = getenv("TMPDIR");
        (void)snprintf(base, sizeof(base), "%s", tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
    }
    int n = snprintf(dir, cap, "%s/eseal-api-XXXXXX", base);
    ES_ENSURE(n > 0 && (size_t)n < cap, ESEAL_ELIMIT, "api: the temporary folder's path is too long");
    ES_ENSURE(mkdtemp(dir) != NULL, ESEAL_EIO, "api: cannot make a temporary directory");
    return ES_OK;
}

/* ---- requests ----------------------------------------------------------------------------------- */

ES_RESULT es_api_body(const es_api_call *c, const char *const *known, json_t **out)
{
    *out = NULL;
    json_error_t err;
    json_t *o = json_loadb((const char *)c->rq->body.ptr, c->rq->body.len, JSON_REJECT_DUPLICATES, &err);
    ES_ENSURE(o != NULL, ESEAL_EMALFORMED, "the body is not JSON: %s", err.text);
    if (!json_is_object(o)) {
        json_decref(o);
        ES_BAIL(ESEAL_EMALFORMED, "the body is not a JSON object");
    }
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        bool ok = false;
        for (size_t i = 0; known[i] != NULL && !ok; i++) {
            ok = strcmp(known[i], k) == 0;
        }
        if (!ok) {
            es_result r = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "unknown field \"%.40s\"", k);
            json_decref(o);
            return r;
        }
    }
    *out = o;
    return ES_OK;
}

ES_RESULT es_api_str(json_t *o, const char *key, bool required, const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        ES_ENSURE(!required, ESEAL_EMALFORMED, "the field \"%s\" is missing", key);
        return ES_OK;
    }
    ES_ENSURE(json_is_string(v), ESEAL_EMALFORMED, "the field \"%s\" is not a string", key);
    ES_ENSURE(strlen(json_string_value(v)) == json_string_length(v), ESEAL_EMALFORMED, "the field \"%s\" holds a NUL",
              key);
    *out = json_string_value(v);
    return ES_OK;
}

ES_RESULT es_api_segment(const es_api_call *c, char *out, size_t cap)
{
    ES_ENSURE(c->m->arg != NULL && c->m->arg_len > 0 && c->m->arg_len < cap, ESEAL_EINVAL, "a path segment too long");
    memcpy(out, c->m->arg, c->m->arg_len);
    out[c->m->arg_len] = '\0';
    /* An id, a login, a code or a name (libmicrohttpd has decoded %XX): no control character. The
     * library checks it further as what it names. */
    for (size_t i = 0; i < c->m->arg_len; i++) {
        unsigned char ch = (unsigned char)out[i];
        ES_ENSURE(ch >= 0x20 && ch != 0x7f, ESEAL_EINVAL, "a path segment with a control character");
    }
    return ES_OK;
}

/* The value of cookie `name` in a Cookie header (RFC 6265 §4.2: "a=b; c=d"), copied; false when absent. */
static bool cookie_value(const char *header, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    for (const char *p = header; p != NULL && *p != '\0';) {
        while (*p == ' ' || *p == ';') {
            p++;
        }
        size_t len = strcspn(p, ";");
        if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
            size_t v = len - n - 1;
            if (v == 0 || v >= cap) {
                return false;
            }
            memcpy(out, p + n + 1, v);
            out[v] = '\0';
            return true;
        }
        p += len;
    }
    return false;
}

static bool bearer(const char *authz, const char **token)
{
    static const char scheme[] = "bearer ";
    if (authz == NULL || strlen(authz) < sizeof(scheme)) {
        return false;
    }
    for (size_t i = 0; i + 1 < sizeof(scheme); i++) {
        char c = authz[i];
        if ((char)(c >= 'A' && c <= 'Z' ? c + 32 : c) != scheme[i]) {
            return false;
        }
    }
    *token = authz + sizeof(scheme) - 1;
    return true;
}

static bool is_public(es_api_access access) { return access == ES_API_PUBLIC || access == ES_API_PUBLIC_POOLED; }

/* Steps 1-3 of api.h for one call: ESEAL_OK with c->authed set, or the failure to answer. */
static ES_RESULT admit(es_api_call *c, const es_api_route *rt)
{
    const es_http_request *rq = c->rq;
    const char *address = rq->remote[0] != '\0' ? rq->remote : NULL;
    const char *token = NULL;
    if (rq->authorization != NULL && rq->authorization[0] != '\0') {
        ES_ENSURE(bearer(rq->authorization, &token), ESEAL_EAUTH, "the Authorization header takes a Bearer token");
        ES_GUARD(es_from_code(eseal_auth_token(c->inst, &c->id, token, address)));
        c->authed = true;
    } else if (rq->cookie != NULL && cookie_value(rq->cookie, "eseal_session", c->session, sizeof(c->session))) {
        bool safe = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;
        const char *csrf = safe ? NULL : rq->csrf_token != NULL ? rq->csrf_token : "";
        int rc = eseal_session_check(c->inst, &c->id, c->session, csrf, address);
        if (rc == ESEAL_EAUTH && is_public(rt->access)) {
            eseal_error_clear(); /* a stale cookie on a public page: the page is still public */
            c->session[0] = '\0';
            return ES_OK;
        }
        ES_GUARD(es_from_code(rc));
        c->authed = true;
        c->by_session = true;
    }
    if (is_public(rt->access)) {
        return ES_OK;
    }
    ES_ENSURE(c->authed, ESEAL_EAUTH, "this needs a login or an API token");
    ES_ENSURE(rt->scope == NULL || eseal_identity_has_scope(&c->id, rt->scope) == 1, ESEAL_EDENIED,
              "the token has no scope %s", rt->scope);
    return ES_OK;
}

static int dispatch(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    api_binding *b = ctx;
    es_api *a = b->api;
    es_api_call c;
    memset(&c, 0, sizeof(c));
    c.api = a;
    c.inst = a->inst;
    c.rq = rq;
    c.rs = rs;
    c.m = m;
    es_result r = ES_OK;
    if (b->route->access == ES_API_USER_POOLED) {
        /* Admission and handler on a handle of their own, the lock never taken: a long execution
         * or upload does not hold up the others, and its progress can be polled meanwhile. What
         * two such calls could race on (two executions of one request, a document stamped twice)
         * is decided in the store, as between two processes of one home (issue 20). */
        c.inst = pool_take(a);
        if (c.inst == NULL) {
            r = es_error_set(eseal_error_last()->code, __FILE__, __LINE__, "%s", eseal_error_last()->message);
        } else {
            r = admit(&c, b->route);
            if (c.authed) {
                (void)snprintf(rs->principal, sizeof(rs->principal), "%s", c.id.login);
            }
            if (es_ok(r)) {
                r = b->route->fn(&c);
            }
            pool_give(a, c.inst);
        }
    } else {
        (void)pthread_mutex_lock(&a->lock);
        r = admit(&c, b->route);
        if (c.authed) {
            /* The access log's principal: the login, never a credential. */
            (void)snprintf(rs->principal, sizeof(rs->principal), "%s", c.id.login);
        }
        if (es_ok(r) && b->route->access != ES_API_PUBLIC_POOLED) {
            r = b->route->fn(&c);
        }
        (void)pthread_mutex_unlock(&a->lock);
    }
    if (es_ok(r) && b->route->access == ES_API_PUBLIC_POOLED) {
        c.inst = pool_take(a);
        r = c.inst != NULL ? b->route->fn(&c) : es_error_set(eseal_error_last()->code, __FILE__, __LINE__, "%s",
                                                               eseal_error_last()->message);
        if (c.inst != NULL) {
            pool_give(a, c.inst);
        }
    }
    es_result answer = ES_OK;
    if (!es_ok(r)) {
        int code = es_code(r);
        if (code == ESEAL_EDENIED && strstr(eseal_error_last()->message, "CSRF") != NULL) {
            answer = es_api_problem(rs, 403, "CSRF", eseal_error_last()->message);
        } else {
            answer = es_api_fail(rs, code);
        }
        if (code == ESEAL_EAUTH && es_ok(answer)) {
            answer = es_http_header_add(rs, "WWW-Authenticate", "Bearer realm=\"eseal\"");
        }
    }
    es_wipe(&c.id, sizeof(c.id));
    es_wipe(c.session, sizeof(c.session));
    return es_code(answer);
}

/* The route tables of the API's files, in the order the banner lists them. */
static const struct {
    const es_api_route *routes;
    const size_t *n;
} tables[] = {
    {es_api_accounts_routes, &es_api_accounts_route_count},
    {es_api_seals_routes, &es_api_seals_route_count},
    {es_api_public_routes, &es_api_public_route_count},
    {es_api_more_routes, &es_api_more_route_count},
    {es_api_grants_routes, &es_api_grants_route_count},
    {es_api_webhooks_routes, &es_api_webhooks_route_count},
    {es_api_requests_routes, &es_api_requests_route_count},
    {es_api_devices_routes, &es_api_devices_route_count},
};

size_t es_api_route_count(void)
{
    size_t n = 0;
    for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
        n += *tables[t].n;
    }
    return n;
}

const es_api_route *es_api_route_at(size_t i)
{
    for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
        if (i < *tables[t].n) {
            return &tables[t].routes[i];
        }
        i -= *tables[t].n;
    }
    return NULL;
}

ES_RESULT es_server_mount_api(es_router *r, eseal_instance *inst, size_t max_upload, es_api **out)
{
    ES_ENSURE_ARG(r != NULL && inst != NULL && out != NULL);
    es_api *a = es_calloc(1, sizeof(*a));
    ES_ENSURE_ALLOC(a);
    a->inst = inst;
    a->max_upload = max_upload != 0 ? max_upload : ES_API_UPLOAD_DEFAULT;
    if (pthread_mutex_init(&a->lock, NULL) != 0) {
        es_free(a);
        ES_BAIL(ESEAL_ENOMEM, "api: cannot make its lock");
    }
    if (pthread_mutex_init(&a->pool_lock, NULL) != 0) {
        (void)pthread_mutex_destroy(&a->lock);
        es_free(a);
        ES_BAIL(ESEAL_ENOMEM, "api: cannot make its lock");
    }
    size_t n = es_api_route_count();
    es_result res = ES_OK;
    for (size_t i = 0; i < n && es_ok(res); i++) {
        const es_api_route *route = es_api_route_at(i);
        if (a->n == API_ROUTES_MAX) {
            res = es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "api: more than %d routes", API_ROUTES_MAX);
            break;
        }
        api_binding *b = &a->bind[a->n++];
        b->api = a;
        b->route = route;
        (void)snprintf(b->pattern, sizeof(b->pattern), "%s%s", ES_API_PREFIX, route->pattern);
        bool spool = (route->method & ES_ROUTE_SPOOL) != 0;
        size_t cap = route->max_body != 0 ? route->max_body : spool ? a->max_upload : ES_API_JSON_MAX;
        es_route rt = {route->method, b->pattern, route->accept, cap, dispatch, b, route->doc};
        res = es_router_add(r, &rt);
    }
    if (!es_ok(res)) {
        es_api_free(a);
        return res;
    }
    *out = a;
    return ES_OK;
}

eseal_instance *es_api_instance(es_api *a) { return a->inst; }

int es_api_locked(es_api *a, int (*fn)(void *ctx), void *ctx)
{
    (void)pthread_mutex_lock(&a->lock);
    int rc = fn(ctx);
    (void)pthread_mutex_unlock(&a->lock);
    return rc;
}

void es_api_free(es_api *a)
{
    if (a != NULL) {
        for (size_t i = 0; i < a->n_idle; i++) {
            eseal_instance_close(a->idle[i]);
        }
        (void)pthread_mutex_destroy(&a->pool_lock);
        (void)pthread_mutex_destroy(&a->lock);
        es_free(a);
    }
}
