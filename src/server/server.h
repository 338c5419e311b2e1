/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The platform's HTTP side (src/server): one router (method + path pattern -> handler), one
 * handler file per resource (tsa.c, ocsp.c, crl.c, ca.c, log.c, witness.c), one table from
 * eseal codes to HTTP statuses (status.c), and the listeners built from them (server.c).
 *
 * Handlers only translate HTTP to calls of the public API and back: the resource logic stays
 * in its room (the TSA in service/, the OCSP responder, CRLs and CA certificates in ca/, the
 * tiles in auditlog/, the witness in witness/). A handler returns an eseal code; anything but
 * ESEAL_OK is answered by the status table (es_server_error), with eseal_error_last() as the
 * one-line reason for a 4xx and nothing for a 5xx.
 *
 * The router answers by itself: 404 for a path no route has, 405 with Allow for a method the
 * path's routes do not take, 415 for a POST body of another media type than the route's, 413
 * for a body over the route's cap (refused by src/http before it is buffered). Every response
 * carries a Content-Type.
 */
#ifndef ES_SERVER_H
#define ES_SERVER_H

#include "eseal/eseal.h"
#include "http/http.h"

/* Methods a route takes (GET takes HEAD too: libmicrohttpd sends a HEAD answer without its body). */
#define ES_ROUTE_GET 1u
#define ES_ROUTE_POST 2u
/* A flag beside the methods: the body goes to a temporary file under the instance (HOME/tmp)
 * instead of memory, and the handler reads it as a read-only mapping (src/http:
 * es_http_options.spool): for documents. */
#define ES_ROUTE_SPOOL 4u

/* The body cap of a route with max_body 0, and of requests no route takes (read, then 404/405). */
#define ES_ROUTER_DEFAULT_BODY (64u * 1024u)
/* Routes of one router (the platform's resources have a dozen, the API some dozens more). */
#define ES_ROUTER_MAX_ROUTES 96u
/* A `*` of a pattern matches one path segment of 1 to this many bytes. */
#define ES_ROUTER_MAX_SEGMENT 255u
/* The longest log interval serve accepts (ms): entries wait for it, so a second is already slow. */
#define ES_SERVE_LOG_INTERVAL_MAX_MS 1000u
/* The text listing the mounted routes: ES_ROUTER_MAX_ROUTES lines of a method and a short path. */
#define ES_SERVE_ROUTES_TEXT_MAX 4096

#define ES_CT_TEXT "text/plain; charset=utf-8"

/* What the pattern left to the handler: the `*` segment, or what follows a prefix pattern. */
typedef struct {
    const char *arg;
    size_t arg_len;
} es_route_match;

typedef int (*es_route_fn)(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs);

typedef struct {
    unsigned int methods; /* ES_ROUTE_GET | ES_ROUTE_POST, and ES_ROUTE_SPOOL */
    /* "/tsa": exactly that path. A `*` in place of a whole segment matches one segment of 1 to
     * ES_ROUTER_MAX_SEGMENT bytes (no '/'), as in the CRL route "/crl/" "*". "/tile/": a prefix
     * (the pattern ends in '/'; the rest may be anything, '/' included). An exact pattern beats
     * a `*` pattern, which beats a prefix; a longer prefix beats a shorter one. */
    const char *pattern;
    const char *accept;   /* the media type of POST bodies (415 for another); NULL: any */
    size_t max_body;      /* 413 above; 0: ES_ROUTER_DEFAULT_BODY */
    es_route_fn fn;
    void *ctx;
    const char *doc;      /* "POST /tsa": for banners and docs */
} es_route;

typedef struct es_router es_router;

ES_RESULT es_router_new(es_router **out);
void es_router_free(es_router *r);
/* Adds a route (copied; the strings and ctx must outlive the router). */
ES_RESULT es_router_add(es_router *r, const es_route *route);
/* An es_http_handler (ctx: the router): dispatches, or answers 404/405/415 itself. */
ES_RESULT es_router_handle(void *router, const es_http_request *rq, es_http_response *rs);
/* The body cap for `method` `path` (the es_http_options body_cap). */
size_t es_router_body_cap(void *router, const char *method, const char *path);
/* Whether the route `method` `path` reaches spools its body (es_http_options.spool). */
bool es_router_spool(void *router, const char *method, const char *path);
/* The doc of the route `method` `path` reaches ("POST /tsa"), NULL when none: the access log's and
 * the metrics' label. */
const char *es_router_label(const es_router *r, const char *method, const char *path);
/* "POST /tsa, GET /checkpoint, ...": the docs of the routes in order. */
ES_RESULT es_router_describe(const es_router *r, es_buf *out);

/* ---- status.c: the one mapping of eseal codes to HTTP statuses ---- */

/* The HTTP status answering a handler's eseal code (200 for ESEAL_OK, 500 for unknown codes). */
int es_server_status(int code);
/* "Not Found" for 404; "Error" for a status the table does not name. */
const char *es_server_reason(int status);
/* Answers the failure `code`: its status, text/plain, the one-line reason for a 4xx
 * (eseal_error_last() when it holds `code`, else the reason phrase), the phrase alone for a 5xx. */
int es_server_error(es_http_response *rs, int code);
/* Answers `status` with `ctype` and the bytes [p, p+n). */
int es_server_reply(es_http_response *rs, int status, const char *ctype, const void *p, size_t n);

/* ---- the resources (one file each): routes added to a router ---- */

/* tsa.c: POST /tsa/<hierarchy>, and POST /tsa too when `at_root`. */
ES_RESULT es_server_mount_tsa(es_router *r, eseal_tsa_service *t, const char *hierarchy, bool at_root);
/* ocsp.c: POST /ocsp, GET /ocsp/<base64 request> (RFC 6960 appendix A.1). */
ES_RESULT es_server_mount_ocsp(es_router *r, eseal_ocsp_service *s);
/* crl.c: GET /crl/<CA id>.crl (RFC 5280 §4.2.1.13 distribution points). */
ES_RESULT es_server_mount_crl(es_router *r, eseal_ocsp_service *s);
/* ca.c: GET /ca/<CA id>.crt (RFC 5280 §4.2.2.1 caIssuers). */
ES_RESULT es_server_mount_ca(es_router *r, eseal_ocsp_service *s);
/* log.c: GET /checkpoint, GET /tile/... (C2SP tlog-tiles). */
ES_RESULT es_server_mount_log(es_router *r, eseal_log *log);
/* trustlist.c (issue 24): GET /.well-known/eseal/trust-list and /.well-known/eseal/list-of-lists, the lists
 * the instance published last, read under the API's lock (`routes` holds the two routes' contexts). */
typedef struct es_api es_api;
typedef struct {
    es_api *api;
    eseal_instance *inst;
    int list_of_lists;
} es_trustlist_route;
ES_RESULT es_server_mount_trustlists(es_router *r, es_trustlist_route routes[2], eseal_instance *inst, es_api *api);
/* witness.c: POST /add-checkpoint, GET /<hex SHA-256 of the origin>/checkpoint (C2SP tlog-witness). */
ES_RESULT es_server_mount_witness(es_router *r, eseal_witness *w);

/* web.c: the web pages (docs/web.md): GET /, /v/{serial}, /assets/{name} (the files of web/ embedded
 * at build time, src/web/web.h), /vendor/pdfjs/pdf.js and pdf.worker.js (read from `pdfjs_dir`,
 * NULL: ES_WEB_PDFJS_DIR), each answer with the pages' security headers. *out (freed by
 * es_web_pages_free after the router) holds the routes' contexts; set also on a failure. */
#define ES_WEB_PDFJS_DIR "/usr/share/javascript/pdf/build"
/* pdf.worker.js of libjs-pdf 2.14 is 1.9 MB: room for a later one, a cap before it is read. */
#define ES_WEB_PDFJS_MAX (16u << 20)
#define ES_WEB_CSP                                                                                      \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " \
    "worker-src 'self' blob:; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
typedef struct es_web_pages es_web_pages;
ES_RESULT es_server_mount_web(es_router *r, const char *pdfjs_dir, es_web_pages **out);
void es_web_pages_free(es_web_pages *w);

#endif
