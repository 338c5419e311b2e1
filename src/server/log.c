/* SPDX-License-Identifier: Apache-2.0 */
/* The audit log resource, read-only (C2SP tlog-tiles): GET /checkpoint (text/plain, changes) and
 * GET /tile/<L>/<N>[.p/<W>], /tile/entries/<N>[.p/<W>] (application/octet-stream, immutable). */
#include <stdio.h>
#include <string.h>

#include "server.h"

static int log_get(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)m;
    eseal_buf b = ESEAL_BUF_INIT;
    int immutable = 0;
    int rc = eseal_log_read(ctx, &b, rq->path + 1, &immutable); /* ENOTFOUND beyond the checkpoint: 404 */
    if (rc == ESEAL_OK) {
        rc = es_server_reply(rs, 200, immutable ? "application/octet-stream" : ES_CT_TEXT, b.ptr, b.size);
    }
    eseal_buf_dispose(&b);
    return rc;
}

ES_RESULT es_server_mount_log(es_router *r, eseal_log *log)
{
    ES_ENSURE_ARG(r != NULL && log != NULL);
    es_route rt = {ES_ROUTE_GET, "/checkpoint", NULL, 0, log_get, log, "GET /checkpoint"};
    ES_GUARD(es_router_add(r, &rt));
    rt.pattern = "/tile/";
    rt.doc = "GET /tile/...";
    return es_router_add(r, &rt);
}
