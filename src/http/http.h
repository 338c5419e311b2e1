/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small HTTP server for eseal's protocol endpoints (the TSA now; OCSP, the
 * log tiles and the API later), on libmicrohttpd: the library parses HTTP,
 * eseal only sees whole requests. Bodies are capped (413 beyond the cap,
 * before they are buffered), connections time out, a thread pool serves them.
 */
#ifndef ES_HTTP_H
#define ES_HTTP_H

#include "util/fetch.h"
#include "util/util.h"

/* A response body a handler builds (a CA bundle, a CRL, a report): at most ES_CA_BUNDLE_MAX (24 MiB)
 * and a document's report, with room; a handler going past it answers an error, never a cut body. */
#define ES_HTTP_RESPONSE_MAX (64u << 20)

/* Bodies up to this many bytes stay in memory on a spooled route (a small document is verified
 * faster from memory than through a file); larger ones, and unannounced ones past it, are spooled. */
#define ES_HTTP_SPOOL_MIN (4u << 20)

/* The extra headers a response may carry (Set-Cookie, Retry-After, WWW-Authenticate..., the web pages'
 * four security headers and X-Request-Id: src/server/web.c). */
#define ES_HTTP_EXTRA_HEADERS 8
#define ES_HTTP_HEADER_NAME_MAX 32
#define ES_HTTP_HEADER_VALUE_MAX 320
#define ES_HTTP_REMOTE_MAX 64

/* A multipart/form-data body (RFC 7578) on a spooled route is parsed as it arrives (libmicrohttpd's
 * post processor) into parts: at most this many (a batch of ESEAL_REQUEST_DOCS_MAX documents and
 * the form's fields), each field's value at most ES_HTTP_FIELD_MAX bytes (a file has no limit of
 * its own but the route's body cap), names and file names within their bounds. Past any of them
 * the request is refused (400) before the handler runs: never a truncated form. */
#define ES_HTTP_PARTS_MAX 1100u
#define ES_HTTP_FIELD_MAX 4096u
#define ES_HTTP_PART_NAME_MAX 64
#define ES_HTTP_PART_FILENAME_MAX 256
#define ES_HTTP_PART_TYPE_MAX 96

/* One part of a multipart/form-data body. */
typedef struct {
    char name[ES_HTTP_PART_NAME_MAX];         /* the form field's name */
    char filename[ES_HTTP_PART_FILENAME_MAX]; /* a file's name as sent ("" for a field, or none given) */
    char content_type[ES_HTTP_PART_TYPE_MAX]; /* the part's Content-Type, "" when none */
    bool is_file;                             /* it came as a file (a filename parameter) */
    es_span value;                            /* a field's bytes (empty for a file) */
    uint64_t off, len;                        /* a file's bytes: [off, off + len) of es_http_form.fd */
} es_http_part;

/* The parts of a multipart/form-data body, in the order sent. */
typedef struct {
    const es_http_part *parts;
    size_t n;
    /* Every file's bytes, one after another, in a temporary file without a name in the spool
     * directory (read it with pread); -1 when the form has no file. Closed when the request ends. */
    int fd;
} es_http_form;

typedef struct {
    const char *method;       /* "GET", "POST", ... */
    const char *path;         /* the URL path, without the query */
    const char *content_type; /* "" when none */
    es_span body;
    /* The credentials of the API (src/server/api*.c): the headers as they came, "" when absent
     * (NULL from a caller that does not set them reads as absent too). */
    const char *authorization; /* Authorization */
    const char *cookie;        /* Cookie */
    const char *csrf_token;    /* X-CSRF-Token */
    char remote[ES_HTTP_REMOTE_MAX]; /* the peer's address, "" when not known */
    /* The query's arguments, through es_http_arg (NULL: the request has none). */
    const char *(*arg_fn)(const void *conn, const char *name);
    const void *conn;
    /* X-Request-Id as it came ("" when absent): the access log's id when it is a sane token. */
    const char *request_id;
    /* When the body was spooled to a temporary file (es_http_options.spool): its descriptor and
     * length, `body` empty. The file has no name and is closed when the request ends; the handler
     * maps it (es_map: the router does, src/server/router.c). -1 otherwise. */
    int body_fd;
    size_t body_fd_len;
    /* A multipart/form-data body on a spooled route: its parts (body empty, body_fd -1); NULL for
     * any other body. */
    const es_http_form *form;
} es_http_request;

typedef struct {
    int status;             /* HTTP status; 200 by default */
    char content_type[96];  /* "" for none */
    es_buf body;            /* what to send; the handler fills it */
    char allow[64];         /* the Allow header of a 405 ("GET, HEAD"); "" for none */
    char header_name[ES_HTTP_EXTRA_HEADERS][ES_HTTP_HEADER_NAME_MAX];
    char header_value[ES_HTTP_EXTRA_HEADERS][ES_HTTP_HEADER_VALUE_MAX];
    size_t n_headers;
    /* For the access log (set by whoever knows, "" otherwise): who called (a login, never a secret). */
    char principal[128];
    char request_id[65];    /* the request's id, echoed as X-Request-Id ("" when none was given one) */
} es_http_response;

/* A query argument of the request (decoded), or NULL when it has none of that name. */
const char *es_http_arg(const es_http_request *rq, const char *name);
/* Adds a header to the response: a name of [A-Za-z0-9-] and a value without CR, LF or NUL, each
 * within its bound; ESEAL_ELIMIT past ES_HTTP_EXTRA_HEADERS, ESEAL_EINVAL for a bad one. */
ES_RESULT es_http_header_add(es_http_response *rs, const char *name, const char *value);

/* Answers one request; an error becomes a 500 with no body (and is never shown to the client). */
typedef ES_RESULT (*es_http_handler)(void *ctx, const es_http_request *req, es_http_response *resp);

typedef struct {
    const char *listen;      /* "ADDR:PORT" (IPv4 or [IPv6]); port 0 picks a free one */
    size_t max_body;         /* request bodies above this are refused with 413 (default 64 KiB) */
    unsigned int threads;    /* worker threads (default: two per CPU) */
    unsigned int timeout_s;  /* idle connection timeout (default 10 s) */
    es_http_handler handler;
    void *ctx;
    /* Optional: the body cap of one request, asked when its headers arrive (a router knows the
     * cap of the route a method and path reach); NULL: max_body for every request. */
    size_t (*body_cap)(void *ctx, const char *method, const char *path);
    /* Optional: whether the body of one request goes to a temporary file in spool_dir instead of
     * memory (asked with body_cap). The file is created 0600 (O_TMPFILE, else mkstemp + unlink:
     * it has no name while it is written), handed to the handler as es_http_request.body_fd and
     * closed when the request ends. NULL, or no spool_dir: every body in memory. */
    bool (*spool)(void *ctx, const char *method, const char *path);
    /* (A body of at most ES_HTTP_SPOOL_MIN bytes stays in memory even on a spooled route.) A
     * multipart/form-data body on a spooled route is not kept as it came: it is parsed into parts
     * as it arrives, the files spooled, the fields in memory (es_http_request.form). */
    const char *spool_dir;  /* an existing directory (the instance's HOME/tmp, 0700) */
    /* Optional: told of every answered request (the access log, the metrics), after it is queued:
     * its status and the time the handler took, in nanoseconds. */
    void (*done)(void *ctx, const es_http_request *rq, const es_http_response *rs, uint64_t ns);
    void *done_ctx;
    /* Optional: HTTPS (libmicrohttpd's GnuTLS) with this certificate chain and private key, both
     * PEM text (the key unencrypted); NULL: plain HTTP. ESEAL_EUNSUPPORTED when the library was
     * built without TLS, ESEAL_EINVAL when they do not load. */
    const char *tls_cert_pem;
    const char *tls_key_pem;
} es_http_options;

typedef struct es_http_server es_http_server;

ES_RESULT es_http_start(es_http_server **out, const es_http_options *o);
/* The port the server listens on (useful with port 0). */
unsigned int es_http_port(const es_http_server *s);
/* Stops accepting, finishes the requests in flight, frees the server. */
void es_http_stop(es_http_server *s);

/* ---- client (libcurl) ------------------------------------------------------------------------ */

typedef struct {
    unsigned int timeout_ms; /* the whole exchange, connection included (default 5000) */
    size_t max_response;     /* larger responses are an ESEAL_ELIMIT error (default 1 MiB) */
    const char *const *headers; /* more request headers, "Name: value" each, NULL-terminated (may be NULL) */
} es_http_client_options;

/*
 * POSTs `body` with `content_type` to `url` (http or https only, no redirects,
 * no proxy from the environment) and returns the response body, its HTTP
 * status and Content-Type. Transport failures and timeouts are ESEAL_EIO with
 * the reason; any HTTP status is returned to the caller to judge.
 */
ES_RESULT es_http_post(const char *url, const char *content_type, es_span body, const es_http_client_options *o,
                       es_buf *resp, long *status, char *resp_type, size_t resp_type_cap);

/* GETs `url` under the same rules as es_http_post (CRLs from a CRL distribution point). */
ES_RESULT es_http_get(const char *url, const es_http_client_options *o, es_buf *resp, long *status, char *resp_type,
                      size_t resp_type_cap);

/* es_http_post (content_type not NULL) or es_http_get as an es_fetch_fn (util/fetch.h); ctx unused. */
ES_RESULT es_http_fetch(void *ctx, const char *url, const char *content_type, es_span body, unsigned int timeout_ms,
                        size_t max_response, es_buf *resp, long *status);

/* The fetcher the service hands down to layers that must not reach the network themselves. */
es_fetcher es_http_fetcher(void);

#endif
