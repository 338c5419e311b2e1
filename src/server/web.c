/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The web pages (docs/web.md): the files of web/, embedded at build time (src/web/web.h), and
 * Debian's pdf.js read from its directory. Routes, outside /api:
 *
 *   GET /                       the verify page (web/verify.html)
 *   GET /v/{serial}             the stamp record page (web/record.html), the QR code's target
 *   GET /console/, /console/grants, /console/approvals, /console/audit, /console/users, /console/stamp
 *                               the console (web/console.html, issue 21 §2): one page, its section
 *                               chosen by the path; it logs in and works through the JSON API only
 *   GET /assets/{name}          an embedded file by its exact name under web/ ("i18n/en.json")
 *   GET /vendor/pdfjs/pdf.js, /vendor/pdfjs/pdf.worker.js
 *                               libjs-pdf's two files, from /usr/share/javascript/pdf/build or
 *                               --pdfjs-dir: a fixed list of two names, never a path of the request
 *
 * Every answer of these routes (a 404 of theirs too) carries the pages' security headers: a
 * Content-Security-Policy that lets a page load nothing but this server's own scripts, styles
 * and API (no inline script or style, no other host), nosniff (the types are chosen at build
 * time), no referrer, no framing (src/http adds Cache-Control: no-store to every answer, so a new
 * binary's pages are never mixed with an old one's). An asset is found by an exact name in the table, so "../x",
 * "%2e%2e/x" (libmicrohttpd decodes it before the router sees it) or "a//b" name nothing.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "server.h"
#include "web/web.h"

/* The headers of docs/web.md (the pages' contract); ES_HTTP_EXTRA_HEADERS leaves room for the
 * X-Request-Id the operations add. */
static const char *const security_headers[][2] = {
    {"Content-Security-Policy", ES_WEB_CSP},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
};

static int with_headers(es_http_response *rs)
{
    for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++) {
        es_result r = es_http_header_add(rs, security_headers[i][0], security_headers[i][1]);
        if (!es_ok(r)) {
            return es_code(r);
        }
    }
    return ESEAL_OK;
}

/* A 404 of the pages' routes: text that says what is missing, with the headers. */
static int not_found(es_http_response *rs, const char *what)
{
    char msg[ES_PATH_BUF_MAX + 160];
    int n = snprintf(msg, sizeof(msg), "not found: %s\n", what);
    size_t len = n > 0 ? ((size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1) : 0;
    int rc = es_server_reply(rs, 404, ES_CT_TEXT, msg, len);
    return rc == ESEAL_OK ? with_headers(rs) : rc;
}

static int asset_reply(es_http_response *rs, const es_web_asset *a)
{
    int rc = es_server_reply(rs, 200, a->content_type, a->bytes, a->len);
    return rc == ESEAL_OK ? with_headers(rs) : rc;
}

/* GET /: the verify page. */
static int web_index(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)ctx, (void)rq, (void)m;
    const es_web_asset *a = es_web_asset_find("verify.html");
    return a != NULL ? asset_reply(rs, a) : not_found(rs, "this build has no verify page (web/verify.html)");
}

/* GET /v/{serial}: the record page, whatever the serial (the page asks the API for it). */
static int web_record(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)ctx, (void)rq, (void)m;
    const es_web_asset *a = es_web_asset_find("record.html");
    return a != NULL ? asset_reply(rs, a) : not_found(rs, "this build has no stamp record page (web/record.html)");
}

/* GET /console/ and /console/{grants,approvals,audit,users,stamp}: the console page (its section chosen by the path);
 * another path below /console/ names nothing. */
static int web_console(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)ctx, (void)rq;
    static const char *const sections[] = {"grants", "approvals", "audit", "users", "stamp"};
    bool known = m->arg_len == 0;
    for (size_t i = 0; !known && i < sizeof(sections) / sizeof(sections[0]); i++) {
        known = strcmp(m->arg, sections[i]) == 0;
    }
    if (!known) {
        return not_found(rs, "no such console page");
    }
    const es_web_asset *a = es_web_asset_find("console.html");
    return a != NULL ? asset_reply(rs, a) : not_found(rs, "this build has no console (web/console.html)");
}

/* GET /assets/{name}: exactly a name of the table (the prefix route leaves the rest of the path). */
static int web_asset(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)ctx, (void)rq;
    /* m->arg is the tail of the path, NUL-terminated: the whole name */
    const es_web_asset *a = m->arg_len > 0 ? es_web_asset_find(m->arg) : NULL;
    return a != NULL ? asset_reply(rs, a) : not_found(rs, "no such page asset");
}

/* GET /vendor/pdfjs/pdf.js and pdf.worker.js: the file of the pdf.js directory whose name is the
 * route's own, read at each request (the package may be installed after the start). */
typedef struct {
    const es_web_pages *w;
    const char *name;
} pdfjs_file;

struct es_web_pages {
    char pdfjs_dir[ES_PATH_BUF_MAX];
    pdfjs_file files[2]; /* the routes' contexts */
};

static int web_pdfjs(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)rq, (void)m;
    const pdfjs_file *f = ctx;
    char path[ES_PATH_BUF_MAX + 32];
    int n = snprintf(path, sizeof(path), "%s/%s", f->w->pdfjs_dir, f->name);
    if (n <= 0 || (size_t)n >= sizeof(path)) {
        return not_found(rs, "the pdf.js directory's path is too long");
    }
    es_buf js = ES_BUF_INIT(ES_WEB_PDFJS_MAX);
    es_result r = es_file_read(&js, path, ES_WEB_PDFJS_MAX);
    int rc;
    if (!es_ok(r)) {
        /* The package is missing (or unreadable): say which file and how to get it. */
        char what[sizeof(path) + 160];
        (void)snprintf(what, sizeof(what),
                       "pdf.js is not installed: %s cannot be read (install Debian's libjs-pdf, or start eseal serve "
                       "with --pdfjs-dir DIR)",
                       path);
        eseal_error_clear();
        rc = not_found(rs, what);
    } else {
        rc = es_server_reply(rs, 200, "text/javascript; charset=utf-8", js.ptr, js.len);
        rc = rc == ESEAL_OK ? with_headers(rs) : rc;
    }
    es_buf_free(&js);
    return rc;
}

ES_RESULT es_server_mount_web(es_router *r, const char *pdfjs_dir, es_web_pages **out)
{
    ES_ENSURE_ARG(r != NULL && out != NULL);
    const char *dir = pdfjs_dir != NULL && pdfjs_dir[0] != '\0' ? pdfjs_dir : ES_WEB_PDFJS_DIR;
    es_web_pages *w = es_calloc(1, sizeof(*w));
    ES_ENSURE_ALLOC(w);
    int n = snprintf(w->pdfjs_dir, sizeof(w->pdfjs_dir), "%s", dir);
    if (n <= 0 || (size_t)n >= sizeof(w->pdfjs_dir)) {
        es_free(w);
        ES_BAIL(ESEAL_ELIMIT, "serve: the pdf.js directory's path is too long");
    }
    w->files[0] = (pdfjs_file){w, "pdf.js"};
    w->files[1] = (pdfjs_file){w, "pdf.worker.js"};
    const es_route routes[] = {
        {ES_ROUTE_GET, "/", NULL, 0, web_index, NULL, "GET /"},
        {ES_ROUTE_GET, "/v/*", NULL, 0, web_record, NULL, "GET /v/{serial}"},
        {ES_ROUTE_GET, "/console/", NULL, 0, web_console, NULL, "GET /console/"},
        {ES_ROUTE_GET, "/assets/", NULL, 0, web_asset, NULL, "GET /assets/..."},
        {ES_ROUTE_GET, "/vendor/pdfjs/pdf.js", NULL, 0, web_pdfjs, &w->files[0], "GET /vendor/pdfjs/pdf.js"},
        {ES_ROUTE_GET, "/vendor/pdfjs/pdf.worker.js", NULL, 0, web_pdfjs, &w->files[1],
         "GET /vendor/pdfjs/pdf.worker.js"},
    };
    *out = w; /* the caller frees it, also when a route below is refused */
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        ES_GUARD(es_router_add(r, &routes[i]));
    }
    return ES_OK;
}

void es_web_pages_free(es_web_pages *w) { es_free(w); }
