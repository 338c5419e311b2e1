/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server (src/server): the status table, the router in process (404, 405 with Allow, 415,
 * the most specific pattern, what a pattern leaves to its handler, handler errors through the
 * table, a Content-Type always), the router behind src/http on port 0 (413 before the handler,
 * the Allow and Content-Type headers), and eseal_instance_serve on a real instance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "eseal/eseal.h"
#include "server/server.h"
#include "../test_instance.h"

/* ---- the status table ---------------------------------------------------------------------- */

static void status_table(void **state)
{
    (void)state;
    static const struct {
        int code, status;
    } want[] = {{ESEAL_OK, 200},           {ESEAL_EINVAL, 400},    {ESEAL_EMALFORMED, 400}, {ESEAL_ELIMIT, 413},
                {ESEAL_ENOTFOUND, 404},    {ESEAL_EUNSUPPORTED, 415}, {ESEAL_EAMBIGUOUS, 409}, {ESEAL_EEXISTS, 409},
                {ESEAL_ESTATE, 409},       {ESEAL_EVERIFY, 422},   {ESEAL_EPASS, 401},      {ESEAL_EDENIED, 403},
                {ESEAL_ECANCELED, 503},    {ESEAL_EIO, 500},       {ESEAL_ESTORE, 500},     {ESEAL_ECRYPTO, 500},
                {ESEAL_ENOMEM, 500},       {ESEAL_ERROR, 500},     {-999, 500}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_int_equal(es_server_status(want[i].code), want[i].status);
    }
    assert_string_equal(es_server_reason(404), "Not Found");
    assert_string_equal(es_server_reason(405), "Method Not Allowed");
    assert_string_equal(es_server_reason(299), "Error");

    /* A 4xx says why (the message set where the problem was found); a 5xx says nothing of it. */
    es_http_response rs = {0, "", ES_BUF_INIT(4096), "", {{0}}, {{0}}, 0, "", ""};
    es_result r = es_error_set(ESEAL_EVERIFY, __FILE__, __LINE__, "the proof does not verify");
    assert_int_equal(es_server_error(&rs, es_code(r)), ESEAL_OK);
    assert_int_equal(rs.status, 422);
    assert_string_equal(rs.content_type, ES_CT_TEXT);
    assert_string_equal(es_buf_cstr(&rs.body), "the proof does not verify\n");
    r = es_error_set(ESEAL_ESTORE, __FILE__, __LINE__, "store: /secret/path/eseal.db is locked");
    assert_int_equal(es_server_error(&rs, es_code(r)), ESEAL_OK);
    assert_int_equal(rs.status, 500);
    assert_string_equal(es_buf_cstr(&rs.body), "Internal Server Error\n");
    /* A code other than the last error's: the phrase, not a stale message. */
    r = es_error_set(ESEAL_EIO, __FILE__, __LINE__, "unrelated");
    assert_int_equal(es_server_error(&rs, ESEAL_ENOTFOUND), ESEAL_OK);
    assert_string_equal(es_buf_cstr(&rs.body), "Not Found\n");
    es_buf_free(&rs.body);
}

/* ---- the router in process ----------------------------------------------------------------- */

typedef struct {
    const char *name;  /* written into the body */
    int rc;            /* returned after writing */
    int calls;
    char arg[300];     /* the last es_route_match */
} probe;

static int probe_fn(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)rq;
    probe *p = ctx;
    p->calls++;
    (void)snprintf(p->arg, sizeof(p->arg), "%.*s", (int)m->arg_len, m->arg != NULL ? m->arg : "");
    if (p->rc != ESEAL_OK) {
        return es_code(es_error_set(p->rc, __FILE__, __LINE__, "%s failed on purpose", p->name));
    }
    /* No content type: the router gives one. */
    return es_code(es_buf_append_str(&rs->body, p->name));
}

static probe p_exact = {"exact", ESEAL_OK, 0, ""}, p_prefix = {"prefix", ESEAL_OK, 0, ""},
             p_long = {"longprefix", ESEAL_OK, 0, ""}, p_seg = {"segment", ESEAL_OK, 0, ""},
             p_post = {"post", ESEAL_OK, 0, ""}, p_fail = {"fail", ESEAL_EIO, 0, ""},
             p_gone = {"gone", ESEAL_ENOTFOUND, 0, ""};

static es_router *make_router(void)
{
    es_router *r = NULL;
    assert_true(es_ok(es_router_new(&r)));
    const es_route routes[] = {
        {ES_ROUTE_GET, "/a/", NULL, 0, probe_fn, &p_prefix, "GET /a/..."},
        {ES_ROUTE_GET, "/a/b/", NULL, 0, probe_fn, &p_long, NULL},
        {ES_ROUTE_GET, "/a/*/x", NULL, 0, probe_fn, &p_seg, NULL},
        {ES_ROUTE_GET, "/a/exact", NULL, 0, probe_fn, &p_exact, NULL},
        {ES_ROUTE_POST, "/p", "application/x-thing", 100, probe_fn, &p_post, "POST /p"},
        {ES_ROUTE_GET, "/fail", NULL, 0, probe_fn, &p_fail, NULL},
        {ES_ROUTE_GET, "/gone", NULL, 0, probe_fn, &p_gone, NULL},
    };
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        assert_true(es_ok(es_router_add(r, &routes[i])));
    }
    return r;
}

/* Dispatches one request in process; the response is left in *rs (free its body). */
static void ask(es_router *r, const char *method, const char *path, const char *ctype, const char *body,
                es_http_response *rs)
{
    es_buf_free(&rs->body);
    *rs = (es_http_response){200, "", ES_BUF_INIT(1 << 16), "", {{0}}, {{0}}, 0, "", ""};
    es_http_request rq = {method, path, ctype, es_span_of(body, strlen(body)), "", "", "", "", NULL, NULL, "", -1, 0,
                          NULL};
    assert_true(es_ok(es_router_handle(r, &rq, rs)));
    assert_true(rs->content_type[0] != '\0'); /* every answer has a type */
}

static void router_dispatch(void **state)
{
    (void)state;
    es_router *r = make_router();
    es_http_response rs = {0, "", ES_BUF_INIT(16), "", {{0}}, {{0}}, 0, "", ""};

    /* The most specific pattern: exact, then `*`, then the longest prefix. */
    ask(r, "GET", "/a/exact", "", "", &rs);
    assert_int_equal(rs.status, 200);
    assert_string_equal(es_buf_cstr(&rs.body), "exact");
    assert_string_equal(rs.content_type, ES_CT_TEXT);
    ask(r, "GET", "/a/seg1/x", "", "", &rs);
    assert_string_equal(es_buf_cstr(&rs.body), "segment");
    assert_string_equal(p_seg.arg, "seg1");
    ask(r, "GET", "/a/b/c/d", "", "", &rs);
    assert_string_equal(es_buf_cstr(&rs.body), "longprefix");
    assert_string_equal(p_long.arg, "c/d");
    ask(r, "HEAD", "/a/anything/else", "", "", &rs);
    assert_string_equal(es_buf_cstr(&rs.body), "prefix");
    assert_string_equal(p_prefix.arg, "anything/else");
    /* `*` is one segment: two segments fall to the prefix. */
    ask(r, "GET", "/a/s1/s2/x", "", "", &rs);
    assert_string_equal(es_buf_cstr(&rs.body), "prefix");
    /* A too long segment is no segment. */
    char longpath[400] = "/a/";
    memset(longpath + 3, 'k', ES_ROUTER_MAX_SEGMENT + 1);
    (void)snprintf(longpath + 3 + ES_ROUTER_MAX_SEGMENT + 1, 10, "/x");
    ask(r, "GET", longpath, "", "", &rs);
    assert_string_equal(es_buf_cstr(&rs.body), "prefix");

    /* 404: no route has the path; the pattern does not match a shorter path. */
    int before = p_prefix.calls + p_post.calls;
    ask(r, "GET", "/nowhere", "", "", &rs);
    assert_int_equal(rs.status, 404);
    assert_string_equal(rs.allow, "");
    ask(r, "GET", "/a", "", "", &rs);
    assert_int_equal(rs.status, 404);
    ask(r, "POST", "/pp", "application/x-thing", "x", &rs);
    assert_int_equal(rs.status, 404);

    /* 405 with the methods the path takes. */
    ask(r, "GET", "/p", "", "", &rs);
    assert_int_equal(rs.status, 405);
    assert_string_equal(rs.allow, "POST");
    ask(r, "POST", "/a/exact", "application/x-thing", "x", &rs);
    assert_int_equal(rs.status, 405);
    assert_string_equal(rs.allow, "GET, HEAD");
    ask(r, "DELETE", "/p", "", "", &rs);
    assert_int_equal(rs.status, 405);
    ask(r, "PUT", "/a/exact", "", "", &rs);
    assert_int_equal(rs.status, 405);
    assert_string_equal(rs.allow, "GET, HEAD");

    /* 415: another media type; parameters and case do not matter. */
    ask(r, "POST", "/p", "text/plain", "x", &rs);
    assert_int_equal(rs.status, 415);
    ask(r, "POST", "/p", "application/x-thingy", "x", &rs);
    assert_int_equal(rs.status, 415);
    ask(r, "POST", "/p", "", "x", &rs);
    assert_int_equal(rs.status, 415);
    assert_int_equal(p_prefix.calls + p_post.calls, before); /* no handler saw any of these */
    ask(r, "POST", "/p", "Application/X-Thing; charset=binary", "x", &rs);
    assert_int_equal(rs.status, 200);
    assert_string_equal(es_buf_cstr(&rs.body), "post");

    /* Handler errors through the table: 404 says why, 500 does not. */
    ask(r, "GET", "/gone", "", "", &rs);
    assert_int_equal(rs.status, 404);
    assert_string_equal(es_buf_cstr(&rs.body), "gone failed on purpose\n");
    ask(r, "GET", "/fail", "", "", &rs);
    assert_int_equal(rs.status, 500);
    assert_string_equal(es_buf_cstr(&rs.body), "Internal Server Error\n");
    assert_string_equal(rs.content_type, ES_CT_TEXT);

    /* Body caps: the route's, or the largest of all for a request no route takes. */
    assert_int_equal(es_router_body_cap(r, "POST", "/p"), 100);
    assert_int_equal(es_router_body_cap(r, "GET", "/a/exact"), ES_ROUTER_DEFAULT_BODY);
    assert_int_equal(es_router_body_cap(r, "POST", "/nowhere"), ES_ROUTER_DEFAULT_BODY);

    es_buf d = ES_BUF_INIT(1024);
    assert_true(es_ok(es_router_describe(r, &d)));
    assert_string_equal(es_buf_cstr(&d), "GET /a/..., POST /p");
    es_buf_free(&d);
    es_buf_free(&rs.body);
    es_router_free(r);
}

static void router_refuses_bad_routes(void **state)
{
    (void)state;
    es_router *r = NULL;
    assert_true(es_ok(es_router_new(&r)));
    es_route bad[] = {{ES_ROUTE_GET, "no-slash", NULL, 0, probe_fn, &p_exact, NULL},
                      {ES_ROUTE_GET, "/a*", NULL, 0, probe_fn, &p_exact, NULL},
                      {ES_ROUTE_GET, "/*/*", NULL, 0, probe_fn, &p_exact, NULL},
                      {0, "/m", NULL, 0, probe_fn, &p_exact, NULL},
                      {ES_ROUTE_GET, "/f", NULL, 0, NULL, &p_exact, NULL}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(es_code(es_router_add(r, &bad[i])), ESEAL_EINVAL);
    }
    es_route ok = {ES_ROUTE_GET, "/x", NULL, 0, probe_fn, &p_exact, NULL};
    for (unsigned i = 0; i < ES_ROUTER_MAX_ROUTES; i++) {
        assert_true(es_ok(es_router_add(r, &ok)));
    }
    assert_int_equal(es_code(es_router_add(r, &ok)), ESEAL_ELIMIT);
    es_router_free(r);
}

/* ---- over HTTP ----------------------------------------------------------------------------- */

static size_t exchange(unsigned int port, const char *req, size_t reqlen, char *out, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(write(fd, req, reqlen), (ssize_t)reqlen);
    size_t n = 0;
    ssize_t k;
    while (n + 1 < cap && (k = read(fd, out + n, cap - 1 - n)) > 0) {
        n += (size_t)k;
    }
    out[n] = 0;
    close(fd);
    return n;
}

static void get(unsigned int port, const char *method, const char *path, char *resp, size_t cap)
{
    char req[1024];
    int n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", method, path);
    exchange(port, req, (size_t)n, resp, cap);
}

static void post(unsigned int port, const char *path, const char *ctype, size_t len, char *resp, size_t cap)
{
    static char req[300000];
    int h = snprintf(req, sizeof(req),
                     "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     path, ctype, len);
    assert_true(h > 0 && (size_t)h + len <= sizeof(req));
    memset(req + h, 0x30, len);
    exchange(port, req, (size_t)h + len, resp, cap);
}

static void router_over_http(void **state)
{
    (void)state;
    es_router *r = make_router();
    es_http_options o = {"127.0.0.1:0", 0, 2, 5, es_router_handle, r, es_router_body_cap, NULL, NULL, NULL, NULL, NULL, NULL};
    es_http_server *s = NULL;
    assert_true(es_ok(es_http_start(&s, &o)));
    unsigned int port = es_http_port(s);
    char resp[8192];

    post(port, "/p", "application/x-thing", 100, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    /* Over the route's cap (100), though far under the server's default: 413, never handled. */
    int before = p_post.calls;
    post(port, "/p", "application/x-thing", 101, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 413"));
    assert_non_null(strstr(resp, "Content-Type: text/plain"));
    assert_int_equal(p_post.calls, before);
    /* A body to a GET route within the default cap reaches the router (405, not 413). */
    post(port, "/a/exact", "application/x-thing", 5000, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 405"));
    assert_non_null(strstr(resp, "Allow: GET, HEAD"));
    get(port, "GET", "/p", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 405"));
    assert_non_null(strstr(resp, "Allow: POST\r\n"));
    assert_non_null(strstr(resp, "Content-Type: text/plain; charset=utf-8"));
    get(port, "GET", "/nowhere", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 404"));
    assert_non_null(strstr(resp, "Content-Type: text/plain; charset=utf-8"));
    assert_null(strstr(resp, "Allow:"));
    get(port, "GET", "/fail", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 500"));
    assert_null(strstr(resp, "on purpose"));
    get(port, "HEAD", "/a/exact", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    assert_null(strstr(resp, "\r\n\r\nexact")); /* HEAD: the headers only */
    es_http_stop(s);
    es_router_free(r);
}

/* ---- eseal_instance_serve ------------------------------------------------------------------ */

static void instance_serve(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/eseal-server-XXXXXX";
    char ihome[600];
    static const char pass[] = "server-test-pass-1";
    test_instance_init(tmpl, ihome, sizeof(ihome), pass);
    eseal_instance *inst = test_instance_open(ihome, pass);

    eseal_serve_options o;
    assert_int_equal(eseal_serve_options_init(&o, ESEAL_SERVE_OPTIONS_VERSION + 1), ESEAL_EINVAL);
    assert_int_equal(eseal_serve_options_init(&o, ESEAL_SERVE_OPTIONS_VERSION), ESEAL_OK);
    eseal_server *srv = NULL;
    assert_int_equal(eseal_instance_serve(inst, &srv, &o), ESEAL_EINVAL); /* no address */
    o.listen = "127.0.0.1:0";
    o.version = 99;
    assert_int_equal(eseal_instance_serve(inst, &srv, &o), ESEAL_EINVAL);
    o.version = ESEAL_SERVE_OPTIONS_VERSION;
    o.resources = 0x100;
    assert_int_equal(eseal_instance_serve(inst, &srv, &o), ESEAL_EINVAL);
    o.resources = ESEAL_SERVE_TSA;
    o.tsa_hierarchy = "rsa"; /* the rsa hierarchy has no TSA */
    assert_int_not_equal(eseal_instance_serve(inst, &srv, &o), ESEAL_OK);
    assert_null(srv);

    /* Everything the instance has, on one port. */
    o.resources = 0;
    o.tsa_hierarchy = NULL;
    assert_int_equal(eseal_instance_serve(inst, &srv, &o), ESEAL_OK);
    unsigned int port = eseal_server_port(srv);
    assert_true(port > 0);
    const char *routes = eseal_server_routes(srv);
    static const char *const want[] = {"POST /tsa,",     "POST /tsa/p256", "POST /tsa/sm2",   "POST /ocsp",
                                       "GET /ocsp/BASE64", "GET /crl/ID.crl", "GET /ca/ID.crt", "GET /checkpoint",
                                       "GET /tile/..."};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_non_null(strstr(routes, want[i]));
    }
    char resp[16384];
    get(port, "GET", "/tsa", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 405"));
    assert_non_null(strstr(resp, "Allow: POST\r\n"));
    post(port, "/tsa/sm2", "text/plain", 10, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 415"));
    /* Not a TimeStampReq: a rejection inside the protocol, 200 application/timestamp-reply. */
    post(port, "/tsa/sm2", "application/timestamp-query", 10, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    assert_non_null(strstr(resp, "Content-Type: application/timestamp-reply"));
    post(port, "/tsa", "application/timestamp-query", ESEAL_TSA_MAX_REQUEST + 2, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 413"));
    post(port, "/ocsp", "application/ocsp-request", 10, resp, sizeof(resp));
    assert_non_null(strstr(resp, "Content-Type: application/ocsp-response"));
    get(port, "GET", "/ocsp/not-base64", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    assert_non_null(strstr(resp, "Content-Type: application/ocsp-response"));
    const eseal_principal op = {.version = ESEAL_PRINCIPAL_VERSION, .kind = ESEAL_PRINCIPAL_OPERATOR, .id = "test"};
    assert_int_equal(eseal_instance_log_publish(inst, &op, NULL), ESEAL_OK);
    get(port, "GET", "/checkpoint", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    assert_non_null(strstr(resp, "Content-Type: text/plain; charset=utf-8"));
    get(port, "GET", "/tile/0/999", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 404"));
    get(port, "GET", "/crl/0123.crl", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 404"));
    assert_null(strstr(resp, ihome)); /* the message names no path of the instance */
    get(port, "GET", "/crl/../eseal.db", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 404"));
    get(port, "GET", "/ca/zz.crt", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 404"));
    get(port, "POST", "/checkpoint", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 405"));
    assert_non_null(strstr(resp, "Allow: GET, HEAD\r\n"));
    eseal_server_stop(srv);

    /* Restricted to one resource: the others are not there. */
    o.resources = ESEAL_SERVE_LOG;
    srv = NULL;
    assert_int_equal(eseal_instance_serve(inst, &srv, &o), ESEAL_OK);
    assert_string_equal(eseal_server_routes(srv), "GET /checkpoint, GET /tile/...");
    get(eseal_server_port(srv), "GET", "/checkpoint", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    post(eseal_server_port(srv), "/tsa", "application/timestamp-query", 10, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 404"));
    eseal_server_stop(srv);

    eseal_instance_close(inst);
    assert_int_equal(test_scratch_remove(tmpl), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_table),
        cmocka_unit_test(router_dispatch),
        cmocka_unit_test(router_refuses_bad_routes),
        cmocka_unit_test(router_over_http),
        cmocka_unit_test(instance_serve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
