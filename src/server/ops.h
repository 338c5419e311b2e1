/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Operations (api_ops.c; docs/openapi.yaml "# operations", docs/http-api.md): the routes a load
 * balancer and a monitoring system ask, outside /api/v1, and what sits around every request.
 *
 *   GET /healthz   200 "ok" while the process runs
 *   GET /readyz    200 "ready" when the store answers a read (the log's size) and the keys are
 *                  unlocked (the passphrase opens a key); 503 problem+json UNAVAILABLE otherwise
 *   GET /metrics   the Prometheus text format 0.0.4: eseal_http_requests_total{route,status},
 *                  eseal_http_request_duration_seconds{route} (a histogram), eseal_verifications_total, eseal_stamps_total,
 *                  eseal_log_size
 *
 * Around every request (es_ops_handle, es_ops_done): a request id (X-Request-Id of the request when
 * it is 1 to 64 of [A-Za-z0-9._-], else 16 random bytes in hex), echoed in the response; and one
 * access-log line of JSON when it is answered: time, request_id, principal (the login, or "-"),
 * method, route (the route's pattern, "-" for none), status, duration_ms. Never another header,
 * a cookie, a token or a body.
 */
#ifndef ES_SERVER_OPS_H
#define ES_SERVER_OPS_H

#include <stdio.h>

#include "api.h"
#include "server.h"

typedef struct es_ops es_ops;

/* Mounts /healthz, /readyz and /metrics on `r` for `inst`, whose calls they make under the lock of
 * `api` (es_api_locked); the access log goes to `log` (stderr when NULL; kept open by the caller
 * until es_ops_free). */
ES_RESULT es_server_mount_ops(es_router *r, eseal_instance *inst, es_api *api, FILE *log, es_ops **out);
void es_ops_free(es_ops *o);
/* The es_http_handler wrapping the router (ctx: the es_ops): the request id, then the router. */
ES_RESULT es_ops_handle(void *ops, const es_http_request *rq, es_http_response *rs);
/* The es_http_options.body_cap and .spool of the server (ctx: the es_ops): the router's. */
size_t es_ops_body_cap(void *ops, const char *method, const char *path);
bool es_ops_spool(void *ops, const char *method, const char *path);
/* The es_http_options.done of the server (ctx: the es_ops): the metrics and the access log. */
void es_ops_done(void *ops, const es_http_request *rq, const es_http_response *rs, uint64_t ns);
/* One verification answered (POST /api/v1/verify). */
void es_ops_count_verification(void);
/* A document stamped through POST /api/v1/stamp (eseal_stamps_total). */
void es_ops_count_stamp(void);

/* docs/openapi.yaml as JSON, generated at build time (scripts/openapi_embed.py). */
extern const char es_openapi_json[];
extern const size_t es_openapi_json_len;

#endif
