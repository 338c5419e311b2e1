/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCSP resource, RFC 6960 appendix A.1: POST application/ocsp-request to /ocsp, or GET
 * /ocsp/<base64 of the DER request> (URL-decoded by libmicrohttpd); answered
 * application/ocsp-response. A request the responder cannot take is answered inside the
 * protocol (malformedRequest), never with an HTTP error.
 */
#include <stdio.h>
#include <string.h>

#include "server.h"

static int answer(eseal_ocsp_service *s, es_span req, es_http_response *rs)
{
    eseal_buf resp = ESEAL_BUF_INIT;
    int rc = eseal_ocsp_service_respond(s, &resp, req.ptr, req.len);
    if (rc == ESEAL_OK) {
        rc = es_server_reply(rs, 200, "application/ocsp-response", resp.ptr, resp.size);
    }
    eseal_buf_dispose(&resp);
    return rc;
}

static int ocsp_post(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)m;
    return answer(ctx, rq->body, rs);
}

static int ocsp_get(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)rq;
    eseal_buf resp = ESEAL_BUF_INIT;
    int rc = eseal_ocsp_service_respond_get(ctx, &resp, m->arg, m->arg_len);
    if (rc == ESEAL_OK) {
        rc = es_server_reply(rs, 200, "application/ocsp-response", resp.ptr, resp.size);
    }
    eseal_buf_dispose(&resp);
    return rc;
}

ES_RESULT es_server_mount_ocsp(es_router *r, eseal_ocsp_service *s)
{
    ES_ENSURE_ARG(r != NULL && s != NULL);
    /* One byte over the responder's cap still reaches it, to be answered malformedRequest. */
    es_route post = {ES_ROUTE_POST, "/ocsp", "application/ocsp-request", ESEAL_OCSP_MAX_REQUEST + 1, ocsp_post, s,
                     "POST /ocsp"};
    ES_GUARD(es_router_add(r, &post));
    post.pattern = "/ocsp/"; /* the same, for clients configured with a trailing slash */
    post.doc = NULL;
    ES_GUARD(es_router_add(r, &post));
    /* The GET form carries the request in the path: its body cap is the default. */
    es_route get = {ES_ROUTE_GET, "/ocsp/", NULL, 0, ocsp_get, s, "GET /ocsp/BASE64"};
    return es_router_add(r, &get);
}
