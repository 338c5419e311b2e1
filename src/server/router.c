/* SPDX-License-Identifier: Apache-2.0 */
/* The router (server.h): method + path pattern -> handler; 404, 405 with Allow, 415 and 413 by itself. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "server.h"

struct es_router {
    es_route routes[ES_ROUTER_MAX_ROUTES];
    size_t n;
    size_t max_cap; /* the largest cap of any route: what a request no route takes may send */
};

/* How specific a match is: exact over `*` over prefix, longer prefixes first. */
enum { RANK_NONE = 0, RANK_PREFIX = 1, RANK_SEGMENT = 1 << 20, RANK_EXACT = 1 << 21 };

ES_RESULT es_router_new(es_router **out)
{
    ES_ENSURE_ARG(out != NULL);
    es_router *r = es_calloc(1, sizeof(*r));
    ES_ENSURE_ALLOC(r);
    r->max_cap = ES_ROUTER_DEFAULT_BODY;
    *out = r;
    return ES_OK;
}

void es_router_free(es_router *r) { es_free(r); }

static size_t route_cap(const es_route *rt) { return rt->max_body != 0 ? rt->max_body : ES_ROUTER_DEFAULT_BODY; }

ES_RESULT es_router_add(es_router *r, const es_route *route)
{
    ES_ENSURE_ARG(r != NULL && route != NULL && route->fn != NULL && route->pattern != NULL &&
                  route->pattern[0] == '/' && (route->methods & (ES_ROUTE_GET | ES_ROUTE_POST)) != 0);
    ES_ENSURE(r->n < ES_ROUTER_MAX_ROUTES, ESEAL_ELIMIT, "server: more than %u routes", ES_ROUTER_MAX_ROUTES);
    const char *star = strchr(route->pattern, '*');
    ES_ENSURE(star == NULL || (strchr(star + 1, '*') == NULL && star[-1] == '/'), ESEAL_EINVAL,
              "server: route pattern '%s' (one '*', a whole segment)", route->pattern);
    r->routes[r->n++] = *route;
    r->max_cap = route_cap(route) > r->max_cap ? route_cap(route) : r->max_cap;
    return ES_OK;
}

/* The rank of `path` against `pattern` (RANK_NONE: no match), and what the pattern leaves. */
static int match(const char *pattern, const char *path, es_route_match *m)
{
    const char *star = strchr(pattern, '*');
    size_t plen = strlen(pattern);
    if (star != NULL) {
        size_t head = (size_t)(star - pattern);
        if (strncmp(path, pattern, head) != 0) {
            return RANK_NONE;
        }
        const char *seg = path + head;
        size_t n = strcspn(seg, "/");
        const char *tail = star + 1;
        if (n == 0 || n > ES_ROUTER_MAX_SEGMENT || strcmp(seg + n, tail) != 0) {
            return RANK_NONE;
        }
        *m = (es_route_match){seg, n};
        return RANK_SEGMENT;
    }
    if (pattern[plen - 1] == '/' && plen > 1) {
        if (strncmp(path, pattern, plen) != 0) {
            return RANK_NONE;
        }
        *m = (es_route_match){path + plen, strlen(path + plen)};
        return RANK_PREFIX + (int)plen;
    }
    if (strcmp(path, pattern) != 0) {
        return RANK_NONE;
    }
    *m = (es_route_match){path + plen, 0};
    return RANK_EXACT;
}

static unsigned int method_bit(const char *method)
{
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        return ES_ROUTE_GET;
    }
    return strcmp(method, "POST") == 0 ? ES_ROUTE_POST : 0;
}

/* The best route taking `method` at `path` (NULL: none), and the methods of every route at `path`. */
static const es_route *find(const es_router *r, const char *method, const char *path, es_route_match *m,
                            unsigned int *allowed)
{
    unsigned int want = method_bit(method);
    const es_route *best = NULL;
    int best_rank = RANK_NONE;
    *allowed = 0;
    for (size_t i = 0; i < r->n; i++) {
        es_route_match here;
        int rank = match(r->routes[i].pattern, path, &here);
        if (rank == RANK_NONE) {
            continue;
        }
        *allowed |= r->routes[i].methods & (ES_ROUTE_GET | ES_ROUTE_POST);
        if ((r->routes[i].methods & want) != 0 && rank > best_rank) {
            best = &r->routes[i];
            best_rank = rank;
            *m = here;
        }
    }
    return best;
}

size_t es_router_body_cap(void *router, const char *method, const char *path)
{
    const es_router *r = router;
    es_route_match m;
    unsigned int allowed = 0;
    const es_route *rt = find(r, method, path, &m, &allowed);
    return rt != NULL ? route_cap(rt) : r->max_cap;
}

bool es_router_spool(void *router, const char *method, const char *path)
{
    es_route_match m;
    unsigned int allowed = 0;
    const es_route *rt = find(router, method, path, &m, &allowed);
    return rt != NULL && (rt->methods & ES_ROUTE_SPOOL) != 0;
}

const char *es_router_label(const es_router *r, const char *method, const char *path)
{
    es_route_match m;
    unsigned int allowed = 0;
    const es_route *rt = find(r, method, path, &m, &allowed);
    return rt != NULL ? rt->doc : NULL;
}

/* The media type of a Content-Type value, without parameters, compared case-insensitively (RFC 9110 §8.3.1). */
static bool media_type_is(const char *ctype, const char *want)
{
    size_t n = strlen(want);
    if (strlen(ctype) < n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char a = ctype[i], b = want[i];
        a = (char)(a >= 'A' && a <= 'Z' ? a + 32 : a);
        b = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
        if (a != b) {
            return false;
        }
    }
    return ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ' || ctype[n] == '\t';
}

static int not_allowed(es_http_response *rs, unsigned int allowed)
{
    (void)snprintf(rs->allow, sizeof(rs->allow), "%s%s%s", (allowed & ES_ROUTE_GET) != 0 ? "GET, HEAD" : "",
                   allowed == (ES_ROUTE_GET | ES_ROUTE_POST) ? ", " : "", (allowed & ES_ROUTE_POST) != 0 ? "POST" : "");
    static const char msg[] = "method not allowed\n";
    return es_server_reply(rs, 405, ES_CT_TEXT, msg, sizeof(msg) - 1);
}

/* The router's own refusals: under /api/ (the API's namespace, whatever the version) as
 * problem+json (api.h), elsewhere as text. */
static int refuse(const es_http_request *rq, es_http_response *rs, int code)
{
    if (strncmp(rq->path, "/api/", 5) == 0) { /* the API's whole namespace, /api/v1 or not */
        return es_code(es_api_fail(rs, code));
    }
    return es_server_error(rs, code);
}

static int dispatch(const es_router *r, const es_http_request *rq, es_http_response *rs)
{
    es_route_match m = {NULL, 0};
    unsigned int allowed = 0;
    const es_route *rt = find(r, rq->method, rq->path, &m, &allowed);
    if (rt == NULL && allowed == 0) {
        return refuse(rq, rs, es_code(es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "not found")));
    }
    if (rt == NULL) {
        int rc = not_allowed(rs, allowed);
        if (rc == ESEAL_OK && strncmp(rq->path, "/api/", 5) == 0) {
            char allow[sizeof(rs->allow)];
            memcpy(allow, rs->allow, sizeof(allow));
            rc = es_code(es_api_problem(rs, 405, "METHOD_NOT_ALLOWED", "method not allowed"));
            memcpy(rs->allow, allow, sizeof(allow));
        }
        return rc;
    }
    if (rt->accept != NULL && strcmp(rq->method, "POST") == 0 && !media_type_is(rq->content_type, rt->accept)) {
        return refuse(rq, rs, es_code(es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__,
                                                   "the body must be %s", rt->accept)));
    }
    int rc = rt->fn(rt->ctx, rq, &m, rs);
    return rc == ESEAL_OK ? ESEAL_OK : refuse(rq, rs, rc);
}

/* A spooled body (es_http_request.body_fd) as a read-only mapping for the handler: no copy in
 * memory; what the handler read counts only when the mapping stayed intact (es_map). */
static int dispatch_spooled(const es_router *r, const es_http_request *rq, es_http_response *rs)
{
    es_map map = {0};
    es_http_request mapped = *rq;
    mapped.body_fd = -1;
    mapped.body_fd_len = 0;
    if (rq->body_fd_len > 0) {
        es_result m = es_map_fd(&map, rq->body_fd, rq->body_fd_len);
        if (!es_ok(m)) {
            /* No mapping slot left (many uploads at once) or no memory: try again later (503). */
            return refuse(rq, rs, es_code(es_error_set(ESEAL_ECANCELED, __FILE__, __LINE__,
                                                       "server: the upload cannot be read now")));
        }
        mapped.body = (es_span){map.ptr, map.len};
    }
    int rc = dispatch(r, &mapped, rs);
    if (rc == ESEAL_OK && map.ptr != NULL && es_map_damaged(&map)) {
        rc = es_code(es_error_set(ESEAL_EIO, __FILE__, __LINE__, "server: the uploaded body changed while it was read"));
    }
    es_map_close(&map);
    return rc;
}

ES_RESULT es_router_handle(void *router, const es_http_request *rq, es_http_response *rs)
{
    int rc = rq->body_fd >= 0 && rq->body_fd_len > 0 ? dispatch_spooled(router, rq, rs) : dispatch(router, rq, rs);
    if (rc == ESEAL_OK && rs->content_type[0] == '\0') {
        (void)snprintf(rs->content_type, sizeof(rs->content_type), ES_CT_TEXT); /* every answer has a type */
    }
    /* Only a failure to build the answer itself (memory) is left: src/http answers 500. */
    ES_ENSURE(rc == ESEAL_OK, rc, "server: cannot build the answer: %s", eseal_error_last()->message);
    return ES_OK;
}

ES_RESULT es_router_describe(const es_router *r, es_buf *out)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->routes[i].doc != NULL) {
            ES_GUARD(es_buf_printf(out, "%s%s", out->len > 0 ? ", " : "", r->routes[i].doc));
        }
    }
    return ES_OK;
}
