/* SPDX-License-Identifier: Apache-2.0 */
/* Operations (ops.h): /healthz, /readyz, /metrics, request ids and the access log. */
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "api.h"
#include "ops.h"

/* The histogram's upper bounds, in seconds (Prometheus' defaults). */
static const double bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBOUNDS (sizeof(bounds) / sizeof(bounds[0]))
/* (route, status) pairs counted: every route times the statuses it answers, with room. */
#define MAX_COUNTERS 512
#define MAX_ROUTES (ES_ROUTER_MAX_ROUTES + 1u)
#define ID_MAX 64
#define NO_ROUTE "-"

typedef struct {
    const char *route; /* a route's doc (it outlives the server), or NO_ROUTE */
    int status;
    uint64_t n;
} counter;

typedef struct {
    const char *route;
    uint64_t le[NBOUNDS]; /* requests at or under bounds[i] (cumulative when printed) */
    uint64_t n;
    double sum;
} histogram;

struct es_ops {
    eseal_instance *inst;
    es_api *api; /* its lock serialises the instance's calls */
    const es_router *router;
    FILE *log;
    pthread_mutex_t lock; /* the tables and the log's lines */
    /* Until when a passed key check holds for /readyz (a check opens a key file: a public route
     * must not make every request pay for that). Under `lock`. */
    int64_t keys_ok_until_ms;
    counter counters[MAX_COUNTERS];
    size_t ncounters;
    uint64_t dropped; /* requests past MAX_COUNTERS pairs: counted nowhere but here */
    histogram hist[MAX_ROUTES];
    size_t nhist;
};

static atomic_ullong verifications;

void es_ops_count_verification(void) { atomic_fetch_add(&verifications, 1); }
static atomic_ullong stamps;
void es_ops_count_stamp(void) { atomic_fetch_add(&stamps, 1); }

/* ---- the routes --------------------------------------------------------------------------------- */

static int healthz(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)ctx;
    (void)rq;
    (void)m;
    return es_server_reply(rs, 200, ES_CT_TEXT, "ok\n", 3);
}

/* How long a passed key check answers for /readyz. */
#define ES_OPS_KEYS_RECHECK_MS 30000

/* What readyz and metrics ask of the instance, under the API's lock. */
typedef struct {
    eseal_instance *inst;
    uint64_t size;     /* the log's size */
    bool keys;         /* also check the passphrase */
    const char *why;   /* the failure's cause */
} probe;

static int probe_run(void *ctx)
{
    probe *p = ctx;
    eseal_log *log = NULL;
    /* The store answers a read (the log's size is in it); the keys open with the passphrase. */
    int rc = eseal_instance_log(p->inst, &log);
    if (rc == ESEAL_OK) {
        rc = eseal_log_size(log, &p->size, NULL);
    }
    p->why = "the store does not answer";
    if (rc == ESEAL_OK && p->keys) {
        rc = eseal_instance_passphrase_check(p->inst);
        p->why = "the keys are locked (no passphrase, or a wrong one)";
    }
    return rc;
}

static int readyz(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)rq;
    (void)m;
    es_ops *o = ctx;
    int64_t now = eseal_context_now(NULL);
    (void)pthread_mutex_lock(&o->lock);
    bool keys = now >= o->keys_ok_until_ms;
    (void)pthread_mutex_unlock(&o->lock);
    /* The store is asked every time; the keys at most every ES_OPS_KEYS_RECHECK_MS. */
    probe p = {o->inst, 0, keys, NULL};
    int rc = es_api_locked(o->api, probe_run, &p);
    const char *why = p.why;
    if (rc == ESEAL_OK && keys) {
        (void)pthread_mutex_lock(&o->lock);
        o->keys_ok_until_ms = now + ES_OPS_KEYS_RECHECK_MS;
        (void)pthread_mutex_unlock(&o->lock);
    }
    if (rc != ESEAL_OK) {
        eseal_error_clear();
        return es_code(es_api_problem(rs, 503, "UNAVAILABLE", why));
    }
    return es_server_reply(rs, 200, ES_CT_TEXT, "ready\n", 6);
}

/* The text format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/). */
static ES_RESULT metrics_text(es_ops *o, es_buf *b)
{
    ES_GUARD(es_buf_printf(b, "# HELP eseal_http_requests_total HTTP requests answered, by route and status.\n"
                              "# TYPE eseal_http_requests_total counter\n"));
    for (size_t i = 0; i < o->ncounters; i++) {
        const counter *c = &o->counters[i];
        ES_GUARD(es_buf_printf(b, "eseal_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n", c->route,
                               c->status, (unsigned long long)c->n));
    }
    ES_GUARD(es_buf_printf(b, "# HELP eseal_http_request_duration_seconds Time to answer a request, by route.\n"
                              "# TYPE eseal_http_request_duration_seconds histogram\n"));
    for (size_t i = 0; i < o->nhist; i++) {
        const histogram *h = &o->hist[i];
        uint64_t cum = 0;
        for (size_t k = 0; k < NBOUNDS; k++) {
            cum += h->le[k];
            ES_GUARD(es_buf_printf(b, "eseal_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                                   h->route, bounds[k], (unsigned long long)cum));
        }
        ES_GUARD(es_buf_printf(b,
                               "eseal_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
                               "eseal_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                               "eseal_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                               h->route, (unsigned long long)h->n, h->route, h->sum, h->route,
                               (unsigned long long)h->n));
    }
    ES_GUARD(es_buf_printf(b, "# HELP eseal_verifications_total Documents verified through POST /api/v1/verify.\n"
                              "# TYPE eseal_verifications_total counter\n"
                              "eseal_verifications_total %llu\n",
                           (unsigned long long)atomic_load(&verifications)));
    ES_GUARD(es_buf_printf(b, "# HELP eseal_stamps_total Documents stamped through POST /api/v1/stamp.\n"
                              "# TYPE eseal_stamps_total counter\n"
                              "eseal_stamps_total %llu\n",
                           (unsigned long long)atomic_load(&stamps)));
    return ES_OK;
}

static int metrics(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)rq;
    (void)m;
    es_ops *o = ctx;
    es_buf b = ES_BUF_INIT(ES_HTTP_RESPONSE_MAX);
    (void)pthread_mutex_lock(&o->lock);
    es_result r = metrics_text(o, &b);
    (void)pthread_mutex_unlock(&o->lock);
    probe p = {o->inst, 0, false, NULL};
    /* The log's size is read outside the tables' lock: a slow store does not stall the requests. */
    if (es_ok(r) && es_api_locked(o->api, probe_run, &p) == ESEAL_OK) {
        r = es_buf_printf(&b, "# HELP eseal_log_size Entries in the audit log.\n# TYPE eseal_log_size gauge\n"
                              "eseal_log_size %llu\n",
                          (unsigned long long)p.size);
    } else {
        eseal_error_clear(); /* no log: the gauge is left out rather than a false 0 */
    }
    int rc = es_ok(r) ? es_server_reply(rs, 200, "text/plain; version=0.0.4; charset=utf-8", b.ptr, b.len) : es_code(r);
    es_buf_free(&b);
    return rc;
}

/* ---- around every request ------------------------------------------------------------------------ */

/* A request id we take as given: 1 to ID_MAX of [A-Za-z0-9._-]. */
static bool sane_id(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-')) {
            return false;
        }
    }
    return true;
}

static ES_RESULT fresh_id(char out[ID_MAX + 1])
{
    uint8_t r[16];
    ES_ENSURE(getrandom(r, sizeof(r), 0) == (ssize_t)sizeof(r), ESEAL_EIO, "ops: no random bytes for a request id");
    for (size_t i = 0; i < sizeof(r); i++) {
        (void)snprintf(out + 2 * i, 3, "%02x", r[i]);
    }
    return ES_OK;
}

ES_RESULT es_ops_handle(void *ops, const es_http_request *rq, es_http_response *rs)
{
    es_ops *o = ops;
    if (sane_id(rq->request_id)) {
        (void)snprintf(rs->request_id, sizeof(rs->request_id), "%s", rq->request_id);
    } else {
        ES_GUARD(fresh_id(rs->request_id));
    }
    ES_GUARD(es_http_header_add(rs, "X-Request-Id", rs->request_id));
    /* The router's rs->n_headers counts the id; a handler keeps the other slots. */
    return es_router_handle((void *)(uintptr_t)o->router, rq, rs);
}

size_t es_ops_body_cap(void *ops, const char *method, const char *path)
{
    es_ops *o = ops;
    return es_router_body_cap((void *)(uintptr_t)o->router, method, path);
}

bool es_ops_spool(void *ops, const char *method, const char *path)
{
    es_ops *o = ops;
    return es_router_spool((void *)(uintptr_t)o->router, method, path);
}

static void count(es_ops *o, const char *route, int status, double s)
{
    size_t i = 0;
    while (i < o->ncounters && (o->counters[i].route != route || o->counters[i].status != status)) {
        i++;
    }
    if (i == o->ncounters && o->ncounters < MAX_COUNTERS) {
        o->counters[o->ncounters++] = (counter){route, status, 0};
    }
    if (i < o->ncounters) {
        o->counters[i].n++;
    } else {
        o->dropped++;
    }
    size_t h = 0;
    while (h < o->nhist && o->hist[h].route != route) {
        h++;
    }
    if (h == o->nhist && o->nhist < MAX_ROUTES) {
        memset(&o->hist[o->nhist], 0, sizeof(o->hist[0]));
        o->hist[o->nhist++].route = route;
    }
    if (h < o->nhist) {
        size_t k = 0;
        while (k < NBOUNDS && s > bounds[k]) {
            k++;
        }
        if (k < NBOUNDS) {
            o->hist[h].le[k]++;
        }
        o->hist[h].n++;
        o->hist[h].sum += s;
    }
}

void es_ops_done(void *ops, const es_http_request *rq, const es_http_response *rs, uint64_t ns)
{
    es_ops *o = ops;
    const char *label = es_router_label(o->router, rq->method, rq->path);
    const char *route = label != NULL ? label : NO_ROUTE;
    char id[ID_MAX + 1];
    if (rs->request_id[0] != '\0') {
        (void)snprintf(id, sizeof(id), "%s", rs->request_id);
    } else if (!es_ok(fresh_id(id))) { /* refused before the handler (413): an id for the log alone */
        eseal_error_clear();
        (void)snprintf(id, sizeof(id), "-");
    }
    char t[ES_RFC3339_LEN];
    es_time_rfc3339(t, es_now_ms());
    /* The route's pattern, not the path: a path may hold a login or a serial; neither is a secret,
     * but the pattern is what the metrics count by too. */
    json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:f}", "time", t, "request_id", id, "principal",
                             rs->principal[0] != '\0' ? rs->principal : "-", "method", rq->method, "route", route,
                             "status", rs->status, "duration_ms", (double)ns / 1e6);
    char *txt = line != NULL ? json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(line);
    (void)pthread_mutex_lock(&o->lock);
    count(o, route, rs->status, (double)ns / 1e9);
    if (txt != NULL) {
        (void)fprintf(o->log, "%s\n", txt);
        (void)fflush(o->log);
    }
    (void)pthread_mutex_unlock(&o->lock);
    free(txt); /* !checksrc! allowed: jansson's allocation */
}

ES_RESULT es_server_mount_ops(es_router *r, eseal_instance *inst, es_api *api, FILE *log, es_ops **out)
{
    ES_ENSURE_ARG(r != NULL && inst != NULL && api != NULL && out != NULL);
    es_ops *o = es_calloc(1, sizeof(*o));
    ES_ENSURE_ALLOC(o);
    o->inst = inst;
    o->api = api;
    o->router = r;
    o->log = log != NULL ? log : stderr;
    if (pthread_mutex_init(&o->lock, NULL) != 0) {
        es_free(o);
        ES_BAIL(ESEAL_ENOMEM, "ops: cannot make its lock");
    }
    const es_route routes[] = {
        {ES_ROUTE_GET, "/healthz", NULL, 0, healthz, o, "GET /healthz"},
        {ES_ROUTE_GET, "/readyz", NULL, 0, readyz, o, "GET /readyz"},
        {ES_ROUTE_GET, "/metrics", NULL, 0, metrics, o, "GET /metrics"},
    };
    es_result res = ES_OK;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]) && es_ok(res); i++) {
        res = es_router_add(r, &routes[i]);
    }
    if (!es_ok(res)) {
        es_ops_free(o);
        return res;
    }
    *out = o;
    return ES_OK;
}

void es_ops_free(es_ops *o)
{
    if (o != NULL) {
        (void)pthread_mutex_destroy(&o->lock);
        es_free(o);
    }
}
