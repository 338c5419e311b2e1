/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON API under /api/v1 (issue 19 §2; docs/openapi.yaml describes every route, docs/http-api.md
 * how to use it). Like every handler of src/server, the API only translates HTTP to calls of the
 * public library and back: who may do what is decided in the library (the front door and its
 * policy), never here.
 *
 * What the API adds around a handler (api.c), in this order:
 *  1. credentials: `Authorization: Bearer <token>` (eseal_auth_token) or the cookie
 *     `eseal_session` (eseal_session_check); none is an anonymous caller. A credential that is
 *     presented but not taken is 401, even on a public route (a client should know its token is dead).
 *  2. the route's access: a public route takes anyone; any other needs an identity (401
 *     UNAUTHENTICATED otherwise), and a token must carry the route's scope (403 FORBIDDEN).
 *  3. CSRF: a request authenticated by its session cookie that is not GET/HEAD must carry the
 *     session's X-CSRF-Token (403 CSRF).
 *  4. the handler, under the API's lock (one instance, one store connection: its calls are
 *     serialised), or, for an ES_API_PUBLIC_POOLED route, on a pooled instance of its own; an
 *     ES_API_USER_POOLED route runs steps 1-4 on a pooled instance and never takes the lock.
 *  5. errors as RFC 9457 application/problem+json with a stable `code`; a 5xx says nothing of
 *     the insides.
 */
#ifndef ES_SERVER_API_H
#define ES_SERVER_API_H

#include <jansson.h>

#include "eseal/accounts.h"
#include "server.h"

#define ES_API_PREFIX "/api/v1"
#define ES_CT_JSON "application/json"
#define ES_CT_PROBLEM "application/problem+json"
/* The JSON bodies of the API's own routes (login, users, tokens): small. */
#define ES_API_JSON_MAX (64u * 1024u)
/* The documents of spooled routes (POST /verify): eseal_serve_options.max_upload, by default 100 MB. */
#define ES_API_UPLOAD_DEFAULT ((size_t)100u * 1000u * 1000u)

typedef struct es_api es_api;

/* What a handler is given: the caller (anonymous when !authed) and the request. */
typedef struct {
    es_api *api;
    eseal_instance *inst;
    const es_http_request *rq;
    es_http_response *rs;
    const es_route_match *m;
    bool authed;
    bool by_session;
    char session[ESEAL_SESSION_MAX + 1]; /* the cookie's value when by_session */
    eseal_identity id;
} es_api_call;

typedef ES_RESULT (*es_api_fn)(es_api_call *c);

/* Who may call a route. */
typedef enum {
    ES_API_PUBLIC = 1, /* anyone, credentials or not */
    ES_API_USER = 2,   /* an authenticated user (a token needs the route's scope, when it names one) */
    /* Anyone, and the handler runs outside the API's lock on an instance of its own from a pool
     * (opened on the same home, no passphrase): for public reads that take long and change
     * nothing (a verification), so that the server's threads verify side by side. */
    ES_API_PUBLIC_POOLED = 3,
    /* An authenticated user as ES_API_USER, admitted and handled outside the API's lock on a pooled
     * instance: for the calls that take long (a batch uploaded, a request executed) and the polls
     * that follow their progress meanwhile (GET /requests/{id}). Admission is sound on any handle of
     * the home: sessions, tokens and the login throttle are in the store, and the route changes
     * nothing that another process could not change at the same time (races are the store's). */
    ES_API_USER_POOLED = 4,
} es_api_access;

typedef struct {
    unsigned int method;     /* ES_ROUTE_GET or ES_ROUTE_POST; | ES_ROUTE_SPOOL for a document body */
    const char *pattern;     /* below ES_API_PREFIX: "/users", "/users/" "*" "/roles" */
    es_api_access access;
    const char *scope;       /* the token scope it needs (NULL: none) */
    const char *accept;      /* the POST body's media type (NULL: any) */
    size_t max_body;         /* 0: ES_API_JSON_MAX, or the API's max_upload for a spooled route */
    es_api_fn fn;
    const char *doc;         /* "GET /api/v1/users" */
} es_api_route;

/* Mounts the API's routes (es_api_routes) on `r`, for `inst`, spooled bodies capped at max_upload
 * (0: ES_API_UPLOAD_DEFAULT); *out is freed by es_api_free after the server stops. */
ES_RESULT es_server_mount_api(es_router *r, eseal_instance *inst, size_t max_upload, es_api **out);
void es_api_free(es_api *a);
/* Whether the server speaks HTTPS (the session cookie is then marked Secure). */
void es_api_set_tls(es_api *a, bool tls);
bool es_api_tls(const es_api *a);
/* Runs fn(ctx) under the API's lock and returns its code: the operations routes (ops.h) read the
 * instance too, and its calls are serialised with the API's. */
int es_api_locked(es_api *a, int (*fn)(void *ctx), void *ctx);
/* The server's own instance (unlocked with the passphrase at start): only under es_api_locked when the
 * caller runs on a pooled instance (POST /verify/report signs a PDF with it). */
eseal_instance *es_api_instance(es_api *a);
/* Every route of the API (the tables of api_*.c in turn), for the tests that compare them with
 * docs/openapi.yaml and the matrix. */
size_t es_api_route_count(void);
const es_api_route *es_api_route_at(size_t i);

/* ---- for handlers ---- */

/* Answers RFC 9457 problem+json: status, the stable `code` and `detail` (NULL: the reason phrase). */
ES_RESULT es_api_problem(es_http_response *rs, int status, const char *code, const char *detail);
/* Answers a failure `code` of the library (its status and stable code; the message for a 4xx). */
ES_RESULT es_api_fail(es_http_response *rs, int code);
/* Answers `status` with the JSON of `v` (a reference is taken: the caller keeps its own). */
ES_RESULT es_api_json(es_http_response *rs, int status, json_t *v);
/* The request's body as a JSON object whose keys are all in `known` (NULL-terminated): an unknown
 * key, a duplicate or anything but an object is ESEAL_EMALFORMED (400 BAD_INPUT). json_decref it. */
ES_RESULT es_api_body(const es_api_call *c, const char *const *known, json_t **out);
/* A string member (NULL when absent; ESEAL_EMALFORMED when not a string or when it holds a NUL). */
ES_RESULT es_api_str(json_t *o, const char *key, bool required, const char **out);
/* The `*` segment of the route as a C string (at most cap - 1 bytes; ESEAL_EINVAL otherwise). */
ES_RESULT es_api_segment(const es_api_call *c, char *out, size_t cap);
/* JSON values of the records: a time as RFC 3339 (ms 0: null), a string (NULL or "": null), a
 * comma-separated list as an array of strings. NULL only when out of memory (json_pack then fails). */
json_t *es_api_time(int64_t ms);
json_t *es_api_str_or_null(const char *s);
json_t *es_api_list(const char *csv);
/* Answers `status` with the JSON of v, which is consumed (NULL: out of memory). */
ES_RESULT es_api_reply(es_api_call *c, int status, json_t *v);
/* Answers 200 with the array `a` a library listing call (its result `rc`) has filled, which is
 * consumed either way: the failure `rc` when the call failed. */
ES_RESULT es_api_reply_list(es_api_call *c, int rc, json_t *a);
/* Answers 200 with the bytes [p, p+n) of media type `type`. */
ES_RESULT es_api_reply_bytes(es_api_call *c, const char *type, const void *p, size_t n);
/* A private directory (0700, mkdtemp) for a request's files, under the instance's HOME/tmp (else
 * TMPDIR); the caller removes it and what it wrote there. */
ES_RESULT es_api_temp_dir(const es_api_call *c, char *dir, size_t cap);
/* Copies [off, off + len) of `fd` (a form's spool file) into a new file `path` (0600, O_EXCL). */
ES_RESULT es_api_copy_part(int fd, uint64_t off, uint64_t len, const char *path);
/* Answers 204 No Content. */
ES_RESULT es_api_no_content(es_api_call *c);
/* The caller's principal (for the library's calls). */
static inline const eseal_principal *es_api_who(const es_api_call *c) { return &c->id.who; }

/* The JSON of a seal and of a certificate record with its organisation's id (api_seals.c; the
 * answers of every route that returns one). NULL when out of memory. */
json_t *es_api_seal_json(const eseal_seal_record *s, const char *org);
json_t *es_api_cert_json(const eseal_cert_record *r, const char *org);
/* A seal's hardware bindings (eseal_seal_record.hardware, docs/seals.md) as the registry answers them:
 * the JSON array, [] for a seal in software (api_seals.c; the registry and the stamp record). NULL
 * when out of memory. */
json_t *es_api_hardware_json(const char *text);

/* The route tables, one per file (listed in api.c's `tables`). */
extern const es_api_route es_api_accounts_routes[]; /* api_accounts.c */
extern const size_t es_api_accounts_route_count;
extern const es_api_route es_api_seals_routes[]; /* api_seals.c */
extern const size_t es_api_seals_route_count;
extern const es_api_route es_api_public_routes[]; /* api_public.c */
extern const size_t es_api_public_route_count;
extern const es_api_route es_api_more_routes[]; /* api_more.c */
extern const size_t es_api_more_route_count;
extern const es_api_route es_api_grants_routes[]; /* api_grants.c */
extern const size_t es_api_grants_route_count;
extern const es_api_route es_api_webhooks_routes[]; /* api_webhooks.c */
extern const size_t es_api_webhooks_route_count;
extern const es_api_route es_api_requests_routes[]; /* api_requests.c */
extern const size_t es_api_requests_route_count;
extern const es_api_route es_api_devices_routes[]; /* api_devices.c */
extern const size_t es_api_devices_route_count;

#endif
