/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP server (http.h) on libmicrohttpd. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <time.h>
#include <stdint.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http_module.h"

#define DEFAULT_MAX_BODY (64u << 10)
#define CONTENT_LENGTH_DIGITS_MAX 12 /* a Content-Length of 13 digits (a terabyte) is larger than any body cap */
#define LISTEN_MAX 128 /* "ADDR:PORT" text: an IPv6 address in brackets with a port is at most 47 */
#define DEFAULT_TIMEOUT_S 10u
#define MAX_THREADS 64u
/* The post processor's buffer: a part's headers must fit in it (libmicrohttpd needs at least 256). */
#define FORM_BUFFER 16384u
/* The bytes of every field of one form together (each at most ES_HTTP_FIELD_MAX). */
#define FORM_FIELDS_MAX (64u << 10)

struct es_http_server {
    struct MHD_Daemon *d;
    es_http_options o;
};

/* One request being received: its body so far (in memory, or in a temporary file when spooled),
 * or the refusal already decided. */
typedef struct {
    es_buf body;
    bool too_large;
    int fd;          /* the spool file, -1 when the body is in memory */
    size_t announced;  /* its Content-Length (0: none) */
    bool spool_later;  /* spooled route, no Content-Length: to a file once past ES_HTTP_SPOOL_MIN */
    size_t spooled;  /* bytes written to it */
    size_t cap;
    bool failed;     /* the spool file could not be written: 500 */
    uint64_t t0;     /* when the headers arrived (CLOCK_MONOTONIC ns) */
    /* A multipart/form-data body on a spooled route (http.h): parsed as it arrives by `pp`, its
     * files appended to `fd` (opened at the first file), its fields' bytes in `fields`. A part's
     * value is kept as (off, len) until the answer (`fields` may move while it grows). */
    bool form;
    struct MHD_PostProcessor *pp;
    es_http_part *parts;
    size_t n_parts;
    es_buf fields;
    size_t received;         /* the body's bytes so far (the cap is on them) */
    const char *form_error;  /* why the form is refused (400), NULL while it is sound */
    const char *spool_dir;
} pending;

static uint64_t now_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pending_free(pending *p)
{
    if (p->pp != NULL) {
        (void)MHD_destroy_post_processor(p->pp); /* the request ended before its body did */
    }
    es_free(p->parts);
    es_buf_free(&p->fields);
    es_buf_free(&p->body);
    if (p->fd >= 0) {
        (void)close(p->fd); /* the file has no name: closing it is removing it */
    }
    es_free(p);
}

/* A temporary file in `dir` that has no name (O_TMPFILE; else mkstemp then unlink), 0600; -1 on failure. */
static int spool_open(const char *dir)
{
    int fd = -1;
#ifdef O_TMPFILE
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) {
        return fd;
    }
#endif
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/upload-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return -1;
    }
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0) {
        (void)unlink(path);
    }
    return fd;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Copies the text `v` (NULL: "") into out[cap]; false when it does not fit. */
static bool copy_text(char *out, size_t cap, const char *v)
{
    size_t n = v != NULL ? strlen(v) : 0;
    if (n >= cap) {
        return false;
    }
    memcpy(out, v != NULL ? v : "", n);
    out[n] = '\0';
    return true;
}

/* A part's header: whether `a` (as kept) and `b` (as libmicrohttpd gives it, NULL: none) are one. */
static bool same_text(const char *a, const char *b) { return strcmp(a, b != NULL ? b : "") == 0; }

/* A new part of the form named by the arguments of the post processor's call. */
static const char *part_begin(pending *p, const char *key, const char *filename, const char *type)
{
    if (p->n_parts == ES_HTTP_PARTS_MAX) {
        return "the form has too many parts";
    }
    es_http_part *grown = es_realloc(p->parts, (p->n_parts + 1) * sizeof(*grown));
    if (grown == NULL) {
        return "the form is too large for memory";
    }
    p->parts = grown;
    es_http_part *part = memset(&p->parts[p->n_parts], 0, sizeof(*part));
    if (!copy_text(part->name, sizeof(part->name), key) ||
        !copy_text(part->filename, sizeof(part->filename), filename) ||
        !copy_text(part->content_type, sizeof(part->content_type), type)) {
        return "a part's name, file name or type is too long";
    }
    part->is_file = filename != NULL;
    if (part->is_file && p->fd < 0) {
        p->fd = spool_open(p->spool_dir);
        if (p->fd < 0) {
            p->failed = true;
            return "the upload cannot be stored";
        }
    }
    part->off = part->is_file ? p->spooled : p->fields.len;
    p->n_parts++;
    return NULL;
}

/* libmicrohttpd's post processor calls this with each piece of each part's value, in order: a
 * part's first piece has offset 0 (an empty part is one call of no bytes, and a part may start
 * with such a call before its bytes arrive). */
static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                               const char *content_type, const char *transfer_encoding, const char *data,
                               uint64_t off, size_t size)
{
    (void)kind;
    pending *p = cls;
    es_http_part *cur = p->n_parts > 0 ? &p->parts[p->n_parts - 1] : NULL;
    bool continues = cur != NULL && same_text(cur->name, key) && cur->is_file == (filename != NULL) &&
                     same_text(cur->filename, filename) && cur->len == off;
    if (off > 0 && !continues) {
        p->form_error = "the form's parts came out of order";
        return MHD_NO;
    }
    /* RFC 7578 §4.7: Content-Transfer-Encoding is deprecated; the bytes are taken as they are. */
    if (transfer_encoding != NULL && strcasecmp(transfer_encoding, "binary") != 0 &&
        strcasecmp(transfer_encoding, "7bit") != 0 && strcasecmp(transfer_encoding, "8bit") != 0) {
        p->form_error = "a part's Content-Transfer-Encoding is not binary";
        return MHD_NO;
    }
    if (off == 0 && !(continues && cur->len == 0)) {
        p->form_error = part_begin(p, key, filename, content_type);
        if (p->form_error != NULL) {
            return MHD_NO;
        }
        cur = &p->parts[p->n_parts - 1];
    }
    if (size == 0) {
        return MHD_YES;
    }
    if (cur->is_file) {
        if (!write_all(p->fd, data, size)) {
            p->failed = true;
            p->form_error = "the upload cannot be stored";
            return MHD_NO;
        }
        p->spooled += size;
    } else if (cur->len + size > ES_HTTP_FIELD_MAX || !es_ok(es_buf_append(&p->fields, data, size))) {
        p->form_error = "a field of the form is too long";
        return MHD_NO;
    }
    cur->len += size;
    return MHD_YES;
}

/* Whether the media type of the Content-Type value `ct` is multipart/form-data (RFC 9110 §8.3.1). */
static bool is_form(const char *ct)
{
    static const char mt[] = "multipart/form-data";
    size_t n = sizeof(mt) - 1;
    return ct != NULL && strncasecmp(ct, mt, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    if (*con_cls != NULL) {
        pending_free(*con_cls);
        *con_cls = NULL;
    }
}

static enum MHD_Result send_bytes(struct MHD_Connection *c, unsigned int status, const char *type, const char *allow,
                                  const void *p, size_t n, const es_http_response *extra)
{
    /* MHD_RESPMEM_MUST_COPY: libmicrohttpd copies the bytes and never writes through the pointer. */
    union {
        const void *c;
        void *m;
    } buf = {p};
    struct MHD_Response *r = MHD_create_response_from_buffer(n, buf.m, MHD_RESPMEM_MUST_COPY);
    if (r == NULL) {
        return MHD_NO;
    }
    if (type != NULL && type[0] != 0) {
        (void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    }
    if (allow != NULL && allow[0] != 0) {
        (void)MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    }
    (void)MHD_add_response_header(r, "Cache-Control", "no-store");
    for (size_t i = 0; extra != NULL && i < extra->n_headers && i < ES_HTTP_EXTRA_HEADERS; i++) {
        (void)MHD_add_response_header(r, extra->header_name[i], extra->header_value[i]);
    }
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* A request header, "" when absent. */
static const char *header(struct MHD_Connection *c, const char *name)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    return v != NULL ? v : "";
}

static const char *query_arg(const void *conn, const char *name)
{
    union {
        const void *c;
        struct MHD_Connection *m;
    } u = {conn};
    return MHD_lookup_connection_value(u.m, MHD_GET_ARGUMENT_KIND, name);
}

/* The peer's address as text ("" when unknown). */
static void remote_of(struct MHD_Connection *c, char *out, size_t cap)
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (i == NULL || i->client_addr == NULL) {
        return;
    }
    const struct sockaddr *sa = i->client_addr;
    if (sa->sa_family == AF_INET) {
        (void)inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)cap);
    } else if (sa->sa_family == AF_INET6) {
        (void)inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)cap);
    }
}

static enum MHD_Result answer(es_http_server *s, struct MHD_Connection *c, pending *p, es_http_request *rq,
                              es_http_response *rs);
static enum MHD_Result dispatch(es_http_server *s, struct MHD_Connection *c, es_http_request *rq,
                                es_http_response *rs);

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    es_http_server *s = cls;
    if (*con_cls == NULL) {
        /* The first call carries only the headers: refuse an announced oversized body at once. */
        pending *p = es_calloc(1, sizeof(*p));
        if (p == NULL) {
            return MHD_NO;
        }
        size_t cap = s->o.body_cap != NULL ? s->o.body_cap(s->o.ctx, method, url) : s->o.max_body;
        p->body = (es_buf)ES_BUF_INIT(cap);
        p->fd = -1;
        p->cap = cap;
        p->t0 = now_ns();
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL && strlen(cl) > CONTENT_LENGTH_DIGITS_MAX) {
            p->too_large = true;
        } else if (cl != NULL) {
            unsigned long long v = 0;
            for (const char *q = cl; *q >= '0' && *q <= '9'; q++) {
                v = v * 10 + (unsigned long long)(*q - '0');
            }
            p->too_large = v > cap;
            p->announced = (size_t)v;
        }
        bool spooled =
            !p->too_large && s->o.spool != NULL && s->o.spool_dir != NULL && s->o.spool(s->o.ctx, method, url);
        if (spooled && is_form(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE))) {
            /* A form: parsed into parts as it arrives (http.h), never buffered whole. */
            p->form = true;
            p->spool_dir = s->o.spool_dir;
            p->fields = (es_buf)ES_BUF_INIT(FORM_FIELDS_MAX);
            p->pp = MHD_create_post_processor(c, FORM_BUFFER, on_part, p);
            p->form_error = p->pp == NULL ? "the multipart/form-data body has no boundary" : NULL;
            *con_cls = p;
            return MHD_YES;
        }
        if (spooled) {
            /* A body announced as small stays in memory (a file costs a write and a mapping for a
             * 1 MB verification); a larger or unannounced one goes to the file, an unannounced one
             * once it passes ES_HTTP_SPOOL_MIN (below). */
            p->spool_later = cl == NULL;
            if (cl != NULL && p->announced > ES_HTTP_SPOOL_MIN) {
                p->fd = spool_open(s->o.spool_dir);
                p->failed = p->fd < 0;
            }
        }
        /* A body held in memory is given its announced size at once: growing it piece by piece
         * copied a 1 MB document some twenty times over (perf: a quarter of a verification). */
        if (!p->too_large && p->fd < 0 && p->announced > 0 && !es_ok(es_buf_reserve(&p->body, p->announced))) {
            p->too_large = true; /* beyond what memory allows: refused like an oversized body */
        }
        *con_cls = p;
        return MHD_YES;
    }
    pending *p = *con_cls;
    if (p->form && *upload_size > 0) {
        /* Past the cap, or once refused, the rest is read and dropped. */
        p->too_large = p->too_large || *upload_size > p->cap - p->received;
        p->received += p->too_large ? 0 : *upload_size;
        if (!p->too_large && p->form_error == NULL && MHD_post_process(p->pp, upload, *upload_size) != MHD_YES &&
            p->form_error == NULL) {
            p->form_error = "the multipart/form-data body is malformed";
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (p->form && p->pp != NULL) {
        /* The whole body has come: a form that has not reached its closing boundary is cut. */
        if (MHD_destroy_post_processor(p->pp) != MHD_YES && p->form_error == NULL && !p->too_large) {
            p->form_error = "the multipart/form-data body ends before its closing boundary";
        }
        p->pp = NULL;
    }
    if (*upload_size > 0) {
        /* Body bytes arrive in pieces; past the cap they are read and dropped, then refused. */
        if (p->too_large || p->failed) {
            /* dropped */
        } else if (p->fd >= 0) {
            if (*upload_size > p->cap - p->spooled) {
                p->too_large = true;
            } else if (!write_all(p->fd, upload, *upload_size)) {
                p->failed = true;
            } else {
                p->spooled += *upload_size;
            }
        } else if (!es_ok(es_buf_append(&p->body, upload, *upload_size))) {
            p->too_large = true;
            p->body.len = 0;
        } else if (p->spool_later && p->body.len > ES_HTTP_SPOOL_MIN) {
            /* An unannounced body that grew past the threshold: to the file from here on. */
            p->spool_later = false;
            p->fd = spool_open(s->o.spool_dir);
            p->failed = p->fd < 0 || !write_all(p->fd, (const char *)p->body.ptr, p->body.len);
            p->spooled = p->body.len;
            es_buf_free(&p->body);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    es_http_response rs = {200, "", ES_BUF_INIT(ES_HTTP_RESPONSE_MAX), "", {{0}}, {{0}}, 0, "", ""};
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    es_http_request rq = {method, url, ct != NULL ? ct : "", {NULL, 0}, header(c, "Authorization"),
                          header(c, "Cookie"), header(c, "X-CSRF-Token"), "", query_arg, c,
                          header(c, "X-Request-Id"), -1, 0, NULL};
    remote_of(c, rq.remote, sizeof(rq.remote));
    enum MHD_Result ret = answer(s, c, p, &rq, &rs);
    if (s->o.done != NULL) {
        s->o.done(s->o.done_ctx, &rq, &rs, now_ns() - p->t0);
    }
    es_buf_free(&rs.body);
    return ret;
}

/* The answer to a whole request (the body received): the refusals of this layer, or the handler's. */
static enum MHD_Result answer(es_http_server *s, struct MHD_Connection *c, pending *p, es_http_request *rq,
                              es_http_response *rs)
{
    const char *url = rq->path;
    if (p->failed) {
        rs->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        return send_bytes(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", NULL, "internal error\n", 15,
                          NULL);
    }
    if (p->too_large) {
        rs->status = MHD_HTTP_CONTENT_TOO_LARGE;
        /* Refused before the router saw it: the API's answers are problem+json (server/api.h). */
        static const char msg[] = "request body too large\n";
        static const char problem[] = "{\"type\":\"about:blank\",\"title\":\"Content Too Large\",\"status\":413,"
                                      "\"code\":\"TOO_LARGE\",\"detail\":\"request body too large\"}";
        if (strncmp(url, "/api/", 5) == 0) {
            return send_bytes(c, MHD_HTTP_CONTENT_TOO_LARGE, "application/problem+json", NULL, problem,
                              sizeof(problem) - 1, NULL);
        }
        return send_bytes(c, MHD_HTTP_CONTENT_TOO_LARGE, "text/plain; charset=utf-8", NULL, msg, sizeof(msg) - 1,
                          NULL);
    }
    if (p->form_error != NULL) {
        rs->status = MHD_HTTP_BAD_REQUEST;
        char problem[320];
        int n = strncmp(url, "/api/", 5) == 0
                    ? snprintf(problem, sizeof(problem), "{\"type\":\"about:blank\",\"title\":\"Bad Request\","
                                                         "\"status\":400,\"code\":\"BAD_INPUT\",\"detail\":\"%s\"}",
                               p->form_error)
                    : snprintf(problem, sizeof(problem), "%s\n", p->form_error);
        return send_bytes(c, MHD_HTTP_BAD_REQUEST,
                          strncmp(url, "/api/", 5) == 0 ? "application/problem+json" : "text/plain; charset=utf-8",
                          NULL, problem, n > 0 && (size_t)n < sizeof(problem) ? (size_t)n : 0, NULL);
    }
    es_http_form form = {p->parts, p->n_parts, p->fd};
    if (p->form) {
        /* The fields' values as spans now that their buffer no longer moves. */
        for (size_t i = 0; i < p->n_parts; i++) {
            if (!p->parts[i].is_file) {
                p->parts[i].value = es_span_of(p->fields.ptr != NULL ? p->fields.ptr + p->parts[i].off : NULL,
                                               (size_t)p->parts[i].len);
            }
        }
        rq->form = &form;
        return dispatch(s, c, rq, rs);
    }
    if (p->fd >= 0) {
        /* The spooled body: its descriptor (the handler maps it), never a copy in memory. */
        rq->body_fd = p->fd;
        rq->body_fd_len = p->spooled;
    } else {
        rq->body = es_buf_span(&p->body);
    }
    return dispatch(s, c, rq, rs);
}

/* The handler's answer to the request as the layer hands it over. */
static enum MHD_Result dispatch(es_http_server *s, struct MHD_Connection *c, es_http_request *rq,
                                es_http_response *rs)
{
    es_result r = s->o.handler(s->o.ctx, rq, rs);
    if (!es_ok(r)) {
        rs->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        return send_bytes(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", NULL, "internal error\n", 15,
                          NULL);
    }
    return send_bytes(c, (unsigned int)rs->status, rs->content_type, rs->allow, rs->body.ptr, rs->body.len, rs);
}

/* "ADDR:PORT" or "[ADDR6]:PORT" into a socket address. */
static ES_RESULT parse_listen(const char *l, struct sockaddr_storage *sa, socklen_t *len)
{
    ES_ENSURE(l != NULL && strlen(l) < LISTEN_MAX, ESEAL_EINVAL, "http: --listen takes ADDR:PORT");
    char host[LISTEN_MAX];
    const char *colon = l[0] == '[' ? strstr(l, "]:") : strrchr(l, ':');
    ES_ENSURE(colon != NULL, ESEAL_EINVAL, "http: --listen takes ADDR:PORT, not '%s'", l);
    size_t hl = l[0] == '[' ? (size_t)(colon - l - 1) : (size_t)(colon - l);
    memcpy(host, l[0] == '[' ? l + 1 : l, hl);
    host[hl] = 0;
    const char *ps = colon + (l[0] == '[' ? 2 : 1);
    unsigned long port = 0;
    size_t nd = 0;
    for (; ps[nd] >= '0' && ps[nd] <= '9' && nd < 6; nd++) {
        port = port * 10 + (unsigned long)(ps[nd] - '0');
    }
    ES_ENSURE(nd > 0 && ps[nd] == 0 && port <= UINT16_MAX, ESEAL_EINVAL, "http: bad port in '%s'", l);
    memset(sa, 0, sizeof(*sa));
    struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *len = sizeof(*v4);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*v6);
    } else {
        ES_BAIL(ESEAL_EINVAL, "http: '%s' is not an IP address (give a numeric address to listen on)", host);
    }
    return ES_OK;
}

ES_RESULT es_http_start(es_http_server **out, const es_http_options *o)
{
    ES_ENSURE_ARG(out != NULL && o != NULL && o->handler != NULL);
    struct sockaddr_storage sa;
    socklen_t salen = 0;
    ES_GUARD(parse_listen(o->listen, &sa, &salen));
    es_http_server *s = es_calloc(1, sizeof(*s));
    ES_ENSURE_ALLOC(s);
    s->o = *o;
    s->o.max_body = o->max_body != 0 ? o->max_body : DEFAULT_MAX_BODY;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned int threads = o->threads != 0 ? o->threads : (cpus > 0 ? 2u * (unsigned int)cpus : 2u);
    threads = threads > MAX_THREADS ? MAX_THREADS : threads;
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL; /* no MHD_USE_ERROR_LOG: never prints */
    if (sa.ss_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
    }
    bool tls = o->tls_cert_pem != NULL || o->tls_key_pem != NULL;
    if (tls) {
        if (o->tls_cert_pem == NULL || o->tls_key_pem == NULL) {
            es_free(s);
            ES_BAIL(ESEAL_EINVAL, "http: TLS needs both a certificate and its key");
        }
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            es_free(s);
            ES_BAIL(ESEAL_EUNSUPPORTED, "http: this libmicrohttpd has no TLS");
        }
        flags |= MHD_USE_TLS;
    }
    /* The TLS options go last, before the end: without TLS they are not passed at all. */
    s->d = tls ? MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                  MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT,
                                  o->timeout_s != 0 ? o->timeout_s : DEFAULT_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
                                  1024u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64u << 10),
                                  MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_HTTPS_MEM_CERT,
                                  o->tls_cert_pem, MHD_OPTION_HTTPS_MEM_KEY, o->tls_key_pem, MHD_OPTION_END)
               : MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                  MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT,
                                  o->timeout_s != 0 ? o->timeout_s : DEFAULT_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
                                  1024u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64u << 10),
                                  MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
    if (s->d == NULL) {
        es_free(s);
        if (tls) {
            ES_BAIL(ESEAL_EINVAL, "http: cannot listen on %s with TLS (the address is in use or the certificate and "
                                  "key do not load: PEM, the key unencrypted and matching the certificate)",
                    o->listen);
        }
        ES_BAIL(ESEAL_EIO, "http: cannot listen on %s (address in use or not available)", o->listen);
    }
    *out = s;
    return ES_OK;
}

unsigned int es_http_port(const es_http_server *s)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    return i != NULL ? i->port : 0;
}

void es_http_stop(es_http_server *s)
{
    if (s != NULL) {
        MHD_stop_daemon(s->d);
        es_free(s);
    }
}
