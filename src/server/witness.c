/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The witness resource (C2SP tlog-witness): POST /add-checkpoint and the monitoring GET
 * /<hex SHA-256 of the origin>/checkpoint (submission and monitoring prefix "/"). The witness's
 * logic and its statuses (400, 403, 404, 409, 422) are src/witness's; this only carries them.
 *
 * The witness is not a resource of `eseal serve`: it is a separate product with its own home,
 * key and passphrase, run by someone other than the log's operator (a witness inside the
 * platform it watches would prove nothing). eseal_witness_listen serves it alone, on the same
 * router as eseal serve.
 */
#include <stdio.h>
#include <string.h>

#include "server.h"

static int add_checkpoint(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)m;
    eseal_buf body = ESEAL_BUF_INIT;
    int status = 0;
    char ctype[sizeof(rs->content_type)] = ES_CT_TEXT;
    int rc = eseal_witness_add_checkpoint(ctx, rq->body.ptr, rq->body.len, &status, &body, ctype, sizeof(ctype));
    if (rc == ESEAL_OK) {
        rc = es_server_reply(rs, status, ctype[0] != '\0' ? ctype : ES_CT_TEXT, body.ptr, body.size);
    }
    eseal_buf_dispose(&body);
    return rc;
}

static int latest(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)rq;
    char hex[65];
    if (m->arg_len != 64) {
        return es_code(es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "not found"));
    }
    memcpy(hex, m->arg, 64);
    hex[64] = '\0';
    eseal_buf note = ESEAL_BUF_INIT;
    int rc = eseal_witness_checkpoint(ctx, &note, hex); /* ENOTFOUND: not hex, or never cosigned: 404 */
    if (rc == ESEAL_OK) {
        rc = es_server_reply(rs, 200, ES_CT_TEXT, note.ptr, note.size);
    }
    eseal_buf_dispose(&note);
    return rc;
}

ES_RESULT es_server_mount_witness(es_router *r, eseal_witness *w)
{
    ES_ENSURE_ARG(r != NULL && w != NULL);
    es_route post = {ES_ROUTE_POST, "/add-checkpoint", NULL, ESEAL_WITNESS_MAX_REQUEST, add_checkpoint, w,
                     "POST /add-checkpoint"};
    ES_GUARD(es_router_add(r, &post));
    es_route get = {ES_ROUTE_GET, "/*/checkpoint", NULL, 0, latest, w, "GET /<sha256(origin)>/checkpoint"};
    return es_router_add(r, &get);
}
