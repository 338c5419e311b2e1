/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The listeners (eseal/server.h): eseal_instance_serve mounts every resource of an instance on
 * one router and one port; eseal_witness_listen mounts the witness alone on the same router
 * code. A server owns what it opened (the TSAs, the OCSP responder) and closes it when stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "ops.h"
#include "server.h"
#include "util/versions.h"

#define MAX_TSAS 2

struct eseal_server {
    es_http_server *http;
    es_router *router;
    eseal_tsa_service *tsa[MAX_TSAS];
    eseal_ocsp_service *ocsp;
    es_api *api;
    es_ops *ops;
    es_trustlist_route trustlists[2]; /* the contexts of the trust lists' routes (trustlist.c) */
    es_web_pages *pages; /* the web pages' routes' contexts (NULL when not served) */
    FILE *access_log; /* --access-log FILE; NULL: stderr */
    char spool_dir[4096]; /* HOME/tmp: the spooled bodies (""  when the API is not served) */
    es_buf routes;
    es_buf tls_cert, tls_key; /* PEM text (the key's wiped when freed); empty: plain HTTP */
};

static void server_free(eseal_server *s)
{
    if (s == NULL) {
        return;
    }
    es_http_stop(s->http); /* first: no request runs once it returns */
    es_buf_free(&s->tls_cert);
    es_buf_free(&s->tls_key);
    for (size_t i = 0; i < MAX_TSAS; i++) {
        eseal_tsa_service_close(s->tsa[i]);
    }
    eseal_ocsp_service_close(s->ocsp);
    es_api_free(s->api);
    es_ops_free(s->ops);
    es_web_pages_free(s->pages);
    if (s->access_log != NULL) {
        (void)fclose(s->access_log);
    }
    es_router_free(s->router);
    es_buf_free(&s->routes);
    es_free(s);
}

static ES_RESULT server_new(eseal_server **out)
{
    eseal_server *s = es_calloc(1, sizeof(*s));
    ES_ENSURE_ALLOC(s);
    s->routes = (es_buf)ES_BUF_INIT(ES_SERVE_ROUTES_TEXT_MAX);
    es_result r = es_router_new(&s->router);
    if (!es_ok(r)) {
        es_free(s);
        return r;
    }
    *out = s;
    return ES_OK;
}

/* Listens with the routes mounted so far. */
static ES_RESULT server_start(eseal_server *s, const char *listen, unsigned int threads)
{
    ES_GUARD(es_router_describe(s->router, &s->routes));
    es_http_options o = {.listen = listen,
                         .threads = threads,
                         .timeout_s = 10,
                         .handler = es_router_handle,
                         .ctx = s->router,
                         .body_cap = es_router_body_cap};
    if (s->tls_cert.len > 0) {
        o.tls_cert_pem = es_buf_cstr(&s->tls_cert);
        o.tls_key_pem = es_buf_cstr(&s->tls_key);
    }
    if (s->spool_dir[0] != '\0') {
        o.spool = es_router_spool;
        o.spool_dir = s->spool_dir;
    }
    if (s->ops != NULL) {
        /* The request id around the router; the metrics and the access log when each is answered
         * (the ops pass the body's cap and spooling on to the router). */
        o.handler = es_ops_handle;
        o.ctx = s->ops;
        o.body_cap = es_ops_body_cap;
        o.spool = s->spool_dir[0] != '\0' ? es_ops_spool : NULL;
        o.done = es_ops_done;
        o.done_ctx = s->ops;
    }
    return es_http_start(&s->http, &o);
}

/* The public int of a call as a result, its message kept (set where the call failed). */
#define GUARD_RC(call)                                                                                 \
    do {                                                                                               \
        int rc_ = (call);                                                                              \
        ES_ENSURE(rc_ == ESEAL_OK, rc_, "%s", eseal_error_last()->message);                            \
    } while (0)

static ES_RESULT mount_tsas(eseal_server *s, eseal_instance *inst, const char *only)
{
    static const char *const hierarchies[MAX_TSAS] = {"p256", "sm2"};
    bool any = false;
    for (size_t i = 0; i < MAX_TSAS; i++) {
        if (only != NULL && strcmp(only, hierarchies[i]) != 0) {
            continue;
        }
        int rc = eseal_instance_tsa_open(inst, &s->tsa[i], hierarchies[i]);
        if (rc == ESEAL_ENOTFOUND && only == NULL) {
            continue; /* every TSA the instance has: this one it has not */
        }
        GUARD_RC(rc);
        /* /tsa is the one asked for, else P-256 (the first the instance has). */
        ES_GUARD(es_server_mount_tsa(s->router, s->tsa[i], hierarchies[i], !any));
        any = true;
    }
    ES_ENSURE(any, ESEAL_ENOTFOUND, "serve: %s%s", only != NULL ? "no TSA for " : "the instance has no TSA",
              only != NULL ? only : "");
    return ES_OK;
}

/* HOME/tmp, 0700: where uploaded documents are spooled (files without a name, gone with the request). */
static ES_RESULT make_spool_dir(eseal_server *s, eseal_instance *inst)
{
    const char *home = eseal_instance_home(inst);
    ES_ENSURE(home != NULL, ESEAL_EINVAL, "serve: the instance has no home");
    int n = snprintf(s->spool_dir, sizeof(s->spool_dir), "%s/tmp", home);
    ES_ENSURE(n > 0 && (size_t)n < sizeof(s->spool_dir), ESEAL_ELIMIT, "serve: the home's path is too long");
    if (mkdir(s->spool_dir, 0700) != 0 && errno != EEXIST) {
        ES_BAIL(ESEAL_EIO, "serve: cannot make %s: %s", s->spool_dir, strerror(errno));
    }
    struct stat st;
    ES_ENSURE(lstat(s->spool_dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid(), ESEAL_EIO,
              "serve: %s is not a directory of this user", s->spool_dir);
    if ((st.st_mode & 077) != 0) {
        ES_ENSURE(chmod(s->spool_dir, 0700) == 0, ESEAL_EIO, "serve: cannot make %s private: %s", s->spool_dir,
                  strerror(errno));
    }
    return ES_OK;
}

/* The PEM text of a TLS file (at most ES_SERVE_TLS_FILE_MAX bytes); a key only when no one but
 * its owner may read it. */
#define ES_SERVE_TLS_FILE_MAX (1u << 20)
static ES_RESULT read_tls_file(es_buf *out, const char *path, bool key)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    ES_ENSURE(fd >= 0, ESEAL_EIO, "serve: cannot open %s: %s", path, strerror(errno));
    struct stat st;
    es_result r = ES_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        r = es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "serve: %s is not a regular file", path);
    } else if (key && (st.st_mode & 077) != 0) {
        r = es_error_set(ESEAL_EINVAL, __FILE__, __LINE__,
                         "serve: the TLS key %s may be read by others (mode %03o): chmod 600 it", path,
                         (unsigned)(st.st_mode & 0777));
    }
    *out = (es_buf)ES_BUF_INIT(ES_SERVE_TLS_FILE_MAX);
    out->secret = key;
    char chunk[4096];
    ssize_t n;
    while (es_ok(r) && (n = read(fd, chunk, sizeof(chunk))) != 0) {
        r = n < 0 ? es_error_set(ESEAL_EIO, __FILE__, __LINE__, "serve: reading %s: %s", path, strerror(errno))
                  : es_buf_append(out, chunk, (size_t)n);
    }
    es_wipe(chunk, sizeof(chunk));
    (void)close(fd);
    if (es_ok(r)) {
        r = es_buf_append_byte(out, '\0');
        out->len -= es_ok(r) ? 1 : 0;
    }
    ES_GUARD(r);
    ES_ENSURE(out->len > 0 && strstr(es_buf_cstr(out), "-----BEGIN ") != NULL, ESEAL_EINVAL,
              "serve: %s is not PEM", path);
    return ES_OK;
}

static ES_RESULT serve(eseal_server *s, eseal_instance *inst, const eseal_serve_options *o)
{
    /* Version 1 callers' structs end before these (zero: the defaults). */
    size_t max_upload = o->version >= 2 ? o->max_upload : 0;
    const char *access_log = o->version >= 2 ? o->access_log : NULL;
    const char *tls_cert = o->version >= 2 ? o->tls_cert : NULL, *tls_key = o->version >= 2 ? o->tls_key : NULL;
    const char *pdfjs_dir = o->version >= 3 ? o->pdfjs_dir : NULL;
    ES_ENSURE((tls_cert == NULL) == (tls_key == NULL), ESEAL_EINVAL, "serve: TLS needs a certificate and its key");
    if (tls_cert != NULL) {
        ES_GUARD(read_tls_file(&s->tls_cert, tls_cert, false));
        ES_GUARD(read_tls_file(&s->tls_key, tls_key, true));
    }
    unsigned int want = o->resources != 0 ? o->resources : ESEAL_SERVE_ALL;
    ES_ENSURE((want & ~ESEAL_SERVE_ALL) == 0, ESEAL_EINVAL, "serve: unknown resources 0x%x",
              want & ~ESEAL_SERVE_ALL);
    ES_ENSURE(o->log_interval_ms <= ES_SERVE_LOG_INTERVAL_MAX_MS, ESEAL_EINVAL,
              "serve: the log interval is 1 to %u ms, not %u", ES_SERVE_LOG_INTERVAL_MAX_MS, o->log_interval_ms);
    if ((want & ESEAL_SERVE_TSA) != 0) {
        ES_GUARD(mount_tsas(s, inst, o->tsa_hierarchy));
    }
    if ((want & (ESEAL_SERVE_OCSP | ESEAL_SERVE_CRL | ESEAL_SERVE_CA)) != 0) {
        GUARD_RC(eseal_instance_ocsp_open(inst, &s->ocsp, o->ca_hierarchy));
    }
    if ((want & ESEAL_SERVE_OCSP) != 0) {
        ES_GUARD(es_server_mount_ocsp(s->router, s->ocsp));
    }
    if ((want & ESEAL_SERVE_CRL) != 0) {
        ES_GUARD(es_server_mount_crl(s->router, s->ocsp));
    }
    if ((want & ESEAL_SERVE_CA) != 0) {
        ES_GUARD(es_server_mount_ca(s->router, s->ocsp));
    }
    if ((want & ESEAL_SERVE_LOG) != 0) {
        eseal_log *log = NULL;
        GUARD_RC(eseal_instance_log(inst, &log));
        /* Appends by any process are signed within the interval; the publisher stops with the instance. */
        GUARD_RC(eseal_log_publisher_start(log, o->log_interval_ms));
        ES_GUARD(es_server_mount_log(s->router, log));
    }
    if ((want & ESEAL_SERVE_API) != 0) {
        ES_GUARD(es_server_mount_api(s->router, inst, max_upload, &s->api));
        es_api_set_tls(s->api, tls_cert != NULL); /* the session cookie is then Secure */
        ES_GUARD(es_server_mount_trustlists(s->router, s->trustlists, inst, s->api));
        ES_GUARD(make_spool_dir(s, inst));
    }
    /* The web pages (docs/web.md): files of the binary, and pdf.js read from its directory. They
     * call the API, yet are mounted without it too (a server of pages for another's API is not
     * forbidden; --no-pages leaves them out). */
    if ((want & ESEAL_SERVE_PAGES) != 0) {
        ES_GUARD(es_server_mount_web(s->router, pdfjs_dir, &s->pages));
    }
    /* The operations (healthz, readyz, metrics, request ids, the access log) come with the API: a
     * server restricted to the protocol resources (eseal tsa serve, --only tsa,...) stays as it was. */
    ES_ENSURE(access_log == NULL || (want & ESEAL_SERVE_API) != 0, ESEAL_EINVAL,
              "serve: an access log is kept when the API is served");
    if ((want & ESEAL_SERVE_API) == 0) {
        return server_start(s, o->listen, o->threads);
    }
    if (access_log != NULL) {
        int fd = open(access_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        ES_ENSURE(fd >= 0, ESEAL_EIO, "serve: cannot open the access log %s: %s", access_log, strerror(errno));
        s->access_log = fdopen(fd, "a");
        if (s->access_log == NULL) {
            (void)close(fd);
            ES_BAIL(ESEAL_ENOMEM, "serve: cannot open the access log %s", access_log);
        }
    }
    ES_GUARD(es_server_mount_ops(s->router, inst, s->api, s->access_log, &s->ops));
    return server_start(s, o->listen, o->threads);
}

int eseal_instance_serve(eseal_instance *inst, eseal_server **out, const eseal_serve_options *o)
{
    ES_CHECK_VERSION_INT(o, serve_options);
    if (inst == NULL || out == NULL || o->listen == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "serve: an instance, options and an address"));
    }
    eseal_server *s = NULL;
    es_result r = server_new(&s);
    if (es_ok(r)) {
        r = serve(s, inst, o);
    }
    if (!es_ok(r)) {
        server_free(s);
        return es_code(r);
    }
    *out = s;
    return ESEAL_OK;
}

int eseal_witness_listen(eseal_witness *w, eseal_server **out, const char *listen)
{
    if (w == NULL || out == NULL || listen == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "witness: a witness and an address"));
    }
    eseal_server *s = NULL;
    es_result r = server_new(&s);
    if (es_ok(r)) {
        r = es_server_mount_witness(s->router, w);
    }
    if (es_ok(r)) {
        r = server_start(s, listen, 0);
    }
    if (!es_ok(r)) {
        server_free(s);
        return es_code(r);
    }
    *out = s;
    return ESEAL_OK;
}

unsigned int eseal_server_port(const eseal_server *s) { return s != NULL ? es_http_port(s->http) : 0; }

const char *eseal_server_routes(const eseal_server *s) { return s != NULL ? es_buf_cstr(&s->routes) : ""; }

void eseal_server_stop(eseal_server *s) { server_free(s); }
